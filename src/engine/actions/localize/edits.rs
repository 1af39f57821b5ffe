//! Turning verdicts into edits, and removing outer declarations that the
//! fix leaves unused (Go rejects a variable that is declared and not used).

use super::analysis::{Closure, Verdict};
use crate::engine::edit::Edit;
use crate::go::refs::{RefKind, References};
use crate::go::scope::{Binding, BindingKind};
use crate::go::syntax::{
    is_blank_line_at, line_start, named_children, next_line_start, operator, owns_its_lines, text,
    top_level_declaration,
};
use tree_sitter::Node;

pub fn plan_edits<'t>(
    closures: &[&Closure<'t>],
    source: &str,
    references: &References<'t>,
) -> Vec<Edit> {
    let mut edits: Vec<Edit> = closures.iter().flat_map(|c| closure_edits(c)).collect();
    edits.extend(unused_declaration_edits(closures, source, references));
    edits
}

fn closure_edits(closure: &Closure) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut declarations = String::new();
    for var in &closure.vars {
        match &var.verdict {
            Verdict::Short { store } => {
                if let Some(op) = operator(*store) {
                    edits.push(Edit::replace(op.start_byte(), op.end_byte(), ":="));
                }
            }
            Verdict::Var { ty } => {
                let indent = closure.insert_at.as_ref().map_or("", |(_, i)| i.as_str());
                declarations.push_str(&format!("{indent}var {} {ty}\n", var.name));
            }
            Verdict::Blank => {
                for r in var.refs.iter().filter(|r| r.kind == RefKind::Write) {
                    edits.push(Edit::replace(r.ident.start_byte(), r.ident.end_byte(), "_"));
                }
            }
            Verdict::Refused(_) | Verdict::Ordered(_) | Verdict::Quiet => {}
        }
    }
    if let (false, Some((at, _))) = (declarations.is_empty(), &closure.insert_at) {
        edits.push(Edit::insert(*at, declarations));
    }
    edits
}

/// Outer declarations that only the fixed closures read.
fn unused_declaration_edits<'t>(
    closures: &[&Closure<'t>],
    source: &str,
    references: &References<'t>,
) -> Vec<Edit> {
    let mut fixed: Vec<(Binding, Vec<&Closure>)> = Vec::new();
    for closure in closures {
        for var in &closure.vars {
            let removable_kind = var
                .binding
                .filter(|b| matches!(b.kind, BindingKind::ShortVar | BindingKind::Var));
            let (Some(binding), false) = (removable_kind, !var.verdict.fixes()) else {
                continue;
            };
            match fixed.iter_mut().find(|(b, _)| b.same(&binding)) {
                Some((_, cs)) => cs.push(closure),
                None => fixed.push((binding, vec![closure])),
            }
        }
    }
    let mut edits = Vec::new();
    let mut removed: Vec<Binding> = Vec::new();
    let mut blanked: Vec<Node> = Vec::new();
    for (binding, fixed_in) in fixed {
        let area = top_level_declaration(binding.name);
        let remaining: Vec<_> = references
            .of(&binding, area, source)
            .iter()
            .copied()
            .filter(|r| !fixed_in.iter().any(|c| c.in_region(r.ident)))
            .collect();
        if remaining.iter().any(|r| r.kind != RefKind::Write) {
            continue;
        }
        // Writes that remain store a value nobody reads.
        blanked.extend(remaining.iter().map(|r| r.ident));
        removed.push(binding);
    }
    for ident in &blanked {
        edits.push(Edit::replace(ident.start_byte(), ident.end_byte(), "_"));
    }
    edits.extend(declaration_removals(&removed, &blanked, source));
    edits
}

fn declaration_removals(removed: &[Binding], blanked: &[Node], source: &str) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut short_decls: Vec<Node> = Vec::new();
    let mut specs: Vec<(Node, Vec<Node>)> = Vec::new();
    for binding in removed {
        match binding.kind {
            BindingKind::ShortVar => short_decls.push(binding.declaration),
            _ => match specs
                .iter_mut()
                .find(|(s, _)| s.id() == binding.declaration.id())
            {
                Some((_, names)) => names.push(binding.name),
                None => specs.push((binding.declaration, vec![binding.name])),
            },
        }
    }
    // Redeclaring `:=` statements whose names were blanked count too.
    for ident in blanked {
        if let Some(stmt) = ident
            .parent()
            .and_then(|l| l.parent())
            .filter(|s| s.kind() == "short_var_declaration")
        {
            short_decls.push(stmt);
        }
    }
    short_decls.dedup_by_key(|n| n.id());
    let removed_names: Vec<usize> = removed
        .iter()
        .map(|b| b.name.id())
        .chain(blanked.iter().map(|n| n.id()))
        .collect();
    for decl in short_decls {
        edits.extend(blank_short_declaration(decl, &removed_names, source));
    }
    edits.extend(remove_var_specs(&specs, source));
    edits
}

/// `a, err := f()` → `a, _ := f()`; when every name is `_`, `:=` → `=`.
fn blank_short_declaration(decl: Node, removed: &[usize], source: &str) -> Vec<Edit> {
    let Some(left) = decl.child_by_field_name("left") else {
        return Vec::new();
    };
    let names = named_children(left);
    let mut edits: Vec<Edit> = names
        .iter()
        .filter(|n| removed.contains(&n.id()) && text(**n, source) != "_")
        .map(|n| Edit::replace(n.start_byte(), n.end_byte(), "_"))
        .collect();
    let all_blank = names
        .iter()
        .all(|n| removed.contains(&n.id()) || text(*n, source) == "_");
    if all_blank {
        if let Some(op) = operator(decl) {
            edits.push(Edit::replace(op.start_byte(), op.end_byte(), "="));
        }
    }
    edits
}

fn remove_var_specs(specs: &[(Node, Vec<Node>)], source: &str) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut whole: Vec<Node> = Vec::new();
    for (spec, gone) in specs {
        let mut cursor = spec.walk();
        let names: Vec<Node> = spec.children_by_field_name("name", &mut cursor).collect();
        let has_value = spec.child_by_field_name("value").is_some();
        if has_value || (gone.len() > 1 && gone.len() < names.len()) {
            // `var a, err = f()` keeps its arity: `var a, _ = f()`.
            edits.extend(
                gone.iter()
                    .map(|n| Edit::replace(n.start_byte(), n.end_byte(), "_")),
            );
        } else if gone.len() == names.len() {
            whole.push(*spec);
        } else if let Some(i) = names.iter().position(|n| n.id() == gone[0].id()) {
            let (start, end) = if i > 0 {
                (names[i - 1].end_byte(), names[i].end_byte())
            } else {
                (names[0].start_byte(), names[1].start_byte())
            };
            edits.push(Edit::delete(start, end));
        }
    }
    let mut deleted_lists: Vec<usize> = Vec::new();
    for spec in &whole {
        let Some(parent) = spec.parent() else {
            continue;
        };
        if parent.kind() != "var_spec_list" {
            edits.push(delete_lines(parent, source));
            continue;
        }
        let siblings: Vec<Node> = named_children(parent)
            .into_iter()
            .filter(|s| s.kind() == "var_spec")
            .collect();
        let all_gone = siblings
            .iter()
            .all(|s| whole.iter().any(|w| w.id() == s.id()));
        match (all_gone, parent.parent()) {
            (true, Some(decl)) => {
                if !deleted_lists.contains(&parent.id()) {
                    deleted_lists.push(parent.id());
                    edits.push(delete_lines(decl, source));
                }
            }
            _ => edits.push(delete_lines(*spec, source)),
        }
    }
    edits
}

/// Deletes the lines a node stands on; where that leaves two blank lines
/// in a row, one goes too, as gofmt would have it.
fn delete_lines(node: Node, source: &str) -> Edit {
    if !owns_its_lines(source, node.start_byte(), node.end_byte()) {
        return Edit::delete(node.start_byte(), node.end_byte());
    }
    let start = line_start(source, node.start_byte());
    let mut end = next_line_start(source, node.end_byte());
    let blank_before = start > 0 && is_blank_line_at(source, line_start(source, start - 1));
    if blank_before && is_blank_line_at(source, end) {
        end = next_line_start(source, end);
    }
    Edit::delete(start, end)
}
