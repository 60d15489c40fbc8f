//! Byzantine fault-tolerance arithmetic over shard counts.
//!
//! Walrus counts everything in shards: with `n` shards, up to `f = (n - 1) / 3` may be faulty.
//! Certificates need the signers to hold at least `n - f` shards; validity (at least one correct
//! node) needs more than `f`.

/// Returns `f`, the maximum number of faulty shards tolerated out of `n_shards`.
pub fn max_n_faulty(n_shards: u16) -> u16 {
    n_shards.saturating_sub(1) / 3
}

/// Returns `n - f`, the minimum number of correct shards; the weight a quorum certificate needs.
pub fn min_n_correct(n_shards: u16) -> u16 {
    n_shards - max_n_faulty(n_shards)
}

/// Returns true if `weight` shards form a quorum, i.e. `weight >= n - f`.
///
/// This equals the on-chain rule `3 * weight >= 2 * n + 1` for every `n`.
pub fn is_quorum(weight: u16, n_shards: u16) -> bool {
    weight >= min_n_correct(n_shards)
}

/// Returns true if `weight` shards include at least one correct shard, i.e. `weight > f`.
pub fn is_above_validity(weight: u16, n_shards: u16) -> bool {
    weight > max_n_faulty(n_shards)
}

/// Returns true if `weight` shards pass the on-chain validity check `3 * weight >= n + 1`,
/// used for invalid-blob certificates.
pub fn is_one_correct_on_chain(weight: u16, n_shards: u16) -> bool {
    3 * u32::from(weight) > u32::from(n_shards)
}

/// Returns true if `weight` shards pass the on-chain quorum check `3 * weight >= 2 * n + 1`.
pub fn is_quorum_on_chain(weight: u16, n_shards: u16) -> bool {
    3 * u32::from(weight) > 2 * u32::from(n_shards)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faulty_counts_match_reference() {
        for (n, f) in [
            (1, 0),
            (3, 0),
            (4, 1),
            (7, 2),
            (10, 3),
            (100, 33),
            (1000, 333),
        ] {
            assert_eq!(max_n_faulty(n), f, "n = {n}");
            assert_eq!(min_n_correct(n), n - f, "n = {n}");
        }
    }

    #[test]
    fn quorum_rule_equals_on_chain_rule_for_every_n() {
        for n in 1..=2000u16 {
            for w in [
                0,
                max_n_faulty(n),
                min_n_correct(n) - 1,
                min_n_correct(n),
                n,
            ] {
                assert_eq!(
                    is_quorum(w, n),
                    is_quorum_on_chain(w, n),
                    "n = {n}, w = {w}"
                );
            }
        }
    }

    #[test]
    fn validity_needs_more_than_f() {
        assert!(!is_above_validity(1, 4));
        assert!(is_above_validity(2, 4));
        assert!(is_one_correct_on_chain(2, 4));
        assert!(!is_one_correct_on_chain(1, 4));
    }
}
