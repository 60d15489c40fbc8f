// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Future accounting: a ring buffer with one slot per epoch from the current epoch up to
/// `max_epochs_ahead - 1` epochs ahead. Each slot holds the capacity reserved for that epoch and the
/// storage fees (and subsidies) to pay to the committee of that epoch when it ends.
module walrus::storage_accounting;

use sui::balance::{Self, Balance};
use wal::wal::WAL;

/// The accounting of one epoch.
public struct FutureAccounting has store {
    epoch: u32,
    used_capacity: u64,
    rewards_to_distribute: Balance<WAL>,
}

/// The ring buffer; slot `current_index` is the current epoch.
public struct FutureAccountingRingBuffer has store {
    current_index: u32,
    length: u32,
    ring_buffer: vector<FutureAccounting>,
}

/// The requested epoch is at or beyond `max_epochs_ahead`.
const ETooFarInFuture: u64 = 0;
/// The ring buffer length must be positive.
const EZeroLength: u64 = 1;

/// Creates a ring buffer of `length` slots starting at `first_epoch`.
public(package) fun ring_new(first_epoch: u32, length: u32): FutureAccountingRingBuffer {
    assert!(length > 0, EZeroLength);
    let ring_buffer = vector::tabulate!(
        length as u64,
        |i| FutureAccounting {
            epoch: first_epoch + (i as u32),
            used_capacity: 0,
            rewards_to_distribute: balance::zero(),
        },
    );
    FutureAccountingRingBuffer { current_index: 0, length, ring_buffer }
}

/// The slot `epochs_in_future` epochs after the current one.
public fun ring_lookup(
    self: &FutureAccountingRingBuffer,
    epochs_in_future: u32,
): &FutureAccounting {
    assert!(epochs_in_future < self.length, ETooFarInFuture);
    let index = (self.current_index + epochs_in_future) % self.length;
    &self.ring_buffer[index as u64]
}

/// Mutable access to the slot `epochs_in_future` epochs after the current one.
public(package) fun ring_lookup_mut(
    self: &mut FutureAccountingRingBuffer,
    epochs_in_future: u32,
): &mut FutureAccounting {
    assert!(epochs_in_future < self.length, ETooFarInFuture);
    let index = (self.current_index + epochs_in_future) % self.length;
    &mut self.ring_buffer[index as u64]
}

/// Removes the current epoch's slot, returning its accounting, and opens a fresh slot for the epoch
/// `length` epochs later. The buffer then starts at the next epoch.
public(package) fun ring_pop_expand(self: &mut FutureAccountingRingBuffer): FutureAccounting {
    let current = self.current_index as u64;
    let epoch = self.ring_buffer[current].epoch;
    let fresh = FutureAccounting {
        epoch: epoch + self.length,
        used_capacity: 0,
        rewards_to_distribute: balance::zero(),
    };
    self.ring_buffer.push_back(fresh);
    let popped = self.ring_buffer.swap_remove(current);
    self.current_index = (self.current_index + 1) % self.length;
    popped
}

/// The number of slots, i.e. how many epochs ahead storage can be bought.
public fun max_epochs_ahead(self: &FutureAccountingRingBuffer): u32 { self.length }

/// The epoch of a slot.
public fun epoch(self: &FutureAccounting): u32 { self.epoch }

/// The capacity reserved for the slot's epoch.
public fun used_capacity(self: &FutureAccounting): u64 { self.used_capacity }

/// The fees collected for the slot's epoch.
public fun rewards(self: &FutureAccounting): u64 { self.rewards_to_distribute.value() }

/// Adds `amount` bytes of reserved capacity, aborting with `error` if the result exceeds `max`.
public(package) fun increase_used_capacity(
    self: &mut FutureAccounting,
    amount: u64,
    max: u64,
    error: u64,
): u64 {
    self.used_capacity = self.used_capacity + amount;
    assert!(self.used_capacity <= max, error);
    self.used_capacity
}

/// Adds fees to the slot.
public(package) fun rewards_balance(self: &mut FutureAccounting): &mut Balance<WAL> {
    &mut self.rewards_to_distribute
}

/// Destroys a popped slot, returning its fees.
public(package) fun unwrap_balance(self: FutureAccounting): Balance<WAL> {
    let FutureAccounting { rewards_to_distribute, .. } = self;
    rewards_to_distribute
}

#[test_only]
/// Destroys a ring buffer in tests.
public fun destroy_for_test(self: FutureAccountingRingBuffer) {
    let FutureAccountingRingBuffer { ring_buffer, .. } = self;
    ring_buffer.destroy!(|slot| {
        slot.unwrap_balance().destroy_for_testing();
    });
}
