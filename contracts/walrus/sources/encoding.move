// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Encoded blob length for RedStuff over Reed-Solomon (encoding type `RS2`).
///
/// The chain recomputes the encoded length at registration to check that the `Storage` is large
/// enough; this must stay equal to the Rust function in `walrus-core`.
module walrus::encoding;

/// The only supported encoding type: RedStuff with Reed-Solomon over GF(2^16).
const RS2: u8 = 1;
/// Bytes of per-sliver-pair metadata: two 32-byte hashes per shard.
const DIGEST_LEN_PER_SHARD: u64 = 64;
/// Bytes of the blob-level metadata besides the per-shard hashes.
const BLOB_METADATA_OVERHEAD: u64 = 32;
/// The largest symbol size (symbols are `u16`-indexed in GF(2^16)).
const MAX_SYMBOL_SIZE: u64 = 65535;

/// The encoding type is not supported.
const EInvalidEncodingType: u64 = 0;
/// The blob is too large for the number of shards.
const EBlobTooLarge: u64 = 1;
/// The number of shards is zero.
const EZeroShards: u64 = 2;

/// The RS2 encoding type value.
public fun rs2(): u8 { RS2 }

/// Whether `encoding_type` is supported.
public fun is_supported(encoding_type: u8): bool { encoding_type == RS2 }

/// The encoded length of a blob of `unencoded_length` bytes with `n_shards` shards: all sliver
/// pairs plus the metadata stored on every node.
public fun encoded_blob_length(unencoded_length: u64, encoding_type: u8, n_shards: u16): u64 {
    assert!(is_supported(encoding_type), EInvalidEncodingType);
    assert!(n_shards > 0, EZeroShards);
    let n = n_shards as u64;
    let f = (n - 1) / 3;
    let primary = n - 2 * f;
    let secondary = n - f;
    let symbol_size = symbol_size(unencoded_length, primary * secondary);
    n * ((primary + secondary) * symbol_size + n * DIGEST_LEN_PER_SHARD + BLOB_METADATA_OVERHEAD)
}

/// The symbol size: the data divided over `n_symbols` symbols, rounded up to an even size.
fun symbol_size(unencoded_length: u64, n_symbols: u64): u64 {
    let length = if (unencoded_length == 0) 1 else unencoded_length;
    let mut size = (length + n_symbols - 1) / n_symbols;
    if (size % 2 == 1) size = size + 1;
    assert!(size <= MAX_SYMBOL_SIZE, EBlobTooLarge);
    size
}
