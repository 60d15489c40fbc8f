// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `Staking`: the shared object that holds the storage nodes' staking pools, the active set, the
/// committees and the epoch state machine.
///
/// Epoch change, in three permissionless steps driven by the nodes:
/// 1. `voting_end`, once half the epoch has passed since the last sync quorum: selects the next
///    committee from the active set by stake (D'Hondt apportionment, per-node cap, minimal shard
///    movement) and the next parameters (prices at the shard-weighted 2/3 point of the next
///    committee's votes, capacity at the largest value a quorum voted for). Emits
///    `EpochParametersSelected`.
/// 2. `initiate_epoch_change`, once the full epoch has passed: closes the epoch's storage
///    challenges, pays the ending epoch's storage fees to the ending committee's pools by shard
///    weight scaled by their challenge pass rate, slashes the pools of nodes that failed too many
///    epochs in a row (`NodeSlashed`), advances the `System` and every affected pool to the next
///    epoch, sets the slash fraction of the new epoch from the new committee's slash votes, and
///    emits `EpochChangeStart` (and `PricesUpdated`).
/// 3. `epoch_sync_done`, by each new committee member once it holds its shards: at a quorum of
///    shards the change is done (`EpochChangeDone`); the next epoch's timer starts then.
///
/// Like `System`, the state is a versioned inner value in a dynamic field.
module walrus::staking;

use std::string::String;
use sui::clock::Clock;
use sui::coin::{Self, Coin};
use sui::dynamic_field;
use sui::object_table::{Self, ObjectTable};
use sui::vec_map::{Self, VecMap};
use wal::wal::WAL;
use walrus::active_set::{Self, ActiveSet};
use walrus::bls_aggregate::{Self, is_quorum};
use walrus::committee::{Self, Committee};
use walrus::events;
use walrus::messages;
use walrus::staked_wal::StakedWal;
use walrus::staking_pool::{Self, StakingPool};
use walrus::storage_node::{Self, StorageNodeCap};
use walrus::system::System;

/// The shared staking object.
public struct Staking has key {
    id: UID,
    version: u64,
}

/// The parameters selected for the next epoch.
public struct EpochParams has copy, drop, store {
    total_capacity_size: u64,
    storage_price_per_unit_size: u64,
    write_price_per_unit_size: u64,
}

/// Where the epoch change stands.
public enum EpochState has copy, drop, store {
    /// The epoch changed; the payload is the shard weight that reported sync so far.
    EpochChangeSync(u16),
    /// A quorum synced at the given time (ms); the epoch is running.
    EpochChangeDone(u64),
    /// The next committee and parameters are selected; the payload is the same time.
    NextParamsSelected(u64),
}

/// The staking state, stored under the key `VERSION`.
public struct StakingInnerV1 has store {
    n_shards: u16,
    epoch_duration: u64,
    first_epoch_start: u64,
    pools: ObjectTable<ID, StakingPool>,
    epoch: u32,
    active_set: ActiveSet,
    next_committee: Option<Committee>,
    committee: Committee,
    previous_committee: Committee,
    next_epoch_params: Option<EpochParams>,
    epoch_state: EpochState,
}

/// The current version of the staking state layout.
const VERSION: u64 = 1;
/// The maximum number of nodes in the active set.
const MAX_ACTIVE_SET_SIZE: u16 = 150;

/// The object's version differs from the package's `VERSION`.
const EWrongVersion: u64 = 0;
/// The operation is not allowed in the current epoch state.
const EWrongEpochState: u64 = 1;
/// `epoch_sync_done` was called for another epoch.
const EInvalidSyncEpoch: u64 = 2;
/// The node already reported sync for this epoch.
const EDuplicateSyncDone: u64 = 3;
/// The node is not in the current committee.
const ENotInCommittee: u64 = 4;
/// It is too early for this epoch-change step.
const ETooEarly: u64 = 5;
/// No staking pool exists for the node ID.
const EPoolNotFound: u64 = 6;
/// The proof of possession of the BLS key does not verify.
const EInvalidProofOfPossession: u64 = 7;
/// The active set is empty: there is no stake to select a committee from.
const ENoStake: u64 = 8;
/// The slash vote is above 100% (10_000 basis points).
const EInvalidSlashBps: u64 = 9;

// === Creation ===

/// Creates and shares the staking object for epoch 0. The first epoch starts at
/// `now + epoch_zero_duration`.
public(package) fun create(
    epoch_zero_duration: u64,
    epoch_duration: u64,
    n_shards: u16,
    clock: &Clock,
    ctx: &mut TxContext,
): ID {
    let mut staking = Staking { id: object::new(ctx), version: VERSION };
    let now = clock.timestamp_ms();
    let inner = StakingInnerV1 {
        n_shards,
        epoch_duration,
        first_epoch_start: now + epoch_zero_duration,
        pools: object_table::new(ctx),
        epoch: 0,
        active_set: active_set::new(MAX_ACTIVE_SET_SIZE),
        next_committee: option::none(),
        committee: committee::empty(),
        previous_committee: committee::empty(),
        next_epoch_params: option::none(),
        epoch_state: EpochState::EpochChangeDone(now),
    };
    dynamic_field::add(&mut staking.id, VERSION, inner);
    let id = object::id(&staking);
    transfer::share_object(staking);
    id
}

// === Node lifecycle ===

/// Registers a storage node candidate and returns its capability. The BLS key must come with a
/// proof of possession signed over `(epoch, sender, public_key)`. The node enters the active set
/// once it has stake. Emits `NodeRegistered`.
public fun register_candidate(
    self: &mut Staking,
    name: String,
    network_address: String,
    public_key: vector<u8>,
    network_public_key: vector<u8>,
    proof_of_possession: vector<u8>,
    commission_rate: u16,
    storage_price: u64,
    write_price: u64,
    node_capacity: u64,
    ctx: &mut TxContext,
): StorageNodeCap {
    let epoch = self.epoch();
    let pop_message = messages::proof_of_possession_bytes(epoch, ctx.sender(), public_key);
    assert!(
        sui::bls12381::bls12381_min_pk_verify(&proof_of_possession, &public_key, &pop_message),
        EInvalidProofOfPossession,
    );
    let inner = self.inner_mut();
    let activation_epoch = if (inner.next_committee.is_some()) epoch + 1 else epoch;
    let pool = staking_pool::new(
        name,
        network_address,
        public_key,
        network_public_key,
        commission_rate,
        staking_pool::new_voting_params(storage_price, write_price, node_capacity),
        activation_epoch,
        ctx,
    );
    let node_id = pool.node_id();
    inner.pools.add(node_id, pool);
    let cap = storage_node::new_cap(node_id, ctx);
    events::emit_node_registered(epoch, node_id, object::id(&cap), commission_rate);
    cap
}

/// Sets the commission rate (basis points) that applies two epochs from now. Emits
/// `CommissionRateSet`.
public fun set_next_commission(self: &mut Staking, cap: &StorageNodeCap, commission_rate: u16) {
    let epoch = self.epoch();
    let pool = self.pool_mut_with_cap(cap);
    pool.set_next_commission(commission_rate, epoch + 2);
    events::emit_commission_rate_set(epoch, cap.node_id(), commission_rate, epoch + 2);
}

/// Sets the node's storage price vote. Emits `VotesUpdated`.
public fun set_storage_price_vote(self: &mut Staking, cap: &StorageNodeCap, storage_price: u64) {
    self.pool_mut_with_cap(cap).set_storage_price_vote(storage_price);
    self.emit_votes(cap.node_id());
}

/// Sets the node's write price vote. Emits `VotesUpdated`.
public fun set_write_price_vote(self: &mut Staking, cap: &StorageNodeCap, write_price: u64) {
    self.pool_mut_with_cap(cap).set_write_price_vote(write_price);
    self.emit_votes(cap.node_id());
}

/// Sets the node's capacity vote (encoded bytes the node offers). Emits `VotesUpdated`.
public fun set_node_capacity_vote(self: &mut Staking, cap: &StorageNodeCap, node_capacity: u64) {
    self.pool_mut_with_cap(cap).set_node_capacity_vote(node_capacity);
    self.emit_votes(cap.node_id());
}

/// Sets the node's slash vote: the fraction of a failing node's pool to slash, in basis points
/// (at most 10_000). At each epoch change the slash fraction of the new epoch is the largest value
/// that nodes holding a quorum of the new committee's shards voted at least (they agree it is not
/// too high). Emits `SlashVoteUpdated`.
public fun set_slash_bps_vote(self: &mut Staking, cap: &StorageNodeCap, slash_bps: u16) {
    assert!((slash_bps as u64) <= 10_000, EInvalidSlashBps);
    self.pool_mut_with_cap(cap).set_slash_bps_vote(slash_bps);
    events::emit_slash_vote_updated(self.epoch(), cap.node_id(), slash_bps);
}

/// Sets the node's name. Emits `NodeParametersUpdated`.
public fun set_name(self: &mut Staking, cap: &StorageNodeCap, name: String) {
    self.pool_mut_with_cap(cap).node_info_mut().set_name(name);
    events::emit_node_parameters_updated(self.epoch(), cap.node_id());
}

/// Sets the node's network address. Emits `NodeParametersUpdated`.
public fun set_network_address(self: &mut Staking, cap: &StorageNodeCap, network_address: String) {
    self.pool_mut_with_cap(cap).node_info_mut().set_network_address(network_address);
    events::emit_node_parameters_updated(self.epoch(), cap.node_id());
}

/// Sets the node's network public key (33 bytes). Emits `NodeParametersUpdated`.
public fun set_network_public_key(
    self: &mut Staking,
    cap: &StorageNodeCap,
    network_public_key: vector<u8>,
) {
    self.pool_mut_with_cap(cap).node_info_mut().set_network_public_key(network_public_key);
    events::emit_node_parameters_updated(self.epoch(), cap.node_id());
}

/// Collects the node's commission. Emits `CommissionCollected`.
public fun collect_commission(
    self: &mut Staking,
    cap: &StorageNodeCap,
    ctx: &mut TxContext,
): Coin<WAL> {
    let epoch = self.epoch();
    let balance = self.pool_mut_with_cap(cap).collect_commission();
    events::emit_commission_collected(epoch, cap.node_id(), balance.value());
    coin::from_balance(balance, ctx)
}

/// Retires the node: its pool takes no new stake, it leaves the active set now and the committee
/// at the next selection. Stakers then withdraw as usual. Emits `NodeRetired`.
public fun retire_node(self: &mut Staking, cap: &StorageNodeCap) {
    let epoch = self.epoch();
    let inner = self.inner_mut();
    let withdraw_epoch = if (inner.next_committee.is_some()) epoch + 2 else epoch + 1;
    let node_id = cap.node_id();
    let pool = inner.pool_mut(node_id);
    pool.assert_cap(cap);
    pool.retire(withdraw_epoch);
    inner.active_set.remove(node_id);
    events::emit_node_retired(epoch, node_id, withdraw_epoch);
}

/// Re-enters the node in the active set with its projected stake (e.g. after it was displaced).
public fun try_join_active_set(self: &mut Staking, cap: &StorageNodeCap) {
    let inner = self.inner_mut();
    inner.pool_mut(cap.node_id()).assert_cap(cap);
    inner.refresh_active_set(cap.node_id());
}

// === Staking ===

/// Stakes `to_stake` with the pool of `node_id`. The stake counts from the next epoch, or the one
/// after if the next committee is already selected. Emits `StakeDeposited`.
public fun stake_with_pool(
    self: &mut Staking,
    to_stake: Coin<WAL>,
    node_id: ID,
    ctx: &mut TxContext,
): StakedWal {
    let epoch = self.epoch();
    let inner = self.inner_mut();
    let activation_epoch = inner.next_change_epoch();
    let amount = to_stake.value();
    let staked = inner.pool_mut(node_id).stake(to_stake.into_balance(), activation_epoch, ctx);
    inner.refresh_active_set(node_id);
    events::emit_stake_deposited(epoch, node_id, staked.id(), amount, activation_epoch);
    staked
}

/// Requests the withdrawal of an active stake. It stops counting at the next epoch change that
/// has not yet selected its committee. Emits `StakeWithdrawalRequested`.
public fun request_withdraw_stake(self: &mut Staking, staked_wal: &mut StakedWal) {
    let epoch = self.epoch();
    let inner = self.inner_mut();
    let withdraw_epoch = inner.next_change_epoch();
    let node_id = staked_wal.node_id();
    inner.pool_mut(node_id).request_withdraw(staked_wal, epoch, withdraw_epoch);
    inner.refresh_active_set(node_id);
    events::emit_stake_withdrawal_requested(
        epoch,
        node_id,
        staked_wal.id(),
        staked_wal.value(),
        withdraw_epoch,
    );
}

/// Withdraws a stake with its rewards: a withdrawing stake once its withdraw epoch is reached, or a
/// stake that is not active yet (unless it was counted in the already selected next committee).
/// If a slash left the stake worth less than its principal, the shortfall goes to the slashing
/// fund in `system` (`challenges::slashed_fund`). Emits `StakeWithdrawn`.
public fun withdraw_stake(
    self: &mut Staking,
    system: &mut System,
    staked_wal: StakedWal,
    ctx: &mut TxContext,
): Coin<WAL> {
    let epoch = self.epoch();
    let inner = self.inner_mut();
    let node_id = staked_wal.node_id();
    let staked_wal_id = staked_wal.id();
    let principal = staked_wal.value();
    let can_leave_early =
        staked_wal.activation_epoch() > epoch + 1 || !inner.next_committee.is_some();
    let (balance, rewards, shortfall) = inner
        .pool_mut(node_id)
        .withdraw(staked_wal, epoch, can_leave_early);
    system.deposit_slashed(shortfall);
    inner.refresh_active_set(node_id);
    events::emit_stake_withdrawn(epoch, node_id, staked_wal_id, principal, rewards);
    coin::from_balance(balance, ctx)
}

// === Epoch change ===

/// Selects the next committee and parameters. Allowed once half the epoch has passed since the
/// sync quorum (in epoch 0: once the first epoch's start time is reached). Emits
/// `EpochParametersSelected`.
public fun voting_end(self: &mut Staking, clock: &Clock) {
    let inner = self.inner_mut();
    let now = clock.timestamp_ms();
    let state = inner.epoch_state;
    let last_change = match (state) {
        EpochState::EpochChangeDone(time) => time,
        _ => abort EWrongEpochState,
    };
    if (inner.epoch == 0) {
        assert!(now >= inner.first_epoch_start, ETooEarly);
    } else {
        assert!(now >= last_change + inner.epoch_duration / 2, ETooEarly);
    };

    // Committee: apportion the shards over the active set by stake.
    let node_ids = inner.active_set.node_ids();
    assert!(!node_ids.is_empty(), ENoStake);
    let shard_counts = committee::apportion(inner.n_shards, &inner.active_set.stakes());
    let mut assignments = vec_map::empty();
    node_ids.zip_do!(shard_counts, |node_id, count| {
        if (count > 0) assignments.insert(node_id, count);
    });
    let next_committee = if (inner.committee.size() == 0) {
        committee::initialize(assignments)
    } else {
        inner.committee.transition(assignments)
    };

    // Parameters from the next committee's votes, weighted by shards.
    let mut storage_votes = vector[];
    let mut write_votes = vector[];
    let mut capacity_votes = vector[];
    let mut weights = vector[];
    let n_shards = inner.n_shards;
    next_committee.node_ids().do!(|node_id| {
        let weight = next_committee.shards(&node_id).length();
        let pool = inner.pools.borrow(node_id);
        storage_votes.push_back(pool.storage_price());
        write_votes.push_back(pool.write_price());
        // A node's capacity vote scaled to the whole system by its share of the shards.
        let scaled = (pool.node_capacity() as u128) * (n_shards as u128) / (weight as u128);
        let max = 0xFFFF_FFFF_FFFF_FFFF;
        capacity_votes.push_back(if (scaled > max) (max as u64) else (scaled as u64));
        weights.push_back(weight as u16);
    });
    let params = EpochParams {
        total_capacity_size: quorum_above(capacity_votes, weights, n_shards),
        storage_price_per_unit_size: quorum_below(storage_votes, weights, n_shards),
        write_price_per_unit_size: quorum_below(write_votes, weights, n_shards),
    };
    inner.next_committee = option::some(next_committee);
    inner.next_epoch_params = option::some(params);
    inner.epoch_state = EpochState::NextParamsSelected(last_change);
    events::emit_epoch_parameters_selected(inner.epoch + 1);
}

/// Ends the epoch: once the full epoch has passed since the sync quorum (in epoch 0: at the first
/// epoch's start), pays the ending epoch's fees to its committee's pools, installs the next
/// committee in the `System` and here, advances the pools, and emits `EpochChangeStart` (the
/// `System` emits `PricesUpdated`).
public fun initiate_epoch_change(
    self: &mut Staking,
    system: &mut System,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    let inner = self.inner_mut();
    let now = clock.timestamp_ms();
    let state = inner.epoch_state;
    let last_change = match (state) {
        EpochState::NextParamsSelected(time) => time,
        _ => abort EWrongEpochState,
    };
    if (inner.epoch == 0) {
        assert!(now >= inner.first_epoch_start, ETooEarly);
    } else {
        assert!(now >= last_change + inner.epoch_duration, ETooEarly);
    };
    let next_committee = inner.next_committee.extract();
    let params = inner.next_epoch_params.extract();
    let new_epoch = inner.epoch + 1;

    // The BLS committee of the new epoch, in node-ID order, with the pools' keys.
    let members = next_committee.node_ids().map!(|node_id| {
        let pool = inner.pools.borrow(node_id);
        let weight = next_committee.shards(&node_id).length() as u16;
        bls_aggregate::new_bls_committee_member(*pool.node_info().public_key(), weight, node_id)
    });
    let bls_committee = bls_aggregate::new_bls_committee(new_epoch, members);
    let (paid_nodes, mut rewards, to_slash) = system.advance_epoch(
        bls_committee,
        params.total_capacity_size,
        params.storage_price_per_unit_size,
        params.write_price_per_unit_size,
        ctx,
    );

    // Slash the pools whose nodes failed their challenges too often (before the exchange rate of
    // the new epoch is recorded), pay the ending committee and advance its pools.
    let slash_bps = system.slash_bps();
    rewards.reverse();
    paid_nodes.do_ref!(|node_id| {
        if (to_slash.contains(node_id)) {
            let slashed = inner.pools.borrow_mut(*node_id).slash(slash_bps);
            system.record_slash(slashed);
            events::emit_node_slashed(new_epoch - 1, *node_id, slashed);
        };
        let reward = rewards.pop_back();
        let amount = reward.value();
        let commission = inner.pools.borrow_mut(*node_id).advance_epoch(new_epoch, reward);
        events::emit_pool_rewarded(new_epoch - 1, *node_id, amount, commission);
    });
    rewards.destroy_empty();

    inner.epoch = new_epoch;
    inner.previous_committee = inner.committee;
    inner.committee = next_committee;
    inner.epoch_state = EpochState::EpochChangeSync(0);

    // The slash fraction in force during the new epoch (applied when it closes): the largest
    // value a quorum of the new committee's shards voted at least.
    let mut slash_votes = vector[];
    let mut slash_weights = vector[];
    inner.committee.node_ids().do!(|node_id| {
        slash_votes.push_back(inner.pools.borrow(node_id).slash_bps_vote() as u64);
        slash_weights.push_back(inner.committee.shards(&node_id).length() as u16);
    });
    system.set_slash_bps(quorum_above(slash_votes, slash_weights, inner.n_shards) as u16);

    // Advance every other pool that can be selected or holds shards, then refresh the active set
    // with the stake projected for the next selection.
    let mut to_advance = inner.committee.node_ids();
    to_advance.append(inner.active_set.node_ids());
    to_advance.append(paid_nodes);
    to_advance.do!(|node_id| {
        let pool = inner.pools.borrow_mut(node_id);
        if (pool.latest_epoch() < new_epoch) {
            pool.advance_epoch(new_epoch, sui::balance::zero());
        };
        inner.refresh_active_set(node_id);
    });
    events::emit_epoch_change_start(new_epoch);
}

/// Reports that the node holds all its shards for `epoch`. At a quorum of shards the epoch change
/// is done (`EpochChangeDone`). Always emits `ShardsReceived`.
public fun epoch_sync_done(
    self: &mut Staking,
    cap: &mut StorageNodeCap,
    epoch: u32,
    clock: &Clock,
) {
    let inner = self.inner_mut();
    assert!(epoch == inner.epoch, EInvalidSyncEpoch);
    assert!(cap.last_epoch_sync_done() < epoch, EDuplicateSyncDone);
    let node_id = cap.node_id();
    assert!(inner.committee.contains(&node_id), ENotInCommittee);
    cap.set_last_epoch_sync_done(epoch);
    let shards = *inner.committee.shards(&node_id);
    let state = inner.epoch_state;
    match (state) {
        EpochState::EpochChangeSync(weight) => {
            let weight = weight + (shards.length() as u16);
            if (is_quorum(weight, inner.n_shards)) {
                inner.epoch_state = EpochState::EpochChangeDone(clock.timestamp_ms());
                events::emit_epoch_change_done(epoch);
            } else {
                inner.epoch_state = EpochState::EpochChangeSync(weight);
            }
        },
        _ => (),
    };
    events::emit_shards_received(epoch, shards);
}

// === Read-only accessors ===

/// The current epoch.
public fun epoch(self: &Staking): u32 { self.inner().epoch }

/// The number of shards.
public fun n_shards(self: &Staking): u16 { self.inner().n_shards }

/// The epoch duration in ms.
public fun epoch_duration(self: &Staking): u64 { self.inner().epoch_duration }

/// The start time of epoch 1 in ms.
public fun first_epoch_start(self: &Staking): u64 { self.inner().first_epoch_start }

/// The current committee.
public fun committee(self: &Staking): &Committee { &self.inner().committee }

/// The previous committee.
public fun previous_committee(self: &Staking): &Committee { &self.inner().previous_committee }

/// The selected next committee, if any.
public fun next_committee(self: &Staking): &Option<Committee> { &self.inner().next_committee }

/// The active set.
public fun active_set(self: &Staking): &ActiveSet { &self.inner().active_set }

/// The epoch state.
public fun epoch_state(self: &Staking): EpochState { self.inner().epoch_state }

/// Whether the next committee is selected.
public fun is_next_committee_selected(self: &Staking): bool {
    self.inner().next_committee.is_some()
}

/// Whether a pool exists for `node_id`.
public fun has_pool(self: &Staking, node_id: ID): bool { self.inner().pools.contains(node_id) }

/// The pool of `node_id`.
public fun pool(self: &Staking, node_id: ID): &StakingPool {
    let inner = self.inner();
    assert!(inner.pools.contains(node_id), EPoolNotFound);
    inner.pools.borrow(node_id)
}

/// The rewards `principal` earns with `node_id` from `activation_epoch` to `withdraw_epoch`.
public fun calculate_rewards(
    self: &Staking,
    node_id: ID,
    principal: u64,
    activation_epoch: u32,
    withdraw_epoch: u32,
): u64 {
    self.pool(node_id).calculate_rewards(principal, activation_epoch, withdraw_epoch)
}

/// The next-epoch parameters, once selected: capacity, storage price, write price.
public fun next_epoch_params(self: &Staking): Option<EpochParams> {
    self.inner().next_epoch_params
}

/// The selected capacity.
public fun params_total_capacity_size(params: &EpochParams): u64 { params.total_capacity_size }

/// The selected storage price.
public fun params_storage_price(params: &EpochParams): u64 { params.storage_price_per_unit_size }

/// The selected write price.
public fun params_write_price(params: &EpochParams): u64 { params.write_price_per_unit_size }

// === Vote aggregation ===

/// The smallest value `v` such that a quorum of shards voted at most `v` (the shard-weighted 2/3
/// point from below). Zero weights are ignored; `u64::MAX` if nobody voted.
public fun quorum_below(votes: vector<u64>, weights: vector<u16>, n_shards: u16): u64 {
    let (sorted, sorted_weights) = sort_votes(votes, weights);
    let mut weight: u16 = 0;
    let mut i = 0;
    while (i < sorted.length()) {
        weight = weight + sorted_weights[i];
        if (is_quorum(weight, n_shards)) return sorted[i];
        i = i + 1;
    };
    0xFFFF_FFFF_FFFF_FFFF
}

/// The largest value `v` such that a quorum of shards voted at least `v`. Zero if nobody voted.
public fun quorum_above(votes: vector<u64>, weights: vector<u16>, n_shards: u16): u64 {
    let (sorted, sorted_weights) = sort_votes(votes, weights);
    let mut weight: u16 = 0;
    let mut i = sorted.length();
    while (i > 0) {
        i = i - 1;
        weight = weight + sorted_weights[i];
        if (is_quorum(weight, n_shards)) return sorted[i];
    };
    0
}

/// Sorts votes ascending, carrying their weights along (insertion sort; committees are small).
fun sort_votes(mut votes: vector<u64>, mut weights: vector<u16>): (vector<u64>, vector<u16>) {
    let n = votes.length();
    let mut i = 1;
    while (i < n) {
        let mut j = i;
        while (j > 0 && votes[j - 1] > votes[j]) {
            votes.swap(j - 1, j);
            weights.swap(j - 1, j);
            j = j - 1;
        };
        i = i + 1;
    };
    (votes, weights)
}

// === Internal ===

fun inner(self: &Staking): &StakingInnerV1 {
    assert!(self.version == VERSION, EWrongVersion);
    dynamic_field::borrow(&self.id, VERSION)
}

fun inner_mut(self: &mut Staking): &mut StakingInnerV1 {
    assert!(self.version == VERSION, EWrongVersion);
    dynamic_field::borrow_mut(&mut self.id, VERSION)
}

/// The first epoch whose committee is not selected yet: stake changes take effect then.
fun next_change_epoch(self: &StakingInnerV1): u32 {
    if (self.next_committee.is_some()) self.epoch + 2 else self.epoch + 1
}

fun pool_mut(self: &mut StakingInnerV1, node_id: ID): &mut StakingPool {
    assert!(self.pools.contains(node_id), EPoolNotFound);
    self.pools.borrow_mut(node_id)
}

fun pool_mut_with_cap(self: &mut Staking, cap: &StorageNodeCap): &mut StakingPool {
    let pool = self.inner_mut().pool_mut(cap.node_id());
    pool.assert_cap(cap);
    pool
}

/// Updates the active-set entry of `node_id` with its stake projected for the next selection.
/// Retired pools are kept out.
fun refresh_active_set(self: &mut StakingInnerV1, node_id: ID) {
    let epoch = self.next_change_epoch();
    let pool = self.pools.borrow(node_id);
    let stake = if (pool.is_active()) pool.wal_balance_at_epoch(epoch) else 0;
    self.active_set.upsert(node_id, stake);
}

fun emit_votes(self: &Staking, node_id: ID) {
    let pool = self.pool(node_id);
    events::emit_votes_updated(
        self.epoch(),
        node_id,
        pool.storage_price(),
        pool.write_price(),
        pool.node_capacity(),
    );
}

#[test_only]
/// Creates a staking object (not shared) for tests.
public fun new_for_test(
    epoch_zero_duration: u64,
    epoch_duration: u64,
    n_shards: u16,
    clock: &Clock,
    ctx: &mut TxContext,
): Staking {
    let mut staking = Staking { id: object::new(ctx), version: VERSION };
    let now = clock.timestamp_ms();
    let inner = StakingInnerV1 {
        n_shards,
        epoch_duration,
        first_epoch_start: now + epoch_zero_duration,
        pools: object_table::new(ctx),
        epoch: 0,
        active_set: active_set::new(MAX_ACTIVE_SET_SIZE),
        next_committee: option::none(),
        committee: committee::empty(),
        previous_committee: committee::empty(),
        next_epoch_params: option::none(),
        epoch_state: EpochState::EpochChangeDone(now),
    };
    dynamic_field::add(&mut staking.id, VERSION, inner);
    staking
}

#[test_only]
/// Sets the version field, to test the version check.
public fun set_version_for_test(self: &mut Staking, version: u64) {
    self.version = version;
}
