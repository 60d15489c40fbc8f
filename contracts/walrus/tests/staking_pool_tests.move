// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::staking_pool_tests;

use std::unit_test::{assert_eq, destroy};
use sui::balance;
use wal::wal::WAL;
use walrus::staking_pool::{Self, StakingPool};
use walrus::storage_node;
use walrus::test_utils;

const ONE_WAL: u64 = 1_000_000_000;

fun new_pool(commission_rate: u16, ctx: &mut TxContext): StakingPool {
    let params = staking_pool::new_voting_params(100, 10, 1_000);
    staking_pool::new(
        b"node".to_string(),
        b"127.0.0.1:9000".to_string(),
        test_utils::bls_pk(&test_utils::bls_sk(0)),
        vector::tabulate!(33, |_| 2),
        commission_rate,
        params,
        0,
        ctx,
    )
}

fun reward(amount: u64): balance::Balance<WAL> { balance::create_for_testing<WAL>(amount) }

#[test]
fun stake_earn_and_withdraw() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(1_000, ctx);
    let mut alice = pool.stake(balance::create_for_testing(10 * ONE_WAL), 1, ctx);
    assert_eq!(pool.wal_balance_at_epoch(0), 0);
    assert_eq!(pool.wal_balance_at_epoch(1), 10 * ONE_WAL);
    pool.advance_epoch(1, balance::zero());
    assert_eq!(pool.wal_balance(), 10 * ONE_WAL);
    assert_eq!(pool.num_shares(), 10 * ONE_WAL);

    // Bob joins at epoch 2, after the epoch-1 reward of 1_000 (10% commission).
    let bob = pool.stake(balance::create_for_testing(10 * ONE_WAL), 2, ctx);
    let commission = pool.advance_epoch(2, reward(1_000));
    assert_eq!(commission, 100);
    assert_eq!(pool.commission_amount(), 100);
    assert_eq!(pool.rewards_amount(), 900);
    assert_eq!(pool.wal_balance(), 20 * ONE_WAL + 900);

    pool.request_withdraw(&mut alice, 2, 3);
    pool.advance_epoch(3, reward(0));
    let (paid, rewards, shortfall) = pool.withdraw(alice, 3, false);
    assert_eq!(rewards, 900);
    shortfall.destroy_zero();
    assert_eq!(paid.destroy_for_testing(), 10 * ONE_WAL + 900);
    assert_eq!(pool.calculate_rewards(bob.value(), 2, 3), 0);
    assert_eq!(pool.collect_commission().destroy_for_testing(), 100);
    destroy(bob);
    pool.destroy_for_test();
}

#[test]
fun commission_rate_change_applies_at_its_epoch() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    let staked = pool.stake(balance::create_for_testing(ONE_WAL), 1, ctx);
    pool.set_next_commission(5_000, 2);
    pool.advance_epoch(1, reward(100));
    assert_eq!(pool.commission_rate(), 0);
    assert_eq!(pool.commission_amount(), 0);
    pool.advance_epoch(2, reward(100));
    assert_eq!(pool.commission_rate(), 5_000);
    pool.advance_epoch(3, reward(100));
    assert_eq!(pool.commission_amount(), 50);
    destroy(staked);
    pool.destroy_for_test();
}

#[test]
fun inactive_stake_leaves_directly() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    let staked = pool.stake(balance::create_for_testing(ONE_WAL), 1, ctx);
    let (paid, rewards, shortfall) = pool.withdraw(staked, 0, true);
    shortfall.destroy_zero();
    assert_eq!(rewards, 0);
    assert_eq!(paid.destroy_for_testing(), ONE_WAL);
    assert_eq!(pool.wal_balance_at_epoch(1), 0);
    pool.destroy_for_test();
}

#[test]
fun retired_pool_becomes_withdrawn() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    pool.retire(2);
    assert!(!pool.is_active());
    pool.advance_epoch(1, reward(0));
    assert!(!pool.is_withdrawn());
    pool.advance_epoch(2, reward(0));
    assert!(pool.is_withdrawn());
    pool.destroy_for_test();
}

#[test, expected_failure(abort_code = staking_pool::EPoolIsNotActive)]
fun stake_with_retired_pool_fails() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    pool.retire(1);
    let _staked = pool.stake(balance::create_for_testing(ONE_WAL), 1, ctx);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EWithdrawEpochNotReached)]
fun early_withdraw_fails() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    let mut staked = pool.stake(balance::create_for_testing(ONE_WAL), 1, ctx);
    pool.advance_epoch(1, reward(0));
    pool.request_withdraw(&mut staked, 1, 2);
    let (_paid, _rewards, _shortfall) = pool.withdraw(staked, 1, false);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EWithdrawDirectly)]
fun request_for_inactive_stake_fails() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    let mut staked = pool.stake(balance::create_for_testing(ONE_WAL), 1, ctx);
    pool.request_withdraw(&mut staked, 0, 1);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EActivationEpochNotReached)]
fun leaving_a_selected_committee_early_fails() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    let staked = pool.stake(balance::create_for_testing(ONE_WAL), 1, ctx);
    let (_paid, _rewards, _shortfall) = pool.withdraw(staked, 0, false);
    abort
}

#[test, expected_failure(abort_code = staking_pool::EPoolAlreadyUpdated)]
fun advancing_twice_fails() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    pool.advance_epoch(1, reward(0));
    pool.advance_epoch(1, reward(0));
    abort
}

#[test, expected_failure(abort_code = staking_pool::EIncorrectCommissionRate)]
fun commission_above_100_percent_fails() {
    let ctx = &mut tx_context::dummy();
    let _pool = new_pool(10_001, ctx);
    abort
}

#[test, expected_failure(abort_code = storage_node::EInvalidNetworkPublicKey)]
fun short_network_key_fails() {
    let _info = storage_node::new(
        b"node".to_string(),
        test_utils::node_id(0),
        b"addr".to_string(),
        test_utils::bls_pk(&test_utils::bls_sk(0)),
        vector[1],
    );
    abort
}

#[test]
fun slash_lowers_the_value_of_existing_stake() {
    let ctx = &mut tx_context::dummy();
    let mut pool = new_pool(0, ctx);
    let mut alice = pool.stake(balance::create_for_testing(10 * ONE_WAL), 1, ctx);
    pool.advance_epoch(1, balance::zero());
    // 10% of the active WAL, before the epoch-2 rate is recorded.
    assert_eq!(pool.slash(1_000), ONE_WAL);
    pool.advance_epoch(2, balance::zero());
    assert_eq!(pool.wal_balance(), 9 * ONE_WAL);
    assert_eq!(pool.stake_value(10 * ONE_WAL, 1, 2), 9 * ONE_WAL);
    // New stake after the slash is not affected.
    let bob = pool.stake(balance::create_for_testing(ONE_WAL), 3, ctx);
    pool.request_withdraw(&mut alice, 2, 3);
    pool.advance_epoch(3, balance::zero());
    assert_eq!(pool.wal_balance(), ONE_WAL);
    let (paid, rewards, shortfall) = pool.withdraw(alice, 3, false);
    assert_eq!(rewards, 0);
    assert_eq!(paid.destroy_for_testing(), 9 * ONE_WAL);
    // The shortfall leaves the pool separately, for the slashing fund.
    assert_eq!(shortfall.destroy_for_testing(), ONE_WAL);
    assert_eq!(pool.rewards_amount(), 0);
    destroy(bob);
    pool.destroy_for_test();
}
