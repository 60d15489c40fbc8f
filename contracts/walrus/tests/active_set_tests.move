// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::active_set_tests;

use std::unit_test::assert_eq;
use walrus::active_set;
use walrus::test_utils::node_id;

#[test]
fun insert_update_remove() {
    let mut set = active_set::new(3);
    assert!(set.upsert(node_id(0), 10));
    assert!(set.upsert(node_id(1), 20));
    assert_eq!(set.total_stake(), 30);
    assert!(set.upsert(node_id(0), 15));
    assert_eq!(set.stake(node_id(0)), 15);
    assert_eq!(set.total_stake(), 35);
    assert!(!set.upsert(node_id(1), 0));
    assert!(!set.contains(node_id(1)));
    assert_eq!(set.total_stake(), 15);
    set.remove(node_id(0));
    assert_eq!(set.size(), 0);
}

#[test]
fun full_set_replaces_smallest_only_if_strictly_larger() {
    let mut set = active_set::new(2);
    set.upsert(node_id(0), 10);
    set.upsert(node_id(1), 20);
    assert!(!set.upsert(node_id(2), 10));
    assert!(set.upsert(node_id(2), 11));
    assert!(!set.contains(node_id(0)));
    assert_eq!(set.node_ids(), vector[node_id(1), node_id(2)]);
    assert_eq!(set.stakes(), vector[20, 11]);
    assert_eq!(set.total_stake(), 31);
}

#[test, expected_failure(abort_code = active_set::EZeroMaxSize)]
fun zero_size_fails() {
    active_set::new(0);
}
