//! The variables a rule's template reads, checked when the rule loads: a
//! name that is no capture of the query or pattern, no parameter and no
//! variable of the rule's action renders as an error on every finding, so
//! it is a mistake in the rule file, reported with its line.
//!
//! What a template binds itself (`set`, a `for` loop's variables and
//! `loop`, a macro's arguments) is not read from outside.

use std::collections::HashMap;
use tera::ast::{Expr, ExprVal, Node};
use toml::Spanned;

/// What a template may read beside what it binds itself.
pub struct Given<'a> {
    /// The query's (or pattern's) capture names.
    pub captures: &'a [&'a str],
    pub param_exists: &'a dyn Fn(&str) -> bool,
    /// The action's variables for this template (`Action::template_vars`).
    pub action_vars: &'a [String],
    /// `action `replace` gives: …`, for the error.
    pub action: &'a str,
}

/// Checks template `name` of `tera`, written at `source` in the rule file
/// `text`; `key` is how the rule file names it (`message`, `template`).
/// An error carries the offset of the first use of the unknown name.
pub fn check(
    tera: &tera::Tera,
    name: &str,
    key: &str,
    source: &Spanned<String>,
    text: &str,
    given: &Given,
) -> Result<(), (usize, String)> {
    let Some(template) = tera.templates.get(name) else {
        return Ok(());
    };
    for read in free_names(template) {
        let at = || used_at(text, source.span(), &read);
        if let Some(param) = read.strip_prefix("params.") {
            let param = root(param);
            if !(given.param_exists)(param) {
                return Err((
                    at(),
                    format!("`{key}` uses `params.{param}`: the rule has no parameter `{param}`"),
                ));
            }
            continue;
        }
        let name = root(&read);
        let known = name == "params"
            || given.captures.contains(&name)
            || given.action_vars.iter().any(|v| v == name);
        if !known {
            return Err((at(), unknown(key, name, given)));
        }
    }
    Ok(())
}

fn unknown(key: &str, name: &str, given: &Given) -> String {
    let mut captures: Vec<&str> = given.captures.to_vec();
    captures.sort_unstable();
    let captures = match captures.is_empty() {
        true => "none".to_string(),
        false => captures.join(", "),
    };
    format!(
        "`{key}` uses `{name}`, which is no capture of the rule ({captures}), no `params.NAME` and no variable {}",
        given.action
    )
}

/// The names `template` reads from what it is rendered with, as written
/// (`FORMAT`, `params.codes`, `x.y`), each once, in order of first use
/// (its macros' last, by name).
pub fn free_names(template: &tera::Template) -> Vec<String> {
    let mut reads = Reads::default();
    // A `set` anywhere binds its name for the whole template: a read
    // before it is tera's to report, not a name the rule lacks.
    set_keys(&template.ast, &mut reads.bound);
    reads.nodes(&template.ast);
    let mut macros: Vec<_> = template.macros.values().collect();
    macros.sort_by(|a, b| a.name.cmp(&b.name));
    for definition in macros {
        let depth = reads.bound.len();
        let defaults: HashMap<String, Expr> = (definition.args.iter())
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect();
        reads.args(&defaults);
        reads.bound.extend(definition.args.keys().cloned());
        set_keys(&definition.body, &mut reads.bound);
        reads.nodes(&definition.body);
        reads.bound.truncate(depth);
    }
    reads.names
}

/// `x` of `x.y` or `x[0]`.
fn root(name: &str) -> &str {
    name.split(['.', '[']).next().unwrap_or(name)
}

fn set_keys(body: &[Node], out: &mut Vec<String>) {
    for node in body {
        match node {
            Node::Set(_, set) => out.push(set.key.clone()),
            Node::Forloop(_, each, _) => {
                set_keys(&each.body, out);
                set_keys(each.empty_body.as_deref().unwrap_or_default(), out);
            }
            Node::If(branches, _) => {
                for (_, _, body) in &branches.conditions {
                    set_keys(body, out);
                }
                if let Some((_, body)) = &branches.otherwise {
                    set_keys(body, out);
                }
            }
            Node::FilterSection(_, section, _) => set_keys(&section.body, out),
            Node::Block(_, block, _) => set_keys(&block.body, out),
            _ => {}
        }
    }
}

/// A walk of a template's nodes, with the names bound where it stands.
#[derive(Default)]
struct Reads {
    bound: Vec<String>,
    names: Vec<String>,
}

impl Reads {
    fn nodes(&mut self, body: &[Node]) {
        body.iter().for_each(|node| self.node(node));
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::VariableBlock(_, expr) => self.expr(expr),
            Node::Set(_, set) => self.expr(&set.value),
            Node::FilterSection(_, section, _) => {
                self.args(&section.filter.args);
                self.nodes(&section.body);
            }
            Node::Block(_, block, _) => self.nodes(&block.body),
            Node::Forloop(_, each, _) => {
                self.expr(&each.container);
                let depth = self.bound.len();
                self.bound.extend(each.key.iter().cloned());
                self.bound.push(each.value.clone());
                self.bound.push("loop".to_string());
                self.nodes(&each.body);
                self.bound.truncate(depth);
                self.nodes(each.empty_body.as_deref().unwrap_or_default());
            }
            Node::If(branches, _) => {
                for (_, condition, body) in &branches.conditions {
                    self.expr(condition);
                    self.nodes(body);
                }
                if let Some((_, body)) = &branches.otherwise {
                    self.nodes(body);
                }
            }
            // Macros are walked with their arguments bound (`free_names`);
            // the rest reads nothing.
            _ => {}
        }
    }

    fn expr(&mut self, expr: &Expr) {
        self.value(&expr.val);
        for filter in &expr.filters {
            self.args(&filter.args);
        }
    }

    /// Named arguments, by name: tera keeps them in a `HashMap`, and the
    /// first unknown name must be the same on every run.
    fn args(&mut self, args: &HashMap<String, Expr>) {
        let mut sorted: Vec<_> = args.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        sorted.into_iter().for_each(|(_, e)| self.expr(e));
    }

    fn value(&mut self, value: &ExprVal) {
        match value {
            ExprVal::Ident(name) => self.read(name),
            ExprVal::Math(e) => [&*e.lhs, &*e.rhs].into_iter().for_each(|e| self.expr(e)),
            ExprVal::Logic(e) => [&*e.lhs, &*e.rhs].into_iter().for_each(|e| self.expr(e)),
            ExprVal::In(e) => [&*e.lhs, &*e.rhs].into_iter().for_each(|e| self.expr(e)),
            ExprVal::Test(test) => {
                self.read(&test.ident);
                test.args.iter().for_each(|e| self.expr(e));
            }
            ExprVal::FunctionCall(call) => self.args(&call.args),
            ExprVal::MacroCall(call) => self.args(&call.args),
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(e)),
            ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| self.value(v)),
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
        }
    }

    fn read(&mut self, name: &str) {
        // tera's own: the whole context, for `{{ __tera_context }}`.
        let own = name == "__tera_context";
        if !own
            && !self.bound.iter().any(|b| b == root(name))
            && !self.names.iter().any(|n| n == name)
        {
            self.names.push(name.to_string());
        }
    }
}

/// Where `name` is first used in the template written at `span` of the
/// rule file: inside a `{{ … }}` or `{% … %}`, as a whole word. The
/// template's start when it cannot be told.
fn used_at(text: &str, span: std::ops::Range<usize>, name: &str) -> usize {
    let raw = &text[span.clone()];
    let mut from = 0;
    while let Some(open) = raw[from..].find(['{']).map(|i| from + i) {
        let tag = match raw[open + 1..].chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                from = open + 1;
                continue;
            }
        };
        let close = raw[open..].find(tag).map_or(raw.len(), |i| open + i);
        if let Some(at) = word_in(&raw[open..close], name) {
            return span.start + open + at;
        }
        from = close;
    }
    span.start
}

/// The offset of `word` in `text` where it stands alone: no name
/// character before or after it, and no `.` before it (`x.word`).
fn word_in(text: &str, word: &str) -> Option<usize> {
    let in_name = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(|c| in_name(c) || c == '.') && !after.is_some_and(in_name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> Vec<String> {
        let mut tera = tera::Tera::default();
        tera.add_raw_template("t", source).unwrap();
        free_names(&tera.templates["t"])
    }

    #[test]
    fn a_template_reads_what_it_does_not_bind_itself() {
        assert_eq!(
            names("fmt.Errorf({{ FORMAT }}{% if ARGS %}, {{ ARGS }}{% endif %})"),
            ["FORMAT", "ARGS"]
        );
        assert_eq!(
            names("{{ params.codes | join(sep=sep) }} {{ x.y }} {{ a ~ b }}"),
            ["params.codes", "sep", "x.y", "a", "b"]
        );
        assert_eq!(
            names("{% for v in vs %}{{ v }}{{ loop.index }}{{ w }}{% endfor %}{{ v }}"),
            ["vs", "w", "v"]
        );
        assert_eq!(names("{% set n = m %}{{ n }}"), ["m"]);
        assert_eq!(
            names("{% macro q(x) %}\"{{ x }}{{ y }}\"{% endmacro q %}{{ self::q(x=v) }}"),
            ["v", "y"]
        );
        assert_eq!(
            names("{% if z is defined %}{{ __tera_context }}{% endif %}"),
            ["z"]
        );
    }

    #[test]
    fn a_name_is_found_inside_a_tag_as_a_whole_word() {
        let text = "message = \"\"\"\nerr := f()\n{{ e }} {{ x.err }} {{ err }}\"\"\"";
        let span = 10..text.len();
        let at = used_at(text, span.clone(), "err");
        assert_eq!(&text[at..at + 7], "err }}\"");
        assert_eq!(used_at(text, span.clone(), "nowhere"), span.start);
    }
}
