//! Decoding a blob from `n - 2f` primary slivers or `n - f` secondary slivers, with the
//! reference's consistency checks.

use rayon::prelude::*;

use super::{
    Axis, EncodingAxis, EncodingError, PrimarySliver, SliverData, compute_metadata, layout, rs,
};
use crate::{ids::SliverIndex, metadata::VerifiedBlobMetadataWithId};

/// Up to this symbol size, columns are decoded in runs of several columns per Reed-Solomon call
/// (see [`decode_columns`]); above it the per-column setup is small next to the data and the
/// byte shuffle is not worth it (unless the symbol size is a multiple of 64, where the shuffle
/// is a plain copy).
const BATCH_MAX_SYMBOL_SIZE: usize = 256;

/// The most decoded bytes one Reed-Solomon call of a run of columns produces (a run has at least
/// one column).
const RUN_BYTES: usize = 4 << 20;

/// The decoded columns held at a time before they are written into the output, at most: an
/// eighth of the blob up to this (but at least one run per thread). This is the decoder's
/// working memory beyond the output and the slivers, besides one Reed-Solomon decoder per thread.
const ROUND_BYTES: usize = 32 << 20;

/// How much to check a decoded blob against its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsistencyCheck {
    /// Return the decoded bytes without checks (the slivers were verified one by one).
    Skip,
    /// Rebuild the `n - 2f` systematic primary slivers from the decoded blob and check their
    /// Merkle roots against the metadata. Readers that pass this check all read the same bytes.
    #[default]
    Default,
    /// Re-encode the whole blob and compare the blob ID.
    Strict,
}

/// Why a blob could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Too few usable distinct slivers.
    #[error(
        "not enough slivers to decode: have {have} usable distinct {axis} slivers, need {need}"
    )]
    NotEnoughSlivers {
        /// The axis of the slivers given.
        axis: Axis,
        /// Usable distinct slivers given.
        have: usize,
        /// Slivers needed.
        need: usize,
    },
    /// The decoded blob does not match the metadata: the blob was encoded inconsistently.
    #[error("the decoded blob is inconsistent with its metadata (blob is invalid)")]
    InconsistentBlob,
    /// Encoding failed while checking.
    #[error(transparent)]
    Encoding(#[from] EncodingError),
}

/// Decodes the blob of `metadata` from slivers of axis `T`.
///
/// Needs `n - 2f` distinct primary slivers or `n - f` distinct secondary slivers; slivers with an
/// out-of-range index, a wrong symbol size or a wrong length are skipped, as are duplicates and
/// surplus slivers. Slivers are not verified here: verify each one as it arrives (see
/// [`SliverData::verify`]) or use a consistency check.
pub fn decode<T: EncodingAxis>(
    metadata: &VerifiedBlobMetadataWithId,
    slivers: impl IntoIterator<Item = SliverData<T>>,
    check: ConsistencyCheck,
) -> Result<Vec<u8>, DecodeError> {
    let config = metadata.config();
    let n = config.n_shards_usize();
    let symbol_size = usize::from(metadata.symbol_size());
    let n_rows = usize::from(config.n_primary_source_symbols());
    let n_columns = usize::from(config.n_secondary_source_symbols());
    let need = usize::from(config.n_source_symbols(T::AXIS));
    let sliver_len = usize::from(config.n_symbols_in_sliver(T::AXIS)) * symbol_size;

    let mut seen = vec![false; n];
    let mut chosen: Vec<SliverData<T>> = Vec::with_capacity(need);
    for sliver in slivers {
        let index = sliver.index().as_usize();
        if chosen.len() == need {
            break;
        }
        if index >= n
            || seen[index]
            || usize::from(sliver.symbol_size().get()) != symbol_size
            || sliver.data().len() != sliver_len
        {
            continue;
        }
        seen[index] = true;
        chosen.push(sliver);
    }
    if chosen.len() < need {
        return Err(DecodeError::NotEnoughSlivers {
            axis: T::AXIS,
            have: chosen.len(),
            need,
        });
    }

    let row_bytes = n_columns * symbol_size;
    let mut matrix = vec![0u8; n_rows * row_bytes];
    match T::AXIS {
        Axis::Primary => decode_columns(&chosen, &mut matrix, n, n_rows, n_columns, symbol_size)?,
        Axis::Secondary => decode_rows(&chosen, &mut matrix, n, n_columns, symbol_size)?,
    }
    // The slivers are no longer needed: free them before the checks.
    drop(chosen);
    let length = usize::try_from(metadata.metadata().unencoded_length())
        .map_err(|_| DecodeError::InconsistentBlob)?;
    // The padding must be zero: otherwise the encoding was not of these `length` bytes.
    if matrix[length..].iter().any(|&byte| byte != 0) {
        return Err(DecodeError::InconsistentBlob);
    }
    matrix.truncate(length);
    check_consistency(metadata, &matrix, check)?;
    Ok(matrix)
}

/// Primary slivers are rows: decode each column position from `n - 2f` rows.
///
/// Columns are decoded in runs (one Reed-Solomon call per run of adjacent columns), a round of
/// runs at a time in parallel; each round is written into `matrix` before the next one starts,
/// so the decoder holds at most about an eighth of the blob ([`ROUND_BYTES`] at most) of decoded
/// columns besides the output.
fn decode_columns<T: EncodingAxis>(
    slivers: &[SliverData<T>],
    matrix: &mut [u8],
    n: usize,
    n_rows: usize,
    n_columns: usize,
    symbol_size: usize,
) -> Result<(), DecodeError> {
    let row_bytes = n_columns * symbol_size;
    if slivers
        .iter()
        .all(|sliver| sliver.index().as_usize() < n_rows)
    {
        // Systematic fast path: the slivers are the source rows.
        for sliver in slivers {
            let row = sliver.index().as_usize();
            matrix[row * row_bytes..(row + 1) * row_bytes].copy_from_slice(sliver.data());
        }
        return Ok(());
    }
    let threads = rayon::current_num_threads().max(1);
    let column_bytes = n_rows * symbol_size;
    // Small symbols are decoded many columns per call, which spares the per-call setup that
    // dominates for them (see `layout`); larger ones a column per call, unless the symbol size
    // is a multiple of 64, where a run of columns is a plain slice of each sliver.
    let width = if symbol_size <= BATCH_MAX_SYMBOL_SIZE || layout::is_identity(symbol_size) {
        n_columns
            .div_ceil(2 * threads)
            .min((RUN_BYTES / column_bytes).max(1))
    } else {
        1
    };
    let runs: Vec<usize> = (0..n_columns).step_by(width).collect();
    let round_bytes = (matrix.len() / 8).min(ROUND_BYTES);
    let runs_per_round = (round_bytes / (width * column_bytes)).max(threads);
    for round in runs.chunks(runs_per_round) {
        let decoded: Vec<(usize, Vec<u8>)> = round
            .par_iter()
            .map(|&first| {
                let last = (first + width).min(n_columns);
                decode_run(slivers, first..last, n, n_rows, symbol_size).map(|run| (first, run))
            })
            .collect::<Result<_, DecodeError>>()?;
        matrix
            .par_chunks_exact_mut(row_bytes)
            .enumerate()
            .for_each(|(row, out)| {
                for (first, run) in &decoded {
                    let run_len = run.len() / n_rows;
                    let shard = &run[row * run_len..(row + 1) * run_len];
                    let out = &mut out[first * symbol_size..first * symbol_size + run_len];
                    if run_len == symbol_size {
                        out.copy_from_slice(shard);
                    } else {
                        layout::shard_to_symbols(shard, symbol_size, out);
                    }
                }
            });
    }
    Ok(())
}

/// Decodes the adjacent `columns` in one Reed-Solomon call; returns the `n_rows` decoded shards
/// (in the shard layout of [`layout`] when there are several columns).
fn decode_run<T: EncodingAxis>(
    slivers: &[SliverData<T>],
    columns: std::ops::Range<usize>,
    n: usize,
    n_rows: usize,
    symbol_size: usize,
) -> Result<Vec<u8>, DecodeError> {
    let range = columns.start * symbol_size..columns.end * symbol_size;
    let shard_len = range.len();
    let decoded = if columns.len() == 1 || layout::is_identity(symbol_size) {
        // The shard is the slivers' bytes as they are.
        rs::decode(
            n_rows,
            n,
            shard_len,
            slivers
                .iter()
                .map(|sliver| (sliver.index().as_usize(), &sliver.data()[range.clone()])),
        )
    } else {
        let shards: Vec<(usize, Vec<u8>)> = slivers
            .iter()
            .map(|sliver| {
                let shard = layout::symbols_to_shard(&sliver.data()[range.clone()], symbol_size);
                (sliver.index().as_usize(), shard)
            })
            .collect();
        rs::decode(
            n_rows,
            n,
            shard_len,
            shards
                .iter()
                .map(|(index, shard)| (*index, shard.as_slice())),
        )
    };
    decoded
        .map_err(EncodingError::ReedSolomon)?
        .ok_or(DecodeError::InconsistentBlob)
}

/// Secondary slivers are columns: decode each row from `n - f` columns.
fn decode_rows<T: EncodingAxis>(
    slivers: &[SliverData<T>],
    matrix: &mut [u8],
    n: usize,
    n_columns: usize,
    symbol_size: usize,
) -> Result<(), DecodeError> {
    let row_bytes = n_columns * symbol_size;
    matrix
        .par_chunks_exact_mut(row_bytes)
        .enumerate()
        .try_for_each(|(row, out)| {
            let symbols = slivers.iter().map(|sliver| {
                let at = row * symbol_size;
                (
                    sliver.index().as_usize(),
                    &sliver.data()[at..at + symbol_size],
                )
            });
            let decoded = rs::decode(n_columns, n, symbol_size, symbols)
                .map_err(EncodingError::ReedSolomon)?
                .ok_or(DecodeError::InconsistentBlob)?;
            out.copy_from_slice(&decoded);
            Ok(())
        })
}

fn check_consistency(
    metadata: &VerifiedBlobMetadataWithId,
    blob: &[u8],
    check: ConsistencyCheck,
) -> Result<(), DecodeError> {
    match check {
        ConsistencyCheck::Skip => Ok(()),
        ConsistencyCheck::Strict => {
            let recomputed = compute_metadata(metadata.config(), blob)?;
            if recomputed.blob_id() == metadata.blob_id() {
                Ok(())
            } else {
                Err(DecodeError::InconsistentBlob)
            }
        }
        ConsistencyCheck::Default => {
            let config = metadata.config();
            let symbol_size = metadata.symbol_size();
            let row_bytes =
                usize::from(config.n_secondary_source_symbols()) * usize::from(symbol_size);
            let n_rows = usize::from(config.n_primary_source_symbols());
            let symbol_size =
                std::num::NonZeroU16::new(symbol_size).ok_or(DecodeError::InconsistentBlob)?;
            (0..n_rows).into_par_iter().try_for_each(|row| {
                let mut bytes = vec![0u8; row_bytes];
                let start = (row * row_bytes).min(blob.len());
                let end = ((row + 1) * row_bytes).min(blob.len());
                bytes[..end - start].copy_from_slice(&blob[start..end]);
                let index =
                    SliverIndex::try_from(row).map_err(|_| DecodeError::InconsistentBlob)?;
                PrimarySliver::new(bytes, symbol_size, index)
                    .verify(metadata)
                    .map_err(|_| DecodeError::InconsistentBlob)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{EncodingConfig, encode_with_metadata};

    #[test]
    fn nonzero_padding_is_inconsistent() {
        // Encode 10 bytes, then claim the blob is only 9 bytes long: the tenth byte becomes
        // padding that is not zero.
        let config = EncodingConfig::new(4).expect("supported");
        let encoded = encode_with_metadata(&config, &[7u8; 10]).expect("encodes");
        let metadata = encoded.metadata.metadata();
        let shorter = crate::metadata::BlobMetadata::new(
            metadata.encoding_type(),
            9,
            metadata.hashes().to_vec(),
        );
        let blob_id = shorter.compute_blob_id();
        let verified = crate::metadata::BlobMetadataWithId {
            blob_id,
            metadata: shorter,
        }
        .verify(4)
        .expect("well formed");
        let slivers = encoded.sliver_pairs.iter().map(|pair| pair.primary.clone());
        assert_eq!(
            decode(&verified, slivers, ConsistencyCheck::Skip),
            Err(DecodeError::InconsistentBlob)
        );
    }

    #[test]
    fn duplicates_and_malformed_slivers_are_skipped() {
        let config = EncodingConfig::new(10).expect("supported");
        let data: Vec<u8> = (0..=255).collect();
        let encoded = encode_with_metadata(&config, &data).expect("encodes");
        let first = encoded.sliver_pairs[5].primary.clone();
        let malformed = PrimarySliver::new(vec![1, 2], first.symbol_size(), SliverIndex(6));
        let mut slivers = vec![first.clone(), first.clone(), malformed];
        slivers.extend(
            encoded.sliver_pairs[7..]
                .iter()
                .map(|pair| pair.primary.clone()),
        );
        assert_eq!(
            decode(
                &encoded.metadata,
                slivers.clone(),
                ConsistencyCheck::Default
            ),
            Ok(data)
        );
        slivers.pop();
        assert_eq!(
            decode(&encoded.metadata, slivers, ConsistencyCheck::Default),
            Err(DecodeError::NotEnoughSlivers {
                axis: Axis::Primary,
                have: 3,
                need: 4
            })
        );
    }
}
