//! Encoding parameters derived from the shard count: source symbol counts, symbol size, sliver
//! sizes, maximum blob size and encoded length.

use std::num::NonZeroU16;

use crate::bft;

/// The size of one storage unit on chain (1 MiB); storage is bought in whole units.
pub const STORAGE_UNIT_BYTES: u64 = 1024 * 1024;

/// The maximum RS2 symbol size: symbols are even-sized and must fit in a `u16`.
pub const MAX_SYMBOL_SIZE: u16 = u16::MAX - 1;

/// RS2 symbols must be a multiple of this many bytes (one GF(2^16) element).
pub const SYMBOL_ALIGNMENT: u16 = 2;

/// Errors of the encoding parameters and of encoding itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The shard count is zero or too large for the Reed-Solomon codes.
    #[error("unsupported number of shards {0}: must be between 1 and 49155 inclusive")]
    UnsupportedShardCount(u16),
    /// The blob is larger than the maximum for this shard count.
    #[error("blob of {size} bytes is too large: the maximum for {n_shards} shards is {max} bytes")]
    BlobTooLarge {
        /// The blob size in bytes.
        size: u64,
        /// The maximum blob size in bytes.
        max: u64,
        /// The number of shards.
        n_shards: u16,
    },
    /// An axis name other than `primary` or `secondary`.
    #[error("invalid axis {0:?}: expected \"primary\" or \"secondary\"")]
    InvalidAxis(String),
    /// The Reed-Solomon library rejected the parameters (a bug if it happens).
    #[error("reed-solomon error: {0}")]
    ReedSolomon(String),
}

/// The RS2 encoding parameters for one shard count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodingConfig {
    n_shards: u16,
    n_primary_source_symbols: u16,
    n_secondary_source_symbols: u16,
}

impl EncodingConfig {
    /// The largest shard count for which both codes are supported by the Reed-Solomon library.
    pub const MAX_N_SHARDS: u16 = 49155;

    /// Creates the parameters for `n_shards` shards.
    pub fn new(n_shards: u16) -> Result<Self, EncodingError> {
        if n_shards == 0 || n_shards > Self::MAX_N_SHARDS {
            return Err(EncodingError::UnsupportedShardCount(n_shards));
        }
        let f = bft::max_n_faulty(n_shards);
        Ok(Self {
            n_shards,
            n_primary_source_symbols: n_shards - 2 * f,
            n_secondary_source_symbols: n_shards - f,
        })
    }

    /// The number of shards `n`.
    pub fn n_shards(&self) -> u16 {
        self.n_shards
    }

    /// The number of shards as a `usize`.
    pub fn n_shards_usize(&self) -> usize {
        usize::from(self.n_shards)
    }

    /// `n - 2f`: rows of the message matrix, and symbols in a secondary sliver.
    pub fn n_primary_source_symbols(&self) -> u16 {
        self.n_primary_source_symbols
    }

    /// `n - f`: columns of the message matrix, and symbols in a primary sliver.
    pub fn n_secondary_source_symbols(&self) -> u16 {
        self.n_secondary_source_symbols
    }

    /// The number of source symbols of the code along `axis`.
    pub fn n_source_symbols(&self, axis: super::Axis) -> u16 {
        match axis {
            super::Axis::Primary => self.n_primary_source_symbols,
            super::Axis::Secondary => self.n_secondary_source_symbols,
        }
    }

    /// The number of symbols stored in one sliver of `axis` (the orthogonal code's source count).
    pub fn n_symbols_in_sliver(&self, axis: super::Axis) -> u16 {
        self.n_source_symbols(axis.orthogonal())
    }

    /// The number of recovery symbols needed to rebuild one sliver of `axis`.
    pub fn n_symbols_for_recovery(&self, axis: super::Axis) -> u16 {
        self.n_symbols_in_sliver(axis)
    }

    /// The number of source symbols (cells) of the message matrix.
    pub fn n_source_symbols_total(&self) -> u64 {
        u64::from(self.n_primary_source_symbols) * u64::from(self.n_secondary_source_symbols)
    }

    /// The maximum blob size in bytes: all cells at the maximum symbol size.
    pub fn max_blob_size(&self) -> u64 {
        self.n_source_symbols_total() * u64::from(MAX_SYMBOL_SIZE)
    }

    /// The maximum size of one sliver in bytes (a primary sliver at the maximum symbol size).
    pub fn max_sliver_size(&self) -> u64 {
        u64::from(self.n_secondary_source_symbols) * u64::from(MAX_SYMBOL_SIZE)
    }

    /// The symbol size for a blob of `blob_size` bytes: `ceil(max(L, 1) / cells)` rounded up to
    /// an even number.
    pub fn symbol_size_for_blob(&self, blob_size: u64) -> Result<NonZeroU16, EncodingError> {
        let too_large = || EncodingError::BlobTooLarge {
            size: blob_size,
            max: self.max_blob_size(),
            n_shards: self.n_shards,
        };
        let mut size = blob_size.max(1).div_ceil(self.n_source_symbols_total());
        let alignment = u64::from(SYMBOL_ALIGNMENT);
        size = size.div_ceil(alignment) * alignment;
        let size = u16::try_from(size).map_err(|_| too_large())?;
        if size > MAX_SYMBOL_SIZE {
            return Err(too_large());
        }
        NonZeroU16::new(size).ok_or_else(too_large)
    }

    /// The size in bytes of a sliver of `axis` for a blob of `blob_size` bytes.
    pub fn sliver_size(&self, axis: super::Axis, blob_size: u64) -> Result<usize, EncodingError> {
        let symbol_size = usize::from(self.symbol_size_for_blob(blob_size)?.get());
        Ok(usize::from(self.n_symbols_in_sliver(axis)) * symbol_size)
    }

    /// The length of the metadata one node stores: `n * 64 + 32` bytes.
    pub fn metadata_length(&self) -> u64 {
        u64::from(self.n_shards) * 64 + 32
    }

    /// The encoded length charged on chain: metadata on every node plus all slivers.
    pub fn encoded_blob_length(&self, blob_size: u64) -> Result<u64, EncodingError> {
        let symbol_size = u64::from(self.symbol_size_for_blob(blob_size)?.get());
        let n = u64::from(self.n_shards);
        let per_pair =
            u64::from(self.n_primary_source_symbols) + u64::from(self.n_secondary_source_symbols);
        Ok(n * self.metadata_length() + n * per_pair * symbol_size)
    }

    /// The number of 1 MiB storage units needed for the encoded blob.
    pub fn storage_units(&self, blob_size: u64) -> Result<u64, EncodingError> {
        Ok(self
            .encoded_blob_length(blob_size)?
            .div_ceil(STORAGE_UNIT_BYTES))
    }

    /// Checks that a blob of `blob_size` bytes can be encoded.
    pub fn check_blob_size(&self, blob_size: u64) -> Result<(), EncodingError> {
        self.symbol_size_for_blob(blob_size).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_symbol_counts_match_reference() {
        for (n, primary, secondary) in [
            (1, 1, 1),
            (3, 3, 3),
            (4, 2, 3),
            (7, 3, 5),
            (9, 5, 7),
            (10, 4, 7),
            (31, 11, 21),
            (51, 19, 35),
            (100, 34, 67),
            (101, 35, 68),
            (301, 101, 201),
            (1000, 334, 667),
        ] {
            let config = EncodingConfig::new(n).expect("supported");
            assert_eq!(config.n_primary_source_symbols(), primary, "n = {n}");
            assert_eq!(config.n_secondary_source_symbols(), secondary, "n = {n}");
        }
    }

    #[test]
    fn symbol_sizes_match_reference() {
        let cases = [
            (4, 1000, 168),
            (4, 100_000, 16668),
            (10, 1000, 36),
            (100, 1000, 2),
        ];
        for (n, size, expected) in cases {
            let config = EncodingConfig::new(n).expect("supported");
            assert_eq!(
                config.symbol_size_for_blob(size).expect("fits").get(),
                expected
            );
        }
        let config = EncodingConfig::new(1000).expect("supported");
        for (size, expected) in [(1 << 20, 6), (32 << 20, 152), (128 << 20, 604), (0, 2)] {
            assert_eq!(
                config.symbol_size_for_blob(size).expect("fits").get(),
                expected
            );
        }
    }

    #[test]
    fn max_blob_sizes_match_reference() {
        for (n, max) in [
            (4, 393_204),
            (7, 983_010),
            (10, 1_834_952),
            (100, 149_286_452),
            (1000, 14_599_533_452u64),
        ] {
            let config = EncodingConfig::new(n).expect("supported");
            assert_eq!(config.max_blob_size(), max);
            assert!(config.check_blob_size(max).is_ok());
            assert!(matches!(
                config.check_blob_size(max + 1),
                Err(EncodingError::BlobTooLarge { .. })
            ));
        }
        assert_eq!(
            EncodingConfig::new(1000).expect("ok").max_sliver_size(),
            43_711_178
        );
    }

    #[test]
    fn encoded_length_matches_reference() {
        let config = EncodingConfig::new(1000).expect("supported");
        assert_eq!(config.encoded_blob_length(1).expect("fits"), 66_034_000);
        assert_eq!(config.storage_units(1).expect("fits"), 63);
    }

    #[test]
    fn unsupported_shard_counts_are_errors() {
        assert_eq!(
            EncodingConfig::new(0),
            Err(EncodingError::UnsupportedShardCount(0))
        );
        assert!(EncodingConfig::new(u16::MAX).is_err());
        assert!(EncodingConfig::new(EncodingConfig::MAX_N_SHARDS + 1).is_err());
        assert!(EncodingConfig::new(EncodingConfig::MAX_N_SHARDS).is_ok());
    }

    #[test]
    fn max_shard_count_is_supported_by_both_codes() {
        for n in [
            EncodingConfig::MAX_N_SHARDS,
            EncodingConfig::MAX_N_SHARDS + 1,
        ] {
            let f = usize::from(bft::max_n_faulty(n));
            let n = usize::from(n);
            let ok = reed_solomon_simd::ReedSolomonEncoder::supports(n - 2 * f, 2 * f)
                && reed_solomon_simd::ReedSolomonEncoder::supports(n - f, f);
            assert_eq!(
                ok,
                n == usize::from(EncodingConfig::MAX_N_SHARDS),
                "n = {n}"
            );
        }
    }
}
