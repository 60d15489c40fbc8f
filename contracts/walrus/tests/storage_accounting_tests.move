// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::storage_accounting_tests;

use std::unit_test::assert_eq;
use sui::balance;
use wal::wal::WAL;
use walrus::storage_accounting;

#[test]
fun pop_expand_rotates_epochs() {
    let mut ring = storage_accounting::ring_new(0, 3);
    assert_eq!(ring.max_epochs_ahead(), 3);
    assert_eq!(ring.ring_lookup(2).epoch(), 2);
    ring.ring_lookup_mut(1).increase_used_capacity(100, 1_000, 99);
    ring.ring_lookup_mut(0).rewards_balance().join(balance::create_for_testing<WAL>(7));
    let popped = ring.ring_pop_expand();
    assert_eq!(popped.epoch(), 0);
    assert_eq!(popped.rewards(), 7);
    assert_eq!(popped.unwrap_balance().destroy_for_testing(), 7);
    assert_eq!(ring.ring_lookup(0).epoch(), 1);
    assert_eq!(ring.ring_lookup(0).used_capacity(), 100);
    assert_eq!(ring.ring_lookup(2).epoch(), 3);
    assert_eq!(ring.ring_lookup(2).used_capacity(), 0);
    ring.destroy_for_test();
}

#[test, expected_failure(abort_code = storage_accounting::ETooFarInFuture)]
fun lookup_past_length_fails() {
    let ring = storage_accounting::ring_new(0, 3);
    ring.ring_lookup(3);
    abort
}

#[test, expected_failure(abort_code = storage_accounting::EZeroLength)]
fun zero_length_fails() {
    let _ring = storage_accounting::ring_new(0, 0);
    abort
}

#[test, expected_failure(abort_code = 99, location = walrus::storage_accounting)]
fun capacity_overflow_uses_given_code() {
    let mut ring = storage_accounting::ring_new(0, 3);
    ring.ring_lookup_mut(0).increase_used_capacity(1_001, 1_000, 99);
    abort
}
