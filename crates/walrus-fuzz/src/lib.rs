//! Fuzz targets for Walrus: every BCS decoder that reads bytes from the network or the chain,
//! metadata, sliver, recovery-symbol and inconsistency-proof verification, sliver recovery and blob
//! decoding, signed messages and certificates, chain events, and the storage node's HTTP handlers.
//!
//! Each target is a plain function over a byte string. Two drivers share them:
//! - `fuzz/` at the repository root is a `cargo fuzz` (libFuzzer) package whose binaries call
//!   these functions; `scripts/fuzz.sh` runs each target for a given time.
//! - The stable test suite (`tests/regressions.rs` of this crate) runs every target over its
//!   seeds, over the committed corpus in `fuzz/corpus/<target>` and `fuzz/regressions/<target>`,
//!   and over property-generated mutations of the seeds, so CI exercises the same code paths.
//!
//! A target panics only when it finds a bug: a decoder that panics, a decoding that does not
//! round-trip, a forged object that passes verification, a decoder that returns wrong bytes, or
//! an HTTP handler that answers a malformed request with a server error.

pub mod fixture;
pub mod http;
pub mod targets;

/// A fuzz target: its name (the `cargo fuzz` binary and corpus directory), its function, and a
/// generator of valid seed inputs.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// Runs one input; panics on a bug.
    pub run: fn(&[u8]),
    /// Valid inputs that reach deep into the target, for the initial corpus.
    pub seeds: fn() -> Vec<Vec<u8>>,
}

/// Every in-process target. The storage node's HTTP target needs a running network and is driven
/// through [`http::HttpHarness`] instead.
pub const TARGETS: &[Target] = &[
    Target {
        name: "metadata",
        run: targets::metadata,
        seeds: targets::metadata_seeds,
    },
    Target {
        name: "sliver",
        run: targets::sliver,
        seeds: targets::sliver_seeds,
    },
    Target {
        name: "recovery_symbol",
        run: targets::recovery_symbol,
        seeds: targets::recovery_symbol_seeds,
    },
    Target {
        name: "inconsistency_proof",
        run: targets::inconsistency_proof,
        seeds: targets::inconsistency_proof_seeds,
    },
    Target {
        name: "recover_sliver",
        run: targets::recover_sliver,
        seeds: targets::recover_sliver_seeds,
    },
    Target {
        name: "decode_blob",
        run: targets::decode_blob,
        seeds: targets::decode_blob_seeds,
    },
    Target {
        name: "signed_message",
        run: targets::signed_message,
        seeds: targets::signed_message_seeds,
    },
    Target {
        name: "certificate",
        run: targets::certificate,
        seeds: targets::certificate_seeds,
    },
    Target {
        name: "chain_event",
        run: targets::chain_event,
        seeds: targets::chain_event_seeds,
    },
];

/// The name of the storage node's HTTP target.
pub const NODE_HTTP: &str = "node_http";

/// Looks up an in-process target by name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|target| target.name == name)
}
