//! `walrus::committee`: shard assignments (node ID to shard indices, sorted by node ID), D'Hondt
//! apportionment with a per-node cap, and minimal-movement transitions.

use sui_sdk_types::TypeTag;
use walrus_core::ObjectId;
use walrus_sui::errors::CommitteeError as E;
use walrus_sui::move_types::{Entry, VecMap};
use walrus_sui::objects::Committee;

use super::{
    NResult, NativeError, NativeFn, ParamKind, arithmetic, ensure, invariant, native, pure_arg,
    typed, walrus_abort,
};

use ParamKind::{Ref, Val};

/// With at least this many nodes, a node holds at most a tenth of the shards.
pub const MIN_NODES_FOR_SHARDS_LIMIT: u64 = 20;
/// See [`MIN_NODES_FOR_SHARDS_LIMIT`].
pub const SHARDS_LIMIT_DENOMINATOR: u64 = 10;

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("committee", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "apportion" => f(&[Val, Ref], |_, _, a| {
            let n_shards: u16 = pure_arg(&a[0], 0, &TypeTag::U16)?;
            let stakes: Vec<u64> = pure_arg(&a[1], 1, &TypeTag::Vector(Box::new(TypeTag::U64)))?;
            let shards = apportion(n_shards, &stakes)?;
            Ok(vec![typed(
                TypeTag::Vector(Box::new(TypeTag::U16)),
                &shards,
            )?])
        }),
        "max_shards_per_node" => f(&[Val, Val], |_, _, a| {
            let n_shards: u16 = pure_arg(&a[0], 0, &TypeTag::U16)?;
            let n_nodes: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
            Ok(vec![typed(
                TypeTag::U16,
                &max_shards_per_node(n_shards, n_nodes)?,
            )?])
        }),
        _ => None,
    }
}

/// `empty`.
pub fn empty() -> Committee {
    Committee(VecMap::default())
}

/// `shards`: the shards of `node_id`; aborts if it is not a member.
pub fn shards<'a>(committee: &'a Committee, node_id: &ObjectId) -> NResult<&'a Vec<u16>> {
    committee
        .0
        .get(node_id)
        .ok_or_else(|| abort("shards", E::ENotInCommittee))
}

/// `size`.
pub fn size(committee: &Committee) -> usize {
    committee.0.contents.len()
}

/// `contains`.
pub fn contains(committee: &Committee, node_id: &ObjectId) -> bool {
    committee.0.get(node_id).is_some()
}

/// `n_shards`: the total number of shards.
pub fn n_shards(committee: &Committee) -> u64 {
    committee
        .0
        .contents
        .iter()
        .map(|e| e.value.len() as u64)
        .sum()
}

/// `node_ids`: the members in map order (increasing node ID).
pub fn node_ids(committee: &Committee) -> Vec<ObjectId> {
    committee.0.contents.iter().map(|e| e.key).collect()
}

/// `sort_by_id`: the entries sorted by node ID as a `u256` (stable insertion sort).
pub fn sort_by_id<V>(map: VecMap<ObjectId, V>) -> VecMap<ObjectId, V> {
    let mut contents = map.contents;
    for i in 1..contents.len() {
        let mut j = i;
        // `id_to_u256` reads the address big-endian, so byte order is numeric order.
        while j > 0 && contents[j - 1].key.0 > contents[j].key.0 {
            contents.swap(j - 1, j);
            j -= 1;
        }
    }
    VecMap { contents }
}

/// `vec_map::insert`: aborts (`EKeyAlreadyExists`) on a duplicate key.
fn map_insert<V>(map: &mut VecMap<ObjectId, V>, key: ObjectId, value: V) -> NResult<()> {
    ensure(map.get(&key).is_none(), || {
        super::framework_abort("vec_map", "insert", 0)
    })?;
    map.contents.push(Entry { key, value });
    Ok(())
}

/// `initialize`: the first committee, shards `0..n` numbered over the nodes in node-ID order.
pub fn initialize(assignments: VecMap<ObjectId, u16>) -> NResult<Committee> {
    let sorted = sort_by_id(assignments);
    let mut map = VecMap::default();
    let mut next_shard: u16 = 0;
    for entry in sorted.contents {
        if entry.value > 0 {
            let shards = (0..entry.value)
                .map(|j| next_shard.checked_add(j).ok_or_else(arithmetic))
                .collect::<NResult<Vec<u16>>>()?;
            next_shard = next_shard.checked_add(entry.value).ok_or_else(arithmetic)?;
            map_insert(&mut map, entry.key, shards)?;
        }
    }
    Ok(Committee(map))
}

/// `vector::pop_back` on an empty vector is a VM error.
fn pop(shards: &mut Vec<u16>) -> NResult<u16> {
    shards.pop().ok_or_else(arithmetic)
}

/// `transition`: the next committee for `assignments`, keeping every shard that can stay.
pub fn transition(
    committee: &Committee,
    assignments: &VecMap<ObjectId, u16>,
) -> NResult<Committee> {
    let mut to_move: Vec<u16> = Vec::new();
    let mut kept: VecMap<ObjectId, Vec<u16>> = VecMap::default();
    let mut growing_existing = Vec::new();
    for entry in &committee.0.contents {
        let mut shards = entry.value.clone();
        let new_count = assignments.get(&entry.key).map_or(0, |c| usize::from(*c));
        while shards.len() > new_count {
            to_move.push(pop(&mut shards)?);
        }
        if new_count > 0 {
            if shards.len() < new_count {
                growing_existing.push(entry.key);
            }
            map_insert(&mut kept, entry.key, shards)?;
        }
    }
    let assigned = sort_by_id(assignments.clone());
    let growing_new: Vec<ObjectId> = assigned
        .contents
        .iter()
        .filter(|e| e.value > 0 && !contains(committee, &e.key))
        .map(|e| e.key)
        .collect();
    for node_id in growing_existing {
        let target = usize::from(*assignments.get(&node_id).ok_or_else(invariant)?);
        let shards = kept
            .contents
            .iter_mut()
            .find(|e| e.key == node_id)
            .map(|e| &mut e.value)
            .ok_or_else(invariant)?;
        while shards.len() < target {
            shards.push(pop(&mut to_move)?);
        }
    }
    for node_id in growing_new {
        let target = usize::from(*assignments.get(&node_id).ok_or_else(invariant)?);
        let mut shards = Vec::new();
        while shards.len() < target {
            shards.push(pop(&mut to_move)?);
        }
        map_insert(&mut kept, node_id, shards)?;
    }
    ensure(to_move.is_empty(), || {
        abort("transition", E::EInvalidShardAssignment)
    })?;
    let result = Committee(sort_by_id(kept));
    ensure(n_shards(&result) == n_shards(committee), || {
        abort("transition", E::EInvalidShardAssignment)
    })?;
    Ok(result)
}

/// `max_shards_per_node`: a tenth of the shards with at least 20 nodes, else
/// `ceil(2 * n_shards / n_nodes)`; never below what places every shard, never above `n_shards`.
pub fn max_shards_per_node(n_shards: u16, n_nodes: u64) -> NResult<u16> {
    let n = u64::from(n_shards);
    ensure(n_nodes > 0, arithmetic)?;
    let cap = if n_nodes >= MIN_NODES_FOR_SHARDS_LIMIT {
        n.div_ceil(SHARDS_LIMIT_DENOMINATOR)
    } else {
        (2 * n).div_ceil(n_nodes)
    };
    let needed = n.div_ceil(n_nodes);
    let cap = cap.max(needed).min(n);
    u16::try_from(cap).map_err(|_| arithmetic())
}

/// `apportion`: D'Hondt with the Hagenbach-Bischoff lower bound and a per-node cap; ties go to
/// the earlier node.
pub fn apportion(n_shards: u16, stakes: &[u64]) -> NResult<Vec<u16>> {
    let n_nodes = stakes.len();
    let total: u128 = stakes.iter().map(|s| u128::from(*s)).sum();
    ensure(n_nodes > 0 && total > 0, || abort("apportion", E::ENoStake))?;
    let max_per_node = u128::from(max_shards_per_node(n_shards, n_nodes as u64)?);
    let divisor = total / (u128::from(n_shards) + 1) + 1;
    let mut shards = stakes
        .iter()
        .map(|s| u16::try_from((u128::from(*s) / divisor).min(max_per_node)))
        .collect::<Result<Vec<u16>, _>>()
        .map_err(|_| arithmetic())?;
    let mut assigned: u64 = shards.iter().map(|c| u64::from(*c)).sum();
    while assigned < u64::from(n_shards) {
        let mut best = n_nodes;
        for i in 0..n_nodes {
            if u128::from(shards[i]) < max_per_node && stakes[i] > 0 {
                if best == n_nodes {
                    best = i;
                } else {
                    let lhs = u128::from(stakes[i]) * (u128::from(shards[best]) + 1);
                    let rhs = u128::from(stakes[best]) * (u128::from(shards[i]) + 1);
                    if lhs > rhs {
                        best = i;
                    }
                }
            }
        }
        ensure(best < n_nodes, || {
            abort("apportion", E::EApportionmentFailed)
        })?;
        shards[best] = shards[best].checked_add(1).ok_or_else(arithmetic)?;
        assigned += 1;
    }
    Ok(shards)
}
