//! `walrus::blob`: the `Blob` object.

use sui_sdk_types::{StructTag, TypeTag};
use walrus_core::BlobId;
use walrus_sui::errors::BlobError as E;
use walrus_sui::events::{BlobCertified, BlobDeleted, BlobRegistered};
use walrus_sui::move_types::{Entry, Uid, VecMap};
use walrus_sui::objects::{Blob, Metadata, Storage};

use super::encoding::encoded_blob_length;
use super::storage_resource::{self, covers_epoch};
use super::{
    NResult, NativeCtx, NativeError, NativeFn, ObjVal, ParamKind, Value, ensure, invariant, native,
    obj_arg, pure_arg, typed, typed_arg, walrus_abort,
};
use crate::framework::{self, to_address, to_object_id};

use ParamKind::{MutRef, Ref, Val};

/// The `Blob` type tag.
pub fn blob_tag() -> StructTag {
    framework::walrus_tag("blob", "Blob")
}

/// The dynamic field key of a blob's metadata (`b"metadata"`).
pub const METADATA_DF: &[u8] = b"metadata";

fn abort(function: &'static str, code: E) -> NativeError {
    walrus_abort("blob", function, code as u64)
}

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    let f = |params, func| native(params, 0, func);
    match function {
        "object_id" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::Address, &arg(a, 0)?.id.id)?])
        }),
        "registered_epoch" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U32, &arg(a, 0)?.registered_epoch)?])
        }),
        "blob_id" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U256, &arg(a, 0)?.blob_id)?])
        }),
        "size" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U64, &arg(a, 0)?.size)?])
        }),
        "encoding_type" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U8, &arg(a, 0)?.encoding_type)?])
        }),
        "is_certified" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(
                TypeTag::Bool,
                &arg(a, 0)?.certified_epoch.is_some(),
            )?])
        }),
        "is_deletable" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::Bool, &arg(a, 0)?.deletable)?])
        }),
        "end_epoch" => f(&[Ref], |_, _, a| {
            Ok(vec![typed(TypeTag::U32, &end_epoch(&arg(a, 0)?))?])
        }),
        "encoded_size" => f(&[Ref, Val], |_, _, a| {
            let blob = arg(a, 0)?;
            let n_shards: u16 = pure_arg(&a[1], 1, &TypeTag::U16)?;
            let size = encoded_blob_length(blob.size, blob.encoding_type, n_shards)?;
            Ok(vec![typed(TypeTag::U64, &size)?])
        }),
        "is_available_at" => f(&[Ref, Val], |_, _, a| {
            let epoch: u32 = pure_arg(&a[1], 1, &TypeTag::U32)?;
            Ok(vec![typed(
                TypeTag::Bool,
                &is_available_at(&arg(a, 0)?, epoch),
            )?])
        }),
        "is_expired_at" => f(&[Ref, Val], |_, _, a| {
            let epoch: u32 = pure_arg(&a[1], 1, &TypeTag::U32)?;
            Ok(vec![typed(
                TypeTag::Bool,
                &(epoch >= end_epoch(&arg(a, 0)?)),
            )?])
        }),
        "derive_blob_id" => f(&[Val, Val, Val], |_, _, a| {
            let root_hash: BlobId = pure_arg(&a[0], 0, &TypeTag::U256)?;
            let encoding_type: u8 = pure_arg(&a[1], 1, &TypeTag::U8)?;
            let size: u64 = pure_arg(&a[2], 2, &TypeTag::U64)?;
            Ok(vec![typed(
                TypeTag::U256,
                &derive_blob_id(root_hash, encoding_type, size),
            )?])
        }),
        "burn" => f(&[Val], |ctx, _, a| {
            burn(arg(a, 0)?, ctx)?;
            Ok(vec![])
        }),
        "has_metadata" => f(&[Ref], |ctx, _, a| {
            let has = has_metadata(&arg(a, 0)?, ctx);
            Ok(vec![typed(TypeTag::Bool, &has)?])
        }),
        "attribute" => f(&[Ref, Ref], |ctx, _, a| {
            let blob = arg(a, 0)?;
            let key: String = pure_arg(&a[1], 1, &string_type())?;
            let value = attribute(&blob, &key, ctx)?;
            Ok(vec![typed(option_type(string_type()), &value)?])
        }),
        "metadata" => f(&[Ref], |ctx, _, a| {
            let metadata = metadata(&arg(a, 0)?, ctx)?;
            Ok(vec![typed(metadata_type(), &metadata)?])
        }),
        "add_metadata" => f(&[MutRef, Val], |ctx, _, a| {
            let blob = arg(a, 0)?;
            let metadata: Metadata = typed_arg(&a[1], 1, &metadata_type())?;
            add_metadata(&blob, metadata, ctx)?;
            Ok(vec![])
        }),
        "add_or_replace_metadata" => f(&[MutRef, Val], |ctx, _, a| {
            let blob = arg(a, 0)?;
            let metadata: Metadata = typed_arg(&a[1], 1, &metadata_type())?;
            let old = add_or_replace_metadata(&blob, metadata, ctx)?;
            Ok(vec![typed(option_type(metadata_type()), &old)?])
        }),
        "take_metadata" => f(&[MutRef], |ctx, _, a| {
            let metadata = take_metadata(&arg(a, 0)?, ctx)?;
            Ok(vec![typed(metadata_type(), &metadata)?])
        }),
        "insert_or_update_metadata_pair" => f(&[MutRef, Val, Val], |ctx, _, a| {
            let blob = arg(a, 0)?;
            let key: String = pure_arg(&a[1], 1, &string_type())?;
            let value: String = pure_arg(&a[2], 2, &string_type())?;
            insert_or_update_metadata_pair(&blob, key, value, ctx)?;
            Ok(vec![])
        }),
        "remove_metadata_pair" => f(&[MutRef, Ref], |ctx, _, a| {
            let blob = arg(a, 0)?;
            let key: String = pure_arg(&a[1], 1, &string_type())?;
            let (key, value) = remove_metadata_pair(&blob, &key, ctx)?;
            Ok(vec![
                typed(string_type(), &key)?,
                typed(string_type(), &value)?,
            ])
        }),
        "remove_metadata_pair_if_exists" => f(&[MutRef, Ref], |ctx, _, a| {
            let blob = arg(a, 0)?;
            let key: String = pure_arg(&a[1], 1, &string_type())?;
            let value = remove_metadata_pair_if_exists(&blob, &key, ctx)?;
            Ok(vec![typed(option_type(string_type()), &value)?])
        }),
        _ => None,
    }
}

/// `0x1::string::String`.
pub fn string_type() -> TypeTag {
    TypeTag::Struct(Box::new(framework::struct_tag(
        framework::STD_PACKAGE,
        "string",
        "String",
        vec![],
    )))
}

/// `0x1::option::Option<T>`.
pub fn option_type(inner: TypeTag) -> TypeTag {
    TypeTag::Struct(Box::new(framework::struct_tag(
        framework::STD_PACKAGE,
        "option",
        "Option",
        vec![inner],
    )))
}

/// `walrus::metadata::Metadata`.
pub fn metadata_type() -> TypeTag {
    framework::walrus_type("metadata", "Metadata")
}

// === Attributes ===

fn metadata_key() -> (TypeTag, Vec<u8>) {
    (TypeTag::Vector(Box::new(TypeTag::U8)), METADATA_DF.to_vec())
}

/// `has_metadata`.
pub fn has_metadata(blob: &Blob, ctx: &mut NativeCtx<'_>) -> bool {
    let (key_tag, key) = metadata_key();
    ctx.df_exists(to_address(blob.id.id), &key_tag, &key)
}

/// `metadata`: the attributes; aborts if there are none.
pub fn metadata(blob: &Blob, ctx: &mut NativeCtx<'_>) -> NResult<Metadata> {
    ensure(has_metadata(blob, ctx), || {
        abort("metadata", E::EMissingMetadata)
    })?;
    let (key_tag, key) = metadata_key();
    ctx.df_borrow(to_address(blob.id.id), &key_tag, &key)
}

fn write_metadata(blob: &Blob, metadata: &Metadata, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    let (key_tag, key) = metadata_key();
    ctx.df_write(to_address(blob.id.id), &key_tag, &key, metadata)
}

/// `attribute`: the value of `key`, if any.
pub fn attribute(blob: &Blob, key: &str, ctx: &mut NativeCtx<'_>) -> NResult<Option<String>> {
    if !has_metadata(blob, ctx) {
        return Ok(None);
    }
    Ok(metadata(blob, ctx)?.metadata.get(&key.to_owned()).cloned())
}

/// `add_metadata`: aborts if the blob already has attributes.
pub fn add_metadata(blob: &Blob, metadata: Metadata, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    ensure(!has_metadata(blob, ctx), || {
        abort("add_metadata", E::EDuplicateMetadata)
    })?;
    let (key_tag, key) = metadata_key();
    ctx.df_add(
        to_address(blob.id.id),
        key_tag,
        &key,
        metadata_type(),
        &metadata,
    )
}

/// `add_or_replace_metadata`: returns the previous attributes, if any.
pub fn add_or_replace_metadata(
    blob: &Blob,
    metadata: Metadata,
    ctx: &mut NativeCtx<'_>,
) -> NResult<Option<Metadata>> {
    let old = if has_metadata(blob, ctx) {
        Some(take_metadata(blob, ctx)?)
    } else {
        None
    };
    add_metadata(blob, metadata, ctx)?;
    Ok(old)
}

/// `take_metadata`: removes the attributes; aborts if there are none.
pub fn take_metadata(blob: &Blob, ctx: &mut NativeCtx<'_>) -> NResult<Metadata> {
    ensure(has_metadata(blob, ctx), || {
        abort("take_metadata", E::EMissingMetadata)
    })?;
    let (key_tag, key) = metadata_key();
    ctx.df_remove(to_address(blob.id.id), &key_tag, &key)
}

/// `insert_or_update_metadata_pair`: creates the attributes if needed.
pub fn insert_or_update_metadata_pair(
    blob: &Blob,
    key: String,
    value: String,
    ctx: &mut NativeCtx<'_>,
) -> NResult<()> {
    if !has_metadata(blob, ctx) {
        add_metadata(
            blob,
            Metadata {
                metadata: VecMap::default(),
            },
            ctx,
        )?;
    }
    let mut metadata = metadata_mut(blob, ctx)?;
    // `metadata::insert_or_update`.
    if let Some(entry) = metadata.metadata.contents.iter_mut().find(|e| e.key == key) {
        entry.value = value;
    } else {
        metadata.metadata.contents.push(Entry { key, value });
    }
    write_metadata(blob, &metadata, ctx)
}

fn metadata_mut(blob: &Blob, ctx: &mut NativeCtx<'_>) -> NResult<Metadata> {
    ensure(has_metadata(blob, ctx), || {
        abort("metadata_mut", E::EMissingMetadata)
    })?;
    let (key_tag, key) = metadata_key();
    ctx.df_borrow(to_address(blob.id.id), &key_tag, &key)
}

/// `remove_metadata_pair`: aborts if there are no attributes or no such key.
pub fn remove_metadata_pair(
    blob: &Blob,
    key: &str,
    ctx: &mut NativeCtx<'_>,
) -> NResult<(String, String)> {
    let mut metadata = metadata_mut(blob, ctx)?;
    // `metadata::remove` (order-preserving `vec_map::remove`).
    let index = metadata
        .metadata
        .contents
        .iter()
        .position(|e| e.key == key)
        .ok_or_else(|| {
            walrus_abort(
                "metadata",
                "remove",
                walrus_sui::errors::MetadataError::EKeyNotFound as u64,
            )
        })?;
    let entry = metadata.metadata.contents.remove(index);
    write_metadata(blob, &metadata, ctx)?;
    Ok((entry.key, entry.value))
}

/// `remove_metadata_pair_if_exists`: the removed value, if any.
pub fn remove_metadata_pair_if_exists(
    blob: &Blob,
    key: &str,
    ctx: &mut NativeCtx<'_>,
) -> NResult<Option<String>> {
    if !has_metadata(blob, ctx) {
        return Ok(None);
    }
    let mut metadata = metadata_mut(blob, ctx)?;
    let Some(index) = metadata.metadata.contents.iter().position(|e| e.key == key) else {
        return Ok(None);
    };
    let entry = metadata.metadata.contents.remove(index);
    write_metadata(blob, &metadata, ctx)?;
    Ok(Some(entry.value))
}

fn arg(args: &[Value], index: usize) -> NResult<Blob> {
    let i = u16::try_from(index).map_err(|_| invariant())?;
    obj_arg(&args[index], i, &blob_tag())
}

/// A `Blob` object value.
pub fn blob_value(blob: &Blob) -> NResult<Value> {
    Ok(Value::Obj(ObjVal::new(blob_tag(), true, blob)?))
}

/// `end_epoch`.
pub fn end_epoch(blob: &Blob) -> u32 {
    blob.storage.end_epoch
}

/// `is_available_at`.
pub fn is_available_at(blob: &Blob, epoch: u32) -> bool {
    blob.certified_epoch.is_some() && epoch < end_epoch(blob)
}

/// `derive_blob_id`: Blake2b-256 of BCS `(encoding_type, size, root_hash)`.
pub fn derive_blob_id(root_hash: BlobId, encoding_type: u8, size: u64) -> BlobId {
    let mut hasher = sui_sdk_types::hash::Hasher::new();
    hasher.update([encoding_type]);
    hasher.update(size.to_le_bytes());
    hasher.update(root_hash.0);
    BlobId(hasher.finalize().into_inner())
}

fn remove_metadata_if_any(blob: &Blob, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    let parent = to_address(blob.id.id);
    let key_tag = TypeTag::Vector(Box::new(TypeTag::U8));
    let key = METADATA_DF.to_vec();
    if ctx.df_exists(parent, &key_tag, &key) {
        let _: walrus_sui::objects::Metadata = ctx.df_remove(parent, &key_tag, &key)?;
    }
    Ok(())
}

/// `burn`.
pub fn burn(blob: Blob, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    remove_metadata_if_any(&blob, ctx)?;
    ctx.delete_id(to_address(blob.id.id));
    storage_resource::destroy(blob.storage, ctx);
    Ok(())
}

/// `new` (package-internal): registers a blob and emits `BlobRegistered`.
#[allow(clippy::too_many_arguments)] // Mirrors the Move signature.
pub fn new(
    storage: Storage,
    blob_id: BlobId,
    root_hash: BlobId,
    size: u64,
    encoding_type: u8,
    deletable: bool,
    registered_epoch: u32,
    n_shards: u16,
    ctx: &mut NativeCtx<'_>,
) -> NResult<Blob> {
    ensure(covers_epoch(&storage, registered_epoch), || {
        abort("new", E::EResourceBounds)
    })?;
    let encoded_size = encoded_blob_length(size, encoding_type, n_shards)?;
    ensure(encoded_size <= storage.storage_size, || {
        abort("new", E::EResourceSize)
    })?;
    ensure(
        derive_blob_id(root_hash, encoding_type, size) == blob_id,
        || abort("new", E::EInvalidBlobId),
    )?;
    let blob = Blob {
        id: Uid {
            id: to_object_id(ctx.fresh_id()),
        },
        registered_epoch,
        blob_id,
        size,
        encoding_type,
        certified_epoch: None,
        storage,
        deletable,
    };
    ctx.emit(&BlobRegistered {
        epoch: registered_epoch,
        blob_id,
        size,
        encoding_type,
        end_epoch: end_epoch(&blob),
        deletable,
        object_id: blob.id.id,
    })?;
    Ok(blob)
}

/// A checked blob-certification message body (`messages::CertifiedBlobMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertifiedBlobMessage {
    /// The certificate's epoch.
    pub epoch: u32,
    /// The certified blob ID.
    pub blob_id: BlobId,
    /// `None` for permanent blobs, the object ID for deletable ones.
    pub deletable_object: Option<walrus_core::ObjectId>,
}

/// `certify_with_certified_msg` (package-internal).
pub fn certify_with_certified_msg(
    blob: &mut Blob,
    current_epoch: u32,
    message: CertifiedBlobMessage,
    ctx: &mut NativeCtx<'_>,
) -> NResult<()> {
    let f = "certify_with_certified_msg";
    ensure(message.blob_id == blob.blob_id, || {
        abort(f, E::EInvalidBlobId)
    })?;
    ensure(current_epoch < end_epoch(blob), || {
        abort(f, E::EResourceBounds)
    })?;
    ensure(blob.certified_epoch.is_none(), || {
        abort(f, E::EAlreadyCertified)
    })?;
    ensure(message.deletable_object.is_some() == blob.deletable, || {
        abort(f, E::EInvalidBlobPersistenceType)
    })?;
    if let Some(object_id) = message.deletable_object {
        ensure(object_id == blob.id.id, || abort(f, E::EInvalidBlobObject))?;
    }
    blob.certified_epoch = Some(current_epoch);
    emit_certified(blob, false, ctx)
}

/// `delete` (package-internal): returns the storage and emits `BlobDeleted`.
pub fn delete(blob: Blob, current_epoch: u32, ctx: &mut NativeCtx<'_>) -> NResult<Storage> {
    ensure(blob.deletable, || abort("delete", E::EBlobNotDeletable))?;
    ensure(current_epoch < end_epoch(&blob), || {
        abort("delete", E::EResourceBounds)
    })?;
    remove_metadata_if_any(&blob, ctx)?;
    ctx.delete_id(to_address(blob.id.id));
    ctx.emit(&BlobDeleted {
        epoch: current_epoch,
        blob_id: blob.blob_id,
        end_epoch: end_epoch(&blob),
        object_id: blob.id.id,
        was_certified: blob.certified_epoch.is_some(),
    })?;
    Ok(blob.storage)
}

/// `extend_with_resource` (package-internal).
pub fn extend_with_resource(
    blob: &mut Blob,
    extension: Storage,
    current_epoch: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<()> {
    let f = "extend_with_resource";
    ensure(blob.certified_epoch.is_some(), || {
        abort(f, E::ENotCertified)
    })?;
    ensure(current_epoch < end_epoch(blob), || {
        abort(f, E::EResourceBounds)
    })?;
    ensure(extension.end_epoch > end_epoch(blob), || {
        abort(f, E::EInvalidExtension)
    })?;
    storage_resource::fuse_periods(&mut blob.storage, extension, ctx)?;
    emit_certified(blob, true, ctx)
}

/// `assert_can_extend` (package-internal).
pub fn assert_can_extend(blob: &Blob, current_epoch: u32) -> NResult<()> {
    let f = "assert_can_extend";
    ensure(blob.certified_epoch.is_some(), || {
        abort(f, E::ENotCertified)
    })?;
    ensure(current_epoch < end_epoch(blob), || {
        abort(f, E::EResourceBounds)
    })
}

/// `extend_end_epoch` (package-internal).
pub fn extend_end_epoch(
    blob: &mut Blob,
    extended_epochs: u32,
    ctx: &mut NativeCtx<'_>,
) -> NResult<()> {
    storage_resource::extend_end_epoch(&mut blob.storage, extended_epochs)?;
    emit_certified(blob, true, ctx)
}

fn emit_certified(blob: &Blob, is_extension: bool, ctx: &mut NativeCtx<'_>) -> NResult<()> {
    let epoch = blob.certified_epoch.ok_or_else(invariant)?;
    ctx.emit(&BlobCertified {
        epoch,
        blob_id: blob.blob_id,
        end_epoch: end_epoch(blob),
        deletable: blob.deletable,
        object_id: blob.id.id,
        is_extension,
    })
}
