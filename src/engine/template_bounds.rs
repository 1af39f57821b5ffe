//! Bounds on a rule's tera templates, so that a template written to blow
//! up is a rule error and never takes the process down. tera recurses as
//! deep as the template nests (when parsing and when rendering) and a
//! recursive macro never stops: a stack overflow aborts the process, and
//! no thread or `catch_unwind` can stop that. So the shape is checked
//! before anything renders: the source is short, parsed on a thread with a
//! stack that its worst nesting fits in, no macro reaches itself, nothing
//! is included from elsewhere, and the nesting that rendering follows
//! (macro calls included) is shallow. Output is capped while it is written;
//! values built whole in memory are bounded by `template_growth`.

use std::collections::HashMap;
use std::io::Write;
use tera::ast::{Expr, ExprVal, Node};

/// Longest template source accepted (rule templates are a line or two).
pub const MAX_SOURCE: usize = 8 * 1024;
/// Deepest nesting (blocks, expressions, macro calls) rendering may follow.
pub const MAX_DEPTH: usize = 16;
/// Largest rendered text, in bytes.
pub const MAX_OUTPUT: usize = 1024 * 1024;
/// The stack for parsing: tera's parser recurses per nesting level, and a
/// template of `MAX_SOURCE` bytes nests at most that deep.
const PARSE_STACK: usize = 512 * 1024 * 1024;

/// Most items `range` may make: tera's own builds any list asked for, and
/// `range(end=10000000000)` would exhaust memory before anything renders.
pub const MAX_RANGE: i64 = 100_000;

/// A tera instance for rule templates: tera's own, with a bounded `range`.
pub fn instance() -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.register_function("range", bounded_range);
    super::template_growth::bound_filters(&mut tera);
    tera
}

fn bounded_range(args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let number = |name: &str, default: Option<i64>| match args.get(name) {
        Some(v) => v
            .as_i64()
            .ok_or_else(|| tera::Error::msg(format!("range: `{name}` is not a whole number"))),
        None => default.ok_or_else(|| tera::Error::msg(format!("range: `{name}` is missing"))),
    };
    let (start, end, step) = (
        number("start", Some(0))?,
        number("end", None)?,
        number("step_by", Some(1))?,
    );
    if step < 1 {
        return Err(tera::Error::msg("range: `step_by` must be at least 1"));
    }
    let count = (end.saturating_sub(start).max(0) + step - 1) / step;
    if count > MAX_RANGE {
        return Err(tera::Error::msg(format!(
            "range: {count} items; at most {MAX_RANGE}"
        )));
    }
    Ok((0..count)
        .map(|i| start + i * step)
        .collect::<Vec<_>>()
        .into())
}

/// Adds template `name` to `tera` once its shape is within bounds.
pub fn add(tera: &mut tera::Tera, name: &str, source: &str) -> Result<(), String> {
    if source.len() > MAX_SOURCE {
        return Err(format!(
            "template is {} bytes; at most {MAX_SOURCE} are accepted",
            source.len()
        ));
    }
    // Checked, then added (which parses again), both on the large stack.
    let check_and_add = || {
        check(&parse(name, source)?)?;
        tera.add_raw_template(name, source)
            .map_err(|e| describe(&e))
    };
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, check_and_add)
            .map_err(|e| format!("template could not be parsed: {e}"))?
            .join()
            .map_err(|_| "template parser failed".to_string())?
    })
}

fn parse(name: &str, source: &str) -> Result<tera::Template, String> {
    let mut alone = tera::Tera::default();
    alone
        .add_raw_template(name, source)
        .map_err(|e| describe(&e))?;
    alone
        .templates
        .remove(name)
        .ok_or_else(|| "template vanished".to_string())
}

fn describe(e: &tera::Error) -> String {
    let detail = std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default();
    format!("template does not parse: {e} {detail}")
        .trim()
        .to_string()
}

/// Renders `name`, failing once the output passes [`MAX_OUTPUT`].
pub fn render(tera: &tera::Tera, name: &str, context: &tera::Context) -> Result<String, String> {
    let mut out = Capped(Vec::new());
    tera.render_to(name, context, &mut out).map_err(|e| {
        if out.0.len() > MAX_OUTPUT {
            return format!("template output passes {MAX_OUTPUT} bytes");
        }
        chain(&e)
    })?;
    String::from_utf8(out.0).map_err(|e| e.to_string())
}

/// The error and every cause under it: tera puts what went wrong (a
/// function's own message) a few causes down.
fn chain(e: &tera::Error) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// A buffer that refuses to grow past [`MAX_OUTPUT`].
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            self.0.resize(MAX_OUTPUT + 1, 0);
            return Err(std::io::Error::other("output too large"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The checks on a parsed template; see the module comment.
fn check(template: &tera::Template) -> Result<(), String> {
    let mut depths = MacroDepths {
        macros: &template.macros,
        known: HashMap::new(),
        calling: Vec::new(),
    };
    let depth = depths.body(&template.ast)?;
    for name in template.macros.keys() {
        depths.of_macro(name)?;
    }
    if depth > MAX_DEPTH {
        return Err(format!(
            "template nests {depth} levels deep (macro calls included); at most {MAX_DEPTH}"
        ));
    }
    // With no recursion, what rendering builds in memory can be bounded.
    super::template_growth::check(template)
}

/// How deep rendering goes, through macro calls, remembering each macro.
struct MacroDepths<'a> {
    macros: &'a HashMap<String, tera::ast::MacroDefinition>,
    known: HashMap<&'a str, usize>,
    /// The macros being measured, outermost first: a call to one is recursion.
    calling: Vec<&'a str>,
}

impl<'a> MacroDepths<'a> {
    fn of_macro(&mut self, name: &'a str) -> Result<usize, String> {
        if let Some(&depth) = self.known.get(name) {
            return Ok(depth);
        }
        if let Some(at) = self.calling.iter().position(|m| *m == name) {
            let cycle = self.calling[at..].join("` calls `");
            return Err(format!(
                "template macro `{cycle}` calls `{name}`: recursive macros are not allowed"
            ));
        }
        let Some((key, definition)) = self.macros.get_key_value(name) else {
            return Err(format!(
                "template calls macro `{name}`, which it does not define"
            ));
        };
        self.calling.push(key);
        let depth = self.body(&definition.body);
        self.calling.pop();
        let depth = depth? + 1;
        self.known.insert(key, depth);
        self.guard(depth)
    }

    fn guard(&self, depth: usize) -> Result<usize, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "template nests more than {MAX_DEPTH} levels deep (macro calls included)"
            ));
        }
        Ok(depth)
    }

    fn body(&mut self, nodes: &'a [Node]) -> Result<usize, String> {
        let mut deepest = 0;
        for node in nodes {
            deepest = deepest.max(self.node(node)?);
        }
        Ok(deepest)
    }

    fn node(&mut self, node: &'a Node) -> Result<usize, String> {
        let depth =
            match node {
                Node::VariableBlock(_, expr) => self.expr(expr)?,
                Node::Set(_, set) => self.expr(&set.value)?,
                Node::FilterSection(_, section, _) => {
                    let args = self.exprs(section.filter.args.values())?;
                    args.max(self.body(&section.body)?)
                }
                Node::Block(_, block, _) => self.body(&block.body)?,
                Node::Forloop(_, each, _) => {
                    let empty = match &each.empty_body {
                        Some(body) => self.body(body)?,
                        None => 0,
                    };
                    self.expr(&each.container)?
                        .max(self.body(&each.body)?)
                        .max(empty)
                }
                Node::If(branches, _) => {
                    let mut deepest = match &branches.otherwise {
                        Some((_, body)) => self.body(body)?,
                        None => 0,
                    };
                    for (_, condition, body) in &branches.conditions {
                        deepest = deepest.max(self.expr(condition)?).max(self.body(body)?);
                    }
                    deepest
                }
                Node::Extends(..) | Node::Include(..) | Node::ImportMacro(..) => return Err(
                    "a rule template stands alone: it cannot include, extend or import templates"
                        .to_string(),
                ),
                // Definitions are measured where they are called.
                Node::MacroDefinition(..)
                | Node::Super
                | Node::Text(_)
                | Node::Raw(..)
                | Node::Break(_)
                | Node::Continue(_)
                | Node::Comment(..) => 0,
            };
        self.guard(depth + 1)
    }

    fn exprs(&mut self, exprs: impl IntoIterator<Item = &'a Expr>) -> Result<usize, String> {
        let mut deepest = 0;
        for expr in exprs {
            deepest = deepest.max(self.expr(expr)?);
        }
        Ok(deepest)
    }

    fn expr(&mut self, expr: &'a Expr) -> Result<usize, String> {
        let filters = self.exprs(expr.filters.iter().flat_map(|f| f.args.values()))?;
        let value = self.value(&expr.val)?;
        self.guard(filters.max(value) + 1)
    }

    fn value(&mut self, value: &'a ExprVal) -> Result<usize, String> {
        match value {
            ExprVal::Math(e) => self.exprs([&*e.lhs, &*e.rhs]),
            ExprVal::Logic(e) => self.exprs([&*e.lhs, &*e.rhs]),
            ExprVal::In(e) => self.exprs([&*e.lhs, &*e.rhs]),
            ExprVal::Test(test) => self.exprs(&test.args),
            ExprVal::FunctionCall(call) => self.exprs(call.args.values()),
            ExprVal::Array(items) => self.exprs(items),
            ExprVal::StringConcat(concat) => {
                let mut deepest = 0;
                for part in &concat.values {
                    deepest = deepest.max(self.value(part)?);
                }
                Ok(deepest)
            }
            ExprVal::MacroCall(call) => {
                let args = self.exprs(call.args.values())?;
                if call.namespace != "self" {
                    return Err(format!(
                        "template calls `{}::{}`: a rule template can only call its own macros (`self::`)",
                        call.namespace, call.name
                    ));
                }
                Ok(args.max(self.of_macro(&call.name)?))
            }
            ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_) => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(source: &str) -> Result<(), String> {
        add(&mut instance(), "fix", source)
    }

    #[test]
    fn ordinary_templates_and_acyclic_macros_are_accepted() {
        added("fmt.Errorf{{ args }}").unwrap();
        added("{% if a %}{{ a | upper }}{% else %}b{% endif %}").unwrap();
        added("{% macro q(x) %}\"{{ x }}\"{% endmacro q %}{{ self::q(x=v) }}").unwrap();
    }

    #[test]
    fn recursion_inclusion_and_deep_nesting_are_refused() {
        let recursive = "{% macro r(n) %}{{ self::r(n=n+1) }}{% endmacro r %}{{ self::r(n=0) }}";
        assert!(added(recursive).unwrap_err().contains("recursive"));
        let mutual = "{% macro a() %}{{ self::b() }}{% endmacro a %}\
                      {% macro b() %}{{ self::a() }}{% endmacro b %}{{ self::a() }}";
        assert!(added(mutual).unwrap_err().contains("recursive"));
        assert!(added("{% include \"fix\" %}")
            .unwrap_err()
            .contains("include"));
        let deep = format!("{}x{}", "{% if a %}".repeat(40), "{% endif %}".repeat(40));
        assert!(added(&deep).unwrap_err().contains("levels deep"));
        // As deep as the longest accepted source can nest: the parser
        // recurses that deep (on its own stack, both times it parses),
        // the parentheses leave nothing deep behind, and it renders.
        let parens = (MAX_SOURCE - 8) / 2;
        let deeper = format!("{{{{ {}1{} }}}}", "(".repeat(parens), ")".repeat(parens));
        let mut tera = instance();
        add(&mut tera, "fix", &deeper).unwrap();
        assert_eq!(render(&tera, "fix", &tera::Context::new()).unwrap(), "1");
        assert!(added(&"x".repeat(MAX_SOURCE + 1))
            .unwrap_err()
            .contains("bytes"));
    }

    /// The deepest template accepted renders on a thread with the default
    /// stack (this test's own), in a debug build too.
    #[test]
    fn the_deepest_accepted_template_renders() {
        let levels = MAX_DEPTH / 2 - 1;
        let source = format!(
            "{}{{{{ (((1 + 1) * 2) - 1) }}}}{}",
            "{% if true %}".repeat(levels),
            "{% endif %}".repeat(levels)
        );
        let mut tera = instance();
        add(&mut tera, "fix", &source).unwrap();
        assert_eq!(render(&tera, "fix", &tera::Context::new()).unwrap(), "3");
    }

    #[test]
    fn a_range_too_long_to_build_is_an_error() {
        let mut tera = instance();
        add(&mut tera, "fix", "{{ range(end=10000000000) | length }}").unwrap();
        let err = render(&tera, "fix", &tera::Context::new()).unwrap_err();
        assert!(err.contains("at most"), "{err}");
        add(
            &mut tera,
            "ok",
            "{% for i in range(start=1, end=7, step_by=2) %}{{ i }}{% endfor %}",
        )
        .unwrap();
        assert_eq!(render(&tera, "ok", &tera::Context::new()).unwrap(), "135");
    }

    #[test]
    fn output_past_the_cap_is_an_error() {
        let mut tera = instance();
        add(
            &mut tera,
            "fix",
            "{% for i in range(end=1000) %}{% for j in range(end=1000) %}0123456789{% endfor %}{% endfor %}",
        )
        .unwrap();
        let err = render(&tera, "fix", &tera::Context::new()).unwrap_err();
        assert!(err.contains("output passes"), "{err}");
    }
}
