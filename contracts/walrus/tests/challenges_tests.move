// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::challenges_tests;

use std::unit_test::{assert_eq, destroy};
use sui::event;
use walrus::bls_aggregate;
use walrus::challenges;
use walrus::events::ChallengeVerdictRecorded;
use walrus::system::{Self, System};
use walrus::test_utils;

const N_MEMBERS: u64 = 4;
const MIB: u64 = 1_048_576;

/// Epoch 1, members 0..4 with 3, 3, 2, 2 shards.
fun new_system(ctx: &mut TxContext): System {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    system::new_for_test(committee, 1_000 * MIB, 5, 1, 10, ctx)
}

/// Submits the verdict on member `target` signed by `signers`.
fun submit(system: &mut System, epoch: u32, target: u64, passed: bool, signers: vector<bool>) {
    let target = test_utils::node_id(target);
    let message = challenges::verdict_message_bytes(epoch, target, passed);
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(N_MEMBERS),
        &signers,
        &message,
    );
    system.submit_challenge_verdict(
        epoch,
        target,
        passed,
        signature,
        test_utils::signers_to_bitmap(&signers),
    );
}

/// Pays `amount` into the current epoch and ends it with the same committee; returns the
/// rewards in member order and the nodes to slash.
fun end_epoch(system: &mut System, amount: u64, ctx: &mut TxContext): (vector<u64>, vector<ID>) {
    system.add_subsidy(test_utils::mint_frost(amount, ctx), 1);
    let next = test_utils::bls_committee(system.epoch() + 1, vector[3, 3, 2, 2]);
    let (_nodes, rewards, to_slash) = system.advance_epoch(next, 1_000 * MIB, 5, 1, ctx);
    let amounts = rewards.map!(|reward| reward.destroy_for_testing());
    (amounts, to_slash)
}

#[test]
fun verdict_message_layout() {
    let bytes = challenges::verdict_message_bytes(21, test_utils::node_id(6), true);
    assert_eq!(bytes.length(), 40);
    assert_eq!(bytes[0], 16);
    assert_eq!(bytes[2], 3);
    assert_eq!(bytes[3], 21);
    assert_eq!(bytes[38], 7);
    assert_eq!(bytes[39], 1);
}

#[test]
fun quorum_verdict_is_recorded() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    // Members 1, 2, 3 hold 7 of 10 shards: a quorum without the target.
    submit(&mut system, 1, 0, false, vector[false, true, true, true]);
    assert_eq!(system.challenges().verdict(test_utils::node_id(0)), option::some(false));
    assert_eq!(system.challenges().verdict(test_utils::node_id(1)), option::none());
    assert_eq!(event::events_by_type<ChallengeVerdictRecorded>().length(), 1);
    destroy(system);
}

#[test, expected_failure(abort_code = bls_aggregate::ENotEnoughStake)]
fun verdict_without_quorum_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    submit(&mut system, 1, 0, false, vector[false, true, true, false]);
    abort
}

#[test, expected_failure(abort_code = system::ESelfChallenge)]
fun verdict_signed_by_target_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    submit(&mut system, 1, 0, true, vector[true, true, true, false]);
    abort
}

#[test, expected_failure(abort_code = system::ENotCommitteeMember)]
fun verdict_on_non_member_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    submit(&mut system, 1, 9, false, vector[true, true, true, true]);
    abort
}

#[test, expected_failure(abort_code = system::EInvalidIdEpoch)]
fun verdict_for_other_epoch_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    submit(&mut system, 2, 0, false, vector[false, true, true, true]);
    abort
}

#[test, expected_failure(abort_code = challenges::EDuplicateVerdict)]
fun duplicate_verdict_fails() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    submit(&mut system, 1, 0, false, vector[false, true, true, true]);
    submit(&mut system, 1, 0, true, vector[false, true, true, true]);
    abort
}

#[test]
fun failing_node_earns_less_and_is_slashed_after_repeated_failures() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    let seed_1 = system.challenge_seed();
    assert_eq!(seed_1.length(), 32);

    // Epoch 1: node 0 fails, node 1 passes. 1_000 FROST by shards: 300, 300, 200, 200; node 0
    // keeps 3/4 (one failure in a window of 4), the withheld 75 rolls over.
    submit(&mut system, 1, 0, false, vector[false, true, true, true]);
    submit(&mut system, 1, 1, true, vector[true, false, true, true]);
    let (rewards, to_slash) = end_epoch(&mut system, 1_000, ctx);
    assert_eq!(rewards, vector[225, 300, 200, 200]);
    assert!(to_slash.is_empty());
    assert_eq!(system.challenges().consecutive_failures(test_utils::node_id(0)), 1);
    assert_eq!(system.challenges().recent_outcomes(test_utils::node_id(0)), vector[2]);
    assert_eq!(system.challenges().verdict(test_utils::node_id(0)), option::none());
    let seed_2 = system.challenge_seed();
    assert!(seed_2 != seed_1);
    assert_eq!(system.future_accounting().ring_lookup(0).rewards(), 75);

    // Epoch 2: node 0 fails again: it keeps 2/4 of 300 (plus its share of the rollover) and is
    // due for a slash; its failure count restarts.
    submit(&mut system, 2, 0, false, vector[false, true, true, true]);
    let (rewards, to_slash) = end_epoch(&mut system, 925, ctx);
    assert_eq!(rewards, vector[150, 300, 200, 200]);
    assert_eq!(to_slash, vector[test_utils::node_id(0)]);
    assert_eq!(system.challenges().consecutive_failures(test_utils::node_id(0)), 0);

    // Epoch 3: a pass resets nothing in the window but pays in full.
    submit(&mut system, 3, 0, true, vector[false, true, true, true]);
    let (rewards, to_slash) = end_epoch(&mut system, 850, ctx);
    assert_eq!(rewards, vector[300, 300, 200, 200]);
    assert!(to_slash.is_empty());
    assert_eq!(system.challenges().recent_outcomes(test_utils::node_id(0)), vector[2, 2, 1]);
    destroy(system);
}

#[test]
fun slashed_wal_goes_to_the_slashing_fund() {
    let ctx = &mut tx_context::dummy();
    let mut system = new_system(ctx);
    assert_eq!(system.challenges().slashed_fund(), 0);
    system.deposit_slashed(sui::balance::create_for_testing(300));
    system.deposit_slashed(sui::balance::zero());
    system.deposit_slashed(sui::balance::create_for_testing(200));
    assert_eq!(system.challenges().slashed_fund(), 500);
    destroy(system);
}
