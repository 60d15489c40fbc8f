//! Route templates and path builders.
//!
//! The templates use axum's `{param}` syntax so the node can mount them directly; the builders
//! produce the concrete paths a client requests.

use walrus_core::{BlobId, ObjectId, SliverPairIndex, encoding::Axis};

/// `GET`: OpenAPI documentation.
pub const API_DOCS: &str = "/v1/api";
/// `GET` / `PUT`: the metadata of a blob.
pub const METADATA: &str = "/v1/blobs/{blob_id}/metadata";
/// `GET`: whether the node stores the metadata.
pub const METADATA_STATUS: &str = "/v1/blobs/{blob_id}/metadata/status";
/// `GET` / `PUT`: one sliver, by pair index and axis.
pub const SLIVER: &str = "/v1/blobs/{blob_id}/slivers/{sliver_pair_index}/{sliver_type}";
/// `GET`: whether the node stores a sliver.
pub const SLIVER_STATUS: &str =
    "/v1/blobs/{blob_id}/slivers/{sliver_pair_index}/{sliver_type}/status";
/// `GET`: a signed confirmation that the node stores a permanent blob.
pub const PERMANENT_CONFIRMATION: &str = "/v1/blobs/{blob_id}/confirmation/permanent";
/// `GET`: a signed confirmation that the node stores a deletable blob object.
pub const DELETABLE_CONFIRMATION: &str = "/v1/blobs/{blob_id}/confirmation/deletable/{object_id}";
/// `GET`: recovery symbols with proofs.
pub const RECOVERY_SYMBOLS: &str = "/v1/blobs/{blob_id}/recoverySymbols";
/// `POST`: an inconsistency proof, answered with an invalid-blob attestation.
pub const INCONSISTENCY_PROOF: &str = "/v1/blobs/{blob_id}/inconsistencyProof/{sliver_type}";
/// `GET`: the node's view of a blob's status.
pub const BLOB_STATUS: &str = "/v1/blobs/{blob_id}/status";
/// `GET`: node health.
pub const HEALTH: &str = "/v1/health";
/// `POST`: node-to-node shard sync.
pub const SYNC_SHARD: &str = "/v1/migrate/sync_shard";
/// `POST`: storage-challenge symbols (BCS list of positions in, BCS list of optional symbols
/// with proofs out).
pub const CHALLENGE_SYMBOLS: &str = "/v1/challenges/symbols";
/// `GET`: this node's signed verdict on `target` for the challenges of `epoch` (BCS).
pub const CHALLENGE_VERDICT: &str = "/v1/challenges/{epoch}/verdicts/{target}";

/// The largest number of positions in one challenge-symbols request.
pub const MAX_CHALLENGE_POSITIONS: usize = 256;

/// Query parameter asking the node to buffer a PUT until the blob is registered.
pub const PENDING_QUERY: &str = "pending";

/// The path of a blob's metadata.
pub fn metadata(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/metadata")
}

/// The path of a blob's metadata status.
pub fn metadata_status(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/metadata/status")
}

/// The path of one sliver.
pub fn sliver(blob_id: &BlobId, pair: SliverPairIndex, axis: Axis) -> String {
    format!("/v1/blobs/{blob_id}/slivers/{pair}/{axis}")
}

/// The path of one sliver's status.
pub fn sliver_status(blob_id: &BlobId, pair: SliverPairIndex, axis: Axis) -> String {
    format!("/v1/blobs/{blob_id}/slivers/{pair}/{axis}/status")
}

/// The path of a permanent-blob confirmation.
pub fn permanent_confirmation(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/confirmation/permanent")
}

/// The path of a deletable-blob confirmation; the object ID is `0x` + 64 lowercase hex digits.
pub fn deletable_confirmation(blob_id: &BlobId, object_id: &ObjectId) -> String {
    format!("/v1/blobs/{blob_id}/confirmation/deletable/{object_id}")
}

/// The path of the recovery-symbols endpoint (the query carries the target).
pub fn recovery_symbols(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/recoverySymbols")
}

/// The path for posting an inconsistency proof about slivers of `axis`.
pub fn inconsistency_proof(blob_id: &BlobId, axis: Axis) -> String {
    format!("/v1/blobs/{blob_id}/inconsistencyProof/{axis}")
}

/// The path of a challenger's verdict on `target` for `epoch`; the object ID is `0x` + 64
/// lowercase hex digits.
pub fn challenge_verdict(epoch: walrus_core::Epoch, target: &ObjectId) -> String {
    format!("/v1/challenges/{epoch}/verdicts/{target}")
}

/// The path of a blob's status.
pub fn blob_status(blob_id: &BlobId) -> String {
    format!("/v1/blobs/{blob_id}/status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_match_templates() {
        let blob_id = BlobId([0; 32]);
        let text = blob_id.to_string();
        assert_eq!(metadata(&blob_id), METADATA.replace("{blob_id}", &text));
        assert_eq!(
            sliver(&blob_id, SliverPairIndex(7), Axis::Secondary),
            SLIVER
                .replace("{blob_id}", &text)
                .replace("{sliver_pair_index}", "7")
                .replace("{sliver_type}", "secondary")
        );
        let object_id = ObjectId([0xab; 32]);
        let path = deletable_confirmation(&blob_id, &object_id);
        assert!(
            path.ends_with(&format!("/deletable/0x{}", "ab".repeat(32))),
            "{path}"
        );
        assert_eq!(
            inconsistency_proof(&blob_id, Axis::Primary),
            format!("/v1/blobs/{text}/inconsistencyProof/primary")
        );
        assert_eq!(
            challenge_verdict(9, &object_id),
            CHALLENGE_VERDICT
                .replace("{epoch}", "9")
                .replace("{target}", &object_id.to_string())
        );
    }
}
