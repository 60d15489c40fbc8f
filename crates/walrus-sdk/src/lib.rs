//! The Walrus client library: store, read, manage blobs and stakes.
//!
//! [`WalrusClient`] is the entry point. It wraps the chain client (`walrus-sui`) and HTTP
//! clients for the storage nodes of the current committee (`walrus-node-api`):
//!
//! - [`store`]: encode, register (buying or reusing storage), upload, collect confirmations,
//!   certify; skips blobs already certified long enough.
//! - [`read`]: verified metadata and slivers from any nodes, decoding, byte ranges; survives up
//!   to `f` unavailable or lying nodes and reports the liars.
//! - [`client`]: blob objects (status, extend, transfer, delete, attributes, listing), system
//!   information and staking.
//! - [`encryption`]: optional client-side ChaCha20-Poly1305 encryption with a key file or an
//!   Argon2id passphrase.
//! - [`daemon`]: the publisher/aggregator HTTP API.
//! - [`config`]: the client config file.
//!
//! **Architecture Invariant:** the SDK never prints; progress goes through [`progress::Progress`].

pub mod client;
pub mod committee;
pub mod config;
pub mod daemon;
pub mod encryption;
pub mod error;
pub mod node_ops;
pub mod progress;
pub mod read;
pub mod store;

pub use client::{
    BlobObjectInfo, ChallengesInfo, NodeChallengeInfo, StakeInfo, StorageInfo, SystemInfo,
    WalrusClient, WithdrawStep,
};
pub use config::{ClientConfig, CommunicationConfig};
pub use error::{SdkError, SdkResult};
pub use node_ops::VerifiedStatus;
pub use progress::{NoProgress, Progress, ProgressEvent};
pub use read::{ByteRange, FaultyNode, RangeOutput, ReadOptions, ReadOutput};
pub use store::{ResourceOperation, StoreOptions, StoreResult};
pub use walrus_node_api::BlobStatus;
