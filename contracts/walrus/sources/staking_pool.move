// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `StakingPool`: the stake accounting of one storage node. Its object ID is the node ID.
///
/// The pool is a share accountant. Principal stays inside each `StakedWal`; the pool tracks
/// `wal_balance` (active principal plus rewards) and `num_shares`, records an exchange rate each
/// epoch it advances, and holds the rewards and the operator's commission. A `StakedWal` activated
/// at epoch `a` holds `principal * shares(a) / wal(a)` shares; withdrawn at epoch `w` it is worth
/// `shares * wal(w) / shares(w)`, and the difference with the principal is its reward.
///
/// Invariant: a pool is advanced (`advance_epoch`) in every epoch in which it is in the committee,
/// the next committee or the active set, so rewards and pending stake are never skipped.
module walrus::staking_pool;

use std::string::String;
use sui::balance::{Self, Balance};
use sui::table::{Self, Table};
use sui::vec_map::{Self, VecMap};
use wal::wal::WAL;
use walrus::staked_wal::{Self, StakedWal};
use walrus::storage_node::{Self, StorageNodeInfo, StorageNodeCap};

/// The lifecycle of a pool.
public enum PoolState has copy, drop, store {
    /// Accepts stake and may be selected.
    Active,
    /// Retired: leaves the committee at the given epoch; accepts no new stake.
    Withdrawing(u32),
    /// Retired and out of every committee.
    Withdrawn,
}

/// The node's votes.
public struct VotingParams has copy, drop, store {
    storage_price: u64,
    write_price: u64,
    node_capacity: u64,
    /// The fraction of a failing node's pool to slash, in basis points (see
    /// `staking::set_slash_bps_vote`).
    slash_bps: u16,
}

/// The pool's exchange rate at one epoch: `wal_amount` WAL for `share_amount` shares. Zero amounts
/// mean one to one.
public struct PoolExchangeRate has copy, drop, store {
    wal_amount: u128,
    share_amount: u128,
}

/// A staking pool.
public struct StakingPool has key, store {
    id: UID,
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
    rewards_pool: Balance<WAL>,
    commission: Balance<WAL>,
}

/// 100% in basis points.
const N_BASIS_POINTS: u64 = 10_000;
/// The slash vote of a new pool (10%, the default of `challenges::ChallengeParams`).
const DEFAULT_SLASH_BPS_VOTE: u16 = 1_000;

/// The pool was already advanced to this epoch.
const EPoolAlreadyUpdated: u64 = 0;
/// The pool is not active (retired).
const EPoolIsNotActive: u64 = 1;
/// The stake is zero.
const EZeroStake: u64 = 2;
/// The `StakedWal` belongs to another pool.
const EIncorrectPoolId: u64 = 3;
/// The stake is not being withdrawn yet.
const ENotWithdrawing: u64 = 4;
/// The withdraw epoch has not been reached.
const EWithdrawEpochNotReached: u64 = 5;
/// The stake is not active yet; withdraw it directly instead of requesting.
const EWithdrawDirectly: u64 = 6;
/// The commission rate is above 100%.
const EIncorrectCommissionRate: u64 = 7;
/// The stake would have no shares.
const EZeroShares: u64 = 8;
/// The capability is for another node.
const EWrongCap: u64 = 9;
/// The stake was counted in the selected next committee and cannot leave before it activates.
const EActivationEpochNotReached: u64 = 10;
/// The pool is already retired.
const EPoolAlreadyRetired: u64 = 11;

/// Creates a pool for a new storage node. The pool's object ID is the node ID recorded in its
/// `StorageNodeInfo`. The UID is created here: Sui only accepts an object built from a UID that
/// comes directly from `object::new` in the same function.
public(package) fun new(
    name: String,
    network_address: String,
    public_key: vector<u8>,
    network_public_key: vector<u8>,
    commission_rate: u16,
    voting_params: VotingParams,
    activation_epoch: u32,
    ctx: &mut TxContext,
): StakingPool {
    assert!((commission_rate as u64) <= N_BASIS_POINTS, EIncorrectCommissionRate);
    let id = object::new(ctx);
    let node_info = storage_node::new(
        name,
        id.to_inner(),
        network_address,
        public_key,
        network_public_key,
    );
    let mut exchange_rates = table::new(ctx);
    exchange_rates.add(activation_epoch, PoolExchangeRate { wal_amount: 0, share_amount: 0 });
    StakingPool {
        id,
        state: PoolState::Active,
        voting_params,
        node_info,
        activation_epoch,
        latest_epoch: activation_epoch,
        wal_balance: 0,
        num_shares: 0,
        pending_stake: vec_map::empty(),
        pending_shares_withdraw: vec_map::empty(),
        commission_rate,
        pending_commission_rate: vec_map::empty(),
        exchange_rates,
        rewards_pool: balance::zero(),
        commission: balance::zero(),
    }
}

/// Creates voting parameters; the slash vote starts at the default (10%).
public(package) fun new_voting_params(
    storage_price: u64,
    write_price: u64,
    node_capacity: u64,
): VotingParams {
    VotingParams { storage_price, write_price, node_capacity, slash_bps: DEFAULT_SLASH_BPS_VOTE }
}

// === Staking ===

/// Stakes `principal` from `activation_epoch` on.
public(package) fun stake(
    self: &mut StakingPool,
    principal: Balance<WAL>,
    activation_epoch: u32,
    ctx: &mut TxContext,
): StakedWal {
    assert!(self.is_active(), EPoolIsNotActive);
    let amount = principal.value();
    assert!(amount > 0, EZeroStake);
    add_to(&mut self.pending_stake, activation_epoch, amount);
    staked_wal::mint(self.node_id(), principal, activation_epoch, ctx)
}

/// Requests the withdrawal of an active stake; it stops counting at `withdraw_epoch`.
public(package) fun request_withdraw(
    self: &mut StakingPool,
    staked_wal: &mut StakedWal,
    current_epoch: u32,
    withdraw_epoch: u32,
) {
    assert!(staked_wal.node_id() == self.node_id(), EIncorrectPoolId);
    assert!(staked_wal.activation_epoch() <= current_epoch, EWithdrawDirectly);
    let shares = self.shares_of(staked_wal);
    assert!(shares > 0, EZeroShares);
    add_to(&mut self.pending_shares_withdraw, withdraw_epoch, shares);
    staked_wal.set_withdrawing(withdraw_epoch);
}

/// Withdraws a stake: either an inactive stake directly (allowed when `can_leave_early`), or a
/// withdrawing stake whose withdraw epoch has been reached. Returns the principal plus rewards, the
/// reward amount, and the slashed shortfall: when a slash left the stake worth less than its
/// principal, the difference is split off the principal and returned separately (zero otherwise)
/// for the caller to put in the slashing fund.
public(package) fun withdraw(
    self: &mut StakingPool,
    staked_wal: StakedWal,
    current_epoch: u32,
    can_leave_early: bool,
): (Balance<WAL>, u64, Balance<WAL>) {
    assert!(staked_wal.node_id() == self.node_id(), EIncorrectPoolId);
    if (staked_wal.is_staked()) {
        assert!(staked_wal.activation_epoch() > current_epoch, ENotWithdrawing);
        assert!(can_leave_early, EActivationEpochNotReached);
        sub_from(&mut self.pending_stake, staked_wal.activation_epoch(), staked_wal.value());
        return (staked_wal.into_balance(), 0, balance::zero())
    };
    let withdraw_epoch = staked_wal.withdraw_epoch();
    assert!(withdraw_epoch <= current_epoch, EWithdrawEpochNotReached);
    let principal = staked_wal.value();
    let value = self.stake_value(principal, staked_wal.activation_epoch(), withdraw_epoch);
    let mut balance = staked_wal.into_balance();
    if (value < principal) {
        // Slashed below the principal: the shortfall leaves the stake, for the slashing fund.
        let shortfall = balance.split(principal - value);
        return (balance, 0, shortfall)
    };
    let rewards = value - principal;
    let paid = if (rewards > self.rewards_pool.value()) self.rewards_pool.value() else rewards;
    balance.join(self.rewards_pool.split(paid));
    (balance, paid, balance::zero())
}

/// What `principal` staked from `activation_epoch` is worth at `withdraw_epoch`: below the
/// principal if the pool was slashed by more than it earned.
public fun stake_value(
    self: &StakingPool,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: u32,
): u64 {
    let shares = to_shares(&self.exchange_rate_at(activation_epoch), principal);
    to_wal(&self.exchange_rate_at(withdraw_epoch), shares)
}

/// Slashes `slash_bps` basis points of the pool's active WAL. The exchange rate recorded at the
/// next `advance_epoch` carries the loss, so every stake counted now redeems for less. Returns the
/// slashed amount.
public(package) fun slash(self: &mut StakingPool, slash_bps: u16): u64 {
    let amount = (self.wal_balance as u128) * (slash_bps as u128) / (N_BASIS_POINTS as u128);
    let amount = amount as u64;
    self.wal_balance = self.wal_balance - amount;
    amount
}

/// The rewards of `principal` staked from `activation_epoch` to `withdraw_epoch`.
public fun calculate_rewards(
    self: &StakingPool,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: u32,
): u64 {
    let shares = to_shares(&self.exchange_rate_at(activation_epoch), principal);
    let value = to_wal(&self.exchange_rate_at(withdraw_epoch), shares);
    if (value > principal) value - principal else 0
}

// === Epoch advance ===

/// Advances the pool to `new_epoch`: takes the commission out of `reward` and adds the rest to the
/// pool, applies the commission rate due, records the exchange rate, then applies the stake and
/// withdrawals due by `new_epoch`. Returns the commission taken.
public(package) fun advance_epoch(
    self: &mut StakingPool,
    new_epoch: u32,
    mut reward: Balance<WAL>,
): u64 {
    assert!(self.latest_epoch < new_epoch, EPoolAlreadyUpdated);
    let reward_amount = reward.value();
    let commission = reward_amount * (self.commission_rate as u64) / N_BASIS_POINTS;
    self.commission.join(reward.split(commission));
    self.wal_balance = self.wal_balance + reward.value();
    self.rewards_pool.join(reward);

    // The latest pending commission rate due by `new_epoch` applies; older ones are dropped.
    let mut due_rate = option::none();
    let mut due_epoch = 0;
    let rates = &mut self.pending_commission_rate;
    let mut i = 0;
    while (i < rates.size()) {
        let (epoch, rate) = rates.get_entry_by_idx(i);
        if (*epoch <= new_epoch) {
            if (due_rate.is_none() || *epoch >= due_epoch) {
                due_epoch = *epoch;
                due_rate = option::some(*rate);
            };
            let epoch = *epoch;
            let (_, _) = rates.remove(&epoch);
        } else {
            i = i + 1;
        }
    };
    if (due_rate.is_some()) self.commission_rate = due_rate.destroy_some();

    let rate = PoolExchangeRate {
        wal_amount: self.wal_balance as u128,
        share_amount: self.num_shares as u128,
    };
    if (self.exchange_rates.contains(new_epoch)) {
        *self.exchange_rates.borrow_mut(new_epoch) = rate;
    } else {
        self.exchange_rates.add(new_epoch, rate);
    };

    let stake = take_due(&mut self.pending_stake, new_epoch);
    self.num_shares = self.num_shares + to_shares(&rate, stake);
    self.wal_balance = self.wal_balance + stake;

    let shares = take_due(&mut self.pending_shares_withdraw, new_epoch);
    let withdrawn = to_wal(&rate, shares);
    self.num_shares = if (shares > self.num_shares) 0 else self.num_shares - shares;
    self.wal_balance = if (withdrawn > self.wal_balance) 0 else self.wal_balance - withdrawn;

    let state = self.state;
    match (state) {
        PoolState::Withdrawing(epoch) => if (new_epoch >= epoch) self.state = PoolState::Withdrawn,
        _ => (),
    };
    self.latest_epoch = new_epoch;
    commission
}

// === Node operations ===

/// Sets the commission rate that applies from `effective_epoch` on.
public(package) fun set_next_commission(
    self: &mut StakingPool,
    commission_rate: u16,
    effective_epoch: u32,
) {
    assert!((commission_rate as u64) <= N_BASIS_POINTS, EIncorrectCommissionRate);
    if (self.pending_commission_rate.contains(&effective_epoch)) {
        *self.pending_commission_rate.get_mut(&effective_epoch) = commission_rate;
    } else {
        self.pending_commission_rate.insert(effective_epoch, commission_rate);
    }
}

/// Takes all collected commission.
public(package) fun collect_commission(self: &mut StakingPool): Balance<WAL> {
    self.commission.withdraw_all()
}

/// Retires the pool: no new stake, and it leaves the committee at `withdraw_epoch`.
public(package) fun retire(self: &mut StakingPool, withdraw_epoch: u32) {
    assert!(self.is_active(), EPoolAlreadyRetired);
    self.state = PoolState::Withdrawing(withdraw_epoch);
}

/// Sets the storage price vote.
public(package) fun set_storage_price_vote(self: &mut StakingPool, price: u64) {
    self.voting_params.storage_price = price;
}

/// Sets the write price vote.
public(package) fun set_write_price_vote(self: &mut StakingPool, price: u64) {
    self.voting_params.write_price = price;
}

/// Sets the capacity vote.
public(package) fun set_node_capacity_vote(self: &mut StakingPool, capacity: u64) {
    self.voting_params.node_capacity = capacity;
}

/// Sets the slash vote (basis points; the caller checked the range).
public(package) fun set_slash_bps_vote(self: &mut StakingPool, slash_bps: u16) {
    self.voting_params.slash_bps = slash_bps;
}

/// Mutable node information.
public(package) fun node_info_mut(self: &mut StakingPool): &mut StorageNodeInfo {
    &mut self.node_info
}

/// Checks that `cap` controls this pool.
public(package) fun assert_cap(self: &StakingPool, cap: &StorageNodeCap) {
    assert!(cap.node_id() == self.node_id(), EWrongCap);
}

// === Accessors ===

/// The node ID (the pool's object ID).
public fun node_id(self: &StakingPool): ID { self.id.to_inner() }

/// Whether the pool accepts stake.
public fun is_active(self: &StakingPool): bool { self.state == PoolState::Active }

/// Whether the pool is fully retired.
public fun is_withdrawn(self: &StakingPool): bool { self.state == PoolState::Withdrawn }

/// The node information.
public fun node_info(self: &StakingPool): &StorageNodeInfo { &self.node_info }

/// The node name.
public fun name(self: &StakingPool): &String { self.node_info.name() }

/// The storage price vote.
public fun storage_price(self: &StakingPool): u64 { self.voting_params.storage_price }

/// The write price vote.
public fun write_price(self: &StakingPool): u64 { self.voting_params.write_price }

/// The capacity vote.
public fun node_capacity(self: &StakingPool): u64 { self.voting_params.node_capacity }

/// The slash vote in basis points.
public fun slash_bps_vote(self: &StakingPool): u16 { self.voting_params.slash_bps }

/// The commission rate in basis points.
public fun commission_rate(self: &StakingPool): u16 { self.commission_rate }

/// The commission collectable now.
public fun commission_amount(self: &StakingPool): u64 { self.commission.value() }

/// The rewards held for stakers.
public fun rewards_amount(self: &StakingPool): u64 { self.rewards_pool.value() }

/// The active stake plus rewards.
public fun wal_balance(self: &StakingPool): u64 { self.wal_balance }

/// The number of shares.
public fun num_shares(self: &StakingPool): u64 { self.num_shares }

/// The epoch the pool was created for.
public fun activation_epoch(self: &StakingPool): u32 { self.activation_epoch }

/// The epoch the pool was last advanced to.
public fun latest_epoch(self: &StakingPool): u32 { self.latest_epoch }

/// The projected stake at `epoch`: the balance plus pending stake due by then, minus pending
/// withdrawals due by then (valued at the latest rate).
public fun wal_balance_at_epoch(self: &StakingPool, epoch: u32): u64 {
    let stake = sum_due(&self.pending_stake, epoch);
    let shares = sum_due(&self.pending_shares_withdraw, epoch);
    let rate = self.exchange_rate_at(self.latest_epoch);
    let current = PoolExchangeRate {
        wal_amount: self.wal_balance as u128,
        share_amount: self.num_shares as u128,
    };
    let withdrawn = if (self.num_shares > 0) to_wal(&current, shares) else to_wal(&rate, shares);
    let total = self.wal_balance + stake;
    if (withdrawn > total) 0 else total - withdrawn
}

/// The exchange rate in effect at `epoch`: the latest one recorded at or before it.
public fun exchange_rate_at(self: &StakingPool, epoch: u32): PoolExchangeRate {
    let mut epoch = if (epoch > self.latest_epoch) self.latest_epoch else epoch;
    loop {
        if (self.exchange_rates.contains(epoch)) return *self.exchange_rates.borrow(epoch);
        if (epoch <= self.activation_epoch)
            return PoolExchangeRate { wal_amount: 0, share_amount: 0 };
        epoch = epoch - 1;
    }
}

/// The shares a `StakedWal` holds (at its activation rate).
public fun shares_of(self: &StakingPool, staked_wal: &StakedWal): u64 {
    to_shares(&self.exchange_rate_at(staked_wal.activation_epoch()), staked_wal.value())
}

/// Converts WAL to shares at `rate`.
public fun to_shares(rate: &PoolExchangeRate, wal_amount: u64): u64 {
    if (rate.wal_amount == 0 || rate.share_amount == 0) return wal_amount;
    ((wal_amount as u128) * rate.share_amount / rate.wal_amount) as u64
}

/// Converts shares to WAL at `rate`.
public fun to_wal(rate: &PoolExchangeRate, shares: u64): u64 {
    if (rate.wal_amount == 0 || rate.share_amount == 0) return shares;
    ((shares as u128) * rate.wal_amount / rate.share_amount) as u64
}

// === Pending-value helpers ===

fun add_to(map: &mut VecMap<u32, u64>, epoch: u32, amount: u64) {
    if (map.contains(&epoch)) {
        let value = map.get_mut(&epoch);
        *value = *value + amount;
    } else {
        map.insert(epoch, amount);
    }
}

fun sub_from(map: &mut VecMap<u32, u64>, epoch: u32, amount: u64) {
    let value = map.get_mut(&epoch);
    *value = *value - amount;
    if (*value == 0) {
        let (_, _) = map.remove(&epoch);
    }
}

/// Removes and sums the entries due by `epoch`.
fun take_due(map: &mut VecMap<u32, u64>, epoch: u32): u64 {
    let mut total = 0;
    let mut i = 0;
    while (i < map.size()) {
        let (key, value) = map.get_entry_by_idx(i);
        if (*key <= epoch) {
            total = total + *value;
            let key = *key;
            let (_, _) = map.remove(&key);
        } else {
            i = i + 1;
        }
    };
    total
}

/// Sums the entries due by `epoch`.
fun sum_due(map: &VecMap<u32, u64>, epoch: u32): u64 {
    let mut total = 0;
    let mut i = 0;
    while (i < map.size()) {
        let (key, value) = map.get_entry_by_idx(i);
        if (*key <= epoch) total = total + *value;
        i = i + 1;
    };
    total
}

#[test_only]
/// Destroys a pool in tests.
public fun destroy_for_test(self: StakingPool) {
    std::unit_test::destroy(self);
}
