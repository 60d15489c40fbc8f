//! `walrus::staking`: node registration, staking, votes and commission, and the three-step epoch
//! change (`voting_end`, `initiate_epoch_change`, `epoch_sync_done`) with committee selection,
//! shard assignment and reward distribution.
//!
//! The Rust functions take the outer `Staking` object and load and store its versioned inner
//! state (the dynamic field `u64 1 -> StakingInnerV1`) through the [`NativeCtx`], like the Move
//! `inner`/`inner_mut`; pools are dynamic object fields of the pools `ObjectTable`.

use sui_sdk_types::{Address, StructTag, TypeTag};
use walrus_core::{BlsPublicKey, BlsSignature, ObjectId};
use walrus_sui::errors::StakingError as E;
use walrus_sui::events::{
    CommissionCollected, CommissionRateSet, EpochChangeDone, EpochChangeStart,
    EpochParametersSelected, NodeParametersUpdated, NodeRegistered, NodeRetired, NodeSlashed,
    PoolRewarded, ShardsReceived, SlashVoteUpdated, StakeDeposited, StakeWithdrawalRequested,
    StakeWithdrawn, VotesUpdated,
};
use walrus_sui::move_types::{Entry, Uid, VecMap};
use walrus_sui::objects::{
    BlsCommitteeMember, Committee, EpochParams, EpochState, StakedWal, Staking, StakingInnerV1,
    StakingPool, StorageNodeCap, System,
};

use super::coin::{coin_arg, new_coin};
use super::staked_wal::{staked_wal_tag, staked_wal_value};
use super::storage_node::{self, cap_tag, cap_value};
use super::system::{self, is_quorum, system_tag};
use super::{
    NResult, NativeCtx, NativeError, NativeFn, ParamKind, Value, active_set, arithmetic, committee,
    ensure, native, obj_arg, pure_arg, set_obj, staking_pool, typed, walrus_abort,
};
use crate::framework::{self, ClockData, CoinData, to_address, to_object_id};

use ParamKind::{MutRef, Ref, Val};

/// The version of the staking state layout.
pub const VERSION: u64 = 1;
/// The maximum number of nodes in the active set.
pub const MAX_ACTIVE_SET_SIZE: u16 = 150;

/// The `Staking` type tag.
pub fn staking_tag() -> StructTag {
    framework::walrus_tag("staking", "Staking")
}

/// The type of the inner state.
pub fn inner_type() -> TypeTag {
    framework::walrus_type("staking", "StakingInnerV1")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("staking", function, code as u64)
}

fn u8_vector() -> TypeTag {
    TypeTag::Vector(Box::new(TypeTag::U8))
}

fn string() -> TypeTag {
    super::blob::string_type()
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "register_candidate" => f(
            &[MutRef, Val, Val, Val, Val, Val, Val, Val, Val, Val],
            native_register_candidate,
        ),
        "set_next_commission" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let rate: u16 = pure_arg(&a[2], 2, &TypeTag::U16)?;
            set_next_commission(ctx, &staking, &cap, rate)?;
            Ok(vec![])
        }),
        "set_storage_price_vote" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let price: u64 = pure_arg(&a[2], 2, &TypeTag::U64)?;
            set_vote(ctx, &staking, &cap, Vote::StoragePrice(price))?;
            Ok(vec![])
        }),
        "set_write_price_vote" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let price: u64 = pure_arg(&a[2], 2, &TypeTag::U64)?;
            set_vote(ctx, &staking, &cap, Vote::WritePrice(price))?;
            Ok(vec![])
        }),
        "set_node_capacity_vote" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let capacity: u64 = pure_arg(&a[2], 2, &TypeTag::U64)?;
            set_vote(ctx, &staking, &cap, Vote::NodeCapacity(capacity))?;
            Ok(vec![])
        }),
        "set_slash_bps_vote" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let slash_bps: u16 = pure_arg(&a[2], 2, &TypeTag::U16)?;
            set_slash_bps_vote(ctx, &staking, &cap, slash_bps)?;
            Ok(vec![])
        }),
        "set_name" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let name: String = pure_arg(&a[2], 2, &string())?;
            set_node_parameter(ctx, &staking, &cap, NodeParameter::Name(name))?;
            Ok(vec![])
        }),
        "set_network_address" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let address: String = pure_arg(&a[2], 2, &string())?;
            set_node_parameter(ctx, &staking, &cap, NodeParameter::NetworkAddress(address))?;
            Ok(vec![])
        }),
        "set_network_public_key" => f(&[MutRef, Ref, Val], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let key: Vec<u8> = pure_arg(&a[2], 2, &u8_vector())?;
            set_node_parameter(ctx, &staking, &cap, NodeParameter::NetworkPublicKey(key))?;
            Ok(vec![])
        }),
        "collect_commission" => f(&[MutRef, Ref], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            let amount = collect_commission(ctx, &staking, &cap)?;
            Ok(vec![new_coin(ctx, framework::wal_type(), amount)?])
        }),
        "retire_node" => f(&[MutRef, Ref], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            retire_node(ctx, &staking, &cap)?;
            Ok(vec![])
        }),
        "try_join_active_set" => f(&[MutRef, Ref], |ctx, _, a| {
            let (staking, cap) = staking_and_cap(a)?;
            try_join_active_set(ctx, &staking, &cap)?;
            Ok(vec![])
        }),
        "stake_with_pool" => f(&[MutRef, Val, Val], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let coin = coin_arg(&a[1], 1, &framework::wal_type())?;
            let node_id: ObjectId = pure_arg(&a[2], 2, &TypeTag::Address)?;
            let staked = stake_with_pool(ctx, &staking, coin, node_id)?;
            Ok(vec![staked_wal_value(&staked)?])
        }),
        "request_withdraw_stake" => f(&[MutRef, MutRef], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let mut staked: StakedWal = obj_arg(&a[1], 1, &staked_wal_tag())?;
            request_withdraw_stake(ctx, &staking, &mut staked)?;
            set_obj(&mut a[1], &staked)?;
            Ok(vec![])
        }),
        "withdraw_stake" => f(&[MutRef, MutRef, Val], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let system: System = obj_arg(&a[1], 1, &system_tag())?;
            let staked: StakedWal = obj_arg(&a[2], 2, &staked_wal_tag())?;
            let amount = withdraw_stake(ctx, &staking, &system, staked)?;
            Ok(vec![new_coin(ctx, framework::wal_type(), amount)?])
        }),
        "voting_end" => f(&[MutRef, Ref], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let now = clock_arg(&a[1], 1)?;
            voting_end(ctx, &staking, now)?;
            Ok(vec![])
        }),
        "initiate_epoch_change" => f(&[MutRef, MutRef, Ref], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let system: System = obj_arg(&a[1], 1, &system_tag())?;
            let now = clock_arg(&a[2], 2)?;
            initiate_epoch_change(ctx, &staking, &system, now)?;
            Ok(vec![])
        }),
        "epoch_sync_done" => f(&[MutRef, MutRef, Val, Ref], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let mut cap: StorageNodeCap = obj_arg(&a[1], 1, &cap_tag())?;
            let epoch: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
            let now = clock_arg(&a[3], 3)?;
            epoch_sync_done(ctx, &staking, &mut cap, epoch, now)?;
            set_obj(&mut a[1], &cap)?;
            Ok(vec![])
        }),
        "epoch" => f(&[Ref], |ctx, _, a| {
            let inner = load(ctx, &staking_arg(a)?)?;
            Ok(vec![typed(TypeTag::U32, &inner.epoch)?])
        }),
        "n_shards" => f(&[Ref], |ctx, _, a| {
            let inner = load(ctx, &staking_arg(a)?)?;
            Ok(vec![typed(TypeTag::U16, &inner.n_shards)?])
        }),
        "epoch_duration" => f(&[Ref], |ctx, _, a| {
            let inner = load(ctx, &staking_arg(a)?)?;
            Ok(vec![typed(TypeTag::U64, &inner.epoch_duration)?])
        }),
        "first_epoch_start" => f(&[Ref], |ctx, _, a| {
            let inner = load(ctx, &staking_arg(a)?)?;
            Ok(vec![typed(TypeTag::U64, &inner.first_epoch_start)?])
        }),
        "is_next_committee_selected" => f(&[Ref], |ctx, _, a| {
            let inner = load(ctx, &staking_arg(a)?)?;
            Ok(vec![typed(TypeTag::Bool, &inner.next_committee.is_some())?])
        }),
        "has_pool" => f(&[Ref, Val], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let node_id: ObjectId = pure_arg(&a[1], 1, &TypeTag::Address)?;
            let has = has_pool(ctx, &staking, node_id)?;
            Ok(vec![typed(TypeTag::Bool, &has)?])
        }),
        "calculate_rewards" => f(&[Ref, Val, Val, Val, Val], |ctx, _, a| {
            let staking = staking_arg(a)?;
            let node_id: ObjectId = pure_arg(&a[1], 1, &TypeTag::Address)?;
            let principal: u64 = pure_arg(&a[2], 2, &TypeTag::U64)?;
            let activation: u32 = pure_arg(&a[3], 3, &TypeTag::U32)?;
            let withdraw: u32 = pure_arg(&a[4], 4, &TypeTag::U32)?;
            let p = pool(ctx, &staking, node_id)?;
            let rewards =
                staking_pool::calculate_rewards(&p, principal, activation, withdraw, ctx)?;
            Ok(vec![typed(TypeTag::U64, &rewards)?])
        }),
        "quorum_below" | "quorum_above" => {
            let below = function == "quorum_below";
            if below {
                f(&[Val, Val, Val], |_, _, a| quorum_native(a, true))
            } else {
                f(&[Val, Val, Val], |_, _, a| quorum_native(a, false))
            }
        }
        _ => None,
    }
}

fn quorum_native(a: &[Value], below: bool) -> NResult<Vec<Value>> {
    let votes: Vec<u64> = pure_arg(&a[0], 0, &TypeTag::Vector(Box::new(TypeTag::U64)))?;
    let weights: Vec<u16> = pure_arg(&a[1], 1, &TypeTag::Vector(Box::new(TypeTag::U16)))?;
    let n_shards: u16 = pure_arg(&a[2], 2, &TypeTag::U16)?;
    let value = if below {
        quorum_below(votes, weights, n_shards)?
    } else {
        quorum_above(votes, weights, n_shards)?
    };
    Ok(vec![typed(TypeTag::U64, &value)?])
}

fn staking_arg(a: &[Value]) -> NResult<Staking> {
    obj_arg(&a[0], 0, &staking_tag())
}

fn staking_and_cap(a: &[Value]) -> NResult<(Staking, StorageNodeCap)> {
    Ok((staking_arg(a)?, obj_arg(&a[1], 1, &cap_tag())?))
}

fn clock_arg(value: &Value, index: u16) -> NResult<u64> {
    let clock: ClockData = obj_arg(value, index, &framework::clock_tag())?;
    Ok(clock.timestamp_ms)
}

fn native_register_candidate(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let staking = staking_arg(a)?;
    let candidate = Candidate {
        name: pure_arg(&a[1], 1, &string())?,
        network_address: pure_arg(&a[2], 2, &string())?,
        public_key: pure_arg(&a[3], 3, &u8_vector())?,
        network_public_key: pure_arg(&a[4], 4, &u8_vector())?,
        proof_of_possession: pure_arg(&a[5], 5, &u8_vector())?,
        commission_rate: pure_arg(&a[6], 6, &TypeTag::U16)?,
        storage_price: pure_arg(&a[7], 7, &TypeTag::U64)?,
        write_price: pure_arg(&a[8], 8, &TypeTag::U64)?,
        node_capacity: pure_arg(&a[9], 9, &TypeTag::U64)?,
    };
    let cap = register_candidate(ctx, &staking, candidate)?;
    Ok(vec![cap_value(&cap)?])
}

// === State ===

/// `inner`: the state of `staking` (checking the version).
pub fn load(ctx: &mut NativeCtx<'_>, staking: &Staking) -> NResult<StakingInnerV1> {
    ensure(staking.version == VERSION, || {
        abort("inner", E::EWrongVersion)
    })?;
    ctx.df_borrow(to_address(staking.id.id), &TypeTag::U64, &VERSION)
}

/// Writes back the state of `staking` (`inner_mut`).
pub fn store(ctx: &mut NativeCtx<'_>, staking: &Staking, inner: &StakingInnerV1) -> NResult<()> {
    ctx.df_write(to_address(staking.id.id), &TypeTag::U64, &VERSION, inner)
}

/// `new_for_test` (and the body of `create` before sharing): a staking object for epoch 0 whose
/// first epoch starts at `now + epoch_zero_duration`.
pub fn new_for_test(
    ctx: &mut NativeCtx<'_>,
    epoch_zero_duration: u64,
    epoch_duration: u64,
    n_shards: u16,
    now: u64,
) -> NResult<Staking> {
    let id = ctx.fresh_id();
    let staking = Staking {
        id: Uid {
            id: to_object_id(id),
        },
        version: VERSION,
    };
    let inner = StakingInnerV1 {
        n_shards,
        epoch_duration,
        first_epoch_start: now
            .checked_add(epoch_zero_duration)
            .ok_or_else(arithmetic)?,
        pools: ctx.new_table()?,
        epoch: 0,
        active_set: active_set::new(MAX_ACTIVE_SET_SIZE)?,
        next_committee: None,
        committee: committee::empty(),
        previous_committee: committee::empty(),
        next_epoch_params: None,
        epoch_state: EpochState::EpochChangeDone(now),
    };
    ctx.df_add(id, TypeTag::U64, &VERSION, inner_type(), &inner)?;
    Ok(staking)
}

/// Sets the version field (`set_version_for_test`).
pub fn set_version_for_test(staking: &mut Staking, version: u64) {
    staking.version = version;
}

fn pools_parent(inner: &StakingInnerV1) -> Address {
    to_address(inner.pools.id.id)
}

fn pool_borrow(
    ctx: &mut NativeCtx<'_>,
    inner: &StakingInnerV1,
    node_id: ObjectId,
) -> NResult<StakingPool> {
    ctx.dof_borrow(pools_parent(inner), &node_id)
}

/// `pool_mut`: aborts with `EPoolNotFound` if there is no pool.
fn pool_mut(
    ctx: &mut NativeCtx<'_>,
    inner: &StakingInnerV1,
    node_id: ObjectId,
) -> NResult<StakingPool> {
    ensure(ctx.dof_exists(pools_parent(inner), &node_id), || {
        abort("pool_mut", E::EPoolNotFound)
    })?;
    pool_borrow(ctx, inner, node_id)
}

fn pool_write(ctx: &mut NativeCtx<'_>, inner: &StakingInnerV1, pool: &StakingPool) -> NResult<()> {
    ctx.dof_write(pools_parent(inner), &pool.id.id, pool)
}

/// `next_change_epoch`: the first epoch whose committee is not selected yet.
fn next_change_epoch(inner: &StakingInnerV1) -> NResult<u32> {
    let ahead = if inner.next_committee.is_some() { 2 } else { 1 };
    inner.epoch.checked_add(ahead).ok_or_else(arithmetic)
}

/// `refresh_active_set`: the node's stake projected for the next selection (retired: none).
fn refresh_active_set(
    ctx: &mut NativeCtx<'_>,
    inner: &mut StakingInnerV1,
    node_id: ObjectId,
) -> NResult<()> {
    let epoch = next_change_epoch(inner)?;
    let pool = pool_borrow(ctx, inner, node_id)?;
    let stake = if staking_pool::is_active(&pool) {
        staking_pool::wal_balance_at_epoch(&pool, epoch, ctx)?
    } else {
        0
    };
    active_set::upsert(&mut inner.active_set, node_id, stake)?;
    Ok(())
}

/// `pool_mut_with_cap`.
fn pool_mut_with_cap(
    ctx: &mut NativeCtx<'_>,
    inner: &StakingInnerV1,
    cap: &StorageNodeCap,
) -> NResult<StakingPool> {
    let pool = pool_mut(ctx, inner, cap.node_id)?;
    staking_pool::assert_cap(&pool, cap)?;
    Ok(pool)
}

// === Node lifecycle ===

/// The arguments of `register_candidate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The node name.
    pub name: String,
    /// The network address.
    pub network_address: String,
    /// The BLS public key (48 bytes).
    pub public_key: Vec<u8>,
    /// The network public key (33 bytes).
    pub network_public_key: Vec<u8>,
    /// The proof of possession over `(epoch, sender, public_key)`.
    pub proof_of_possession: Vec<u8>,
    /// The commission rate in basis points.
    pub commission_rate: u16,
    /// The storage price vote.
    pub storage_price: u64,
    /// The write price vote.
    pub write_price: u64,
    /// The capacity vote.
    pub node_capacity: u64,
}

/// `sui::bls12381::bls12381_min_pk_verify`: false on any malformed input.
fn bls_min_pk_verify(signature: &[u8], public_key: &[u8], message: &[u8]) -> bool {
    let Ok(key) = BlsPublicKey::from_bytes(public_key) else {
        return false;
    };
    let Ok(signature) = BlsSignature::from_bytes(signature) else {
        return false;
    };
    key.validate().is_ok() && key.verify(message, &signature).is_ok()
}

/// `register_candidate`: a new pool (active from the next selection) and its capability. Emits
/// `NodeRegistered`.
pub fn register_candidate(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    candidate: Candidate,
) -> NResult<StorageNodeCap> {
    let mut inner = load(ctx, staking)?;
    let epoch = inner.epoch;
    let message = system::proof_of_possession_bytes(epoch, ctx.sender, &candidate.public_key)?;
    ensure(
        bls_min_pk_verify(
            &candidate.proof_of_possession,
            &candidate.public_key,
            &message,
        ),
        || abort("register_candidate", E::EInvalidProofOfPossession),
    )?;
    let activation_epoch = if inner.next_committee.is_some() {
        epoch.checked_add(1).ok_or_else(arithmetic)?
    } else {
        epoch
    };
    let pool = staking_pool::new(
        candidate.name,
        candidate.network_address,
        &candidate.public_key,
        candidate.network_public_key,
        candidate.commission_rate,
        staking_pool::new_voting_params(
            candidate.storage_price,
            candidate.write_price,
            candidate.node_capacity,
        ),
        activation_epoch,
        ctx,
    )?;
    let node_id = pool.id.id;
    ctx.dof_add(
        pools_parent(&inner),
        node_id,
        staking_pool::pool_tag(),
        &pool,
    )?;
    inner.pools.size = inner.pools.size.checked_add(1).ok_or_else(arithmetic)?;
    let cap = storage_node::new_cap(node_id, ctx);
    ctx.emit(&NodeRegistered {
        epoch,
        node_id,
        cap_id: cap.id.id,
        commission_rate: candidate.commission_rate,
    })?;
    store(ctx, staking, &inner)?;
    Ok(cap)
}

/// `set_next_commission`: the rate applies two epochs from now. Emits `CommissionRateSet`.
pub fn set_next_commission(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
    commission_rate: u16,
) -> NResult<()> {
    let inner = load(ctx, staking)?;
    let epoch = inner.epoch;
    let effective_epoch = epoch.checked_add(2).ok_or_else(arithmetic)?;
    let mut pool = pool_mut_with_cap(ctx, &inner, cap)?;
    staking_pool::set_next_commission(&mut pool, commission_rate, effective_epoch)?;
    pool_write(ctx, &inner, &pool)?;
    ctx.emit(&CommissionRateSet {
        epoch,
        node_id: cap.node_id,
        commission_rate,
        effective_epoch,
    })
}

/// A vote a node can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    /// `set_storage_price_vote`.
    StoragePrice(u64),
    /// `set_write_price_vote`.
    WritePrice(u64),
    /// `set_node_capacity_vote`.
    NodeCapacity(u64),
}

/// `set_storage_price_vote`, `set_write_price_vote`, `set_node_capacity_vote`. Emits
/// `VotesUpdated`.
pub fn set_vote(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
    vote: Vote,
) -> NResult<()> {
    let inner = load(ctx, staking)?;
    let mut pool = pool_mut_with_cap(ctx, &inner, cap)?;
    match vote {
        Vote::StoragePrice(price) => pool.voting_params.storage_price = price,
        Vote::WritePrice(price) => pool.voting_params.write_price = price,
        Vote::NodeCapacity(capacity) => pool.voting_params.node_capacity = capacity,
    }
    pool_write(ctx, &inner, &pool)?;
    ctx.emit(&VotesUpdated {
        epoch: inner.epoch,
        node_id: cap.node_id,
        storage_price: pool.voting_params.storage_price,
        write_price: pool.voting_params.write_price,
        node_capacity: pool.voting_params.node_capacity,
    })
}

/// `set_slash_bps_vote`: the node's slash vote in basis points (at most 10_000). Emits
/// `SlashVoteUpdated`.
pub fn set_slash_bps_vote(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
    slash_bps: u16,
) -> NResult<()> {
    ensure(u64::from(slash_bps) <= 10_000, || {
        abort("set_slash_bps_vote", E::EInvalidSlashBps)
    })?;
    let inner = load(ctx, staking)?;
    let mut pool = pool_mut_with_cap(ctx, &inner, cap)?;
    pool.voting_params.slash_bps = slash_bps;
    pool_write(ctx, &inner, &pool)?;
    ctx.emit(&SlashVoteUpdated {
        epoch: inner.epoch,
        node_id: cap.node_id,
        slash_bps,
    })
}

/// A node parameter a node can change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeParameter {
    /// `set_name`.
    Name(String),
    /// `set_network_address`.
    NetworkAddress(String),
    /// `set_network_public_key`.
    NetworkPublicKey(Vec<u8>),
}

/// `set_name`, `set_network_address`, `set_network_public_key`. Emits `NodeParametersUpdated`.
pub fn set_node_parameter(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
    parameter: NodeParameter,
) -> NResult<()> {
    let inner = load(ctx, staking)?;
    let mut pool = pool_mut_with_cap(ctx, &inner, cap)?;
    match parameter {
        NodeParameter::Name(name) => storage_node::set_name(&mut pool.node_info, name)?,
        NodeParameter::NetworkAddress(address) => {
            storage_node::set_network_address(&mut pool.node_info, address)?;
        }
        NodeParameter::NetworkPublicKey(key) => {
            storage_node::set_network_public_key(&mut pool.node_info, key)?;
        }
    }
    pool_write(ctx, &inner, &pool)?;
    ctx.emit(&NodeParametersUpdated {
        epoch: inner.epoch,
        node_id: cap.node_id,
    })
}

/// `collect_commission`: the collected amount (the native returns it as a coin). Emits
/// `CommissionCollected`.
pub fn collect_commission(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
) -> NResult<u64> {
    let inner = load(ctx, staking)?;
    let mut pool = pool_mut_with_cap(ctx, &inner, cap)?;
    let amount = staking_pool::collect_commission(&mut pool);
    pool_write(ctx, &inner, &pool)?;
    ctx.emit(&CommissionCollected {
        epoch: inner.epoch,
        node_id: cap.node_id,
        amount,
    })?;
    Ok(amount)
}

/// `retire_node`: leaves the active set now and the committee at the next selection. Emits
/// `NodeRetired`.
pub fn retire_node(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
) -> NResult<()> {
    let mut inner = load(ctx, staking)?;
    let epoch = inner.epoch;
    let withdraw_epoch = if inner.next_committee.is_some() {
        epoch.checked_add(2)
    } else {
        epoch.checked_add(1)
    }
    .ok_or_else(arithmetic)?;
    let mut pool = pool_mut(ctx, &inner, cap.node_id)?;
    staking_pool::assert_cap(&pool, cap)?;
    staking_pool::retire(&mut pool, withdraw_epoch)?;
    pool_write(ctx, &inner, &pool)?;
    active_set::remove(&mut inner.active_set, cap.node_id)?;
    ctx.emit(&NodeRetired {
        epoch,
        node_id: cap.node_id,
        withdraw_epoch,
    })?;
    store(ctx, staking, &inner)
}

/// `try_join_active_set`: re-enters the node with its projected stake.
pub fn try_join_active_set(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &StorageNodeCap,
) -> NResult<()> {
    let mut inner = load(ctx, staking)?;
    let pool = pool_mut(ctx, &inner, cap.node_id)?;
    staking_pool::assert_cap(&pool, cap)?;
    refresh_active_set(ctx, &mut inner, cap.node_id)?;
    store(ctx, staking, &inner)
}

// === Staking ===

/// `stake_with_pool`: the stake counts from the next unselected epoch. Emits `StakeDeposited`.
pub fn stake_with_pool(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    to_stake: CoinData,
    node_id: ObjectId,
) -> NResult<StakedWal> {
    let mut inner = load(ctx, staking)?;
    let epoch = inner.epoch;
    let activation_epoch = next_change_epoch(&inner)?;
    let amount = to_stake.value;
    let mut pool = pool_mut(ctx, &inner, node_id)?;
    ctx.delete_id(to_address(to_stake.id));
    let staked = staking_pool::stake(&mut pool, amount, activation_epoch, ctx)?;
    pool_write(ctx, &inner, &pool)?;
    refresh_active_set(ctx, &mut inner, node_id)?;
    ctx.emit(&StakeDeposited {
        epoch,
        node_id,
        staked_wal_id: staked.id.id,
        amount,
        activation_epoch,
    })?;
    store(ctx, staking, &inner)?;
    Ok(staked)
}

/// `request_withdraw_stake`: the stake stops counting at the next unselected epoch. Emits
/// `StakeWithdrawalRequested`.
pub fn request_withdraw_stake(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    staked: &mut StakedWal,
) -> NResult<()> {
    let mut inner = load(ctx, staking)?;
    let epoch = inner.epoch;
    let withdraw_epoch = next_change_epoch(&inner)?;
    let node_id = staked.node_id;
    let mut pool = pool_mut(ctx, &inner, node_id)?;
    staking_pool::request_withdraw(&mut pool, staked, epoch, withdraw_epoch, ctx)?;
    pool_write(ctx, &inner, &pool)?;
    refresh_active_set(ctx, &mut inner, node_id)?;
    ctx.emit(&StakeWithdrawalRequested {
        epoch,
        node_id,
        staked_wal_id: staked.id.id,
        amount: staked.principal.value,
        withdraw_epoch,
    })?;
    store(ctx, staking, &inner)
}

/// `withdraw_stake`: the principal plus rewards (the native returns it as a coin); a slashed
/// shortfall goes to the slashing fund of `system`. Emits `StakeWithdrawn`.
pub fn withdraw_stake(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    system: &System,
    staked: StakedWal,
) -> NResult<u64> {
    let mut inner = load(ctx, staking)?;
    let epoch = inner.epoch;
    let node_id = staked.node_id;
    let staked_wal_id = staked.id.id;
    let principal = staked.principal.value;
    let can_leave_early =
        u64::from(staked.activation_epoch) > u64::from(epoch) + 1 || inner.next_committee.is_none();
    let mut pool = pool_mut(ctx, &inner, node_id)?;
    let (balance, rewards, shortfall) =
        staking_pool::withdraw(&mut pool, staked, epoch, can_leave_early, ctx)?;
    pool_write(ctx, &inner, &pool)?;
    system::deposit_slashed(ctx, system, shortfall)?;
    refresh_active_set(ctx, &mut inner, node_id)?;
    ctx.emit(&StakeWithdrawn {
        epoch,
        node_id,
        staked_wal_id,
        amount: principal,
        rewards,
    })?;
    store(ctx, staking, &inner)?;
    Ok(balance)
}

// === Epoch change ===

/// `voting_end`: selects the next committee (apportionment over the active set, minimal shard
/// movement) and parameters. Emits `EpochParametersSelected`.
pub fn voting_end(ctx: &mut NativeCtx<'_>, staking: &Staking, now: u64) -> NResult<()> {
    let f = "voting_end";
    let mut inner = load(ctx, staking)?;
    let EpochState::EpochChangeDone(last_change) = inner.epoch_state else {
        return Err(abort(f, E::EWrongEpochState));
    };
    let due = if inner.epoch == 0 {
        inner.first_epoch_start
    } else {
        last_change.saturating_add(inner.epoch_duration / 2)
    };
    ensure(now >= due, || abort(f, E::ETooEarly))?;

    let node_ids = active_set::node_ids(&inner.active_set);
    ensure(!node_ids.is_empty(), || abort(f, E::ENoStake))?;
    let shard_counts =
        committee::apportion(inner.n_shards, &active_set::stakes(&inner.active_set))?;
    let mut assignments = VecMap::default();
    for (node_id, count) in node_ids.into_iter().zip(shard_counts) {
        if count > 0 {
            assignments.contents.push(Entry {
                key: node_id,
                value: count,
            });
        }
    }
    let next_committee = if committee::size(&inner.committee) == 0 {
        committee::initialize(assignments)?
    } else {
        committee::transition(&inner.committee, &assignments)?
    };

    let mut storage_votes = Vec::new();
    let mut write_votes = Vec::new();
    let mut capacity_votes = Vec::new();
    let mut weights = Vec::new();
    let n_shards = inner.n_shards;
    for entry in &next_committee.0.contents {
        let weight = entry.value.len() as u64;
        let pool = pool_borrow(ctx, &inner, entry.key)?;
        storage_votes.push(pool.voting_params.storage_price);
        write_votes.push(pool.voting_params.write_price);
        ensure(weight > 0, arithmetic)?;
        let scaled = u128::from(pool.voting_params.node_capacity) * u128::from(n_shards)
            / u128::from(weight);
        capacity_votes.push(u64::try_from(scaled).unwrap_or(u64::MAX));
        weights.push(u16::try_from(weight).map_err(|_| arithmetic())?);
    }
    let params = EpochParams {
        total_capacity_size: quorum_above(capacity_votes, weights.clone(), n_shards)?,
        storage_price_per_unit_size: quorum_below(storage_votes, weights.clone(), n_shards)?,
        write_price_per_unit_size: quorum_below(write_votes, weights, n_shards)?,
    };
    inner.next_committee = Some(next_committee);
    inner.next_epoch_params = Some(params);
    inner.epoch_state = EpochState::NextParamsSelected(last_change);
    ctx.emit(&EpochParametersSelected {
        next_epoch: inner.epoch.checked_add(1).ok_or_else(arithmetic)?,
    })?;
    store(ctx, staking, &inner)
}

/// `std::option::extract` on `None` (`EOPTION_NOT_SET`).
fn option_not_set() -> NativeError {
    NativeError::Abort {
        package: framework::STD_PACKAGE,
        module: "option",
        function: "extract",
        code: 0x40001,
    }
}

/// `initiate_epoch_change`: pays the ending epoch's fees to its committee's pools, installs the
/// next committee here and in the `System`, advances the pools. Emits `PricesUpdated` (from the
/// system), `PoolRewarded` per paid pool and `EpochChangeStart`.
pub fn initiate_epoch_change(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    system: &System,
    now: u64,
) -> NResult<()> {
    let f = "initiate_epoch_change";
    let mut inner = load(ctx, staking)?;
    let EpochState::NextParamsSelected(last_change) = inner.epoch_state else {
        return Err(abort(f, E::EWrongEpochState));
    };
    let due = if inner.epoch == 0 {
        inner.first_epoch_start
    } else {
        last_change.saturating_add(inner.epoch_duration)
    };
    ensure(now >= due, || abort(f, E::ETooEarly))?;
    let next_committee = inner.next_committee.take().ok_or_else(option_not_set)?;
    let params = inner.next_epoch_params.take().ok_or_else(option_not_set)?;
    let new_epoch = inner.epoch.checked_add(1).ok_or_else(arithmetic)?;

    let mut members = Vec::new();
    for entry in &next_committee.0.contents {
        let pool = pool_borrow(ctx, &inner, entry.key)?;
        let weight = u16::try_from(entry.value.len()).map_err(|_| arithmetic())?;
        members.push(BlsCommitteeMember {
            public_key: pool.node_info.public_key.clone(),
            weight,
            node_id: entry.key,
        });
    }
    let bls_committee = system::new_bls_committee(new_epoch, members)?;
    let system::EpochPayouts {
        node_ids: paid_nodes,
        rewards,
        to_slash,
    } = system::advance_epoch(
        ctx,
        system,
        bls_committee,
        params.total_capacity_size,
        params.storage_price_per_unit_size,
        params.write_price_per_unit_size,
    )?;

    // Slash first, so the exchange rate recorded for the new epoch carries the loss.
    let slash_bps = system::slash_bps(ctx, system)?;
    for (node_id, reward) in paid_nodes.iter().zip(&rewards) {
        let mut pool = pool_borrow(ctx, &inner, *node_id)?;
        if to_slash.contains(node_id) {
            let slashed = staking_pool::slash(&mut pool, slash_bps)?;
            system::record_slash(ctx, system, slashed)?;
            ctx.emit(&NodeSlashed {
                epoch: new_epoch - 1,
                node_id: *node_id,
                amount: slashed,
            })?;
        }
        let commission = staking_pool::advance_epoch(&mut pool, new_epoch, *reward, ctx)?;
        pool_write(ctx, &inner, &pool)?;
        ctx.emit(&PoolRewarded {
            epoch: new_epoch - 1,
            node_id: *node_id,
            reward: *reward,
            commission,
        })?;
    }

    inner.epoch = new_epoch;
    inner.previous_committee = std::mem::replace(&mut inner.committee, next_committee);
    inner.epoch_state = EpochState::EpochChangeSync(0);

    // The slash fraction in force during the new epoch: the largest value a quorum of the new
    // committee's shards voted at least.
    let mut slash_votes = Vec::new();
    let mut slash_weights = Vec::new();
    for entry in &inner.committee.0.contents {
        let pool = pool_borrow(ctx, &inner, entry.key)?;
        slash_votes.push(u64::from(pool.voting_params.slash_bps));
        slash_weights.push(u16::try_from(entry.value.len()).map_err(|_| arithmetic())?);
    }
    let next_slash_bps = quorum_above(slash_votes, slash_weights, inner.n_shards)?;
    system::set_slash_bps(
        ctx,
        system,
        u16::try_from(next_slash_bps).map_err(|_| arithmetic())?,
    )?;

    let mut to_advance = committee::node_ids(&inner.committee);
    to_advance.extend(active_set::node_ids(&inner.active_set));
    to_advance.extend(paid_nodes);
    for node_id in to_advance {
        let mut pool = pool_borrow(ctx, &inner, node_id)?;
        if pool.latest_epoch < new_epoch {
            staking_pool::advance_epoch(&mut pool, new_epoch, 0, ctx)?;
            pool_write(ctx, &inner, &pool)?;
        }
        refresh_active_set(ctx, &mut inner, node_id)?;
    }
    ctx.emit(&EpochChangeStart { epoch: new_epoch })?;
    store(ctx, staking, &inner)
}

/// `epoch_sync_done`: at a quorum of shards the epoch change is done (`EpochChangeDone`). Always
/// emits `ShardsReceived`.
pub fn epoch_sync_done(
    ctx: &mut NativeCtx<'_>,
    staking: &Staking,
    cap: &mut StorageNodeCap,
    epoch: u32,
    now: u64,
) -> NResult<()> {
    let f = "epoch_sync_done";
    let mut inner = load(ctx, staking)?;
    ensure(epoch == inner.epoch, || abort(f, E::EInvalidSyncEpoch))?;
    ensure(cap.last_epoch_sync_done < epoch, || {
        abort(f, E::EDuplicateSyncDone)
    })?;
    let node_id = cap.node_id;
    ensure(committee::contains(&inner.committee, &node_id), || {
        abort(f, E::ENotInCommittee)
    })?;
    cap.last_epoch_sync_done = epoch;
    let shards = committee::shards(&inner.committee, &node_id)?.clone();
    if let EpochState::EpochChangeSync(weight) = inner.epoch_state {
        let weight = weight
            .checked_add(u16::try_from(shards.len()).map_err(|_| arithmetic())?)
            .ok_or_else(arithmetic)?;
        if is_quorum(weight, inner.n_shards) {
            inner.epoch_state = EpochState::EpochChangeDone(now);
            ctx.emit(&EpochChangeDone { epoch })?;
        } else {
            inner.epoch_state = EpochState::EpochChangeSync(weight);
        }
    }
    ctx.emit(&ShardsReceived { epoch, shards })?;
    store(ctx, staking, &inner)
}

// === Read-only accessors ===

/// The state (read-only), for the accessors `epoch`, `committee`, `active_set`, ….
pub fn inner(ctx: &mut NativeCtx<'_>, staking: &Staking) -> NResult<StakingInnerV1> {
    load(ctx, staking)
}

/// `has_pool`.
pub fn has_pool(ctx: &mut NativeCtx<'_>, staking: &Staking, node_id: ObjectId) -> NResult<bool> {
    let inner = load(ctx, staking)?;
    Ok(ctx.dof_exists(pools_parent(&inner), &node_id))
}

/// `pool`: aborts with `EPoolNotFound`.
pub fn pool(ctx: &mut NativeCtx<'_>, staking: &Staking, node_id: ObjectId) -> NResult<StakingPool> {
    let inner = load(ctx, staking)?;
    ensure(ctx.dof_exists(pools_parent(&inner), &node_id), || {
        abort("pool", E::EPoolNotFound)
    })?;
    pool_borrow(ctx, &inner, node_id)
}

/// `committee::Committee` of the current epoch.
pub fn committee(ctx: &mut NativeCtx<'_>, staking: &Staking) -> NResult<Committee> {
    Ok(load(ctx, staking)?.committee)
}

// === Vote aggregation ===

/// Sorts votes ascending with their weights (stable insertion sort).
fn sort_votes(mut votes: Vec<u64>, mut weights: Vec<u16>) -> NResult<(Vec<u64>, Vec<u16>)> {
    ensure(votes.len() <= weights.len(), arithmetic)?;
    for i in 1..votes.len() {
        let mut j = i;
        while j > 0 && votes[j - 1] > votes[j] {
            votes.swap(j - 1, j);
            weights.swap(j - 1, j);
            j -= 1;
        }
    }
    Ok((votes, weights))
}

/// `quorum_below`: the smallest value such that a quorum of shards voted at most it;
/// `u64::MAX` if nobody voted.
pub fn quorum_below(votes: Vec<u64>, weights: Vec<u16>, n_shards: u16) -> NResult<u64> {
    let (sorted, sorted_weights) = sort_votes(votes, weights)?;
    let mut weight: u16 = 0;
    for (vote, w) in sorted.iter().zip(&sorted_weights) {
        weight = weight.checked_add(*w).ok_or_else(arithmetic)?;
        if is_quorum(weight, n_shards) {
            return Ok(*vote);
        }
    }
    Ok(u64::MAX)
}

/// `quorum_above`: the largest value such that a quorum of shards voted at least it; zero if
/// nobody voted.
pub fn quorum_above(votes: Vec<u64>, weights: Vec<u16>, n_shards: u16) -> NResult<u64> {
    let (sorted, sorted_weights) = sort_votes(votes, weights)?;
    let mut weight: u16 = 0;
    for (vote, w) in sorted.iter().zip(&sorted_weights).rev() {
        weight = weight.checked_add(*w).ok_or_else(arithmetic)?;
        if is_quorum(weight, n_shards) {
            return Ok(*vote);
        }
    }
    Ok(0)
}
