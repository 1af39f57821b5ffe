//! Storage handed over and then written again: a slice (or map) the
//! function gives away (sends, stores, passes to a call) and whose backing
//! array it writes later on some path, through the same variable or one
//! sharing its array (`tasks := pending`). Go's `append`, `copy`, element
//! assignment and in-place library calls (`conn.Read(buf)`, `sort.Strings`)
//! write; a fresh allocation (`buf = make(…)`, `x = nil`, `x := …`) ends
//! the sharing.

use super::flow::Flow;
use super::reuse_sieve::LiteralSieve;
use super::scope::{declared_value, resolve, Binding};
use super::syntax::{descendants, enclosing_body, named_children, text};
use tree_sitter::Node;

/// The first write into `handed`'s storage that can run after `from`
/// (where it leaves the function: the send, the `go` statement; `handed`
/// itself when unknown), by the function around it. `handed` is a
/// variable or a slice of one (`buf`, `buf[:n]`). `writers` names calls
/// that write into a slice argument (`Read`, `ReadFull`, `Strings`…).
pub fn written_after<'t>(
    handed: Node<'t>,
    from: Node<'t>,
    source: &str,
    writers: &[&str],
) -> Option<Node<'t>> {
    let variable = storage_variable(handed)?;
    let binding = resolve(variable, source)?;
    let body = enclosing_body(handed)?;
    let flow = Flow::of(body, source);
    let from = flow.step_of(from)?;
    let declared_at = flow.step_of(binding.declaration);
    for (i, alias) in sharing(&binding, source).into_iter().enumerate() {
        let kills = |s: usize| allocates(&flow, s, &alias, source);
        // `group := pending; pending = make(…)`: a variable it was copied
        // from shares the storage only if it can still hold it here.
        let still_shared = match declared_at {
            Some(decl) if i > 0 => flow.reaching(decl, &kills)[from],
            _ => true,
        };
        if !still_shared {
            continue;
        }
        let reached = flow.reaching(from, &kills);
        for (step, _) in reached.iter().enumerate().filter(|(_, r)| **r) {
            if let Some(write) = write_in(&flow, step, &alias, source, writers) {
                return Some(write);
            }
        }
    }
    None
}

/// Which files of a module may hold a composite literal of each type
/// name: the identifier just before a `{` (`&pb.PutRequest{` →
/// `PutRequest`), found by scanning the text once per module, strings and
/// comments included (the parse after it decides). Asking about each
/// request type used to read the whole module again.
pub struct LiteralSites {
    files: Vec<std::path::PathBuf>,
    by_name: std::collections::HashMap<String, Vec<u32>>,
    /// Each file's top-level functions, lexed when first needed and kept
    /// with the text's hash: a file naming many request types is asked
    /// about once per type, and lexing it is most of the cost.
    functions: Vec<std::sync::Mutex<Option<HashedFunctions>>>,
}

/// A text's hash and its top-level functions' byte ranges.
type HashedFunctions = (u64, Vec<(usize, usize)>);

impl LiteralSites {
    /// The sites in `files` (in that order); files larger than
    /// `max_filesize` are not read. `recorded` gives a file's literal type
    /// names when a scan has already read it (see [`literal_type_names_of`]):
    /// those files are not read again.
    pub fn of(
        files: Vec<std::path::PathBuf>,
        max_filesize: crate::filesize::MaxFilesize,
        recorded: &dyn Fn(&std::path::Path) -> Option<Box<str>>,
    ) -> Self {
        let mut by_name: std::collections::HashMap<String, Vec<u32>> = Default::default();
        let mut buffer = Vec::new();
        for (i, path) in files.iter().enumerate() {
            let names = match recorded(path) {
                Some(names) => names,
                None => match max_filesize.read_text_into(path, &mut buffer) {
                    Some(source) => literal_type_names_of(source),
                    None => continue,
                },
            };
            for name in names.split('\n').filter(|n| !n.is_empty()) {
                match by_name.get_mut(name) {
                    Some(files) => files.push(i as u32),
                    None => {
                        by_name.insert(name.to_string(), vec![i as u32]);
                    }
                }
            }
        }
        let functions = files.iter().map(|_| Default::default()).collect();
        LiteralSites {
            files,
            by_name,
            functions,
        }
    }

    /// The files naming `type_name`, with their indexes.
    fn files_naming<'a>(
        &'a self,
        type_name: &str,
    ) -> impl Iterator<Item = (usize, &'a std::path::PathBuf)> {
        let found = self
            .by_name
            .get(type_name)
            .map_or(&[][..], |v| v.as_slice());
        found.iter().map(|&i| (i as usize, &self.files[i as usize]))
    }

    /// The top-level functions of file `i`, whose text is `source`.
    fn functions_of(&self, i: usize, source: &str) -> Vec<(usize, usize)> {
        let hash = crate::fsio::content_hash(source.as_bytes());
        let mut cached = self.functions[i].lock().unwrap();
        match &*cached {
            Some((h, functions)) if *h == hash => functions.clone(),
            _ => {
                let functions = super::narrow::top_level_functions(source);
                *cached = Some((hash, functions.clone()));
                functions
            }
        }
    }
}

/// The distinct type names of a text's literal sites (see
/// [`LiteralSites`]), a line each: what a scan keeps of a file it reads
/// anyway, so that the module's sites need no second read.
pub fn literal_type_names_of(source: &str) -> Box<str> {
    let mut names: Vec<&str> = literal_type_names(source).map(|(_, n)| n).collect();
    names.sort_unstable();
    names.dedup();
    names.join("\n").into_boxed_str()
}

/// (offset of `{`, the identifier just before it) for each `{` of the
/// text that follows an identifier.
fn literal_type_names(source: &str) -> impl Iterator<Item = (usize, &str)> {
    let bytes = source.as_bytes();
    // Non-ASCII bytes may be letters of a name: Go allows them.
    let in_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    source.match_indices('{').filter_map(move |(brace, _)| {
        let start = bytes[..brace]
            .iter()
            .rposition(|&b| !in_name(b))
            .map_or(0, |i| i + 1);
        (start < brace && source.is_char_boundary(start)).then(|| (brace, &source[start..brace]))
    })
}

/// The offsets of the `{` of each `type_name{` of the text (as
/// [`literal_type_names`] finds them, searched for by name).
fn literal_braces<'a>(source: &'a str, type_name: &'a str) -> impl Iterator<Item = usize> + 'a {
    let bytes = source.as_bytes();
    let in_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    memchr::memmem::find_iter(bytes, type_name.as_bytes()).filter_map(move |at| {
        let brace = at + type_name.len();
        let whole = at == 0 || !in_name(bytes[at - 1]);
        (whole && bytes.get(brace) == Some(&b'{')).then_some(brace)
    })
}

/// Where some code of a module (its `sites`) hands a variable over in a
/// field of a `type_name` literal (`&pb.UpdateThreadRequest{AddTags:
/// tags}`) and then writes it (`tags = append(tags[:0], …)` on the next
/// iteration): the file, line and write. Paths are shown relative to
/// `base`; files larger than `max_filesize` are not read.
pub fn handed_over_and_reused(
    sites: &LiteralSites,
    base: &std::path::Path,
    type_name: &str,
    writers: &[&str],
    max_filesize: crate::filesize::MaxFilesize,
) -> Option<String> {
    let asked = Asked {
        sites,
        base,
        writers,
        max_filesize,
    };
    asked.answers(&[type_name], false).pop().flatten()
}

/// [`handed_over_and_reused`] for each of `type_names`, reading each file
/// that names some of them once, on every core when `parallel`.
pub fn handed_over_and_reused_each(
    sites: &LiteralSites,
    base: &std::path::Path,
    type_names: &[&str],
    writers: &[&str],
    max_filesize: crate::filesize::MaxFilesize,
    parallel: bool,
) -> Vec<Option<String>> {
    let asked = Asked {
        sites,
        base,
        writers,
        max_filesize,
    };
    asked.answers(type_names, parallel)
}

/// What a question about literal types reads: the module's sites, and how.
struct Asked<'a> {
    sites: &'a LiteralSites,
    base: &'a std::path::Path,
    writers: &'a [&'a str],
    max_filesize: crate::filesize::MaxFilesize,
}

impl Asked<'_> {
    /// For each type name, the first file (in the sites' order) that
    /// hands a variable over in one of its literals and writes it after.
    fn answers(&self, type_names: &[&str], parallel: bool) -> Vec<Option<String>> {
        // File index → the type names (their indexes) it holds literals of.
        let mut by_file: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (t, name) in type_names.iter().enumerate() {
            for (i, _) in self.sites.files_naming(name) {
                by_file.entry(i).or_default().push(t);
            }
        }
        let by_file: Vec<(usize, Vec<usize>)> = by_file.into_iter().collect();
        let found: Vec<Vec<(usize, String)>> = if parallel {
            use rayon::prelude::*;
            by_file
                .par_iter()
                .map(|(i, types)| self.in_file(*i, type_names, types))
                .collect()
        } else {
            by_file
                .iter()
                .map(|(i, types)| self.in_file(*i, type_names, types))
                .collect()
        };
        // Files come in order: the first answer for a type is its file's.
        let mut answers = vec![None; type_names.len()];
        for (t, write) in found.into_iter().flatten() {
            answers[t].get_or_insert(write);
        }
        answers
    }

    /// The types among `types` (indexes into `type_names`) whose literals
    /// in file `i` hand over a variable written after, with the write.
    fn in_file(&self, i: usize, type_names: &[&str], types: &[usize]) -> Vec<(usize, String)> {
        thread_local! {
            static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
        }
        let mut buffer = BUFFER.take();
        let found = self.in_text(i, &mut buffer, type_names, types);
        BUFFER.set(buffer);
        found
    }

    fn in_text(
        &self,
        i: usize,
        buffer: &mut Vec<u8>,
        type_names: &[&str],
        types: &[usize],
    ) -> Vec<(usize, String)> {
        let path = &self.sites.files[i];
        let Some(source) = self.max_filesize.read_text_into(path, buffer) else {
            return Vec::new();
        };
        // Only the functions holding such a literal (one outside any
        // function has no later write to look for) whose text shows it
        // may be handed over and written again.
        let functions = self.sites.functions_of(i, source);
        let function_of = |brace: usize| {
            let i = functions.partition_point(|&(start, _)| start <= brace);
            i.checked_sub(1)
                .map(|i| functions[i])
                .filter(|&(_, end)| brace < end)
        };
        // (brace, type) of each literal of the types, in the text's order:
        // the sieve reads a function once for all the literals in it.
        let mut braces: Vec<(usize, usize)> = types
            .iter()
            .flat_map(|&t| literal_braces(source, type_names[t]).map(move |brace| (brace, t)))
            .collect();
        braces.sort_unstable();
        let mut sieve = LiteralSieve::new(source, self.writers);
        // For each type, the functions where one of its literals passes.
        let mut passing: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
        for (brace, t) in braces {
            let Some(function) = function_of(brace) else {
                continue;
            };
            if !sieve.may_hand_over_reused(function, brace) {
                continue;
            }
            match passing.iter_mut().find(|(u, _)| *u == t) {
                Some((_, held)) if held.last() == Some(&function) => {}
                Some((_, held)) => held.push(function),
                None => passing.push((t, vec![function])),
            }
        }
        if passing.is_empty() {
            return Vec::new();
        }
        let at: Vec<usize> = passing
            .iter()
            .flat_map(|(_, held)| held.iter().map(|&(start, _)| start))
            .collect();
        let left_out = super::narrow::items_unneeded_around(source, &at);
        let Ok(tree) = super::parse::parse_leaving_out(source, &left_out) else {
            return Vec::new();
        };
        let literals: Vec<Node> = descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.kind() == "composite_literal")
            .collect();
        let mut found = Vec::new();
        for (t, held) in passing {
            // As if the tree held only these functions: a literal in
            // another type's function, outside its own, is not read.
            let read = |literal: &Node| match function_of(literal.start_byte()) {
                Some(function) => held.contains(&function),
                None => true,
            };
            let reused = literals
                .iter()
                .filter(|l| read(l) && names_type(**l, source, type_names[t]))
                .find_map(|literal| {
                    keyed_values(*literal)
                        .into_iter()
                        .find_map(|value| written_after(value, value, source, self.writers))
                });
            if let Some(write) = reused {
                let shown = path.strip_prefix(self.base).unwrap_or(path);
                found.push((
                    t,
                    format!(
                        "{}:{} writes it with `{}` after handing it over",
                        shown.display(),
                        write.start_position().row + 1,
                        text(write, source)
                    ),
                ));
            }
        }
        found
    }
}

/// Whether a composite literal's type is `type_name`, written as
/// `T`, `pkg.T` or `T[…]`.
fn names_type(literal: Node, source: &str, type_name: &str) -> bool {
    literal.child_by_field_name("type").is_some_and(|t| {
        let written = text(t, source);
        let bare = written.split('[').next().unwrap_or(written);
        bare.rsplit('.').next() == Some(type_name)
    })
}

/// The values of `field: value` elements of a composite literal.
fn keyed_values(literal: Node) -> Vec<Node> {
    let Some(body) = literal.child_by_field_name("body") else {
        return Vec::new();
    };
    named_children(body)
        .into_iter()
        .filter(|e| e.kind() == "keyed_element")
        .filter_map(|e| e.child_by_field_name("value"))
        .collect()
}

/// Whether the function around `handed` writes a variable of its name at
/// all (by name, no flow): a cheap sieve before [`written_after`]. The
/// names a body writes are listed once per body (a rule asks for each
/// candidate in it); `tree` names the tree `handed` is in, unique in the
/// run (`FileContext::serial`).
pub fn may_be_written(handed: Node, source: &str, writers: &[&str], tree: u64) -> bool {
    thread_local! {
        /// The names each body writes, for the tree being read: the
        /// candidates of one file come from a few bodies, in and out of
        /// nested function literals.
        static WRITTEN: std::cell::RefCell<WrittenByBody> = Default::default();
    }
    let (Some(variable), Some(body)) = (storage_variable(handed), enclosing_body(handed)) else {
        return false;
    };
    // The tree and the body's span and node name it: a text's address
    // does not, since a scan reads file after file into one buffer.
    let file = tree;
    let key = (body.byte_range().start, body.byte_range().end, body.id());
    let name = text(variable, source);
    let written = WRITTEN.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.file != file {
            cache.file = file;
            cache.bodies.clear();
        }
        cache
            .bodies
            .entry(key)
            .or_insert_with(|| {
                let names = written_storage(body, source, writers)
                    .into_iter()
                    .map(|n| text(n, source).to_string())
                    .collect();
                std::rc::Rc::new(names)
            })
            .clone()
    });
    if written.is_empty() {
        return false;
    }
    if written.iter().any(|w| w == name) {
        return true;
    }
    // Through the variables it was copied from (`group := pending`).
    resolve(variable, source).is_some_and(|binding| {
        sharing(&binding, source)
            .iter()
            .any(|b| written.iter().any(|w| w == text(b.name, source)))
    })
}

/// The names each body of one file writes (see [`may_be_written`]).
#[derive(Default)]
struct WrittenByBody {
    file: u64,
    bodies: std::collections::HashMap<(usize, usize, usize), std::rc::Rc<Vec<String>>>,
}

/// Every variable whose storage `body` writes, found from the writing
/// statements and calls down: the same uses [`writing_use`] recognises
/// from the variable up, without climbing to parents (tree-sitter finds a
/// node's parent by walking down from the root, so climbing from each
/// identifier of a large function costs its depth every time).
fn written_storage<'t>(body: Node<'t>, source: &str, writers: &[&str]) -> Vec<Node<'t>> {
    let mut written = Vec::new();
    // `x[i] = …`, `x[:n][i]++`: the operand of an indexed target.
    let mut indexed = |target: Node<'t>| {
        if target.kind() == "index_expression" {
            written.extend(
                target
                    .child_by_field_name("operand")
                    .and_then(resliced_variable),
            );
        }
    };
    let mut calls = Vec::new();
    for node in descendants(body) {
        match node.kind() {
            "assignment_statement" => {
                if let Some(left) = node.child_by_field_name("left") {
                    named_children(left).into_iter().for_each(&mut indexed);
                }
            }
            "inc_statement" | "dec_statement" => {
                node.named_child(0).into_iter().for_each(&mut indexed);
            }
            "call_expression" => calls.push(node),
            _ => {}
        }
    }
    for call in calls {
        let (Some(function), Some(arguments)) = (
            call.child_by_field_name("function"),
            call.child_by_field_name("arguments"),
        ) else {
            continue;
        };
        let name = match function.kind() {
            "selector_expression" => function
                .child_by_field_name("field")
                .map_or("", |f| text(f, source)),
            _ => text(function, source),
        };
        let builtin = function.kind() == "identifier"
            && matches!(name, "append" | "copy" | "delete" | "clear");
        let first = arguments.named_child(0).map(|a| a.id());
        for argument in named_children(arguments) {
            let writes = (builtin && Some(argument.id()) == first) || writers.contains(&name);
            if writes {
                written.extend(resliced_variable(argument));
            }
        }
    }
    written
}

/// `x` of `x`, `x[:n]`, `x[a:][:b]`: the variable whose array a reslice
/// still writes.
fn resliced_variable(expr: Node) -> Option<Node> {
    match expr.kind() {
        "identifier" => Some(expr),
        "slice_expression" => resliced_variable(expr.child_by_field_name("operand")?),
        _ => None,
    }
}

/// `buf` of `buf`, `buf[:n]`, `(buf)[a:b]`.
fn storage_variable(expr: Node) -> Option<Node> {
    match expr.kind() {
        "identifier" => Some(expr),
        "slice_expression" => storage_variable(expr.child_by_field_name("operand")?),
        "parenthesized_expression" | "literal_element" => storage_variable(expr.named_child(0)?),
        _ => None,
    }
}

/// The variable and those it was copied from when declared
/// (`tasks := pending`, `b := buf[:n]`): they share one backing array.
fn sharing<'t>(binding: &Binding<'t>, source: &str) -> Vec<Binding<'t>> {
    let mut out = vec![*binding];
    let mut current = *binding;
    for _ in 0..4 {
        let Some(origin) = declared_from(&current, source) else {
            break;
        };
        if out.iter().any(|b| b.same(&origin)) {
            break;
        }
        out.push(origin);
        current = origin;
    }
    out
}

/// The variable whose storage `binding` was declared with, if any.
fn declared_from<'t>(binding: &Binding<'t>, source: &str) -> Option<Binding<'t>> {
    resolve(storage_variable(declared_value(binding)?)?, source)
}

/// Whether step `s` gives `alias` new storage: `x = make(…)`, `x = nil`,
/// `x = T{…}`, a redeclaration, any assignment but of `append(x…)` or a
/// reslice of `x` itself.
fn allocates(flow: &Flow, s: usize, alias: &Binding, source: &str) -> bool {
    // Passing the declaration again (`var batch []T` in a loop body)
    // makes a new variable: the old storage is no longer its.
    let declares = flow.steps[s]
        .atoms
        .iter()
        .any(|atom| super::syntax::contains(*atom, alias.name));
    declares
        || flow.steps[s].atoms.iter().any(|atom| {
            descendants(*atom).into_iter().any(|n| {
                if !matches!(n.kind(), "assignment_statement" | "short_var_declaration") {
                    return false;
                }
                let (Some(left), Some(right)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                ) else {
                    return false;
                };
                let values = named_children(right);
                named_children(left)
                    .into_iter()
                    .enumerate()
                    .any(|(i, target)| {
                        target.kind() == "identifier"
                            && is_alias(target, alias, source)
                            && values
                                .get(i)
                                .is_some_and(|v| !keeps_storage(*v, alias, source))
                    })
            })
        })
}

/// `append(x, …)`, `x[a:b]`, `x`: the result still shares `x`'s array.
fn keeps_storage(value: Node, alias: &Binding, source: &str) -> bool {
    let base = match value.kind() {
        "call_expression"
            if value
                .child_by_field_name("function")
                .is_some_and(|f| text(f, source) == "append") =>
        {
            value
                .child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
        }
        _ => Some(value),
    };
    base.and_then(storage_variable)
        .is_some_and(|v| is_alias(v, alias, source))
}

fn is_alias(ident: Node, alias: &Binding, source: &str) -> bool {
    text(ident, source) == text(alias.name, source)
        && resolve(ident, source).is_some_and(|b| b.same(alias))
}

/// A write into `alias`'s storage in step `s`.
fn write_in<'t>(
    flow: &Flow<'t>,
    s: usize,
    alias: &Binding,
    source: &str,
    writers: &[&str],
) -> Option<Node<'t>> {
    flow.idents(s)
        .into_iter()
        .filter(|i| is_alias(*i, alias, source))
        .find_map(|ident| writing_use(ident, source, writers))
}

/// The expression by which this use of a variable writes its storage:
/// `x[i] = …`, `x[i]++`, `append(x…, …)`, `copy(x…, …)`, `delete(x, k)`,
/// `clear(x)`, or a writer call taking `x…`.
fn writing_use<'t>(ident: Node<'t>, source: &str, writers: &[&str]) -> Option<Node<'t>> {
    let mut node = ident;
    // Through reslices: `x[:0]` still writes `x`'s array.
    while let Some(parent) = node.parent().filter(|p| {
        p.kind() == "slice_expression" && p.child_by_field_name("operand") == Some(node)
    }) {
        node = parent;
    }
    let parent = node.parent()?;
    match parent.kind() {
        "index_expression" if parent.child_by_field_name("operand") == Some(node) => {
            let target = parent.parent()?;
            let assigned = target.kind() == "expression_list"
                && target.parent().is_some_and(|s| {
                    s.kind() == "assignment_statement"
                        && s.child_by_field_name("left") == Some(target)
                });
            let stepped = target.kind() == "inc_statement" || target.kind() == "dec_statement";
            (assigned || stepped).then_some(parent)
        }
        "argument_list" => {
            let call = parent.parent()?;
            let function = call.child_by_field_name("function")?;
            let first = parent.named_child(0).is_some_and(|a| a.id() == node.id());
            let name = match function.kind() {
                "selector_expression" => text(function.child_by_field_name("field")?, source),
                _ => text(function, source),
            };
            let builtin = function.kind() == "identifier"
                && matches!(name, "append" | "copy" | "delete" | "clear")
                && first;
            (builtin || writers.contains(&name)).then_some(call)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::parse::parse;

    const WRITERS: &[&str] = &["Read", "ReadFull"];

    /// The write found after the `nth` occurrence of `handed` (by text).
    fn write_after(src: &str, handed: &str, nth: usize) -> Option<String> {
        let tree = parse(src).unwrap();
        let node = descendants(tree.root_node())
            .into_iter()
            .filter(|n| n.is_named() && text(*n, src) == handed)
            .nth(nth)
            .expect("handed expression");
        written_after(node, node, src, WRITERS).map(|w| text(w, src).to_string())
    }

    fn func(body: &str) -> String {
        format!("package p\n\nfunc f(conn Conn, ch chan Packet) {{\n{body}\n}}\n")
    }

    #[test]
    fn a_module_reusing_what_it_put_in_a_literal_is_found_by_the_literal_type() {
        let dir = tempfile::tempdir().unwrap();
        let caller = "package c\n\nvar table = pb.PutRequest{}\n\nfunc send(c Client, items []string) {\n\ttags := make([]string, 0, 8)\n\tfor _, it := range items {\n\t\ttags = append(tags[:0], it)\n\t\tc.Put(&pb.PutRequest{Tags: tags})\n\t}\n}\n";
        let other =
            "package c\n\n// Request{ in a comment, and a Put{} literal.\nfunc g() { _ = Put{} }\n";
        std::fs::write(dir.path().join("a.go"), caller).unwrap();
        std::fs::write(dir.path().join("b.go"), other).unwrap();
        let files = vec![dir.path().join("a.go"), dir.path().join("b.go")];
        let limit = crate::filesize::MaxFilesize::default();
        let sites = LiteralSites::of(files, limit, &|_| None);
        let found = |name: &str| handed_over_and_reused(&sites, dir.path(), name, WRITERS, limit);
        assert_eq!(
            found("PutRequest").as_deref(),
            Some("a.go:8 writes it with `append(tags[:0], it)` after handing it over")
        );
        assert_eq!(found("Request"), None);
        assert_eq!(found("Put"), None);
        let names: Vec<&str> = literal_type_names(caller).map(|(_, n)| n).collect();
        assert_eq!(names, ["PutRequest", "PutRequest"]);
    }

    /// Asking for several types at once (one read and parse a file) gives
    /// each type the answer it gets alone: the first file's write, and no
    /// write found through another type's literal in the same function.
    #[test]
    fn types_asked_together_get_the_answers_they_get_alone() {
        let dir = tempfile::tempdir().unwrap();
        let first = concat!(
            "package c\n\n",
            "func send(c Client, items []string) {\n\ttags := make([]string, 0, 8)\n",
            "\tfor _, it := range items {\n\t\ttags = append(tags[:0], it)\n",
            "\t\tc.Put(&pb.PutRequest{Tags: tags})\n\t}\n}\n\n",
            "func get(c Client, keys []string) {\n\tbuf := make([]string, 0, 8)\n",
            "\tfor _, k := range keys {\n\t\tbuf = append(buf[:0], k)\n",
            "\t\tc.Get(&pb.GetRequest{Keys: buf})\n\t\tc.Del(&pb.DelRequest{})\n\t}\n}\n",
        );
        let second = concat!(
            "package c\n\nfunc put(c Client, items []string) {\n\tvar tags []string\n",
            "\tfor _, it := range items {\n\t\tc.Put(&pb.PutRequest{Tags: tags})\n",
            "\t\ttags = append(tags[:0], it)\n\t}\n}\n",
        );
        std::fs::write(dir.path().join("a.go"), first).unwrap();
        std::fs::write(dir.path().join("b.go"), second).unwrap();
        let files = vec![dir.path().join("a.go"), dir.path().join("b.go")];
        let limit = crate::filesize::MaxFilesize::default();
        let sites = LiteralSites::of(files, limit, &|_| None);
        let names = ["DelRequest", "GetRequest", "PutRequest", "Missing"];
        let alone: Vec<Option<String>> = names
            .iter()
            .map(|name| handed_over_and_reused(&sites, dir.path(), name, WRITERS, limit))
            .collect();
        assert_eq!(
            alone,
            [
                None,
                Some("a.go:14 writes it with `append(buf[:0], k)` after handing it over".into()),
                Some("a.go:6 writes it with `append(tags[:0], it)` after handing it over".into()),
                None,
            ]
        );
        for parallel in [false, true] {
            let together =
                handed_over_and_reused_each(&sites, dir.path(), &names, WRITERS, limit, parallel);
            assert_eq!(together, alone, "parallel: {parallel}");
        }
    }

    /// The sieve's walk down from the writes finds exactly the identifiers
    /// that `writing_use` recognises walking up from each of them.
    #[test]
    fn the_writes_found_from_above_are_those_found_from_each_variable() {
        let src = func(concat!(
            "\ta[i] = 1\n\tb[:n][j]++\n\tc[i][j] = 2\n\td[k]--\n\te.f[i] = 3\n",
            "\tg = append(g[:0], h...)\n\tcopy(p, q)\n\tdelete(m, k)\n\tclear(r)\n",
            "\tconn.Read(s[2:])\n\tio.ReadFull(conn, t)\n\tx := append(y, z)\n",
            "\tfmt.Println(u)\n\tv, w[0] = 1, 2\n\tgo func() { aa[0] = 1 }()\n",
            "\tappend2(bb)\n\t(cc)[0] = 1\n\tch <- Packet{dd}\n\t_ = x",
        ));
        let tree = parse(&src).unwrap();
        let body = descendants(tree.root_node())
            .into_iter()
            .find(|n| n.kind() == "block")
            .unwrap();
        let names = |nodes: Vec<Node>| {
            let mut names: Vec<String> = nodes.iter().map(|n| text(*n, &src).to_string()).collect();
            names.sort();
            names
        };
        let from_below = descendants(body)
            .into_iter()
            .filter(|n| n.kind() == "identifier" && writing_use(*n, &src, WRITERS).is_some())
            .collect();
        let from_above = written_storage(body, &src, WRITERS);
        assert_eq!(names(from_above.clone()), names(from_below));
        assert_eq!(
            names(from_above),
            ["a", "aa", "b", "conn", "d", "g", "m", "p", "r", "s", "t", "w", "y"]
        );
    }

    #[test]
    fn a_loop_reading_into_the_buffer_again_writes_it() {
        let src = func(
            "\tbuf := make([]byte, 1500)\n\tfor {\n\t\tn, err := conn.Read(buf)\n\t\tif err != nil {\n\t\t\treturn\n\t\t}\n\t\tch <- Packet{buf[:n]}\n\t}",
        );
        assert_eq!(
            write_after(&src, "buf[:n]", 0).as_deref(),
            Some("conn.Read(buf)")
        );
    }

    #[test]
    fn a_fresh_buffer_each_time_is_not_reused() {
        let src = func(
            "\tfor {\n\t\tbuf := make([]byte, 1500)\n\t\tn, err := conn.Read(buf)\n\t\tif err != nil {\n\t\t\treturn\n\t\t}\n\t\tch <- Packet{buf[:n]}\n\t}",
        );
        assert_eq!(write_after(&src, "buf[:n]", 0), None);
        let reassigned = func(
            "\tbuf := make([]byte, 1500)\n\tfor {\n\t\tn, _ := conn.Read(buf)\n\t\tch <- Packet{buf[:n]}\n\t\tbuf = make([]byte, 1500)\n\t}",
        );
        assert_eq!(write_after(&reassigned, "buf[:n]", 0), None);
    }

    #[test]
    fn appends_after_a_reslice_write_the_handed_array() {
        let src = func(
            "\tvar pending []T\n\tfor t := range in {\n\t\tpending = append(pending, t)\n\t\tif len(pending) == 8 {\n\t\t\ttasks := pending\n\t\t\tpending = pending[:0]\n\t\t\tgo run(tasks)\n\t\t}\n\t}",
        );
        assert_eq!(
            write_after(&src, "tasks", 1).as_deref(),
            Some("append(pending, t)")
        );
        let fresh = src.replace("pending = pending[:0]", "pending = nil");
        assert_eq!(write_after(&fresh, "tasks", 1), None);
    }

    #[test]
    fn a_variable_declared_in_the_loop_is_new_each_time() {
        let src = func(
            "\tfor {\n\t\tvar batch []T\n\t\tbatch = append(batch, next())\n\t\tch <- batch\n\t}",
        );
        assert_eq!(write_after(&src, "batch", 2), None);
    }

    #[test]
    fn writes_before_the_hand_over_do_not_count() {
        let src = func("\tbuf := make([]byte, 8)\n\tbuf[0] = 1\n\tch <- Packet{buf}\n\treturn");
        assert_eq!(write_after(&src, "buf", 2), None);
        let after = func("\tbuf := make([]byte, 8)\n\tch <- Packet{buf}\n\tbuf[0] = 1");
        assert_eq!(write_after(&after, "buf", 1).as_deref(), Some("buf[0]"));
    }
}
