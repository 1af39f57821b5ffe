//! Paths a run leaves out: `exclude` globs from `.fixgen.toml` and
//! `--exclude`, matched against paths relative to the repository root.
//!
//! A glob that names a folder leaves out everything below it (`gen`,
//! `internal/*/mocks`), as a `.gitignore` line does: that is what people
//! mean, and it lets the walk skip the folder unread. `*` stays within one
//! path component; `**` crosses them.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

#[derive(Clone, Debug)]
pub struct Exclude {
    set: GlobSet,
}

impl Default for Exclude {
    fn default() -> Self {
        Exclude {
            set: GlobSet::empty(),
        }
    }
}

impl Exclude {
    /// Compiles `globs`; the first that is not a glob is returned by its
    /// index, with the reason, for the caller to place (a flag, a line).
    pub fn new<'a>(globs: impl IntoIterator<Item = &'a str>) -> Result<Exclude, (usize, String)> {
        let mut builder = GlobSetBuilder::new();
        for (i, glob) in globs.into_iter().enumerate() {
            builder.add(compile(glob).map_err(|e| (i, e))?);
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Exclude { set })
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Whether `rel` (`/`-separated, from the root), or a folder holding
    /// it, is excluded.
    pub fn excludes(&self, rel: &str) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let mut end = rel.len();
        loop {
            if self.set.is_match(&rel[..end]) {
                return true;
            }
            match rel[..end].rfind('/') {
                Some(slash) => end = slash,
                None => return false,
            }
        }
    }
}

/// Paths are relative to the root already: a leading `/` (anchoring, in
/// `.gitignore` terms) and a trailing one (a folder) say nothing more.
fn compile(glob: &str) -> Result<globset::Glob, String> {
    let trimmed = glob.trim_start_matches("./").trim_matches('/');
    if trimmed.is_empty() {
        return Err(format!("`{glob}` names no path"));
    }
    GlobBuilder::new(trimmed)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("`{glob}` is not a glob: {}", e.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exclude(globs: &[&str]) -> Exclude {
        Exclude::new(globs.iter().copied()).unwrap()
    }

    #[test]
    fn a_folder_glob_leaves_out_everything_below_it() {
        let e = exclude(&["gen", "internal/*/mocks/", "**/*_mock.go"]);
        assert!(e.excludes("gen/a/b.go"));
        assert!(e.excludes("internal/x/mocks/m.go"));
        assert!(e.excludes("a/b/c_mock.go"));
        assert!(e.excludes("c_mock.go"));
        assert!(!e.excludes("generate/x.go"), "a name, not a prefix");
        assert!(!e.excludes("internal/x/y/mocks/m.go"), "* is one component");
    }

    #[test]
    fn a_broken_glob_is_named_by_its_index() {
        let (i, why) = Exclude::new(["ok/**", "bad[", "x"]).unwrap_err();
        assert_eq!(i, 1);
        assert_eq!(
            why,
            "`bad[` is not a glob: unclosed character class; missing ']'"
        );
        assert_eq!(Exclude::new(["/"]).unwrap_err().1, "`/` names no path");
    }
}
