//! Typed builders for the arguments of every public entry point of the Walrus packages.
//!
//! Each builder is a struct with one field per Move parameter (the trailing `&mut TxContext` is
//! implicit). Object parameters are [`Arg`]s (an object input or the result of an earlier command
//! in the same programmable transaction); plain values are typed and BCS-encoded by
//! [`MoveCall::arguments`]. [`MoveCall::PARAMS`] states the Move signature; the conformance test
//! checks it against the Move sources.

use walrus_core::{BlobId, ObjectId};

use crate::move_types::{MoveType, U256};

/// An argument of a Move call in a programmable transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A pure value, BCS-encoded.
    Pure(Vec<u8>),
    /// An object input (owned, shared or immutable; resolved when the transaction is built).
    Object(ObjectId),
    /// The single result of an earlier command.
    Result(u16),
    /// One result of an earlier command returning several values.
    NestedResult(u16, u16),
}

impl Arg {
    /// The Sui clock object (`0x6`).
    pub fn clock() -> Self {
        let mut id = [0; 32];
        id[31] = 6;
        Self::Object(ObjectId(id))
    }
}

/// A value usable as a call argument.
pub trait CallArg {
    /// The Move type of a pure value; `None` for object arguments, whose type the builder states.
    fn pure_move_type() -> Option<String>;
    /// The argument.
    fn to_arg(&self) -> Arg;
}

impl CallArg for Arg {
    fn pure_move_type() -> Option<String> {
        None
    }
    fn to_arg(&self) -> Arg {
        self.clone()
    }
}

macro_rules! pure_arg {
    ($($ty:ty),*) => {
        $(impl CallArg for $ty {
            fn pure_move_type() -> Option<String> {
                Some(<$ty as MoveType>::move_type())
            }
            fn to_arg(&self) -> Arg {
                Arg::Pure(bcs::to_bytes(self).expect("BCS encoding of a plain value cannot fail"))
            }
        })*
    };
}

pure_arg!(
    bool,
    u8,
    u16,
    u32,
    u64,
    String,
    Vec<u8>,
    ObjectId,
    BlobId,
    U256
);

/// A typed call of a public Move function.
pub trait MoveCall {
    /// The package's named address (`walrus`, `wal`).
    const PACKAGE: &'static str;
    /// The module.
    const MODULE: &'static str;
    /// The function.
    const FUNCTION: &'static str;
    /// The Move parameters `(name, type)` without the trailing `&mut TxContext`.
    const PARAMS: &'static [(&'static str, &'static str)];
    /// Whether the function takes a trailing `&mut TxContext`.
    const TAKES_CTX: bool;
    /// The call arguments, in parameter order.
    fn arguments(&self) -> Vec<Arg>;
    /// For each parameter, the Move type of its Rust field if it is a pure value.
    fn pure_param_types() -> Vec<Option<String>>;
}

/// The signature of a call builder, for the conformance test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSignature {
    /// The package's named address.
    pub package: &'static str,
    /// The module.
    pub module: &'static str,
    /// The function.
    pub function: &'static str,
    /// The parameters `(name, Move type)` without `&mut TxContext`.
    pub params: Vec<(&'static str, &'static str)>,
    /// Whether a trailing `&mut TxContext` follows.
    pub takes_ctx: bool,
    /// The Move types of the pure Rust fields.
    pub pure_param_types: Vec<Option<String>>,
}

fn signature<C: MoveCall>() -> CallSignature {
    CallSignature {
        package: C::PACKAGE,
        module: C::MODULE,
        function: C::FUNCTION,
        params: C::PARAMS.to_vec(),
        takes_ctx: C::TAKES_CTX,
        pure_param_types: C::pure_param_types(),
    }
}

macro_rules! move_call {
    (
        $(#[$doc:meta])*
        $name:ident = $package:literal :: $module:literal :: $function:literal, ctx = $ctx:literal {
            $($field:ident : $ty:ty = $move_ty:literal),* $(,)?
        }
    ) => {
        $(#[$doc])*
        // One field per Move parameter, named as in the Move source.
        #[allow(missing_docs)]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $(pub $field: $ty),*
        }

        impl MoveCall for $name {
            const PACKAGE: &'static str = $package;
            const MODULE: &'static str = $module;
            const FUNCTION: &'static str = $function;
            const PARAMS: &'static [(&'static str, &'static str)] =
                &[$((stringify!($field), $move_ty)),*];
            const TAKES_CTX: bool = $ctx;
            fn arguments(&self) -> Vec<Arg> {
                vec![$(CallArg::to_arg(&self.$field)),*]
            }
            fn pure_param_types() -> Vec<Option<String>> {
                vec![$(<$ty as CallArg>::pure_move_type()),*]
            }
        }
    };
}

// === wal ===

move_call! {
    /// `wal::wal::burn`.
    WalBurn = "wal"::"wal"::"burn", ctx = false {
        treasury: Arg = "&mut ProtectedTreasury",
        coin: Arg = "Coin<WAL>",
    }
}

// === init ===

move_call! {
    /// `walrus::init::initialize_walrus`: genesis.
    InitializeWalrus = "walrus"::"init"::"initialize_walrus", ctx = true {
        init_cap: Arg = "InitCap",
        epoch_zero_duration: u64 = "u64",
        epoch_duration: u64 = "u64",
        n_shards: u16 = "u16",
        max_epochs_ahead: u32 = "u32",
        clock: Arg = "&Clock",
    }
}

// === system ===

move_call! {
    /// `walrus::system::reserve_space`: returns a `Storage`.
    ReserveSpace = "walrus"::"system"::"reserve_space", ctx = true {
        self_: Arg = "&mut System",
        storage_amount: u64 = "u64",
        epochs_ahead: u32 = "u32",
        payment: Arg = "&mut Coin<WAL>",
    }
}

move_call! {
    /// `walrus::system::reserve_space_for_epochs`: returns a `Storage`.
    ReserveSpaceForEpochs = "walrus"::"system"::"reserve_space_for_epochs", ctx = true {
        self_: Arg = "&mut System",
        storage_amount: u64 = "u64",
        start_epoch: u32 = "u32",
        end_epoch: u32 = "u32",
        payment: Arg = "&mut Coin<WAL>",
    }
}

move_call! {
    /// `walrus::system::register_blob`: returns a `Blob`.
    RegisterBlob = "walrus"::"system"::"register_blob", ctx = true {
        self_: Arg = "&mut System",
        storage: Arg = "Storage",
        blob_id: BlobId = "u256",
        root_hash: U256 = "u256",
        size: u64 = "u64",
        encoding_type: u8 = "u8",
        deletable: bool = "bool",
        write_payment: Arg = "&mut Coin<WAL>",
    }
}

move_call! {
    /// `walrus::system::certify_blob`.
    CertifyBlob = "walrus"::"system"::"certify_blob", ctx = false {
        self_: Arg = "&System",
        blob: Arg = "&mut Blob",
        signature: Vec<u8> = "vector<u8>",
        signers_bitmap: Vec<u8> = "vector<u8>",
        message: Vec<u8> = "vector<u8>",
    }
}

move_call! {
    /// `walrus::system::delete_blob`: returns the `Storage`.
    DeleteBlob = "walrus"::"system"::"delete_blob", ctx = false {
        self_: Arg = "&System",
        blob: Arg = "Blob",
    }
}

move_call! {
    /// `walrus::system::extend_blob_with_resource`.
    ExtendBlobWithResource = "walrus"::"system"::"extend_blob_with_resource", ctx = false {
        self_: Arg = "&System",
        blob: Arg = "&mut Blob",
        extension: Arg = "Storage",
    }
}

move_call! {
    /// `walrus::system::extend_blob`.
    ExtendBlob = "walrus"::"system"::"extend_blob", ctx = false {
        self_: Arg = "&mut System",
        blob: Arg = "&mut Blob",
        extended_epochs: u32 = "u32",
        payment: Arg = "&mut Coin<WAL>",
    }
}

move_call! {
    /// `walrus::system::invalidate_blob_id`.
    InvalidateBlobId = "walrus"::"system"::"invalidate_blob_id", ctx = false {
        self_: Arg = "&System",
        signature: Vec<u8> = "vector<u8>",
        members_bitmap: Vec<u8> = "vector<u8>",
        message: Vec<u8> = "vector<u8>",
    }
}

move_call! {
    /// `walrus::system::add_subsidy`.
    AddSubsidy = "walrus"::"system"::"add_subsidy", ctx = false {
        self_: Arg = "&mut System",
        subsidy: Arg = "Coin<WAL>",
        epochs_ahead: u32 = "u32",
    }
}

move_call! {
    /// `walrus::system::submit_challenge_verdict`.
    SubmitChallengeVerdict = "walrus"::"system"::"submit_challenge_verdict", ctx = false {
        self_: Arg = "&mut System",
        epoch: u32 = "u32",
        target: ObjectId = "ID",
        passed: bool = "bool",
        signature: Vec<u8> = "vector<u8>",
        signers_bitmap: Vec<u8> = "vector<u8>",
    }
}

// === storage_resource ===

move_call! {
    /// `walrus::storage_resource::split_by_epoch`: returns the later part.
    SplitByEpoch = "walrus"::"storage_resource"::"split_by_epoch", ctx = true {
        self_: Arg = "&mut Storage",
        split_epoch: u32 = "u32",
    }
}

move_call! {
    /// `walrus::storage_resource::split_by_size`: returns the rest.
    SplitBySize = "walrus"::"storage_resource"::"split_by_size", ctx = true {
        self_: Arg = "&mut Storage",
        split_size: u64 = "u64",
    }
}

move_call! {
    /// `walrus::storage_resource::fuse_periods`.
    FusePeriods = "walrus"::"storage_resource"::"fuse_periods", ctx = false {
        self_: Arg = "&mut Storage",
        other: Arg = "Storage",
    }
}

move_call! {
    /// `walrus::storage_resource::fuse_amount`.
    FuseAmount = "walrus"::"storage_resource"::"fuse_amount", ctx = false {
        self_: Arg = "&mut Storage",
        other: Arg = "Storage",
    }
}

move_call! {
    /// `walrus::storage_resource::fuse`.
    Fuse = "walrus"::"storage_resource"::"fuse", ctx = false {
        self_: Arg = "&mut Storage",
        other: Arg = "Storage",
    }
}

move_call! {
    /// `walrus::storage_resource::destroy`.
    DestroyStorage = "walrus"::"storage_resource"::"destroy", ctx = false {
        self_: Arg = "Storage",
    }
}

// === blob ===

move_call! {
    /// `walrus::blob::burn`.
    BurnBlob = "walrus"::"blob"::"burn", ctx = false {
        self_: Arg = "Blob",
    }
}

move_call! {
    /// `walrus::blob::insert_or_update_metadata_pair`: sets a blob attribute.
    SetBlobAttribute = "walrus"::"blob"::"insert_or_update_metadata_pair", ctx = false {
        self_: Arg = "&mut Blob",
        key: String = "String",
        value: String = "String",
    }
}

move_call! {
    /// `walrus::blob::remove_metadata_pair_if_exists`: removes a blob attribute.
    RemoveBlobAttribute = "walrus"::"blob"::"remove_metadata_pair_if_exists", ctx = false {
        self_: Arg = "&mut Blob",
        key: String = "&String",
    }
}

// === shared_blob ===

move_call! {
    /// `walrus::shared_blob::new`: shares a blob without funds.
    ShareBlob = "walrus"::"shared_blob"::"new", ctx = true {
        blob: Arg = "Blob",
    }
}

move_call! {
    /// `walrus::shared_blob::new_funded`: shares a blob with funds.
    ShareBlobFunded = "walrus"::"shared_blob"::"new_funded", ctx = true {
        blob: Arg = "Blob",
        funds: Arg = "Coin<WAL>",
    }
}

move_call! {
    /// `walrus::shared_blob::fund`.
    FundSharedBlob = "walrus"::"shared_blob"::"fund", ctx = false {
        self_: Arg = "&mut SharedBlob",
        added_funds: Arg = "Coin<WAL>",
    }
}

move_call! {
    /// `walrus::shared_blob::extend`.
    ExtendSharedBlob = "walrus"::"shared_blob"::"extend", ctx = true {
        self_: Arg = "&mut SharedBlob",
        system: Arg = "&mut System",
        extended_epochs: u32 = "u32",
    }
}

// === staked_wal ===

move_call! {
    /// `walrus::staked_wal::join`.
    JoinStakedWal = "walrus"::"staked_wal"::"join", ctx = false {
        self_: Arg = "&mut StakedWal",
        other: Arg = "StakedWal",
    }
}

move_call! {
    /// `walrus::staked_wal::split`: returns the split-off part.
    SplitStakedWal = "walrus"::"staked_wal"::"split", ctx = true {
        self_: Arg = "&mut StakedWal",
        amount: u64 = "u64",
    }
}

// === staking ===

move_call! {
    /// `walrus::staking::register_candidate`: returns the `StorageNodeCap`.
    RegisterCandidate = "walrus"::"staking"::"register_candidate", ctx = true {
        self_: Arg = "&mut Staking",
        name: String = "String",
        network_address: String = "String",
        public_key: Vec<u8> = "vector<u8>",
        network_public_key: Vec<u8> = "vector<u8>",
        proof_of_possession: Vec<u8> = "vector<u8>",
        commission_rate: u16 = "u16",
        storage_price: u64 = "u64",
        write_price: u64 = "u64",
        node_capacity: u64 = "u64",
    }
}

move_call! {
    /// `walrus::staking::set_next_commission`.
    SetNextCommission = "walrus"::"staking"::"set_next_commission", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        commission_rate: u16 = "u16",
    }
}

move_call! {
    /// `walrus::staking::set_storage_price_vote`.
    SetStoragePriceVote = "walrus"::"staking"::"set_storage_price_vote", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        storage_price: u64 = "u64",
    }
}

move_call! {
    /// `walrus::staking::set_write_price_vote`.
    SetWritePriceVote = "walrus"::"staking"::"set_write_price_vote", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        write_price: u64 = "u64",
    }
}

move_call! {
    /// `walrus::staking::set_node_capacity_vote`.
    SetNodeCapacityVote = "walrus"::"staking"::"set_node_capacity_vote", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        node_capacity: u64 = "u64",
    }
}

move_call! {
    /// `walrus::staking::set_slash_bps_vote`.
    SetSlashBpsVote = "walrus"::"staking"::"set_slash_bps_vote", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        slash_bps: u16 = "u16",
    }
}

move_call! {
    /// `walrus::staking::set_name`.
    SetName = "walrus"::"staking"::"set_name", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        name: String = "String",
    }
}

move_call! {
    /// `walrus::staking::set_network_address`.
    SetNetworkAddress = "walrus"::"staking"::"set_network_address", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        network_address: String = "String",
    }
}

move_call! {
    /// `walrus::staking::set_network_public_key`.
    SetNetworkPublicKey = "walrus"::"staking"::"set_network_public_key", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
        network_public_key: Vec<u8> = "vector<u8>",
    }
}

move_call! {
    /// `walrus::staking::collect_commission`: returns a `Coin<WAL>`.
    CollectCommission = "walrus"::"staking"::"collect_commission", ctx = true {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
    }
}

move_call! {
    /// `walrus::staking::retire_node`.
    RetireNode = "walrus"::"staking"::"retire_node", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
    }
}

move_call! {
    /// `walrus::staking::try_join_active_set`.
    TryJoinActiveSet = "walrus"::"staking"::"try_join_active_set", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&StorageNodeCap",
    }
}

move_call! {
    /// `walrus::staking::stake_with_pool`: returns a `StakedWal`.
    StakeWithPool = "walrus"::"staking"::"stake_with_pool", ctx = true {
        self_: Arg = "&mut Staking",
        to_stake: Arg = "Coin<WAL>",
        node_id: ObjectId = "ID",
    }
}

move_call! {
    /// `walrus::staking::request_withdraw_stake`.
    RequestWithdrawStake = "walrus"::"staking"::"request_withdraw_stake", ctx = false {
        self_: Arg = "&mut Staking",
        staked_wal: Arg = "&mut StakedWal",
    }
}

move_call! {
    /// `walrus::staking::withdraw_stake`: returns a `Coin<WAL>`.
    WithdrawStake = "walrus"::"staking"::"withdraw_stake", ctx = true {
        self_: Arg = "&mut Staking",
        system: Arg = "&mut System",
        staked_wal: Arg = "StakedWal",
    }
}

move_call! {
    /// `walrus::staking::voting_end`.
    VotingEnd = "walrus"::"staking"::"voting_end", ctx = false {
        self_: Arg = "&mut Staking",
        clock: Arg = "&Clock",
    }
}

move_call! {
    /// `walrus::staking::initiate_epoch_change`.
    InitiateEpochChange = "walrus"::"staking"::"initiate_epoch_change", ctx = true {
        self_: Arg = "&mut Staking",
        system: Arg = "&mut System",
        clock: Arg = "&Clock",
    }
}

move_call! {
    /// `walrus::staking::epoch_sync_done`.
    EpochSyncDone = "walrus"::"staking"::"epoch_sync_done", ctx = false {
        self_: Arg = "&mut Staking",
        cap: Arg = "&mut StorageNodeCap",
        epoch: u32 = "u32",
        clock: Arg = "&Clock",
    }
}

/// The signatures of every call builder.
pub fn signatures() -> Vec<CallSignature> {
    vec![
        signature::<WalBurn>(),
        signature::<InitializeWalrus>(),
        signature::<ReserveSpace>(),
        signature::<ReserveSpaceForEpochs>(),
        signature::<RegisterBlob>(),
        signature::<CertifyBlob>(),
        signature::<DeleteBlob>(),
        signature::<ExtendBlobWithResource>(),
        signature::<ExtendBlob>(),
        signature::<InvalidateBlobId>(),
        signature::<AddSubsidy>(),
        signature::<SubmitChallengeVerdict>(),
        signature::<SplitByEpoch>(),
        signature::<SplitBySize>(),
        signature::<FusePeriods>(),
        signature::<FuseAmount>(),
        signature::<Fuse>(),
        signature::<DestroyStorage>(),
        signature::<BurnBlob>(),
        signature::<SetBlobAttribute>(),
        signature::<RemoveBlobAttribute>(),
        signature::<ShareBlob>(),
        signature::<ShareBlobFunded>(),
        signature::<FundSharedBlob>(),
        signature::<ExtendSharedBlob>(),
        signature::<JoinStakedWal>(),
        signature::<SplitStakedWal>(),
        signature::<RegisterCandidate>(),
        signature::<SetNextCommission>(),
        signature::<SetStoragePriceVote>(),
        signature::<SetWritePriceVote>(),
        signature::<SetNodeCapacityVote>(),
        signature::<SetSlashBpsVote>(),
        signature::<SetName>(),
        signature::<SetNetworkAddress>(),
        signature::<SetNetworkPublicKey>(),
        signature::<CollectCommission>(),
        signature::<RetireNode>(),
        signature::<TryJoinActiveSet>(),
        signature::<StakeWithPool>(),
        signature::<RequestWithdrawStake>(),
        signature::<WithdrawStake>(),
        signature::<VotingEnd>(),
        signature::<InitiateEpochChange>(),
        signature::<EpochSyncDone>(),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;

    #[test]
    fn arguments_encode_pure_values_in_order() {
        let call = ReserveSpace {
            self_: Arg::Object(ObjectId([1; 32])),
            storage_amount: 5,
            epochs_ahead: 2,
            payment: Arg::Result(0),
        };
        let args = call.arguments();
        assert_eq!(args[0], Arg::Object(ObjectId([1; 32])));
        assert_eq!(args[1], Arg::Pure(5u64.to_le_bytes().to_vec()));
        assert_eq!(args[2], Arg::Pure(2u32.to_le_bytes().to_vec()));
        assert_eq!(args[3], Arg::Result(0));
        assert_eq!(ReserveSpace::PARAMS.len(), args.len());
    }
}
