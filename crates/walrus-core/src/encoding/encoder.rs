//! The RedStuff encoder: slivers, per-sliver Merkle roots, metadata and blob ID in one pass.
//!
//! Work is spread over all cores with rayon. Besides the input, the encoder holds the output
//! slivers (the encoded blob), one leaf hash per cell of the expanded `n x n` matrix (33 bytes
//! each, 33 MB at n = 1000), the secondary repair symbols while they are distributed into
//! columns, and the primary repair symbols of at most [`COLUMN_BATCH`] columns (and about an
//! eighth of the blob, [`BATCH_BYTES`] at most) at a time. The input is never copied whole: cells are read from it directly
//! and zero-padded on the fly.

use std::num::NonZeroU16;

use rayon::prelude::*;

use super::{
    EncodingConfig, EncodingError, PrimarySliver, SecondarySliver, SliverPair, layout,
    rs::RsEncoder,
};
use crate::{
    ids::{BlobId, SliverIndex},
    merkle::{self, Node},
    metadata::{
        BlobMetadata, BlobMetadataWithId, EncodingType, SliverPairMetadata,
        VerifiedBlobMetadataWithId,
    },
};

/// Columns whose primary repair symbols are buffered before being written into the rows, at most.
const COLUMN_BATCH: usize = 64;

/// The primary repair symbols buffered at a time before being written into the rows, at most:
/// an eighth of the blob up to this (but at least one group of columns per thread). With large
/// symbols this, not [`COLUMN_BATCH`], bounds the encoder's working memory beyond the input and
/// the slivers.
const BATCH_BYTES: usize = 32 << 20;

/// Columns coded together in one Reed-Solomon call when symbols are small.
const COLUMN_GROUP: usize = 16;

/// Up to this symbol size, columns are coded in groups of [`COLUMN_GROUP`].
const GROUP_MAX_SYMBOL_SIZE: usize = 256;

/// The output of [`encode_with_metadata`]: the `n` sliver pairs in pair order and the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedBlob {
    /// Sliver pair `i` holds primary sliver `i` and secondary sliver `n - 1 - i`.
    pub sliver_pairs: Vec<SliverPair>,
    /// The metadata and blob ID.
    pub metadata: VerifiedBlobMetadataWithId,
}

impl EncodedBlob {
    /// The blob ID.
    pub fn blob_id(&self) -> &BlobId {
        self.metadata.blob_id()
    }
}

/// Encodes `data` into sliver pairs and computes its metadata and blob ID.
pub fn encode_with_metadata(
    config: &EncodingConfig,
    data: &[u8],
) -> Result<EncodedBlob, EncodingError> {
    let (metadata, slivers) = encode_inner(config, data, true)?;
    let (primary, secondary) = slivers.expect("slivers are kept when asked for");
    // Pair i = primary i + secondary n-1-i.
    let mut secondary: Vec<Option<SecondarySliver>> = secondary.into_iter().map(Some).collect();
    let n = config.n_shards_usize();
    let sliver_pairs = primary
        .into_iter()
        .enumerate()
        .map(|(pair, primary)| SliverPair {
            primary,
            secondary: secondary[n - 1 - pair]
                .take()
                .expect("each secondary sliver is taken once"),
        })
        .collect();
    Ok(EncodedBlob {
        sliver_pairs,
        metadata,
    })
}

/// Computes only the metadata and blob ID of `data`, without keeping the primary slivers.
pub fn compute_metadata(
    config: &EncodingConfig,
    data: &[u8],
) -> Result<VerifiedBlobMetadataWithId, EncodingError> {
    encode_inner(config, data, false).map(|(metadata, _)| metadata)
}

type Slivers = (Vec<PrimarySliver>, Vec<SecondarySliver>);

/// One expanded column: the leaf hashes of its `n` cells, its Merkle root, and its repair
/// symbols (empty once they are no longer needed).
type ExpandedColumn = (Vec<Node>, Node, Vec<u8>);

/// Copies cell `(row, column)` of the zero-padded message matrix into `out`.
fn copy_cell(data: &[u8], offset: usize, out: &mut [u8]) {
    let end = (offset + out.len()).min(data.len());
    let available = end.saturating_sub(offset);
    if available > 0 {
        out[..available].copy_from_slice(&data[offset..end]);
    }
    out[available..].fill(0);
}

fn rs_error(error: String) -> EncodingError {
    EncodingError::ReedSolomon(error)
}

fn encode_inner(
    config: &EncodingConfig,
    data: &[u8],
    keep_slivers: bool,
) -> Result<(VerifiedBlobMetadataWithId, Option<Slivers>), EncodingError> {
    let blob_size = u64::try_from(data.len()).map_err(|_| EncodingError::BlobTooLarge {
        size: u64::MAX,
        max: config.max_blob_size(),
        n_shards: config.n_shards(),
    })?;
    let symbol_size_nz: NonZeroU16 = config.symbol_size_for_blob(blob_size)?;
    let symbol_size = usize::from(symbol_size_nz.get());
    let n = config.n_shards_usize();
    let n_rows = usize::from(config.n_primary_source_symbols());
    let n_columns = usize::from(config.n_secondary_source_symbols());
    let row_bytes = n_columns * symbol_size;
    let column_bytes = n_rows * symbol_size;

    // Secondary repair symbols of every source row: row r's repair symbol j belongs to
    // secondary sliver (column) n_columns + j at position r.
    let row_repairs: Vec<Vec<u8>> = (0..n_rows)
        .into_par_iter()
        .map_init(
            || RsEncoder::new(n_columns, n, symbol_size),
            |encoder, row| {
                let encoder = encoder.as_mut().map_err(|error| rs_error(error.clone()))?;
                let mut source = vec![0u8; row_bytes];
                copy_cell(data, row * row_bytes, &mut source);
                let mut repair = vec![0u8; encoder.n_repair() * symbol_size];
                encoder
                    .encode_into(&source, &mut repair)
                    .map_err(rs_error)?;
                Ok(repair)
            },
        )
        .collect::<Result<_, EncodingError>>()?;

    // All n columns (the secondary slivers), n_rows symbols each.
    let columns: Vec<Vec<u8>> = (0..n)
        .into_par_iter()
        .map(|column| {
            let mut bytes = vec![0u8; column_bytes];
            for (row, cell) in bytes.chunks_exact_mut(symbol_size).enumerate() {
                if column < n_columns {
                    copy_cell(data, row * row_bytes + column * symbol_size, cell);
                } else {
                    let at = (column - n_columns) * symbol_size;
                    cell.copy_from_slice(&row_repairs[row][at..at + symbol_size]);
                }
            }
            bytes
        })
        .collect();
    drop(row_repairs);

    // Primary slivers: source rows copied, repair rows filled column batch by column batch.
    let mut rows: Vec<Vec<u8>> = if keep_slivers {
        (0..n)
            .into_par_iter()
            .map(|row| {
                let mut bytes = vec![0u8; row_bytes];
                if row < n_rows {
                    copy_cell(data, row * row_bytes, &mut bytes);
                }
                bytes
            })
            .collect()
    } else {
        Vec::new()
    };

    // Expand every column with the primary code; hash every cell of the expanded matrix.
    // `leaf_hashes[c][r]` is the leaf hash of cell (r, c).
    let mut leaf_hashes: Vec<Vec<Node>> = Vec::with_capacity(n);
    let mut column_roots: Vec<Node> = Vec::with_capacity(n);
    // Columns are coded `group` at a time: one Reed-Solomon call whose shards hold a run of
    // columns (see `layout`), which spares the per-call setup that dominates small symbols.
    let group = if symbol_size <= GROUP_MAX_SYMBOL_SIZE {
        COLUMN_GROUP
    } else {
        1
    };
    let min_batch = rayon::current_num_threads().max(1) * group;
    let batch_bytes = (data.len() / 8).min(BATCH_BYTES);
    let batch = (batch_bytes / ((n - n_rows) * symbol_size).max(1))
        .min(COLUMN_BATCH)
        .max(min_batch)
        .div_ceil(group)
        * group;
    for batch_start in (0..n).step_by(batch) {
        let batch_end = (batch_start + batch).min(n);
        let groups: Vec<usize> = (batch_start..batch_end).step_by(group).collect();
        let results: Vec<ExpandedColumn> = groups
            .into_par_iter()
            .map(|first| {
                let last = (first + group).min(batch_end);
                expand_columns(&columns[first..last], n_rows, n, symbol_size).map(|expanded| {
                    expanded
                        .into_iter()
                        .enumerate()
                        .map(|(offset, (hashes, root, repair))| {
                            let keep = keep_slivers && first + offset < n_columns;
                            (hashes, root, if keep { repair } else { Vec::new() })
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect::<Result<Vec<_>, EncodingError>>()?
            .into_iter()
            .flatten()
            .collect();
        if keep_slivers {
            rows[n_rows..]
                .par_iter_mut()
                .enumerate()
                .for_each(|(repair_row, row)| {
                    for (offset, (_, _, repair)) in results.iter().enumerate() {
                        let column = batch_start + offset;
                        if column < n_columns {
                            let from = repair_row * symbol_size;
                            row[column * symbol_size..(column + 1) * symbol_size]
                                .copy_from_slice(&repair[from..from + symbol_size]);
                        }
                    }
                });
        }
        for (hashes, root, _) in results {
            leaf_hashes.push(hashes);
            column_roots.push(root);
        }
    }

    let row_roots: Vec<Node> = (0..n)
        .into_par_iter()
        .map(|row| {
            merkle::root_from_leaf_hashes(leaf_hashes.iter().map(|column| column[row]).collect())
        })
        .collect();
    drop(leaf_hashes);

    let hashes = (0..n)
        .map(|pair| SliverPairMetadata {
            primary_hash: row_roots[pair],
            secondary_hash: column_roots[n - 1 - pair],
        })
        .collect();
    let metadata = BlobMetadata::new(EncodingType::RS2, blob_size, hashes);
    let blob_id = metadata.compute_blob_id();
    let metadata =
        VerifiedBlobMetadataWithId::new_trusted(BlobMetadataWithId { blob_id, metadata }, *config);

    let slivers = keep_slivers.then(|| {
        let primary = rows
            .into_iter()
            .enumerate()
            .map(|(index, bytes)| PrimarySliver::new(bytes, symbol_size_nz, sliver_index(index)))
            .collect();
        let secondary = columns
            .into_iter()
            .enumerate()
            .map(|(index, bytes)| SecondarySliver::new(bytes, symbol_size_nz, sliver_index(index)))
            .collect();
        (primary, secondary)
    });
    Ok((metadata, slivers))
}

/// Expands each of `columns` (`n_rows` symbols each) to `n` symbols with the primary code, in one
/// Reed-Solomon call, and returns per column its `n` leaf hashes, its Merkle root and its
/// `n - n_rows` repair symbols.
fn expand_columns(
    columns: &[Vec<u8>],
    n_rows: usize,
    n: usize,
    symbol_size: usize,
) -> Result<Vec<ExpandedColumn>, EncodingError> {
    let n_group = columns.len();
    let shard_len = n_group * symbol_size;
    let mut encoder = RsEncoder::new(n_rows, n, shard_len).map_err(rs_error)?;
    if let [column] = columns {
        // One column: its bytes are the source shards and the repair shards are its repair
        // symbols, no rearranging.
        let mut repair = vec![0u8; encoder.n_repair() * shard_len];
        encoder.encode_into(column, &mut repair).map_err(rs_error)?;
        return Ok(vec![expanded_column(column, repair, symbol_size)]);
    }
    // Shard r holds cells (r, c) of every column c of the group.
    let mut source = Vec::with_capacity(n_rows * shard_len);
    let mut cells = vec![0u8; shard_len];
    for row in 0..n_rows {
        for (offset, column) in columns.iter().enumerate() {
            cells[offset * symbol_size..(offset + 1) * symbol_size]
                .copy_from_slice(&column[row * symbol_size..(row + 1) * symbol_size]);
        }
        if n_group == 1 {
            source.extend_from_slice(&cells);
        } else {
            source.extend_from_slice(&layout::symbols_to_shard(&cells, symbol_size));
        }
    }
    let mut repair = vec![0u8; encoder.n_repair() * shard_len];
    encoder
        .encode_into(&source, &mut repair)
        .map_err(rs_error)?;
    drop(source);
    // Column c's repair symbols, row by row.
    let n_repair = n - n_rows;
    let mut repairs = vec![vec![0u8; n_repair * symbol_size]; n_group];
    for (repair_row, shard) in repair.chunks_exact(shard_len).enumerate() {
        if n_group == 1 {
            cells.copy_from_slice(shard);
        } else {
            layout::shard_to_symbols(shard, symbol_size, &mut cells);
        }
        for (offset, column_repair) in repairs.iter_mut().enumerate() {
            column_repair[repair_row * symbol_size..(repair_row + 1) * symbol_size]
                .copy_from_slice(&cells[offset * symbol_size..(offset + 1) * symbol_size]);
        }
    }
    Ok(columns
        .iter()
        .zip(repairs)
        .map(|(column, repair)| expanded_column(column, repair, symbol_size))
        .collect())
}

/// The leaf hashes and Merkle root of a column expanded with its `repair` symbols.
fn expanded_column(column: &[u8], repair: Vec<u8>, symbol_size: usize) -> ExpandedColumn {
    let cells: Vec<&[u8]> = column
        .chunks_exact(symbol_size)
        .chain(repair.chunks_exact(symbol_size))
        .collect();
    let hashes = merkle::leaf_hashes(cells.into_iter());
    let root = merkle::root_from_leaf_hashes(hashes.clone());
    (hashes, root, repair)
}

fn sliver_index(index: usize) -> SliverIndex {
    SliverIndex::try_from(index).expect("sliver indices are below n_shards, a u16")
}
