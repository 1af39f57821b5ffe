//! Bounds on what rendering a template builds in memory, beside the
//! bounds on its shape (`template_bounds`). Output written by the
//! template's body streams into a capped buffer, but some values are
//! built whole before anything is written, and a short template can make
//! them grow exponentially: a `set` that doubles a value (`s ~ s`), a
//! filter applied to a filter's result (`replace` with a longer text,
//! `json_encode` escaping its own quotes), a macro called from a macro
//! twice over, or a loop whose output a macro or a filter section
//! gathers. Memory that runs out aborts the process, so these are
//! refused when the rule loads, or stopped when a filter would pass
//! `MAX_VALUE` bytes.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tera::ast::{Expr, ExprVal, Node};
use tera::Value;

/// Largest value a filter may make, in bytes: a rule's whole output.
pub const MAX_VALUE: usize = super::template_bounds::MAX_OUTPUT;
/// Most macro bodies one rendering may expand.
pub const MAX_EXPANSIONS: usize = 64;

/// Checks a parsed template whose macros are known not to recurse.
pub fn check(template: &tera::Template) -> Result<(), String> {
    let main = Inventory::of(&template.ast);
    let macros: HashMap<&str, Inventory> = template
        .macros
        .iter()
        .map(|(name, definition)| (name.as_str(), Inventory::of(&definition.body)))
        .collect();
    let assigned: HashSet<&str> = main
        .sets
        .iter()
        .chain(macros.values().flat_map(|m| &m.sets))
        .map(|(name, _)| *name)
        .collect();
    for inventory in std::iter::once(&main).chain(macros.values()) {
        no_value_built_from_a_set(inventory, &assigned)?;
        if inventory.gathered_loop {
            return Err(gathered_loop("a `filter` section"));
        }
    }
    for (name, inventory) in &macros {
        if inventory.loops > 0 {
            return Err(gathered_loop(&format!("macro `{name}`")));
        }
    }
    let expansions = Expansions::new(&macros).of_calls(&main.calls);
    if expansions > MAX_EXPANSIONS {
        return Err(format!(
            "template expands macros {expansions} times; at most {MAX_EXPANSIONS}"
        ));
    }
    Ok(())
}

fn gathered_loop(holder: &str) -> String {
    format!(
        "{holder} holds a loop: its output is built in memory, and a loop can make it \
         as large as it likes; loop in the template's body instead"
    )
}

/// A `set` whose value reads a name that a `set` assigns can double that
/// value each time (`s ~ s`), or along a chain of names.
fn no_value_built_from_a_set(
    inventory: &Inventory,
    assigned: &HashSet<&str>,
) -> Result<(), String> {
    for (name, reads) in &inventory.sets {
        if let Some(read) = reads.iter().find(|r| assigned.contains(*r)) {
            return Err(format!(
                "`set {name}` reads `{read}`, which the template sets: a value built from \
                 another set value can double each time; compute it from the context"
            ));
        }
    }
    Ok(())
}

/// What a body holds, walked once: its `set`s with the names each value
/// reads, its loops, its macro calls (one per call site), and whether a
/// `filter` section in it holds a loop.
#[derive(Default)]
struct Inventory<'a> {
    sets: Vec<(&'a str, Vec<&'a str>)>,
    loops: usize,
    calls: Vec<&'a str>,
    gathered_loop: bool,
    reads: Vec<&'a str>,
}

impl<'a> Inventory<'a> {
    fn of(body: &'a [Node]) -> Self {
        let mut inventory = Inventory::default();
        inventory.nodes(body);
        inventory
    }

    fn nodes(&mut self, body: &'a [Node]) {
        for node in body {
            self.node(node);
        }
    }

    fn node(&mut self, node: &'a Node) {
        match node {
            Node::VariableBlock(_, expr) => self.expr(expr),
            Node::Set(_, set) => {
                let from = self.reads.len();
                self.expr(&set.value);
                let reads = self.reads[from..].to_vec();
                self.sets.push((set.key.as_str(), reads));
            }
            Node::FilterSection(_, section, _) => {
                section.filter.args.values().for_each(|e| self.expr(e));
                let loops = self.loops;
                self.nodes(&section.body);
                self.gathered_loop |= self.loops > loops;
            }
            Node::Block(_, block, _) => self.nodes(&block.body),
            Node::Forloop(_, each, _) => {
                self.loops += 1;
                self.expr(&each.container);
                self.nodes(&each.body);
                if let Some(body) = &each.empty_body {
                    self.nodes(body);
                }
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
            // Macros are taken one by one; the rest holds no expression.
            _ => {}
        }
    }

    fn expr(&mut self, expr: &'a Expr) {
        for filter in &expr.filters {
            filter.args.values().for_each(|e| self.expr(e));
        }
        self.value(&expr.val);
    }

    fn value(&mut self, value: &'a ExprVal) {
        match value {
            ExprVal::Ident(name) => self.reads.push(root_name(name)),
            ExprVal::Math(e) => [&*e.lhs, &*e.rhs].into_iter().for_each(|e| self.expr(e)),
            ExprVal::Logic(e) => [&*e.lhs, &*e.rhs].into_iter().for_each(|e| self.expr(e)),
            ExprVal::In(e) => [&*e.lhs, &*e.rhs].into_iter().for_each(|e| self.expr(e)),
            ExprVal::Test(test) => test.args.iter().for_each(|e| self.expr(e)),
            ExprVal::FunctionCall(call) => call.args.values().for_each(|e| self.expr(e)),
            ExprVal::Array(items) => items.iter().for_each(|e| self.expr(e)),
            ExprVal::StringConcat(concat) => concat.values.iter().for_each(|v| self.value(v)),
            ExprVal::MacroCall(call) => {
                self.calls.push(call.name.as_str());
                call.args.values().for_each(|e| self.expr(e));
            }
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => {}
        }
    }
}

/// `s` of `s.field` or `s[0]`.
fn root_name(name: &str) -> &str {
    name.split(['.', '[']).next().unwrap_or(name)
}

/// How many macro bodies rendering expands: each call site once, plus
/// what the called macro's own calls expand.
struct Expansions<'a, 'm> {
    macros: &'m HashMap<&'a str, Inventory<'a>>,
    known: HashMap<&'a str, usize>,
}

impl<'a, 'm> Expansions<'a, 'm> {
    fn new(macros: &'m HashMap<&'a str, Inventory<'a>>) -> Self {
        Expansions {
            macros,
            known: HashMap::new(),
        }
    }

    fn of_calls(&mut self, calls: &[&'a str]) -> usize {
        calls
            .iter()
            .map(|name| self.of_macro(name))
            .fold(0, usize::saturating_add)
    }

    fn of_macro(&mut self, name: &'a str) -> usize {
        if let Some(&n) = self.known.get(name) {
            return n;
        }
        // A call to a macro not defined here fails when it renders.
        let Some(inventory) = self.macros.get(name) else {
            return 1;
        };
        let n = 1usize.saturating_add(self.of_calls(&inventory.calls));
        self.known.insert(name, n);
        n
    }
}

/// Every filter of `tera` wrapped so that none makes a value larger than
/// `MAX_VALUE`; the ones that multiply their input are measured before
/// they run.
pub fn bound_filters(tera: &mut tera::Tera) {
    let filters: Vec<(String, Arc<dyn tera::Filter>)> = tera
        .filters
        .iter()
        .map(|(name, filter)| (name.clone(), filter.clone()))
        .collect();
    for (name, inner) in filters {
        tera.register_filter(&name.clone(), Bounded { name, inner });
    }
}

struct Bounded {
    name: String,
    inner: Arc<dyn tera::Filter>,
}

impl tera::Filter for Bounded {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> tera::Result<Value> {
        if let Some(size) = size_before(&self.name, value, args) {
            too_large(&self.name, size)?;
        }
        let result = self.inner.filter(value, args)?;
        too_large(&self.name, size_of(&result))?;
        Ok(result)
    }

    fn is_safe(&self) -> bool {
        self.inner.is_safe()
    }
}

fn too_large(filter: &str, size: usize) -> tera::Result<()> {
    if size > MAX_VALUE {
        return Err(tera::Error::msg(format!(
            "filter `{filter}` would make {size} bytes; at most {MAX_VALUE}"
        )));
    }
    Ok(())
}

/// The size a filter that multiplies its input would make, found before
/// it runs (it would hold the whole of it in memory first).
fn size_before(filter: &str, value: &Value, args: &HashMap<String, Value>) -> Option<usize> {
    let text = |name: &str| args.get(name).and_then(Value::as_str).unwrap_or("");
    match filter {
        "replace" => {
            let s = value.as_str()?;
            let from = text("from");
            let count = match from.is_empty() {
                true => s.chars().count() + 1,
                false => s.matches(from).count(),
            };
            Some(
                s.len()
                    .saturating_add(count.saturating_mul(text("to").len())),
            )
        }
        "indent" => {
            let s = value.as_str()?;
            let prefix = args
                .get("prefix")
                .and_then(Value::as_str)
                .map_or(4, str::len);
            let lines = s.matches('\n').count() + 1;
            Some(s.len().saturating_add(lines.saturating_mul(prefix)))
        }
        "join" => {
            let items = value.as_array()?;
            let separators = items.len().saturating_mul(text("sep").len());
            Some(separators.saturating_add(size_of(value)))
        }
        _ => None,
    }
}

/// About how many bytes a value holds.
fn size_of(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items
            .iter()
            .map(size_of)
            .fold(items.len(), usize::saturating_add),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| k.len().saturating_add(size_of(v)))
            .fold(map.len(), usize::saturating_add),
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::super::template_bounds::{add, instance, render};

    fn added(source: &str) -> Result<(), String> {
        add(&mut instance(), "fix", source)
    }

    fn rendered(source: &str) -> Result<String, String> {
        let mut tera = instance();
        add(&mut tera, "fix", source)?;
        let mut context = tera::Context::new();
        context.insert("name", "err");
        context.insert("names", &vec!["a", "b"]);
        render(&tera, "fix", &context)
    }

    #[test]
    fn values_built_from_set_values_are_refused() {
        let doubling = format!(
            "{{% set s = name %}}{}{{{{ s }}}}",
            "{% set s = s ~ s %}".repeat(40)
        );
        assert!(added(&doubling).unwrap_err().contains("reads `s`"));
        let chain = "{% set a = name %}{% set b = a ~ a %}{{ b }}";
        assert!(added(chain).unwrap_err().contains("reads `a`"));
        let global = "{% for n in names %}{% set_global all = all ~ n %}{% endfor %}";
        assert!(added(global).unwrap_err().contains("reads `all`"));
        assert_eq!(
            rendered("{% set up = name | upper %}{{ up }}").unwrap(),
            "ERR"
        );
    }

    #[test]
    fn loops_whose_output_is_gathered_in_memory_are_refused() {
        let in_macro = "{% macro m() %}{% for i in range(end=3) %}x{% endfor %}{% endmacro m %}\
                        {{ self::m() }}";
        assert!(added(in_macro)
            .unwrap_err()
            .contains("macro `m` holds a loop"));
        let in_section = "{% filter upper %}{% for n in names %}{{ n }}{% endfor %}{% endfilter %}";
        assert!(added(in_section)
            .unwrap_err()
            .contains("`filter` section holds a loop"));
        assert_eq!(
            rendered("{% for n in names %}{{ n }},{% endfor %}").unwrap(),
            "a,b,"
        );
    }

    #[test]
    fn macros_expanded_past_the_limit_are_refused() {
        // Each level calls the one below five times: m3 expands itself, 5
        // bodies of m2, 25 of m1 and 125 of m0: 156.
        let mut source = String::from("{% macro m0() %}x{% endmacro m0 %}");
        for level in 1..=3 {
            let call = format!("{{{{ self::m{}() }}}}", level - 1);
            source.push_str(&format!(
                "{{% macro m{level}() %}}{}{{% endmacro m{level} %}}",
                call.repeat(5)
            ));
        }
        let wide = format!("{source}{{{{ self::m3() }}}}");
        let err = added(&wide).unwrap_err();
        assert!(err.contains("expands macros 156 times"), "{err}");
        let narrow = format!("{source}{{{{ self::m2() }}}}");
        assert_eq!(rendered(&narrow).unwrap(), "x".repeat(25));
    }

    #[test]
    fn filters_that_would_make_too_much_fail_the_rendering() {
        let step = "| replace(from=\"x\", to=\"xxxxxxxxxxxxxxxx\") ";
        let chain = format!("{{{{ \"x\" {} }}}}", step.repeat(8));
        let err = rendered(&chain).unwrap_err();
        assert!(err.contains("filter `replace` would make"), "{err}");
        let joined = format!(
            "{{{{ range(end=100000) | join(sep=\"{}\") }}}}",
            "-".repeat(64)
        );
        assert!(rendered(&joined)
            .unwrap_err()
            .contains("filter `join` would make"));
        let quoted = format!("{{{{ name {} }}}}", "| json_encode ".repeat(40));
        assert!(rendered(&quoted)
            .unwrap_err()
            .contains("filter `json_encode` would make"));
        assert_eq!(rendered("{{ names | join(sep=\", \") }}").unwrap(), "a, b");
    }
}
