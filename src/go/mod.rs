//! Go knowledge that rules call: parsing, syntax helpers, scopes, references,
//! naming types, generated-file detection. Nothing here knows about rules.

pub mod buildtags;
pub mod closure_sieve;
pub mod constants;
pub mod duration;
pub mod error_nodes;
pub mod escape;
pub mod exprtype;
pub mod flow;
pub mod functions;
pub mod generated;
pub mod imports;
pub mod lintconfig;
pub mod module;
pub mod narrow;
pub mod outline;
pub mod package_names;
pub mod parse;
pub mod refs;
pub mod reuse;
pub mod reuse_index;
pub mod reuse_sieve;
pub mod scope;
pub mod sql;
pub mod sync;
pub mod syntax;
pub mod testify;
pub mod typeindex;
pub mod types;
