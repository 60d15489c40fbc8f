// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::bls_aggregate_tests;

use std::unit_test::assert_eq;
use walrus::bls_aggregate;
use walrus::test_utils;

#[test]
fun quorum_certificate_verifies() {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    assert_eq!(committee.n_shards(), 10);
    assert_eq!(committee.n_members(), 4);
    let message = test_utils::blob_cert_message(1, 5);
    // Members 0, 1 and 2 hold 8 of 10 shards: 3 * 8 >= 21.
    let signers = vector[true, true, true, false];
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(4),
        &signers,
        &message,
    );
    let certified = committee.verify_quorum_in_epoch(
        signature,
        test_utils::signers_to_bitmap(&signers),
        message,
    );
    assert_eq!(certified.stake_support(), 8);
}

#[test]
fun one_correct_node_certificate_verifies() {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    let message = test_utils::invalid_blob_id_message(1, 5);
    // Member 3 alone holds 2 shards: not f+1 (3 * 2 < 11); members 2 and 3 hold 4: f+1.
    let signers = vector[false, false, true, true];
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(4),
        &signers,
        &message,
    );
    let certified = committee.verify_one_correct_node_in_epoch(
        signature,
        test_utils::signers_to_bitmap(&signers),
        message,
    );
    assert_eq!(certified.stake_support(), 4);
}

#[test]
fun thresholds_and_membership() {
    assert!(bls_aggregate::is_quorum(7, 10));
    assert!(!bls_aggregate::is_quorum(6, 10));
    assert!(bls_aggregate::is_one_correct_node(4, 10));
    assert!(!bls_aggregate::is_one_correct_node(3, 10));
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    assert!(committee.contains(&test_utils::node_id(2)));
    assert_eq!(committee.get_member_weight(&test_utils::node_id(2)), 2);
    assert_eq!(committee.get_member_weight(&test_utils::node_id(9)), 0);
}

#[test, expected_failure(abort_code = bls_aggregate::ENotEnoughStake)]
fun below_quorum_fails() {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    let message = test_utils::blob_cert_message(1, 5);
    let signers = vector[true, true, false, false];
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(4),
        &signers,
        &message,
    );
    committee.verify_quorum_in_epoch(signature, test_utils::signers_to_bitmap(&signers), message);
}

#[test, expected_failure(abort_code = bls_aggregate::ESigVerification)]
fun wrong_signer_set_fails() {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    let message = test_utils::blob_cert_message(1, 5);
    let signature = test_utils::bls_aggregate_sign(
        &test_utils::committee_sks(4),
        &vector[true, true, true, false],
        &message,
    );
    // The bitmap claims member 3 signed too.
    committee.verify_quorum_in_epoch(signature, vector[0x0F], message);
}

#[test, expected_failure(abort_code = bls_aggregate::EInvalidBitmap)]
fun long_bitmap_fails() {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    committee.verify_quorum_in_epoch(vector[], vector[0x0F, 0x00], vector[]);
}

#[test, expected_failure(abort_code = bls_aggregate::EInvalidBitmap)]
fun bits_past_members_fail() {
    let committee = test_utils::bls_committee(1, vector[3, 3, 2, 2]);
    committee.verify_quorum_in_epoch(vector[], vector[0x1F], vector[]);
}

#[test, expected_failure(abort_code = bls_aggregate::EIncorrectCommittee)]
fun zero_weight_member_fails() {
    test_utils::bls_committee(1, vector[3, 0]);
}
