//! Walrus chain layer: Rust mirrors of the Move objects and events in `contracts/` (same BCS
//! layout), the Move abort codes (generated from the Move sources at build time), and typed
//! builders for the arguments of every public entry point.
//!
//! **Architecture Invariant:** this crate does not talk to a chain yet; it only describes the
//! contract ABI. The conformance test (`tests/abi_conformance.rs`) parses the Move sources and
//! checks every mirror, call builder and abort code against them.

pub mod calls;
pub mod errors;
pub mod events;
pub mod move_types;
pub mod objects;

pub use calls::{Arg, MoveCall};
pub use errors::{ABORT_CODES, MoveAbort};
pub use move_types::{MoveStruct, MoveType};

/// Every Move struct mirrored in Rust: `(module, name, [(field, Move type)])`, in declaration
/// order. Used by the conformance test.
pub fn mirrored_structs() -> Vec<move_types::StructLayout> {
    let mut layouts = objects::layouts();
    layouts.extend(events::layouts());
    layouts
}
