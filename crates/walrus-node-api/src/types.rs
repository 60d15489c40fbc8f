//! JSON and BCS bodies of the storage-node API.

use std::{cmp::Ordering, time::Duration};

use serde::{Deserialize, Serialize};
use serde_with::{DisplayFromStr, PickFirst, serde_as};
use walrus_core::{BlobId, BlsPublicKey, Epoch, ShardIndex, encoding::Sliver};

/// The JSON success envelope: `{"success":{"code":<http status>,"data":<T>}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSuccess<T> {
    /// The body.
    pub success: ApiSuccessBody<T>,
}

/// The inside of [`ApiSuccess`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiSuccessBody<T> {
    /// The HTTP status code, equal to the response's status.
    pub code: u16,
    /// The payload.
    pub data: T,
}

impl<T> ApiSuccess<T> {
    /// Wraps `data` with the HTTP status `code`.
    pub fn new(code: u16, data: T) -> Self {
        Self {
            success: ApiSuccessBody { code, data },
        }
    }

    /// Unwraps the payload.
    pub fn into_data(self) -> T {
        self.success.data
    }
}

/// The ID of a Sui event: the digest of the transaction that emitted it and its sequence number.
///
/// JSON: `{"txDigest":"<base58>","eventSeq":"<u64 as decimal string>"}` (a number is accepted
/// for `eventSeq` too).
#[serde_as]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventId {
    /// The transaction digest.
    #[serde(alias = "tx_digest")]
    pub tx_digest: sui_sdk_types::Digest,
    /// The index of the event in the transaction's events.
    #[serde(alias = "event_seq")]
    #[serde_as(as = "PickFirst<(DisplayFromStr, _)>")]
    pub event_seq: u64,
}

/// Counts of deletable `Blob` objects registered for a blob ID.
///
/// JSON fields are snake_case (`count_deletable_total`, `count_deletable_certified`); camelCase is
/// accepted too.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct DeletableCounts {
    /// Registered deletable objects that are not deleted or expired.
    #[serde(alias = "countDeletableTotal")]
    pub count_deletable_total: u32,
    /// Of those, the certified ones.
    #[serde(alias = "countDeletableCertified")]
    pub count_deletable_certified: u32,
}

/// A node's view of a blob ID.
///
/// JSON: `"nonexistent"`, `{"invalid":{"event":..}}`,
/// `{"permanent":{"endEpoch":..,"isCertified":..,"statusEvent":..,"deletableCounts":..,
/// "initialCertifiedEpoch":..}}` or `{"deletable":{"initialCertifiedEpoch":..,
/// "deletableCounts":..}}`. Fields are camelCase; snake_case is accepted when parsing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum BlobStatus {
    /// The node knows nothing about the blob ID.
    #[default]
    Nonexistent,
    /// The blob ID was marked invalid.
    Invalid {
        /// The `InvalidBlobID` event.
        event: EventId,
    },
    /// At least one permanent `Blob` object is registered.
    Permanent {
        /// The latest end epoch of the permanent objects.
        #[serde(alias = "end_epoch")]
        end_epoch: Epoch,
        /// Whether one of them is certified.
        #[serde(alias = "is_certified")]
        is_certified: bool,
        /// The event that set this status.
        #[serde(alias = "status_event")]
        status_event: EventId,
        /// Counts of deletable objects for the same blob ID.
        #[serde(alias = "deletable_counts")]
        deletable_counts: DeletableCounts,
        /// The first epoch in which the blob was certified, if it was.
        #[serde(alias = "initial_certified_epoch", default)]
        initial_certified_epoch: Option<Epoch>,
    },
    /// Only deletable `Blob` objects are registered.
    Deletable {
        /// The first epoch in which the blob was certified, if it was.
        #[serde(alias = "initial_certified_epoch", default)]
        initial_certified_epoch: Option<Epoch>,
        /// Counts of the deletable objects.
        #[serde(alias = "deletable_counts")]
        deletable_counts: DeletableCounts,
    },
}

impl BlobStatus {
    /// Whether a certified object exists for the blob (permanent or deletable).
    pub fn is_certified(&self) -> bool {
        match self {
            BlobStatus::Permanent { is_certified, .. } => *is_certified,
            BlobStatus::Deletable {
                deletable_counts, ..
            } => deletable_counts.count_deletable_certified > 0,
            BlobStatus::Nonexistent | BlobStatus::Invalid { .. } => false,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            BlobStatus::Nonexistent => 0,
            BlobStatus::Deletable { .. } => 1,
            BlobStatus::Permanent { .. } => 2,
            BlobStatus::Invalid { .. } => 3,
        }
    }
}

/// The order clients use to pick the status to trust: nonexistent < deletable < permanent <
/// invalid; permanent statuses compare by (certified, end epoch, counts, earlier initial epoch).
impl Ord for BlobStatus {
    fn cmp(&self, other: &Self) -> Ordering {
        use BlobStatus::{Deletable, Permanent};
        match (self, other) {
            (
                Permanent {
                    end_epoch,
                    is_certified,
                    deletable_counts,
                    initial_certified_epoch,
                    ..
                },
                Permanent {
                    end_epoch: other_end,
                    is_certified: other_certified,
                    deletable_counts: other_counts,
                    initial_certified_epoch: other_initial,
                    ..
                },
            ) => is_certified
                .cmp(other_certified)
                .then(end_epoch.cmp(other_end))
                .then(deletable_counts.cmp(other_counts))
                .then(earlier_is_greater(*initial_certified_epoch, *other_initial)),
            (
                Deletable {
                    initial_certified_epoch,
                    deletable_counts,
                },
                Deletable {
                    initial_certified_epoch: other_initial,
                    deletable_counts: other_counts,
                },
            ) => deletable_counts
                .cmp(other_counts)
                .then(earlier_is_greater(*initial_certified_epoch, *other_initial)),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// An earlier initial certification is "greater"; a known epoch beats none.
fn earlier_is_greater(this: Option<Epoch>, other: Option<Epoch>) -> Ordering {
    match (this, other) {
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (None, None) => Ordering::Equal,
    }
}

impl PartialOrd for BlobStatus {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Whether the node stores a piece of data. JSON: `"nonexistent"`, `"buffered"` or `"stored"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredOnNodeStatus {
    /// Not stored.
    Nonexistent,
    /// Held in the pending-upload buffer until the blob is registered.
    Buffered,
    /// Stored.
    Stored,
}

/// Event-processing progress of a node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventProgress {
    /// Events persisted (processed) so far.
    pub persisted: u64,
    /// Events received but not yet processed.
    pub pending: u64,
    /// The index of the highest fully processed event, if any.
    #[serde(default)]
    pub highest_finished_event_index: Option<u64>,
}

/// The state of one shard on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ShardStatus {
    /// Unknown.
    Unknown,
    /// Owned and serving.
    Ready,
    /// Being received from its previous owner.
    InTransfer,
    /// Being rebuilt by recovery.
    InRecovery,
    /// No longer owned; kept read-only for the handover.
    ReadOnly,
}

/// Counts of owned shards by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardStatusDetail {
    /// Shards in an unknown state.
    pub unknown: usize,
    /// Ready shards.
    pub ready: usize,
    /// Shards being transferred.
    pub in_transfer: usize,
    /// Shards being recovered.
    pub in_recovery: usize,
}

/// A summary of the node's shards.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShardStatusSummary {
    /// The number of shards owned in the current epoch.
    pub owned: usize,
    /// Owned shards by state.
    pub owned_shard_status: ShardStatusDetail,
    /// Shards held read-only (no longer owned).
    pub read_only: usize,
}

/// One shard and its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHealthEntry {
    /// The shard.
    pub shard: ShardIndex,
    /// Its state.
    pub status: ShardStatus,
}

/// Per-shard detail of the health report (only with `?detailed=true`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardHealthInfo {
    /// Owned shards.
    pub owned: Vec<ShardHealthEntry>,
    /// Shards stored but not owned.
    pub other: Vec<ShardHealthEntry>,
}

/// The body of `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceHealthInfo {
    /// Time since the node started (`{"secs":..,"nanos":..}`).
    pub uptime: Duration,
    /// The node's current epoch.
    pub epoch: Epoch,
    /// The node's BLS public key (base64).
    pub public_key: BlsPublicKey,
    /// A short description of the node's state (for example `"Active"`).
    pub node_status: String,
    /// Event-processing progress.
    pub event_progress: EventProgress,
    /// The shard summary.
    pub shard_summary: ShardStatusSummary,
    /// Per-shard detail, when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_detail: Option<ShardHealthInfo>,
    /// The latest checkpoint the node has processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_checkpoint_sequence_number: Option<u64>,
}

/// The response to a shard-sync request: slivers of the shard in blob-ID order.
///
/// BCS: `00 || ULEB count || count x (blob_id 32B || Sliver)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncShardResponse {
    /// Version 1.
    V1(Vec<(BlobId, Sliver)>),
}

impl SyncShardResponse {
    /// The slivers of the response.
    pub fn into_slivers(self) -> Vec<(BlobId, Sliver)> {
        match self {
            SyncShardResponse::V1(slivers) => slivers,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(seq: u64) -> EventId {
        EventId {
            tx_digest: sui_sdk_types::Digest::new([7; 32]),
            event_seq: seq,
        }
    }

    #[test]
    fn success_envelope() {
        let json = serde_json::to_value(ApiSuccess::new(201, "metadata successfully stored"))
            .expect("json");
        assert_eq!(
            json,
            json!({"success":{"code":201,"data":"metadata successfully stored"}})
        );
        let parsed: ApiSuccess<StoredOnNodeStatus> =
            serde_json::from_str(r#"{"success":{"code":200,"data":"buffered"}}"#).expect("parses");
        assert_eq!(parsed.into_data(), StoredOnNodeStatus::Buffered);
    }

    #[test]
    fn event_id_form() {
        let value = serde_json::to_value(event(3)).expect("json");
        assert_eq!(value["eventSeq"], "3");
        let digest = value["txDigest"].as_str().expect("string").to_owned();
        assert_eq!(digest, sui_sdk_types::Digest::new([7; 32]).to_string());
        let parsed: EventId =
            serde_json::from_value(json!({"txDigest": digest, "eventSeq": 3})).expect("number");
        assert_eq!(parsed, event(3));
    }

    #[test]
    fn blob_status_forms() {
        assert_eq!(
            serde_json::to_value(BlobStatus::Nonexistent).expect("json"),
            json!("nonexistent")
        );
        let permanent = BlobStatus::Permanent {
            end_epoch: 5,
            is_certified: true,
            status_event: event(1),
            deletable_counts: DeletableCounts {
                count_deletable_total: 2,
                count_deletable_certified: 1,
            },
            initial_certified_epoch: Some(1),
        };
        let value = serde_json::to_value(permanent).expect("json");
        let digest = sui_sdk_types::Digest::new([7; 32]).to_string();
        assert_eq!(
            value,
            json!({"permanent":{"endEpoch":5,"isCertified":true,
                "statusEvent":{"txDigest":digest,"eventSeq":"1"},
                "deletableCounts":{"count_deletable_total":2,"count_deletable_certified":1},
                "initialCertifiedEpoch":1}})
        );
        assert_eq!(
            serde_json::from_value::<BlobStatus>(value).expect("parses"),
            permanent
        );
        // The OpenAPI document's snake_case form parses too.
        let snake = json!({"permanent":{"end_epoch":5,"is_certified":true,
            "status_event":{"tx_digest":digest,"event_seq":"1"},
            "deletable_counts":{"countDeletableTotal":2,"countDeletableCertified":1},
            "initial_certified_epoch":1}});
        assert_eq!(
            serde_json::from_value::<BlobStatus>(snake).expect("parses"),
            permanent
        );
        let deletable: BlobStatus = serde_json::from_value(json!({"deletable":{
            "initialCertifiedEpoch":null,
            "deletableCounts":{"count_deletable_total":1,"count_deletable_certified":0}}}))
        .expect("parses");
        assert!(!deletable.is_certified());
        let invalid = BlobStatus::Invalid { event: event(2) };
        let value = serde_json::to_value(invalid).expect("json");
        assert_eq!(value["invalid"]["event"]["eventSeq"], "2");
    }

    #[test]
    fn blob_status_order() {
        let permanent = |certified, end_epoch, initial| BlobStatus::Permanent {
            end_epoch,
            is_certified: certified,
            status_event: event(0),
            deletable_counts: DeletableCounts::default(),
            initial_certified_epoch: initial,
        };
        let deletable = BlobStatus::Deletable {
            initial_certified_epoch: None,
            deletable_counts: DeletableCounts::default(),
        };
        let invalid = BlobStatus::Invalid { event: event(0) };
        assert!(BlobStatus::Nonexistent < deletable);
        assert!(deletable < permanent(false, 1, None));
        assert!(permanent(true, 9, Some(1)) < invalid);
        assert!(permanent(false, 9, None) < permanent(true, 1, None));
        assert!(permanent(true, 1, None) < permanent(true, 2, None));
        assert!(permanent(true, 2, Some(3)) < permanent(true, 2, Some(1)));
    }

    #[test]
    fn stored_status_and_health_forms() {
        assert_eq!(
            serde_json::to_value(StoredOnNodeStatus::Nonexistent).expect("json"),
            json!("nonexistent")
        );
        let key = walrus_core::BlsKeyPair::generate(&mut rand::thread_rng())
            .public_key()
            .clone();
        let health = ServiceHealthInfo {
            uptime: Duration::new(3, 5),
            epoch: 2,
            public_key: key.clone(),
            node_status: "Active".to_owned(),
            event_progress: EventProgress::default(),
            shard_summary: ShardStatusSummary {
                owned: 1,
                owned_shard_status: ShardStatusDetail {
                    ready: 1,
                    ..ShardStatusDetail::default()
                },
                read_only: 0,
            },
            shard_detail: Some(ShardHealthInfo {
                owned: vec![ShardHealthEntry {
                    shard: ShardIndex(4),
                    status: ShardStatus::InTransfer,
                }],
                other: vec![],
            }),
            latest_checkpoint_sequence_number: Some(10),
        };
        let value = serde_json::to_value(&health).expect("json");
        assert_eq!(value["uptime"], json!({"secs":3,"nanos":5}));
        assert_eq!(value["publicKey"], json!(key.to_base64()));
        assert_eq!(value["shardSummary"]["ownedShardStatus"]["ready"], 1);
        assert_eq!(value["shardDetail"]["owned"][0]["status"], "inTransfer");
        assert_eq!(
            value["eventProgress"]["highestFinishedEventIndex"],
            json!(null)
        );
        assert_eq!(
            serde_json::from_value::<ServiceHealthInfo>(value).expect("parses"),
            health
        );
    }

    #[test]
    fn sync_shard_response_bcs() {
        let sliver = walrus_core::encoding::SliverData::<walrus_core::encoding::Primary>::new(
            vec![1, 2, 3, 4],
            std::num::NonZeroU16::new(2).expect("nonzero"),
            walrus_core::SliverIndex(3),
        );
        let response = SyncShardResponse::V1(vec![(BlobId([5; 32]), Sliver::Primary(sliver))]);
        let bytes = bcs::to_bytes(&response).expect("bcs");
        let mut expected = vec![0, 1];
        expected.extend([5; 32]);
        expected.extend([0, 4, 1, 2, 3, 4, 2, 0, 3, 0]);
        assert_eq!(bytes, expected);
        assert_eq!(
            bcs::from_bytes::<SyncShardResponse>(&bytes).expect("decodes"),
            response
        );
    }
}
