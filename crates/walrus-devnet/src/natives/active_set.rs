//! `walrus::active_set`: the bounded candidate list the next committee is selected from.

use walrus_core::ObjectId;
use walrus_sui::errors::ActiveSetError as E;
use walrus_sui::objects::{ActiveSet, ActiveSetEntry};

use super::{NResult, NativeError, arithmetic, ensure, walrus_abort};

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("active_set", function, code as u64)
}

/// `new`: an empty set of at most `max_size` nodes.
pub fn new(max_size: u16) -> NResult<ActiveSet> {
    ensure(max_size > 0, || abort("new", E::EZeroMaxSize))?;
    Ok(ActiveSet {
        max_size,
        nodes: Vec::new(),
        total_stake: 0,
    })
}

fn find(set: &ActiveSet, node_id: ObjectId) -> Option<usize> {
    set.nodes.iter().position(|e| e.node_id == node_id)
}

fn remove_at(set: &mut ActiveSet, index: usize) -> NResult<()> {
    // `vector::swap_remove`: the last entry takes the removed one's place.
    let entry = set.nodes.swap_remove(index);
    set.total_stake = set
        .total_stake
        .checked_sub(entry.staked_amount)
        .ok_or_else(arithmetic)?;
    Ok(())
}

/// `upsert`: inserts, updates or (with zero) removes `node_id`. Returns whether the node is in the
/// set afterwards.
pub fn upsert(set: &mut ActiveSet, node_id: ObjectId, staked_amount: u64) -> NResult<bool> {
    if let Some(index) = find(set, node_id) {
        if staked_amount == 0 {
            remove_at(set, index)?;
            return Ok(false);
        }
        let old = set.nodes[index].staked_amount;
        set.total_stake = set
            .total_stake
            .checked_sub(old)
            .and_then(|t| t.checked_add(staked_amount))
            .ok_or_else(arithmetic)?;
        set.nodes[index].staked_amount = staked_amount;
        return Ok(true);
    }
    if staked_amount == 0 {
        return Ok(false);
    }
    if set.nodes.len() < usize::from(set.max_size) {
        set.nodes.push(ActiveSetEntry {
            node_id,
            staked_amount,
        });
        set.total_stake = set
            .total_stake
            .checked_add(staked_amount)
            .ok_or_else(arithmetic)?;
        return Ok(true);
    }
    // Full: replace the smallest entry (the first of equals) if the newcomer has strictly more.
    let mut min_index = 0;
    for i in 1..set.nodes.len() {
        if set.nodes[i].staked_amount < set.nodes[min_index].staked_amount {
            min_index = i;
        }
    }
    if set.nodes[min_index].staked_amount >= staked_amount {
        return Ok(false);
    }
    remove_at(set, min_index)?;
    set.nodes.push(ActiveSetEntry {
        node_id,
        staked_amount,
    });
    set.total_stake = set
        .total_stake
        .checked_add(staked_amount)
        .ok_or_else(arithmetic)?;
    Ok(true)
}

/// `remove`: removes `node_id` if present.
pub fn remove(set: &mut ActiveSet, node_id: ObjectId) -> NResult<()> {
    if let Some(index) = find(set, node_id) {
        remove_at(set, index)?;
    }
    Ok(())
}

/// `contains`.
pub fn contains(set: &ActiveSet, node_id: ObjectId) -> bool {
    find(set, node_id).is_some()
}

/// `stake`: the projected stake of `node_id`, zero if absent.
pub fn stake(set: &ActiveSet, node_id: ObjectId) -> u64 {
    find(set, node_id).map_or(0, |i| set.nodes[i].staked_amount)
}

/// `node_ids`, in set order.
pub fn node_ids(set: &ActiveSet) -> Vec<ObjectId> {
    set.nodes.iter().map(|e| e.node_id).collect()
}

/// `stakes`, in set order.
pub fn stakes(set: &ActiveSet) -> Vec<u64> {
    set.nodes.iter().map(|e| e.staked_amount).collect()
}
