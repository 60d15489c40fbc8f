//! Storage challenges: which symbols a challenger asks a node for, and the pass rule.
//!
//! Every epoch the chain publishes a 32-byte challenge seed. From it, each challenger derives,
//! for every other committee member (the target), `k` sample positions: a blob certified before
//! the epoch, one of the target's shards (hence a sliver pair of that blob), an axis and a symbol
//! index in the expanded sliver. The target answers each position with the symbol and its Merkle
//! proof against the sliver's root in the blob metadata. The target passes a challenger's round
//! iff at most `t` of the `k` samples fail (no answer, wrong symbol, bad proof, timeout).
//!
//! Samples are drawn independently and uniformly with replacement (every `(blob, shard, axis)`
//! sliver of the target is equally likely, then every symbol of that sliver), so the number of
//! failures of a node that lost a fraction `p` of its slivers is binomial `B(k, p)`; see
//! [`binomial_cdf`] and `docs/CHALLENGES.md` for the resulting probabilities.
//!
//! Derivation (domain-separated Blake2b-256): the round key is
//! `K = H("walrus-challenge-sample-v1" || seed || epoch u32 LE || challenger || target ||
//! nonce length u32 LE || nonce)`, and sample `i` uses `H(K || i u32 LE)`, whose four
//! little-endian `u64` words pick the blob, the shard, the axis (lowest bit) and the symbol, each
//! mapped to its range by the widening multiply `(word * range) >> 64` (bias below
//! `range / 2^64`, negligible for every range here).
//!
//! The nonce is the challenger's BLS signature over [`nonce_message`]: deterministic, checkable
//! by anyone with the challenger's public key once revealed, and unpredictable to the target
//! before the challenge, so a target cannot learn its samples from the public seed and fetch
//! only those symbols ahead of time. An empty nonce gives a purely public sample.

use serde::{Deserialize, Serialize};

use crate::{
    BlobId, Epoch, ObjectId, ShardIndex, SliverIndex, SliverPairIndex, encoding::Axis,
    merkle::blake2b256,
};

/// The domain separator of sample derivation.
pub const SAMPLE_DOMAIN: &[u8] = b"walrus-challenge-sample-v1";

/// The domain separator of the message a challenger signs to get its nonce. Its first bytes
/// (`w`, `a`) cannot start a protocol message (whose intent version and app ID are `0` and `3`),
/// so the signature is useless as any other signed message.
pub const NONCE_DOMAIN: &[u8] = b"walrus-challenge-nonce-v1";

/// The bytes a challenger signs with its protocol key to get its nonce for `target` in `epoch`:
/// `"walrus-challenge-nonce-v1" || epoch u32 LE || target || seed`.
pub fn nonce_message(epoch: Epoch, target: &ObjectId, seed: &[u8; 32]) -> Vec<u8> {
    let mut message = Vec::with_capacity(NONCE_DOMAIN.len() + 4 + 32 + 32);
    message.extend_from_slice(NONCE_DOMAIN);
    message.extend_from_slice(&epoch.to_le_bytes());
    message.extend_from_slice(&target.0);
    message.extend_from_slice(seed);
    message
}

/// The default number of samples per challenger and target (`k`).
pub const DEFAULT_SAMPLES: u16 = 1_000;

/// The default number of failed samples a target may have and still pass (`t`).
pub const DEFAULT_TOLERANCE: u16 = 40;

/// The number of samples and the failure tolerance of a challenge round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeParams {
    /// Samples per challenger and target (`k`).
    pub samples: u16,
    /// Failed samples tolerated (`t`): the target passes iff at most `t` samples fail.
    pub tolerance: u16,
}

impl Default for ChallengeParams {
    fn default() -> Self {
        Self {
            samples: DEFAULT_SAMPLES,
            tolerance: DEFAULT_TOLERANCE,
        }
    }
}

impl ChallengeParams {
    /// Returns true if a round with `n_failed` failed samples is a pass.
    pub fn passes(&self, n_failed: usize) -> bool {
        n_failed <= usize::from(self.tolerance)
    }

    /// The probability that a node failing each sample independently with probability
    /// `p_fail` still passes one challenger: `P[B(k, p_fail) <= t]`.
    pub fn pass_probability(&self, p_fail: f64) -> f64 {
        binomial_cdf(self.samples, p_fail, self.tolerance)
    }
}

/// One challenged symbol: symbol `symbol` of the expanded `axis` sliver of pair `pair` of
/// `blob_id`. The answer is the cell with the Merkle proof against that sliver's root.
///
/// BCS: `blob_id (32 bytes) || pair u16 || axis (0 primary, 1 secondary) || symbol u16`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChallengePosition {
    /// The blob.
    pub blob_id: BlobId,
    /// The sliver pair (on one of the target's shards).
    pub pair: SliverPairIndex,
    /// The axis of the challenged sliver.
    pub axis: Axis,
    /// The index of the symbol in the expanded sliver, `0..n_shards` (equivalently, the index of
    /// the orthogonal sliver this cell belongs to).
    pub symbol: SliverIndex,
}

impl ChallengePosition {
    /// The index of the challenged sliver along its own axis.
    pub fn sliver_index(&self, n_shards: u16) -> SliverIndex {
        self.pair.to_sliver_index(self.axis, n_shards)
    }

    /// The shard holding the challenged sliver.
    pub fn shard(&self, n_shards: u16) -> ShardIndex {
        self.pair.to_shard_index(n_shards, &self.blob_id)
    }
}

/// Everything a challenger needs to draw its sample of one target.
#[derive(Debug, Clone, Copy)]
pub struct SampleInput<'a> {
    /// The epoch's challenge seed from the chain.
    pub seed: &'a [u8; 32],
    /// The epoch.
    pub epoch: Epoch,
    /// The challenger's node ID.
    pub challenger: ObjectId,
    /// The target's node ID.
    pub target: ObjectId,
    /// The target's shards in this epoch.
    pub target_shards: &'a [ShardIndex],
    /// The blobs the target must hold (certified before the epoch), sorted and deduplicated.
    pub blobs: &'a [BlobId],
    /// The challenger's nonce (its signature over [`nonce_message`]), or empty.
    pub nonce: &'a [u8],
    /// The number of shards.
    pub n_shards: u16,
    /// The number of positions to draw (`k`).
    pub samples: u16,
}

/// Why a sample could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// The blob list is not strictly increasing (unsorted or with duplicates), so challengers
    /// could disagree on it.
    #[error("the blob list must be sorted and without duplicates (at position {0})")]
    UnsortedBlobs(usize),
    /// A shard of the target is not below the number of shards.
    #[error("shard {shard} is out of range for {n_shards} shards")]
    ShardOutOfRange {
        /// The shard.
        shard: ShardIndex,
        /// The number of shards.
        n_shards: u16,
    },
    /// The challenger and the target are the same node.
    #[error("a node does not challenge itself")]
    SelfChallenge,
}

/// Draws the `k` positions a challenger asks the target for. Deterministic in its input; empty
/// when the target has no shards or there are no blobs (nothing to hold, nothing to fail).
pub fn sample(input: &SampleInput<'_>) -> Result<Vec<ChallengePosition>, SampleError> {
    if input.challenger == input.target {
        return Err(SampleError::SelfChallenge);
    }
    if let Some(position) = input.blobs.windows(2).position(|w| w[0] >= w[1]) {
        return Err(SampleError::UnsortedBlobs(position + 1));
    }
    let mut shards = input.target_shards.to_vec();
    shards.sort_unstable();
    shards.dedup();
    if let Some(shard) = shards.iter().find(|s| s.get() >= input.n_shards) {
        return Err(SampleError::ShardOutOfRange {
            shard: *shard,
            n_shards: input.n_shards,
        });
    }
    if shards.is_empty() || input.blobs.is_empty() {
        return Ok(Vec::new());
    }
    let n_blobs = u64::try_from(input.blobs.len()).unwrap_or(u64::MAX);
    let n_target_shards = u64::try_from(shards.len()).unwrap_or(u64::MAX);
    let n_symbols = u64::from(input.n_shards);
    let nonce_length = u32::try_from(input.nonce.len()).unwrap_or(u32::MAX);
    let key = blake2b256(&[
        SAMPLE_DOMAIN,
        input.seed,
        &input.epoch.to_le_bytes(),
        &input.challenger.0,
        &input.target.0,
        &nonce_length.to_le_bytes(),
        input.nonce,
    ]);
    Ok((0..u32::from(input.samples))
        .map(|counter| {
            let digest = blake2b256(&[&key, &counter.to_le_bytes()]);
            let word = |i: usize| {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(&digest[8 * i..8 * i + 8]);
                u64::from_le_bytes(bytes)
            };
            let blob_id = input.blobs[to_index(word(0), n_blobs)];
            let shard = shards[to_index(word(1), n_target_shards)];
            let axis = if word(2) & 1 == 0 {
                Axis::Primary
            } else {
                Axis::Secondary
            };
            let symbol = u16::try_from(scale(word(3), n_symbols)).unwrap_or(0);
            ChallengePosition {
                blob_id,
                pair: shard.to_pair_index(input.n_shards, &blob_id),
                axis,
                symbol: SliverIndex(symbol),
            }
        })
        .collect())
}

/// Maps a uniform 64-bit word to `0..range` (`range >= 1`).
fn scale(word: u64, range: u64) -> u64 {
    let scaled = (u128::from(word) * u128::from(range)) >> 64;
    // The product is below `2^64 * range`, so the shifted value is below `range`.
    u64::try_from(scaled).unwrap_or(0)
}

fn to_index(word: u64, range: u64) -> usize {
    usize::try_from(scale(word, range)).unwrap_or(0)
}

/// `P[X <= t]` for `X ~ B(k, p)`, summed term by term in `f64` (exact enough for `k` up to a
/// few thousand; the terms are built by the ratio `pmf(i + 1) = pmf(i) (k - i) p / ((i + 1) q)`).
pub fn binomial_cdf(k: u16, p: f64, t: u16) -> f64 {
    if t >= k || p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return 0.0;
    }
    binomial_pmfs(k, p).iter().take(usize::from(t) + 1).sum()
}

/// `P[X > t]` for `X ~ B(k, p)`, summed over the upper terms (no cancellation for tiny tails).
pub fn binomial_upper_tail(k: u16, p: f64, t: u16) -> f64 {
    if t >= k || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    binomial_pmfs(k, p).iter().skip(usize::from(t) + 1).sum()
}

/// The probability mass function of `B(k, p)` for `0 < p < 1`, computed in log space so the
/// small terms do not underflow before they matter.
fn binomial_pmfs(k: u16, p: f64) -> Vec<f64> {
    let n = f64::from(k);
    let log_p = p.ln();
    let log_q = (1.0 - p).ln();
    let mut log_choose = 0.0_f64;
    let mut pmfs = Vec::with_capacity(usize::from(k) + 1);
    for i in 0..=k {
        let x = f64::from(i);
        if i > 0 {
            log_choose += (n - x + 1.0).ln() - x.ln();
        }
        pmfs.push((log_choose + x * log_p + (n - x) * log_q).exp());
    }
    pmfs
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;

    fn blobs(n: usize) -> Vec<BlobId> {
        let mut blobs: Vec<BlobId> = (0..n)
            .map(|i| BlobId(blake2b256(&[&i.to_le_bytes()])))
            .collect();
        blobs.sort();
        blobs
    }

    fn input<'a>(
        seed: &'a [u8; 32],
        challenger: u8,
        shards: &'a [ShardIndex],
        blobs: &'a [BlobId],
    ) -> SampleInput<'a> {
        SampleInput {
            seed,
            epoch: 7,
            challenger: ObjectId([challenger; 32]),
            target: ObjectId([0xee; 32]),
            target_shards: shards,
            blobs,
            nonce: &[],
            n_shards: 10,
            samples: 200,
        }
    }

    proptest! {
        #[test]
        fn deterministic_and_in_range(
            seed in any::<[u8; 32]>(),
            n_blobs in 1usize..20,
            n_shards in 1u16..60,
            shard_bits in any::<u64>(),
            challenger in 0u8..0xee,
        ) {
            let blobs = blobs(n_blobs);
            let mut shards: Vec<ShardIndex> = (0..n_shards)
                .filter(|s| shard_bits >> (s % 64) & 1 == 1)
                .map(ShardIndex)
                .collect();
            if shards.is_empty() {
                shards.push(ShardIndex(n_shards - 1));
            }
            let input = SampleInput {
                n_shards,
                samples: 64,
                ..input(&seed, challenger, &shards, &blobs)
            };
            let first = sample(&input).expect("valid input");
            prop_assert_eq!(&first, &sample(&input).expect("valid input"));
            prop_assert_eq!(first.len(), 64);
            for position in &first {
                prop_assert!(blobs.contains(&position.blob_id));
                prop_assert!(position.pair.get() < n_shards);
                prop_assert!(position.symbol.get() < n_shards);
                prop_assert!(shards.contains(&position.shard(n_shards)));
            }
        }

        #[test]
        fn different_challengers_draw_different_samples(
            seed in any::<[u8; 32]>(),
            a in any::<u8>(),
            b in any::<u8>(),
        ) {
            prop_assume!(a != b && a != 0xee && b != 0xee);
            let blobs = blobs(50);
            let shards = [ShardIndex(1), ShardIndex(4), ShardIndex(9)];
            let first = sample(&input(&seed, a, &shards, &blobs)).expect("valid input");
            let second = sample(&input(&seed, b, &shards, &blobs)).expect("valid input");
            // 200 positions out of 50 * 3 * 2 * 10 = 3000: equal samples would be a collision.
            prop_assert_ne!(first, second);
        }

        #[test]
        fn different_seeds_epochs_or_nonces_draw_different_samples(
            seed in any::<[u8; 32]>(),
            other in any::<[u8; 32]>(),
        ) {
            prop_assume!(seed != other);
            let blobs = blobs(50);
            let shards = [ShardIndex(2), ShardIndex(3)];
            let base = input(&seed, 1, &shards, &blobs);
            let first = sample(&base).expect("valid input");
            prop_assert_ne!(&first, &sample(&input(&other, 1, &shards, &blobs)).expect("valid input"));
            prop_assert_ne!(&first, &sample(&SampleInput { epoch: 8, ..base }).expect("valid input"));
            prop_assert_ne!(
                &first,
                &sample(&SampleInput { nonce: &other, ..base }).expect("valid input")
            );
        }
    }

    #[test]
    fn samples_cover_every_blob_shard_axis_and_symbol() {
        let seed = [3; 32];
        let blobs = blobs(4);
        let shards = [ShardIndex(0), ShardIndex(5)];
        let positions = sample(&SampleInput {
            samples: 2_000,
            ..input(&seed, 1, &shards, &blobs)
        })
        .expect("valid input");
        let seen_blobs: BTreeSet<_> = positions.iter().map(|p| p.blob_id).collect();
        let seen_shards: BTreeSet<_> = positions.iter().map(|p| p.shard(10)).collect();
        let seen_axes: BTreeSet<_> = positions.iter().map(|p| p.axis).collect();
        let seen_symbols: BTreeSet<_> = positions.iter().map(|p| p.symbol).collect();
        assert_eq!(seen_blobs.len(), 4);
        assert_eq!(seen_shards, BTreeSet::from(shards));
        assert_eq!(seen_axes.len(), 2);
        assert_eq!(seen_symbols.len(), 10);
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let seed = [0; 32];
        let mut unsorted = blobs(3);
        unsorted.swap(0, 2);
        let shards = [ShardIndex(1)];
        assert_eq!(
            sample(&input(&seed, 1, &shards, &unsorted)),
            Err(SampleError::UnsortedBlobs(1))
        );
        let duplicated = [BlobId([1; 32]), BlobId([1; 32])];
        assert!(matches!(
            sample(&input(&seed, 1, &shards, &duplicated)),
            Err(SampleError::UnsortedBlobs(_))
        ));
        let blobs = blobs(3);
        let out_of_range = [ShardIndex(10)];
        assert_eq!(
            sample(&input(&seed, 1, &out_of_range, &blobs)),
            Err(SampleError::ShardOutOfRange {
                shard: ShardIndex(10),
                n_shards: 10
            })
        );
        assert_eq!(
            sample(&input(&seed, 0xee, &shards, &blobs)),
            Err(SampleError::SelfChallenge)
        );
        assert_eq!(sample(&input(&seed, 1, &[], &blobs)), Ok(Vec::new()));
        assert_eq!(sample(&input(&seed, 1, &shards, &[])), Ok(Vec::new()));
    }

    #[test]
    fn position_bcs_layout() {
        let position = ChallengePosition {
            blob_id: BlobId([0xab; 32]),
            pair: SliverPairIndex(0x0102),
            axis: Axis::Secondary,
            symbol: SliverIndex(7),
        };
        let bytes = bcs::to_bytes(&position).expect("valid input");
        assert_eq!(
            hex::encode(&bytes),
            format!("{}0201010700", "ab".repeat(32))
        );
        assert_eq!(
            bcs::from_bytes::<ChallengePosition>(&bytes).expect("valid input"),
            position
        );
    }

    #[test]
    fn nonce_is_a_deterministic_verifiable_signature() {
        let key = crate::BlsKeyPair::generate(&mut rand::thread_rng());
        let seed = [3; 32];
        let message = nonce_message(7, &ObjectId([0xee; 32]), &seed);
        assert_eq!(message.len(), NONCE_DOMAIN.len() + 4 + 32 + 32);
        assert!(message.starts_with(NONCE_DOMAIN));
        let nonce = key.sign(&message);
        key.public_key()
            .verify(&message, &nonce)
            .expect("the nonce verifies under the challenger's key");
        assert_eq!(key.sign(&message).to_bytes(), nonce.to_bytes());
        let nonce = nonce.to_bytes();
        let blobs = blobs(5);
        let shards = [ShardIndex(2)];
        let with_nonce = SampleInput {
            nonce: &nonce,
            ..input(&seed, 1, &shards, &blobs)
        };
        assert_eq!(sample(&with_nonce), sample(&with_nonce));
        assert_ne!(
            sample(&with_nonce),
            sample(&input(&seed, 1, &shards, &blobs))
        );
    }

    #[test]
    fn pass_rule() {
        let params = ChallengeParams {
            samples: 10,
            tolerance: 2,
        };
        assert!(params.passes(0));
        assert!(params.passes(2));
        assert!(!params.passes(3));
    }

    #[test]
    fn binomial_matches_small_cases() {
        // B(3, 0.5): 1/8, 3/8, 3/8, 1/8.
        assert!((binomial_cdf(3, 0.5, 0) - 0.125).abs() < 1e-12);
        assert!((binomial_cdf(3, 0.5, 1) - 0.5).abs() < 1e-12);
        assert!((binomial_upper_tail(3, 0.5, 1) - 0.5).abs() < 1e-12);
        assert!((binomial_cdf(3, 0.5, 3) - 1.0).abs() < 1e-12);
        assert!((binomial_cdf(1000, 0.1, 1000) - 1.0).abs() < 1e-12);
        let total = binomial_cdf(1000, 0.1, 40) + binomial_upper_tail(1000, 0.1, 40);
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        assert_eq!(binomial_cdf(5, 0.0, 0), 1.0);
        assert_eq!(binomial_cdf(5, 1.0, 4), 0.0);
    }

    /// The numbers stated in the "Sampling" section of `docs/CHALLENGES.md`.
    #[test]
    fn default_parameters_meet_the_stated_bounds() {
        let params = ChallengeParams::default();
        assert_eq!((params.samples, params.tolerance), (1_000, 40));
        // A node that lost 10% of its slivers fails each sample with probability >= 0.1 and
        // passes one challenger with probability at most this (about 1.0e-12).
        let cheater = params.pass_probability(0.1);
        assert!(cheater < 2e-12, "{cheater:e}");
        assert!(cheater > 1e-13, "{cheater:e}");
        // Losing more only lowers it (the CDF is decreasing in p).
        assert!(params.pass_probability(0.2) < cheater);
        // An honest node that fails 1% of samples for benign reasons (timeouts, blobs still in
        // recovery) is failed by one challenger with probability about 1.2e-13; at 2% about 2e-5.
        let honest_1 = binomial_upper_tail(params.samples, 0.01, params.tolerance);
        assert!(honest_1 < 1e-12, "{honest_1:e}");
        let honest_2 = binomial_upper_tail(params.samples, 0.02, params.tolerance);
        assert!(honest_2 < 3e-5, "{honest_2:e}");
        // A pass certificate needs at least one correct challenger to pass the node, with
        // independent samples: with m correct challengers needed, cheater^m; already m = 1 is
        // below 1e-9.
        assert!(cheater < 1e-9);
    }
}
