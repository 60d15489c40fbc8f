//! Rust mirrors of the events in `walrus::events`, decoded from their BCS contents. The blob and
//! epoch events keep the reference Walrus layout.

use walrus_core::{BlobId, ObjectId};

use crate::move_types::{MoveStruct, StructLayout, move_struct};

move_struct! {
    /// A blob was registered.
    "walrus"::"events"::BlobRegistered {
        epoch: u32,
        blob_id: BlobId,
        size: u64,
        encoding_type: u8,
        end_epoch: u32,
        deletable: bool,
        object_id: ObjectId,
    }
}

move_struct! {
    /// A blob was certified or extended (`epoch` is the original certification epoch).
    "walrus"::"events"::BlobCertified {
        epoch: u32,
        blob_id: BlobId,
        end_epoch: u32,
        deletable: bool,
        object_id: ObjectId,
        is_extension: bool,
    }
}

move_struct! {
    /// A deletable blob was deleted.
    "walrus"::"events"::BlobDeleted {
        epoch: u32,
        blob_id: BlobId,
        end_epoch: u32,
        object_id: ObjectId,
        was_certified: bool,
    }
}

move_struct! {
    /// A blob ID was declared invalid.
    "walrus"::"events"::InvalidBlobID { epoch: u32, blob_id: BlobId }
}

move_struct! {
    /// The epoch changed to `epoch`.
    "walrus"::"events"::EpochChangeStart { epoch: u32 }
}

move_struct! {
    /// A quorum of shards synced for `epoch`.
    "walrus"::"events"::EpochChangeDone { epoch: u32 }
}

move_struct! {
    /// A node received its shards for `epoch`.
    "walrus"::"events"::ShardsReceived { epoch: u32, shards: Vec<u16> }
}

move_struct! {
    /// The next committee and parameters were selected.
    "walrus"::"events"::EpochParametersSelected { next_epoch: u32 }
}

move_struct! {
    /// The prices in effect from `epoch` on.
    "walrus"::"events"::PricesUpdated { epoch: u32, storage_price: u64, write_price: u64 }
}

move_struct! {
    /// A storage node candidate registered.
    "walrus"::"events"::NodeRegistered {
        epoch: u32,
        node_id: ObjectId,
        cap_id: ObjectId,
        commission_rate: u16,
    }
}

move_struct! {
    /// A node changed its name, network address or network key.
    "walrus"::"events"::NodeParametersUpdated { epoch: u32, node_id: ObjectId }
}

move_struct! {
    /// A node changed its votes.
    "walrus"::"events"::VotesUpdated {
        epoch: u32,
        node_id: ObjectId,
        storage_price: u64,
        write_price: u64,
        node_capacity: u64,
    }
}

move_struct! {
    /// A node set its future commission rate.
    "walrus"::"events"::CommissionRateSet {
        epoch: u32,
        node_id: ObjectId,
        commission_rate: u16,
        effective_epoch: u32,
    }
}

move_struct! {
    /// A node operator collected commission.
    "walrus"::"events"::CommissionCollected { epoch: u32, node_id: ObjectId, amount: u64 }
}

move_struct! {
    /// A node retired.
    "walrus"::"events"::NodeRetired { epoch: u32, node_id: ObjectId, withdraw_epoch: u32 }
}

move_struct! {
    /// WAL was staked.
    "walrus"::"events"::StakeDeposited {
        epoch: u32,
        node_id: ObjectId,
        staked_wal_id: ObjectId,
        amount: u64,
        activation_epoch: u32,
    }
}

move_struct! {
    /// A stake withdrawal was requested.
    "walrus"::"events"::StakeWithdrawalRequested {
        epoch: u32,
        node_id: ObjectId,
        staked_wal_id: ObjectId,
        amount: u64,
        withdraw_epoch: u32,
    }
}

move_struct! {
    /// A stake was withdrawn with its rewards.
    "walrus"::"events"::StakeWithdrawn {
        epoch: u32,
        node_id: ObjectId,
        staked_wal_id: ObjectId,
        amount: u64,
        rewards: u64,
    }
}

move_struct! {
    /// A pool was paid its share of an epoch's fees.
    "walrus"::"events"::PoolRewarded { epoch: u32, node_id: ObjectId, reward: u64, commission: u64 }
}

move_struct! {
    /// A quorum certificate recorded the storage-challenge verdict on `node_id` for `epoch`.
    "walrus"::"events"::ChallengeVerdictRecorded { epoch: u32, node_id: ObjectId, passed: bool }
}

move_struct! {
    /// A node changed its slash vote (basis points of a failing pool to slash).
    "walrus"::"events"::SlashVoteUpdated { epoch: u32, node_id: ObjectId, slash_bps: u16 }
}

move_struct! {
    /// The pool of `node_id` was slashed by `amount` FROST after repeated failing verdicts
    /// (`epoch` is the epoch whose close triggered it).
    "walrus"::"events"::NodeSlashed { epoch: u32, node_id: ObjectId, amount: u64 }
}

/// Any Walrus event, tagged by its Move struct name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // Each variant carries the event of the same name.
pub enum ContractEvent {
    BlobRegistered(BlobRegistered),
    BlobCertified(BlobCertified),
    BlobDeleted(BlobDeleted),
    InvalidBlobID(InvalidBlobID),
    EpochChangeStart(EpochChangeStart),
    EpochChangeDone(EpochChangeDone),
    ShardsReceived(ShardsReceived),
    EpochParametersSelected(EpochParametersSelected),
    PricesUpdated(PricesUpdated),
    NodeRegistered(NodeRegistered),
    NodeParametersUpdated(NodeParametersUpdated),
    VotesUpdated(VotesUpdated),
    CommissionRateSet(CommissionRateSet),
    CommissionCollected(CommissionCollected),
    NodeRetired(NodeRetired),
    StakeDeposited(StakeDeposited),
    StakeWithdrawalRequested(StakeWithdrawalRequested),
    StakeWithdrawn(StakeWithdrawn),
    PoolRewarded(PoolRewarded),
    ChallengeVerdictRecorded(ChallengeVerdictRecorded),
    NodeSlashed(NodeSlashed),
    SlashVoteUpdated(SlashVoteUpdated),
}

/// The error returned when an event cannot be decoded.
#[derive(Debug, thiserror::Error)]
pub enum EventDecodeError {
    /// The struct name is not a Walrus event.
    #[error("unknown walrus event type {0}")]
    UnknownType(String),
    /// The BCS contents do not match the event layout.
    #[error("malformed {name} event: {source}")]
    Bcs {
        /// The event name.
        name: String,
        /// The BCS error.
        source: bcs::Error,
    },
}

impl ContractEvent {
    /// Decodes the BCS contents of the `walrus::events::<struct_name>` event.
    pub fn decode(struct_name: &str, contents: &[u8]) -> Result<Self, EventDecodeError> {
        fn de<T: serde::de::DeserializeOwned>(
            name: &str,
            contents: &[u8],
        ) -> Result<T, EventDecodeError> {
            bcs::from_bytes(contents).map_err(|source| EventDecodeError::Bcs {
                name: name.to_owned(),
                source,
            })
        }
        let n = struct_name;
        Ok(match struct_name {
            "BlobRegistered" => Self::BlobRegistered(de(n, contents)?),
            "BlobCertified" => Self::BlobCertified(de(n, contents)?),
            "BlobDeleted" => Self::BlobDeleted(de(n, contents)?),
            "InvalidBlobID" => Self::InvalidBlobID(de(n, contents)?),
            "EpochChangeStart" => Self::EpochChangeStart(de(n, contents)?),
            "EpochChangeDone" => Self::EpochChangeDone(de(n, contents)?),
            "ShardsReceived" => Self::ShardsReceived(de(n, contents)?),
            "EpochParametersSelected" => Self::EpochParametersSelected(de(n, contents)?),
            "PricesUpdated" => Self::PricesUpdated(de(n, contents)?),
            "NodeRegistered" => Self::NodeRegistered(de(n, contents)?),
            "NodeParametersUpdated" => Self::NodeParametersUpdated(de(n, contents)?),
            "VotesUpdated" => Self::VotesUpdated(de(n, contents)?),
            "CommissionRateSet" => Self::CommissionRateSet(de(n, contents)?),
            "CommissionCollected" => Self::CommissionCollected(de(n, contents)?),
            "NodeRetired" => Self::NodeRetired(de(n, contents)?),
            "StakeDeposited" => Self::StakeDeposited(de(n, contents)?),
            "StakeWithdrawalRequested" => Self::StakeWithdrawalRequested(de(n, contents)?),
            "StakeWithdrawn" => Self::StakeWithdrawn(de(n, contents)?),
            "PoolRewarded" => Self::PoolRewarded(de(n, contents)?),
            "ChallengeVerdictRecorded" => Self::ChallengeVerdictRecorded(de(n, contents)?),
            "NodeSlashed" => Self::NodeSlashed(de(n, contents)?),
            "SlashVoteUpdated" => Self::SlashVoteUpdated(de(n, contents)?),
            other => return Err(EventDecodeError::UnknownType(other.to_owned())),
        })
    }
}

/// The layouts of every mirrored event.
pub fn layouts() -> Vec<StructLayout> {
    vec![
        BlobRegistered::layout(),
        BlobCertified::layout(),
        BlobDeleted::layout(),
        InvalidBlobID::layout(),
        EpochChangeStart::layout(),
        EpochChangeDone::layout(),
        ShardsReceived::layout(),
        EpochParametersSelected::layout(),
        PricesUpdated::layout(),
        NodeRegistered::layout(),
        NodeParametersUpdated::layout(),
        VotesUpdated::layout(),
        CommissionRateSet::layout(),
        CommissionCollected::layout(),
        NodeRetired::layout(),
        StakeDeposited::layout(),
        StakeWithdrawalRequested::layout(),
        StakeWithdrawn::layout(),
        PoolRewarded::layout(),
        ChallengeVerdictRecorded::layout(),
        NodeSlashed::layout(),
        SlashVoteUpdated::layout(),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;

    #[test]
    fn blob_registered_round_trips_as_field_tuple() {
        let event = BlobRegistered {
            epoch: 3,
            blob_id: BlobId([1; 32]),
            size: 10,
            encoding_type: 1,
            end_epoch: 5,
            deletable: true,
            object_id: ObjectId([2; 32]),
        };
        let bytes = bcs::to_bytes(&event).unwrap();
        assert_eq!(bytes.len(), 4 + 32 + 8 + 1 + 4 + 1 + 32);
        let decoded = ContractEvent::decode("BlobRegistered", &bytes).unwrap();
        assert_eq!(decoded, ContractEvent::BlobRegistered(event));
        assert!(ContractEvent::decode("Nope", &bytes).is_err());
    }
}
