//! `walrus::staking_pool`: one node's stake accounting (shares, exchange rates per epoch, pending
//! stake and withdrawals, rewards and commission).
//!
//! The exchange rates live in the pool's `Table<u32, PoolExchangeRate>` (dynamic fields of the
//! table's UID), so most functions take the [`NativeCtx`].

use sui_sdk_types::{Address, StructTag, TypeTag};
use walrus_core::ObjectId;
use walrus_sui::errors::StakingPoolError as E;
use walrus_sui::move_types::{Balance, Entry, Table, Uid, VecMap};
use walrus_sui::objects::{
    PoolExchangeRate, PoolState, StakedWal, StakingPool, StorageNodeCap, VotingParams,
};

use super::coin::split_value;
use super::staked_wal;
use super::storage_node;
use super::{NResult, NativeCtx, NativeError, NativeFn, arithmetic, ensure, walrus_abort};
use crate::framework::{self, to_address, to_object_id};

/// 100% in basis points.
pub const N_BASIS_POINTS: u64 = 10_000;

/// The `StakingPool` type tag.
pub fn pool_tag() -> StructTag {
    framework::walrus_tag("staking_pool", "StakingPool")
}

/// The `PoolExchangeRate` type.
pub fn exchange_rate_type() -> TypeTag {
    framework::walrus_type("staking_pool", "PoolExchangeRate")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("staking_pool", function, code as u64)
}

/// The pool's public functions all take a `&StakingPool`, which a transaction cannot pass (pools
/// live inside `Staking`); read them through `staking` or from the object.
pub(crate) fn lookup(_function: &str) -> Option<NativeFn> {
    None
}

/// The one-to-one rate (zero amounts).
const ONE_TO_ONE: PoolExchangeRate = PoolExchangeRate {
    wal_amount: 0,
    share_amount: 0,
};

/// `new` (package-internal): a pool whose object ID is the node ID.
#[allow(clippy::too_many_arguments)] // Mirrors the Move signature.
pub fn new(
    name: String,
    network_address: String,
    public_key: &[u8],
    network_public_key: Vec<u8>,
    commission_rate: u16,
    voting_params: VotingParams,
    activation_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<StakingPool> {
    ensure(u64::from(commission_rate) <= N_BASIS_POINTS, || {
        abort("new", E::EIncorrectCommissionRate)
    })?;
    let id = to_object_id(ctx.fresh_id());
    let node_info = storage_node::new(name, id, network_address, public_key, network_public_key)?;
    let mut exchange_rates: Table<u32, PoolExchangeRate> = ctx.new_table()?;
    table_add(ctx, &mut exchange_rates, activation_epoch, &ONE_TO_ONE)?;
    Ok(StakingPool {
        id: Uid { id },
        state: PoolState::Active,
        voting_params,
        node_info,
        activation_epoch,
        latest_epoch: activation_epoch,
        wal_balance: 0,
        num_shares: 0,
        pending_stake: VecMap::default(),
        pending_shares_withdraw: VecMap::default(),
        commission_rate,
        pending_commission_rate: VecMap::default(),
        exchange_rates,
        rewards_pool: Balance { value: 0 },
        commission: Balance { value: 0 },
    })
}

/// The slash vote of a new pool (10%).
pub const DEFAULT_SLASH_BPS_VOTE: u16 = 1_000;

/// `new_voting_params` (package-internal): the slash vote starts at the default.
pub fn new_voting_params(storage_price: u64, write_price: u64, node_capacity: u64) -> VotingParams {
    VotingParams {
        storage_price,
        write_price,
        node_capacity,
        slash_bps: DEFAULT_SLASH_BPS_VOTE,
    }
}

// === The exchange-rate table ===

fn table_parent(table: &Table<u32, PoolExchangeRate>) -> Address {
    to_address(table.id.id)
}

fn table_contains(
    ctx: &mut NativeCtx<'_>,
    table: &Table<u32, PoolExchangeRate>,
    epoch: u32,
) -> bool {
    ctx.df_exists(table_parent(table), &TypeTag::U32, &epoch)
}

fn table_add(
    ctx: &mut NativeCtx<'_>,
    table: &mut Table<u32, PoolExchangeRate>,
    epoch: u32,
    rate: &PoolExchangeRate,
) -> NResult<()> {
    ctx.df_add(
        table_parent(table),
        TypeTag::U32,
        &epoch,
        exchange_rate_type(),
        rate,
    )?;
    table.size = table.size.checked_add(1).ok_or_else(arithmetic)?;
    Ok(())
}

// === Staking ===

/// `stake` (package-internal): stakes `principal` from `activation_epoch` on.
pub fn stake(
    pool: &mut StakingPool,
    principal: u64,
    activation_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<StakedWal> {
    ensure(is_active(pool), || abort("stake", E::EPoolIsNotActive))?;
    ensure(principal > 0, || abort("stake", E::EZeroStake))?;
    add_to(&mut pool.pending_stake, activation_epoch, principal)?;
    staked_wal::mint(pool.id.id, principal, activation_epoch, ctx)
}

/// `request_withdraw` (package-internal).
pub fn request_withdraw(
    pool: &mut StakingPool,
    staked: &mut StakedWal,
    current_epoch: u32,
    withdraw_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<()> {
    let f = "request_withdraw";
    ensure(staked.node_id == pool.id.id, || {
        abort(f, E::EIncorrectPoolId)
    })?;
    ensure(staked.activation_epoch <= current_epoch, || {
        abort(f, E::EWithdrawDirectly)
    })?;
    let shares = shares_of(pool, staked, ctx)?;
    ensure(shares > 0, || abort(f, E::EZeroShares))?;
    add_to(&mut pool.pending_shares_withdraw, withdraw_epoch, shares)?;
    staked_wal::set_withdrawing(staked, withdraw_epoch)
}

/// `withdraw` (package-internal): returns the principal plus rewards, the rewards, and the slashed
/// shortfall split off the principal (zero unless a slash left the stake below its principal).
pub fn withdraw(
    pool: &mut StakingPool,
    staked: StakedWal,
    current_epoch: u32,
    can_leave_early: bool,
    ctx: &mut NativeCtx<'_>,
) -> NResult<(u64, u64, u64)> {
    let f = "withdraw";
    ensure(staked.node_id == pool.id.id, || {
        abort(f, E::EIncorrectPoolId)
    })?;
    if staked_wal::is_staked(&staked) {
        ensure(staked.activation_epoch > current_epoch, || {
            abort(f, E::ENotWithdrawing)
        })?;
        ensure(can_leave_early, || abort(f, E::EActivationEpochNotReached))?;
        sub_from(
            &mut pool.pending_stake,
            staked.activation_epoch,
            staked.principal.value,
        )?;
        return Ok((staked_wal::into_balance(staked, ctx), 0, 0));
    }
    let withdraw_epoch = staked_wal::withdraw_epoch(&staked)?;
    ensure(withdraw_epoch <= current_epoch, || {
        abort(f, E::EWithdrawEpochNotReached)
    })?;
    let principal = staked.principal.value;
    let value = stake_value(
        pool,
        principal,
        staked.activation_epoch,
        withdraw_epoch,
        ctx,
    )?;
    if value < principal {
        // Slashed below the principal: the shortfall leaves the stake, for the slashing fund.
        let mut balance = staked_wal::into_balance(staked, ctx);
        let shortfall = split_value(&mut balance, principal - value)?;
        return Ok((balance, 0, shortfall));
    }
    let rewards = value - principal;
    let paid = rewards.min(pool.rewards_pool.value);
    pool.rewards_pool.value -= paid;
    let balance = staked_wal::into_balance(staked, ctx)
        .checked_add(paid)
        .ok_or_else(arithmetic)?;
    Ok((balance, paid, 0))
}

/// `calculate_rewards`.
pub fn calculate_rewards(
    pool: &StakingPool,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<u64> {
    let shares = to_shares(&exchange_rate_at(pool, activation_epoch, ctx)?, principal)?;
    let value = to_wal(&exchange_rate_at(pool, withdraw_epoch, ctx)?, shares)?;
    Ok(value.saturating_sub(principal))
}

/// `stake_value`: what `principal` staked from `activation_epoch` is worth at `withdraw_epoch`.
pub fn stake_value(
    pool: &StakingPool,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<u64> {
    let shares = to_shares(&exchange_rate_at(pool, activation_epoch, ctx)?, principal)?;
    to_wal(&exchange_rate_at(pool, withdraw_epoch, ctx)?, shares)
}

/// `slash` (package-internal): removes `slash_bps` basis points of the active WAL; returns the
/// amount.
pub fn slash(pool: &mut StakingPool, slash_bps: u16) -> NResult<u64> {
    let amount = u128::from(pool.wal_balance) * u128::from(slash_bps) / u128::from(N_BASIS_POINTS);
    let amount = u64::try_from(amount).map_err(|_| arithmetic())?;
    pool.wal_balance = pool
        .wal_balance
        .checked_sub(amount)
        .ok_or_else(arithmetic)?;
    Ok(amount)
}

// === Epoch advance ===

/// `advance_epoch` (package-internal): takes the commission from `reward`, adds the rest to the
/// pool, applies the due commission rate, records the exchange rate, applies due stake and
/// withdrawals. Returns the commission.
pub fn advance_epoch(
    pool: &mut StakingPool,
    new_epoch: u32,
    reward: u64,
    ctx: &mut NativeCtx<'_>,
) -> NResult<u64> {
    ensure(pool.latest_epoch < new_epoch, || {
        abort("advance_epoch", E::EPoolAlreadyUpdated)
    })?;
    let commission = u64::try_from(
        u128::from(reward) * u128::from(pool.commission_rate) / u128::from(N_BASIS_POINTS),
    )
    .map_err(|_| arithmetic())?;
    pool.commission.value = pool
        .commission
        .value
        .checked_add(commission)
        .ok_or_else(arithmetic)?;
    let rest = reward - commission;
    pool.wal_balance = pool.wal_balance.checked_add(rest).ok_or_else(arithmetic)?;
    pool.rewards_pool.value = pool
        .rewards_pool
        .value
        .checked_add(rest)
        .ok_or_else(arithmetic)?;

    // The latest pending commission rate due by `new_epoch` applies; older ones are dropped.
    let mut due: Option<(u32, u16)> = None;
    pool.pending_commission_rate.contents.retain(|entry| {
        if entry.key <= new_epoch {
            if due.is_none_or(|(epoch, _)| entry.key >= epoch) {
                due = Some((entry.key, entry.value));
            }
            false
        } else {
            true
        }
    });
    if let Some((_, rate)) = due {
        pool.commission_rate = rate;
    }

    let rate = PoolExchangeRate {
        wal_amount: u128::from(pool.wal_balance),
        share_amount: u128::from(pool.num_shares),
    };
    if table_contains(ctx, &pool.exchange_rates, new_epoch) {
        ctx.df_write(
            table_parent(&pool.exchange_rates),
            &TypeTag::U32,
            &new_epoch,
            &rate,
        )?;
    } else {
        table_add(ctx, &mut pool.exchange_rates, new_epoch, &rate)?;
    }

    let stake = take_due(&mut pool.pending_stake, new_epoch)?;
    pool.num_shares = pool
        .num_shares
        .checked_add(to_shares(&rate, stake)?)
        .ok_or_else(arithmetic)?;
    pool.wal_balance = pool.wal_balance.checked_add(stake).ok_or_else(arithmetic)?;

    let shares = take_due(&mut pool.pending_shares_withdraw, new_epoch)?;
    let withdrawn = to_wal(&rate, shares)?;
    pool.num_shares = pool.num_shares.saturating_sub(shares);
    pool.wal_balance = pool.wal_balance.saturating_sub(withdrawn);

    if let PoolState::Withdrawing(epoch) = pool.state
        && new_epoch >= epoch
    {
        pool.state = PoolState::Withdrawn;
    }
    pool.latest_epoch = new_epoch;
    Ok(commission)
}

// === Node operations ===

/// `set_next_commission` (package-internal).
pub fn set_next_commission(
    pool: &mut StakingPool,
    commission_rate: u16,
    effective_epoch: u32,
) -> NResult<()> {
    ensure(u64::from(commission_rate) <= N_BASIS_POINTS, || {
        abort("set_next_commission", E::EIncorrectCommissionRate)
    })?;
    let rates = &mut pool.pending_commission_rate.contents;
    if let Some(entry) = rates.iter_mut().find(|e| e.key == effective_epoch) {
        entry.value = commission_rate;
    } else {
        rates.push(Entry {
            key: effective_epoch,
            value: commission_rate,
        });
    }
    Ok(())
}

/// `collect_commission` (package-internal): takes all commission.
pub fn collect_commission(pool: &mut StakingPool) -> u64 {
    std::mem::take(&mut pool.commission.value)
}

/// `retire` (package-internal).
pub fn retire(pool: &mut StakingPool, withdraw_epoch: u32) -> NResult<()> {
    ensure(is_active(pool), || abort("retire", E::EPoolAlreadyRetired))?;
    pool.state = PoolState::Withdrawing(withdraw_epoch);
    Ok(())
}

/// `assert_cap` (package-internal).
pub fn assert_cap(pool: &StakingPool, cap: &StorageNodeCap) -> NResult<()> {
    ensure(cap.node_id == pool.id.id, || {
        abort("assert_cap", E::EWrongCap)
    })
}

// === Accessors ===

/// `node_id`.
pub fn node_id(pool: &StakingPool) -> ObjectId {
    pool.id.id
}

/// `is_active`.
pub fn is_active(pool: &StakingPool) -> bool {
    pool.state == PoolState::Active
}

/// `is_withdrawn`.
pub fn is_withdrawn(pool: &StakingPool) -> bool {
    pool.state == PoolState::Withdrawn
}

/// `wal_balance_at_epoch`: the projected stake at `epoch`.
pub fn wal_balance_at_epoch(
    pool: &StakingPool,
    epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<u64> {
    let stake = sum_due(&pool.pending_stake, epoch)?;
    let shares = sum_due(&pool.pending_shares_withdraw, epoch)?;
    let rate = exchange_rate_at(pool, pool.latest_epoch, ctx)?;
    let current = PoolExchangeRate {
        wal_amount: u128::from(pool.wal_balance),
        share_amount: u128::from(pool.num_shares),
    };
    let withdrawn = if pool.num_shares > 0 {
        to_wal(&current, shares)?
    } else {
        to_wal(&rate, shares)?
    };
    let total = pool.wal_balance.checked_add(stake).ok_or_else(arithmetic)?;
    Ok(total.saturating_sub(withdrawn))
}

/// `exchange_rate_at`: the latest rate recorded at or before `epoch`.
pub fn exchange_rate_at(
    pool: &StakingPool,
    epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<PoolExchangeRate> {
    let mut epoch = epoch.min(pool.latest_epoch);
    loop {
        if table_contains(ctx, &pool.exchange_rates, epoch) {
            return ctx.df_borrow(table_parent(&pool.exchange_rates), &TypeTag::U32, &epoch);
        }
        if epoch <= pool.activation_epoch {
            return Ok(ONE_TO_ONE);
        }
        epoch -= 1;
    }
}

/// `shares_of`: the shares a `StakedWal` holds at its activation rate.
pub fn shares_of(pool: &StakingPool, staked: &StakedWal, ctx: &mut NativeCtx<'_>) -> NResult<u64> {
    to_shares(
        &exchange_rate_at(pool, staked.activation_epoch, ctx)?,
        staked.principal.value,
    )
}

/// `to_shares`.
pub fn to_shares(rate: &PoolExchangeRate, wal_amount: u64) -> NResult<u64> {
    if rate.wal_amount == 0 || rate.share_amount == 0 {
        return Ok(wal_amount);
    }
    let shares = u128::from(wal_amount)
        .checked_mul(rate.share_amount)
        .ok_or_else(arithmetic)?
        / rate.wal_amount;
    u64::try_from(shares).map_err(|_| arithmetic())
}

/// `to_wal`.
pub fn to_wal(rate: &PoolExchangeRate, shares: u64) -> NResult<u64> {
    if rate.wal_amount == 0 || rate.share_amount == 0 {
        return Ok(shares);
    }
    let wal = u128::from(shares)
        .checked_mul(rate.wal_amount)
        .ok_or_else(arithmetic)?
        / rate.share_amount;
    u64::try_from(wal).map_err(|_| arithmetic())
}

// === Pending-value helpers ===

fn add_to(map: &mut VecMap<u32, u64>, epoch: u32, amount: u64) -> NResult<()> {
    if let Some(entry) = map.contents.iter_mut().find(|e| e.key == epoch) {
        entry.value = entry.value.checked_add(amount).ok_or_else(arithmetic)?;
    } else {
        map.contents.push(Entry {
            key: epoch,
            value: amount,
        });
    }
    Ok(())
}

fn sub_from(map: &mut VecMap<u32, u64>, epoch: u32, amount: u64) -> NResult<()> {
    // `vec_map::get_mut` aborts with `EKeyDoesNotExist` (1).
    let index = map
        .contents
        .iter()
        .position(|e| e.key == epoch)
        .ok_or_else(|| super::framework_abort("vec_map", "get_mut", 1))?;
    let value = &mut map.contents[index].value;
    *value = value.checked_sub(amount).ok_or_else(arithmetic)?;
    if *value == 0 {
        map.contents.remove(index);
    }
    Ok(())
}

/// Removes and sums the entries due by `epoch`.
fn take_due(map: &mut VecMap<u32, u64>, epoch: u32) -> NResult<u64> {
    let total = sum_due(map, epoch)?;
    map.contents.retain(|e| e.key > epoch);
    Ok(total)
}

/// Sums the entries due by `epoch`.
fn sum_due(map: &VecMap<u32, u64>, epoch: u32) -> NResult<u64> {
    map.contents
        .iter()
        .filter(|e| e.key <= epoch)
        .try_fold(0u64, |total, e| total.checked_add(e.value))
        .ok_or_else(arithmetic)
}
