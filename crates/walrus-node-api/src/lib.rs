//! Storage-node HTTP API types and a typed client, shared by the node and the SDK.
//!
//! - [`routes`]: the route templates (axum `{param}` syntax) and URL path builders.
//! - [`types`]: the JSON and BCS bodies of the API (`ApiSuccess`, `BlobStatus`, health, ...).
//! - [`error`]: the AIP-193 error body ([`ApiError`]) and its reasons.
//! - [`client`]: [`NodeClient`], a typed async client over reqwest.
//! - [`tls`]: pinning a node's TLS certificate to its on-chain network public key.
//!
//! The wire forms follow `data-plane.md` section 7 of the shared spec.

pub mod client;
pub mod error;
pub mod routes;
pub mod tls;
pub mod types;

pub use client::{NodeApiError, NodeClient, StoreOutcome};
pub use error::{ApiError, ApiStatus, reason};
pub use types::{
    ApiSuccess, BlobStatus, DeletableCounts, EventId, EventProgress, ServiceHealthInfo,
    ShardHealthEntry, ShardHealthInfo, ShardStatus, ShardStatusDetail, ShardStatusSummary,
    StoredOnNodeStatus, SyncShardResponse,
};
pub use walrus_core::messages::StorageConfirmation;
