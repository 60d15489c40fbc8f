// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `StakedWal`: a staker's receipt for WAL staked with one node's pool. The principal stays inside
/// the object; the pool accounts shares and holds the rewards.
module walrus::staked_wal;

use sui::balance::Balance;
use wal::wal::WAL;

/// Whether the stake is counted, or a withdrawal was requested.
public enum StakedWalState has copy, drop, store {
    Staked,
    Withdrawing { withdraw_epoch: u32 },
}

/// Staked WAL.
public struct StakedWal has key, store {
    id: UID,
    state: StakedWalState,
    node_id: ID,
    principal: Balance<WAL>,
    activation_epoch: u32,
}

/// The minimum principal of a `StakedWal`: 1 WAL.
const MIN_STAKING_THRESHOLD: u64 = 1_000_000_000;

/// The stake is not being withdrawn.
const ENotWithdrawing: u64 = 0;
/// The two `StakedWal` differ in node, activation epoch or state.
const EMetadataMismatch: u64 = 1;
/// The split amount is zero or not below the principal.
const EInvalidAmount: u64 = 2;
/// The stake is already being withdrawn.
const EAlreadyWithdrawing: u64 = 3;
/// A part would be below the 1 WAL minimum.
const EStakeBelowThreshold: u64 = 4;

/// Creates a `StakedWal`.
public(package) fun mint(
    node_id: ID,
    principal: Balance<WAL>,
    activation_epoch: u32,
    ctx: &mut TxContext,
): StakedWal {
    assert!(principal.value() >= MIN_STAKING_THRESHOLD, EStakeBelowThreshold);
    StakedWal {
        id: object::new(ctx),
        state: StakedWalState::Staked,
        node_id,
        principal,
        activation_epoch,
    }
}

/// Destroys a `StakedWal`, returning the principal.
public(package) fun into_balance(self: StakedWal): Balance<WAL> {
    let StakedWal { id, principal, .. } = self;
    id.delete();
    principal
}

/// Marks the stake as withdrawing at `withdraw_epoch`.
public(package) fun set_withdrawing(self: &mut StakedWal, withdraw_epoch: u32) {
    assert!(self.is_staked(), EAlreadyWithdrawing);
    self.state = StakedWalState::Withdrawing { withdraw_epoch };
}

// === Accessors ===

/// The object ID.
public fun id(self: &StakedWal): ID { self.id.to_inner() }

/// The node the stake is with.
public fun node_id(self: &StakedWal): ID { self.node_id }

/// The principal in FROST.
public fun value(self: &StakedWal): u64 { self.principal.value() }

/// The first epoch in which the stake counts.
public fun activation_epoch(self: &StakedWal): u32 { self.activation_epoch }

/// Whether the stake is counted (no withdrawal requested).
public fun is_staked(self: &StakedWal): bool {
    match (&self.state) {
        StakedWalState::Staked => true,
        StakedWalState::Withdrawing { .. } => false,
    }
}

/// Whether a withdrawal was requested.
public fun is_withdrawing(self: &StakedWal): bool { !self.is_staked() }

/// The epoch from which the stake no longer counts; aborts unless withdrawing.
public fun withdraw_epoch(self: &StakedWal): u32 {
    match (&self.state) {
        StakedWalState::Withdrawing { withdraw_epoch } => *withdraw_epoch,
        StakedWalState::Staked => abort ENotWithdrawing,
    }
}

/// The minimum principal (1 WAL in FROST).
public fun min_staking_threshold(): u64 { MIN_STAKING_THRESHOLD }

// === Join and split ===

/// Joins `other` into `self`: same node, activation epoch and state.
public fun join(self: &mut StakedWal, other: StakedWal) {
    assert!(self.node_id == other.node_id, EMetadataMismatch);
    assert!(self.activation_epoch == other.activation_epoch, EMetadataMismatch);
    assert!(self.state == other.state, EMetadataMismatch);
    let balance = other.into_balance();
    self.principal.join(balance);
}

/// Splits `amount` FROST off into a new `StakedWal` with the same node, activation and state. Both
/// parts must keep at least 1 WAL.
public fun split(self: &mut StakedWal, amount: u64, ctx: &mut TxContext): StakedWal {
    assert!(amount > 0 && amount < self.principal.value(), EInvalidAmount);
    assert!(amount >= MIN_STAKING_THRESHOLD, EStakeBelowThreshold);
    assert!(self.principal.value() - amount >= MIN_STAKING_THRESHOLD, EStakeBelowThreshold);
    StakedWal {
        id: object::new(ctx),
        state: self.state,
        node_id: self.node_id,
        principal: self.principal.split(amount),
        activation_epoch: self.activation_epoch,
    }
}

#[test_only]
/// Mints a `StakedWal` in tests.
public fun mint_for_test(
    node_id: ID,
    principal: Balance<WAL>,
    activation_epoch: u32,
    ctx: &mut TxContext,
): StakedWal {
    mint(node_id, principal, activation_epoch, ctx)
}
