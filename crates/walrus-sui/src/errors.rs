//! Move abort codes, generated at build time from `const EName: u64 = N;` in `contracts/` (see
//! `build.rs`). Each Move module gets an enum `<Module>Error`; [`MoveAbort`] decodes an abort by
//! module name and code.

include!(concat!(env!("OUT_DIR"), "/move_errors.rs"));
