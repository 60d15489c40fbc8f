//! Rust mirrors of the Move objects (and the structs and enums they contain), with the same BCS
//! layout. `Blob`, `Storage` and `Metadata` keep the reference Walrus layout.

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, ObjectId};

use crate::move_types::{
    Balance, G1Element, MoveStruct, MoveType, ObjectTable, StructLayout, Table, Uid, VecMap,
    move_struct,
};

// === wal ===

move_struct! {
    /// `wal::wal::ProtectedTreasury`: holds the `TreasuryCap<WAL>` as a dynamic object field.
    "wal"::"wal"::ProtectedTreasury { id: Uid }
}

// === Storage and blobs ===

move_struct! {
    /// `walrus::storage_resource::Storage`: `storage_size` encoded bytes for
    /// `[start_epoch, end_epoch)`.
    "walrus"::"storage_resource"::Storage {
        id: Uid,
        start_epoch: u32,
        end_epoch: u32,
        storage_size: u64,
    }
}

move_struct! {
    /// `walrus::blob::Blob` (reference layout).
    "walrus"::"blob"::Blob {
        id: Uid,
        registered_epoch: u32,
        blob_id: BlobId,
        size: u64,
        encoding_type: u8,
        certified_epoch: Option<u32>,
        storage: Storage,
        deletable: bool,
    }
}

move_struct! {
    /// `walrus::metadata::Metadata`: blob attributes, stored under the dynamic field key
    /// `b"metadata"` of the blob.
    "walrus"::"metadata"::Metadata { metadata: VecMap<String, String> }
}

move_struct! {
    /// `walrus::shared_blob::SharedBlob`: a shared blob with funds for extensions.
    "walrus"::"shared_blob"::SharedBlob { id: Uid, blob: Blob, funds: Balance }
}

// === System ===

move_struct! {
    /// `walrus::system::System`: the outer shared object; the state is the dynamic field
    /// `u64 version -> SystemStateInnerV1`.
    "walrus"::"system"::System { id: Uid, version: u64 }
}

move_struct! {
    /// `walrus::system::SystemStateInnerV1`.
    "walrus"::"system"::SystemStateInnerV1 {
        committee: BlsCommittee,
        total_capacity_size: u64,
        used_capacity_size: u64,
        storage_price_per_unit_size: u64,
        write_price_per_unit_size: u64,
        future_accounting: FutureAccountingRingBuffer,
        challenges: ChallengeState,
    }
}

move_struct! {
    /// `walrus::challenges::ChallengeParams`: the governed challenge parameters.
    "walrus"::"challenges"::ChallengeParams {
        window: u32,
        slash_after_failures: u32,
        slash_bps: u16,
    }
}

move_struct! {
    /// `walrus::challenges::NodeRecord`: a node's recent outcomes (newest last; 0 no verdict,
    /// 1 pass, 2 fail) and its consecutive failing epochs.
    "walrus"::"challenges"::NodeRecord { recent: Vec<u8>, consecutive_failures: u32 }
}

move_struct! {
    /// `walrus::challenges::ChallengeState`: the current epoch's seed and verdicts, the node
    /// histories, the slashed total and the slashing fund (slashed WAL taken from withdrawn
    /// stakes).
    "walrus"::"challenges"::ChallengeState {
        seed: Vec<u8>,
        params: ChallengeParams,
        verdicts: VecMap<ObjectId, bool>,
        records: VecMap<ObjectId, NodeRecord>,
        total_slashed: u64,
        slashed_fund: Balance,
    }
}

/// A recorded challenge outcome of one epoch (`NodeRecord::recent` entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeOutcome {
    /// No verdict was recorded for the node in that epoch.
    NoVerdict,
    /// The node passed.
    Pass,
    /// The node failed.
    Fail,
}

impl ChallengeOutcome {
    /// Decodes a stored outcome byte; unknown values are `NoVerdict`.
    pub fn from_byte(byte: u8) -> Self {
        match byte {
            1 => Self::Pass,
            2 => Self::Fail,
            _ => Self::NoVerdict,
        }
    }
}

impl ChallengeState {
    /// The verdict recorded for `node_id` in the current epoch, if any.
    pub fn verdict(&self, node_id: &ObjectId) -> Option<bool> {
        self.verdicts.get(node_id).copied()
    }

    /// The history of `node_id`, if it ever had a verdict.
    pub fn record(&self, node_id: &ObjectId) -> Option<&NodeRecord> {
        self.records.get(node_id)
    }

    /// The seed as 32 bytes, if it has that length.
    pub fn seed_bytes(&self) -> Option<[u8; 32]> {
        self.seed.as_slice().try_into().ok()
    }
}

move_struct! {
    /// `walrus::bls_aggregate::BlsCommitteeMember`.
    "walrus"::"bls_aggregate"::BlsCommitteeMember {
        public_key: G1Element,
        weight: u16,
        node_id: ObjectId,
    }
}

move_struct! {
    /// `walrus::bls_aggregate::BlsCommittee`: members in node-ID order; the epoch is the system
    /// epoch.
    "walrus"::"bls_aggregate"::BlsCommittee {
        members: Vec<BlsCommitteeMember>,
        n_shards: u16,
        epoch: u32,
        total_aggregated_key: G1Element,
    }
}

move_struct! {
    /// `walrus::storage_accounting::FutureAccounting`: one epoch's reserved capacity and fees.
    "walrus"::"storage_accounting"::FutureAccounting {
        epoch: u32,
        used_capacity: u64,
        rewards_to_distribute: Balance,
    }
}

move_struct! {
    /// `walrus::storage_accounting::FutureAccountingRingBuffer`.
    "walrus"::"storage_accounting"::FutureAccountingRingBuffer {
        current_index: u32,
        length: u32,
        ring_buffer: Vec<FutureAccounting>,
    }
}

// === Staking ===

move_struct! {
    /// `walrus::staking::Staking`: the outer shared object; the state is the dynamic field
    /// `u64 version -> StakingInnerV1`.
    "walrus"::"staking"::Staking { id: Uid, version: u64 }
}

move_struct! {
    /// `walrus::staking::StakingInnerV1`.
    "walrus"::"staking"::StakingInnerV1 {
        n_shards: u16,
        epoch_duration: u64,
        first_epoch_start: u64,
        pools: ObjectTable<ObjectId, StakingPool>,
        epoch: u32,
        active_set: ActiveSet,
        next_committee: Option<Committee>,
        committee: Committee,
        previous_committee: Committee,
        next_epoch_params: Option<EpochParams>,
        epoch_state: EpochState,
    }
}

move_struct! {
    /// `walrus::staking::EpochParams`: the parameters selected for the next epoch.
    "walrus"::"staking"::EpochParams {
        total_capacity_size: u64,
        storage_price_per_unit_size: u64,
        write_price_per_unit_size: u64,
    }
}

move_struct! {
    /// `walrus::active_set::ActiveSetEntry`.
    "walrus"::"active_set"::ActiveSetEntry { node_id: ObjectId, staked_amount: u64 }
}

move_struct! {
    /// `walrus::active_set::ActiveSet`: the candidates for the next committee.
    "walrus"::"active_set"::ActiveSet {
        max_size: u16,
        nodes: Vec<ActiveSetEntry>,
        total_stake: u64,
    }
}

move_struct! {
    /// `walrus::staking_pool::VotingParams`: a node's votes.
    "walrus"::"staking_pool"::VotingParams {
        storage_price: u64,
        write_price: u64,
        node_capacity: u64,
        slash_bps: u16,
    }
}

move_struct! {
    /// `walrus::staking_pool::PoolExchangeRate`: WAL per share at an epoch (zeros: one to one).
    "walrus"::"staking_pool"::PoolExchangeRate { wal_amount: u128, share_amount: u128 }
}

move_struct! {
    /// `walrus::storage_node::StorageNodeInfo`.
    "walrus"::"storage_node"::StorageNodeInfo {
        name: String,
        node_id: ObjectId,
        network_address: String,
        public_key: G1Element,
        network_public_key: Vec<u8>,
    }
}

move_struct! {
    /// `walrus::storage_node::StorageNodeCap`: the node operator's capability.
    "walrus"::"storage_node"::StorageNodeCap {
        id: Uid,
        node_id: ObjectId,
        last_epoch_sync_done: u32,
    }
}

move_struct! {
    /// `walrus::staking_pool::StakingPool`: a node's pool; its object ID is the node ID.
    "walrus"::"staking_pool"::StakingPool {
        id: Uid,
        state: PoolState,
        voting_params: VotingParams,
        node_info: StorageNodeInfo,
        activation_epoch: u32,
        latest_epoch: u32,
        wal_balance: u64,
        num_shares: u64,
        pending_stake: VecMap<u32, u64>,
        pending_shares_withdraw: VecMap<u32, u64>,
        commission_rate: u16,
        pending_commission_rate: VecMap<u32, u16>,
        exchange_rates: Table<u32, PoolExchangeRate>,
        rewards_pool: Balance,
        commission: Balance,
    }
}

move_struct! {
    /// `walrus::staked_wal::StakedWal`: a staker's receipt holding the principal.
    "walrus"::"staked_wal"::StakedWal {
        id: Uid,
        state: StakedWalState,
        node_id: ObjectId,
        principal: Balance,
        activation_epoch: u32,
    }
}

move_struct! {
    /// `walrus::init::InitCap`: the one-shot genesis capability.
    "walrus"::"init"::InitCap { id: Uid }
}

/// `walrus::committee::Committee`: node ID to shard indices, sorted by node ID.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Committee(pub VecMap<ObjectId, Vec<u16>>);

impl MoveType for Committee {
    fn move_type() -> String {
        "Committee".to_owned()
    }
}

impl MoveStruct for Committee {
    const PACKAGE: &'static str = "walrus";
    const MODULE: &'static str = "committee";
    const NAME: &'static str = "Committee";
    fn fields() -> Vec<(&'static str, String)> {
        vec![("0", VecMap::<ObjectId, Vec<u16>>::move_type())]
    }
}

// === Enums (variant order is the BCS tag) ===

/// `walrus::staking::EpochState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EpochState {
    /// The epoch changed; the shard weight that reported sync so far.
    EpochChangeSync(u16),
    /// A sync quorum was reached at this time (ms).
    EpochChangeDone(u64),
    /// The next committee is selected; the time of the last sync quorum (ms).
    NextParamsSelected(u64),
}

/// `walrus::staking_pool::PoolState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoolState {
    /// Accepts stake.
    Active,
    /// Retired; leaves the committee at this epoch.
    Withdrawing(u32),
    /// Retired and out of every committee.
    Withdrawn,
}

/// `walrus::staked_wal::StakedWalState`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StakedWalState {
    /// Counted.
    Staked,
    /// Withdrawal requested; stops counting at `withdraw_epoch`.
    Withdrawing {
        /// The first epoch in which the stake no longer counts.
        withdraw_epoch: u32,
    },
}

macro_rules! move_enum_layout {
    ($name:ident, $module:literal, [$(($variant:literal, $fields:expr)),* $(,)?]) => {
        impl MoveType for $name {
            fn move_type() -> String {
                stringify!($name).to_owned()
            }
        }

        impl MoveStruct for $name {
            const PACKAGE: &'static str = "walrus";
            const MODULE: &'static str = $module;
            const NAME: &'static str = stringify!($name);
            fn fields() -> Vec<(&'static str, String)> {
                vec![$(($variant, $fields)),*]
            }
        }
    };
}

move_enum_layout!(
    EpochState,
    "staking",
    [
        ("EpochChangeSync", format!("({})", u16::move_type())),
        ("EpochChangeDone", format!("({})", u64::move_type())),
        ("NextParamsSelected", format!("({})", u64::move_type())),
    ]
);
move_enum_layout!(
    PoolState,
    "staking_pool",
    [
        ("Active", String::new()),
        ("Withdrawing", format!("({})", u32::move_type())),
        ("Withdrawn", String::new()),
    ]
);
move_enum_layout!(
    StakedWalState,
    "staked_wal",
    [
        ("Staked", String::new()),
        (
            "Withdrawing",
            format!("{{withdraw_epoch:{}}}", u32::move_type())
        ),
    ]
);

/// The layouts of every mirrored object type.
pub fn layouts() -> Vec<StructLayout> {
    vec![
        ProtectedTreasury::layout(),
        Storage::layout(),
        Blob::layout(),
        Metadata::layout(),
        SharedBlob::layout(),
        System::layout(),
        SystemStateInnerV1::layout(),
        BlsCommitteeMember::layout(),
        BlsCommittee::layout(),
        FutureAccounting::layout(),
        FutureAccountingRingBuffer::layout(),
        ChallengeParams::layout(),
        NodeRecord::layout(),
        ChallengeState::layout(),
        Staking::layout(),
        StakingInnerV1::layout(),
        EpochParams::layout(),
        ActiveSetEntry::layout(),
        ActiveSet::layout(),
        VotingParams::layout(),
        PoolExchangeRate::layout(),
        StorageNodeInfo::layout(),
        StorageNodeCap::layout(),
        StakingPool::layout(),
        StakedWal::layout(),
        InitCap::layout(),
        Committee::layout(),
        EpochState::layout(),
        PoolState::layout(),
        StakedWalState::layout(),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;

    #[test]
    fn storage_bcs_is_id_then_epochs_then_size() {
        let storage = Storage {
            id: Uid {
                id: ObjectId([7; 32]),
            },
            start_epoch: 1,
            end_epoch: 2,
            storage_size: 3,
        };
        let bytes = bcs::to_bytes(&storage).unwrap();
        assert_eq!(bytes.len(), 32 + 4 + 4 + 8);
        assert_eq!(&bytes[32..36], &1u32.to_le_bytes());
        assert_eq!(bcs::from_bytes::<Storage>(&bytes).unwrap(), storage);
    }

    #[test]
    fn challenge_state_reads_verdicts_records_and_seed() {
        let node = ObjectId([3; 32]);
        let state = ChallengeState {
            seed: vec![9; 32],
            params: ChallengeParams {
                window: 4,
                slash_after_failures: 2,
                slash_bps: 1_000,
            },
            verdicts: VecMap {
                contents: vec![crate::move_types::Entry {
                    key: node,
                    value: false,
                }],
            },
            records: VecMap {
                contents: vec![crate::move_types::Entry {
                    key: node,
                    value: NodeRecord {
                        recent: vec![2, 0, 1],
                        consecutive_failures: 0,
                    },
                }],
            },
            total_slashed: 7,
            slashed_fund: Balance { value: 5 },
        };
        assert_eq!(state.verdict(&node), Some(false));
        assert_eq!(state.verdict(&ObjectId([4; 32])), None);
        assert_eq!(state.seed_bytes(), Some([9; 32]));
        let outcomes: Vec<_> = state
            .record(&node)
            .unwrap()
            .recent
            .iter()
            .map(|b| ChallengeOutcome::from_byte(*b))
            .collect();
        assert_eq!(
            outcomes,
            vec![
                ChallengeOutcome::Fail,
                ChallengeOutcome::NoVerdict,
                ChallengeOutcome::Pass
            ]
        );
        let bytes = bcs::to_bytes(&state).unwrap();
        assert_eq!(bcs::from_bytes::<ChallengeState>(&bytes).unwrap(), state);
        let short = ChallengeState {
            seed: vec![1; 31],
            ..state
        };
        assert_eq!(short.seed_bytes(), None);
    }

    #[test]
    fn enums_use_declaration_order_tags() {
        assert_eq!(
            bcs::to_bytes(&EpochState::NextParamsSelected(5)).unwrap()[0],
            2
        );
        assert_eq!(bcs::to_bytes(&PoolState::Withdrawn).unwrap(), vec![2]);
        let withdrawing = StakedWalState::Withdrawing { withdraw_epoch: 3 };
        assert_eq!(bcs::to_bytes(&withdrawing).unwrap(), vec![1, 3, 0, 0, 0]);
    }
}
