//! Slivers: the rows (primary) and columns (secondary) of the message matrix that storage nodes
//! hold, their wire form and their verification against blob metadata.

use std::{marker::PhantomData, num::NonZeroU16};

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use super::{Axis, EncodingAxis, EncodingConfig, EncodingError, Primary, Secondary, rs::RsEncoder};
use crate::{
    ids::{SliverIndex, SliverPairIndex},
    merkle::{MerkleTree, Node},
    metadata::VerifiedBlobMetadataWithId,
};

/// A run of equal-sized symbols. BCS: `ULEB len || data || symbol_size u16`.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Symbols {
    #[serde_as(as = "serde_with::Bytes")]
    data: Vec<u8>,
    symbol_size: NonZeroU16,
}

impl Symbols {
    /// Creates symbols from their concatenated bytes.
    pub fn new(data: Vec<u8>, symbol_size: NonZeroU16) -> Self {
        Self { data, symbol_size }
    }

    /// The concatenated symbol bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The symbol size in bytes.
    pub fn symbol_size(&self) -> NonZeroU16 {
        self.symbol_size
    }

    /// The symbol size in bytes as a `usize`.
    pub fn symbol_usize(&self) -> usize {
        usize::from(self.symbol_size.get())
    }

    /// The number of whole symbols.
    pub fn len(&self) -> usize {
        self.data.len() / self.symbol_usize()
    }

    /// True if there are no symbols.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Symbol `index`, if present.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        let size = self.symbol_usize();
        self.data.get(index * size..(index + 1) * size)
    }

    /// Iterates over the whole symbols.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, u8> {
        self.data.chunks_exact(self.symbol_usize())
    }

    /// Mutable access to the bytes (used by fault tests that corrupt slivers).
    pub fn data_mut(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }
}

/// A sliver of axis `T`: its symbols and its index on that axis.
///
/// BCS: `ULEB len || data || symbol_size u16 || index u16` (the axis is not on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct SliverData<T: EncodingAxis> {
    symbols: Symbols,
    index: SliverIndex,
    #[serde(skip)]
    _axis: PhantomData<T>,
}

/// A primary sliver (a row).
pub type PrimarySliver = SliverData<Primary>;
/// A secondary sliver (a column).
pub type SecondarySliver = SliverData<Secondary>;

/// Why a sliver failed verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SliverVerificationError {
    /// The sliver index is not below the number of shards.
    #[error("sliver index {index} is out of range for {n_shards} shards")]
    IndexTooLarge {
        /// The sliver's index.
        index: u16,
        /// The number of shards.
        n_shards: u16,
    },
    /// The symbol size differs from the one the blob length implies.
    #[error("symbol size {actual} does not match the expected {expected}")]
    SymbolSizeMismatch {
        /// The expected symbol size.
        expected: u16,
        /// The sliver's symbol size.
        actual: u16,
    },
    /// The sliver has the wrong number of bytes.
    #[error("sliver has {actual} bytes, expected {expected}")]
    SliverSizeMismatch {
        /// The expected length in bytes.
        expected: usize,
        /// The sliver's length in bytes.
        actual: usize,
    },
    /// The Merkle root of the expanded sliver differs from the metadata.
    #[error("the sliver's Merkle root does not match the metadata")]
    MerkleRootMismatch,
    /// The encoding failed.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
}

impl<T: EncodingAxis> SliverData<T> {
    /// Creates a sliver from its bytes, symbol size and index.
    pub fn new(data: Vec<u8>, symbol_size: NonZeroU16, index: SliverIndex) -> Self {
        Self {
            symbols: Symbols::new(data, symbol_size),
            index,
            _axis: PhantomData,
        }
    }

    /// The axis of the sliver.
    pub fn axis(&self) -> Axis {
        T::AXIS
    }

    /// The sliver's index on its axis.
    pub fn index(&self) -> SliverIndex {
        self.index
    }

    /// The pair this sliver belongs to.
    pub fn pair_index(&self, n_shards: u16) -> SliverPairIndex {
        self.index.to_pair_index(T::AXIS, n_shards)
    }

    /// The sliver's symbols.
    pub fn symbols(&self) -> &Symbols {
        &self.symbols
    }

    /// The sliver's bytes.
    pub fn data(&self) -> &[u8] {
        self.symbols.data()
    }

    /// The symbol size.
    pub fn symbol_size(&self) -> NonZeroU16 {
        self.symbols.symbol_size()
    }

    /// Consumes the sliver and returns its bytes.
    pub fn into_data(self) -> Vec<u8> {
        self.symbols.data
    }

    /// Mutable access to the symbols (used by fault tests that corrupt slivers).
    pub fn symbols_mut(&mut self) -> &mut Symbols {
        &mut self.symbols
    }

    /// Expands the sliver to all `n` symbols of its codeword with the orthogonal code.
    ///
    /// The sliver must have exactly the orthogonal code's source count of symbols.
    pub fn expand(&self, config: &EncodingConfig) -> Result<Vec<u8>, SliverVerificationError> {
        let n_source = usize::from(config.n_symbols_in_sliver(T::AXIS));
        let symbol_size = self.symbols.symbol_usize();
        let expected = n_source * symbol_size;
        if self.data().len() != expected {
            return Err(SliverVerificationError::SliverSizeMismatch {
                expected,
                actual: self.data().len(),
            });
        }
        let mut encoder = RsEncoder::new(n_source, config.n_shards_usize(), symbol_size)
            .map_err(EncodingError::ReedSolomon)?;
        encoder
            .encode_full(self.data())
            .map_err(|error| EncodingError::ReedSolomon(error).into())
    }

    /// Builds the Merkle tree over the expanded sliver (one leaf per symbol).
    pub fn merkle_tree(
        &self,
        config: &EncodingConfig,
    ) -> Result<MerkleTree, SliverVerificationError> {
        let expanded = self.expand(config)?;
        Ok(MerkleTree::build(
            expanded.chunks_exact(self.symbols.symbol_usize()),
        ))
    }

    /// The Merkle root over the expanded sliver, as stored in the metadata.
    pub fn merkle_root(&self, config: &EncodingConfig) -> Result<Node, SliverVerificationError> {
        let expanded = self.expand(config)?;
        Ok(crate::merkle::root(
            expanded.chunks_exact(self.symbols.symbol_usize()),
        ))
    }

    /// Checks the sliver against verified metadata: index, symbol size, length and Merkle root.
    pub fn verify(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
    ) -> Result<(), SliverVerificationError> {
        let config = metadata.config();
        let n_shards = config.n_shards();
        if self.index.get() >= n_shards {
            return Err(SliverVerificationError::IndexTooLarge {
                index: self.index.get(),
                n_shards,
            });
        }
        let expected_symbol_size = metadata.symbol_size();
        if self.symbol_size().get() != expected_symbol_size {
            return Err(SliverVerificationError::SymbolSizeMismatch {
                expected: expected_symbol_size,
                actual: self.symbol_size().get(),
            });
        }
        let expected_len =
            usize::from(config.n_symbols_in_sliver(T::AXIS)) * usize::from(expected_symbol_size);
        if self.data().len() != expected_len {
            return Err(SliverVerificationError::SliverSizeMismatch {
                expected: expected_len,
                actual: self.data().len(),
            });
        }
        let expected_root = metadata
            .metadata()
            .sliver_hash(self.pair_index(n_shards), T::AXIS)
            .ok_or(SliverVerificationError::IndexTooLarge {
                index: self.index.get(),
                n_shards,
            })?;
        if self.merkle_root(config)? != *expected_root {
            return Err(SliverVerificationError::MerkleRootMismatch);
        }
        Ok(())
    }
}

/// A primary and a secondary sliver stored together on one shard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliverPair {
    /// Primary sliver `i`.
    pub primary: PrimarySliver,
    /// Secondary sliver `n - 1 - i`.
    pub secondary: SecondarySliver,
}

impl SliverPair {
    /// The pair index (equal to the primary sliver's index).
    pub fn index(&self) -> SliverPairIndex {
        SliverPairIndex(self.primary.index().get())
    }
}

/// A sliver of either axis. BCS: variant `0` primary, `1` secondary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sliver {
    /// A primary sliver.
    Primary(PrimarySliver),
    /// A secondary sliver.
    Secondary(SecondarySliver),
}

impl Sliver {
    /// The axis of the sliver.
    pub fn axis(&self) -> Axis {
        match self {
            Sliver::Primary(_) => Axis::Primary,
            Sliver::Secondary(_) => Axis::Secondary,
        }
    }

    /// The sliver's index on its axis.
    pub fn index(&self) -> SliverIndex {
        match self {
            Sliver::Primary(sliver) => sliver.index(),
            Sliver::Secondary(sliver) => sliver.index(),
        }
    }

    /// Checks the sliver against verified metadata.
    pub fn verify(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
    ) -> Result<(), SliverVerificationError> {
        match self {
            Sliver::Primary(sliver) => sliver.verify(metadata),
            Sliver::Secondary(sliver) => sliver.verify(metadata),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::encode_with_metadata;

    #[test]
    fn empty_blob_slivers_have_the_reference_wire_form() {
        let config = EncodingConfig::new(4).expect("supported");
        let encoded = encode_with_metadata(&config, b"").expect("encodes");
        let pair = &encoded.sliver_pairs[0];
        assert_eq!(
            hex::encode(bcs::to_bytes(&pair.primary).expect("ok")),
            "0600000000000002000000"
        );
        assert_eq!(
            hex::encode(bcs::to_bytes(&pair.secondary).expect("ok")),
            "040000000002000300"
        );
        let either = Sliver::Secondary(pair.secondary.clone());
        assert_eq!(bcs::to_bytes(&either).expect("ok")[0], 1);
    }

    #[test]
    fn verification_reports_each_failure() {
        let config = EncodingConfig::new(7).expect("supported");
        let encoded = encode_with_metadata(&config, b"some bytes to encode").expect("encodes");
        let metadata = &encoded.metadata;
        let good = encoded.sliver_pairs[2].primary.clone();
        good.verify(metadata).expect("verifies");

        let out_of_range =
            PrimarySliver::new(good.data().to_vec(), good.symbol_size(), SliverIndex(7));
        assert!(matches!(
            out_of_range.verify(metadata),
            Err(SliverVerificationError::IndexTooLarge {
                index: 7,
                n_shards: 7
            })
        ));
        let wrong_symbol_size = PrimarySliver::new(
            good.data().to_vec(),
            NonZeroU16::new(4).expect("nonzero"),
            good.index(),
        );
        assert!(matches!(
            wrong_symbol_size.verify(metadata),
            Err(SliverVerificationError::SymbolSizeMismatch { .. })
        ));
        let mut short = good.data().to_vec();
        short.truncate(short.len() - 2);
        let short = PrimarySliver::new(short, good.symbol_size(), good.index());
        assert!(matches!(
            short.verify(metadata),
            Err(SliverVerificationError::SliverSizeMismatch { .. })
        ));
        // The same bytes claimed as another pair's sliver.
        let moved = PrimarySliver::new(good.data().to_vec(), good.symbol_size(), SliverIndex(3));
        assert_eq!(
            moved.verify(metadata),
            Err(SliverVerificationError::MerkleRootMismatch)
        );
    }
}
