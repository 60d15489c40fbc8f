//! Walrus chain layer: Rust mirrors of the Move objects and events in `contracts/` (same BCS
//! layout), the Move abort codes (generated from the Move sources at build time), and typed
//! builders for the arguments of every public entry point; plus the chain client over Sui gRPC
//! ([`client`]), its configuration ([`config`]) and a signing wallet ([`wallet`]).
//!
//! **Architecture Invariant:** the ABI part (`calls`, `errors`, `events`, `move_types`,
//! `objects`) only describes the contracts; the conformance test (`tests/abi_conformance.rs`)
//! parses the Move sources and checks every mirror, call builder and abort code against them.
//! Every other crate talks to the chain only through [`client`], which decodes BCS with these
//! mirrors and never relies on a node's JSON rendering.

pub mod calls;
pub mod client;
pub mod config;
pub mod epoch_driver;
pub mod errors;
pub mod events;
pub mod move_types;
pub mod objects;
pub mod wallet;

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
