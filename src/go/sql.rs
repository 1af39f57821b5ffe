//! database/sql knowledge: which statements write which tables, which calls
//! begin and commit a transaction, and so which function owns the
//! transaction that a MySQL deadlock rolls back whole. A retry is only
//! correct around that function: retrying one statement of a rolled-back
//! transaction, or a function handed its caller's `*sql.Tx`, is wrong.

use super::functions::{called_name, string_value, Function};
use super::syntax::{descendants, text};
use std::collections::{BTreeSet, HashMap};
use tree_sitter::Node;

/// Methods that begin a transaction (database/sql, sqlx).
const BEGIN_METHODS: &[&str] = &[
    "Begin",
    "BeginTx",
    "Beginx",
    "BeginTxx",
    "MustBegin",
    "MustBeginTx",
];

/// Methods that run one statement and return no rows (database/sql, sqlx).
const EXEC_METHODS: &[&str] = &[
    "Exec",
    "ExecContext",
    "MustExec",
    "MustExecContext",
    "NamedExec",
    "NamedExecContext",
];

/// How far calls are followed to find the writes of a transaction.
const CALL_DEPTH: usize = 4;

/// The table a write statement (INSERT, REPLACE, UPDATE, DELETE) changes,
/// as written without quotes (`schema.table` when qualified).
pub fn written_table(sql: &str) -> Option<String> {
    let stripped = strip_comments(sql);
    // Same length as `stripped`, so offsets agree between the two.
    let cleaned = stripped.replace(['(', ','], " ");
    let mut words = words_at(&cleaned);
    let verb = words.next()?.1.to_ascii_uppercase();
    let modifiers: &[&str] = match verb.as_str() {
        "INSERT" | "REPLACE" => &["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "INTO"],
        "UPDATE" => &["LOW_PRIORITY", "IGNORE"],
        "DELETE" => &["LOW_PRIORITY", "QUICK", "IGNORE", "FROM"],
        _ => return None,
    };
    let mut saw_keyword = verb != "DELETE";
    let mut saw_into = false;
    while let Some((offset, word)) = words.next() {
        let upper = word.to_ascii_uppercase();
        if modifiers.contains(&upper.as_str()) {
            saw_keyword |= upper == "FROM";
            saw_into |= upper == "INTO";
            continue;
        }
        if !saw_keyword {
            return None;
        }
        let table = word.replace('`', "");
        let valid = !table.is_empty()
            && table
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '$');
        // Prose such as "insert configuration of org %d" is not SQL: the
        // table must be followed by what the statement needs next.
        let after = stripped[offset + word.len()..].trim_start();
        let next = words.next().map(|(_, w)| w.to_ascii_uppercase());
        let shaped = match verb.as_str() {
            "INSERT" | "REPLACE" => {
                saw_into
                    || after.starts_with('(')
                    || next.as_deref().is_some_and(|n| {
                        ["VALUES", "VALUE", "SET", "SELECT", "PARTITION"].contains(&n)
                    })
            }
            "UPDATE" => std::iter::once(next)
                .flatten()
                .chain(words.map(|(_, w)| w.to_ascii_uppercase()))
                .any(|w| w == "SET"),
            _ => true,
        };
        return (valid && shaped).then_some(table);
    }
    None
}

/// The words of `text` with their byte offsets.
fn words_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
}

fn strip_comments(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
            out.push(' ');
        } else if let Some(after) = rest.strip_prefix("--").or_else(|| rest.strip_prefix('#')) {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A transaction handle as written: `*sql.Tx`, `*sqlx.Tx`.
pub fn is_transaction_type(ty: &str) -> bool {
    let ty = ty.trim();
    ty.starts_with('*') && (ty.ends_with(".Tx") || ty == "*Tx")
}

/// A handle whose statements each commit on their own: `*sql.DB`,
/// `*sqlx.DB`, `*sql.Conn`.
fn is_autocommit_type(ty: &str) -> bool {
    let ty = ty.trim();
    ty.starts_with('*') && [".DB", ".Conn"].iter().any(|s| ty.ends_with(s))
}

/// Which tables a rule cares about; empty means every table.
pub struct TableFilter<'a>(pub &'a [String]);

impl TableFilter<'_> {
    /// `integration.ai_config` matches `ai_config` and itself, in any case.
    pub fn matches(&self, table: &str) -> bool {
        self.0.is_empty()
            || self.0.iter().any(|wanted| {
                wanted.eq_ignore_ascii_case(table)
                    || table
                        .rsplit('.')
                        .next()
                        .is_some_and(|t| wanted.eq_ignore_ascii_case(t))
            })
    }
}

/// A package as a rule sees it while fixing one of its files: the other
/// files as the index read them, the file being fixed as it is now.
pub struct PackageView {
    /// The package folder relative to the repository root (`""` at the root).
    pub dir: String,
    pub functions: Vec<Function>,
    pub constants: HashMap<String, String>,
}

impl PackageView {
    /// Tables the function's own SQL writes: string literals in its body and
    /// package constants it names.
    pub fn tables_written_by(&self, f: &Function, filter: &TableFilter) -> BTreeSet<String> {
        let constants = f.names.iter().filter_map(|n| self.constants.get(n));
        f.strings
            .iter()
            .chain(constants)
            .filter_map(|sql| written_table(sql))
            .filter(|t| filter.matches(t))
            .collect()
    }

    /// Tables written by the function or the package functions it calls.
    pub fn tables_reached_by(&self, f: &Function, filter: &TableFilter) -> BTreeSet<String> {
        let mut tables = BTreeSet::new();
        let mut seen: Vec<&str> = vec![&f.name];
        let mut frontier = vec![f];
        for _ in 0..=CALL_DEPTH {
            let mut next = Vec::new();
            for g in frontier {
                tables.extend(self.tables_written_by(g, filter));
                for call in &g.calls {
                    if seen.contains(&call.name.as_str()) {
                        continue;
                    }
                    seen.push(&call.name);
                    next.extend(self.functions.iter().filter(|h| h.name == call.name));
                }
            }
            frontier = next;
        }
        tables
    }

    /// Functions of the package that call `name` and begin a transaction.
    pub fn transaction_owners_calling(&self, name: &str) -> Vec<&Function> {
        self.functions
            .iter()
            .filter(|g| g.calls_name(name) && begins_transaction(g))
            .collect()
    }

    /// `Store.Save (dal/store.go:42)`.
    pub fn describe(&self, f: &Function) -> String {
        let path = if self.dir.is_empty() {
            f.file.clone()
        } else {
            format!("{}/{}", self.dir, f.file)
        };
        format!("{} ({path}:{})", f.display_name(), f.line)
    }
}

/// Whether `f` can write a table at all, on its own facts: it is handed a
/// transaction, begins one, or runs a statement. Only such functions need
/// the package read (the costly part), so a file of other code is judged
/// without reading its siblings. The rule's prefilter lists the same names.
pub fn may_write(f: &Function) -> bool {
    f.params.iter().any(|(_, ty)| is_transaction_type(ty))
        || f.calls.iter().any(|c| {
            // `syscall.Exec(…)` runs a program, not a statement.
            c.on_value
                && (BEGIN_METHODS.contains(&c.name.as_str())
                    || EXEC_METHODS.contains(&c.name.as_str()))
        })
}

pub fn begins_transaction(f: &Function) -> bool {
    f.calls
        .iter()
        .any(|c| BEGIN_METHODS.contains(&c.name.as_str()))
}

fn commits_transaction(f: &Function) -> bool {
    f.calls.iter().any(|c| c.name == "Commit")
}

/// What a function is to the transactions that write the tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Writes none of the tables, itself or through functions it calls.
    NotAWriter,
    /// Begins and commits the transaction that writes them: the unit a
    /// deadlock rolls back, and so the unit to run again.
    Owner { tables: BTreeSet<String> },
    /// Runs one write statement through a `*sql.DB`: its own transaction.
    SingleStatement { tables: BTreeSet<String> },
    /// Writes them, but the retry belongs elsewhere; the reason says where.
    NotOwner {
        tables: BTreeSet<String>,
        reason: String,
    },
}

/// The role of function `f` (declared by `decl` in `source`). `type_of`
/// gives the type, as written, of an expression in `source`.
pub fn role(
    view: &PackageView,
    f: &Function,
    decl: Node,
    source: &str,
    filter: &TableFilter,
    type_of: &dyn Fn(Node) -> Option<String>,
) -> Role {
    if !may_write(f) {
        return Role::NotAWriter;
    }
    if let Some((param, _)) = f.params.iter().find(|(_, ty)| is_transaction_type(ty)) {
        let tables = view.tables_reached_by(f, filter);
        if tables.is_empty() {
            return Role::NotAWriter;
        }
        let reason = format!(
            "it is handed `{param}`, its caller's transaction: a deadlock rolls back the caller's whole transaction, so the retry belongs where it begins: {}",
            owners_text(view, f)
        );
        return Role::NotOwner { tables, reason };
    }
    if begins_transaction(f) {
        let tables = view.tables_reached_by(f, filter);
        return match (tables.is_empty(), commits_transaction(f)) {
            (true, _) => Role::NotAWriter,
            (false, true) => Role::Owner { tables },
            (false, false) => Role::NotOwner {
                tables,
                reason: "it begins a transaction but does not commit it here; retry where it is committed".into(),
            },
        };
    }
    let tables = view.tables_written_by(f, filter);
    if tables.is_empty() {
        return Role::NotAWriter;
    }
    let reason = match write_handles(view, decl, source, filter).as_slice() {
        [handle] => match type_of(*handle) {
            Some(ty) if is_autocommit_type(&ty) => return Role::SingleStatement { tables },
            Some(ty) if is_transaction_type(&ty) => format!(
                "it writes through `{}`, a transaction ({ty}) it does not begin; the retry belongs where it begins: {}",
                text(*handle, source),
                owners_text(view, f)
            ),
            _ => format!(
                "cannot tell whether `{}` is a *sql.DB (each statement its own transaction) or a transaction begun elsewhere",
                text(*handle, source)
            ),
        },
        [] => "cannot see which connection runs its write statement".into(),
        many => format!(
            "it runs {} write statements outside a transaction: a retry would repeat the ones that succeeded; put them in one transaction first",
            many.len()
        ),
    };
    Role::NotOwner { tables, reason }
}

fn owners_text(view: &PackageView, f: &Function) -> String {
    let owners = view.transaction_owners_calling(&f.name);
    if owners.is_empty() {
        "in its callers".into()
    } else {
        owners
            .iter()
            .map(|o| view.describe(o))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The receivers (`s.db` in `s.db.ExecContext(…)`) of the Exec calls in
/// `decl` that run a write statement on a wanted table.
fn write_handles<'t>(
    view: &PackageView,
    decl: Node<'t>,
    source: &str,
    filter: &TableFilter,
) -> Vec<Node<'t>> {
    descendants(decl)
        .into_iter()
        .filter(|n| n.kind() == "call_expression")
        .filter(|call| called_name(*call, source).is_some_and(|name| EXEC_METHODS.contains(&name)))
        .filter(|call| {
            let Some(args) = call.child_by_field_name("arguments") else {
                return false;
            };
            descendants(args).into_iter().any(|arg| {
                let sql = match arg.kind() {
                    "interpreted_string_literal" | "raw_string_literal" => {
                        Some(string_value(arg, source))
                    }
                    "identifier" => view.constants.get(text(arg, source)).cloned(),
                    _ => None,
                };
                sql.and_then(|s| written_table(&s))
                    .is_some_and(|t| filter.matches(&t))
            })
        })
        .filter_map(|call| {
            call.child_by_field_name("function")
                .filter(|f| f.kind() == "selector_expression")?
                .child_by_field_name("operand")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_statements_name_their_table() {
        let cases = [
            (
                "INSERT INTO ai_config (org_id) VALUES (?)",
                Some("ai_config"),
            ),
            ("insert ignore into `db`.`t`(a) values (1)", Some("db.t")),
            ("  /* why */ REPLACE t SET a = 1", Some("t")),
            ("UPDATE LOW_PRIORITY t SET a = 1", Some("t")),
            ("DELETE QUICK FROM t WHERE id = ?", Some("t")),
            ("-- note\nDELETE FROM t", Some("t")),
            ("SELECT id FROM t WHERE org_id = ? FOR UPDATE", None),
            ("DELETE t1 FROM t1 JOIN t2", None),
            ("insert configuration of org %d: %w", None),
            ("update settings for org %d: %w", None),
            ("INSERT t VALUES (1)", Some("t")),
            ("UPDATE t\nSET a = 1", Some("t")),
            ("", None),
        ];
        for (sql, want) in cases {
            assert_eq!(written_table(sql).as_deref(), want, "{sql}");
        }
    }

    #[test]
    fn table_filter_matches_qualified_names() {
        let wanted = vec!["ai_config".to_string()];
        let filter = TableFilter(&wanted);
        assert!(filter.matches("AI_CONFIG"));
        assert!(filter.matches("integration.ai_config"));
        assert!(!filter.matches("ai_config_audit"));
        assert!(TableFilter(&[]).matches("anything"));
    }

    #[test]
    fn handle_types() {
        assert!(is_transaction_type("*sql.Tx"));
        assert!(is_transaction_type("*sqlx.Tx"));
        assert!(!is_transaction_type("sql.Tx"));
        assert!(is_autocommit_type("*sql.DB"));
        assert!(!is_autocommit_type("*sql.Tx"));
    }
}
