//! BCS-exact mirrors of the Move framework types used in Walrus objects, and the traits that name
//! a Rust mirror's Move type (for the conformance test).

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, ObjectId};

/// Names the Move type a Rust type mirrors, as written in Move source with module paths dropped
/// (`vector<u8>`, `Option<u32>`, `Balance<WAL>`, `ID`).
pub trait MoveType {
    /// The Move type, e.g. `VecMap<ID,vector<u16>>` (no spaces).
    fn move_type() -> String;
}

/// A Rust mirror of a Move struct.
pub trait MoveStruct {
    /// The Move package's named address (`walrus`, `wal`).
    const PACKAGE: &'static str;
    /// The Move module.
    const MODULE: &'static str;
    /// The struct name.
    const NAME: &'static str;
    /// The fields in declaration order with their Move types.
    fn fields() -> Vec<(&'static str, String)>;
    /// The layout descriptor of this struct.
    fn layout() -> StructLayout {
        StructLayout {
            package: Self::PACKAGE,
            module: Self::MODULE,
            name: Self::NAME,
            fields: Self::fields(),
        }
    }
}

/// The layout of a mirrored Move struct or enum. Enum variants are listed as fields named
/// `Variant` with the tuple of their field types, e.g. `("Withdrawing", "(u32)")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructLayout {
    /// The package's named address.
    pub package: &'static str,
    /// The module.
    pub module: &'static str,
    /// The struct or enum name.
    pub name: &'static str,
    /// Fields (or variants) in declaration order with their Move types.
    pub fields: Vec<(&'static str, String)>,
}

macro_rules! primitive_move_type {
    ($($ty:ty => $name:literal),* $(,)?) => {
        $(impl MoveType for $ty {
            fn move_type() -> String { $name.to_owned() }
        })*
    };
}

primitive_move_type! {
    bool => "bool",
    u8 => "u8",
    u16 => "u16",
    u32 => "u32",
    u64 => "u64",
    u128 => "u128",
    ObjectId => "ID",
    BlobId => "u256",
    String => "String",
}

impl<T: MoveType> MoveType for Vec<T> {
    fn move_type() -> String {
        format!("vector<{}>", T::move_type())
    }
}

impl<T: MoveType> MoveType for Option<T> {
    fn move_type() -> String {
        format!("Option<{}>", T::move_type())
    }
}

/// A Move `u256` that is not a blob ID (e.g. a root hash), as 32 little-endian bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct U256(pub [u8; 32]);

impl MoveType for U256 {
    fn move_type() -> String {
        "u256".to_owned()
    }
}

impl U256 {
    /// The value of a `u128`.
    pub fn from_u128(value: u128) -> Self {
        let mut bytes = [0; 32];
        bytes[..16].copy_from_slice(&value.to_le_bytes());
        Self(bytes)
    }
}

/// A Sui `address`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct SuiAddress(pub [u8; 32]);

impl MoveType for SuiAddress {
    fn move_type() -> String {
        "address".to_owned()
    }
}

/// `sui::object::UID`: the object's ID (BCS: 32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Uid {
    /// The object ID.
    pub id: ObjectId,
}

impl MoveType for Uid {
    fn move_type() -> String {
        "UID".to_owned()
    }
}

/// `sui::balance::Balance<WAL>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Balance {
    /// The amount in FROST.
    pub value: u64,
}

impl MoveType for Balance {
    fn move_type() -> String {
        "Balance<WAL>".to_owned()
    }
}

/// `sui::group_ops::Element<G1>`: a compressed BLS12-381 G1 point (48 bytes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct G1Element {
    /// The compressed point.
    pub bytes: Vec<u8>,
}

impl MoveType for G1Element {
    fn move_type() -> String {
        "Element<G1>".to_owned()
    }
}

/// One entry of a `VecMap`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry<K, V> {
    /// The key.
    pub key: K,
    /// The value.
    pub value: V,
}

/// `sui::vec_map::VecMap<K, V>`: entries in insertion order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VecMap<K, V> {
    /// The entries.
    pub contents: Vec<Entry<K, V>>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self {
            contents: Vec::new(),
        }
    }
}

impl<K: PartialEq, V> VecMap<K, V> {
    /// The value of `key`, if present.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.contents
            .iter()
            .find(|e| &e.key == key)
            .map(|e| &e.value)
    }
}

impl<K: MoveType, V: MoveType> MoveType for VecMap<K, V> {
    fn move_type() -> String {
        format!("VecMap<{},{}>", K::move_type(), V::move_type())
    }
}

/// `sui::table::Table<K, V>`: only the table's UID and size are stored in the parent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Table<K, V> {
    /// The table's UID (parent of its dynamic fields).
    pub id: Uid,
    /// The number of entries.
    pub size: u64,
    #[serde(skip)]
    _marker: PhantomData<(K, V)>,
}

impl<K: MoveType, V: MoveType> MoveType for Table<K, V> {
    fn move_type() -> String {
        format!("Table<{},{}>", K::move_type(), V::move_type())
    }
}

/// `sui::object_table::ObjectTable<K, V>`: only the table's UID and size are stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ObjectTable<K, V> {
    /// The table's UID (parent of its dynamic object fields).
    pub id: Uid,
    /// The number of entries.
    pub size: u64,
    #[serde(skip)]
    _marker: PhantomData<(K, V)>,
}

impl<K: MoveType, V: MoveType> MoveType for ObjectTable<K, V> {
    fn move_type() -> String {
        format!("ObjectTable<{},{}>", K::move_type(), V::move_type())
    }
}

/// Declares a Rust mirror of a Move struct with the same field names, order and BCS layout, and
/// implements [`MoveStruct`] and [`MoveType`] for it.
macro_rules! move_struct {
    (
        $(#[$doc:meta])*
        $package:literal :: $module:literal :: $name:ident {
            $($field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$doc])*
        // Fields mirror the Move struct field by field; their meaning is documented in the Move
        // source named by `MoveStruct::MODULE`.
        #[allow(missing_docs)]
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $(pub $field: $ty),*
        }

        impl $crate::move_types::MoveStruct for $name {
            const PACKAGE: &'static str = $package;
            const MODULE: &'static str = $module;
            const NAME: &'static str = stringify!($name);
            fn fields() -> Vec<(&'static str, String)> {
                vec![$((stringify!($field), <$ty as $crate::move_types::MoveType>::move_type())),*]
            }
        }

        impl $crate::move_types::MoveType for $name {
            fn move_type() -> String {
                stringify!($name).to_owned()
            }
        }
    };
}

pub(crate) use move_struct;
