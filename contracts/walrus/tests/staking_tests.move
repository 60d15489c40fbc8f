// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::staking_tests;

use std::unit_test::{assert_eq, destroy};
use sui::clock::{Self, Clock};
use sui::event;
use walrus::bls_aggregate;
use walrus::events::{
    EpochChangeStart,
    EpochChangeDone,
    EpochParametersSelected,
    NodeRegistered,
    PoolRewarded,
    ShardsReceived,
    SlashVoteUpdated,
    StakeDeposited,
    StakeWithdrawn,
};
use walrus::messages;
use walrus::staked_wal::StakedWal;
use walrus::staking::{Self, Staking};
use walrus::storage_node::StorageNodeCap;
use walrus::system::{Self, System};
use walrus::test_utils;

const ONE_WAL: u64 = 1_000_000_000;
const N_SHARDS: u16 = 10;
const EPOCH_ZERO: u64 = 1_000;
const EPOCH: u64 = 10_000;

fun register(staking: &mut Staking, i: u64, ctx: &mut TxContext): StorageNodeCap {
    let sk = test_utils::bls_sk(i);
    let pk = test_utils::bls_pk(&sk);
    let pop = test_utils::bls_sign(
        &sk,
        &messages::proof_of_possession_bytes(staking.epoch(), ctx.sender(), pk),
    );
    staking.register_candidate(
        b"node".to_string(),
        b"127.0.0.1:9000".to_string(),
        pk,
        vector::tabulate!(33, |_| 2),
        pop,
        1_000,
        100 * (i + 1),
        10,
        1_000_000,
        ctx,
    )
}

/// Four candidates staked with 1000, 1000, 500 and 500 WAL at epoch 0.
fun setup(
    ctx: &mut TxContext,
): (Staking, System, Clock, vector<StorageNodeCap>, vector<StakedWal>) {
    let clock = clock::create_for_testing(ctx);
    let mut staking = staking::new_for_test(EPOCH_ZERO, EPOCH, N_SHARDS, &clock, ctx);
    let system = system::new_for_test(
        bls_aggregate::empty(0),
        0,
        0xFFFF_FFFF_FFFF_FFFF,
        0xFFFF_FFFF_FFFF_FFFF,
        10,
        ctx,
    );
    let caps = vector::tabulate!(4, |i| register(&mut staking, i, ctx));
    let amounts = vector[1_000, 1_000, 500, 500];
    let mut stakes = vector[];
    let mut i = 0;
    while (i < 4) {
        let coin = test_utils::mint_frost(amounts[i] * ONE_WAL, ctx);
        stakes.push_back(staking.stake_with_pool(coin, caps[i].node_id(), ctx));
        i = i + 1;
    };
    (staking, system, clock, caps, stakes)
}

/// Runs `voting_end` and `initiate_epoch_change` at the earliest allowed times.
fun change_epoch(
    staking: &mut Staking,
    system: &mut System,
    clock: &mut Clock,
    done_at: u64,
    ctx: &mut TxContext,
) {
    let epoch = staking.epoch();
    if (epoch == 0) {
        clock.set_for_testing(EPOCH_ZERO);
    } else {
        clock.set_for_testing(done_at + EPOCH / 2);
    };
    staking.voting_end(clock);
    if (epoch > 0) clock.set_for_testing(done_at + EPOCH);
    staking.initiate_epoch_change(system, clock, ctx);
}

/// Nodes 0 and 1 (8 of 10 shards) report sync at `time`.
fun sync(staking: &mut Staking, caps: &mut vector<StorageNodeCap>, clock: &mut Clock, time: u64) {
    clock.set_for_testing(time);
    let epoch = staking.epoch();
    staking.epoch_sync_done(&mut caps[0], epoch, clock);
    staking.epoch_sync_done(&mut caps[1], epoch, clock);
}

#[test]
fun genesis_selects_committee_and_prices() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, caps, stakes) = setup(ctx);
    assert_eq!(event::events_by_type<NodeRegistered>().length(), 4);
    assert_eq!(event::events_by_type<StakeDeposited>().length(), 4);
    assert_eq!(staking.active_set().size(), 4);

    clock.set_for_testing(EPOCH_ZERO);
    staking.voting_end(&clock);
    assert_eq!(event::events_by_type<EpochParametersSelected>().length(), 1);
    let params = staking.next_epoch_params().destroy_some();
    // Storage votes 100..400 with weights 4, 4, 1, 1: a quorum (7) voted at most 200.
    assert_eq!(params.params_storage_price(), 200);
    assert_eq!(params.params_write_price(), 10);
    // Capacity votes scaled by 10 / shards: 10M, 10M, 2.5M, 2.5M; a quorum voted at least 2.5M.
    assert_eq!(params.params_total_capacity_size(), 2_500_000);

    staking.initiate_epoch_change(&mut system, &clock, ctx);
    assert_eq!(staking.epoch(), 1);
    assert_eq!(system.epoch(), 1);
    assert_eq!(system.n_shards(), N_SHARDS);
    assert_eq!(system.storage_price_per_unit_size(), 200);
    assert_eq!(system.total_capacity_size(), 2_500_000);
    let committee = staking.committee();
    assert_eq!(committee.shards(&caps[0].node_id()).length(), 4);
    assert_eq!(committee.shards(&caps[1].node_id()).length(), 4);
    assert_eq!(committee.shards(&caps[2].node_id()).length(), 1);
    assert_eq!(committee.shards(&caps[3].node_id()).length(), 1);
    assert_eq!(event::events_by_type<EpochChangeStart>().length(), 1);
    assert_eq!(staking.pool(caps[0].node_id()).wal_balance(), 1_000 * ONE_WAL);

    destroy(caps);
    destroy(stakes);
    destroy(staking);
    destroy(system);
    clock.destroy_for_testing();
}

#[test]
fun sync_quorum_completes_epoch_change() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, mut caps, stakes) = setup(ctx);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    clock.set_for_testing(2_000);
    staking.epoch_sync_done(&mut caps[2], 1, &clock);
    assert_eq!(event::events_by_type<EpochChangeDone>().length(), 0);
    staking.epoch_sync_done(&mut caps[0], 1, &clock);
    assert_eq!(event::events_by_type<EpochChangeDone>().length(), 0);
    staking.epoch_sync_done(&mut caps[1], 1, &clock);
    assert_eq!(event::events_by_type<EpochChangeDone>().length(), 1);
    staking.epoch_sync_done(&mut caps[3], 1, &clock);
    assert_eq!(event::events_by_type<ShardsReceived>().length(), 4);
    assert_eq!(event::events_by_type<EpochChangeDone>().length(), 1);
    destroy(caps);
    destroy(stakes);
    destroy(staking);
    destroy(system);
    clock.destroy_for_testing();
}

#[test]
fun fees_reach_stakers_and_operator() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, mut caps, mut stakes) = setup(ctx);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    sync(&mut staking, &mut caps, &mut clock, 2_000);

    // 1_000 FROST of fees for epoch 1, paid by shards 4, 4, 1, 1 at epoch 2.
    system.add_subsidy(test_utils::mint_frost(1_000, ctx), 1);
    change_epoch(&mut staking, &mut system, &mut clock, 2_000, ctx);
    assert_eq!(staking.epoch(), 2);
    assert_eq!(event::events_by_type<PoolRewarded>().length(), 4);
    let pool = staking.pool(caps[0].node_id());
    assert_eq!(pool.commission_amount(), 40);
    assert_eq!(pool.rewards_amount(), 360);

    // The operator collects the commission.
    let commission = staking.collect_commission(&caps[0], ctx);
    assert_eq!(commission.value(), 40);
    destroy(commission);

    // The first staker leaves: requested at epoch 2, withdrawable at epoch 3 with the rewards.
    let mut alice = stakes.remove(0);
    staking.request_withdraw_stake(&mut alice);
    assert_eq!(alice.withdraw_epoch(), 3);
    sync(&mut staking, &mut caps, &mut clock, 13_000);
    change_epoch(&mut staking, &mut system, &mut clock, 13_000, ctx);
    let coin = staking.withdraw_stake(&mut system, alice, ctx);
    assert_eq!(coin.value(), 1_000 * ONE_WAL + 360);
    assert_eq!(event::events_by_type<StakeWithdrawn>().length(), 1);
    // Not slashed: nothing goes to the slashing fund.
    assert_eq!(system.challenges().slashed_fund(), 0);

    destroy(coin);
    destroy(caps);
    destroy(stakes);
    destroy(staking);
    destroy(system);
    clock.destroy_for_testing();
}

#[test]
fun retired_node_leaves_the_next_committee() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, mut caps, stakes) = setup(ctx);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    sync(&mut staking, &mut caps, &mut clock, 2_000);
    staking.retire_node(&caps[3]);
    assert!(!staking.active_set().contains(caps[3].node_id()));
    change_epoch(&mut staking, &mut system, &mut clock, 2_000, ctx);
    assert!(!staking.committee().contains(&caps[3].node_id()));
    assert_eq!(staking.committee().n_shards(), 10);
    destroy(caps);
    destroy(stakes);
    destroy(staking);
    destroy(system);
    clock.destroy_for_testing();
}

#[test]
fun stake_after_voting_end_activates_two_epochs_later() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, system, mut clock, caps, stakes) = setup(ctx);
    clock.set_for_testing(EPOCH_ZERO);
    staking.voting_end(&clock);
    let coin = test_utils::mint_frost(ONE_WAL, ctx);
    let late = staking.stake_with_pool(coin, caps[0].node_id(), ctx);
    assert_eq!(late.activation_epoch(), 2);
    destroy(late);
    destroy(caps);
    destroy(stakes);
    destroy(staking);
    destroy(system);
    clock.destroy_for_testing();
}

#[test, expected_failure(abort_code = staking::ETooEarly)]
fun voting_end_too_early_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, _system, clock, _caps, _stakes) = setup(ctx);
    staking.voting_end(&clock);
    abort
}

#[test, expected_failure(abort_code = staking::EWrongEpochState)]
fun initiate_before_voting_end_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, _caps, _stakes) = setup(ctx);
    clock.set_for_testing(EPOCH_ZERO);
    staking.initiate_epoch_change(&mut system, &clock, ctx);
    abort
}

#[test, expected_failure(abort_code = staking::ETooEarly)]
fun initiate_before_epoch_end_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, mut caps, _stakes) = setup(ctx);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    sync(&mut staking, &mut caps, &mut clock, 2_000);
    clock.set_for_testing(2_000 + EPOCH / 2);
    staking.voting_end(&clock);
    staking.initiate_epoch_change(&mut system, &clock, ctx);
    abort
}

#[test, expected_failure(abort_code = staking::EInvalidProofOfPossession)]
fun bad_proof_of_possession_fails() {
    let ctx = &mut tx_context::dummy();
    let clock = clock::create_for_testing(ctx);
    let mut staking = staking::new_for_test(EPOCH_ZERO, EPOCH, N_SHARDS, &clock, ctx);
    let sk = test_utils::bls_sk(0);
    let pk = test_utils::bls_pk(&sk);
    // Signed for epoch 1 instead of 0.
    let pop = test_utils::bls_sign(&sk, &messages::proof_of_possession_bytes(1, ctx.sender(), pk));
    let _cap = staking.register_candidate(
        b"node".to_string(),
        b"addr".to_string(),
        pk,
        vector::tabulate!(33, |_| 2),
        pop,
        0,
        1,
        1,
        1,
        ctx,
    );
    abort
}

#[test, expected_failure(abort_code = staking::ENoStake)]
fun voting_end_without_stake_fails() {
    let ctx = &mut tx_context::dummy();
    let mut clock = clock::create_for_testing(ctx);
    let mut staking = staking::new_for_test(EPOCH_ZERO, EPOCH, N_SHARDS, &clock, ctx);
    clock.set_for_testing(EPOCH_ZERO);
    staking.voting_end(&clock);
    abort
}

#[test, expected_failure(abort_code = staking::EInvalidSyncEpoch)]
fun sync_for_wrong_epoch_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, mut caps, _stakes) = setup(ctx);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    staking.epoch_sync_done(&mut caps[0], 2, &clock);
    abort
}

#[test, expected_failure(abort_code = staking::EDuplicateSyncDone)]
fun duplicate_sync_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, mut caps, _stakes) = setup(ctx);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    staking.epoch_sync_done(&mut caps[0], 1, &clock);
    staking.epoch_sync_done(&mut caps[0], 1, &clock);
    abort
}

#[test, expected_failure(abort_code = walrus::staking_pool::EWrongCap)]
fun wrong_cap_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, _system, _clock, caps, _stakes) = setup(ctx);
    let node_id = caps[1].node_id();
    let other = walrus::storage_node::new_cap(node_id, ctx);
    staking.set_next_commission(&caps[0], 0);
    // A cap whose node ID is right works; check a mismatch through the pool directly.
    staking.pool(caps[0].node_id()).assert_cap(&other);
    abort
}

#[test, expected_failure(abort_code = staking::EWrongVersion)]
fun wrong_version_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, _system, _clock, _caps, _stakes) = setup(ctx);
    staking.set_version_for_test(2);
    staking.epoch();
    abort
}

#[test]
fun slash_vote_sets_the_slash_fraction_at_the_epoch_change() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, mut system, mut clock, caps, stakes) = setup(ctx);
    assert_eq!(staking.pool(caps[1].node_id()).slash_bps_vote(), 1_000);
    // Node 2 (1 of 10 shards) votes for no slashing, node 0 (4 shards) for 5%.
    staking.set_slash_bps_vote(&caps[2], 0);
    staking.set_slash_bps_vote(&caps[0], 500);
    assert_eq!(event::events_by_type<SlashVoteUpdated>().length(), 2);
    assert_eq!(staking.pool(caps[0].node_id()).slash_bps_vote(), 500);
    // Votes take effect at the epoch change only.
    assert_eq!(system.challenges().params().slash_bps(), 1_000);
    change_epoch(&mut staking, &mut system, &mut clock, 0, ctx);
    // Votes 0 (1 shard), 500 (4), 1_000 (4 + 1): a quorum (7 of 10) voted at least 500.
    assert_eq!(system.challenges().params().slash_bps(), 500);
    destroy(caps);
    destroy(stakes);
    destroy(staking);
    destroy(system);
    clock.destroy_for_testing();
}

#[test, expected_failure(abort_code = staking::EInvalidSlashBps)]
fun slash_vote_above_100_percent_fails() {
    let ctx = &mut tx_context::dummy();
    let (mut staking, _system, _clock, caps, _stakes) = setup(ctx);
    staking.set_slash_bps_vote(&caps[0], 10_001);
    abort
}
