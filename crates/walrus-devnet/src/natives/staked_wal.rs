//! `walrus::staked_wal`: a staker's receipt holding the principal.

use sui_sdk_types::{StructTag, TypeTag};
use walrus_core::ObjectId;
use walrus_sui::errors::StakedWalError as E;
use walrus_sui::move_types::{Balance, Uid};
use walrus_sui::objects::{StakedWal, StakedWalState};

use super::{
    NResult, NativeCtx, NativeError, NativeFn, ObjVal, ParamKind, Value, arithmetic, ensure,
    invariant, native, obj_arg, pure_arg, set_obj, typed, walrus_abort,
};
use crate::framework::{self, to_address, to_object_id};

use ParamKind::{MutRef, Ref, Val};

/// The minimum principal of a `StakedWal`: 1 WAL.
pub const MIN_STAKING_THRESHOLD: u64 = 1_000_000_000;

/// The `StakedWal` type tag.
pub fn staked_wal_tag() -> StructTag {
    framework::walrus_tag("staked_wal", "StakedWal")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("staked_wal", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "join" => f(&[MutRef, Val], |ctx, _, a| {
            let mut staked = arg(a, 0)?;
            let other = arg(a, 1)?;
            join(&mut staked, other, ctx)?;
            set_obj(&mut a[0], &staked)?;
            Ok(vec![])
        }),
        "split" => f(&[MutRef, Val], |ctx, _, a| {
            let mut staked = arg(a, 0)?;
            let amount: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
            let part = split(&mut staked, amount, ctx)?;
            set_obj(&mut a[0], &staked)?;
            Ok(vec![staked_wal_value(&part)?])
        }),
        "id" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::Address, &arg(a, 0)?.id.id)?])
        }),
        "node_id" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::Address, &arg(a, 0)?.node_id)?])
        }),
        "value" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U64, &arg(a, 0)?.principal.value)?])
        }),
        "activation_epoch" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U32, &arg(a, 0)?.activation_epoch)?])
        }),
        "is_staked" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::Bool, &is_staked(&arg(a, 0)?))?])
        }),
        "is_withdrawing" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::Bool, &!is_staked(&arg(a, 0)?))?])
        }),
        "withdraw_epoch" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U32, &withdraw_epoch(&arg(a, 0)?)?)?])
        }),
        "min_staking_threshold" => f(&[], |_, _, _| {
            Ok(vec![typed(TypeTag::U64, &MIN_STAKING_THRESHOLD)?])
        }),
        _ => None,
    }
}

fn arg(args: &[Value], index: usize) -> NResult<StakedWal> {
    let i = u16::try_from(index).map_err(|_| invariant())?;
    obj_arg(&args[index], i, &staked_wal_tag())
}

/// A `StakedWal` object value.
pub fn staked_wal_value(staked: &StakedWal) -> NResult<Value> {
    Ok(Value::Obj(ObjVal::new(staked_wal_tag(), true, staked)?))
}

/// `mint` (package-internal).
pub fn mint(
    node_id: ObjectId,
    principal: u64,
    activation_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<StakedWal> {
    ensure(principal >= MIN_STAKING_THRESHOLD, || {
        abort("mint", E::EStakeBelowThreshold)
    })?;
    Ok(StakedWal {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        state: StakedWalState::Staked,
        node_id,
        principal: Balance { value: principal },
        activation_epoch,
    })
}

/// `into_balance` (package-internal): deletes the object and returns the principal.
pub fn into_balance(staked: StakedWal, ctx: &mut NativeCtx<'_>) -> u64 {
    ctx.delete_id(to_address(staked.id.id));
    staked.principal.value
}

/// `set_withdrawing` (package-internal).
pub fn set_withdrawing(staked: &mut StakedWal, withdraw_epoch: u32) -> NResult<()> {
    ensure(is_staked(staked), || {
        abort("set_withdrawing", E::EAlreadyWithdrawing)
    })?;
    staked.state = StakedWalState::Withdrawing { withdraw_epoch };
    Ok(())
}

/// `is_staked`.
pub fn is_staked(staked: &StakedWal) -> bool {
    staked.state == StakedWalState::Staked
}

/// `withdraw_epoch`: aborts unless withdrawing.
pub fn withdraw_epoch(staked: &StakedWal) -> NResult<u32> {
    match staked.state {
        StakedWalState::Withdrawing { withdraw_epoch } => Ok(withdraw_epoch),
        StakedWalState::Staked => Err(abort("withdraw_epoch", E::ENotWithdrawing)),
    }
}

/// `join`: same node, activation epoch and state.
pub fn join(staked: &mut StakedWal, other: StakedWal, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    let mismatch = || abort("join", E::EMetadataMismatch);
    ensure(staked.node_id == other.node_id, mismatch)?;
    ensure(staked.activation_epoch == other.activation_epoch, mismatch)?;
    ensure(staked.state == other.state, mismatch)?;
    let value = into_balance(other, ctx);
    staked.principal.value = staked
        .principal
        .value
        .checked_add(value)
        .ok_or_else(arithmetic)?;
    Ok(())
}

/// `split`: both parts keep at least 1 WAL.
pub fn split(staked: &mut StakedWal, amount: u64, ctx: &mut NativeCtx<'_>) -> NResult<StakedWal> {
    let principal = staked.principal.value;
    ensure(amount > 0 && amount < principal, || {
        abort("split", E::EInvalidAmount)
    })?;
    ensure(amount >= MIN_STAKING_THRESHOLD, || {
        abort("split", E::EStakeBelowThreshold)
    })?;
    ensure(principal - amount >= MIN_STAKING_THRESHOLD, || {
        abort("split", E::EStakeBelowThreshold)
    })?;
    staked.principal.value = principal - amount;
    Ok(StakedWal {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        state: staked.state,
        node_id: staked.node_id,
        principal: Balance { value: amount },
        activation_epoch: staked.activation_epoch,
    })
}
