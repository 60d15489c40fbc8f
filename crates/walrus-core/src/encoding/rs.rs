//! One-dimensional systematic Reed-Solomon code over GF(2^16), on `reed-solomon-simd`.
//!
//! Codeword index `i < k` is source symbol `i`; index `i >= k` is the library's recovery shard
//! `i - k`. With no recovery symbols (`n == k`, for 1 to 3 shards) the code is the identity.

use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// An encoder for one code `(k, n)` and symbol size, reusable across calls.
pub(crate) struct RsEncoder {
    n_source: usize,
    n_total: usize,
    symbol_size: usize,
    inner: Option<ReedSolomonEncoder>,
}

impl std::fmt::Debug for RsEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsEncoder")
            .field("n_source", &self.n_source)
            .field("n_total", &self.n_total)
            .field("symbol_size", &self.symbol_size)
            .finish()
    }
}

/// The library error as a string (the library error type is not `Clone`).
pub(crate) type RsError = String;

impl RsEncoder {
    /// Creates an encoder from `n_source` source symbols of `symbol_size` bytes to `n_total`.
    pub(crate) fn new(
        n_source: usize,
        n_total: usize,
        symbol_size: usize,
    ) -> Result<Self, RsError> {
        let inner = if n_total > n_source {
            Some(
                ReedSolomonEncoder::new(n_source, n_total - n_source, symbol_size)
                    .map_err(|error| error.to_string())?,
            )
        } else {
            None
        };
        Ok(Self {
            n_source,
            n_total,
            symbol_size,
            inner,
        })
    }

    /// The number of repair symbols per codeword.
    pub(crate) fn n_repair(&self) -> usize {
        self.n_total - self.n_source
    }

    /// Encodes the `n_source` symbols in `source` (concatenated) and writes the repair symbols
    /// (concatenated, `n_total - n_source` of them) into `repair`.
    pub(crate) fn encode_into(&mut self, source: &[u8], repair: &mut [u8]) -> Result<(), RsError> {
        debug_assert_eq!(source.len(), self.n_source * self.symbol_size);
        debug_assert_eq!(repair.len(), self.n_repair() * self.symbol_size);
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        for symbol in source.chunks_exact(self.symbol_size) {
            inner
                .add_original_shard(symbol)
                .map_err(|error| error.to_string())?;
        }
        let result = inner.encode().map_err(|error| error.to_string())?;
        for (out, shard) in repair
            .chunks_exact_mut(self.symbol_size)
            .zip(result.recovery_iter())
        {
            out.copy_from_slice(shard);
        }
        Ok(())
    }

    /// Encodes `source` and returns the whole codeword (source then repair symbols).
    pub(crate) fn encode_full(&mut self, source: &[u8]) -> Result<Vec<u8>, RsError> {
        let mut codeword = vec![0u8; self.n_total * self.symbol_size];
        let (head, tail) = codeword.split_at_mut(source.len());
        head.copy_from_slice(source);
        self.encode_into(source, tail)?;
        Ok(codeword)
    }
}

/// Decodes the source symbols of one codeword from any `k` distinct symbols.
///
/// `symbols` yields `(codeword index, symbol bytes)`; indices must be `< n_total` and distinct,
/// and every symbol must be `symbol_size` bytes (the caller checks). Returns the `k` source
/// symbols concatenated, or `None` if fewer than `k` distinct symbols were given.
pub(crate) fn decode<'a>(
    n_source: usize,
    n_total: usize,
    symbol_size: usize,
    symbols: impl IntoIterator<Item = (usize, &'a [u8])>,
) -> Result<Option<Vec<u8>>, RsError> {
    let mut output = vec![0u8; n_source * symbol_size];
    let mut have_source = vec![false; n_source];
    let mut repair: Vec<(usize, &'a [u8])> = Vec::new();
    let mut n_distinct = 0usize;
    let mut seen_repair = vec![false; n_total - n_source];
    for (index, data) in symbols {
        if n_distinct == n_source {
            break;
        }
        if index < n_source {
            if !have_source[index] {
                have_source[index] = true;
                output[index * symbol_size..(index + 1) * symbol_size].copy_from_slice(data);
                n_distinct += 1;
            }
        } else if index < n_total && !seen_repair[index - n_source] {
            seen_repair[index - n_source] = true;
            repair.push((index - n_source, data));
            n_distinct += 1;
        }
    }
    if n_distinct < n_source {
        return Ok(None);
    }
    if repair.is_empty() {
        return Ok(Some(output));
    }
    let mut decoder = ReedSolomonDecoder::new(n_source, n_total - n_source, symbol_size)
        .map_err(|error| error.to_string())?;
    for (index, present) in have_source.iter().enumerate() {
        if *present {
            decoder
                .add_original_shard(
                    index,
                    &output[index * symbol_size..(index + 1) * symbol_size],
                )
                .map_err(|error| error.to_string())?;
        }
    }
    for (index, data) in &repair {
        decoder
            .add_recovery_shard(*index, data)
            .map_err(|error| error.to_string())?;
    }
    let result = decoder.decode().map_err(|error| error.to_string())?;
    for (index, data) in result.restored_original_iter() {
        output[index * symbol_size..(index + 1) * symbol_size].copy_from_slice(data);
    }
    drop(result);
    Ok(Some(output))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_codeword(k: usize, n: usize, symbol_size: usize, data: &str, expected: &str) {
        let source = hex::decode(data).expect("hex");
        let codeword = RsEncoder::new(k, n, symbol_size)
            .expect("supported")
            .encode_full(&source)
            .expect("encodes");
        assert_eq!(hex::encode(&codeword), expected);
    }

    #[test]
    fn raw_vectors_from_reference() {
        check_codeword(2, 4, 2, "01020304", "01020304a20aa00c");
        check_codeword(
            3,
            10,
            2,
            "010203040506",
            "010203040506c70acf0cc70ec808000a0b0c090e",
        );
        check_codeword(
            2,
            4,
            4,
            "1020304050607080",
            "1020304050607080578e831417cec3d4",
        );
    }

    #[test]
    fn decodes_from_any_k_symbols() {
        let source: Vec<u8> = (0u8..12).collect();
        let codeword = RsEncoder::new(3, 10, 4)
            .expect("supported")
            .encode_full(&source)
            .expect("encodes");
        let symbols: Vec<&[u8]> = codeword.chunks_exact(4).collect();
        for picks in [[0, 1, 2], [7, 8, 9], [0, 5, 9], [2, 3, 4]] {
            let decoded = decode(3, 10, 4, picks.iter().map(|&i| (i, symbols[i])))
                .expect("decodes")
                .expect("enough symbols");
            assert_eq!(decoded, source);
        }
        assert_eq!(
            decode(
                3,
                10,
                4,
                [(1, symbols[1]), (1, symbols[1]), (4, symbols[4])]
            )
            .expect("ok"),
            None
        );
    }

    #[test]
    fn identity_code_without_repair() {
        let mut encoder = RsEncoder::new(3, 3, 2).expect("supported");
        assert_eq!(
            encoder.encode_full(&[1, 2, 3, 4, 5, 6]).expect("ok"),
            vec![1, 2, 3, 4, 5, 6]
        );
        let decoded = decode(
            3,
            3,
            2,
            [(2, &[5u8, 6][..]), (0, &[1, 2][..]), (1, &[3, 4][..])],
        );
        assert_eq!(decoded.expect("ok"), Some(vec![1, 2, 3, 4, 5, 6]));
    }
}
