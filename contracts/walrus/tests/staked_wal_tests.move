// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::staked_wal_tests;

use std::unit_test::{assert_eq, destroy};
use sui::balance;
use wal::wal::WAL;
use walrus::staked_wal;
use walrus::test_utils::node_id;

const ONE_WAL: u64 = 1_000_000_000;

#[test]
fun split_and_join() {
    let ctx = &mut tx_context::dummy();
    let principal = balance::create_for_testing<WAL>(5 * ONE_WAL);
    let mut staked = staked_wal::mint_for_test(node_id(0), principal, 3, ctx);
    assert!(staked.is_staked());
    assert_eq!(staked.activation_epoch(), 3);
    let part = staked.split(2 * ONE_WAL, ctx);
    assert_eq!(staked.value(), 3 * ONE_WAL);
    assert_eq!(part.value(), 2 * ONE_WAL);
    assert_eq!(part.node_id(), node_id(0));
    staked.join(part);
    assert_eq!(staked.value(), 5 * ONE_WAL);
    destroy(staked);
}

#[test]
fun withdrawing_state() {
    let ctx = &mut tx_context::dummy();
    let principal = balance::create_for_testing<WAL>(ONE_WAL);
    let mut staked = staked_wal::mint_for_test(node_id(0), principal, 1, ctx);
    staked.set_withdrawing(4);
    assert!(staked.is_withdrawing());
    assert_eq!(staked.withdraw_epoch(), 4);
    assert_eq!(staked.into_balance().destroy_for_testing(), ONE_WAL);
}

#[test, expected_failure(abort_code = staked_wal::EStakeBelowThreshold)]
fun below_threshold_fails() {
    let ctx = &mut tx_context::dummy();
    let principal = balance::create_for_testing<WAL>(ONE_WAL - 1);
    let _staked = staked_wal::mint_for_test(node_id(0), principal, 1, ctx);
    abort
}

#[test, expected_failure(abort_code = staked_wal::EStakeBelowThreshold)]
fun split_leaving_too_little_fails() {
    let ctx = &mut tx_context::dummy();
    let principal = balance::create_for_testing<WAL>(ONE_WAL + ONE_WAL / 2);
    let mut staked = staked_wal::mint_for_test(node_id(0), principal, 1, ctx);
    let _part = staked.split(ONE_WAL, ctx);
    abort
}

#[test, expected_failure(abort_code = staked_wal::EMetadataMismatch)]
fun join_other_node_fails() {
    let ctx = &mut tx_context::dummy();
    let mut a = staked_wal::mint_for_test(
        node_id(0),
        balance::create_for_testing<WAL>(ONE_WAL),
        1,
        ctx,
    );
    let b = staked_wal::mint_for_test(
        node_id(1),
        balance::create_for_testing<WAL>(ONE_WAL),
        1,
        ctx,
    );
    a.join(b);
    abort
}

#[test, expected_failure(abort_code = staked_wal::ENotWithdrawing)]
fun withdraw_epoch_of_staked_fails() {
    let ctx = &mut tx_context::dummy();
    let staked = staked_wal::mint_for_test(
        node_id(0),
        balance::create_for_testing<WAL>(ONE_WAL),
        1,
        ctx,
    );
    staked.withdraw_epoch();
    abort
}

#[test, expected_failure(abort_code = staked_wal::EAlreadyWithdrawing)]
fun double_withdrawing_fails() {
    let ctx = &mut tx_context::dummy();
    let mut staked = staked_wal::mint_for_test(
        node_id(0),
        balance::create_for_testing<WAL>(ONE_WAL),
        1,
        ctx,
    );
    staked.set_withdrawing(2);
    staked.set_withdrawing(3);
    abort
}
