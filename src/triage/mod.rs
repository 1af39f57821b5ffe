//! Reading CI logs (issue 6, in progress): `go test` output, plain or
//! `-json`, turned into race reports and MySQL errors with the test each
//! came from. Mapping them onto rules and places comes next.

pub mod log;
