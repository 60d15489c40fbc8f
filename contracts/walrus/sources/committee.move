// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Committees and shard apportionment.
///
/// A `Committee` maps node IDs (in increasing `u256` order) to the shard indices they hold.
/// `apportion` turns stakes into shard counts (D'Hondt with a per-node cap); `initialize` numbers
/// the first committee's shards sequentially; `transition` reassigns shards to the next committee
/// while moving as few as possible.
module walrus::committee;

use sui::vec_map::{Self, VecMap};
use walrus::bls_aggregate::id_to_u256;

/// Node ID to shard indices, sorted by node ID.
public struct Committee(VecMap<ID, vector<u16>>) has copy, drop, store;

/// With at least this many nodes, a node holds at most `n_shards / SHARDS_LIMIT_DENOMINATOR`.
const MIN_NODES_FOR_SHARDS_LIMIT: u64 = 20;
/// See `MIN_NODES_FOR_SHARDS_LIMIT`.
const SHARDS_LIMIT_DENOMINATOR: u64 = 10;

/// The new assignment does not cover exactly the same shards.
const EInvalidShardAssignment: u64 = 0;
/// There is no stake to apportion.
const ENoStake: u64 = 1;
/// The node is not in the committee.
const ENotInCommittee: u64 = 2;
/// The shards cannot all be apportioned under the per-node cap.
const EApportionmentFailed: u64 = 3;

/// An empty committee.
public fun empty(): Committee { Committee(vec_map::empty()) }

// === Accessors ===

/// The shards of `node_id`; aborts if it is not a member.
public fun shards(self: &Committee, node_id: &ID): &vector<u16> {
    assert!(self.0.contains(node_id), ENotInCommittee);
    self.0.get(node_id)
}

/// The number of members.
public fun size(self: &Committee): u64 { self.0.size() }

/// Whether `node_id` is a member.
public fun contains(self: &Committee, node_id: &ID): bool { self.0.contains(node_id) }

/// The total number of shards.
public fun n_shards(self: &Committee): u64 {
    let mut total = 0;
    let mut i = 0;
    while (i < self.0.size()) {
        let (_, shards) = self.0.get_entry_by_idx(i);
        total = total + shards.length();
        i = i + 1;
    };
    total
}

/// The member node IDs in increasing order.
public fun node_ids(self: &Committee): vector<ID> { self.0.keys() }

/// The underlying map.
public fun inner(self: &Committee): &VecMap<ID, vector<u16>> { &self.0 }

// === Construction ===

/// The first committee: shards `0..n` numbered sequentially over the nodes in node-ID order.
/// `assignments` maps node IDs to shard counts (zero counts are dropped).
public(package) fun initialize(assignments: VecMap<ID, u16>): Committee {
    let sorted = sort_by_id(assignments);
    let mut map = vec_map::empty();
    let mut next_shard: u16 = 0;
    let mut i = 0;
    while (i < sorted.size()) {
        let (node_id, count) = sorted.get_entry_by_idx(i);
        if (*count > 0) {
            let shards = vector::tabulate!((*count as u64), |j| next_shard + (j as u16));
            next_shard = next_shard + *count;
            map.insert(*node_id, shards);
        };
        i = i + 1;
    };
    Committee(map)
}

/// The next committee for `assignments` (node ID to shard count), keeping every shard that can
/// stay where it is. Shrinking or leaving nodes release shards from the end of their lists; nodes
/// that grow take released shards, existing members first, then new members.
public(package) fun transition(self: &Committee, assignments: VecMap<ID, u16>): Committee {
    let mut to_move: vector<u16> = vector[];
    let mut kept: VecMap<ID, vector<u16>> = vec_map::empty();
    let mut growing_existing: vector<ID> = vector[];
    let mut i = 0;
    while (i < self.0.size()) {
        let (node_id, shards) = self.0.get_entry_by_idx(i);
        let mut shards = *shards;
        let new_count = if (assignments.contains(node_id)) {
            (*assignments.get(node_id) as u64)
        } else {
            0
        };
        while (shards.length() > new_count) to_move.push_back(shards.pop_back());
        if (new_count > 0) {
            if (shards.length() < new_count) growing_existing.push_back(*node_id);
            kept.insert(*node_id, shards);
        };
        i = i + 1;
    };
    let mut growing_new: vector<ID> = vector[];
    let assigned = sort_by_id(assignments);
    i = 0;
    while (i < assigned.size()) {
        let (node_id, count) = assigned.get_entry_by_idx(i);
        if (*count > 0 && !self.0.contains(node_id)) growing_new.push_back(*node_id);
        i = i + 1;
    };
    growing_existing.do!(|node_id| {
        let target = (*assignments.get(&node_id) as u64);
        let shards = kept.get_mut(&node_id);
        while (shards.length() < target) shards.push_back(to_move.pop_back());
    });
    growing_new.do!(|node_id| {
        let target = (*assignments.get(&node_id) as u64);
        let mut shards = vector[];
        while (shards.length() < target) shards.push_back(to_move.pop_back());
        kept.insert(node_id, shards);
    });
    assert!(to_move.is_empty(), EInvalidShardAssignment);
    let result = Committee(sort_by_id(kept));
    assert!(result.n_shards() == self.n_shards(), EInvalidShardAssignment);
    result
}

/// Returns `map` with its entries sorted by node ID as `u256` (insertion sort; committees are
/// small).
public(package) fun sort_by_id<V: copy + drop>(map: VecMap<ID, V>): VecMap<ID, V> {
    let (mut keys, mut values) = map.into_keys_values();
    let n = keys.length();
    let mut i = 1;
    while (i < n) {
        let mut j = i;
        while (j > 0 && id_to_u256(&keys[j - 1]) > id_to_u256(&keys[j])) {
            keys.swap(j - 1, j);
            values.swap(j - 1, j);
            j = j - 1;
        };
        i = i + 1;
    };
    vec_map::from_keys_values(keys, values)
}

// === Apportionment ===

/// The maximum number of shards one node may hold: a tenth of the shards with at least 20 nodes,
/// else `ceil(2 * n_shards / n_nodes)`; never below what is needed to place every shard.
public fun max_shards_per_node(n_shards: u16, n_nodes: u64): u16 {
    let n = n_shards as u64;
    let cap = if (n_nodes >= MIN_NODES_FOR_SHARDS_LIMIT) {
        (n + SHARDS_LIMIT_DENOMINATOR - 1) / SHARDS_LIMIT_DENOMINATOR
    } else {
        (2 * n + n_nodes - 1) / n_nodes
    };
    let needed = (n + n_nodes - 1) / n_nodes;
    let cap = if (cap < needed) needed else cap;
    (if (cap > n) n else cap) as u16
}

/// Apportions `n_shards` over nodes with `stakes` (D'Hondt / Jefferson, capped per node).
///
/// Each node first gets the Hagenbach-Bischoff lower bound `stake / (total / (n + 1) + 1)` (capped);
/// the remaining shards go one at a time to the node with the highest quotient
/// `stake / (shards + 1)`, ties to the earlier node. All stakes must be positive.
public fun apportion(n_shards: u16, stakes: &vector<u64>): vector<u16> {
    let n_nodes = stakes.length();
    let mut total: u128 = 0;
    stakes.do_ref!(|stake| total = total + (*stake as u128));
    assert!(n_nodes > 0 && total > 0, ENoStake);
    let max_per_node = max_shards_per_node(n_shards, n_nodes) as u128;
    let divisor = total / ((n_shards as u128) + 1) + 1;
    let mut shards = stakes.map_ref!(|stake| {
        let lower = (*stake as u128) / divisor;
        (if (lower > max_per_node) max_per_node else lower) as u16
    });
    let mut assigned: u64 = 0;
    shards.do_ref!(|count| assigned = assigned + (*count as u64));
    while (assigned < (n_shards as u64)) {
        // Find the highest quotient among the nodes below the cap.
        let mut best = n_nodes;
        let mut i = 0;
        while (i < n_nodes) {
            if ((shards[i] as u128) < max_per_node && stakes[i] > 0) {
                if (best == n_nodes) {
                    best = i;
                } else {
                    // stakes[i] / (shards[i] + 1) > stakes[best] / (shards[best] + 1)
                    let lhs = (stakes[i] as u128) * ((shards[best] as u128) + 1);
                    let rhs = (stakes[best] as u128) * ((shards[i] as u128) + 1);
                    if (lhs > rhs) best = i;
                };
            };
            i = i + 1;
        };
        assert!(best < n_nodes, EApportionmentFailed);
        let count = &mut shards[best];
        *count = *count + 1;
        assigned = assigned + 1;
    };
    shards
}

#[test_only]
/// Builds a committee from a map in tests.
public fun from_map_for_test(map: VecMap<ID, vector<u16>>): Committee { Committee(map) }
