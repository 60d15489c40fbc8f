// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::storage_resource_tests;

use std::unit_test::{assert_eq, destroy};
use walrus::storage_resource::{Self, create_for_test};

#[test]
fun split_by_epoch_keeps_front() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 10, 1_000, ctx);
    let back = storage.split_by_epoch(4, ctx);
    assert_eq!(storage.start_epoch(), 0);
    assert_eq!(storage.end_epoch(), 4);
    assert_eq!(back.start_epoch(), 4);
    assert_eq!(back.end_epoch(), 10);
    assert_eq!(back.size(), 1_000);
    storage.fuse_periods(back);
    assert_eq!(storage.end_epoch(), 10);
    storage.destroy();
}

#[test]
fun split_by_size_keeps_requested_size() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(2, 5, 1_000, ctx);
    let rest = storage.split_by_size(300, ctx);
    assert_eq!(storage.size(), 300);
    assert_eq!(rest.size(), 700);
    assert_eq!(rest.start_epoch(), 2);
    assert_eq!(rest.end_epoch(), 5);
    storage.fuse_amount(rest);
    assert_eq!(storage.size(), 1_000);
    storage.destroy();
}

#[test]
fun fuse_periods_in_either_order() {
    let ctx = &mut tx_context::dummy();
    let mut later = create_for_test(5, 8, 64, ctx);
    let earlier = create_for_test(1, 5, 64, ctx);
    assert!(later.can_fuse_periods(&earlier));
    later.fuse_periods(earlier);
    assert_eq!(later.start_epoch(), 1);
    assert_eq!(later.end_epoch(), 8);
    later.destroy();
}

#[test]
fun fuse_picks_amount_or_period() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 3, 10, ctx);
    storage.fuse(create_for_test(0, 3, 5, ctx));
    assert_eq!(storage.size(), 15);
    storage.fuse(create_for_test(3, 6, 15, ctx));
    assert_eq!(storage.end_epoch(), 6);
    assert!(storage.covers_epoch(5));
    assert!(!storage.covers_epoch(6));
    destroy(storage);
}

#[test, expected_failure(abort_code = storage_resource::EInvalidEpoch)]
fun split_by_epoch_at_start_fails() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 10, 1_000, ctx);
    let _back = storage.split_by_epoch(0, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_resource::EInvalidSplitSize)]
fun split_by_size_too_large_fails() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 10, 1_000, ctx);
    let _rest = storage.split_by_size(1_001, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_resource::EIncompatibleAmount)]
fun fuse_periods_with_different_sizes_fails() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 5, 1_000, ctx);
    storage.fuse_periods(create_for_test(5, 10, 999, ctx));
    abort
}

#[test, expected_failure(abort_code = storage_resource::EIncompatibleEpochs)]
fun fuse_periods_with_gap_fails() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 5, 1_000, ctx);
    storage.fuse_periods(create_for_test(6, 10, 1_000, ctx));
    abort
}

#[test, expected_failure(abort_code = storage_resource::EIncompatibleEpochs)]
fun fuse_amount_with_different_periods_fails() {
    let ctx = &mut tx_context::dummy();
    let mut storage = create_for_test(0, 5, 1_000, ctx);
    storage.fuse_amount(create_for_test(0, 6, 1_000, ctx));
    abort
}

#[test, expected_failure(abort_code = storage_resource::EInvalidEpochRange)]
fun empty_period_fails() {
    let ctx = &mut tx_context::dummy();
    let _storage = create_for_test(5, 5, 1_000, ctx);
    abort
}
