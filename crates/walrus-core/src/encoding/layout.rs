//! Byte layout of GF(2^16) elements inside `reed-solomon-simd` shards, so that many small
//! symbols can be coded in one call.
//!
//! The library reads a shard as 64-byte chunks whose first 32 bytes are the low bytes and last
//! 32 bytes the high bytes of 32 elements; a final partial chunk of `t` bytes holds `t/2` low
//! bytes then `t/2` high bytes. The code acts element by element, so coding a batch of symbols
//! as one shard gives the same result as coding each symbol alone, provided every element keeps
//! its low and high byte together: these functions move the bytes accordingly.

/// The byte positions `(low, high)` of element `element` in a shard of `shard_len` bytes.
fn element_position(element: usize, shard_len: usize) -> (usize, usize) {
    let chunk = element / 32;
    let lane = element % 32;
    let base = chunk * 64;
    if base + 64 <= shard_len {
        (base + lane, base + 32 + lane)
    } else {
        let tail = shard_len - base;
        (base + lane, base + tail / 2 + lane)
    }
}

/// True if symbols of this size need no rearranging: every symbol is whole 64-byte chunks.
pub(crate) fn is_identity(symbol_size: usize) -> bool {
    symbol_size.is_multiple_of(64)
}

/// Rearranges concatenated symbols (each in its own shard layout) into one shard whose elements
/// are the symbols' elements in order.
pub(crate) fn symbols_to_shard(symbols: &[u8], symbol_size: usize) -> Vec<u8> {
    if is_identity(symbol_size) {
        return symbols.to_vec();
    }
    let mut shard = vec![0u8; symbols.len()];
    let per_symbol = symbol_size / 2;
    for (index, symbol) in symbols.chunks_exact(symbol_size).enumerate() {
        for element in 0..per_symbol {
            let (lo, hi) = element_position(element, symbol_size);
            let (out_lo, out_hi) = element_position(index * per_symbol + element, symbols.len());
            shard[out_lo] = symbol[lo];
            shard[out_hi] = symbol[hi];
        }
    }
    shard
}

/// The inverse of [`symbols_to_shard`]: writes the symbols of `shard` into `symbols`.
pub(crate) fn shard_to_symbols(shard: &[u8], symbol_size: usize, symbols: &mut [u8]) {
    if is_identity(symbol_size) {
        symbols.copy_from_slice(shard);
        return;
    }
    let per_symbol = symbol_size / 2;
    for (index, symbol) in symbols.chunks_exact_mut(symbol_size).enumerate() {
        for element in 0..per_symbol {
            let (lo, hi) = element_position(element, symbol_size);
            let (in_lo, in_hi) = element_position(index * per_symbol + element, shard.len());
            symbol[lo] = shard[in_lo];
            symbol[hi] = shard[in_hi];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::rs::RsEncoder;

    #[test]
    fn round_trip_for_many_sizes() {
        for symbol_size in [2usize, 4, 6, 38, 62, 64, 66, 128, 130, 604] {
            for n_symbols in [1usize, 2, 3, 7, 33] {
                let symbols: Vec<u8> = (0..symbol_size * n_symbols)
                    .map(|i| u8::try_from(i % 251).expect("small"))
                    .collect();
                let shard = symbols_to_shard(&symbols, symbol_size);
                let mut back = vec![0u8; symbols.len()];
                shard_to_symbols(&shard, symbol_size, &mut back);
                assert_eq!(back, symbols, "S = {symbol_size}, m = {n_symbols}");
            }
        }
    }

    #[test]
    fn batched_coding_equals_per_symbol_coding() {
        let (k, n) = (3usize, 10usize);
        for symbol_size in [2usize, 6, 64, 70] {
            let n_batch = 5;
            // Source shard i of codeword b is symbol (i, b).
            let sources: Vec<Vec<u8>> = (0..k)
                .map(|i| {
                    (0..symbol_size * n_batch)
                        .map(|j| u8::try_from((i * 97 + j * 13) % 256).expect("byte"))
                        .collect()
                })
                .collect();
            let mut batch = RsEncoder::new(k, n, symbol_size * n_batch).expect("supported");
            let shards: Vec<u8> = sources
                .iter()
                .flat_map(|source| symbols_to_shard(source, symbol_size))
                .collect();
            let mut repair = vec![0u8; (n - k) * symbol_size * n_batch];
            batch.encode_into(&shards, &mut repair).expect("encodes");
            let mut single = RsEncoder::new(k, n, symbol_size).expect("supported");
            for b in 0..n_batch {
                let source: Vec<u8> = sources
                    .iter()
                    .flat_map(|s| s[b * symbol_size..(b + 1) * symbol_size].to_vec())
                    .collect();
                let full = single.encode_full(&source).expect("encodes");
                for r in 0..n - k {
                    let shard = &repair[r * symbol_size * n_batch..(r + 1) * symbol_size * n_batch];
                    let mut symbols = vec![0u8; shard.len()];
                    shard_to_symbols(shard, symbol_size, &mut symbols);
                    assert_eq!(
                        &symbols[b * symbol_size..(b + 1) * symbol_size],
                        &full[(k + r) * symbol_size..(k + r + 1) * symbol_size],
                        "S = {symbol_size}, codeword {b}, repair {r}"
                    );
                }
            }
        }
    }
}
