//! The node's view of the chain: follows checkpoints from the persisted cursor and keeps the
//! per-blob info up to date from `BlobRegistered`, `BlobCertified`, `BlobDeleted` and
//! `InvalidBlobID` events, committing each checkpoint's updates together with the cursor.
//! It also reads the committee (at start and on `EpochChangeStart`).
//!
//! This module is the seam where the embedded indexer can replace the direct follower: the
//! rest of the node only needs [`process_checkpoint`]'s effects and [`fetch_committee`].

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use tokio_util::sync::CancellationToken;
use walrus_core::{BlobId, BlsPublicKey, Epoch, ShardIndex};
use walrus_node_api::NodeClient;
use walrus_sui::{
    client::{ChainError, CheckpointCursor, CheckpointEvents, WalrusSuiClient},
    events::ContractEvent,
};

use crate::{
    committee::{Committee, Member, base_url},
    node::NodeInner,
    storage::{BlobInfo, EventRef, NodeStore, ObjectInfo, StoreError},
};

/// What processing one checkpoint requires the node to do next.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Effects {
    /// Blobs registered in this checkpoint (flush pending uploads).
    pub registered: Vec<BlobId>,
    /// Blobs certified in this checkpoint (recover missing slivers).
    pub certified: Vec<BlobId>,
    /// Blobs whose data must be deleted (deleted, expired or invalid).
    pub deleted: Vec<BlobId>,
    /// The epoch started by an `EpochChangeStart` event, if any.
    pub epoch_started: Option<Epoch>,
    /// The epoch of an `EpochChangeDone` event, if any.
    pub epoch_done: Option<Epoch>,
    /// The number of Walrus events in the checkpoint.
    pub n_events: u64,
}

/// Applies one checkpoint's events to the blob infos in `store` and commits them with the
/// cursor. Data of blobs that no longer need it is deleted before the commit, so a crash in
/// between only repeats the deletion.
pub fn process_checkpoint(
    store: &dyn NodeStore,
    checkpoint: &CheckpointEvents,
    current_epoch: Epoch,
) -> Result<Effects, StoreError> {
    let mut effects = Effects::default();
    let mut working: BTreeMap<BlobId, BlobInfo> = BTreeMap::new();
    let mut epoch = current_epoch;
    fn entry<'a>(
        store: &dyn NodeStore,
        working: &'a mut BTreeMap<BlobId, BlobInfo>,
        blob_id: BlobId,
    ) -> Result<&'a mut BlobInfo, StoreError> {
        match working.entry(blob_id) {
            std::collections::btree_map::Entry::Occupied(entry) => Ok(entry.into_mut()),
            std::collections::btree_map::Entry::Vacant(entry) => {
                Ok(entry.insert(store.blob_info(&blob_id)?.unwrap_or_default()))
            }
        }
    }
    for envelope in &checkpoint.events {
        let Some(event) = &envelope.event else {
            continue;
        };
        effects.n_events += 1;
        let event_ref = EventRef {
            tx_digest: envelope.tx_digest.into_inner(),
            event_seq: u64::from(envelope.event_index),
        };
        match event {
            ContractEvent::BlobRegistered(e) => {
                let info = entry(store, &mut working, e.blob_id)?;
                info.objects.insert(
                    e.object_id,
                    ObjectInfo {
                        end_epoch: e.end_epoch,
                        deletable: e.deletable,
                        registered_event: event_ref,
                        certified_event: None,
                    },
                );
                effects.registered.push(e.blob_id);
            }
            ContractEvent::BlobCertified(e) => {
                let info = entry(store, &mut working, e.blob_id)?;
                let object = info.objects.entry(e.object_id).or_insert(ObjectInfo {
                    end_epoch: e.end_epoch,
                    deletable: e.deletable,
                    registered_event: event_ref,
                    certified_event: None,
                });
                object.end_epoch = e.end_epoch;
                object.certified_event = Some(event_ref);
                if info.initial_certified_epoch.is_none() {
                    info.initial_certified_epoch = Some(e.epoch);
                }
                effects.certified.push(e.blob_id);
            }
            ContractEvent::BlobDeleted(e) => {
                let info = entry(store, &mut working, e.blob_id)?;
                info.objects.remove(&e.object_id);
            }
            ContractEvent::InvalidBlobID(e) => {
                let info = entry(store, &mut working, e.blob_id)?;
                if info.invalid.is_none() {
                    info.invalid = Some(event_ref);
                }
            }
            ContractEvent::EpochChangeStart(e) => {
                epoch = epoch.max(e.epoch);
                effects.epoch_started = Some(e.epoch);
            }
            ContractEvent::EpochChangeDone(e) => {
                effects.epoch_done = Some(e.epoch);
            }
            _ => {}
        }
    }
    if effects.epoch_started.is_some() {
        // Expire registrations that ended with the previous epoch.
        for (blob_id, info) in store.blob_infos()? {
            working.entry(blob_id).or_insert(info);
        }
        for info in working.values_mut() {
            info.prune_expired(epoch);
        }
    }
    let mut updates = Vec::with_capacity(working.len());
    for (blob_id, info) in working {
        if !info.keeps_data(epoch) {
            store.delete_blob_data(&blob_id)?;
            effects.deleted.push(blob_id);
        }
        let keep = !info.objects.is_empty() || info.invalid.is_some();
        updates.push((blob_id, keep.then_some(info)));
    }
    store.commit_events(&updates, checkpoint.sequence_number.saturating_add(1))?;
    Ok(effects)
}

/// Reads the current committee with every member's REST endpoint.
pub async fn fetch_committee(
    sui: &WalrusSuiClient,
    http: &reqwest::Client,
    peers_use_tls: bool,
) -> Result<Committee, ChainError> {
    let info = sui.committee().await?;
    let mut members = Vec::with_capacity(info.members.len());
    for (index, member) in info.members.iter().enumerate() {
        let public_key = BlsPublicKey::from_bytes(&member.public_key.bytes)
            .map_err(|e| ChainError::Malformed(format!("committee member key: {e}")))?;
        let client = match sui.staking_pool(member.node_id).await {
            Ok(pool) => {
                let url = base_url(&pool.node_info.network_address, peers_use_tls);
                NodeClient::for_member(
                    http,
                    &url,
                    &pool.node_info.network_public_key,
                    PEER_CONNECT_TIMEOUT,
                    PEER_TIMEOUT,
                )
                .map_err(|error| {
                    tracing::warn!(node_id = %member.node_id, %error, "unusable peer");
                })
                .ok()
            }
            Err(error) => {
                tracing::warn!(node_id = %member.node_id, %error, "cannot read staking pool");
                None
            }
        };
        members.push(Member {
            node_id: member.node_id,
            public_key,
            shards: member.shards.iter().copied().map(ShardIndex).collect(),
            index: u16::try_from(index).unwrap_or(u16::MAX),
            client,
        });
    }
    Ok(Committee::new(info.epoch, info.n_shards, members))
}

/// How long a peer request may take (sync-shard pages and recovery symbols included).
const PEER_TIMEOUT: Duration = Duration::from_secs(60);
/// How long connecting to a peer may take.
const PEER_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Follows the chain until cancelled, applying each checkpoint and acting on its effects.
pub async fn run(node: Arc<NodeInner>, cancel: CancellationToken) {
    let cursor = |node: &NodeInner| CheckpointCursor {
        next_checkpoint: node.store.next_checkpoint().ok().flatten().unwrap_or(0),
    };
    let mut follower = node.sui.follow_checkpoints(cursor(&node));
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => return,
            next = follower.next() => next,
        };
        let checkpoint = match next {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                tracing::warn!(%error, "chain follower error, retrying");
                if sleep_or_cancel(&cancel, Duration::from_secs(1)).await {
                    return;
                }
                follower = node.sui.follow_checkpoints(cursor(&node));
                continue;
            }
        };
        let store = Arc::clone(&node.store);
        let epoch = node.epoch();
        let processed = tokio::task::spawn_blocking(move || {
            process_checkpoint(store.as_ref(), &checkpoint, epoch).map(|e| (e, checkpoint))
        })
        .await;
        let (effects, checkpoint) = match processed {
            Ok(Ok(done)) => done,
            Ok(Err(error)) => {
                tracing::error!(%error, "cannot apply checkpoint, retrying");
                if sleep_or_cancel(&cancel, Duration::from_secs(1)).await {
                    return;
                }
                follower = node.sui.follow_checkpoints(cursor(&node));
                continue;
            }
            Err(join_error) => {
                tracing::error!(%join_error, "checkpoint task failed");
                return;
            }
        };
        if let Some(epoch) = effects.epoch_started {
            crate::epoch::on_epoch_change_start(&node, epoch, &cancel).await;
        }
        for blob_id in &effects.registered {
            crate::recovery::flush_pending(&node, blob_id);
        }
        for blob_id in &effects.certified {
            node.queue_recovery(*blob_id);
        }
        if let Some(epoch) = effects.epoch_done {
            crate::epoch::on_epoch_change_done(&node, epoch);
        }
        node.checkpoint_processed(
            checkpoint.sequence_number.saturating_add(1),
            effects.n_events,
        );
    }
}

/// Sleeps; returns `true` if cancelled meanwhile.
pub async fn sleep_or_cancel(cancel: &CancellationToken, duration: Duration) -> bool {
    tokio::select! {
        () = cancel.cancelled() => true,
        () = tokio::time::sleep(duration) => false,
    }
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::{Address, Digest, StructTag};
    use walrus_core::ObjectId;
    use walrus_sui::{
        client::EventEnvelope,
        events::{BlobCertified, BlobDeleted, BlobRegistered, EpochChangeStart, InvalidBlobID},
    };

    use super::*;
    use crate::storage::FjallStore;

    fn envelope(event: ContractEvent, index: u32) -> EventEnvelope {
        EventEnvelope {
            checkpoint: Some(1),
            tx_digest: Digest::new([u8::try_from(index).expect("small index"); 32]),
            event_index: index,
            package_id: None,
            module: "system".into(),
            sender: None,
            type_: StructTag::new(
                Address::new([0; 32]),
                "events".parse().expect("identifier"),
                "X".parse().expect("identifier"),
                vec![],
            ),
            contents: vec![],
            event: Some(event),
        }
    }

    fn checkpoint(sequence_number: u64, events: Vec<ContractEvent>) -> CheckpointEvents {
        CheckpointEvents {
            sequence_number,
            timestamp_ms: None,
            events: events
                .into_iter()
                .enumerate()
                .map(|(i, e)| envelope(e, u32::try_from(i).expect("small")))
                .collect(),
        }
    }

    fn registered(blob: u8, object: u8, end_epoch: Epoch, deletable: bool) -> ContractEvent {
        ContractEvent::BlobRegistered(BlobRegistered {
            epoch: 1,
            blob_id: BlobId([blob; 32]),
            size: 10,
            encoding_type: 1,
            end_epoch,
            deletable,
            object_id: ObjectId([object; 32]),
        })
    }

    #[test]
    fn lifecycle_of_blob_infos() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path(), false).expect("opens");
        store.create_shard(ShardIndex(0)).expect("shard");
        let blob = BlobId([1; 32]);
        store
            .put_sliver(
                ShardIndex(0),
                walrus_core::encoding::Axis::Primary,
                &blob,
                b"s",
            )
            .expect("stores");

        let effects = process_checkpoint(
            &store,
            &checkpoint(
                5,
                vec![registered(1, 10, 3, true), registered(2, 20, 2, false)],
            ),
            1,
        )
        .expect("applies");
        assert_eq!(effects.registered, vec![blob, BlobId([2; 32])]);
        assert_eq!(store.next_checkpoint().expect("cursor"), Some(6));
        assert!(
            store
                .blob_info(&blob)
                .expect("reads")
                .expect("exists")
                .is_registered(1)
        );

        let certified = ContractEvent::BlobCertified(BlobCertified {
            epoch: 1,
            blob_id: blob,
            end_epoch: 3,
            deletable: true,
            object_id: ObjectId([10; 32]),
            is_extension: false,
        });
        let effects = process_checkpoint(&store, &checkpoint(6, vec![certified]), 1).expect("ok");
        assert_eq!(effects.certified, vec![blob]);
        let info = store.blob_info(&blob).expect("reads").expect("exists");
        assert!(info.is_certified(1));
        assert_eq!(info.initial_certified_epoch, Some(1));

        // Epoch 2 expires blob 2 (end epoch 2); blob 1 survives.
        let effects = process_checkpoint(
            &store,
            &checkpoint(
                7,
                vec![ContractEvent::EpochChangeStart(EpochChangeStart {
                    epoch: 2,
                })],
            ),
            1,
        )
        .expect("ok");
        assert_eq!(effects.epoch_started, Some(2));
        assert_eq!(effects.deleted, vec![BlobId([2; 32])]);
        assert_eq!(store.blob_info(&BlobId([2; 32])).expect("reads"), None);
        assert!(store.blob_info(&blob).expect("reads").is_some());

        // Deleting the only object deletes the data.
        let deleted = ContractEvent::BlobDeleted(BlobDeleted {
            epoch: 2,
            blob_id: blob,
            end_epoch: 3,
            object_id: ObjectId([10; 32]),
            was_certified: true,
        });
        let effects = process_checkpoint(&store, &checkpoint(8, vec![deleted]), 2).expect("ok");
        assert_eq!(effects.deleted, vec![blob]);
        assert_eq!(store.blob_info(&blob).expect("reads"), None);
        assert_eq!(
            store
                .sliver(ShardIndex(0), walrus_core::encoding::Axis::Primary, &blob)
                .expect("reads"),
            None
        );
        assert_eq!(store.next_checkpoint().expect("cursor"), Some(9));
    }

    #[test]
    fn invalid_blobs_keep_their_info_but_lose_their_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path(), false).expect("opens");
        let blob = BlobId([3; 32]);
        let invalid = ContractEvent::InvalidBlobID(InvalidBlobID {
            epoch: 1,
            blob_id: blob,
        });
        let effects = process_checkpoint(
            &store,
            &checkpoint(0, vec![registered(3, 1, 9, false), invalid]),
            1,
        )
        .expect("ok");
        assert_eq!(effects.deleted, vec![blob]);
        let info = store.blob_info(&blob).expect("reads").expect("kept");
        assert!(info.invalid.is_some());
        assert!(matches!(
            info.status(1),
            walrus_node_api::BlobStatus::Invalid { .. }
        ));
    }
}
