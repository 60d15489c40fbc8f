//! The event-sourced view of the Walrus chain state: committees, blobs, nodes, pools and stakes.
//!
//! The indexer follows the `walrus-sui` checkpoint stream from a persisted cursor and derives,
//! from the contract events alone (plus the committee and node details read from the chain at an
//! epoch change or a node registration):
//!
//! - committees per epoch (each member's shards, network address and keys) and the epoch-change
//!   state (start, nodes that reported sync, done);
//! - the blob registry, keyed by blob ID and aggregating every `Blob` object with that ID;
//! - storage nodes, staking pools, stakes by owner and per-epoch rewards.
//!
//! **Architecture Invariant:** each checkpoint's derived changes commit in one transaction with
//! the cursor ([`apply::apply_checkpoints`]); replaying a checkpoint is a no-op, so a crash at any
//! point loses nothing and applies nothing twice. Subscribers (a storage node) receive the same
//! changes, in order, after they are committed ([`Indexer::subscribe`]).
//!
//! Backends ([`store`]): an embedded fjall store for nodes, SQLite (the service's default) and
//! PostgreSQL, with versioned migrations. The HTTP JSON API is in [`api`].

pub mod apply;
pub mod changes;
pub mod model;
pub mod store;

pub use changes::{CheckpointChanges, EventContext, IndexedEvent};
pub use store::{AnyStore, EmbeddedStore, SqlStore, Store, StoreError};
pub mod indexer;

pub use indexer::{Indexer, IndexerConfig, IndexerError, SuiContext};
pub mod api;
pub mod service;
