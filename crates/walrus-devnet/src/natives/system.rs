//! `walrus::system` (with the parts of `bls_aggregate`, `messages` and `storage_accounting` it
//! uses): storage sales, blob registration, certification, extension and deletion.

use sui_sdk_types::{Address, StructTag, TypeTag};
use walrus_core::{BlobId, BlsAggregateSignature, BlsPublicKey, ObjectId};
use walrus_sui::errors::{
    BlsAggregateError, MessagesError, StorageAccountingError, SystemError as E,
};
use walrus_sui::events::InvalidBlobID;
use walrus_sui::move_types::Balance;
use walrus_sui::objects::{
    Blob, BlsCommittee, FutureAccounting, FutureAccountingRingBuffer, System, SystemStateInnerV1,
};

use super::blob::{self, CertifiedBlobMessage, blob_tag};
use super::coin::{coin_arg, join_value, split_value};
use super::encoding::{RS2, encoded_blob_length};
use super::storage_resource::{self, storage_tag, storage_value};
use super::{
    NResult, NativeCtx, NativeError, NativeFn, ParamKind, Value, arithmetic, ensure, invariant,
    native, obj_arg, pure_arg, set_obj, typed, walrus_abort,
};
use crate::framework::{self, to_address};

use ParamKind::{MutRef, Ref, Val};

/// The version of the system state layout.
pub const VERSION: u64 = 1;
/// Bytes per priced unit of encoded size (1 MiB).
pub const BYTES_PER_UNIT_SIZE: u64 = 1_048_576;

/// The `System` type tag.
pub fn system_tag() -> StructTag {
    framework::walrus_tag("system", "System")
}

/// The type of the inner state.
pub fn inner_type() -> TypeTag {
    framework::walrus_type("system", "SystemStateInnerV1")
}

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("system", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "reserve_space" => f(&[MutRef, Val, Val, MutRef], native_reserve_space),
        "reserve_space_for_epochs" => f(
            &[MutRef, Val, Val, Val, MutRef],
            native_reserve_space_for_epochs,
        ),
        "register_blob" => f(
            &[MutRef, Val, Val, Val, Val, Val, Val, MutRef],
            native_register_blob,
        ),
        "certify_blob" => f(&[Ref, MutRef, Val, Val, Val], native_certify_blob),
        "delete_blob" => f(&[Ref, Val], native_delete_blob),
        "extend_blob_with_resource" => f(&[Ref, MutRef, Val], native_extend_blob_with_resource),
        "extend_blob" => f(&[MutRef, MutRef, Val, MutRef], native_extend_blob),
        "invalidate_blob_id" => f(&[Ref, Val, Val, Val], native_invalidate_blob_id),
        "submit_challenge_verdict" => f(
            &[MutRef, Val, Val, Val, Val, Val],
            native_submit_challenge_verdict,
        ),
        "challenge_seed" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(u8_vector(), &inner.challenges.seed)?])
        }),
        "add_subsidy" => f(&[MutRef, Val, Val], native_add_subsidy),
        "epoch" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(TypeTag::U32, &inner.committee.epoch)?])
        }),
        "n_shards" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(TypeTag::U16, &inner.committee.n_shards)?])
        }),
        "total_capacity_size" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(TypeTag::U64, &inner.total_capacity_size)?])
        }),
        "used_capacity_size" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(TypeTag::U64, &inner.used_capacity_size)?])
        }),
        "storage_price_per_unit_size" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(
                TypeTag::U64,
                &inner.storage_price_per_unit_size,
            )?])
        }),
        "write_price_per_unit_size" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(TypeTag::U64, &inner.write_price_per_unit_size)?])
        }),
        "max_epochs_ahead" => f(&[Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            Ok(vec![typed(TypeTag::U32, &inner.future_accounting.length)?])
        }),
        "version" => f(&[Ref], |_, _, a| {
            let system: System = obj_arg(&a[0], 0, &system_tag())?;
            Ok(vec![typed(TypeTag::U64, &system.version)?])
        }),
        "storage_cost" => f(&[Ref, Val, Val], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            let size: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
            let epochs: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
            let cost = inner
                .storage_price_per_unit_size
                .checked_mul(storage_units_from_size(size)?)
                .and_then(|x| x.checked_mul(u64::from(epochs)))
                .ok_or_else(arithmetic)?;
            Ok(vec![typed(TypeTag::U64, &cost)?])
        }),
        "write_cost" => f(&[Ref, Val], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            let size: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
            let encoded = encoded_blob_length(size, RS2, inner.committee.n_shards)?;
            let cost = inner
                .write_price_per_unit_size
                .checked_mul(storage_units_from_size(encoded)?)
                .ok_or_else(arithmetic)?;
            Ok(vec![typed(TypeTag::U64, &cost)?])
        }),
        "storage_units_from_size" => f(&[Val], |_, _, a| {
            let size: u64 = pure_arg(&a[0], 0, &TypeTag::U64)?;
            Ok(vec![typed(TypeTag::U64, &storage_units_from_size(size)?)?])
        }),
        "is_blob_available" => f(&[Ref, Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            let blob: Blob = obj_arg(&a[1], 1, &blob_tag())?;
            let available = blob::is_available_at(&blob, inner.committee.epoch);
            Ok(vec![typed(TypeTag::Bool, &available)?])
        }),
        "is_blob_expired" => f(&[Ref, Ref], |ctx, _, a| {
            let (_, inner) = load(ctx, a)?;
            let blob: Blob = obj_arg(&a[1], 1, &blob_tag())?;
            let expired = inner.committee.epoch >= blob::end_epoch(&blob);
            Ok(vec![typed(TypeTag::Bool, &expired)?])
        }),
        _ => None,
    }
}

/// `storage_units_from_size`.
pub fn storage_units_from_size(size: u64) -> NResult<u64> {
    Ok(size
        .checked_add(BYTES_PER_UNIT_SIZE - 1)
        .ok_or_else(arithmetic)?
        / BYTES_PER_UNIT_SIZE)
}

/// Loads the `System` argument 0 and its inner state (`inner`/`inner_mut`, checking the version).
fn load(ctx: &mut NativeCtx<'_>, args: &[Value]) -> NResult<(System, SystemStateInnerV1)> {
    let system: System = obj_arg(&args[0], 0, &system_tag())?;
    ensure(system.version == VERSION, || {
        abort("inner", E::EWrongVersion)
    })?;
    let inner = ctx.df_borrow(to_address(system.id.id), &TypeTag::U64, &VERSION)?;
    Ok((system, inner))
}

fn store(ctx: &mut NativeCtx<'_>, system: &System, inner: &SystemStateInnerV1) -> NResult<()> {
    ctx.df_write(to_address(system.id.id), &TypeTag::U64, &VERSION, inner)
}

/// `inner`: the state of `system` (checking the version).
pub fn load_inner(ctx: &mut NativeCtx<'_>, system: &System) -> NResult<SystemStateInnerV1> {
    ensure(system.version == VERSION, || {
        abort("inner", E::EWrongVersion)
    })?;
    ctx.df_borrow(to_address(system.id.id), &TypeTag::U64, &VERSION)
}

/// Writes back the state of `system` (`inner_mut`).
pub fn store_inner(
    ctx: &mut NativeCtx<'_>,
    system: &System,
    inner: &SystemStateInnerV1,
) -> NResult<()> {
    store(ctx, system, inner)
}

/// `new_for_test`: a system object (not shared) with `committee`, capacity and prices.
pub fn new_for_test(
    ctx: &mut NativeCtx<'_>,
    committee: BlsCommittee,
    total_capacity_size: u64,
    storage_price: u64,
    write_price: u64,
    max_epochs_ahead: u32,
) -> NResult<System> {
    let id = ctx.fresh_id();
    let system = System {
        id: walrus_sui::move_types::Uid {
            id: framework::to_object_id(id),
        },
        version: VERSION,
    };
    let epoch = committee.epoch;
    let inner = SystemStateInnerV1 {
        committee,
        total_capacity_size,
        used_capacity_size: 0,
        storage_price_per_unit_size: storage_price,
        write_price_per_unit_size: write_price,
        future_accounting: ring_new(epoch, max_epochs_ahead)?,
        challenges: super::challenges::new(epoch, ctx.tx_digest.inner()),
    };
    ctx.df_add(id, TypeTag::U64, &VERSION, inner_type(), &inner)?;
    Ok(system)
}

/// `storage_cost`: the price of `encoded_size` bytes for `epochs` epochs.
pub fn storage_cost(
    ctx: &mut NativeCtx<'_>,
    system: &System,
    encoded_size: u64,
    epochs: u32,
) -> NResult<u64> {
    let inner = load_inner(ctx, system)?;
    inner
        .storage_price_per_unit_size
        .checked_mul(storage_units_from_size(encoded_size)?)
        .and_then(|x| x.checked_mul(u64::from(epochs)))
        .ok_or_else(arithmetic)
}

/// The nodes paid at an epoch change and the nodes to slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochPayouts {
    /// The ending committee's members, in committee order.
    pub node_ids: Vec<ObjectId>,
    /// Their rewards (FROST), scaled by their challenge pass rate.
    pub rewards: Vec<u64>,
    /// The members whose failures reached the slashing threshold.
    pub to_slash: Vec<ObjectId>,
}

/// `advance_epoch` (called by `staking`): pops the ending epoch's accounting, closes the epoch's
/// challenges, pays its fees to the ending committee pro rata to shards scaled by what each
/// member keeps after a failing verdict (the withheld part and the remainder roll over), installs
/// the new committee, capacity and prices, and emits `PricesUpdated`.
pub fn advance_epoch(
    ctx: &mut NativeCtx<'_>,
    system: &System,
    new_committee: BlsCommittee,
    new_capacity: u64,
    storage_price: u64,
    write_price: u64,
) -> NResult<EpochPayouts> {
    let mut inner = load_inner(ctx, system)?;
    let old_epoch = inner.committee.epoch;
    ensure(
        Some(new_committee.epoch) == old_epoch.checked_add(1),
        || abort("advance_epoch", E::EIncorrectCommittee),
    )?;
    let popped = ring_pop_expand(&mut inner.future_accounting)?;
    ensure(popped.epoch == old_epoch, || {
        abort("advance_epoch", E::EInvalidAccountingEpoch)
    })?;
    let mut rewards = popped.rewards_to_distribute.value;
    let total = u128::from(rewards);
    let n_shards = u128::from(inner.committee.n_shards);
    let members: Vec<ObjectId> = inner.committee.members.iter().map(|m| m.node_id).collect();
    let digest = ctx.tx_digest;
    let (keep_bps, to_slash) =
        super::challenges::close_epoch(&mut inner.challenges, &members, old_epoch, digest.inner())?;
    let mut node_ids = Vec::new();
    let mut payouts = Vec::new();
    for (member, keep) in inner.committee.members.iter().zip(&keep_bps) {
        // No shards, no payouts (the Move code skips the loop for an empty committee).
        let Some(share) = (total * u128::from(member.weight)).checked_div(n_shards) else {
            break;
        };
        let share = share * u128::from(*keep) / u128::from(super::challenges::N_BASIS_POINTS);
        let amount = u64::try_from(share).map_err(|_| arithmetic())?;
        node_ids.push(member.node_id);
        payouts.push(split_value(&mut rewards, amount)?);
    }
    join_value(
        &mut ring_lookup_mut(&mut inner, 0)?.rewards_to_distribute.value,
        rewards,
    )?;
    inner.committee = new_committee;
    let used = ring_lookup_mut(&mut inner, 0)?.used_capacity;
    inner.used_capacity_size = used;
    inner.total_capacity_size = new_capacity.max(used);
    inner.storage_price_per_unit_size = storage_price;
    inner.write_price_per_unit_size = write_price;
    ctx.emit(&walrus_sui::events::PricesUpdated {
        epoch: old_epoch + 1,
        storage_price,
        write_price,
    })?;
    store(ctx, system, &inner)?;
    Ok(EpochPayouts {
        node_ids,
        rewards: payouts,
        to_slash,
    })
}

/// `slash_bps`: the slashed fraction in basis points.
pub fn slash_bps(ctx: &mut NativeCtx<'_>, system: &System) -> NResult<u16> {
    Ok(load_inner(ctx, system)?.challenges.params.slash_bps)
}

/// `set_slash_bps`: the slash fraction from the new committee's votes.
pub fn set_slash_bps(ctx: &mut NativeCtx<'_>, system: &System, slash_bps: u16) -> NResult<()> {
    let mut inner = load_inner(ctx, system)?;
    super::challenges::set_slash_bps(&mut inner.challenges, slash_bps)?;
    store(ctx, system, &inner)
}

/// `record_slash`: adds `amount` to the slashed total.
pub fn record_slash(ctx: &mut NativeCtx<'_>, system: &System, amount: u64) -> NResult<()> {
    let mut inner = load_inner(ctx, system)?;
    super::challenges::add_slashed(&mut inner.challenges, amount)?;
    store(ctx, system, &inner)
}

/// `deposit_slashed`: puts slashed WAL split off a withdrawn stake into the slashing fund.
pub fn deposit_slashed(ctx: &mut NativeCtx<'_>, system: &System, amount: u64) -> NResult<()> {
    let mut inner = load_inner(ctx, system)?;
    super::challenges::deposit_slashed(&mut inner.challenges, amount)?;
    store(ctx, system, &inner)
}

// === storage_accounting ===

fn accounting_abort(function: &'static str, code: StorageAccountingError) -> NativeError {
    walrus_abort("storage_accounting", function, code as u64)
}

/// `storage_accounting::ring_new`.
pub fn ring_new(first_epoch: u32, length: u32) -> NResult<FutureAccountingRingBuffer> {
    ensure(length > 0, || {
        accounting_abort("ring_new", StorageAccountingError::EZeroLength)
    })?;
    let ring_buffer = (0..length)
        .map(|i| {
            Ok(FutureAccounting {
                epoch: first_epoch.checked_add(i).ok_or_else(arithmetic)?,
                used_capacity: 0,
                rewards_to_distribute: Balance { value: 0 },
            })
        })
        .collect::<NResult<_>>()?;
    Ok(FutureAccountingRingBuffer {
        current_index: 0,
        length,
        ring_buffer,
    })
}

fn ring_index(
    ring: &FutureAccountingRingBuffer,
    epochs_in_future: u32,
    function: &'static str,
) -> NResult<usize> {
    ensure(epochs_in_future < ring.length, || {
        accounting_abort(function, StorageAccountingError::ETooFarInFuture)
    })?;
    let index =
        (u64::from(ring.current_index) + u64::from(epochs_in_future)) % u64::from(ring.length);
    usize::try_from(index).map_err(|_| invariant())
}

/// `storage_accounting::ring_lookup`.
pub fn ring_lookup(
    ring: &FutureAccountingRingBuffer,
    epochs_in_future: u32,
) -> NResult<&FutureAccounting> {
    let index = ring_index(ring, epochs_in_future, "ring_lookup")?;
    ring.ring_buffer.get(index).ok_or_else(invariant)
}

/// `storage_accounting::ring_lookup_mut`.
pub fn ring_lookup_mut_in(
    ring: &mut FutureAccountingRingBuffer,
    epochs_in_future: u32,
) -> NResult<&mut FutureAccounting> {
    let index = ring_index(ring, epochs_in_future, "ring_lookup_mut")?;
    ring.ring_buffer.get_mut(index).ok_or_else(invariant)
}

/// `storage_accounting::ring_pop_expand`: removes the current epoch's slot and appends a fresh
/// one `length` epochs later in its place.
pub fn ring_pop_expand(ring: &mut FutureAccountingRingBuffer) -> NResult<FutureAccounting> {
    let current = usize::try_from(ring.current_index).map_err(|_| invariant())?;
    let epoch = ring.ring_buffer.get(current).ok_or_else(invariant)?.epoch;
    let fresh = FutureAccounting {
        epoch: epoch.checked_add(ring.length).ok_or_else(arithmetic)?,
        used_capacity: 0,
        rewards_to_distribute: Balance { value: 0 },
    };
    ring.ring_buffer.push(fresh);
    let popped = ring.ring_buffer.swap_remove(current);
    ring.current_index = (ring.current_index + 1) % ring.length;
    Ok(popped)
}

fn ring_lookup_mut(
    inner: &mut SystemStateInnerV1,
    epochs_in_future: u32,
) -> NResult<&mut FutureAccounting> {
    ring_lookup_mut_in(&mut inner.future_accounting, epochs_in_future)
}

/// `storage_accounting::increase_used_capacity`: aborts with `code` in `storage_accounting`
/// when the slot would exceed `max`.
pub fn increase_used_capacity_with(
    slot: &mut FutureAccounting,
    amount: u64,
    max: u64,
    code: u64,
) -> NResult<u64> {
    slot.used_capacity = slot
        .used_capacity
        .checked_add(amount)
        .ok_or_else(arithmetic)?;
    ensure(slot.used_capacity <= max, || {
        walrus_abort("storage_accounting", "increase_used_capacity", code)
    })?;
    Ok(slot.used_capacity)
}

fn increase_used_capacity(slot: &mut FutureAccounting, amount: u64, max: u64) -> NResult<u64> {
    // The Move code passes `EStorageExceeded` to `storage_accounting::increase_used_capacity`,
    // which is where the abort happens.
    increase_used_capacity_with(slot, amount, max, E::EStorageExceeded as u64)
}

// === Storage ===

fn native_reserve_space(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (system, inner) = load(ctx, a)?;
    let amount: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
    let epochs_ahead: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
    let epoch = inner.committee.epoch;
    ensure(
        epochs_ahead > 0 && epochs_ahead <= inner.future_accounting.length,
        || abort("reserve_space", E::EInvalidEpochsAhead),
    )?;
    let end = epoch.checked_add(epochs_ahead).ok_or_else(arithmetic)?;
    reserve_for_epochs(ctx, system, inner, a, amount, epoch, end, 3)
}

fn native_reserve_space_for_epochs(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (system, inner) = load(ctx, a)?;
    let amount: u64 = pure_arg(&a[1], 1, &TypeTag::U64)?;
    let start: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
    let end: u32 = pure_arg(&a[3], 3, &TypeTag::U32)?;
    reserve_for_epochs(ctx, system, inner, a, amount, start, end, 4)
}

/// `reserve_space_for_epochs`, paying from the `Coin<WAL>` argument `payment_index`.
#[allow(clippy::too_many_arguments)]
fn reserve_for_epochs(
    ctx: &mut NativeCtx<'_>,
    system: System,
    mut inner: SystemStateInnerV1,
    a: &mut [Value],
    storage_amount: u64,
    start_epoch: u32,
    end_epoch: u32,
    payment_index: usize,
) -> NResult<Vec<Value>> {
    let f = "reserve_space_for_epochs";
    let pi = u16::try_from(payment_index).map_err(|_| invariant())?;
    let mut payment = coin_arg(&a[payment_index], pi, &framework::wal_type())?;
    let epoch = inner.committee.epoch;
    let start_epoch = start_epoch.max(epoch);
    ensure(end_epoch > start_epoch, || abort(f, E::EInvalidStartEpoch))?;
    ensure(end_epoch - epoch <= inner.future_accounting.length, || {
        abort(f, E::EInvalidEpochsAhead)
    })?;
    ensure(storage_amount > 0, || abort(f, E::EInvalidResourceSize))?;
    ensure(inner.committee.n_shards > 0, || abort(f, E::ENoCommittee))?;
    let price = inner
        .storage_price_per_unit_size
        .checked_mul(storage_units_from_size(storage_amount)?)
        .ok_or_else(arithmetic)?;
    let capacity = inner.total_capacity_size;
    for offset in start_epoch - epoch..end_epoch - epoch {
        let slot = ring_lookup_mut(&mut inner, offset)?;
        let used = increase_used_capacity(slot, storage_amount, capacity)?;
        split_value(&mut payment.value, price)?;
        join_value(&mut slot.rewards_to_distribute.value, price)?;
        if offset == 0 {
            inner.used_capacity_size = used;
        }
    }
    let storage = storage_resource::create_storage(start_epoch, end_epoch, storage_amount, ctx)?;
    store(ctx, &system, &inner)?;
    set_obj(&mut a[payment_index], &payment)?;
    Ok(vec![storage_value(&storage)?])
}

// === Blobs ===

fn native_register_blob(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (system, mut inner) = load(ctx, a)?;
    let storage = obj_arg(&a[1], 1, &storage_tag())?;
    let blob_id: BlobId = pure_arg(&a[2], 2, &TypeTag::U256)?;
    let root_hash: BlobId = pure_arg(&a[3], 3, &TypeTag::U256)?;
    let size: u64 = pure_arg(&a[4], 4, &TypeTag::U64)?;
    let encoding_type: u8 = pure_arg(&a[5], 5, &TypeTag::U8)?;
    let deletable: bool = pure_arg(&a[6], 6, &TypeTag::Bool)?;
    let mut payment = coin_arg(&a[7], 7, &framework::wal_type())?;
    let epoch = inner.committee.epoch;
    let n_shards = inner.committee.n_shards;
    ensure(n_shards > 0, || abort("register_blob", E::ENoCommittee))?;
    let blob = blob::new(
        storage,
        blob_id,
        root_hash,
        size,
        encoding_type,
        deletable,
        epoch,
        n_shards,
        ctx,
    )?;
    let units = storage_units_from_size(encoded_blob_length(
        blob.size,
        blob.encoding_type,
        n_shards,
    )?)?;
    let fee = inner
        .write_price_per_unit_size
        .checked_mul(units)
        .ok_or_else(arithmetic)?;
    // `payment_split`: split the fee off the payment coin.
    split_value(&mut payment.value, fee)?;
    let slot = ring_lookup_mut(&mut inner, 0)?;
    join_value(&mut slot.rewards_to_distribute.value, fee)?;
    store(ctx, &system, &inner)?;
    set_obj(&mut a[7], &payment)?;
    Ok(vec![blob::blob_value(&blob)?])
}

fn native_certify_blob(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (_, inner) = load(ctx, a)?;
    let mut blob: Blob = obj_arg(&a[1], 1, &blob_tag())?;
    let signature: Vec<u8> = pure_arg(&a[2], 2, &u8_vector())?;
    let bitmap: Vec<u8> = pure_arg(&a[3], 3, &u8_vector())?;
    let message: Vec<u8> = pure_arg(&a[4], 4, &u8_vector())?;
    let epoch = inner.committee.epoch;
    let certified = verify_quorum_in_epoch(&inner.committee, &signature, &bitmap, message, true)?;
    ensure(certified.cert_epoch == epoch, || {
        abort("certify_blob", E::EInvalidIdEpoch)
    })?;
    let body = certify_blob_message(certified)?;
    blob::certify_with_certified_msg(&mut blob, epoch, body, ctx)?;
    set_obj(&mut a[1], &blob)?;
    Ok(vec![])
}

fn native_delete_blob(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (_, inner) = load(ctx, a)?;
    let blob: Blob = obj_arg(&a[1], 1, &blob_tag())?;
    let storage = blob::delete(blob, inner.committee.epoch, ctx)?;
    Ok(vec![storage_value(&storage)?])
}

fn native_extend_blob_with_resource(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (_, inner) = load(ctx, a)?;
    let mut blob: Blob = obj_arg(&a[1], 1, &blob_tag())?;
    let extension = obj_arg(&a[2], 2, &storage_tag())?;
    blob::extend_with_resource(&mut blob, extension, inner.committee.epoch, ctx)?;
    set_obj(&mut a[1], &blob)?;
    Ok(vec![])
}

fn native_extend_blob(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let system: System = obj_arg(&a[0], 0, &system_tag())?;
    let mut blob: Blob = obj_arg(&a[1], 1, &blob_tag())?;
    let extended_epochs: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
    let mut payment = coin_arg(&a[3], 3, &framework::wal_type())?;
    extend_blob(ctx, &system, &mut blob, extended_epochs, &mut payment.value)?;
    set_obj(&mut a[1], &blob)?;
    set_obj(&mut a[3], &payment)?;
    Ok(vec![])
}

/// `extend_blob`, paying from the coin value `payment`.
pub fn extend_blob(
    ctx: &mut NativeCtx<'_>,
    system: &System,
    blob: &mut Blob,
    extended_epochs: u32,
    payment: &mut u64,
) -> NResult<()> {
    let mut inner = load_inner(ctx, system)?;
    let epoch = inner.committee.epoch;
    blob::assert_can_extend(blob, epoch)?;
    let start_offset = blob::end_epoch(blob) - epoch;
    let end_offset = start_offset
        .checked_add(extended_epochs)
        .ok_or_else(arithmetic)?;
    ensure(
        extended_epochs > 0 && end_offset <= inner.future_accounting.length,
        || abort("extend_blob", E::EInvalidEpochsAhead),
    )?;
    let size = blob.storage.storage_size;
    let price = inner
        .storage_price_per_unit_size
        .checked_mul(storage_units_from_size(size)?)
        .ok_or_else(arithmetic)?;
    let capacity = inner.total_capacity_size;
    for offset in start_offset..end_offset {
        let slot = ring_lookup_mut(&mut inner, offset)?;
        increase_used_capacity(slot, size, capacity)?;
        split_value(payment, price)?;
        join_value(&mut slot.rewards_to_distribute.value, price)?;
    }
    blob::extend_end_epoch(blob, extended_epochs, ctx)?;
    store(ctx, system, &inner)
}

fn native_invalidate_blob_id(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (_, inner) = load(ctx, a)?;
    let signature: Vec<u8> = pure_arg(&a[1], 1, &u8_vector())?;
    let bitmap: Vec<u8> = pure_arg(&a[2], 2, &u8_vector())?;
    let message: Vec<u8> = pure_arg(&a[3], 3, &u8_vector())?;
    let epoch = inner.committee.epoch;
    let certified = verify_quorum_in_epoch(&inner.committee, &signature, &bitmap, message, false)?;
    ensure(certified.cert_epoch == epoch, || {
        abort("invalidate_blob_id", E::EInvalidIdEpoch)
    })?;
    let blob_id = invalid_blob_id_message(&certified)?;
    ctx.emit(&InvalidBlobID { epoch, blob_id })?;
    Ok(vec![typed(TypeTag::U256, &blob_id)?])
}

fn native_submit_challenge_verdict(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let f = "submit_challenge_verdict";
    let (system, mut inner) = load(ctx, a)?;
    let epoch: u32 = pure_arg(&a[1], 1, &TypeTag::U32)?;
    let target: ObjectId = pure_arg(&a[2], 2, &TypeTag::Address)?;
    let passed: bool = pure_arg(&a[3], 3, &TypeTag::Bool)?;
    let signature: Vec<u8> = pure_arg(&a[4], 4, &u8_vector())?;
    let bitmap: Vec<u8> = pure_arg(&a[5], 5, &u8_vector())?;
    ensure(epoch == inner.committee.epoch, || {
        abort(f, E::EInvalidIdEpoch)
    })?;
    let index = inner
        .committee
        .members
        .iter()
        .position(|m| m.node_id == target)
        .ok_or_else(|| abort(f, E::ENotCommitteeMember))?;
    let target_signed = bitmap
        .get(index / 8)
        .is_some_and(|byte| (byte >> (index % 8)) & 1 == 1);
    ensure(!target_signed, || abort(f, E::ESelfChallenge))?;
    let message = super::challenges::verdict_message_bytes(epoch, target, passed);
    let certified = verify_quorum_in_epoch(&inner.committee, &signature, &bitmap, message, true)?;
    ensure(certified.cert_epoch == epoch, || {
        abort(f, E::EInvalidIdEpoch)
    })?;
    super::challenges::record_verdict(ctx, &mut inner.challenges, epoch, target, passed)?;
    store(ctx, &system, &inner)?;
    Ok(vec![])
}

fn native_add_subsidy(
    ctx: &mut NativeCtx<'_>,
    _: &[TypeTag],
    a: &mut [Value],
) -> NResult<Vec<Value>> {
    let (system, mut inner) = load(ctx, a)?;
    let subsidy = coin_arg(&a[1], 1, &framework::wal_type())?;
    let epochs_ahead: u32 = pure_arg(&a[2], 2, &TypeTag::U32)?;
    ensure(
        epochs_ahead > 0 && epochs_ahead <= inner.future_accounting.length,
        || abort("add_subsidy", E::EInvalidEpochsAhead),
    )?;
    ctx.delete_id(to_address(subsidy.id));
    let mut balance = subsidy.value;
    let per_epoch = balance / u64::from(epochs_ahead);
    for offset in (1..epochs_ahead).rev() {
        split_value(&mut balance, per_epoch)?;
        join_value(
            &mut ring_lookup_mut(&mut inner, offset)?
                .rewards_to_distribute
                .value,
            per_epoch,
        )?;
    }
    join_value(
        &mut ring_lookup_mut(&mut inner, 0)?.rewards_to_distribute.value,
        balance,
    )?;
    store(ctx, &system, &inner)?;
    Ok(vec![])
}

fn u8_vector() -> TypeTag {
    TypeTag::Vector(Box::new(TypeTag::U8))
}

// === bls_aggregate and messages ===

/// `messages::BLOB_CERT_MSG_TYPE`.
pub const BLOB_CERT_MSG_TYPE: u8 = 1;
/// `messages::INVALID_BLOB_ID_MSG_TYPE`.
pub const INVALID_BLOB_ID_MSG_TYPE: u8 = 2;
/// `messages::PROOF_OF_POSSESSION_MSG_TYPE`.
pub const PROOF_OF_POSSESSION_MSG_TYPE: u8 = 0;
const INTENT_VERSION: u8 = 0;
const APP_ID: u8 = 3;
/// The length of a compressed BLS12-381 G1 public key.
const BLS_KEY_LENGTH: usize = 48;

fn bls_abort(function: &'static str, code: BlsAggregateError) -> NativeError {
    walrus_abort("bls_aggregate", function, code as u64)
}

fn messages_abort(function: &'static str, code: MessagesError) -> NativeError {
    walrus_abort("messages", function, code as u64)
}

/// `messages::CertifiedMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertifiedMessage {
    /// The intent type.
    pub intent_type: u8,
    /// The certificate epoch.
    pub cert_epoch: u32,
    /// The signers' weight.
    pub stake_support: u16,
    /// The body after the header.
    pub message: Vec<u8>,
}

/// `bls_aggregate::is_quorum`: more than two thirds of the shards.
pub fn is_quorum(weight: u16, n_shards: u16) -> bool {
    3 * u64::from(weight) > 2 * u64::from(n_shards)
}

/// `bls_aggregate::is_one_correct_node`: more than one third of the shards.
pub fn is_one_correct_node(weight: u16, n_shards: u16) -> bool {
    3 * u64::from(weight) > u64::from(n_shards)
}

/// `bls_aggregate::new_bls_committee`: every member holds at least one shard; the members'
/// keys are summed into the aggregate key.
pub fn new_bls_committee(
    epoch: u32,
    members: Vec<walrus_sui::objects::BlsCommitteeMember>,
) -> NResult<BlsCommittee> {
    use fastcrypto::groups::GroupElement;
    use fastcrypto::groups::bls12381::G1Element;
    use fastcrypto::serde_helpers::ToFromByteArray;
    let f = "new_bls_committee";
    let mut n_shards: u16 = 0;
    let mut total = G1Element::zero();
    for (i, member) in members.iter().enumerate() {
        ensure(member.weight > 0, || {
            bls_abort(f, BlsAggregateError::EIncorrectCommittee)
        })?;
        if let Some(previous) = i.checked_sub(1).and_then(|p| members.get(p)) {
            // IDs compare as big-endian u256.
            ensure(previous.node_id.0 < member.node_id.0, || {
                bls_abort(f, BlsAggregateError::EMembersNotSorted)
            })?;
        }
        n_shards = n_shards.checked_add(member.weight).ok_or_else(arithmetic)?;
        let bytes: [u8; BLS_KEY_LENGTH] = member
            .public_key
            .bytes
            .as_slice()
            .try_into()
            .map_err(|_| invariant())?;
        total += G1Element::from_byte_array(&bytes).map_err(|_| invariant())?;
    }
    Ok(BlsCommittee {
        members,
        n_shards,
        epoch,
        total_aggregated_key: walrus_sui::move_types::G1Element {
            bytes: total.to_byte_array().to_vec(),
        },
    })
}

/// `bls_aggregate::get_member_weight`: the member's shard count, 0 for a non-member.
pub fn get_member_weight(committee: &BlsCommittee, node_id: &ObjectId) -> u16 {
    committee
        .members
        .iter()
        .find(|m| m.node_id == *node_id)
        .map_or(0, |m| m.weight)
}

/// `bls_aggregate::verify_quorum_in_epoch` (`need_quorum`) or
/// `verify_one_correct_node_in_epoch` (otherwise).
pub fn verify_quorum_in_epoch(
    committee: &BlsCommittee,
    signature: &[u8],
    bitmap: &[u8],
    message: Vec<u8>,
    need_quorum: bool,
) -> NResult<CertifiedMessage> {
    let weight =
        verify_certificate_and_weight(committee, signature, bitmap, &message, need_quorum)?;
    new_certified_message(message, committee.epoch, weight)
}

/// `bls_aggregate::verify_certificate_and_weight`: checks the bitmap, the signers' weight
/// (quorum or one correct node) and the aggregate signature; returns the weight.
pub fn verify_certificate_and_weight(
    committee: &BlsCommittee,
    signature: &[u8],
    bitmap: &[u8],
    message: &[u8],
    need_quorum: bool,
) -> NResult<u16> {
    let f = "verify_certificate_and_weight";
    let n_members = committee.members.len();
    ensure(bitmap.len() <= n_members.div_ceil(8), || {
        bls_abort(f, BlsAggregateError::EInvalidBitmap)
    })?;
    for bit in n_members..bitmap.len() * 8 {
        ensure((bitmap[bit / 8] >> (bit % 8)) & 1 == 0, || {
            bls_abort(f, BlsAggregateError::EInvalidBitmap)
        })?;
    }
    let mut non_signer_weight: u16 = 0;
    let mut signer_keys = Vec::new();
    for (i, member) in committee.members.iter().enumerate() {
        let signed = bitmap
            .get(i / 8)
            .is_some_and(|byte| (byte >> (i % 8)) & 1 == 1);
        if signed {
            signer_keys.push(&member.public_key.bytes);
        } else {
            non_signer_weight = non_signer_weight
                .checked_add(member.weight)
                .ok_or_else(arithmetic)?;
        }
    }
    let weight = committee
        .n_shards
        .checked_sub(non_signer_weight)
        .ok_or_else(arithmetic)?;
    let enough = if need_quorum {
        is_quorum(weight, committee.n_shards)
    } else {
        is_one_correct_node(weight, committee.n_shards)
    };
    ensure(enough, || bls_abort(f, BlsAggregateError::ENotEnoughStake))?;
    let sig_fail = || bls_abort(f, BlsAggregateError::ESigVerification);
    let signature = BlsAggregateSignature::from_bytes(signature).map_err(|_| sig_fail())?;
    let keys = signer_keys
        .into_iter()
        .map(|bytes| BlsPublicKey::from_bytes(bytes))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| sig_fail())?;
    signature
        .verify(keys.iter(), message)
        .map_err(|_| sig_fail())?;
    Ok(weight)
}

/// `messages::new_certified_message`.
pub fn new_certified_message(
    message: Vec<u8>,
    committee_epoch: u32,
    stake_support: u16,
) -> NResult<CertifiedMessage> {
    let f = "new_certified_message";
    ensure(message.len() >= 7, || {
        messages_abort(f, MessagesError::EMessageTooShort)
    })?;
    let intent_type = message[0];
    ensure(message[1] == INTENT_VERSION, || {
        messages_abort(f, MessagesError::EIncorrectIntentVersion)
    })?;
    ensure(message[2] == APP_ID, || {
        messages_abort(f, MessagesError::EIncorrectAppId)
    })?;
    let cert_epoch = u32::from_le_bytes([message[3], message[4], message[5], message[6]]);
    ensure(cert_epoch == committee_epoch, || {
        messages_abort(f, MessagesError::EIncorrectEpoch)
    })?;
    Ok(CertifiedMessage {
        intent_type,
        cert_epoch,
        stake_support,
        message: message[7..].to_vec(),
    })
}

/// `messages::certify_blob_message`.
pub fn certify_blob_message(message: CertifiedMessage) -> NResult<CertifiedBlobMessage> {
    let f = "certify_blob_message";
    ensure(message.intent_type == BLOB_CERT_MSG_TYPE, || {
        messages_abort(f, MessagesError::EInvalidMsgType)
    })?;
    let body = &message.message;
    ensure(body.len() >= 33, || {
        messages_abort(f, MessagesError::EMessageTooShort)
    })?;
    let mut id = [0; 32];
    id.copy_from_slice(&body[..32]);
    let deletable_object = match body[32] {
        0 => None,
        1 => {
            // A deletable certificate carries the 32-byte object ID after the tag.
            let bytes = body
                .get(33..65)
                .ok_or_else(|| messages_abort(f, MessagesError::EMessageTooShort))?;
            let mut object = [0; 32];
            object.copy_from_slice(bytes);
            Some(ObjectId(object))
        }
        _ => {
            return Err(messages_abort(
                f,
                MessagesError::EInvalidBlobPersistenceType,
            ));
        }
    };
    Ok(CertifiedBlobMessage {
        epoch: message.cert_epoch,
        blob_id: BlobId(id),
        deletable_object,
    })
}

/// `messages::invalid_blob_id_message`: the blob ID of an invalid-blob-ID certificate.
pub fn invalid_blob_id_message(certified: &CertifiedMessage) -> NResult<BlobId> {
    let f = "invalid_blob_id_message";
    ensure(certified.intent_type == INVALID_BLOB_ID_MSG_TYPE, || {
        messages_abort(f, MessagesError::EInvalidMsgType)
    })?;
    let bytes = certified
        .message
        .get(..32)
        .ok_or_else(|| messages_abort(f, MessagesError::EMessageTooShort))?;
    let mut id = [0; 32];
    id.copy_from_slice(bytes);
    Ok(BlobId(id))
}

/// `messages::BlobPersistenceType::object_id`: the object ID of a deletable certificate.
pub fn persistence_object_id(message: &CertifiedBlobMessage) -> NResult<ObjectId> {
    message
        .deletable_object
        .ok_or_else(|| messages_abort("object_id", MessagesError::ENotDeletable))
}

/// `messages::proof_of_possession_bytes`: the signed proof-of-possession message, intent
/// `[0, 0, 3]`, epoch, sender address and the 48-byte key, without length prefixes.
pub fn proof_of_possession_bytes(
    epoch: u32,
    sender: Address,
    public_key: &[u8],
) -> NResult<Vec<u8>> {
    ensure(public_key.len() == BLS_KEY_LENGTH, || {
        messages_abort(
            "proof_of_possession_bytes",
            MessagesError::EInvalidKeyLength,
        )
    })?;
    let mut bytes = vec![PROOF_OF_POSSESSION_MSG_TYPE, INTENT_VERSION, APP_ID];
    bytes.extend(epoch.to_le_bytes());
    bytes.extend(sender.into_inner());
    bytes.extend(public_key);
    Ok(bytes)
}

/// The address of the System's inner state field.
pub fn inner_field_id(system_id: Address) -> NResult<Address> {
    let key = bcs::to_bytes(&VERSION).map_err(|_| invariant())?;
    Ok(system_id.derive_dynamic_child_id(&TypeTag::U64, &key))
}
