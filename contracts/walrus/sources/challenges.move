// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Storage challenges: the per-epoch challenge seed, the verdicts recorded per node per epoch, the
/// pass history that scales rewards, and the failure count that triggers slashing. See
/// `docs/CHALLENGES.md` for the protocol.
///
/// The state lives in the `System` (field `challenges` of `SystemStateInnerV1`); `system` records
/// verdicts after checking their quorum certificate, and closes the epoch in `advance_epoch`.
///
/// Outcomes kept per node (newest last, at most `window` entries): `OUTCOME_NONE` (no verdict in
/// that epoch), `OUTCOME_PASS`, `OUTCOME_FAIL`.
module walrus::challenges;

use sui::balance::{Self, Balance};
use sui::bcs;
use sui::hash;
use sui::vec_map::{Self, VecMap};
use wal::wal::WAL;
use walrus::events;

/// Intent type of a challenge verdict (`[16, 0, 3]` header).
const CHALLENGE_VERDICT_MSG_TYPE: u8 = 16;
/// The only intent version.
const INTENT_VERSION: u8 = 0;
/// The Walrus application ID.
const APP_ID: u8 = 3;
/// 100% in basis points.
const N_BASIS_POINTS: u64 = 10_000;
/// No verdict was recorded for the node in that epoch.
const OUTCOME_NONE: u8 = 0;
/// The node passed.
const OUTCOME_PASS: u8 = 1;
/// The node failed.
const OUTCOME_FAIL: u8 = 2;
/// Default number of epochs over which the pass rate is computed.
const DEFAULT_WINDOW: u32 = 4;
/// Default number of consecutive failing epochs before a slash.
const DEFAULT_SLASH_AFTER_FAILURES: u32 = 2;
/// Default fraction of the pool's active WAL slashed, in basis points (10%).
const DEFAULT_SLASH_BPS: u16 = 1_000;

/// A verdict for this node was already recorded in this epoch.
const EDuplicateVerdict: u64 = 0;
/// A parameter is out of range (zero window or failure count, or more than 100%).
const EInvalidParams: u64 = 1;

/// The governed challenge parameters.
public struct ChallengeParams has copy, drop, store {
    /// Epochs over which the pass rate is computed.
    window: u32,
    /// Consecutive failing epochs after which the node's pool is slashed.
    slash_after_failures: u32,
    /// Fraction of the pool's active WAL slashed, in basis points.
    slash_bps: u16,
}

/// A node's challenge history.
public struct NodeRecord has copy, drop, store {
    /// Outcomes of the node's last epochs in the committee, newest last.
    recent: vector<u8>,
    /// Consecutive epochs closed with a failing verdict.
    consecutive_failures: u32,
}

/// The challenge state of the system.
public struct ChallengeState has store {
    /// The seed of the current epoch's challenges (32 bytes).
    seed: vector<u8>,
    /// The parameters.
    params: ChallengeParams,
    /// The verdicts recorded in the current epoch.
    verdicts: VecMap<ID, bool>,
    /// The history of every node that ever had a verdict.
    records: VecMap<ID, NodeRecord>,
    /// WAL slashed so far (FROST), summed over all slashes.
    total_slashed: u64,
    /// The slashing fund: the slashed WAL taken from withdrawn stakes.
    slashed_fund: Balance<WAL>,
}

// === Creation ===

/// Creates the state for `epoch` with the default parameters and the seed derived from the
/// creating transaction.
public(package) fun new(epoch: u32, ctx: &TxContext): ChallengeState {
    ChallengeState {
        seed: next_seed(&vector[], epoch, ctx.digest()),
        params: ChallengeParams {
            window: DEFAULT_WINDOW,
            slash_after_failures: DEFAULT_SLASH_AFTER_FAILURES,
            slash_bps: DEFAULT_SLASH_BPS,
        },
        verdicts: vec_map::empty(),
        records: vec_map::empty(),
        total_slashed: 0,
        slashed_fund: balance::zero(),
    }
}

/// Creates parameters, checking their ranges.
public(package) fun new_params(
    window: u32,
    slash_after_failures: u32,
    slash_bps: u16,
): ChallengeParams {
    assert!(
        window > 0 && slash_after_failures > 0 && (slash_bps as u64) <= N_BASIS_POINTS,
        EInvalidParams,
    );
    ChallengeParams { window, slash_after_failures, slash_bps }
}

/// Replaces the parameters.
public(package) fun set_params(self: &mut ChallengeState, params: ChallengeParams) {
    self.params = params;
}

/// Sets the slash fraction (basis points, at most 100%), keeping the other parameters.
public(package) fun set_slash_bps(self: &mut ChallengeState, slash_bps: u16) {
    assert!((slash_bps as u64) <= N_BASIS_POINTS, EInvalidParams);
    self.params.slash_bps = slash_bps;
}

// === Verdicts ===

/// The bytes challengers sign: the header `[16, 0, 3] ++ epoch (u32 LE)`, the 32-byte node ID
/// and `1` for a pass or `0` for a failure.
public fun verdict_message_bytes(epoch: u32, target: ID, passed: bool): vector<u8> {
    let mut bytes = vector[CHALLENGE_VERDICT_MSG_TYPE, INTENT_VERSION, APP_ID];
    bytes.append(bcs::to_bytes(&epoch));
    bytes.append(object::id_to_bytes(&target));
    bytes.push_back(if (passed) 1 else 0);
    bytes
}

/// Records the verdict on `node_id` for the current `epoch` (the caller checked the certificate).
/// Emits `ChallengeVerdictRecorded`.
public(package) fun record_verdict(
    self: &mut ChallengeState,
    epoch: u32,
    node_id: ID,
    passed: bool,
) {
    assert!(!self.verdicts.contains(&node_id), EDuplicateVerdict);
    self.verdicts.insert(node_id, passed);
    events::emit_challenge_verdict_recorded(epoch, node_id, passed);
}

// === Epoch change ===

/// Closes `ending_epoch` for the ending committee `members`: appends each member's outcome to
/// its history, and returns, per member, the basis points of its reward share it keeps (10_000
/// unless it failed this epoch, else its pass rate over the window, counting epochs without a
/// verdict as passed), and the members whose failures reached `slash_after_failures` in a row
/// (their count restarts). Clears the verdicts and derives the next epoch's seed.
public(package) fun close_epoch(
    self: &mut ChallengeState,
    members: &vector<ID>,
    ending_epoch: u32,
    ctx: &TxContext,
): (vector<u64>, vector<ID>) {
    let window = self.params.window as u64;
    let slash_after = self.params.slash_after_failures;
    let mut keep_bps = vector[];
    let mut to_slash = vector[];
    members.do_ref!(|node_id| {
        let verdict = if (self.verdicts.contains(node_id)) {
            option::some(*self.verdicts.get(node_id))
        } else {
            option::none()
        };
        let outcome = if (verdict.is_none()) OUTCOME_NONE
        else if (*verdict.borrow()) OUTCOME_PASS
        else OUTCOME_FAIL;
        if (outcome != OUTCOME_NONE && !self.records.contains(node_id)) {
            self.records.insert(*node_id, NodeRecord { recent: vector[], consecutive_failures: 0 });
        };
        // A node that never had a verdict keeps everything and gets no record.
        let mut keep = N_BASIS_POINTS;
        if (self.records.contains(node_id)) {
            let record = self.records.get_mut(node_id);
            record.recent.push_back(outcome);
            while (record.recent.length() > window) {
                record.recent.remove(0);
            };
            if (outcome == OUTCOME_FAIL) {
                record.consecutive_failures = record.consecutive_failures + 1;
                let mut failures = 0;
                record.recent.do_ref!(|o| if (*o == OUTCOME_FAIL) failures = failures + 1);
                keep = (window - failures) * N_BASIS_POINTS / window;
                if (record.consecutive_failures >= slash_after) {
                    record.consecutive_failures = 0;
                    to_slash.push_back(*node_id);
                };
            } else {
                record.consecutive_failures = 0;
            };
        };
        keep_bps.push_back(keep);
    });
    self.verdicts = vec_map::empty();
    self.seed = next_seed(&self.seed, ending_epoch + 1, ctx.digest());
    (keep_bps, to_slash)
}

/// Adds `amount` to the slashed total.
public(package) fun add_slashed(self: &mut ChallengeState, amount: u64) {
    self.total_slashed = self.total_slashed + amount;
}

/// Adds slashed WAL taken from a withdrawn stake to the slashing fund.
public(package) fun deposit_slashed(self: &mut ChallengeState, slashed: Balance<WAL>) {
    self.slashed_fund.join(slashed);
}

/// The seed of `epoch`: Blake2b-256 over the previous seed, the epoch (u32 LE) and the digest of
/// the transaction that starts the epoch. On Sui mainnet this would come from `sui::random`.
public fun next_seed(previous: &vector<u8>, epoch: u32, tx_digest: &vector<u8>): vector<u8> {
    let mut input = *previous;
    input.append(bcs::to_bytes(&epoch));
    input.append(*tx_digest);
    hash::blake2b256(&input)
}

// === Accessors ===

/// The seed of the current epoch.
public fun seed(self: &ChallengeState): vector<u8> { self.seed }

/// The parameters.
public fun params(self: &ChallengeState): ChallengeParams { self.params }

/// The pass-rate window in epochs.
public fun window(self: &ChallengeParams): u32 { self.window }

/// Consecutive failing epochs before a slash.
public fun slash_after_failures(self: &ChallengeParams): u32 { self.slash_after_failures }

/// The slashed fraction in basis points.
public fun slash_bps(self: &ChallengeParams): u16 { self.slash_bps }

/// The verdict recorded for `node_id` in the current epoch, if any.
public fun verdict(self: &ChallengeState, node_id: ID): Option<bool> {
    if (self.verdicts.contains(&node_id)) option::some(*self.verdicts.get(&node_id))
    else option::none()
}

/// The consecutive failing epochs of `node_id`.
public fun consecutive_failures(self: &ChallengeState, node_id: ID): u32 {
    if (self.records.contains(&node_id)) self.records.get(&node_id).consecutive_failures else 0
}

/// The recent outcomes of `node_id`, newest last.
public fun recent_outcomes(self: &ChallengeState, node_id: ID): vector<u8> {
    if (self.records.contains(&node_id)) self.records.get(&node_id).recent
    else vector[]
}

/// WAL slashed so far.
public fun total_slashed(self: &ChallengeState): u64 { self.total_slashed }

/// The WAL in the slashing fund (FROST).
public fun slashed_fund(self: &ChallengeState): u64 { self.slashed_fund.value() }

#[test_only]
/// Destroys a state in tests.
public fun destroy_for_test(self: ChallengeState) {
    std::unit_test::destroy(self);
}
