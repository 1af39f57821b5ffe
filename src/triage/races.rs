//! A race report as the rules see it: each side's place in the repository,
//! the packages on its stack, and whether a library read the value
//! (marshalling, printing, reflection), which is how a stored request's
//! slice shows up when the fix site is on neither stack.

use super::log::{Access, AccessKind, Frame, RaceReport};
use super::places::{between, dir_of, ImportGraph, Place, Repo};
use super::{
    findings_at, findings_in, rules_with, site, EngineFor, FixSite, Kind, RuleInfo, Verdict,
};
use crate::engine::{Finding, Location};
use crate::rule::Evidence;
use crate::workspace::SourceFile;
use std::collections::BTreeSet;

/// Functions that read a value they were handed through reflection: the
/// reading side of a race on a slice or map stored past a call.
const LIBRARY_READERS: &[&str] = &[
    "encoding/",
    "strings.",
    "bytes.",
    "strconv.",
    "sort.",
    "slices.",
    "maps.",
    "io.",
    "bufio.",
    "reflect.",
    "fmt.",
    "log.",
    "log/slog.",
    "text/template.",
    "html/template.",
    "google.golang.org/protobuf/",
    "github.com/golang/protobuf/",
    "runtime.mapaccess",
    "runtime.mapiter",
    "runtime.maps.",
];

/// One side of a race: an access and where it happened.
#[derive(Debug, Clone)]
pub struct Side {
    pub kind: AccessKind,
    pub previous: bool,
    /// The innermost frame in the repository: the line that made the access,
    /// or called the library that did.
    pub place: Option<Place>,
    /// Repository package folders on the stack and on the stack that
    /// created the goroutine.
    pub dirs: BTreeSet<String>,
    /// A library read the value (json.Marshal, fmt, reflection).
    pub library_read: bool,
    /// How many frames the access had, for the message when none is ours.
    pub frames: usize,
    /// How many of them are in the repository.
    pub placed_frames: usize,
}

impl Side {
    /// `write` or `read`.
    pub fn describe_kind(&self) -> &'static str {
        match self.kind {
            AccessKind::Write => "write",
            AccessKind::Read => "read",
        }
    }

    /// `write at dal/x.go:31 (pkg.F)`, as the verdict shows it.
    pub fn describe(&self) -> String {
        let what = if self.previous {
            format!("previous {}", self.describe_kind())
        } else {
            self.describe_kind().to_string()
        };
        match &self.place {
            Some(p) => format!("{what} at {}:{} ({})", p.path, p.line, short(&p.function)),
            None => format!("{what} outside the repository ({} frames)", self.frames),
        }
    }
}

/// `example.com/m/pkg.(*T).Run.func1` → `pkg.(*T).Run.func1`.
pub fn short(function: &str) -> &str {
    function.rsplit('/').next().unwrap_or(function)
}

/// The sides of a race report, placed in the repository.
pub fn sides(repo: &Repo, report: &RaceReport) -> Vec<Side> {
    report
        .accesses
        .iter()
        .map(|access| side(repo, report, access))
        .collect()
}

fn side(repo: &Repo, report: &RaceReport, access: &Access) -> Side {
    // Each frame is placed once: placing reads go.mod files.
    let placements: Vec<Option<Place>> = access.frames.iter().map(|f| repo.place(f)).collect();
    let placed: Vec<&Place> = placements.iter().flatten().collect();
    let creator: &[Frame] = access
        .goroutine
        .and_then(|g| report.created.iter().find(|(n, _)| *n == g))
        .map_or(&[], |(_, frames)| frames.as_slice());
    let dirs = placed
        .iter()
        .map(|p| p.dir().to_string())
        .chain(
            creator
                .iter()
                .filter_map(|f| repo.place(f))
                .map(|p| p.dir().to_string()),
        )
        .collect();
    // Only frames inside the access, before the code that called them.
    let library_read = access.kind == AccessKind::Read
        && access
            .frames
            .iter()
            .zip(&placements)
            .take_while(|(_, p)| p.is_none())
            .any(|(f, _)| LIBRARY_READERS.iter().any(|l| f.function.starts_with(l)));
    Side {
        kind: access.kind,
        previous: access.previous,
        place: placed.first().map(|p| (*p).clone()),
        dirs,
        library_read,
        frames: access.frames.len(),
        placed_frames: placed.len(),
    }
}

/// The race verdicts, and how many frames the reports had and how many
/// were placed in the repository.
pub struct RaceVerdicts {
    pub verdicts: Vec<Verdict>,
    pub frames: usize,
    pub placed: usize,
}

/// Answers each race report with the findings of the `race-access` and
/// `race-carrier` rules. All candidate files are scanned in one pass.
pub fn verdicts(
    reports: &[RaceReport],
    repo: &Repo,
    rules: &[RuleInfo],
    engine_for: &EngineFor,
    warnings: &mut Vec<String>,
) -> anyhow::Result<RaceVerdicts> {
    let placed_sides: Vec<Vec<Side>> = reports.iter().map(|r| sides(repo, r)).collect();
    // The import graph is read once, and only if some race needs it.
    let graph = std::cell::OnceCell::new();
    let searched: Vec<BTreeSet<String>> = placed_sides
        .iter()
        .map(|s| carriers(s, || graph.get_or_init(|| repo.import_graph())))
        .collect();

    let access_rules = rules_with(rules, Evidence::RaceAccess);
    let carrier_rules = rules_with(rules, Evidence::RaceCarrier);
    let mut access_files: BTreeSet<SourceFile> = BTreeSet::new();
    let mut carrier_files: BTreeSet<SourceFile> = BTreeSet::new();
    let mut places: Vec<Location> = Vec::new();
    for (sides, dirs) in placed_sides.iter().zip(&searched) {
        for place in sides.iter().filter_map(|s| s.place.as_ref()) {
            access_files.extend(repo.files().iter().filter(|f| f.rel == place.path).cloned());
            places.push(Location {
                path: place.path.clone(),
                line: place.line,
            });
        }
        for dir in dirs {
            carrier_files.extend(repo.package_files(dir));
        }
    }
    // Access rules run at the racing lines: the report is the evidence
    // that what runs there is concurrent, even where the code cannot show it.
    let mut findings = findings_at(
        engine_for,
        &access_rules,
        &[],
        &places,
        access_files.into_iter().collect(),
        warnings,
    )?;
    findings.extend(findings_in(
        engine_for,
        &carrier_rules,
        &[],
        carrier_files.into_iter().collect(),
        warnings,
    )?);
    let fallback: Vec<String> = rules
        .iter()
        .filter(|r| r.needs_location)
        .map(|r| r.id.clone())
        .collect();

    let mut out = RaceVerdicts {
        verdicts: Vec::new(),
        frames: 0,
        placed: 0,
    };
    for (i, (report, sides)) in reports.iter().zip(&placed_sides).enumerate() {
        out.frames += sides.iter().map(|s| s.frames).sum::<usize>();
        out.placed += sides.iter().map(|s| s.placed_frames).sum::<usize>();
        let mut fixes = at_accesses(sides, &findings, &access_rules, &fallback);
        let mut tried: Vec<String> = sides
            .iter()
            .filter_map(|s| s.place.as_ref())
            .map(|p| format!("{}:{} ({})", p.path, p.line, short(&p.function)))
            .collect();
        if fixes.is_empty() && sides.iter().any(|s| s.library_read) {
            fixes = in_carriers(&searched[i], &findings, &carrier_rules);
            if fixes.is_empty() && !searched[i].is_empty() {
                tried.push(format!(
                    "packages carrying the value: {}",
                    searched[i]
                        .iter()
                        .map(|d| if d.is_empty() { "." } else { d.as_str() })
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        out.verdicts.push(Verdict {
            kind: Kind::DataRace,
            report: i + 1,
            tests: report.test.iter().cloned().collect(),
            evidence: sides.iter().map(Side::describe).collect(),
            tried: if fixes.is_empty() { tried } else { Vec::new() },
            fixes,
            sets: Vec::new(),
            truncated: report.truncated,
        });
    }
    Ok(out)
}

/// Findings of `race-access` rules covering the line of a racing access.
/// Rules that run only at places (`fallback`) answer only where no rule
/// that runs everywhere does.
fn at_accesses(
    sides: &[Side],
    findings: &[Finding],
    rules: &[String],
    fallback: &[String],
) -> Vec<FixSite> {
    let mut fixes: Vec<FixSite> = Vec::new();
    for side in sides {
        let Some(place) = &side.place else { continue };
        for f in findings.iter().filter(|f| {
            rules.contains(&f.rule)
                && f.path == place.path
                && ((f.line..=f.end_line.max(f.line)).contains(&place.line)
                    || f.related_lines.contains(&place.line))
        }) {
            let because = if f.line == place.line {
                format!("the {} at this line", side.describe_kind())
            } else {
                format!(
                    "the {} at line {} uses the same variable",
                    side.describe_kind(),
                    place.line
                )
            };
            let seen = fixes.iter().any(|x: &FixSite| {
                (&x.rule, &x.path, x.line, &x.message) == (&f.rule, &f.path, f.line, &f.message)
            });
            if !seen {
                fixes.push(site(f, because));
            }
        }
    }
    let answered: Vec<(String, usize)> = fixes
        .iter()
        .filter(|x| !fallback.contains(&x.rule))
        .map(|x| (x.path.clone(), x.line))
        .collect();
    fixes.retain(|x| !fallback.contains(&x.rule) || !answered.contains(&(x.path.clone(), x.line)));
    fixes
}

/// Findings of `race-carrier` rules in the packages between the sides.
fn in_carriers(dirs: &BTreeSet<String>, findings: &[Finding], rules: &[String]) -> Vec<FixSite> {
    findings
        .iter()
        .filter(|f| rules.contains(&f.rule) && dirs.contains(dir_of(&f.path)))
        .map(|f| {
            site(
                f,
                "stores the value in a package between the two sides of the race".to_string(),
            )
        })
        .collect()
}

/// The packages on both stacks and those on an import path between them,
/// for a race where a library read the value; none otherwise.
fn carriers<'g>(sides: &[Side], graph: impl FnOnce() -> &'g ImportGraph) -> BTreeSet<String> {
    if !sides.iter().any(|s| s.library_read) || sides.len() < 2 {
        return BTreeSet::new();
    }
    let graph = graph();
    let (a, b) = (&sides[0].dirs, &sides[1].dirs);
    let mut dirs: BTreeSet<String> = a.union(b).cloned().collect();
    dirs.extend(between(graph, a, b));
    dirs.extend(between(graph, b, a));
    dirs
}
