//! `walrus::storage_resource`: the `Storage` reservation.

use sui_sdk_types::{StructTag, TypeTag};
use walrus_sui::errors::StorageResourceError as E;
use walrus_sui::move_types::Uid;
use walrus_sui::objects::Storage;

use super::{
    NResult, NativeCtx, NativeError, NativeFn, ObjVal, ParamKind, Value, arithmetic, ensure,
    native, obj_arg, pure_arg, set_obj, typed, walrus_abort,
};
use crate::framework::{self, to_address, to_object_id};

use ParamKind::{MutRef, Ref, Val};

/// The `Storage` type tag.
pub fn storage_tag() -> StructTag {
    framework::walrus_tag("storage_resource", "Storage")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("storage_resource", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "start_epoch" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U32, &arg(a, 0)?.start_epoch)?])
        }),
        "end_epoch" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U32, &arg(a, 0)?.end_epoch)?])
        }),
        "size" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U64, &arg(a, 0)?.storage_size)?])
        }),
        "covers_epoch" => f(&[Ref, Val], |_, _, a| {
            let epoch: u32 = pure_arg(&a[1], 1, &TypeTag::U32)?;
            Ok(vec![typed(
                TypeTag::Bool,
                &covers_epoch(&arg(a, 0)?, epoch),
            )?])
        }),
        "can_fuse_periods" => f(&[Ref, Ref], |_, _, a| {
            Ok(vec![typed(
                TypeTag::Bool,
                &can_fuse_periods(&arg(a, 0)?, &arg(a, 1)?),
            )?])
        }),
        "can_fuse_amount" => f(&[Ref, Ref], |_, _, a| {
            Ok(vec![typed(
                TypeTag::Bool,
                &can_fuse_amount(&arg(a, 0)?, &arg(a, 1)?),
            )?])
        }),
        "split_by_epoch" => f(&[MutRef, Val], |ctx, _, a| {
            let mut storage = arg(a, 0)?;
            let epoch: u32 = pure_arg(&a[1], 1, &TypeTag::U32)?;
            let back = split_by_epoch(&mut storage, epoch, ctx)?;
            set_obj(&mut a[0], &storage)?;
            Ok(vec![storage_value(&back)?])
        }),
        "split_by_size" => f(&[MutRef, Val], |ctx, _, a| {
            let mut storage = arg(a, 0)?;
            let size: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
            let rest = split_by_size(&mut storage, size, ctx)?;
            set_obj(&mut a[0], &storage)?;
            Ok(vec![storage_value(&rest)?])
        }),
        "fuse_periods" => f(&[MutRef, Val], |ctx, _, a| {
            let mut storage = arg(a, 0)?;
            fuse_periods(&mut storage, arg(a, 1)?, ctx)?;
            set_obj(&mut a[0], &storage)?;
            Ok(vec![])
        }),
        "fuse_amount" => f(&[MutRef, Val], |ctx, _, a| {
            let mut storage = arg(a, 0)?;
            fuse_amount(&mut storage, arg(a, 1)?, ctx)?;
            set_obj(&mut a[0], &storage)?;
            Ok(vec![])
        }),
        "fuse" => f(&[MutRef, Val], |ctx, _, a| {
            let mut storage = arg(a, 0)?;
            fuse(&mut storage, arg(a, 1)?, ctx)?;
            set_obj(&mut a[0], &storage)?;
            Ok(vec![])
        }),
        "destroy" => f(&[Val], |ctx, _, a| {
            destroy(arg(a, 0)?, ctx);
            Ok(vec![])
        }),
        _ => None,
    }
}

fn arg(args: &[Value], index: usize) -> NResult<Storage> {
    let i = u16::try_from(index).map_err(|_| super::invariant())?;
    obj_arg(&args[index], i, &storage_tag())
}

/// A `Storage` object value.
pub fn storage_value(storage: &Storage) -> NResult<Value> {
    Ok(Value::Obj(ObjVal::new(storage_tag(), true, storage)?))
}

/// `covers_epoch`.
pub fn covers_epoch(s: &Storage, epoch: u32) -> bool {
    s.start_epoch <= epoch && epoch < s.end_epoch
}

/// `can_fuse_periods`.
pub fn can_fuse_periods(s: &Storage, other: &Storage) -> bool {
    s.storage_size == other.storage_size
        && (s.end_epoch == other.start_epoch || other.end_epoch == s.start_epoch)
}

/// `can_fuse_amount`.
pub fn can_fuse_amount(s: &Storage, other: &Storage) -> bool {
    s.start_epoch == other.start_epoch && s.end_epoch == other.end_epoch
}

/// `split_by_epoch`.
pub fn split_by_epoch(
    s: &mut Storage,
    split_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<Storage> {
    ensure(
        split_epoch > s.start_epoch && split_epoch < s.end_epoch,
        || abort("split_by_epoch", E::EInvalidEpoch),
    )?;
    let end_epoch = s.end_epoch;
    s.end_epoch = split_epoch;
    Ok(Storage {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        start_epoch: split_epoch,
        end_epoch,
        storage_size: s.storage_size,
    })
}

/// `split_by_size`.
pub fn split_by_size(
    s: &mut Storage,
    split_size: u64,
    ctx: &mut NativeCtx<'_>,
) -> NResult<Storage> {
    ensure(split_size <= s.storage_size, || {
        abort("split_by_size", E::EInvalidSplitSize)
    })?;
    let rest = s.storage_size - split_size;
    s.storage_size = split_size;
    Ok(Storage {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        start_epoch: s.start_epoch,
        end_epoch: s.end_epoch,
        storage_size: rest,
    })
}

/// `fuse_periods`.
pub fn fuse_periods(s: &mut Storage, other: Storage, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    ctx.delete_id(to_address(other.id.id));
    ensure(s.storage_size == other.storage_size, || {
        abort("fuse_periods", E::EIncompatibleAmount)
    })?;
    if s.end_epoch == other.start_epoch {
        s.end_epoch = other.end_epoch;
    } else {
        ensure(s.start_epoch == other.end_epoch, || {
            abort("fuse_periods", E::EIncompatibleEpochs)
        })?;
        s.start_epoch = other.start_epoch;
    }
    Ok(())
}

/// `fuse_amount`.
pub fn fuse_amount(s: &mut Storage, other: Storage, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    ctx.delete_id(to_address(other.id.id));
    ensure(
        s.start_epoch == other.start_epoch && s.end_epoch == other.end_epoch,
        || abort("fuse_amount", E::EIncompatibleEpochs),
    )?;
    s.storage_size = s
        .storage_size
        .checked_add(other.storage_size)
        .ok_or_else(arithmetic)?;
    Ok(())
}

/// `fuse`.
pub fn fuse(s: &mut Storage, other: Storage, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    if can_fuse_amount(s, &other) {
        fuse_amount(s, other, ctx)
    } else {
        fuse_periods(s, other, ctx)
    }
}

/// `destroy`.
pub fn destroy(s: Storage, ctx: &mut NativeCtx<'_>) {
    ctx.delete_id(to_address(s.id.id));
}

/// `create_storage` (package-internal).
pub fn create_storage(
    start_epoch: u32,
    end_epoch: u32,
    storage_size: u64,
    ctx: &mut NativeCtx<'_>,
) -> NResult<Storage> {
    ensure(end_epoch > start_epoch, || {
        abort("create_storage", E::EInvalidEpochRange)
    })?;
    Ok(Storage {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        start_epoch,
        end_epoch,
        storage_size,
    })
}

/// `extend_end_epoch` (package-internal).
pub fn extend_end_epoch(s: &mut Storage, extended_epochs: u32) -> NResult<()> {
    s.end_epoch = s
        .end_epoch
        .checked_add(extended_epochs)
        .ok_or_else(arithmetic)?;
    Ok(())
}
