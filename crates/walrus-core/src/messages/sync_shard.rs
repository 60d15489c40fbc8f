//! Shard-sync requests: a node asks another node for the slivers of a shard (off-chain only).

use serde::{Deserialize, Serialize};

use super::{IntentType, MessageBody, ProtocolMessage, SignedMessage, sealed};
use crate::ids::{BlobId, Epoch, ShardIndex};

/// The sliver axis requested in a shard sync.
///
/// BCS: the variant index (`00` primary, `01` secondary); JSON: `"primary"` / `"secondary"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SliverAxis {
    /// Primary slivers (rows).
    Primary,
    /// Secondary slivers (columns).
    Secondary,
}

/// A request for up to `sliver_count` slivers of one shard, starting at a blob ID.
///
/// BCS: `00 || shard_index u16 || sliver_type u8 || starting_blob_id 32B || sliver_count u64 ||
/// epoch u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SyncShardRequest {
    /// Version 1 of the request.
    V1 {
        /// The shard to sync.
        shard_index: ShardIndex,
        /// Which slivers of the shard are requested.
        sliver_type: SliverAxis,
        /// The first blob ID (inclusive) to return slivers for.
        starting_blob_id: BlobId,
        /// The maximum number of slivers to return.
        sliver_count: u64,
        /// The epoch in which the requester syncs the shard.
        epoch: Epoch,
    },
}

impl sealed::Sealed for SyncShardRequest {}

impl MessageBody for SyncShardRequest {
    const INTENT_TYPE: IntentType = IntentType::SYNC_SHARD;
}

/// A shard-sync request message (intent type `SYNC_SHARD`).
pub type SyncShardMsg = ProtocolMessage<SyncShardRequest>;

/// A shard-sync request signed by the requesting node.
pub type SignedSyncShardRequest = SignedMessage<SyncShardRequest>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let message = SyncShardMsg::new(
            21,
            SyncShardRequest::V1 {
                shard_index: ShardIndex(5),
                sliver_type: SliverAxis::Primary,
                starting_blob_id: BlobId([9; 32]),
                sliver_count: 100,
                epoch: 21,
            },
        );
        // header, V1, shard 5, primary, start, count 100, epoch 21
        let expected = [
            "03000315000000",
            "00",
            "0500",
            "00",
            &"09".repeat(32),
            "6400000000000000",
            "15000000",
        ]
        .concat();
        assert_eq!(hex::encode(message.to_bcs()), expected);
    }

    #[test]
    fn axis_forms() {
        assert_eq!(bcs::to_bytes(&SliverAxis::Secondary).expect("bcs"), [1]);
        assert_eq!(bcs::to_bytes(&SliverAxis::Primary).expect("bcs"), [0]);
        assert_eq!(
            serde_json::to_string(&SliverAxis::Secondary).expect("json"),
            "\"secondary\""
        );
        assert_eq!(
            serde_json::from_str::<SliverAxis>("\"primary\"").expect("json"),
            SliverAxis::Primary
        );
        assert!(bcs::from_bytes::<SliverAxis>(&[2]).is_err());
    }
}
