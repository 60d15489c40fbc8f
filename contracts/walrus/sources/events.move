// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Every event the Walrus contracts emit.
///
/// Storage nodes, indexers and clients follow the chain through these events. The blob and epoch
/// events keep the reference Walrus field layout exactly (existing tools decode them as BCS tuples
/// in field order). The staking events are new: the reference leaves staking silent, which forces
/// followers to read objects; here every stake, withdrawal, pool registration, parameter change,
/// commission change and reward payment is an event.
///
/// `Storage` splits and fusions emit no event: they only touch owned objects, which are visible in
/// the transaction's object changes (see `contracts/README.md`).
module walrus::events;

use sui::event;

// === Blob events (reference layout) ===

/// A blob was registered. `epoch` is the registration epoch.
public struct BlobRegistered has copy, drop {
    epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
}

/// A blob was certified (`is_extension == false`) or its lifetime was extended
/// (`is_extension == true`). `epoch` is always the original certification epoch.
public struct BlobCertified has copy, drop {
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
    is_extension: bool,
}

/// A deletable blob was deleted; its storage was returned to the owner.
public struct BlobDeleted has copy, drop {
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    object_id: ID,
    was_certified: bool,
}

/// A blob ID was declared invalid (inconsistently encoded) by an f+1 certificate.
public struct InvalidBlobID has copy, drop {
    epoch: u32,
    blob_id: u256,
}

// === Epoch events (reference layout) ===

/// The epoch changed to `epoch`; nodes start moving shards.
public struct EpochChangeStart has copy, drop {
    epoch: u32,
}

/// A quorum of shards reported `epoch_sync_done` for `epoch`.
public struct EpochChangeDone has copy, drop {
    epoch: u32,
}

/// A node reported that it received `shards` for `epoch`.
public struct ShardsReceived has copy, drop {
    epoch: u32,
    shards: vector<u16>,
}

/// The next committee and epoch parameters were selected for `next_epoch`.
public struct EpochParametersSelected has copy, drop {
    next_epoch: u32,
}

/// The storage and write prices in effect from `epoch` on.
public struct PricesUpdated has copy, drop {
    epoch: u32,
    storage_price: u64,
    write_price: u64,
}

// === Staking events (new; the reference emits none) ===

/// A storage node candidate registered a staking pool.
public struct NodeRegistered has copy, drop {
    epoch: u32,
    node_id: ID,
    cap_id: ID,
    commission_rate: u16,
}

/// A node changed its name, network address or keys.
public struct NodeParametersUpdated has copy, drop {
    epoch: u32,
    node_id: ID,
}

/// A node changed its votes.
public struct VotesUpdated has copy, drop {
    epoch: u32,
    node_id: ID,
    storage_price: u64,
    write_price: u64,
    node_capacity: u64,
}

/// A node set the commission rate that applies from `effective_epoch` on.
public struct CommissionRateSet has copy, drop {
    epoch: u32,
    node_id: ID,
    commission_rate: u16,
    effective_epoch: u32,
}

/// A node's operator collected `amount` FROST of commission.
public struct CommissionCollected has copy, drop {
    epoch: u32,
    node_id: ID,
    amount: u64,
}

/// A node left: its pool accepts no new stake and it leaves the committee at `withdraw_epoch`.
public struct NodeRetired has copy, drop {
    epoch: u32,
    node_id: ID,
    withdraw_epoch: u32,
}

/// WAL was staked with a pool; it counts from `activation_epoch` on.
public struct StakeDeposited has copy, drop {
    epoch: u32,
    node_id: ID,
    staked_wal_id: ID,
    amount: u64,
    activation_epoch: u32,
}

/// A withdrawal was requested; the stake stops counting at `withdraw_epoch`.
public struct StakeWithdrawalRequested has copy, drop {
    epoch: u32,
    node_id: ID,
    staked_wal_id: ID,
    amount: u64,
    withdraw_epoch: u32,
}

/// Stake was withdrawn: `amount` is the principal and `rewards` the rewards paid on top.
public struct StakeWithdrawn has copy, drop {
    epoch: u32,
    node_id: ID,
    staked_wal_id: ID,
    amount: u64,
    rewards: u64,
}

/// A pool was paid `reward` FROST for `epoch`, of which `commission` went to the operator.
public struct PoolRewarded has copy, drop {
    epoch: u32,
    node_id: ID,
    reward: u64,
    commission: u64,
}

// === Storage challenge events (new) ===

/// A quorum certificate recorded the challenge verdict on `node_id` for `epoch`.
public struct ChallengeVerdictRecorded has copy, drop {
    epoch: u32,
    node_id: ID,
    passed: bool,
}

/// A node changed its slash vote (`staking::set_slash_bps_vote`), in basis points.
public struct SlashVoteUpdated has copy, drop {
    epoch: u32,
    node_id: ID,
    slash_bps: u16,
}

/// The pool of `node_id` lost `amount` FROST of its active stake after repeated failing
/// challenge verdicts; `epoch` is the epoch whose close triggered the slash.
public struct NodeSlashed has copy, drop {
    epoch: u32,
    node_id: ID,
    amount: u64,
}

// === Emitters (package-internal) ===

public(package) fun emit_blob_registered(
    epoch: u32,
    blob_id: u256,
    size: u64,
    encoding_type: u8,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
) {
    event::emit(BlobRegistered {
        epoch,
        blob_id,
        size,
        encoding_type,
        end_epoch,
        deletable,
        object_id,
    });
}

public(package) fun emit_blob_certified(
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    deletable: bool,
    object_id: ID,
    is_extension: bool,
) {
    event::emit(BlobCertified { epoch, blob_id, end_epoch, deletable, object_id, is_extension });
}

public(package) fun emit_blob_deleted(
    epoch: u32,
    blob_id: u256,
    end_epoch: u32,
    object_id: ID,
    was_certified: bool,
) {
    event::emit(BlobDeleted { epoch, blob_id, end_epoch, object_id, was_certified });
}

public(package) fun emit_invalid_blob_id(epoch: u32, blob_id: u256) {
    event::emit(InvalidBlobID { epoch, blob_id });
}

public(package) fun emit_epoch_change_start(epoch: u32) {
    event::emit(EpochChangeStart { epoch });
}

public(package) fun emit_epoch_change_done(epoch: u32) {
    event::emit(EpochChangeDone { epoch });
}

public(package) fun emit_shards_received(epoch: u32, shards: vector<u16>) {
    event::emit(ShardsReceived { epoch, shards });
}

public(package) fun emit_epoch_parameters_selected(next_epoch: u32) {
    event::emit(EpochParametersSelected { next_epoch });
}

public(package) fun emit_prices_updated(epoch: u32, storage_price: u64, write_price: u64) {
    event::emit(PricesUpdated { epoch, storage_price, write_price });
}

public(package) fun emit_node_registered(
    epoch: u32,
    node_id: ID,
    cap_id: ID,
    commission_rate: u16,
) {
    event::emit(NodeRegistered { epoch, node_id, cap_id, commission_rate });
}

public(package) fun emit_node_parameters_updated(epoch: u32, node_id: ID) {
    event::emit(NodeParametersUpdated { epoch, node_id });
}

public(package) fun emit_votes_updated(
    epoch: u32,
    node_id: ID,
    storage_price: u64,
    write_price: u64,
    node_capacity: u64,
) {
    event::emit(VotesUpdated { epoch, node_id, storage_price, write_price, node_capacity });
}

public(package) fun emit_commission_rate_set(
    epoch: u32,
    node_id: ID,
    commission_rate: u16,
    effective_epoch: u32,
) {
    event::emit(CommissionRateSet { epoch, node_id, commission_rate, effective_epoch });
}

public(package) fun emit_commission_collected(epoch: u32, node_id: ID, amount: u64) {
    event::emit(CommissionCollected { epoch, node_id, amount });
}

public(package) fun emit_node_retired(epoch: u32, node_id: ID, withdraw_epoch: u32) {
    event::emit(NodeRetired { epoch, node_id, withdraw_epoch });
}

public(package) fun emit_stake_deposited(
    epoch: u32,
    node_id: ID,
    staked_wal_id: ID,
    amount: u64,
    activation_epoch: u32,
) {
    event::emit(StakeDeposited { epoch, node_id, staked_wal_id, amount, activation_epoch });
}

public(package) fun emit_stake_withdrawal_requested(
    epoch: u32,
    node_id: ID,
    staked_wal_id: ID,
    amount: u64,
    withdraw_epoch: u32,
) {
    event::emit(StakeWithdrawalRequested { epoch, node_id, staked_wal_id, amount, withdraw_epoch });
}

public(package) fun emit_stake_withdrawn(
    epoch: u32,
    node_id: ID,
    staked_wal_id: ID,
    amount: u64,
    rewards: u64,
) {
    event::emit(StakeWithdrawn { epoch, node_id, staked_wal_id, amount, rewards });
}

public(package) fun emit_pool_rewarded(epoch: u32, node_id: ID, reward: u64, commission: u64) {
    event::emit(PoolRewarded { epoch, node_id, reward, commission });
}

public(package) fun emit_challenge_verdict_recorded(epoch: u32, node_id: ID, passed: bool) {
    event::emit(ChallengeVerdictRecorded { epoch, node_id, passed });
}

public(package) fun emit_node_slashed(epoch: u32, node_id: ID, amount: u64) {
    event::emit(NodeSlashed { epoch, node_id, amount });
}

public(package) fun emit_slash_vote_updated(epoch: u32, node_id: ID, slash_bps: u16) {
    event::emit(SlashVoteUpdated { epoch, node_id, slash_bps });
}
