//! fixgen: an automated code-fix generator for Go. Rule files describe
//! fixes; the engine parses Go with tree-sitter, applies Go knowledge
//! (scopes, types, imports) and emits reviewable diffs.

pub mod batch;
pub mod changeset;
pub mod config;
pub mod engine;
pub mod exclude;
pub mod filesize;
pub mod fixtures;
pub mod forge;
pub mod fsio;
pub mod gate;
pub mod git;
pub mod go;
pub mod gocheck;
pub mod output;
pub mod patterns;
pub mod publish;
pub mod rule;
pub mod scan;
pub mod secrets;
pub mod suppress;
pub mod triage;
pub mod verify;
pub mod workspace;
