// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// The active set: the bounded list of candidate nodes, with their projected stake, from which the
/// next committee is selected. When the set is full, a node enters only by having strictly more
/// stake than the smallest entry, which it replaces.
module walrus::active_set;

/// One candidate.
public struct ActiveSetEntry has copy, drop, store {
    node_id: ID,
    staked_amount: u64,
}

/// The active set. Entries keep their insertion order (removal swaps in the last entry); earlier
/// entries win apportionment ties.
public struct ActiveSet has copy, drop, store {
    max_size: u16,
    nodes: vector<ActiveSetEntry>,
    total_stake: u64,
}

/// The maximum size is zero.
const EZeroMaxSize: u64 = 0;

/// Creates an empty active set of at most `max_size` nodes.
public(package) fun new(max_size: u16): ActiveSet {
    assert!(max_size > 0, EZeroMaxSize);
    ActiveSet { max_size, nodes: vector[], total_stake: 0 }
}

/// Inserts, updates or removes `node_id` with `staked_amount` (zero removes it). Returns whether
/// the node is in the set afterwards.
public(package) fun upsert(self: &mut ActiveSet, node_id: ID, staked_amount: u64): bool {
    let index = self.nodes.find_index!(|entry| entry.node_id == node_id);
    if (index.is_some()) {
        let index = index.destroy_some();
        if (staked_amount == 0) {
            self.remove_at(index);
            return false
        };
        let old_amount = self.nodes[index].staked_amount;
        self.total_stake = self.total_stake - old_amount + staked_amount;
        let entry = &mut self.nodes[index];
        entry.staked_amount = staked_amount;
        return true
    };
    if (staked_amount == 0) return false;
    if (self.nodes.length() < (self.max_size as u64)) {
        self.nodes.push_back(ActiveSetEntry { node_id, staked_amount });
        self.total_stake = self.total_stake + staked_amount;
        return true
    };
    // Full: replace the smallest entry if the newcomer has strictly more stake.
    let mut min_index = 0;
    let mut i = 1;
    while (i < self.nodes.length()) {
        if (self.nodes[i].staked_amount < self.nodes[min_index].staked_amount) min_index = i;
        i = i + 1;
    };
    if (self.nodes[min_index].staked_amount >= staked_amount) return false;
    self.remove_at(min_index);
    self.nodes.push_back(ActiveSetEntry { node_id, staked_amount });
    self.total_stake = self.total_stake + staked_amount;
    true
}

/// Removes `node_id` if present.
public(package) fun remove(self: &mut ActiveSet, node_id: ID) {
    let index = self.nodes.find_index!(|entry| entry.node_id == node_id);
    if (index.is_some()) self.remove_at(index.destroy_some());
}

fun remove_at(self: &mut ActiveSet, index: u64) {
    let entry = self.nodes.swap_remove(index);
    self.total_stake = self.total_stake - entry.staked_amount;
}

// === Accessors ===

/// The maximum number of nodes.
public fun max_size(self: &ActiveSet): u16 { self.max_size }

/// The number of nodes.
public fun size(self: &ActiveSet): u64 { self.nodes.length() }

/// The total projected stake.
public fun total_stake(self: &ActiveSet): u64 { self.total_stake }

/// Whether `node_id` is in the set.
public fun contains(self: &ActiveSet, node_id: ID): bool {
    self.nodes.any!(|entry| entry.node_id == node_id)
}

/// The projected stake of `node_id`, zero if absent.
public fun stake(self: &ActiveSet, node_id: ID): u64 {
    let index = self.nodes.find_index!(|entry| entry.node_id == node_id);
    if (index.is_some()) self.nodes[index.destroy_some()].staked_amount else 0
}

/// The node IDs, in set order.
public fun node_ids(self: &ActiveSet): vector<ID> {
    self.nodes.map_ref!(|entry| entry.node_id)
}

/// The stakes, in set order.
public fun stakes(self: &ActiveSet): vector<u64> {
    self.nodes.map_ref!(|entry| entry.staked_amount)
}
