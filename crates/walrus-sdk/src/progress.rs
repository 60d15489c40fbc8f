//! Progress reporting for long operations. The CLI draws progress bars from these events; the
//! SDK never prints.

use walrus_core::{BlobId, ObjectId};

/// One step of a store or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgressEvent {
    /// Encoding started for a blob of this many bytes.
    EncodingStarted {
        /// Unencoded size.
        size: u64,
    },
    /// Encoding finished.
    Encoded {
        /// The blob ID.
        blob_id: BlobId,
        /// The encoded size paid for on chain.
        encoded_size: u64,
    },
    /// The blob is already certified long enough; nothing was uploaded.
    AlreadyCertified {
        /// The blob ID.
        blob_id: BlobId,
    },
    /// The blob object was registered on chain.
    Registered {
        /// The `Blob` object.
        object_id: ObjectId,
    },
    /// Uploads to `n_nodes` nodes holding `n_shards` shards started; `total_bytes` in all.
    UploadStarted {
        /// Nodes written to.
        n_nodes: usize,
        /// Total shards.
        n_shards: u16,
        /// Metadata and sliver bytes to send.
        total_bytes: u64,
    },
    /// A request to a node finished with this many payload bytes.
    BytesSent {
        /// Bytes just sent.
        bytes: u64,
    },
    /// A node stored all its slivers.
    NodeStored {
        /// The node.
        node_id: ObjectId,
        /// Its shards.
        weight: u16,
    },
    /// A node failed.
    NodeFailed {
        /// The node.
        node_id: ObjectId,
        /// Why.
        error: String,
    },
    /// Confirmations are being collected.
    CollectingConfirmations,
    /// The certificate is being submitted.
    Certifying,
    /// The blob is certified.
    Certified {
        /// The blob ID.
        blob_id: BlobId,
    },
    /// A read is fetching slivers: `needed` verified slivers of `size` bytes each.
    ReadStarted {
        /// The blob ID.
        blob_id: BlobId,
        /// Slivers needed.
        needed: usize,
    },
    /// One verified sliver arrived.
    SliverReceived,
    /// Decoding started.
    Decoding,
}

/// Receives progress events. Implementations must be cheap: events arrive from many tasks.
pub trait Progress: Send + Sync {
    /// Handles one event.
    fn event(&self, event: ProgressEvent);
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _event: ProgressEvent) {}
}

impl<F: Fn(ProgressEvent) + Send + Sync> Progress for F {
    fn event(&self, event: ProgressEvent) {
        self(event)
    }
}
