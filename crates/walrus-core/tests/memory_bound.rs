//! The memory bound of issue 7 for the data plane: encoding needs at most about half the blob
//! beyond the input and the encoded slivers, and decoding at most about 1.5 times the blob
//! (the output included) beyond the slivers it is given.
//!
//! Measured as the growth of the process's peak resident memory (`VmHWM`, reset through
//! `/proc/self/clear_refs`), so this file holds a single test: nothing else may allocate while
//! it measures. Where procfs does not allow resetting the peak the test only says so.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use walrus_core::encoding::{ConsistencyCheck, EncodingConfig, decode, encode_with_metadata};

const MIB: u64 = 1 << 20;

/// Fixed allowance on top of the bounds: the Reed-Solomon coders' work buffers of each thread,
/// leaf hashes, allocator slack.
const SLACK: u64 = 16 * MIB;

/// A field of `/proc/self/status` in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .unwrap();
    line.trim()
        .strip_suffix("kB")
        .unwrap()
        .trim()
        .parse::<u64>()
        .unwrap()
        * 1024
}

/// Resets the peak resident memory to the current one; false if the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Runs `f` and returns its result and how far the resident memory rose above its level before.
fn peak_growth<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = status_bytes("VmRSS");
    assert!(reset_peak());
    let result = f();
    (result, status_bytes("VmHWM").saturating_sub(before))
}

#[test]
fn encoding_and_decoding_stay_within_the_memory_bound() {
    if !reset_peak() {
        eprintln!("skipped: /proc/self/clear_refs cannot reset the peak resident memory here");
        return;
    }
    let config = EncodingConfig::new(100).unwrap();
    // Warm up the thread pool so that its start-up is not measured.
    encode_with_metadata(&config, &[1u8; 1000]).unwrap();

    let size: u64 = 64 * MIB;
    let data: Vec<u8> = (0..size)
        .map(|i| u8::try_from(((i * 2_654_435_761) >> 24) & 0xff).unwrap())
        .collect();
    let (encoded, growth) = peak_growth(|| encode_with_metadata(&config, &data).unwrap());
    let slivers: u64 = encoded
        .sliver_pairs
        .iter()
        .map(|pair| (pair.primary.data().len() + pair.secondary.data().len()) as u64)
        .sum();
    let beyond = growth.saturating_sub(slivers);
    eprintln!(
        "encode: {} MiB of slivers, {} MiB beyond them",
        slivers / MIB,
        beyond / MIB
    );
    assert!(
        beyond <= size / 2 + SLACK,
        "encoding a {} MiB blob needed {} MiB beyond the input and the slivers",
        size / MIB,
        beyond / MIB
    );

    // The last n - 2f primary slivers: none is a source row, so every column is decoded.
    let need = usize::from(config.n_primary_source_symbols());
    let metadata = encoded.metadata.clone();
    let primaries: Vec<_> = encoded
        .sliver_pairs
        .into_iter()
        .rev()
        .take(need)
        .map(|pair| pair.primary)
        .collect();
    let (decoded, growth) =
        peak_growth(|| decode(&metadata, primaries, ConsistencyCheck::Default).unwrap());
    eprintln!("decode: {} MiB", growth / MIB);
    assert!(decoded == data, "the decoded blob differs");
    assert!(
        growth <= size + size / 2 + SLACK,
        "decoding a {} MiB blob needed {} MiB beyond its slivers",
        size / MIB,
        growth / MIB
    );
}
