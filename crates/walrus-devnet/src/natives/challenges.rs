//! `walrus::challenges`: the per-epoch challenge seed, verdicts per node per epoch, the pass
//! history that scales rewards and the failure count that triggers slashing. The state is the
//! `challenges` field of the System's inner state; `system` and `staking` call these functions.

use fastcrypto::hash::{Blake2b256, HashFunction};
use sui_sdk_types::TypeTag;
use walrus_core::ObjectId;
use walrus_sui::errors::ChallengesError as E;
use walrus_sui::events::ChallengeVerdictRecorded;
use walrus_sui::move_types::{Balance, Entry, VecMap};
use walrus_sui::objects::{ChallengeParams, ChallengeState, NodeRecord};

use super::{
    NResult, NativeCtx, NativeError, NativeFn, ParamKind, ensure, native, pure_arg, typed,
};

use ParamKind::Val;

/// Intent type of a challenge verdict.
pub const CHALLENGE_VERDICT_MSG_TYPE: u8 = 16;
/// 100% in basis points.
pub const N_BASIS_POINTS: u64 = 10_000;
/// No verdict in that epoch.
pub const OUTCOME_NONE: u8 = 0;
/// The node passed.
pub const OUTCOME_PASS: u8 = 1;
/// The node failed.
pub const OUTCOME_FAIL: u8 = 2;
/// Default pass-rate window in epochs.
pub const DEFAULT_WINDOW: u32 = 4;
/// Default consecutive failing epochs before a slash.
pub const DEFAULT_SLASH_AFTER_FAILURES: u32 = 2;
/// Default slashed fraction in basis points.
pub const DEFAULT_SLASH_BPS: u16 = 1_000;

fn abort(function: &'static str, code: E) -> NativeError {
    super::walrus_abort("challenges", function, code as u64)
}

fn u8_vector() -> TypeTag {
    TypeTag::Vector(Box::new(TypeTag::U8))
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "verdict_message_bytes" => f(&[Val, Val, Val], |_, _, a| {
            let epoch: u32 = pure_arg(&a[0], 0, &TypeTag::U32)?;
            let target: ObjectId = pure_arg(&a[1], 1, &TypeTag::Address)?;
            let passed: bool = pure_arg(&a[2], 2, &TypeTag::Bool)?;
            let bytes = verdict_message_bytes(epoch, target, passed);
            Ok(vec![typed(u8_vector(), &bytes)?])
        }),
        "next_seed" => f(&[Val, Val, Val], |_, _, a| {
            let previous: Vec<u8> = pure_arg(&a[0], 0, &u8_vector())?;
            let epoch: u32 = pure_arg(&a[1], 1, &TypeTag::U32)?;
            let digest: Vec<u8> = pure_arg(&a[2], 2, &u8_vector())?;
            Ok(vec![typed(
                u8_vector(),
                &next_seed(&previous, epoch, &digest),
            )?])
        }),
        _ => None,
    }
}

/// `new`: the state for `epoch` with the default parameters, seeded from `tx_digest`.
pub fn new(epoch: u32, tx_digest: &[u8]) -> ChallengeState {
    ChallengeState {
        seed: next_seed(&[], epoch, tx_digest),
        params: ChallengeParams {
            window: DEFAULT_WINDOW,
            slash_after_failures: DEFAULT_SLASH_AFTER_FAILURES,
            slash_bps: DEFAULT_SLASH_BPS,
        },
        verdicts: VecMap::default(),
        records: VecMap::default(),
        total_slashed: 0,
        slashed_fund: Balance::default(),
    }
}

/// `new_params`: checks the ranges.
pub fn new_params(
    window: u32,
    slash_after_failures: u32,
    slash_bps: u16,
) -> NResult<ChallengeParams> {
    ensure(
        window > 0 && slash_after_failures > 0 && u64::from(slash_bps) <= N_BASIS_POINTS,
        || abort("new_params", E::EInvalidParams),
    )?;
    Ok(ChallengeParams {
        window,
        slash_after_failures,
        slash_bps,
    })
}

/// `set_slash_bps`: replaces the slash fraction (at most 100%).
pub fn set_slash_bps(state: &mut ChallengeState, slash_bps: u16) -> NResult<()> {
    ensure(u64::from(slash_bps) <= N_BASIS_POINTS, || {
        abort("set_slash_bps", E::EInvalidParams)
    })?;
    state.params.slash_bps = slash_bps;
    Ok(())
}

/// `verdict_message_bytes`: `[16, 0, 3] ++ epoch (LE) ++ target ++ passed`.
pub fn verdict_message_bytes(epoch: u32, target: ObjectId, passed: bool) -> Vec<u8> {
    let mut bytes = vec![CHALLENGE_VERDICT_MSG_TYPE, 0, 3];
    bytes.extend(epoch.to_le_bytes());
    bytes.extend(target.0);
    bytes.push(u8::from(passed));
    bytes
}

/// `next_seed`: Blake2b-256 over the previous seed, the epoch (u32 LE) and the digest.
pub fn next_seed(previous: &[u8], epoch: u32, tx_digest: &[u8]) -> Vec<u8> {
    let mut input = previous.to_vec();
    input.extend(epoch.to_le_bytes());
    input.extend(tx_digest);
    Blake2b256::digest(&input).digest.to_vec()
}

/// `record_verdict`: at most one verdict per node and epoch. Emits `ChallengeVerdictRecorded`.
pub fn record_verdict(
    ctx: &mut NativeCtx<'_>,
    state: &mut ChallengeState,
    epoch: u32,
    node_id: ObjectId,
    passed: bool,
) -> NResult<()> {
    ensure(state.verdicts.get(&node_id).is_none(), || {
        abort("record_verdict", E::EDuplicateVerdict)
    })?;
    state.verdicts.contents.push(Entry {
        key: node_id,
        value: passed,
    });
    ctx.emit(&ChallengeVerdictRecorded {
        epoch,
        node_id,
        passed,
    })
}

/// `close_epoch`: appends each member's outcome, returns the basis points of its reward share each
/// member keeps and the members to slash, clears the verdicts and derives the next seed.
pub fn close_epoch(
    state: &mut ChallengeState,
    members: &[ObjectId],
    ending_epoch: u32,
    tx_digest: &[u8],
) -> NResult<(Vec<u64>, Vec<ObjectId>)> {
    let window = u64::from(state.params.window);
    let slash_after = state.params.slash_after_failures;
    let mut keep_bps = Vec::new();
    let mut to_slash = Vec::new();
    for node_id in members {
        let outcome = match state.verdict(node_id) {
            None => OUTCOME_NONE,
            Some(true) => OUTCOME_PASS,
            Some(false) => OUTCOME_FAIL,
        };
        if outcome != OUTCOME_NONE && state.records.get(node_id).is_none() {
            state.records.contents.push(Entry {
                key: *node_id,
                value: NodeRecord {
                    recent: Vec::new(),
                    consecutive_failures: 0,
                },
            });
        }
        let mut keep = N_BASIS_POINTS;
        if let Some(entry) = state
            .records
            .contents
            .iter_mut()
            .find(|e| e.key == *node_id)
        {
            let record = &mut entry.value;
            record.recent.push(outcome);
            while record.recent.len() as u64 > window {
                record.recent.remove(0);
            }
            if outcome == OUTCOME_FAIL {
                record.consecutive_failures = record
                    .consecutive_failures
                    .checked_add(1)
                    .ok_or_else(super::arithmetic)?;
                let failures = record.recent.iter().filter(|o| **o == OUTCOME_FAIL).count() as u64;
                keep = (window - failures) * N_BASIS_POINTS / window;
                if record.consecutive_failures >= slash_after {
                    record.consecutive_failures = 0;
                    to_slash.push(*node_id);
                }
            } else {
                record.consecutive_failures = 0;
            }
        }
        keep_bps.push(keep);
    }
    state.verdicts = VecMap::default();
    let next_epoch = ending_epoch.checked_add(1).ok_or_else(super::arithmetic)?;
    state.seed = next_seed(&state.seed, next_epoch, tx_digest);
    Ok((keep_bps, to_slash))
}

/// `add_slashed`.
pub fn add_slashed(state: &mut ChallengeState, amount: u64) -> NResult<()> {
    state.total_slashed = state
        .total_slashed
        .checked_add(amount)
        .ok_or_else(super::arithmetic)?;
    Ok(())
}

/// `deposit_slashed`: adds slashed WAL taken from a withdrawn stake to the slashing fund.
pub fn deposit_slashed(state: &mut ChallengeState, amount: u64) -> NResult<()> {
    super::coin::join_value(&mut state.slashed_fund.value, amount)
}
