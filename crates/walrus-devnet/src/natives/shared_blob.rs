//! `walrus::shared_blob`: a shared blob with WAL funds anyone can top up and spend on extensions.

use sui_sdk_types::{Owner, StructTag, TypeTag};
use walrus_sui::errors::SharedBlobError as E;
use walrus_sui::move_types::{Balance, Uid};
use walrus_sui::objects::{Blob, SharedBlob, System};

use super::blob::blob_tag;
use super::coin::{coin_arg, join_value, split_value};
use super::system::{self, system_tag};
use super::{
    NResult, NativeCtx, NativeError, NativeFn, ObjVal, ParamKind, Value, ensure, native, obj_arg,
    pure_arg, set_obj, typed, walrus_abort,
};
use crate::framework::{self, to_address, to_object_id};

use ParamKind::{MutRef, Ref, Val};

/// The initial shared version a native passes for an object shared in the transaction; the
/// executor replaces it with the transaction's lamport version.
pub const NEW_SHARED_VERSION: u64 = 0;

/// The `SharedBlob` type tag.
pub fn shared_blob_tag() -> StructTag {
    framework::walrus_tag("shared_blob", "SharedBlob")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("shared_blob", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "new" => f(&[Val], |ctx, _, a| {
            let blob: Blob = obj_arg(&a[0], 0, &blob_tag())?;
            share(new_funded(blob, 0, ctx), ctx)?;
            Ok(vec![])
        }),
        "new_funded" => f(&[Val, Val], |ctx, _, a| {
            let blob: Blob = obj_arg(&a[0], 0, &blob_tag())?;
            let funds = coin_arg(&a[1], 1, &framework::wal_type())?;
            ctx.delete_id(to_address(funds.id));
            share(new_funded(blob, funds.value, ctx), ctx)?;
            Ok(vec![])
        }),
        "fund" => f(&[MutRef, Val], |ctx, _, a| {
            let mut shared = arg(a)?;
            let added = coin_arg(&a[1], 1, &framework::wal_type())?;
            ctx.delete_id(to_address(added.id));
            fund(&mut shared, added.value)?;
            set_obj(&mut a[0], &shared)?;
            Ok(vec![])
        }),
        "extend" => f(&[MutRef, MutRef, Val], |ctx, _, a| {
            let mut shared = arg(a)?;
            let system: System = obj_arg(&a[1], 1, &system_tag())?;
            let extended_epochs: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
            extend(&mut shared, &system, extended_epochs, ctx)?;
            set_obj(&mut a[0], &shared)?;
            Ok(vec![])
        }),
        "blob" => f(&[Ref], |_, _, a| {
            let shared = arg(a)?;
            Ok(vec![Value::Obj(ObjVal::new(
                blob_tag(),
                true,
                &shared.blob,
            )?)])
        }),
        "funds" => f(&[Ref], |_, _, a| {
            let shared = arg(a)?;
            Ok(vec![typed(
                framework::balance_type(framework::wal_type()),
                &shared.funds.value,
            )?])
        }),
        _ => None,
    }
}

fn arg(args: &[Value]) -> NResult<SharedBlob> {
    obj_arg(&args[0], 0, &shared_blob_tag())
}

/// `transfer::share_object`.
fn share(shared: SharedBlob, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    let obj = ObjVal::new(shared_blob_tag(), true, &shared)?;
    ctx.transfers.push((obj, Owner::Shared(NEW_SHARED_VERSION)));
    Ok(())
}

/// `new_for_test` / the body of `new_funded` before sharing: wraps `blob` with `funds` FROST.
pub fn new_funded(blob: Blob, funds: u64, ctx: &mut NativeCtx<'_>) -> SharedBlob {
    SharedBlob {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        blob,
        funds: Balance { value: funds },
    }
}

/// `fund`.
pub fn fund(shared: &mut SharedBlob, added: u64) -> NResult<()> {
    join_value(&mut shared.funds.value, added)
}

/// `extend`: extends the blob by `extended_epochs`, paid from the funds.
pub fn extend(
    shared: &mut SharedBlob,
    system: &System,
    extended_epochs: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<()> {
    let cost = system::storage_cost(
        ctx,
        system,
        shared.blob.storage.storage_size,
        extended_epochs,
    )?;
    ensure(shared.funds.value >= cost, || {
        abort("extend", E::EInsufficientFunds)
    })?;
    // `coin::from_balance(self.funds.split(cost))`, paid through `system::extend_blob`, and the
    // change joined back.
    let mut payment = split_value(&mut shared.funds.value, cost)?;
    let coin_id = ctx.fresh_id();
    system::extend_blob(ctx, system, &mut shared.blob, extended_epochs, &mut payment)?;
    ctx.delete_id(coin_id);
    join_value(&mut shared.funds.value, payment)
}
