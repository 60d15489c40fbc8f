//! RedStuff (RS2) two-dimensional erasure coding.
//!
//! A blob is laid out row-major in a `(n - 2f) x (n - f)` message matrix of `S`-byte symbols.
//! Every column is expanded with the *primary* code (`n - 2f` source symbols, `n` outputs) and
//! every row with the *secondary* code (`n - f` source symbols, `n` outputs). Primary sliver `r`
//! is row `r` of the expanded matrix cut to its first `n - f` symbols; secondary sliver `c` is
//! column `c` cut to its first `n - 2f` symbols. Pair `i` holds primary sliver `i` and
//! secondary sliver `n - 1 - i`.

mod config;
mod decoder;
mod encoder;
mod layout;
mod recovery;
mod rs;
mod slivers;

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

pub use config::{EncodingConfig, EncodingError, STORAGE_UNIT_BYTES};
pub use decoder::{ConsistencyCheck, DecodeError, decode};
pub use encoder::{EncodedBlob, compute_metadata, encode_with_metadata};
pub use recovery::{
    DecodingSymbol, EitherDecodingSymbol, GeneralRecoverySymbol, InconsistencyProof, RecoveryAxis,
    RecoveryError, RecoveryOutcome, RecoverySymbol, RecoverySymbolError, recover_sliver,
};
pub use slivers::{
    PrimarySliver, SecondarySliver, Sliver, SliverData, SliverPair, SliverVerificationError,
    Symbols,
};

use crate::ids::{BlobId, ShardIndex, SliverIndex, SliverPairIndex};

/// The axis of a sliver: rows are primary, columns are secondary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    /// Rows of the message matrix.
    Primary,
    /// Columns of the message matrix.
    Secondary,
}

impl Axis {
    /// The other axis.
    pub fn orthogonal(self) -> Self {
        match self {
            Axis::Primary => Axis::Secondary,
            Axis::Secondary => Axis::Primary,
        }
    }
}

impl std::fmt::Display for Axis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Axis::Primary => "primary",
            Axis::Secondary => "secondary",
        })
    }
}

impl std::str::FromStr for Axis {
    type Err = EncodingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "primary" => Ok(Axis::Primary),
            "secondary" => Ok(Axis::Secondary),
            other => Err(EncodingError::InvalidAxis(other.to_owned())),
        }
    }
}

/// A type-level axis, so primary and secondary slivers cannot be mixed up.
pub trait EncodingAxis:
    Debug + Clone + Copy + PartialEq + Eq + Default + Send + Sync + 'static
{
    /// The orthogonal axis type.
    type Orthogonal: EncodingAxis;
    /// The axis this type stands for.
    const AXIS: Axis;
}

/// The primary axis (rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Primary;

/// The secondary axis (columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Secondary;

impl EncodingAxis for Primary {
    type Orthogonal = Secondary;
    const AXIS: Axis = Axis::Primary;
}

impl EncodingAxis for Secondary {
    type Orthogonal = Primary;
    const AXIS: Axis = Axis::Secondary;
}

impl SliverPairIndex {
    /// The index of this pair's sliver on `axis`: `i` for primary, `n - 1 - i` for secondary.
    pub fn to_sliver_index(self, axis: Axis, n_shards: u16) -> SliverIndex {
        match axis {
            Axis::Primary => SliverIndex(self.0),
            Axis::Secondary => SliverIndex(n_shards - 1 - self.0),
        }
    }

    /// The shard that stores this pair for `blob_id`: `(pair + offset) mod n`.
    pub fn to_shard_index(self, n_shards: u16, blob_id: &BlobId) -> ShardIndex {
        let offset = u32::from(blob_id.rotation_offset(n_shards));
        let shard = (u32::from(self.0) + offset) % u32::from(n_shards);
        ShardIndex(u16::try_from(shard).expect("value modulo a u16 fits in u16"))
    }
}

impl SliverIndex {
    /// The pair holding the sliver with this index on `axis`.
    pub fn to_pair_index(self, axis: Axis, n_shards: u16) -> SliverPairIndex {
        match axis {
            Axis::Primary => SliverPairIndex(self.0),
            Axis::Secondary => SliverPairIndex(n_shards - 1 - self.0),
        }
    }
}

impl ShardIndex {
    /// The pair stored on this shard for `blob_id`: `(n + shard - offset) mod n`.
    pub fn to_pair_index(self, n_shards: u16, blob_id: &BlobId) -> SliverPairIndex {
        let n = u32::from(n_shards);
        let offset = u32::from(blob_id.rotation_offset(n_shards));
        let pair = (n + u32::from(self.0) - offset) % n;
        SliverPairIndex(u16::try_from(pair).expect("value modulo a u16 fits in u16"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_matches_reference_examples() {
        let mut bytes = [0u8; 32];
        bytes[24..].copy_from_slice(&15u64.to_be_bytes());
        let id = BlobId(bytes);
        assert_eq!(SliverPairIndex(0).to_shard_index(7, &id), ShardIndex(1));
        assert_eq!(SliverPairIndex(6).to_shard_index(7, &id), ShardIndex(0));
        bytes[24..].copy_from_slice(&16u64.to_be_bytes());
        let id = BlobId(bytes);
        assert_eq!(ShardIndex(0).to_pair_index(7, &id), SliverPairIndex(5));
        assert_eq!(ShardIndex(6).to_pair_index(7, &id), SliverPairIndex(4));
    }

    #[test]
    fn pair_and_sliver_indices_invert() {
        for n in [1u16, 4, 10, 1000] {
            for pair in 0..n {
                let pair = SliverPairIndex(pair);
                for axis in [Axis::Primary, Axis::Secondary] {
                    assert_eq!(pair.to_sliver_index(axis, n).to_pair_index(axis, n), pair);
                }
            }
        }
    }

    #[test]
    fn axis_text_forms() {
        assert_eq!("primary".parse::<Axis>().expect("valid"), Axis::Primary);
        assert!("Primary".parse::<Axis>().is_err());
        assert_eq!(Axis::Secondary.to_string(), "secondary");
        assert_eq!(
            bcs::to_bytes(&Axis::Secondary).expect("serializes"),
            vec![1]
        );
    }
}
