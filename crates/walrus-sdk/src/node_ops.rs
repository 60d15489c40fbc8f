//! Helpers for talking to storage nodes: retries with backoff and the verified blob status.

use std::future::Future;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;
use walrus_core::BlobId;
use walrus_node_api::{BlobStatus, NodeApiError, reason};

use crate::client::WalrusClient;
use crate::committee::Committee;
use crate::config::CommunicationConfig;
use crate::error::SdkResult;

/// Whether a failed request is worth retrying while storing: transport errors, server errors,
/// throttling, and the "not yet" answers of a node that has not seen the registration or the
/// metadata yet, or has not yet processed the epoch change that assigned it a shard.
pub(crate) fn is_retryable_write(error: &NodeApiError) -> bool {
    match error.http_status() {
        None => !matches!(error, NodeApiError::InvalidUrl { .. }),
        Some(status) if status >= 500 || status == 429 || status == 404 => true,
        Some(_) => {
            error.has_reason(reason::NOT_REGISTERED)
                || error.has_reason(reason::METADATA_NOT_FOUND)
                || error.has_reason(reason::MISSING_SLIVERS)
                || error.has_reason(reason::CACHE_SATURATED)
                || error.has_reason(reason::SHARD_NOT_ASSIGNED)
        }
    }
}

/// Whether a failed read is worth retrying: only transport and server errors.
pub(crate) fn is_retryable_read(error: &NodeApiError) -> bool {
    match error.http_status() {
        None => !matches!(error, NodeApiError::InvalidUrl { .. }),
        Some(status) => status >= 500 || status == 429,
    }
}

/// Runs `op` up to `max_attempts` times while `retryable` says so, with exponential backoff.
pub(crate) async fn with_retries<T, F, Fut>(
    config: &CommunicationConfig,
    retryable: fn(&NodeApiError) -> bool,
    mut op: F,
) -> Result<T, NodeApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, NodeApiError>>,
{
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(error) if attempt < config.max_attempts.max(1) && retryable(&error) => {
                tokio::time::sleep(config.retry_delay(attempt)).await;
                attempt += 1;
            }
            Err(error) => return Err(error),
        }
    }
}

/// The blob status as a quorum of nodes reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedStatus {
    /// The accepted status: the highest one reported by nodes holding more than `f` shards.
    pub status: BlobStatus,
    /// Shards whose nodes answered.
    pub responding_weight: u16,
    /// Total shards.
    pub n_shards: u16,
}

impl WalrusClient {
    /// Asks every node for the blob's status and accepts the highest status reported by nodes
    /// holding more than `f` shards (so at least one honest node backs it). `Nonexistent` if
    /// no status has that support.
    pub async fn verified_blob_status(&self, blob_id: &BlobId) -> SdkResult<VerifiedStatus> {
        let committee = self.committee().await?;
        Ok(status_from_nodes(&committee, blob_id, self.config()).await)
    }
}

pub(crate) async fn status_from_nodes(
    committee: &Committee,
    blob_id: &BlobId,
    config: &crate::config::ClientConfig,
) -> VerifiedStatus {
    let mut requests: FuturesUnordered<_> = committee
        .members
        .iter()
        .filter(|m| m.weight > 0)
        .filter_map(|m| m.client.as_ref().map(|c| (m.weight, c)))
        .map(|(weight, client)| async move {
            let result = with_retries(&config.communication, is_retryable_read, || {
                client.blob_status(blob_id)
            })
            .await;
            (weight, result)
        })
        .collect();
    let mut weights: Vec<(BlobStatus, u16)> = Vec::new();
    let mut responding = 0u16;
    while let Some((weight, result)) = requests.next().await {
        let Ok(status) = result else { continue };
        responding = responding.saturating_add(weight);
        match weights.iter_mut().find(|(s, _)| *s == status) {
            Some((_, w)) => *w = w.saturating_add(weight),
            None => weights.push((status, weight)),
        }
    }
    weights.sort_by_key(|b| std::cmp::Reverse(b.0));
    // A status is supported by every node that reports it or a higher one of the same kind is
    // not assumed: only exact matches count.
    let status = weights
        .iter()
        .find(|(_, w)| committee.is_above_validity(*w))
        .map(|(s, _)| *s)
        .unwrap_or_default();
    VerifiedStatus {
        status,
        responding_weight: responding,
        n_shards: committee.n_shards,
    }
}
