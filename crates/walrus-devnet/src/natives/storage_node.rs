//! `walrus::storage_node`: the node information kept in a staking pool and the operator's
//! `StorageNodeCap`.

use sui_sdk_types::{StructTag, TypeTag};
use walrus_core::{BlsPublicKey, ObjectId};
use walrus_sui::errors::StorageNodeError as E;
use walrus_sui::move_types::{G1Element, Uid};
use walrus_sui::objects::{StorageNodeCap, StorageNodeInfo};

use super::{
    NResult, NativeCtx, NativeError, NativeFn, ObjVal, ParamKind, Value, ensure, framework_abort,
    native, obj_arg, typed, walrus_abort,
};
use crate::framework::{self, to_object_id};

use ParamKind::Ref;

/// Maximum length of a node name in bytes.
pub const MAX_NODE_NAME_LENGTH: usize = 100;
/// Maximum length of a network address in bytes.
pub const MAX_NETWORK_ADDRESS_LENGTH: usize = 259;
/// Length of a network public key.
pub const NETWORK_PUBLIC_KEY_LENGTH: usize = 33;
/// Length of a compressed BLS public key.
pub const BLS_PUBLIC_KEY_LENGTH: usize = 48;

/// The `StorageNodeCap` type tag.
pub fn cap_tag() -> StructTag {
    framework::walrus_tag("storage_node", "StorageNodeCap")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("storage_node", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "node_id" => f(&[Ref], |_, _, a| {
            let cap: StorageNodeCap = obj_arg(&a[0], 0, &cap_tag())?;
            Ok(vec![typed(TypeTag::Address, &cap.node_id)?])
        }),
        "last_epoch_sync_done" => f(&[Ref], |_, _, a| {
            let cap: StorageNodeCap = obj_arg(&a[0], 0, &cap_tag())?;
            Ok(vec![typed(TypeTag::U32, &cap.last_epoch_sync_done)?])
        }),
        _ => None,
    }
}

/// A `StorageNodeCap` object value.
pub fn cap_value(cap: &StorageNodeCap) -> NResult<Value> {
    Ok(Value::Obj(ObjVal::new(cap_tag(), true, cap)?))
}

/// `sui::bls12381::g1_from_bytes`: aborts (`group_ops::EInvalidInput`) unless the bytes are a
/// valid compressed G1 point.
pub fn g1_from_bytes(bytes: &[u8]) -> NResult<G1Element> {
    let valid = BlsPublicKey::from_bytes(bytes).is_ok_and(|key| key.validate().is_ok());
    ensure(valid, || framework_abort("group_ops", "from_bytes", 1))?;
    Ok(G1Element {
        bytes: bytes.to_vec(),
    })
}

/// `new`: node information; the BLS key must be a valid compressed G1 point.
pub fn new(
    name: String,
    node_id: ObjectId,
    network_address: String,
    public_key: &[u8],
    network_public_key: Vec<u8>,
) -> NResult<StorageNodeInfo> {
    assert_name(&name)?;
    assert_network_address(&network_address)?;
    assert_network_public_key(&network_public_key)?;
    ensure(public_key.len() == BLS_PUBLIC_KEY_LENGTH, || {
        abort("new", E::EInvalidPublicKeyLength)
    })?;
    Ok(StorageNodeInfo {
        name,
        node_id,
        network_address,
        public_key: g1_from_bytes(public_key)?,
        network_public_key,
    })
}

/// `new_cap`.
pub fn new_cap(node_id: ObjectId, ctx: &mut NativeCtx<'_>) -> StorageNodeCap {
    StorageNodeCap {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        node_id,
        last_epoch_sync_done: 0,
    }
}

/// `set_name`.
pub fn set_name(info: &mut StorageNodeInfo, name: String) -> NResult<()> {
    assert_name(&name)?;
    info.name = name;
    Ok(())
}

/// `set_network_address`.
pub fn set_network_address(info: &mut StorageNodeInfo, address: String) -> NResult<()> {
    assert_network_address(&address)?;
    info.network_address = address;
    Ok(())
}

/// `set_network_public_key`.
pub fn set_network_public_key(info: &mut StorageNodeInfo, key: Vec<u8>) -> NResult<()> {
    assert_network_public_key(&key)?;
    info.network_public_key = key;
    Ok(())
}

fn assert_name(name: &str) -> NResult<()> {
    ensure(name.len() <= MAX_NODE_NAME_LENGTH, || {
        abort("assert_name", E::EInvalidNameLength)
    })
}

fn assert_network_address(address: &str) -> NResult<()> {
    ensure(address.len() <= MAX_NETWORK_ADDRESS_LENGTH, || {
        abort("assert_network_address", E::EInvalidNetworkAddressLength)
    })
}

fn assert_network_public_key(key: &[u8]) -> NResult<()> {
    ensure(key.len() == NETWORK_PUBLIC_KEY_LENGTH, || {
        abort("assert_network_public_key", E::EInvalidNetworkPublicKey)
    })
}
