//! The Walrus data plane: RedStuff (RS2) encoding and decoding, blob IDs, Merkle trees,
//! metadata, slivers, recovery symbols, inconsistency proofs, signed messages and BLS
//! certificates, and the BFT arithmetic behind them.
//!
//! Architecture invariant: this crate does no IO and knows nothing about Sui, networks or
//! storage engines. Every wire type has the exact BCS layout of the reference implementation.

pub mod bft;
pub mod challenge;
pub mod encoding;
pub mod ids;
pub mod keys;
pub mod merkle;
pub mod messages;
pub mod metadata;

pub use ids::{BlobId, Epoch, ObjectId, ShardIndex, SliverIndex, SliverPairIndex, SymbolId};
pub use keys::{BlsAggregateSignature, BlsKeyPair, BlsPublicKey, BlsSignature};
pub use messages::{
    Confirmation, ConfirmationCertificate, InvalidBlobCertificate, ProtocolMessage, SignedMessage,
};
