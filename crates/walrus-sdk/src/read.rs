//! Reading a blob: verified metadata from the first node that has it, then verified primary
//! slivers from any nodes until `n - 2f` arrive (secondary slivers, `n - f` of them, if too few
//! primaries are available), then decoding with a consistency check.
//!
//! Every sliver is verified against the metadata before it counts, so up to `f` unavailable or
//! lying nodes cannot make a read fail or return wrong bytes; nodes that served bad data are
//! reported in [`ReadOutput::faulty_nodes`].
//!
//! Byte ranges inside the blob's systematic rows are served from the few primary slivers that
//! hold them, without decoding.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use futures::stream::StreamExt;
use rand::seq::SliceRandom;
use serde::Serialize;
use walrus_core::encoding::{
    ConsistencyCheck, EncodingAxis, Primary, Secondary, SliverData, decode,
};
use walrus_core::metadata::VerifiedBlobMetadataWithId;
use walrus_core::{BlobId, ObjectId, ShardIndex, SliverPairIndex};
use walrus_node_api::BlobStatus;

use crate::client::{WalrusClient, ser_display};
use crate::committee::{Committee, Member};
use crate::error::{SdkError, SdkResult};
use crate::node_ops::{is_retryable_read, status_from_nodes, with_retries};
use crate::progress::{Progress, ProgressEvent};

/// How to read a blob.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The check run after decoding.
    pub consistency: ConsistencyCheck,
}

/// A node that served data failing verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultyNode {
    /// The node.
    #[serde(serialize_with = "ser_display")]
    pub node_id: ObjectId,
    /// What it served.
    pub reason: String,
}

/// A read blob with the nodes caught lying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOutput {
    /// The blob's bytes.
    pub data: Vec<u8>,
    /// Nodes whose metadata or slivers failed verification.
    pub faulty_nodes: Vec<FaultyNode>,
}

/// A requested byte range (the forms of an HTTP `Range: bytes=` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `start..end`, end exclusive.
    FromTo(u64, u64),
    /// From `start` to the end of the blob.
    From(u64),
    /// The last `n` bytes.
    Suffix(u64),
}

impl ByteRange {
    /// The range as `start..end` within a blob of `length` bytes (ends clamped).
    pub fn resolve(self, length: u64) -> SdkResult<(u64, u64)> {
        let (start, end) = match self {
            ByteRange::FromTo(start, end) => (start, end.min(length)),
            ByteRange::From(start) => (start, length),
            ByteRange::Suffix(n) => (length.saturating_sub(n), length),
        };
        let empty_blob = length == 0 && start == 0;
        if !empty_blob && (start >= length || start > end) {
            return Err(SdkError::RangeNotSatisfiable { start, end, length });
        }
        Ok((start, end))
    }

    /// Parses an HTTP `Range` header value with a single range (`bytes=a-b`, `bytes=a-`,
    /// `bytes=-n`; `b` inclusive).
    pub fn parse_http(header: &str) -> Option<Self> {
        let spec = header.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        match (first.is_empty(), last.is_empty()) {
            (true, false) => Some(ByteRange::Suffix(last.parse().ok()?)),
            (false, true) => Some(ByteRange::From(first.parse().ok()?)),
            (false, false) => {
                let start: u64 = first.parse().ok()?;
                let last: u64 = last.parse().ok()?;
                (last >= start).then(|| ByteRange::FromTo(start, last.saturating_add(1)))
            }
            (true, true) => None,
        }
    }
}

/// A byte range of a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeOutput {
    /// The requested bytes.
    pub data: Vec<u8>,
    /// The blob's full length.
    pub blob_length: u64,
}

/// Faulty nodes found so far (shared by concurrent requests).
#[derive(Debug, Default)]
struct Faults {
    nodes: Mutex<Vec<FaultyNode>>,
    unreachable: Mutex<HashSet<ObjectId>>,
}

impl Faults {
    fn report(&self, node_id: ObjectId, reason: String) {
        if let Ok(mut nodes) = self.nodes.lock()
            && !nodes.iter().any(|n| n.node_id == node_id)
        {
            nodes.push(FaultyNode { node_id, reason });
        }
    }

    fn mark_unreachable(&self, node_id: ObjectId) {
        if let Ok(mut set) = self.unreachable.lock() {
            set.insert(node_id);
        }
    }

    fn is_unreachable(&self, node_id: &ObjectId) -> bool {
        self.unreachable
            .lock()
            .map(|set| set.contains(node_id))
            .unwrap_or(false)
    }

    fn take(&self) -> Vec<FaultyNode> {
        self.nodes
            .lock()
            .map(|mut nodes| std::mem::take(&mut *nodes))
            .unwrap_or_default()
    }
}

impl WalrusClient {
    /// Reads a blob with the default consistency check.
    pub async fn read_blob(&self, blob_id: &BlobId) -> SdkResult<Vec<u8>> {
        Ok(self
            .read_blob_with(
                blob_id,
                &ReadOptions::default(),
                &crate::progress::NoProgress,
            )
            .await?
            .data)
    }

    /// Reads a blob, reporting progress and the nodes that served bad data.
    pub async fn read_blob_with(
        &self,
        blob_id: &BlobId,
        options: &ReadOptions,
        progress: &dyn Progress,
    ) -> SdkResult<ReadOutput> {
        let committee = self.committee().await?;
        let faults = Faults::default();
        let metadata = match self.retrieve_metadata(&committee, blob_id, &faults).await {
            Ok(metadata) => Arc::new(metadata),
            Err(error) => return Err(self.explain_failure(&committee, blob_id, error).await),
        };
        let length = metadata.metadata().unencoded_length();
        let limit = self.config().communication.max_blob_size;
        if length > limit {
            return Err(SdkError::BlobTooLarge {
                size: length,
                limit,
            });
        }
        let data = match self
            .fetch_and_decode(&committee, &metadata, options, &faults, progress)
            .await
        {
            Ok(data) => data,
            Err(error) => return Err(self.explain_failure(&committee, blob_id, error).await),
        };
        Ok(ReadOutput {
            data,
            faulty_nodes: faults.take(),
        })
    }

    /// A failed read of a blob that nodes have deleted because it was invalidated looks like a
    /// missing blob (or too few slivers, or a failed consistency check): ask the nodes for the
    /// verified status, and report [`SdkError::BlobInvalid`] if it is invalid. Only on failure,
    /// so successful reads cost no extra round.
    async fn explain_failure(
        &self,
        committee: &Committee,
        blob_id: &BlobId,
        error: SdkError,
    ) -> SdkError {
        if !matches!(
            error,
            SdkError::BlobNotFound(_) | SdkError::NotEnoughSlivers { .. } | SdkError::Decode { .. }
        ) {
            return error;
        }
        let status = status_from_nodes(committee, blob_id, self.config()).await;
        if matches!(status.status, BlobStatus::Invalid { .. }) {
            SdkError::BlobInvalid(*blob_id)
        } else {
            error
        }
    }

    /// Reads a byte range of a blob. Ranges ending past the blob are clamped; a range starting
    /// past the end is [`SdkError::RangeNotSatisfiable`].
    pub async fn read_range(
        &self,
        blob_id: &BlobId,
        range: ByteRange,
        progress: &dyn Progress,
    ) -> SdkResult<RangeOutput> {
        let committee = self.committee().await?;
        let faults = Faults::default();
        let metadata = match self.retrieve_metadata(&committee, blob_id, &faults).await {
            Ok(metadata) => Arc::new(metadata),
            Err(error) => return Err(self.explain_failure(&committee, blob_id, error).await),
        };
        let length = metadata.metadata().unencoded_length();
        let (start, end) = range.resolve(length)?;
        if start == end {
            return Ok(RangeOutput {
                data: Vec::new(),
                blob_length: length,
            });
        }
        if let Some(data) = self
            .read_systematic_rows(&committee, &metadata, start, end, &faults)
            .await
        {
            return Ok(RangeOutput {
                data,
                blob_length: length,
            });
        }
        let data = match self
            .fetch_and_decode(
                &committee,
                &metadata,
                &ReadOptions::default(),
                &faults,
                progress,
            )
            .await
        {
            Ok(data) => data,
            Err(error) => return Err(self.explain_failure(&committee, blob_id, error).await),
        };
        let (from, to) = (usize_of(start)?, usize_of(end)?);
        Ok(RangeOutput {
            data: data[from..to].to_vec(),
            blob_length: length,
        })
    }

    /// Asks up to `max_concurrent_metadata_reads` nodes at a time, in random order, and returns
    /// the first metadata that verifies.
    async fn retrieve_metadata(
        &self,
        committee: &Committee,
        blob_id: &BlobId,
        faults: &Faults,
    ) -> SdkResult<VerifiedBlobMetadataWithId> {
        let comm = &self.config().communication;
        let mut members: Vec<&Member> = committee
            .members
            .iter()
            .filter(|m| m.weight > 0 && m.client.is_some())
            .collect();
        members.shuffle(&mut rand::thread_rng());
        // The futures are collected first: a closure inside the stream would keep the read
        // future from being `Send` (higher-ranked lifetime inference).
        let requests: Vec<_> = members
            .into_iter()
            .map(|member| async move {
                let result = match member.client.as_ref() {
                    Some(client) => {
                        with_retries(comm, is_retryable_read, || client.get_metadata(blob_id)).await
                    }
                    None => Err(walrus_node_api::NodeApiError::Decode("no client".into())),
                };
                (member, result)
            })
            .collect();
        let mut responses = futures::stream::iter(requests)
            .buffer_unordered(comm.max_concurrent_metadata_reads.max(1));
        let mut not_found_weight = 0u16;
        let mut errors = Vec::new();
        while let Some((member, result)) = responses.next().await {
            match result {
                Ok(metadata) if metadata.blob_id != *blob_id => faults.report(
                    member.node_id,
                    format!("metadata for another blob {}", metadata.blob_id),
                ),
                Ok(metadata) => match metadata.verify(committee.n_shards) {
                    Ok(verified) => return Ok(verified),
                    Err(e) => faults.report(member.node_id, format!("invalid metadata: {e}")),
                },
                Err(e) if e.is_not_found() || e.http_status() == Some(451) => {
                    not_found_weight = not_found_weight.saturating_add(member.weight);
                    if committee.is_quorum(not_found_weight) {
                        return Err(SdkError::BlobNotFound(*blob_id));
                    }
                }
                Err(e) => {
                    faults.mark_unreachable(member.node_id);
                    errors.push(format!("{}: {e}", member.node_id));
                }
            }
        }
        if committee.is_above_validity(not_found_weight) && errors.is_empty() {
            return Err(SdkError::BlobNotFound(*blob_id));
        }
        Err(SdkError::NotEnoughSlivers {
            blob_id: *blob_id,
            detail: format!(
                "no node returned valid metadata ({} not found of {} shards; {} errors{})",
                not_found_weight,
                committee.n_shards,
                errors.len(),
                errors
                    .first()
                    .map(|e| format!(", first: {e}"))
                    .unwrap_or_default()
            ),
        })
    }

    async fn fetch_and_decode(
        &self,
        committee: &Committee,
        metadata: &Arc<VerifiedBlobMetadataWithId>,
        options: &ReadOptions,
        faults: &Faults,
        progress: &dyn Progress,
    ) -> SdkResult<Vec<u8>> {
        let blob_id = *metadata.blob_id();
        let config = metadata.config();
        let need_primary =
            usize::from(config.n_source_symbols(walrus_core::encoding::Axis::Primary));
        progress.event(ProgressEvent::ReadStarted {
            blob_id,
            needed: need_primary,
        });
        let primaries = self
            .fetch_slivers::<Primary>(committee, metadata, need_primary, faults, progress)
            .await;
        let check = options.consistency;
        if primaries.len() >= need_primary {
            progress.event(ProgressEvent::Decoding);
            return decode_blocking(metadata.clone(), primaries, check).await;
        }
        let got_primary = primaries.len();
        drop(primaries);
        let need_secondary =
            usize::from(config.n_source_symbols(walrus_core::encoding::Axis::Secondary));
        let secondaries = self
            .fetch_slivers::<Secondary>(committee, metadata, need_secondary, faults, progress)
            .await;
        if secondaries.len() >= need_secondary {
            progress.event(ProgressEvent::Decoding);
            return decode_blocking(metadata.clone(), secondaries, check).await;
        }
        Err(SdkError::NotEnoughSlivers {
            blob_id,
            detail: format!(
                "only {got_primary} of {need_primary} primary and {} of {need_secondary} \
                 secondary slivers could be fetched and verified",
                secondaries.len()
            ),
        })
    }

    /// Fetches verified slivers of axis `A` from all nodes (random node order) until `needed`
    /// distinct ones arrived.
    async fn fetch_slivers<A: EncodingAxis>(
        &self,
        committee: &Committee,
        metadata: &Arc<VerifiedBlobMetadataWithId>,
        needed: usize,
        faults: &Faults,
        progress: &dyn Progress,
    ) -> Vec<SliverData<A>> {
        let comm = &self.config().communication;
        let blob_id = *metadata.blob_id();
        let n_shards = committee.n_shards;
        let mut members: Vec<&Member> = committee
            .members
            .iter()
            .filter(|m| m.weight > 0 && m.client.is_some())
            .filter(|m| !faults.is_unreachable(&m.node_id))
            .collect();
        members.shuffle(&mut rand::thread_rng());
        let requests: Vec<(&Member, ShardIndex)> = members
            .iter()
            .flat_map(|m| m.shards.iter().map(move |s| (*m, *s)))
            .collect();
        let concurrency = if comm.max_concurrent_sliver_reads == 0 {
            needed
        } else {
            comm.max_concurrent_sliver_reads
        };
        let fetches: Vec<_> = requests
            .into_iter()
            .map(|(member, shard)| {
                let metadata = metadata.clone();
                async move {
                    if faults.is_unreachable(&member.node_id) {
                        return None;
                    }
                    let pair = shard.to_pair_index(n_shards, &blob_id);
                    fetch_verified::<A>(member, pair, metadata, comm, faults).await
                }
            })
            .collect();
        let mut responses = futures::stream::iter(fetches).buffer_unordered(concurrency.max(1));
        let mut seen = HashSet::new();
        let mut slivers = Vec::with_capacity(needed);
        while let Some(result) = responses.next().await {
            if let Some(sliver) = result
                && seen.insert(sliver.index())
            {
                progress.event(ProgressEvent::SliverReceived);
                slivers.push(sliver);
                if slivers.len() >= needed {
                    break;
                }
            }
        }
        slivers
    }

    /// Serves `start..end` from the systematic primary slivers holding those rows; `None` if any
    /// of them cannot be fetched and verified (the caller then decodes the whole blob).
    async fn read_systematic_rows(
        &self,
        committee: &Committee,
        metadata: &Arc<VerifiedBlobMetadataWithId>,
        start: u64,
        end: u64,
        faults: &Faults,
    ) -> Option<Vec<u8>> {
        let config = metadata.config();
        let symbol_size = u64::from(metadata.symbol_size());
        let n_columns = u64::from(config.n_secondary_source_symbols());
        let row_bytes = n_columns * symbol_size;
        if row_bytes == 0 {
            return None;
        }
        let first_row = start / row_bytes;
        let last_row = (end - 1) / row_bytes;
        if last_row >= u64::from(config.n_primary_source_symbols()) {
            return None;
        }
        let comm = &self.config().communication;
        let blob_id = *metadata.blob_id();
        let rows: Vec<u16> = (first_row..=last_row)
            .map(u16::try_from)
            .collect::<Result<_, _>>()
            .ok()?;
        let fetches = rows.iter().map(|&row| {
            let metadata = metadata.clone();
            async move {
                let pair = SliverPairIndex(row);
                let shard = pair.to_shard_index(committee.n_shards, &blob_id);
                let member = committee.member_of_shard(shard)?;
                fetch_verified::<Primary>(member, pair, metadata, comm, faults).await
            }
        });
        let slivers: Vec<SliverData<Primary>> = futures::future::join_all(fetches)
            .await
            .into_iter()
            .collect::<Option<_>>()?;
        let mut out = Vec::with_capacity(usize::try_from(end - start).ok()?);
        for (row, sliver) in rows.iter().zip(&slivers) {
            let row_start = u64::from(*row) * row_bytes;
            let from = start.max(row_start) - row_start;
            let to = end.min(row_start + row_bytes) - row_start;
            out.extend_from_slice(
                sliver
                    .data()
                    .get(usize::try_from(from).ok()?..usize::try_from(to).ok()?)?,
            );
        }
        Some(out)
    }
}

/// Fetches one sliver and verifies it (on a blocking thread); reports nodes serving bad data.
async fn fetch_verified<A: EncodingAxis>(
    member: &Member,
    pair: SliverPairIndex,
    metadata: Arc<VerifiedBlobMetadataWithId>,
    comm: &crate::config::CommunicationConfig,
    faults: &Faults,
) -> Option<SliverData<A>> {
    let client = member.client.as_ref()?;
    let blob_id = *metadata.blob_id();
    let sliver = match with_retries(comm, is_retryable_read, || {
        client.get_sliver::<A>(&blob_id, pair)
    })
    .await
    {
        Ok(sliver) => sliver,
        Err(e) => {
            if e.http_status().is_none() {
                faults.mark_unreachable(member.node_id);
            }
            return None;
        }
    };
    let n_shards = metadata.config().n_shards();
    let expected_index = pair.to_sliver_index(A::AXIS, n_shards);
    if sliver.index() != expected_index {
        faults.report(
            member.node_id,
            format!(
                "sliver {} instead of {expected_index} for pair {pair}",
                sliver.index()
            ),
        );
        return None;
    }
    let verified = tokio::task::spawn_blocking(move || {
        let result = sliver.verify(&metadata);
        (sliver, result)
    })
    .await;
    match verified {
        Ok((sliver, Ok(()))) => Some(sliver),
        Ok((_, Err(e))) => {
            faults.report(member.node_id, format!("invalid {} sliver: {e}", A::AXIS));
            None
        }
        Err(_) => None,
    }
}

async fn decode_blocking<A: EncodingAxis>(
    metadata: Arc<VerifiedBlobMetadataWithId>,
    slivers: Vec<SliverData<A>>,
    check: ConsistencyCheck,
) -> SdkResult<Vec<u8>> {
    let blob_id = *metadata.blob_id();
    tokio::task::spawn_blocking(move || decode(&metadata, slivers, check))
        .await
        .map_err(|e| SdkError::Task(e.to_string()))?
        .map_err(|source| SdkError::Decode { blob_id, source })
}

fn usize_of(value: u64) -> SdkResult<usize> {
    usize::try_from(value)
        .map_err(|_| SdkError::InvalidArgument(format!("{value} does not fit in memory")))
}

#[cfg(test)]
mod tests {
    use walrus_core::encoding::{EncodingConfig, encode_with_metadata};

    use super::ByteRange;

    #[test]
    fn http_ranges_parse_and_resolve() {
        assert_eq!(
            ByteRange::parse_http("bytes=0-9"),
            Some(ByteRange::FromTo(0, 10))
        );
        assert_eq!(ByteRange::parse_http("bytes=5-"), Some(ByteRange::From(5)));
        assert_eq!(
            ByteRange::parse_http("bytes=-3"),
            Some(ByteRange::Suffix(3))
        );
        assert_eq!(ByteRange::parse_http("bytes=9-2"), None);
        assert_eq!(ByteRange::parse_http("bytes=0-1,4-5"), None);
        assert_eq!(ByteRange::parse_http("items=0-1"), None);
        assert_eq!(ByteRange::parse_http("bytes=-"), None);
        assert_eq!(ByteRange::FromTo(0, 10).resolve(5).ok(), Some((0, 5)));
        assert_eq!(ByteRange::Suffix(3).resolve(10).ok(), Some((7, 10)));
        assert_eq!(ByteRange::Suffix(30).resolve(10).ok(), Some((0, 10)));
        assert_eq!(ByteRange::From(3).resolve(10).ok(), Some((3, 10)));
        assert!(ByteRange::From(10).resolve(10).is_err());
        assert!(ByteRange::FromTo(11, 20).resolve(10).is_err());
        assert_eq!(ByteRange::From(0).resolve(0).ok(), Some((0, 0)));
    }

    #[test]
    fn systematic_primary_slivers_are_the_rows_of_the_blob() {
        let config = EncodingConfig::new(10).expect("supported");
        let data: Vec<u8> = (0..5000u32)
            .map(|i| u8::try_from(i % 253).expect("small"))
            .collect();
        let encoded = encode_with_metadata(&config, &data).expect("encodes");
        let symbol_size = usize::from(encoded.metadata.symbol_size());
        let row_bytes = usize::from(config.n_secondary_source_symbols()) * symbol_size;
        let n_rows = usize::from(config.n_primary_source_symbols());
        for row in 0..n_rows {
            let start = (row * row_bytes).min(data.len());
            let end = ((row + 1) * row_bytes).min(data.len());
            let sliver = encoded.sliver_pairs[row].primary.data();
            assert_eq!(&sliver[..end - start], &data[start..end], "row {row}");
            assert!(sliver[end - start..].iter().all(|&b| b == 0), "padding");
        }
    }
}
