//! Recovery symbols with Merkle proofs, recovery of a lost sliver from symbols of other slivers,
//! and inconsistency proofs.
//!
//! Cell `(r, c)` of the expanded matrix is symbol `c` of expanded primary sliver `r` and symbol
//! `r` of expanded secondary sliver `c`. A primary sliver `r` is rebuilt from `n - f` cells of
//! row `r` taken from distinct secondary slivers; a secondary sliver `c` from `n - 2f` cells of
//! column `c` taken from distinct primary slivers. Each cell carries a Merkle proof against the
//! source sliver's root in the metadata.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use serde_with::serde_as;

use super::{
    Axis, EncodingAxis, EncodingError, Primary, Secondary, SliverData, SliverVerificationError, rs,
};
use crate::{ids::SliverIndex, merkle::MerkleProof, metadata::VerifiedBlobMetadataWithId};

/// A symbol for rebuilding a sliver of axis `T`: the cell and the index of the orthogonal
/// source sliver it came from (its position in the target's codeword).
///
/// BCS: `index u16 || ULEB len || data`.
#[serde_as]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct DecodingSymbol<T: EncodingAxis> {
    /// The index of the source sliver (on the orthogonal axis).
    pub index: u16,
    /// The symbol bytes.
    #[serde_as(as = "serde_with::Bytes")]
    pub data: Vec<u8>,
    #[serde(skip)]
    _axis: PhantomData<T>,
}

impl<T: EncodingAxis> DecodingSymbol<T> {
    /// Creates a decoding symbol.
    pub fn new(index: u16, data: Vec<u8>) -> Self {
        Self {
            index,
            data,
            _axis: PhantomData,
        }
    }
}

/// A decoding symbol with the Merkle proof of its cell in the source sliver's tree.
///
/// BCS: `index u16 || ULEB len || data || proof`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct RecoverySymbol<T: EncodingAxis> {
    /// The symbol.
    pub symbol: DecodingSymbol<T>,
    /// The proof against the source sliver's root.
    pub proof: MerkleProof,
}

/// A decoding symbol for either axis. BCS: variant `0` recovers a primary sliver, `1` a
/// secondary one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EitherDecodingSymbol {
    /// Recovers a primary sliver (taken from a secondary sliver).
    Primary(DecodingSymbol<Primary>),
    /// Recovers a secondary sliver (taken from a primary sliver).
    Secondary(DecodingSymbol<Secondary>),
}

/// The recovery symbol the storage-node API serves: which sliver it helps rebuild and its proof.
///
/// BCS: `variant u8 || index u16 || ULEB len || data || target_index u16 || proof`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneralRecoverySymbol {
    /// The symbol, tagged with the axis of the sliver it helps rebuild.
    pub symbol: EitherDecodingSymbol,
    /// The index of the sliver to rebuild.
    pub target_index: SliverIndex,
    /// The proof against the source sliver's root.
    pub proof: MerkleProof,
}

/// Why a recovery symbol was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoverySymbolError {
    /// The source index is not below the number of shards.
    #[error("recovery symbol source index {0} is out of range")]
    IndexTooLarge(u16),
    /// The symbol has the wrong size.
    #[error("recovery symbol has {actual} bytes, expected {expected}")]
    WrongSize {
        /// The symbol size of the blob.
        expected: usize,
        /// The symbol's length.
        actual: usize,
    },
    /// The Merkle proof does not lead to the source sliver's root.
    #[error("recovery symbol's Merkle proof is invalid")]
    InvalidProof,
    /// The symbol is for another target sliver than the one requested.
    #[error("recovery symbol is for another target sliver")]
    WrongTarget,
}

impl<T: EncodingAxis> RecoverySymbol<T> {
    /// Checks the symbol as cell `target_index` of its source sliver, against the metadata.
    pub fn verify(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
        target_index: SliverIndex,
    ) -> Result<(), RecoverySymbolError> {
        let n_shards = metadata.config().n_shards();
        let source_axis = T::AXIS.orthogonal();
        if self.symbol.index >= n_shards {
            return Err(RecoverySymbolError::IndexTooLarge(self.symbol.index));
        }
        if target_index.get() >= n_shards {
            return Err(RecoverySymbolError::WrongTarget);
        }
        let expected = usize::from(metadata.symbol_size());
        if self.symbol.data.len() != expected {
            return Err(RecoverySymbolError::WrongSize {
                expected,
                actual: self.symbol.data.len(),
            });
        }
        let source_pair = SliverIndex(self.symbol.index).to_pair_index(source_axis, n_shards);
        let root = metadata
            .metadata()
            .sliver_hash(source_pair, source_axis)
            .ok_or(RecoverySymbolError::IndexTooLarge(self.symbol.index))?;
        if self.proof.verify(
            root,
            &self.symbol.data,
            target_index.as_usize(),
            usize::from(n_shards),
        ) {
            Ok(())
        } else {
            Err(RecoverySymbolError::InvalidProof)
        }
    }
}

impl GeneralRecoverySymbol {
    /// The axis of the sliver this symbol helps rebuild.
    pub fn target_axis(&self) -> Axis {
        match self.symbol {
            EitherDecodingSymbol::Primary(_) => Axis::Primary,
            EitherDecodingSymbol::Secondary(_) => Axis::Secondary,
        }
    }

    /// Checks that the symbol is for `target` on `target_axis` and that its proof is valid.
    pub fn verify(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
        target: SliverIndex,
        target_axis: Axis,
    ) -> Result<(), RecoverySymbolError> {
        if self.target_axis() != target_axis || self.target_index != target {
            return Err(RecoverySymbolError::WrongTarget);
        }
        match &self.symbol {
            EitherDecodingSymbol::Primary(symbol) => RecoverySymbol {
                symbol: symbol.clone(),
                proof: self.proof.clone(),
            }
            .verify(metadata, target),
            EitherDecodingSymbol::Secondary(symbol) => RecoverySymbol {
                symbol: symbol.clone(),
                proof: self.proof.clone(),
            }
            .verify(metadata, target),
        }
    }

    /// Splits a symbol for a primary target into its typed form.
    pub fn into_primary(self) -> Option<RecoverySymbol<Primary>> {
        match self.symbol {
            EitherDecodingSymbol::Primary(symbol) => Some(RecoverySymbol {
                symbol,
                proof: self.proof,
            }),
            EitherDecodingSymbol::Secondary(_) => None,
        }
    }

    /// Splits a symbol for a secondary target into its typed form.
    pub fn into_secondary(self) -> Option<RecoverySymbol<Secondary>> {
        match self.symbol {
            EitherDecodingSymbol::Secondary(symbol) => Some(RecoverySymbol {
                symbol,
                proof: self.proof,
            }),
            EitherDecodingSymbol::Primary(_) => None,
        }
    }
}

/// Typed access to the [`EitherDecodingSymbol`] variant of an axis.
pub trait RecoveryAxis: EncodingAxis {
    /// Wraps a typed symbol into the untyped enum.
    fn wrap(symbol: DecodingSymbol<Self>) -> EitherDecodingSymbol;
}

impl RecoveryAxis for Primary {
    fn wrap(symbol: DecodingSymbol<Self>) -> EitherDecodingSymbol {
        EitherDecodingSymbol::Primary(symbol)
    }
}

impl RecoveryAxis for Secondary {
    fn wrap(symbol: DecodingSymbol<Self>) -> EitherDecodingSymbol {
        EitherDecodingSymbol::Secondary(symbol)
    }
}

impl<S: EncodingAxis> SliverData<S>
where
    S::Orthogonal: RecoveryAxis,
{
    /// Builds the recovery symbol of this sliver for the orthogonal sliver `target`: cell
    /// `target` of this sliver's expansion, with its Merkle proof.
    pub fn recovery_symbol_for(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
        target: SliverIndex,
    ) -> Result<GeneralRecoverySymbol, SliverVerificationError> {
        let symbol = self.recovery_symbols_for(metadata, &[target])?;
        symbol
            .into_iter()
            .next()
            .ok_or(SliverVerificationError::IndexTooLarge {
                index: target.get(),
                n_shards: metadata.config().n_shards(),
            })
    }

    /// Builds recovery symbols for several orthogonal targets with one expansion.
    pub fn recovery_symbols_for(
        &self,
        metadata: &VerifiedBlobMetadataWithId,
        targets: &[SliverIndex],
    ) -> Result<Vec<GeneralRecoverySymbol>, SliverVerificationError> {
        let config = metadata.config();
        let n_shards = config.n_shards();
        if let Some(bad) = targets.iter().find(|target| target.get() >= n_shards) {
            return Err(SliverVerificationError::IndexTooLarge {
                index: bad.get(),
                n_shards,
            });
        }
        let tree = self.merkle_tree(config)?;
        let expanded = self.expand(config)?;
        let symbol_size = self.symbols().symbol_usize();
        targets
            .iter()
            .map(|target| {
                let at = target.as_usize() * symbol_size;
                let proof = tree.proof(target.as_usize()).ok_or(
                    SliverVerificationError::IndexTooLarge {
                        index: target.get(),
                        n_shards,
                    },
                )?;
                Ok(GeneralRecoverySymbol {
                    symbol: S::Orthogonal::wrap(DecodingSymbol::new(
                        self.index().get(),
                        expanded[at..at + symbol_size].to_vec(),
                    )),
                    target_index: *target,
                    proof,
                })
            })
            .collect()
    }
}

/// A proof that a blob was encoded inconsistently: `k` verified symbols of a target sliver
/// whose decoding does not match the target's root in the metadata.
///
/// BCS: `target u16 || ULEB k || k x RecoverySymbol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct InconsistencyProof<T: EncodingAxis> {
    /// The index of the target sliver.
    pub target_sliver_index: SliverIndex,
    /// Exactly the number of symbols needed to decode the target.
    pub recovery_symbols: Vec<RecoverySymbol<T>>,
}

/// The result of recovering a sliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryOutcome<T: EncodingAxis> {
    /// The sliver was rebuilt and matches the metadata.
    Recovered(SliverData<T>),
    /// The rebuilt sliver does not match: the blob is inconsistent, and this proves it.
    Inconsistent(InconsistencyProof<T>),
}

/// Why a sliver could not be recovered, or an inconsistency proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryError {
    /// Too few valid distinct symbols.
    #[error("not enough valid recovery symbols: have {have}, need {need}")]
    NotEnoughSymbols {
        /// Valid distinct symbols given.
        have: usize,
        /// Symbols needed.
        need: usize,
    },
    /// The target index is out of range.
    #[error("target sliver index {0} is out of range")]
    TargetOutOfRange(u16),
    /// An inconsistency proof has the wrong number of symbols.
    #[error("inconsistency proof has {actual} symbols, expected exactly {expected}")]
    WrongSymbolCount {
        /// The count the proof needs.
        expected: usize,
        /// The count it has.
        actual: usize,
    },
    /// A symbol in an inconsistency proof is invalid.
    #[error("invalid symbol in inconsistency proof: {0}")]
    InvalidSymbol(#[from] RecoverySymbolError),
    /// The decoded sliver matches the metadata, so the proof proves nothing.
    #[error("the sliver decoded from the proof matches the metadata: not inconsistent")]
    SliverNotInconsistent,
    /// Encoding failed.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
}

/// Recovers sliver `target` of axis `T` from recovery symbols of orthogonal slivers.
///
/// Invalid symbols and duplicates are skipped. When the rebuilt sliver does not match the
/// metadata, the result is an [`InconsistencyProof`] made of the symbols used.
pub fn recover_sliver<T: EncodingAxis>(
    metadata: &VerifiedBlobMetadataWithId,
    target: SliverIndex,
    symbols: impl IntoIterator<Item = RecoverySymbol<T>>,
) -> Result<RecoveryOutcome<T>, RecoveryError> {
    let config = metadata.config();
    let n = config.n_shards_usize();
    if target.as_usize() >= n {
        return Err(RecoveryError::TargetOutOfRange(target.get()));
    }
    let need = usize::from(config.n_symbols_for_recovery(T::AXIS));
    let mut seen = vec![false; n];
    let mut chosen = Vec::with_capacity(need);
    for symbol in symbols {
        if chosen.len() == need {
            break;
        }
        if symbol.verify(metadata, target).is_err() || seen[usize::from(symbol.symbol.index)] {
            continue;
        }
        seen[usize::from(symbol.symbol.index)] = true;
        chosen.push(symbol);
    }
    if chosen.len() < need {
        return Err(RecoveryError::NotEnoughSymbols {
            have: chosen.len(),
            need,
        });
    }
    let sliver = decode_target::<T>(metadata, target, &chosen)?;
    if sliver_matches(metadata, &sliver)? {
        Ok(RecoveryOutcome::Recovered(sliver))
    } else {
        Ok(RecoveryOutcome::Inconsistent(InconsistencyProof {
            target_sliver_index: target,
            recovery_symbols: chosen,
        }))
    }
}

fn decode_target<T: EncodingAxis>(
    metadata: &VerifiedBlobMetadataWithId,
    target: SliverIndex,
    symbols: &[RecoverySymbol<T>],
) -> Result<SliverData<T>, RecoveryError> {
    let config = metadata.config();
    let symbol_size = metadata.symbol_size();
    let need = usize::from(config.n_symbols_for_recovery(T::AXIS));
    let data = rs::decode(
        need,
        config.n_shards_usize(),
        usize::from(symbol_size),
        symbols.iter().map(|symbol| {
            (
                usize::from(symbol.symbol.index),
                symbol.symbol.data.as_slice(),
            )
        }),
    )
    .map_err(EncodingError::ReedSolomon)?
    .ok_or(RecoveryError::NotEnoughSymbols {
        have: symbols.len(),
        need,
    })?;
    let symbol_size = std::num::NonZeroU16::new(symbol_size)
        .ok_or(RecoveryError::TargetOutOfRange(target.get()))?;
    Ok(SliverData::new(data, symbol_size, target))
}

fn sliver_matches<T: EncodingAxis>(
    metadata: &VerifiedBlobMetadataWithId,
    sliver: &SliverData<T>,
) -> Result<bool, RecoveryError> {
    match sliver.verify(metadata) {
        Ok(()) => Ok(true),
        Err(SliverVerificationError::MerkleRootMismatch) => Ok(false),
        Err(SliverVerificationError::Encoding(error)) => Err(error.into()),
        Err(_) => Ok(false),
    }
}

impl<T: EncodingAxis> InconsistencyProof<T> {
    /// Verifies the proof: exactly `k` valid symbols for the target, which decode to a sliver
    /// whose root differs from the metadata.
    pub fn verify(&self, metadata: &VerifiedBlobMetadataWithId) -> Result<(), RecoveryError> {
        let config = metadata.config();
        if self.target_sliver_index.get() >= config.n_shards() {
            return Err(RecoveryError::TargetOutOfRange(
                self.target_sliver_index.get(),
            ));
        }
        let expected = usize::from(config.n_symbols_for_recovery(T::AXIS));
        if self.recovery_symbols.len() != expected {
            return Err(RecoveryError::WrongSymbolCount {
                expected,
                actual: self.recovery_symbols.len(),
            });
        }
        let mut seen = vec![false; config.n_shards_usize()];
        for symbol in &self.recovery_symbols {
            symbol.verify(metadata, self.target_sliver_index)?;
            let index = usize::from(symbol.symbol.index);
            if seen[index] {
                return Err(RecoveryError::NotEnoughSymbols {
                    have: expected - 1,
                    need: expected,
                });
            }
            seen[index] = true;
        }
        let sliver =
            decode_target::<T>(metadata, self.target_sliver_index, &self.recovery_symbols)?;
        if sliver_matches(metadata, &sliver)? {
            Err(RecoveryError::SliverNotInconsistent)
        } else {
            Ok(())
        }
    }
}
