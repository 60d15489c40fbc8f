// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::committee_tests;

use std::unit_test::assert_eq;
use sui::vec_map;
use walrus::committee;
use walrus::test_utils::node_id;

#[test]
fun dhondt_vectors() {
    assert_eq!(
        committee::apportion(778, &vector[25000, 25000, 25000, 25000]),
        vector[195, 195, 194, 194],
    );
    assert_eq!(
        committee::apportion(777, &vector[50000, 30000, 15000, 5000]),
        vector[389, 234, 116, 38],
    );
    assert_eq!(committee::apportion(4, &vector[50000, 30000, 15000, 5000]), vector[2, 2, 0, 0]);
    assert_eq!(committee::apportion(10, &vector[1]), vector[10]);
}

#[test]
fun shard_cap() {
    assert_eq!(committee::max_shards_per_node(1000, 4), 500);
    assert_eq!(committee::max_shards_per_node(1000, 20), 100);
    assert_eq!(committee::max_shards_per_node(10, 1), 10);
    assert_eq!(committee::max_shards_per_node(5, 30), 1);
}

#[test]
fun first_committee_is_numbered_in_id_order() {
    let mut assignments = vec_map::empty();
    assignments.insert(node_id(2), 2);
    assignments.insert(node_id(0), 3);
    assignments.insert(node_id(1), 0);
    let committee = committee::initialize(assignments);
    assert_eq!(committee.size(), 2);
    assert_eq!(*committee.shards(&node_id(0)), vector[0, 1, 2]);
    assert_eq!(*committee.shards(&node_id(2)), vector[3, 4]);
    assert_eq!(committee.n_shards(), 5);
}

#[test]
fun transition_moves_few_shards() {
    let mut first = vec_map::empty();
    first.insert(node_id(0), 3);
    first.insert(node_id(1), 3);
    let committee = committee::initialize(first);
    // Node 0 shrinks to 1, node 1 keeps 3, node 2 joins with 2.
    let mut next = vec_map::empty();
    next.insert(node_id(2), 2);
    next.insert(node_id(0), 1);
    next.insert(node_id(1), 3);
    let next = committee.transition(next);
    assert_eq!(*next.shards(&node_id(0)), vector[0]);
    assert_eq!(*next.shards(&node_id(1)), vector[3, 4, 5]);
    assert_eq!(*next.shards(&node_id(2)), vector[1, 2]);
    assert_eq!(next.node_ids(), vector[node_id(0), node_id(1), node_id(2)]);

    // Node 1 leaves; node 0 takes its shards back.
    let mut last = vec_map::empty();
    last.insert(node_id(0), 4);
    last.insert(node_id(2), 2);
    let last = next.transition(last);
    assert_eq!(*last.shards(&node_id(0)), vector[0, 3, 4, 5]);
    assert_eq!(*last.shards(&node_id(2)), vector[1, 2]);
    assert!(!last.contains(&node_id(1)));
}

#[test, expected_failure(abort_code = committee::EInvalidShardAssignment)]
fun transition_with_other_total_fails() {
    let mut first = vec_map::empty();
    first.insert(node_id(0), 3);
    let committee = committee::initialize(first);
    let mut next = vec_map::empty();
    next.insert(node_id(0), 2);
    committee.transition(next);
}

#[test, expected_failure(abort_code = committee::ENoStake)]
fun apportion_without_stake_fails() {
    committee::apportion(10, &vector[0, 0]);
}

#[test, expected_failure(abort_code = committee::ENotInCommittee)]
fun shards_of_non_member_fails() {
    let committee = committee::empty();
    committee.shards(&node_id(0));
}
