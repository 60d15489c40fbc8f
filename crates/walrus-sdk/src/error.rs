//! The SDK's error type.

use walrus_core::BlobId;

use crate::encryption::EncryptionError;

/// Everything that can go wrong in a client operation.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The client configuration is missing or invalid.
    #[error("client config: {0}")]
    Config(String),
    /// A chain call or read failed.
    #[error(transparent)]
    Chain(#[from] walrus_sui::client::ChainError),
    /// The wallet could not be loaded.
    #[error(transparent)]
    Wallet(#[from] walrus_sui::wallet::WalletError),
    /// The blob cannot be encoded (too large, unsupported shard count).
    #[error("cannot encode the blob: {0}")]
    Encoding(#[from] walrus_core::encoding::EncodingError),
    /// The blob is larger than the configured limit.
    #[error("the blob is {size} bytes, larger than the limit of {limit} bytes")]
    BlobTooLarge {
        /// The blob's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Not enough storage nodes accepted the blob or confirmed storing it.
    #[error(
        "not enough storage nodes confirmed the blob: {weight} of {n_shards} shards, need {needed}{}",
        summary_suffix(failures)
    )]
    NotEnoughConfirmations {
        /// Shards whose nodes confirmed.
        weight: u16,
        /// Shards needed (`n - f`).
        needed: u16,
        /// Total shards.
        n_shards: u16,
        /// One line per failed node.
        failures: Vec<String>,
    },
    /// A request to one storage node failed.
    #[error("{node}: {detail}")]
    NodeRequest {
        /// The node (name and address).
        node: String,
        /// What failed.
        detail: String,
    },
    /// No quorum of storage nodes knows the blob.
    #[error("blob {0} does not exist (no storage node quorum has its metadata)")]
    BlobNotFound(BlobId),
    /// The blob was marked invalid on chain (its writer uploaded an inconsistent encoding), as
    /// nodes holding more than `f` shards report.
    #[error("blob {0} is invalid: it was marked invalid on chain (inconsistently encoded)")]
    BlobInvalid(BlobId),
    /// Not enough verified slivers could be fetched to decode the blob.
    #[error("cannot read blob {blob_id}: {detail}")]
    NotEnoughSlivers {
        /// The blob.
        blob_id: BlobId,
        /// What was missing.
        detail: String,
    },
    /// Decoding or the consistency check failed.
    #[error("blob {blob_id} cannot be decoded: {source}")]
    Decode {
        /// The blob.
        blob_id: BlobId,
        /// The decoder's error.
        source: walrus_core::encoding::DecodeError,
    },
    /// A requested byte range lies outside the blob.
    #[error("byte range {start}..{end} is outside the blob of {length} bytes")]
    RangeNotSatisfiable {
        /// Range start.
        start: u64,
        /// Range end (exclusive).
        end: u64,
        /// Blob length.
        length: u64,
    },
    /// A certificate could not be assembled.
    #[error("cannot build the confirmation certificate: {0}")]
    Certificate(String),
    /// Client-side encryption or decryption failed.
    #[error(transparent)]
    Encryption(#[from] EncryptionError),
    /// A named object does not exist or has another type.
    #[error("{0}")]
    NotFound(String),
    /// The caller asked for something the chain state does not allow.
    #[error("{0}")]
    InvalidArgument(String),
    /// An internal task failed (panicked or was cancelled).
    #[error("internal task failed: {0}")]
    Task(String),
}

fn summary_suffix(failures: &[String]) -> String {
    if failures.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = failures.iter().take(3).map(String::as_str).collect();
        let more = failures.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        format!("; failures: {}{tail}", shown.join("; "))
    }
}

/// The SDK's result type.
pub type SdkResult<T> = Result<T, SdkError>;
