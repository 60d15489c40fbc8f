//! Identifiers and index newtypes: blob IDs, object IDs, shard, sliver and pair indices, epochs.

use std::{fmt, str::FromStr};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

/// A Walrus epoch number (a `u32` everywhere, on chain and in signed messages).
pub type Epoch = u32;

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u16);

        impl $name {
            /// Returns the index as a `usize`, for indexing slices.
            pub fn as_usize(self) -> usize {
                usize::from(self.0)
            }

            /// Returns the raw `u16` value.
            pub fn get(self) -> u16 {
                self.0
            }
        }

        impl From<u16> for $name {
            fn from(value: u16) -> Self {
                Self(value)
            }
        }

        impl From<$name> for u16 {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl TryFrom<usize> for $name {
            type Error = std::num::TryFromIntError;

            fn try_from(value: usize) -> Result<Self, Self::Error> {
                u16::try_from(value).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

index_type!(
    /// The index of a shard in the committee's shard range `0..n_shards`.
    ShardIndex
);
index_type!(
    /// The index of a sliver along its own axis (primary index = row, secondary index = column).
    SliverIndex
);
index_type!(
    /// The index of a sliver pair: pair `i` holds primary sliver `i` and secondary sliver `n-1-i`.
    SliverPairIndex
);

/// The error returned when parsing a [`BlobId`] or [`ObjectId`] from text fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdParseError {
    /// The text is not valid unpadded URL-safe base64 of exactly 32 bytes.
    #[error("invalid blob ID {0:?}: expected 43 characters of unpadded URL-safe base64 (32 bytes)")]
    InvalidBlobId(String),
    /// The text is not a symbol ID of the form `row-column`.
    #[error("invalid symbol ID {0:?}: expected \"row-column\", e.g. \"17-21\"")]
    InvalidSymbolId(String),
    /// The text is not `0x`-prefixed (or bare) hex of at most 32 bytes.
    #[error("invalid object ID {0:?}: expected up to 64 hex digits, optionally prefixed by 0x")]
    InvalidObjectId(String),
}

/// The 32-byte identifier of a blob: `Blake2b256(encoding_type || unencoded_length_le || root)`.
///
/// Its text form is unpadded URL-safe base64 (43 characters). On chain it is a Move `u256` read
/// little-endian from the same bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct BlobId(pub [u8; BlobId::LENGTH]);

impl BlobId {
    /// The length of a blob ID in bytes.
    pub const LENGTH: usize = 32;

    /// Returns the raw bytes of the blob ID.
    pub fn as_bytes(&self) -> &[u8; Self::LENGTH] {
        &self.0
    }

    /// Returns the bytes of the blob ID as a `u256` read little-endian, as Move sees it, in
    /// decimal form.
    pub fn to_move_u256_decimal(&self) -> String {
        // Long division of the little-endian 256-bit number by 10.
        let mut limbs: Vec<u8> = self.0.iter().rev().copied().collect(); // big-endian
        let mut digits = Vec::new();
        while limbs.iter().any(|&b| b != 0) {
            let mut remainder = 0u32;
            for byte in limbs.iter_mut() {
                let acc = (remainder << 8) | u32::from(*byte);
                *byte =
                    u8::try_from(acc / 10).expect("quotient of a 12-bit value by 10 fits in u8");
                remainder = acc % 10;
            }
            digits.push(char::from(
                b'0' + u8::try_from(remainder).expect("digit < 10"),
            ));
        }
        if digits.is_empty() {
            return "0".to_owned();
        }
        digits.iter().rev().collect()
    }

    /// Returns the shard-rotation offset of this blob for `n_shards` shards: the blob ID read
    /// as a big-endian 256-bit integer, modulo `n_shards`.
    pub fn rotation_offset(&self, n_shards: u16) -> u16 {
        let n = u32::from(n_shards.max(1));
        let offset = self
            .0
            .iter()
            .fold(0u32, |acc, &byte| (acc * 256 + u32::from(byte)) % n);
        u16::try_from(offset).expect("value below a u16 modulus fits in u16")
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({self})")
    }
}

impl FromStr for BlobId {
    type Err = IdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; Self::LENGTH];
        match URL_SAFE_NO_PAD.decode_slice(s, &mut bytes) {
            Ok(Self::LENGTH) => Ok(Self(bytes)),
            _ => Err(IdParseError::InvalidBlobId(s.to_owned())),
        }
    }
}

impl TryFrom<&[u8]> for BlobId {
    type Error = IdParseError;

    fn try_from(value: &[u8]) -> Result<Self, Self::Error> {
        <[u8; Self::LENGTH]>::try_from(value)
            .map(Self)
            .map_err(|_| IdParseError::InvalidBlobId(hex::encode(value)))
    }
}

/// A 32-byte Sui object ID (or address), as used in deletable-blob confirmations.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct ObjectId(pub [u8; ObjectId::LENGTH]);

impl ObjectId {
    /// The length of an object ID in bytes.
    pub const LENGTH: usize = 32;

    /// Returns the raw bytes of the object ID.
    pub fn as_bytes(&self) -> &[u8; Self::LENGTH] {
        &self.0
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

impl FromStr for ObjectId {
    type Err = IdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.strip_prefix("0x").unwrap_or(s);
        if digits.is_empty() || digits.len() > 2 * Self::LENGTH {
            return Err(IdParseError::InvalidObjectId(s.to_owned()));
        }
        // Sui allows short addresses such as `0x6`: left-pad to 64 digits.
        let padded = format!("{digits:0>64}");
        let mut bytes = [0u8; Self::LENGTH];
        hex::decode_to_slice(&padded, &mut bytes)
            .map_err(|_| IdParseError::InvalidObjectId(s.to_owned()))?;
        Ok(Self(bytes))
    }
}

/// The address of one cell of the expanded matrix: row `primary`, column `secondary`.
///
/// Cell `(r, c)` is symbol `c` of expanded primary sliver `r` and symbol `r` of expanded
/// secondary sliver `c`. BCS: two `u16`s; JSON and query strings: `"r-c"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SymbolId {
    /// The primary sliver (row) index.
    pub primary: SliverIndex,
    /// The secondary sliver (column) index.
    pub secondary: SliverIndex,
}

impl SymbolId {
    /// Creates a symbol ID from a row and a column.
    pub fn new(primary: SliverIndex, secondary: SliverIndex) -> Self {
        Self { primary, secondary }
    }
}

impl fmt::Display for SymbolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.primary, self.secondary)
    }
}

impl FromStr for SymbolId {
    type Err = IdParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || IdParseError::InvalidSymbolId(s.to_owned());
        let (primary, secondary) = s.split_once('-').ok_or_else(invalid)?;
        Ok(Self {
            primary: SliverIndex(primary.parse().map_err(|_| invalid())?),
            secondary: SliverIndex(secondary.parse().map_err(|_| invalid())?),
        })
    }
}

impl Serialize for SymbolId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            serializer.collect_str(self)
        } else {
            (self.primary, self.secondary).serialize(serializer)
        }
    }
}

impl<'de> Deserialize<'de> for SymbolId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            let text = String::deserialize(deserializer)?;
            text.parse().map_err(serde::de::Error::custom)
        } else {
            let (primary, secondary) = <(SliverIndex, SliverIndex)>::deserialize(deserializer)?;
            Ok(Self { primary, secondary })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_id_text_round_trip() {
        let text = "E7_nNXvFU_3qZVu3OH1yycRG7LZlyn1-UxEDCDDqGGU";
        let id: BlobId = text.parse().expect("valid");
        assert_eq!(id.to_string(), text);
    }

    #[test]
    fn blob_id_rejects_padding_and_wrong_length() {
        assert!(
            "E7_nNXvFU_3qZVu3OH1yycRG7LZlyn1-UxEDCDDqGGU="
                .parse::<BlobId>()
                .is_err()
        );
        assert!(
            "E7_nNXvFU_3qZVu3OH1yycRG7LZlyn1-UxEDCDDqGG"
                .parse::<BlobId>()
                .is_err()
        );
        assert!("".parse::<BlobId>().is_err());
        assert!("AAAA".parse::<BlobId>().is_err());
    }

    #[test]
    fn rotation_reads_big_endian() {
        let mut bytes = [0u8; 32];
        bytes[24..].copy_from_slice(&15u64.to_be_bytes());
        assert_eq!(BlobId(bytes).rotation_offset(7), 1);
        bytes[24..].copy_from_slice(&16u64.to_be_bytes());
        assert_eq!(BlobId(bytes).rotation_offset(7), 2);
    }

    #[test]
    fn move_u256_is_little_endian() {
        let mut bytes = [0u8; 32];
        bytes[0] = 1;
        bytes[1] = 1;
        assert_eq!(BlobId(bytes).to_move_u256_decimal(), "257");
        assert_eq!(BlobId::default().to_move_u256_decimal(), "0");
    }

    #[test]
    fn symbol_id_forms_match_reference() {
        let id = SymbolId::new(SliverIndex(17), SliverIndex(21));
        assert_eq!(hex::encode(bcs::to_bytes(&id).expect("ok")), "11001500");
        assert_eq!(serde_json::to_string(&id).expect("ok"), "\"17-21\"");
        assert_eq!(
            serde_json::from_str::<SymbolId>("\"17-21\"").expect("ok"),
            id
        );
        assert_eq!(
            bcs::from_bytes::<SymbolId>(&[0x11, 0, 0x15, 0]).expect("ok"),
            id
        );
        assert!("17_21".parse::<SymbolId>().is_err());
        assert!("17-x".parse::<SymbolId>().is_err());
        assert!("70000-1".parse::<SymbolId>().is_err());
    }

    #[test]
    fn object_id_parses_short_and_long_forms() {
        let id: ObjectId = "0x6".parse().expect("valid");
        assert_eq!(id.0[31], 6);
        let long = format!("0x{}", "2a".repeat(32));
        assert_eq!(long.parse::<ObjectId>().expect("valid").to_string(), long);
        assert!("0xzz".parse::<ObjectId>().is_err());
    }
}
