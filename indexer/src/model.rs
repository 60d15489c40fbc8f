//! The derived records: what the indexer stores and what its API returns. IDs are in their text
//! forms (object IDs and addresses as `0x` + 64 hex digits, blob IDs in base64url), keys in hex.

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, Epoch, ObjectId};

/// Serializes IDs in their text forms (`Display` / `FromStr`).
mod text {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Serializes optional IDs in their text forms.
mod opt_text {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<T: Display, S: Serializer>(
        value: &Option<T>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        Option::<String>::deserialize(d)?
            .map(|text| text.parse().map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// The indexer's position: the next checkpoint to process and how many events it applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IndexerMeta {
    /// The next checkpoint to process (all earlier ones are applied).
    pub next_checkpoint: u64,
    /// The number of Walrus events applied so far.
    pub events_applied: u64,
    /// The timestamp of the last applied checkpoint (ms since the Unix epoch), if known.
    pub last_timestamp_ms: Option<u64>,
}

/// One `Blob` object, as derived from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobObject {
    /// The `Blob` object's ID.
    #[serde(with = "text")]
    pub object_id: ObjectId,
    /// The blob ID.
    #[serde(with = "text")]
    pub blob_id: BlobId,
    /// The sender of the registering transaction (the owner unless transferred since).
    pub owner: Option<String>,
    /// The unencoded size (0 if the registration predates the indexer's start).
    pub size: u64,
    /// The encoding type.
    pub encoding_type: u8,
    /// The epoch of registration.
    pub registered_epoch: Epoch,
    /// The epoch of certification, once certified.
    pub certified_epoch: Option<Epoch>,
    /// The first epoch in which the blob is no longer stored.
    pub end_epoch: Epoch,
    /// Whether the owner may delete it.
    pub deletable: bool,
    /// Whether it was deleted.
    pub deleted: bool,
    /// The checkpoint of the last change.
    pub checkpoint: u64,
}

/// The aggregate over every `Blob` object with one blob ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobStatus {
    /// The blob ID.
    #[serde(with = "text")]
    pub blob_id: BlobId,
    /// The summary: `invalid`, `permanent` (a certified permanent object is live), `deletable`
    /// (only certified deletable objects are live), `registered` (live but uncertified),
    /// `expired` or `deleted` (no live object).
    pub status: BlobState,
    /// The epoch the blob ID was declared invalid in, if it was.
    pub invalid_epoch: Option<Epoch>,
    /// The latest end epoch over the live objects (0 if none).
    pub end_epoch: Epoch,
    /// The earliest certification epoch over the live certified objects.
    pub initial_certified_epoch: Option<Epoch>,
    /// Live (neither deleted nor expired) objects that are permanent.
    pub permanent_count: u32,
    /// Live permanent objects that are certified.
    pub permanent_certified_count: u32,
    /// Live objects that are deletable.
    pub deletable_count: u32,
    /// Live deletable objects that are certified.
    pub deletable_certified_count: u32,
    /// Every object with this blob ID, live or not.
    pub objects: Vec<BlobObject>,
}

/// The state of a blob ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobState {
    /// Declared invalid.
    Invalid,
    /// A live certified permanent object exists.
    Permanent,
    /// Only certified deletable objects are live.
    Deletable,
    /// Live objects exist but none is certified.
    Registered,
    /// Every object expired.
    Expired,
    /// Every object was deleted (or expired after some were deleted).
    Deleted,
}

impl BlobStatus {
    /// Aggregates `objects` (all with `blob_id`) at `current_epoch`.
    pub fn aggregate(
        blob_id: BlobId,
        invalid_epoch: Option<Epoch>,
        objects: Vec<BlobObject>,
        current_epoch: Epoch,
    ) -> Self {
        let mut status = Self {
            blob_id,
            status: BlobState::Expired,
            invalid_epoch,
            end_epoch: 0,
            initial_certified_epoch: None,
            permanent_count: 0,
            permanent_certified_count: 0,
            deletable_count: 0,
            deletable_certified_count: 0,
            objects: Vec::new(),
        };
        for object in &objects {
            if object.deleted || object.end_epoch <= current_epoch {
                continue;
            }
            status.end_epoch = status.end_epoch.max(object.end_epoch);
            let certified = object.certified_epoch.is_some();
            if let Some(epoch) = object.certified_epoch {
                status.initial_certified_epoch = Some(
                    status
                        .initial_certified_epoch
                        .map_or(epoch, |e: Epoch| e.min(epoch)),
                );
            }
            let (count, certified_count) = if object.deletable {
                (
                    &mut status.deletable_count,
                    &mut status.deletable_certified_count,
                )
            } else {
                (
                    &mut status.permanent_count,
                    &mut status.permanent_certified_count,
                )
            };
            *count += 1;
            if certified {
                *certified_count += 1;
            }
        }
        status.status = if invalid_epoch.is_some() {
            BlobState::Invalid
        } else if status.permanent_certified_count > 0 {
            BlobState::Permanent
        } else if status.deletable_certified_count > 0 {
            BlobState::Deletable
        } else if status.permanent_count + status.deletable_count > 0 {
            BlobState::Registered
        } else if objects.iter().any(|o| o.deleted) {
            BlobState::Deleted
        } else {
            BlobState::Expired
        };
        status.objects = objects;
        status
    }
}

/// The phase of an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpochPhase {
    /// The epoch started; nodes are syncing their new shards.
    ChangeSync,
    /// A quorum of shards reported sync: the change is done.
    ChangeDone,
}

impl EpochPhase {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ChangeSync => "change_sync",
            Self::ChangeDone => "change_done",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "change_sync" => Some(Self::ChangeSync),
            "change_done" => Some(Self::ChangeDone),
            _ => None,
        }
    }
}

/// An epoch and its change state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochInfo {
    /// The epoch.
    pub epoch: Epoch,
    /// The change phase.
    pub phase: EpochPhase,
    /// The checkpoint of `EpochChangeStart` (`None` for the epoch found at bootstrap).
    pub start_checkpoint: Option<u64>,
    /// The checkpoint of `EpochChangeDone`.
    pub done_checkpoint: Option<u64>,
    /// The checkpoint at which the next epoch's parameters were selected.
    pub params_selected_checkpoint: Option<u64>,
    /// Storage price per unit and epoch from `PricesUpdated`.
    pub storage_price: Option<u64>,
    /// Write price per unit from `PricesUpdated`.
    pub write_price: Option<u64>,
    /// The number of shards of the committee, if known.
    pub n_shards: Option<u16>,
    /// Nodes that reported `epoch_sync_done` (`ShardsReceived`): sender and shards.
    pub sync_reports: Vec<SyncReport>,
}

impl EpochInfo {
    /// A fresh epoch in the sync phase.
    pub fn new(epoch: Epoch) -> Self {
        Self {
            epoch,
            phase: EpochPhase::ChangeSync,
            start_checkpoint: None,
            done_checkpoint: None,
            params_selected_checkpoint: None,
            storage_price: None,
            write_price: None,
            n_shards: None,
            sync_reports: Vec::new(),
        }
    }
}

/// A `ShardsReceived` report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// The transaction sender (the node operator).
    pub sender: Option<String>,
    /// The shards it received.
    pub shards: Vec<u16>,
    /// The checkpoint of the report.
    pub checkpoint: u64,
}

/// The on-chain identity of a storage node (from its staking pool object).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NodeDetails {
    /// The node's name.
    pub name: String,
    /// The network address (`host:port`).
    pub network_address: String,
    /// The BLS public key (compressed G1, hex).
    pub public_key: String,
    /// The network public key (hex).
    pub network_public_key: String,
}

/// One committee member in one epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitteeMember {
    /// The epoch.
    pub epoch: Epoch,
    /// The node ID.
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// The number of shards.
    pub weight: u16,
    /// The shards it holds in this epoch.
    pub shards: Vec<u16>,
    /// Name, address and keys at the time the committee was recorded.
    pub details: NodeDetails,
}

/// A storage node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeInfo {
    /// The node ID (its staking pool's object ID).
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// The operator's capability object, if registered while indexed.
    #[serde(with = "opt_text")]
    pub cap_id: Option<ObjectId>,
    /// Name, address and keys (latest known).
    pub details: NodeDetails,
    /// The epoch of registration, if registered while indexed.
    pub registered_epoch: Option<Epoch>,
    /// The commission rate (basis points).
    pub commission_rate: u16,
    /// A pending commission rate and the epoch it takes effect.
    pub pending_commission: Option<(u16, Epoch)>,
    /// The node's votes: storage price, write price, capacity.
    pub votes: Option<(u64, u64, u64)>,
    /// The epoch the node leaves every committee, once retired.
    pub withdraw_epoch: Option<Epoch>,
}

impl NodeInfo {
    /// A node known only by its ID.
    pub fn new(node_id: ObjectId) -> Self {
        Self {
            node_id,
            cap_id: None,
            details: NodeDetails::default(),
            registered_epoch: None,
            commission_rate: 0,
            pending_commission: None,
            votes: None,
            withdraw_epoch: None,
        }
    }
}

/// A node's staking pool, as accumulated from stake and reward events.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PoolInfo {
    /// The pool's object ID (= the node ID).
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// The pool's WAL balance when the indexer started (pools that predate it).
    pub initial_balance: u64,
    /// WAL deposited since.
    pub deposited: u64,
    /// Principal withdrawn since.
    pub withdrawn: u64,
    /// Stakes deposited since (count).
    pub n_deposits: u64,
    /// Rewards paid to the pool (sum of `PoolRewarded.reward`).
    pub rewards: u64,
    /// Commission earned (sum of `PoolRewarded.commission`).
    pub commission: u64,
    /// Commission collected by the operator.
    pub commission_collected: u64,
    /// Rewards paid out with withdrawals.
    pub rewards_withdrawn: u64,
}

impl PoolInfo {
    /// The stake the pool holds: initial balance plus deposits minus withdrawn principal.
    pub fn staked(&self) -> u64 {
        self.initial_balance
            .saturating_add(self.deposited)
            .saturating_sub(self.withdrawn)
    }
}

/// The state of a `StakedWal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StakeState {
    /// Staked (active from its activation epoch).
    Staked,
    /// A withdrawal was requested.
    Withdrawing,
    /// Withdrawn: the object is gone.
    Withdrawn,
}

impl StakeState {
    /// The stored text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staked => "staked",
            Self::Withdrawing => "withdrawing",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses the stored text form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "staked" => Some(Self::Staked),
            "withdrawing" => Some(Self::Withdrawing),
            "withdrawn" => Some(Self::Withdrawn),
            _ => None,
        }
    }
}

/// A `StakedWal` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StakeInfo {
    /// The `StakedWal` object ID.
    #[serde(with = "text")]
    pub staked_wal_id: ObjectId,
    /// The staking transaction's sender.
    pub owner: Option<String>,
    /// The pool.
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// The principal.
    pub amount: u64,
    /// The epoch it counts from.
    pub activation_epoch: Epoch,
    /// The state.
    pub state: StakeState,
    /// The epoch it stops counting, once a withdrawal was requested.
    pub withdraw_epoch: Option<Epoch>,
    /// Rewards paid at withdrawal.
    pub rewards: Option<u64>,
}

/// A pool's reward for one epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardInfo {
    /// The epoch the fees were earned in.
    pub epoch: Epoch,
    /// The pool.
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// The reward paid to the pool.
    pub reward: u64,
    /// The operator's commission.
    pub commission: u64,
}

/// A storage-challenge verdict recorded on chain (`ChallengeVerdictRecorded`): at most one per
/// node and epoch (the first certificate wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeVerdict {
    /// The epoch the node was challenged in.
    pub epoch: Epoch,
    /// The challenged node.
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// Whether the node passed.
    pub passed: bool,
    /// The checkpoint of the event.
    pub checkpoint: u64,
}

/// A slash of a node's staking pool (`NodeSlashed`): at most one per node and epoch change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlashInfo {
    /// The epoch whose close triggered the slash.
    pub epoch: Epoch,
    /// The slashed node (its pool).
    #[serde(with = "text")]
    pub node_id: ObjectId,
    /// The WAL taken from the pool (FROST).
    pub amount: u64,
    /// The checkpoint of the event.
    pub checkpoint: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(n: u8, deletable: bool, certified: Option<Epoch>, end: Epoch) -> BlobObject {
        BlobObject {
            object_id: ObjectId([n; 32]),
            blob_id: BlobId([1; 32]),
            owner: None,
            size: 1,
            encoding_type: 1,
            registered_epoch: 1,
            certified_epoch: certified,
            end_epoch: end,
            deletable,
            deleted: false,
            checkpoint: 0,
        }
    }

    #[test]
    fn aggregate_counts_live_objects_only() {
        let id = BlobId([1; 32]);
        let mut deleted = object(3, true, Some(1), 9);
        deleted.deleted = true;
        let objects = vec![
            object(1, false, Some(2), 5),
            object(2, true, None, 7),
            deleted,
            object(4, false, Some(1), 3),
        ];
        let status = BlobStatus::aggregate(id, None, objects, 3);
        assert_eq!(status.status, BlobState::Permanent);
        assert_eq!(status.permanent_count, 1);
        assert_eq!(status.permanent_certified_count, 1);
        assert_eq!(status.deletable_count, 1);
        assert_eq!(status.deletable_certified_count, 0);
        assert_eq!(status.end_epoch, 7);
        assert_eq!(status.initial_certified_epoch, Some(2));
        assert_eq!(status.objects.len(), 4);

        let later = BlobStatus::aggregate(id, None, status.objects.clone(), 7);
        assert_eq!(later.status, BlobState::Deleted);
        let invalid = BlobStatus::aggregate(id, Some(2), status.objects, 3);
        assert_eq!(invalid.status, BlobState::Invalid);
        let only_deletable = BlobStatus::aggregate(id, None, vec![object(5, true, Some(1), 4)], 1);
        assert_eq!(only_deletable.status, BlobState::Deletable);
        let registered = BlobStatus::aggregate(id, None, vec![object(6, false, None, 4)], 1);
        assert_eq!(registered.status, BlobState::Registered);
        let expired = BlobStatus::aggregate(id, None, vec![object(6, false, None, 4)], 4);
        assert_eq!(expired.status, BlobState::Expired);
    }

    #[test]
    fn text_forms_round_trip() {
        for phase in [EpochPhase::ChangeSync, EpochPhase::ChangeDone] {
            assert_eq!(EpochPhase::parse(phase.as_str()), Some(phase));
        }
        for state in [
            StakeState::Staked,
            StakeState::Withdrawing,
            StakeState::Withdrawn,
        ] {
            assert_eq!(StakeState::parse(state.as_str()), Some(state));
        }
        assert_eq!(StakeState::parse("nope"), None);
    }
}
