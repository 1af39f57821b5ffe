//! Which literal types code of a module hands a variable over in and then
//! writes again (see [`super::reuse::handed_over_and_reused`]), answered
//! once per (module, type) for a run. A scan that reads every file anyway
//! records each file's literal type names as it goes
//! ([`ReuseIndex::record_read`]), so that the module's literal sites need
//! no second read, and questions asked while it runs can wait for its end
//! ([`ReuseAsk`], [`ReuseIndex::settle`]) and be answered together, each
//! file read once for all of them, on every core.

use super::module::Module;
use super::reuse::{handed_over_and_reused_each, literal_type_names_of, LiteralSites};
use crate::filesize::MaxFilesize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A question left for later: does code of the module rooted at `module`
/// reuse what it hands over in a `type_name` literal, `writers` naming the
/// calls that write a slice argument.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReuseAsk {
    pub module: PathBuf,
    pub type_name: String,
    pub writers: Vec<String>,
}

#[derive(Default)]
pub struct ReuseIndex {
    /// (module root, type) → where code of the module reuses a slice
    /// after handing it over in a literal of that type, if anywhere.
    answers: Mutex<HashMap<(PathBuf, String), Option<String>>>,
    /// Module root → which of its files name each type before a `{`.
    sites: Mutex<HashMap<PathBuf, Arc<LiteralSites>>>,
    /// File → its literal type names, for the files a scan has read.
    read: Mutex<HashMap<PathBuf, Box<str>>>,
}

impl ReuseIndex {
    /// Keeps the literal type names of `source`, the text of `path` as a
    /// scan read it from disk.
    pub fn record_read(&self, path: PathBuf, source: &str) {
        let names = literal_type_names_of(source);
        self.read.lock().unwrap().insert(path, names);
    }

    /// The answer for `type_name` in the module rooted at `module`, if
    /// already worked out.
    pub fn known(&self, module: &Path, type_name: &str) -> Option<Option<String>> {
        let key = (module.to_path_buf(), type_name.to_string());
        self.answers.lock().unwrap().get(&key).cloned()
    }

    /// The answer for `type_name` in `module`, worked out now if need be.
    pub fn answer(
        &self,
        module: &Module,
        type_name: &str,
        writers: &[&str],
        max_filesize: MaxFilesize,
    ) -> Option<String> {
        if let Some(found) = self.known(&module.root, type_name) {
            return found;
        }
        let sites = self.sites(module, max_filesize);
        let found = super::reuse::handed_over_and_reused(
            &sites,
            &module.root,
            type_name,
            writers,
            max_filesize,
        );
        let key = (module.root.clone(), type_name.to_string());
        self.answers.lock().unwrap().insert(key, found.clone());
        found
    }

    /// Answers every ask not answered yet, a module (and set of writers)
    /// at a time, the types of one module together, on every core.
    /// `module_of` finds a module by its root.
    pub fn settle(
        &self,
        asks: &[ReuseAsk],
        module_of: impl Fn(&Path) -> Option<Arc<Module>>,
        max_filesize: MaxFilesize,
    ) {
        let mut groups: std::collections::BTreeMap<(&Path, &[String]), Vec<&str>> =
            Default::default();
        for ask in asks {
            if self.known(&ask.module, &ask.type_name).is_none() {
                let types = groups.entry((&ask.module, &ask.writers)).or_default();
                if !types.contains(&ask.type_name.as_str()) {
                    types.push(&ask.type_name);
                }
            }
        }
        for ((root, writers), types) in groups {
            let Some(module) = module_of(root) else {
                continue;
            };
            let sites = self.sites(&module, max_filesize);
            let writers: Vec<&str> = writers.iter().map(String::as_str).collect();
            let found = handed_over_and_reused_each(
                &sites,
                &module.root,
                &types,
                &writers,
                max_filesize,
                true,
            );
            let mut answers = self.answers.lock().unwrap();
            for (type_name, found) in types.into_iter().zip(found) {
                answers.insert((module.root.clone(), type_name.to_string()), found);
            }
        }
    }

    /// The literal sites of `module`'s files, from what a scan recorded of
    /// them and, for the others, their text; worked out on first use.
    fn sites(&self, module: &Module, max_filesize: MaxFilesize) -> Arc<LiteralSites> {
        if let Some(found) = self.sites.lock().unwrap().get(&module.root) {
            return found.clone();
        }
        let files = super::module::go_files(&module.root);
        // Each file is in one module: what was recorded of it is not
        // needed again.
        let recorded = |path: &Path| self.read.lock().unwrap().remove(path);
        let found = Arc::new(LiteralSites::of(files, max_filesize, &recorded));
        self.sites
            .lock()
            .unwrap()
            .entry(module.root.clone())
            .or_insert(found)
            .clone()
    }
}
