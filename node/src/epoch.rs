//! Epoch changes: refresh the committee, fetch newly assigned shards from their previous owners
//! (signed sync-shard requests), fall back to recovery, report `epoch_sync_done`, and drop
//! shards no longer owned once the epoch change is done.

use std::{sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;
use walrus_core::{
    BlobId, Epoch, ShardIndex,
    encoding::{Axis, Sliver},
    messages::{SliverAxis, SyncShardMsg, SyncShardRequest},
};
use walrus_node_api::ShardStatus;

use crate::{chain_view, committee::Committee, node::NodeInner};

/// Refreshes the committee for `epoch` (retrying until the chain reports it), then starts
/// the shard handover in the background.
pub async fn on_epoch_change_start(
    node: &Arc<NodeInner>,
    epoch: Epoch,
    cancel: &CancellationToken,
) {
    let mut delay = Duration::from_millis(200);
    let committee = loop {
        match chain_view::fetch_committee(&node.sui, &node.http, node.config.peers_use_tls()).await
        {
            Ok(committee) if committee.epoch >= epoch => break committee,
            Ok(committee) => {
                tracing::debug!(
                    chain_epoch = committee.epoch,
                    epoch,
                    "committee not yet updated"
                );
            }
            Err(error) => tracing::warn!(%error, "cannot read the committee"),
        }
        if chain_view::sleep_or_cancel(cancel, delay).await {
            return;
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    };
    tracing::info!(epoch = committee.epoch, "epoch change started");
    let previous = node.committee();
    node.set_committee(committee);
    let current = node.committee();
    let node = Arc::clone(node);
    let cancel = cancel.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = cancel.cancelled() => {}
            () = handover(&node, &previous, &current) => {}
        }
    });
}

/// Drops shards this node no longer needs once the epoch change to `epoch` is done.
///
/// A shard lost in this epoch change stays stored (read-only, for the new owner's sync-shard
/// requests: the change is done at a quorum of shards, possibly before the new owner has synced)
/// until the next epoch change is done. Only shards owned in neither the current nor the previous
/// committee are dropped. Without a previous committee (the node restarted since the last epoch
/// change) nothing is dropped.
pub fn on_epoch_change_done(node: &NodeInner, epoch: Epoch) {
    if epoch < node.epoch() {
        return;
    }
    let Some(previous) = node.previous_committee() else {
        return;
    };
    let mut keep = node.owned_shards();
    keep.extend(previous.shards_of(&node.node_id));
    for shard in node.store.shards() {
        if !keep.contains(&shard) {
            tracing::info!(%shard, epoch, "dropping shard no longer owned");
            if let Err(error) = node.store.drop_shard(shard) {
                tracing::warn!(%shard, %error, "cannot drop shard");
            }
            node.clear_shard_status(shard);
        }
    }
}

/// How long a shard sync is retried while its previous owner is unreachable or behind (has not
/// processed the epoch change yet) before the shard is recovered from the other nodes instead.
const SYNC_RETRY_LIMIT: Duration = Duration::from_secs(20);

/// A failed shard sync.
#[derive(Debug)]
enum SyncError {
    /// Worth retrying: the previous owner is unreachable, overloaded or still in the old epoch.
    Transient(String),
    /// The previous owner refused for good (for example it no longer stores the shard).
    Permanent(String),
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transient(message) | Self::Permanent(message) => f.write_str(message),
        }
    }
}

impl From<walrus_node_api::NodeApiError> for SyncError {
    fn from(error: walrus_node_api::NodeApiError) -> Self {
        let transient = match error.api_error() {
            Some(api) => {
                api.code >= 500
                    || api.reason.as_deref() == Some(walrus_node_api::reason::INVALID_EPOCH)
            }
            None => true,
        };
        if transient {
            Self::Transient(error.to_string())
        } else {
            Self::Permanent(error.to_string())
        }
    }
}

/// [`sync_shard`], retried with backoff for [`SYNC_RETRY_LIMIT`] while the error is transient.
async fn sync_shard_with_retries(
    node: &Arc<NodeInner>,
    client: &walrus_node_api::NodeClient,
    shard: ShardIndex,
    epoch: Epoch,
) -> Result<usize, SyncError> {
    let deadline = tokio::time::Instant::now() + SYNC_RETRY_LIMIT;
    let mut delay = Duration::from_millis(100);
    loop {
        match sync_shard(node, client, shard, epoch).await {
            Err(SyncError::Transient(error)) if tokio::time::Instant::now() < deadline => {
                tracing::debug!(%shard, %error, "shard sync failed, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
            result => return result,
        }
    }
}

/// Receives the newly assigned shards and reports `epoch_sync_done`.
async fn handover(node: &Arc<NodeInner>, previous: &Committee, current: &Committee) {
    let had = previous.shards_of(&node.node_id);
    let owned = current.shards_of(&node.node_id);
    let mut needs_recovery = false;
    for shard in owned.difference(&had).copied() {
        if let Err(error) = node.store.create_shard(shard) {
            tracing::error!(%shard, %error, "cannot create shard");
            continue;
        }
        node.set_shard_status(shard, ShardStatus::InTransfer);
        let synced = match previous.owner_of(shard) {
            Some(owner) if owner.node_id != node.node_id => match &owner.client {
                Some(client) => sync_shard_with_retries(node, client, shard, current.epoch)
                    .await
                    .map_err(|e| e.to_string()),
                None => Err("the previous owner has no usable address".to_owned()),
            },
            _ => Err("the shard had no previous owner".to_owned()),
        };
        match synced {
            Ok(count) => {
                tracing::info!(%shard, count, "shard received from its previous owner");
                node.set_shard_status(shard, ShardStatus::Ready);
            }
            Err(error) => {
                tracing::warn!(%shard, %error, "shard sync failed, recovering the shard");
                node.set_shard_status(shard, ShardStatus::InRecovery);
                needs_recovery = true;
            }
        }
    }
    for shard in owned.intersection(&had) {
        node.set_shard_status(*shard, ShardStatus::Ready);
    }
    // Anything still missing (a failed sync, or blobs certified meanwhile) is recovered.
    if let Ok(infos) = node.store.blob_infos() {
        let epoch = node.epoch();
        for (blob_id, info) in infos {
            if info.is_certified(epoch) {
                node.queue_recovery(blob_id);
            }
        }
    }
    if needs_recovery {
        for shard in owned.difference(&had) {
            node.set_shard_status(*shard, ShardStatus::Ready);
        }
    }
    if current.member(&node.node_id).is_some() {
        let cap = node.config.cap_id;
        match node.sui.epoch_sync_done(cap, current.epoch).await {
            Ok(_) => tracing::info!(epoch = current.epoch, "reported epoch_sync_done"),
            Err(error) => tracing::warn!(%error, "epoch_sync_done failed"),
        }
    }
}

/// Fetches every sliver of `shard` from `client`, verifies and stores it; returns the count.
async fn sync_shard(
    node: &Arc<NodeInner>,
    client: &walrus_node_api::NodeClient,
    shard: ShardIndex,
    epoch: Epoch,
) -> Result<usize, SyncError> {
    let page = crate::config::DEFAULT_SYNC_PAGE;
    let mut total = 0;
    for sliver_type in [SliverAxis::Primary, SliverAxis::Secondary] {
        let mut start = BlobId([0; 32]);
        loop {
            let request = SyncShardMsg::new(
                epoch,
                SyncShardRequest::V1 {
                    shard_index: shard,
                    sliver_type,
                    starting_blob_id: start,
                    sliver_count: page,
                    epoch,
                },
            )
            .sign(&node.key);
            let response = client.sync_shard(&request, node.key.public_key()).await?;
            let slivers = response.into_slivers();
            let n = slivers.len();
            let mut last = None;
            for (blob_id, sliver) in slivers {
                last = Some(blob_id);
                if store_synced(node, shard, &blob_id, &sliver).await {
                    total += 1;
                }
            }
            match last.and_then(successor) {
                Some(next) if u64::try_from(n).unwrap_or(u64::MAX) >= page => start = next,
                _ => break,
            }
        }
    }
    Ok(total)
}

/// Stores one synced sliver if the blob is still registered here; returns whether it was stored.
async fn store_synced(
    node: &Arc<NodeInner>,
    shard: ShardIndex,
    blob_id: &BlobId,
    sliver: &Sliver,
) -> bool {
    let epoch = node.epoch();
    let registered = node
        .store
        .blob_info(blob_id)
        .ok()
        .flatten()
        .is_some_and(|info| info.is_registered(epoch));
    if !registered {
        return false;
    }
    let committee = node.committee();
    if crate::recovery::metadata_for(node, &committee, blob_id)
        .await
        .is_err()
    {
        return false;
    }
    let pair = shard.to_pair_index(committee.n_shards, blob_id);
    let (axis, bytes) = match sliver {
        Sliver::Primary(s) => (Axis::Primary, bcs::to_bytes(s)),
        Sliver::Secondary(s) => (Axis::Secondary, bcs::to_bytes(s)),
    };
    let Ok(bytes) = bytes else {
        return false;
    };
    match node.store_sliver_bytes(blob_id, shard, pair, axis, &bytes, "sync") {
        Ok(_) => true,
        Err(error) => {
            tracing::warn!(%blob_id, %shard, %error, "synced sliver rejected");
            false
        }
    }
}

/// The next blob ID in byte order, if any.
fn successor(blob_id: BlobId) -> Option<BlobId> {
    let mut bytes = blob_id.0;
    for byte in bytes.iter_mut().rev() {
        if *byte == u8::MAX {
            *byte = 0;
        } else {
            *byte += 1;
            return Some(BlobId(bytes));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_carries() {
        let mut bytes = [0; 32];
        bytes[31] = 0xff;
        bytes[30] = 0x01;
        let mut expected = [0; 32];
        expected[30] = 0x02;
        assert_eq!(successor(BlobId(bytes)), Some(BlobId(expected)));
        assert_eq!(successor(BlobId([0xff; 32])), None);
    }
}
