//! `wal::wal`: the WAL coin's `ProtectedTreasury`, a shared object holding the `TreasuryCap<WAL>`
//! as a dynamic object field under `TreasuryCapKey()`, which only allows reading the total supply
//! and burning.

use serde::{Deserialize, Serialize};
use sui_sdk_types::{StructTag, TypeTag};
use walrus_core::ObjectId;
use walrus_sui::errors::WalError as E;
use walrus_sui::objects::ProtectedTreasury;

use super::{
    NResult, NativeCtx, NativeError, NativeFn, ParamKind, Value, coin::coin_arg, ensure,
    framework_abort, native, obj_arg, typed,
};
use crate::framework::{self, SUI_FRAMEWORK};

use ParamKind::{MutRef, Ref, Val};

/// `wal::DECIMALS`.
pub const DECIMALS: u8 = 9;
/// `wal::FROST_PER_WAL`.
pub const FROST_PER_WAL: u64 = 1_000_000_000;
/// `balance::EOverflow` (also raised by `decrease_supply` when burning more than the supply).
const E_OVERFLOW: u64 = 1;

/// `wal::wal::TreasuryCapKey()`: a positional struct without fields, which Move lays out with a
/// single `dummy_field: bool` (BCS: one `0x00` byte).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryCapKey {
    /// The field Move adds to empty structs; always `false`.
    pub dummy_field: bool,
}

/// `0x2::coin::TreasuryCap<WAL>`: `{ id: UID, total_supply: Supply<WAL> { value } }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryCapData {
    /// The cap's object ID.
    pub id: ObjectId,
    /// The total supply in FROST.
    pub total_supply: u64,
}

/// The `wal::wal::ProtectedTreasury` type tag.
pub fn treasury_tag() -> StructTag {
    framework::struct_tag(framework::wal_package(), "wal", "ProtectedTreasury", vec![])
}

/// The `wal::wal::TreasuryCapKey` type.
pub fn cap_key_type() -> TypeTag {
    TypeTag::Struct(Box::new(framework::struct_tag(
        framework::wal_package(),
        "wal",
        "TreasuryCapKey",
        vec![],
    )))
}

/// The `0x2::coin::TreasuryCap<WAL>` type tag.
pub fn treasury_cap_tag() -> StructTag {
    framework::struct_tag(
        SUI_FRAMEWORK,
        "coin",
        "TreasuryCap",
        vec![framework::wal_type()],
    )
}

fn abort(function: &'static str, code: E) -> NativeError {
    NativeError::Abort {
        package: framework::wal_package(),
        module: "wal",
        function,
        code: code as u64,
    }
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "total_supply" => f(&[Ref], |ctx, _, a| {
            let treasury: ProtectedTreasury = obj_arg(&a[0], 0, &treasury_tag())?;
            Ok(vec![typed(TypeTag::U64, &total_supply(ctx, &treasury)?)?])
        }),
        "burn" => f(&[MutRef, Val], |ctx, _, a| {
            let treasury: ProtectedTreasury = obj_arg(&a[0], 0, &treasury_tag())?;
            let coin = coin_arg(&a[1], 1, &framework::wal_type())?;
            burn(ctx, &treasury, coin)?;
            Ok(vec![])
        }),
        "decimals" => f(&[], |_, _, _| Ok(vec![typed(TypeTag::U8, &DECIMALS)?])),
        "frost_per_wal" => f(&[], |_, _, _| {
            Ok(vec![typed(TypeTag::U64, &FROST_PER_WAL)?])
        }),
        _ => None,
    }
}

/// `borrow_cap` / `borrow_cap_mut`: the `TreasuryCap<WAL>` under `TreasuryCapKey()`; aborts with
/// `ETreasuryCapMissing` if it is not there.
fn borrow_cap(
    ctx: &mut NativeCtx<'_>,
    treasury: &ProtectedTreasury,
    function: &'static str,
) -> NResult<TreasuryCapData> {
    let parent = framework::to_address(treasury.id.id);
    let present = ctx.dof_exists_with_type(
        parent,
        &cap_key_type(),
        &TreasuryCapKey::default(),
        &treasury_cap_tag(),
    );
    ensure(present, || abort(function, E::ETreasuryCapMissing))?;
    ctx.dof_borrow_keyed(parent, &cap_key_type(), &TreasuryCapKey::default())
}

/// `total_supply`: the total WAL supply in FROST.
pub fn total_supply(ctx: &mut NativeCtx<'_>, treasury: &ProtectedTreasury) -> NResult<u64> {
    Ok(borrow_cap(ctx, treasury, "borrow_cap")?.total_supply)
}

/// `burn`: destroys `coin` and reduces the total supply by its value
/// (`coin::burn` → `balance::decrease_supply`).
pub fn burn(
    ctx: &mut NativeCtx<'_>,
    treasury: &ProtectedTreasury,
    coin: framework::CoinData,
) -> NResult<()> {
    let mut cap = borrow_cap(ctx, treasury, "borrow_cap_mut")?;
    ensure(cap.total_supply >= coin.value, || {
        framework_abort("balance", "decrease_supply", E_OVERFLOW)
    })?;
    cap.total_supply -= coin.value;
    ctx.delete_id(framework::to_address(coin.id));
    let parent = framework::to_address(treasury.id.id);
    ctx.dof_write_keyed(parent, &cap_key_type(), &TreasuryCapKey::default(), &cap)
}

/// A `ProtectedTreasury` object value (for tests and genesis).
pub fn treasury_value(treasury: &ProtectedTreasury) -> NResult<Value> {
    Ok(Value::Obj(super::ObjVal::new(
        treasury_tag(),
        false,
        treasury,
    )?))
}
