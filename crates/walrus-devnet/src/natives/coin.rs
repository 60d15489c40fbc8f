//! The Sui framework functions PTBs use: `0x2::coin`, `0x2::balance` and `0x2::transfer`.

use sui_sdk_types::{Address, CommandArgumentError, Owner, TypeTag};

use super::{
    NResult, NativeCtx, NativeError, NativeFn, ObjVal, ParamKind, Value, arithmetic,
    framework_abort, native, obj_arg, pure_arg, set_obj, single_type_arg, typed, typed_arg,
};
use crate::framework::{self, CoinData, to_object_id};

use ParamKind::{MutRef, Ref, Val};

/// `balance::ENonZero`.
const E_NON_ZERO: u64 = 0;
/// `balance::ENotEnough`.
const E_NOT_ENOUGH: u64 = 2;

pub(crate) fn lookup(module: &str, function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 1, func);
    match (module, function) {
        ("coin", "value") => f(&[Ref], coin_value),
        ("coin", "split") => f(&[MutRef, Val], coin_split),
        ("coin", "join") => f(&[MutRef, Val], coin_join),
        ("coin", "zero") => f(&[], coin_zero),
        ("coin", "into_balance") => f(&[Val], coin_into_balance),
        ("coin", "from_balance") => f(&[Val], coin_from_balance),
        ("coin", "destroy_zero") => f(&[Val], coin_destroy_zero),
        ("balance", "zero") => f(&[], balance_zero),
        ("balance", "value") => f(&[Ref], balance_value),
        ("balance", "join") => f(&[MutRef, Val], balance_join),
        ("balance", "split") => f(&[MutRef, Val], balance_split),
        ("balance", "destroy_zero") => f(&[Val], balance_destroy_zero),
        ("transfer", "public_transfer") => f(&[Val, Val], public_transfer),
        _ => None,
    }
}

/// Decodes a `Coin<T>` argument.
pub fn coin_arg(value: &Value, index: u16, coin_type: &TypeTag) -> NResult<CoinData> {
    obj_arg(value, index, &framework::coin_tag(coin_type.clone()))
}

/// A new `Coin<T>` object value.
pub fn new_coin(ctx: &mut NativeCtx<'_>, coin_type: TypeTag, value: u64) -> NResult<Value> {
    let id = ctx.fresh_id();
    coin_value_of(id, coin_type, value)
}

/// The object value of a coin with a given ID.
pub fn coin_value_of(id: Address, coin_type: TypeTag, value: u64) -> NResult<Value> {
    let data = CoinData {
        id: to_object_id(id),
        value,
    };
    Ok(Value::Obj(ObjVal::new(
        framework::coin_tag(coin_type),
        true,
        &data,
    )?))
}

/// `balance::split` on a raw value.
pub fn split_value(balance: &mut u64, amount: u64) -> NResult<u64> {
    if *balance < amount {
        return Err(framework_abort("balance", "split", E_NOT_ENOUGH));
    }
    *balance -= amount;
    Ok(amount)
}

/// `balance::join` on raw values.
pub fn join_value(balance: &mut u64, amount: u64) -> NResult<()> {
    *balance = balance.checked_add(amount).ok_or_else(arithmetic)?;
    Ok(())
}

fn coin_value(_: &mut NativeCtx<'_>, ty: &[TypeTag], args: &mut [Value]) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let coin = coin_arg(&args[0], 0, &t)?;
    Ok(vec![typed(TypeTag::U64, &coin.value)?])
}

fn coin_split(ctx: &mut NativeCtx<'_>, ty: &[TypeTag], args: &mut [Value]) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let mut coin = coin_arg(&args[0], 0, &t)?;
    let amount: u64 = pure_arg(&args[1], 1, &TypeTag::U64)?;
    split_value(&mut coin.value, amount)?;
    set_obj(&mut args[0], &coin)?;
    Ok(vec![new_coin(ctx, t, amount)?])
}

fn coin_join(ctx: &mut NativeCtx<'_>, ty: &[TypeTag], args: &mut [Value]) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let mut coin = coin_arg(&args[0], 0, &t)?;
    let other = coin_arg(&args[1], 1, &t)?;
    join_value(&mut coin.value, other.value)?;
    ctx.delete_id(framework::to_address(other.id));
    set_obj(&mut args[0], &coin)?;
    Ok(vec![])
}

fn coin_zero(ctx: &mut NativeCtx<'_>, ty: &[TypeTag], _: &mut [Value]) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    Ok(vec![new_coin(ctx, t, 0)?])
}

fn coin_into_balance(
    ctx: &mut NativeCtx<'_>,
    ty: &[TypeTag],
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let coin = coin_arg(&args[0], 0, &t)?;
    ctx.delete_id(framework::to_address(coin.id));
    Ok(vec![typed(framework::balance_type(t), &coin.value)?])
}

fn coin_from_balance(
    ctx: &mut NativeCtx<'_>,
    ty: &[TypeTag],
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let value: u64 = typed_arg(&args[0], 0, &framework::balance_type(t.clone()))?;
    Ok(vec![new_coin(ctx, t, value)?])
}

fn coin_destroy_zero(
    ctx: &mut NativeCtx<'_>,
    ty: &[TypeTag],
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let coin = coin_arg(&args[0], 0, &t)?;
    if coin.value != 0 {
        return Err(framework_abort("balance", "destroy_zero", E_NON_ZERO));
    }
    ctx.delete_id(framework::to_address(coin.id));
    Ok(vec![])
}

fn balance_zero(_: &mut NativeCtx<'_>, ty: &[TypeTag], _: &mut [Value]) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    Ok(vec![typed(framework::balance_type(t), &0u64)?])
}

fn balance_value(_: &mut NativeCtx<'_>, ty: &[TypeTag], args: &mut [Value]) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let value: u64 = typed_arg(&args[0], 0, &framework::balance_type(t))?;
    Ok(vec![typed(TypeTag::U64, &value)?])
}

fn balance_join(_: &mut NativeCtx<'_>, ty: &[TypeTag], args: &mut [Value]) -> NResult<Vec<Value>> {
    let bt = framework::balance_type(single_type_arg(ty)?);
    let mut value: u64 = typed_arg(&args[0], 0, &bt)?;
    let other: u64 = typed_arg(&args[1], 1, &bt)?;
    join_value(&mut value, other)?;
    args[0] = typed(bt, &value)?;
    Ok(vec![typed(TypeTag::U64, &value)?])
}

fn balance_split(_: &mut NativeCtx<'_>, ty: &[TypeTag], args: &mut [Value]) -> NResult<Vec<Value>> {
    let bt = framework::balance_type(single_type_arg(ty)?);
    let mut value: u64 = typed_arg(&args[0], 0, &bt)?;
    let amount: u64 = pure_arg(&args[1], 1, &TypeTag::U64)?;
    split_value(&mut value, amount)?;
    args[0] = typed(bt.clone(), &value)?;
    Ok(vec![typed(bt, &amount)?])
}

fn balance_destroy_zero(
    _: &mut NativeCtx<'_>,
    ty: &[TypeTag],
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let bt = framework::balance_type(single_type_arg(ty)?);
    let value: u64 = typed_arg(&args[0], 0, &bt)?;
    if value != 0 {
        return Err(framework_abort("balance", "destroy_zero", E_NON_ZERO));
    }
    Ok(vec![])
}

fn public_transfer(
    ctx: &mut NativeCtx<'_>,
    ty: &[TypeTag],
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let t = single_type_arg(ty)?;
    let recipient: Address = pure_arg(&args[1], 1, &TypeTag::Address)?;
    match &args[0] {
        Value::Obj(obj) if TypeTag::Struct(Box::new(obj.ty.clone())) == t => {
            if !obj.has_public_transfer {
                return Err(NativeError::Arg(
                    0,
                    CommandArgumentError::InvalidTransferObject,
                ));
            }
            ctx.transfers.push((obj.clone(), Owner::Address(recipient)));
            Ok(vec![])
        }
        _ => Err(NativeError::Arg(0, CommandArgumentError::TypeMismatch)),
    }
}
