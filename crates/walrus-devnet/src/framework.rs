//! Fixed addresses, type tags and small Move framework layouts (`Coin`, `Clock`, dynamic fields)
//! shared by the executor, the natives and genesis.

use serde::{Deserialize, Serialize};
use sui_sdk_types::{Address, Identifier, StructTag, TypeTag};
use walrus_core::ObjectId;

/// The Move standard library package `0x1`.
pub const STD_PACKAGE: Address = Address::from_static("0x1");
/// The Sui framework package `0x2`.
pub const SUI_FRAMEWORK: Address = Address::TWO;
/// The Sui system package `0x3`.
pub const SUI_SYSTEM: Address = Address::THREE;
/// The shared Clock object `0x6`.
pub const CLOCK_ID: Address = Address::from_static("0x6");
/// The shared Random object `0x8`.
pub const RANDOM_ID: Address = Address::from_static("0x8");
/// The initial shared version of the Clock and Random objects.
pub const SYSTEM_SHARED_VERSION: u64 = 1;

/// Deterministic devnet address for a named genesis item (Blake2b-256 of a tag and `name`).
pub fn named_address(name: &str) -> Address {
    let mut hasher = sui_sdk_types::hash::Hasher::new();
    hasher.update(b"walrus-devnet::");
    hasher.update(name.as_bytes());
    Address::new(hasher.finalize().into_inner())
}

/// The `wal` package ID.
pub fn wal_package() -> Address {
    named_address("package::wal")
}

/// The `walrus` package ID.
pub fn walrus_package() -> Address {
    named_address("package::walrus")
}

/// An identifier from a static string known to be valid.
pub fn ident(name: &'static str) -> Identifier {
    Identifier::from_static(name)
}

/// `address::module::name<params>`.
pub fn struct_tag(
    address: Address,
    module: &'static str,
    name: &'static str,
    params: Vec<TypeTag>,
) -> StructTag {
    StructTag::new(address, ident(module), ident(name), params)
}

/// `0x2::sui::SUI` as a type tag.
pub fn sui_type() -> TypeTag {
    TypeTag::Struct(Box::new(StructTag::sui()))
}

/// `wal::wal::WAL` as a type tag.
pub fn wal_type() -> TypeTag {
    TypeTag::Struct(Box::new(struct_tag(wal_package(), "wal", "WAL", vec![])))
}

/// `0x2::coin::Coin<T>`.
pub fn coin_tag(coin_type: TypeTag) -> StructTag {
    StructTag::coin(coin_type)
}

/// `0x2::coin::Coin<WAL>`.
pub fn wal_coin_tag() -> StructTag {
    coin_tag(wal_type())
}

/// `0x2::balance::Balance<T>`.
pub fn balance_type(coin_type: TypeTag) -> TypeTag {
    TypeTag::Struct(Box::new(struct_tag(
        SUI_FRAMEWORK,
        "balance",
        "Balance",
        vec![coin_type],
    )))
}

/// `0x2::clock::Clock`.
pub fn clock_tag() -> StructTag {
    struct_tag(SUI_FRAMEWORK, "clock", "Clock", vec![])
}

/// `0x2::random::Random`.
pub fn random_tag() -> StructTag {
    struct_tag(SUI_FRAMEWORK, "random", "Random", vec![])
}

/// `0x2::dynamic_field::Field<K, V>`.
pub fn field_tag(key: TypeTag, value: TypeTag) -> StructTag {
    struct_tag(SUI_FRAMEWORK, "dynamic_field", "Field", vec![key, value])
}

/// A `walrus` struct type tag.
pub fn walrus_tag(module: &'static str, name: &'static str) -> StructTag {
    struct_tag(walrus_package(), module, name, vec![])
}

/// A `walrus` struct as a type tag.
pub fn walrus_type(module: &'static str, name: &'static str) -> TypeTag {
    TypeTag::Struct(Box::new(walrus_tag(module, name)))
}

/// Converts a Sui address to a walrus-core object ID.
pub fn to_object_id(address: Address) -> ObjectId {
    ObjectId(address.into_inner())
}

/// Converts a walrus-core object ID to a Sui address.
pub fn to_address(id: ObjectId) -> Address {
    Address::new(id.0)
}

/// `sui::coin::Coin<T>` contents: `{ id: UID, balance: Balance<T> { value } }` (40 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoinData {
    /// The coin's object ID.
    pub id: ObjectId,
    /// The balance.
    pub value: u64,
}

/// `sui::clock::Clock` contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockData {
    /// `0x6`.
    pub id: ObjectId,
    /// The timestamp of the current checkpoint.
    pub timestamp_ms: u64,
}

/// `sui::random::Random` contents: `{ id, inner: Versioned { id, version } }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RandomData {
    /// `0x8`.
    pub id: ObjectId,
    /// The `Versioned` wrapper's UID.
    pub inner_id: ObjectId,
    /// The `Versioned` version.
    pub version: u64,
}

/// `sui::random::RandomInner`, stored as a dynamic field of the `Versioned` UID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RandomInnerData {
    /// The version.
    pub version: u64,
    /// The Sui epoch.
    pub epoch: u64,
    /// The randomness round.
    pub randomness_round: u64,
    /// The random bytes of the round.
    pub random_bytes: Vec<u8>,
}

/// Encodes a `0x2::dynamic_field::Field<K, V>` object's contents: `id ‖ name ‖ value`.
pub fn field_contents<K: Serialize, V: Serialize>(
    id: Address,
    key: &K,
    value: &V,
) -> Result<Vec<u8>, bcs::Error> {
    let mut bytes = id.into_inner().to_vec();
    bytes.extend(bcs::to_bytes(key)?);
    bytes.extend(bcs::to_bytes(value)?);
    Ok(bytes)
}
