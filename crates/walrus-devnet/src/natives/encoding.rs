//! `walrus::encoding`: the encoded blob length for RS2.

use sui_sdk_types::TypeTag;
use walrus_sui::errors::EncodingError;

use super::{
    NResult, NativeCtx, NativeFn, ParamKind, Value, arithmetic, ensure, pure_arg, typed,
    walrus_abort,
};

/// The RS2 encoding type.
pub const RS2: u8 = 1;
const DIGEST_LEN_PER_SHARD: u64 = 64;
const BLOB_METADATA_OVERHEAD: u64 = 32;
const MAX_SYMBOL_SIZE: u64 = 65535;

pub(crate) fn lookup(function: &str) -> Option<NativeFn> {
    match function {
        "encoded_blob_length" => Some(NativeFn {
            params: &[ParamKind::Val, ParamKind::Val, ParamKind::Val],
            type_params: 0,
            func: native_encoded_blob_length,
        }),
        _ => None,
    }
}

fn native_encoded_blob_length(
    _: &mut NativeCtx<'_>,
    _: &[TypeTag],
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let length: u64 = pure_arg(&args[0], 0, &TypeTag::U64)?;
    let encoding_type: u8 = pure_arg(&args[1], 1, &TypeTag::U8)?;
    let n_shards: u16 = pure_arg(&args[2], 2, &TypeTag::U16)?;
    Ok(vec![typed(
        TypeTag::U64,
        &encoded_blob_length(length, encoding_type, n_shards)?,
    )?])
}

fn abort(function: &'static str, code: EncodingError) -> super::NativeError {
    walrus_abort("encoding", function, code as u64)
}

/// `encoding::encoded_blob_length`.
pub fn encoded_blob_length(
    unencoded_length: u64,
    encoding_type: u8,
    n_shards: u16,
) -> NResult<u64> {
    ensure(encoding_type == RS2, || {
        abort("encoded_blob_length", EncodingError::EInvalidEncodingType)
    })?;
    ensure(n_shards > 0, || {
        abort("encoded_blob_length", EncodingError::EZeroShards)
    })?;
    let n = u64::from(n_shards);
    let f = (n - 1) / 3;
    let primary = n - 2 * f;
    let secondary = n - f;
    let symbol_size = symbol_size(unencoded_length, primary * secondary)?;
    let per_node = (primary + secondary)
        .checked_mul(symbol_size)
        .and_then(|x| x.checked_add(n * DIGEST_LEN_PER_SHARD + BLOB_METADATA_OVERHEAD))
        .ok_or_else(arithmetic)?;
    n.checked_mul(per_node).ok_or_else(arithmetic)
}

/// `encoding::symbol_size`.
fn symbol_size(unencoded_length: u64, n_symbols: u64) -> NResult<u64> {
    let length = unencoded_length.max(1);
    let mut size = length.div_ceil(n_symbols);
    if size % 2 == 1 {
        size += 1;
    }
    ensure(size <= MAX_SYMBOL_SIZE, || {
        abort("symbol_size", EncodingError::EBlobTooLarge)
    })?;
    Ok(size)
}
