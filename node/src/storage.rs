//! The node's persistent state: metadata, slivers (one keyspace per shard and axis, so a shard
//! can be received or dropped whole), per-blob chain info and the event cursor.
//!
//! [`NodeStore`] is the small interface the rest of the node uses; [`FjallStore`] implements it
//! over fjall. Writes that belong together (blob-info updates and the event cursor) go into one
//! atomic batch; every write is synced before it returns, so a node killed at any point
//! restarts with everything it acknowledged.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    sync::RwLock,
};

use serde::{Deserialize, Serialize};
use walrus_core::{BlobId, Epoch, ObjectId, ShardIndex, encoding::Axis, metadata::BlobMetadata};

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The disk is full; nothing was written.
    #[error("the disk is full")]
    Full,
    /// The storage engine failed.
    #[error("storage engine: {0}")]
    Engine(String),
    /// Stored bytes do not decode.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// The shard is not stored on this node.
    #[error("shard {0} is not stored on this node")]
    NoSuchShard(ShardIndex),
}

fn engine(error: fjall::Error) -> StoreError {
    let io = match &error {
        fjall::Error::Io(io) => Some(io),
        fjall::Error::Storage(fjall::LsmError::Io(io)) => Some(io),
        _ => None,
    };
    // No space: the device is full, the user's quota is used up, or a file may not grow
    // (RLIMIT_FSIZE / EFBIG). The uploader gets a clear "disk full" answer for all three.
    if io.is_some_and(|io| {
        matches!(
            io.kind(),
            std::io::ErrorKind::StorageFull
                | std::io::ErrorKind::QuotaExceeded
                | std::io::ErrorKind::FileTooLarge
        )
    }) {
        StoreError::Full
    } else {
        StoreError::Engine(error.to_string())
    }
}

/// The position of a Sui event: transaction digest and index in the transaction's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The transaction digest.
    pub tx_digest: [u8; 32],
    /// The index of the event in the transaction.
    pub event_seq: u64,
}

impl EventRef {
    /// The API form.
    pub fn to_event_id(self) -> walrus_node_api::EventId {
        walrus_node_api::EventId {
            tx_digest: sui_sdk_types::Digest::new(self.tx_digest),
            event_seq: self.event_seq,
        }
    }
}

/// One registered `Blob` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    /// The epoch at which the object's storage ends (exclusive).
    pub end_epoch: Epoch,
    /// Whether the object is deletable.
    pub deletable: bool,
    /// The `BlobRegistered` event.
    pub registered_event: EventRef,
    /// The latest `BlobCertified` event, once certified.
    pub certified_event: Option<EventRef>,
}

impl ObjectInfo {
    /// Whether the object is alive in `epoch`.
    pub fn is_alive(&self, epoch: Epoch) -> bool {
        self.end_epoch > epoch
    }

    /// Whether the object is certified.
    pub fn is_certified(&self) -> bool {
        self.certified_event.is_some()
    }
}

/// What the chain says about a blob ID, maintained from events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobInfo {
    /// The registered objects that are neither deleted nor known to be expired.
    pub objects: BTreeMap<ObjectId, ObjectInfo>,
    /// The `InvalidBlobID` event, if the blob was declared invalid.
    pub invalid: Option<EventRef>,
    /// The first epoch in which the blob was certified.
    pub initial_certified_epoch: Option<Epoch>,
}

impl BlobInfo {
    /// Whether the blob has an alive registration in `epoch` and is not invalid.
    pub fn is_registered(&self, epoch: Epoch) -> bool {
        self.invalid.is_none() && self.objects.values().any(|o| o.is_alive(epoch))
    }

    /// Whether the blob has an alive certified object in `epoch` and is not invalid.
    pub fn is_certified(&self, epoch: Epoch) -> bool {
        self.invalid.is_none()
            && self
                .objects
                .values()
                .any(|o| o.is_alive(epoch) && o.is_certified())
    }

    /// Whether the deletable object `object_id` is registered and alive in `epoch`.
    pub fn is_object_registered(&self, object_id: &ObjectId, epoch: Epoch) -> bool {
        self.invalid.is_none()
            && self
                .objects
                .get(object_id)
                .is_some_and(|o| o.deletable && o.is_alive(epoch))
    }

    /// Whether a permanent object is alive in `epoch`.
    pub fn has_permanent(&self, epoch: Epoch) -> bool {
        self.objects
            .values()
            .any(|o| !o.deletable && o.is_alive(epoch))
    }

    /// Drops objects that expired before `epoch`; returns whether any were dropped.
    pub fn prune_expired(&mut self, epoch: Epoch) -> bool {
        let before = self.objects.len();
        self.objects.retain(|_, o| o.is_alive(epoch));
        before != self.objects.len()
    }

    /// Whether the node should keep the blob's data in `epoch`.
    pub fn keeps_data(&self, epoch: Epoch) -> bool {
        self.is_registered(epoch)
    }

    /// The API status in `epoch`.
    pub fn status(&self, epoch: Epoch) -> walrus_node_api::BlobStatus {
        use walrus_node_api::{BlobStatus, DeletableCounts};
        if let Some(event) = self.invalid {
            return BlobStatus::Invalid {
                event: event.to_event_id(),
            };
        }
        let alive: Vec<&ObjectInfo> = self
            .objects
            .values()
            .filter(|o| o.is_alive(epoch))
            .collect();
        let deletable: Vec<&&ObjectInfo> = alive.iter().filter(|o| o.deletable).collect();
        let counts = DeletableCounts {
            count_deletable_total: u32::try_from(deletable.len()).unwrap_or(u32::MAX),
            count_deletable_certified: u32::try_from(
                deletable.iter().filter(|o| o.is_certified()).count(),
            )
            .unwrap_or(u32::MAX),
        };
        let permanent: Vec<&&ObjectInfo> = alive.iter().filter(|o| !o.deletable).collect();
        let certified = permanent
            .iter()
            .filter(|o| o.is_certified())
            .max_by_key(|o| o.end_epoch);
        let best = certified.or_else(|| permanent.iter().max_by_key(|o| o.end_epoch));
        match best {
            Some(object) => BlobStatus::Permanent {
                end_epoch: object.end_epoch,
                is_certified: object.is_certified(),
                status_event: object
                    .certified_event
                    .unwrap_or(object.registered_event)
                    .to_event_id(),
                deletable_counts: counts,
                initial_certified_epoch: self.initial_certified_epoch,
            },
            None if !deletable.is_empty() => BlobStatus::Deletable {
                initial_certified_epoch: self.initial_certified_epoch,
                deletable_counts: counts,
            },
            None => BlobStatus::Nonexistent,
        }
    }
}

/// The persistent state of a storage node.
pub trait NodeStore: Send + Sync + std::fmt::Debug + 'static {
    /// The stored metadata of a blob.
    fn metadata(&self, blob_id: &BlobId) -> Result<Option<BlobMetadata>, StoreError>;
    /// Stores verified metadata.
    fn put_metadata(&self, blob_id: &BlobId, metadata: &BlobMetadata) -> Result<(), StoreError>;
    /// The BCS bytes of a stored sliver.
    fn sliver(
        &self,
        shard: ShardIndex,
        axis: Axis,
        blob_id: &BlobId,
    ) -> Result<Option<Vec<u8>>, StoreError>;
    /// Whether a sliver is stored.
    fn has_sliver(
        &self,
        shard: ShardIndex,
        axis: Axis,
        blob_id: &BlobId,
    ) -> Result<bool, StoreError>;
    /// Stores the BCS bytes of a verified sliver; the shard must exist.
    fn put_sliver(
        &self,
        shard: ShardIndex,
        axis: Axis,
        blob_id: &BlobId,
        bytes: &[u8],
    ) -> Result<(), StoreError>;
    /// Up to `limit` slivers of a shard with blob IDs `>= start`, in blob-ID order.
    fn shard_slivers(
        &self,
        shard: ShardIndex,
        axis: Axis,
        start: &BlobId,
        limit: usize,
    ) -> Result<Vec<(BlobId, Vec<u8>)>, StoreError>;
    /// The chain info of a blob.
    fn blob_info(&self, blob_id: &BlobId) -> Result<Option<BlobInfo>, StoreError>;
    /// Every blob info (for background scans).
    fn blob_infos(&self) -> Result<Vec<(BlobId, BlobInfo)>, StoreError>;
    /// Atomically applies blob-info updates (`None` removes) and stores the event cursor.
    fn commit_events(
        &self,
        updates: &[(BlobId, Option<BlobInfo>)],
        next_checkpoint: u64,
    ) -> Result<(), StoreError>;
    /// The next checkpoint to process, if any was processed.
    fn next_checkpoint(&self) -> Result<Option<u64>, StoreError>;
    /// Deletes a blob's metadata and slivers on every stored shard.
    fn delete_blob_data(&self, blob_id: &BlobId) -> Result<(), StoreError>;
    /// The shards stored on this node.
    fn shards(&self) -> BTreeSet<ShardIndex>;
    /// Creates the keyspaces of a shard (no-op if it exists).
    fn create_shard(&self, shard: ShardIndex) -> Result<(), StoreError>;
    /// Drops a shard with all its slivers.
    fn drop_shard(&self, shard: ShardIndex) -> Result<(), StoreError>;
    /// Reads a node-state value.
    fn state(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Writes a node-state value.
    fn set_state(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    /// Bytes used on disk.
    fn disk_space(&self) -> u64;
}

const CURSOR_KEY: &str = "next_checkpoint";

#[derive(Clone)]
struct ShardKeyspaces {
    primary: fjall::Keyspace,
    secondary: fjall::Keyspace,
}

impl ShardKeyspaces {
    fn axis(&self, axis: Axis) -> &fjall::Keyspace {
        match axis {
            Axis::Primary => &self.primary,
            Axis::Secondary => &self.secondary,
        }
    }
}

/// [`NodeStore`] over fjall: keyspaces `metadata`, `blob_info`, `state`, and
/// `shard-<i>-primary` / `shard-<i>-secondary` per stored shard (slivers with KV separation).
pub struct FjallStore {
    db: fjall::Database,
    metadata: fjall::Keyspace,
    blob_info: fjall::Keyspace,
    state: fjall::Keyspace,
    shards: RwLock<BTreeMap<ShardIndex, ShardKeyspaces>>,
    durability: Option<fjall::PersistMode>,
}

impl std::fmt::Debug for FjallStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FjallStore")
            .field("shards", &self.shards())
            .finish_non_exhaustive()
    }
}

fn shard_keyspace_name(shard: ShardIndex, axis: Axis) -> String {
    format!("shard-{}-{axis}", shard.get())
}

fn parse_shard_keyspace_name(name: &str) -> Option<ShardIndex> {
    let rest = name.strip_prefix("shard-")?;
    let (index, _) = rest.split_once('-')?;
    index.parse().ok().map(ShardIndex)
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, StoreError> {
    bcs::from_bytes(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    bcs::to_bytes(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl FjallStore {
    /// Opens (or creates) the store in `path`. With `sync_writes`, every write is synced to
    /// disk before it returns.
    pub fn open(path: &Path, sync_writes: bool) -> Result<Self, StoreError> {
        let db = fjall::Database::builder(path).open().map_err(engine)?;
        let keyspace = |name: &str| {
            db.keyspace(name, fjall::KeyspaceCreateOptions::default)
                .map_err(engine)
        };
        let metadata = keyspace("metadata")?;
        let blob_info = keyspace("blob_info")?;
        let state = keyspace("state")?;
        let store = Self {
            metadata,
            blob_info,
            state,
            shards: RwLock::new(BTreeMap::new()),
            durability: sync_writes.then_some(fjall::PersistMode::SyncData),
            db,
        };
        let existing: BTreeSet<ShardIndex> = store
            .db
            .list_keyspace_names()
            .iter()
            .filter_map(|name| parse_shard_keyspace_name(name))
            .collect();
        for shard in existing {
            store.create_shard(shard)?;
        }
        Ok(store)
    }

    fn shard(&self, shard: ShardIndex) -> Result<ShardKeyspaces, StoreError> {
        self.shards
            .read()
            .map_err(|_| StoreError::Engine("shard map lock poisoned".into()))?
            .get(&shard)
            .cloned()
            .ok_or(StoreError::NoSuchShard(shard))
    }

    fn batch(&self) -> fjall::OwnedWriteBatch {
        self.db.batch().durability(self.durability)
    }
}

impl NodeStore for FjallStore {
    fn metadata(&self, blob_id: &BlobId) -> Result<Option<BlobMetadata>, StoreError> {
        self.metadata
            .get(blob_id.as_bytes())
            .map_err(engine)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    fn put_metadata(&self, blob_id: &BlobId, metadata: &BlobMetadata) -> Result<(), StoreError> {
        let mut batch = self.batch();
        batch.insert(
            &self.metadata,
            blob_id.as_bytes().to_vec(),
            encode(metadata)?,
        );
        batch.commit().map_err(engine)
    }

    fn sliver(
        &self,
        shard: ShardIndex,
        axis: Axis,
        blob_id: &BlobId,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let Ok(keyspaces) = self.shard(shard) else {
            return Ok(None);
        };
        Ok(keyspaces
            .axis(axis)
            .get(blob_id.as_bytes())
            .map_err(engine)?
            .map(|v| v.to_vec()))
    }

    fn has_sliver(
        &self,
        shard: ShardIndex,
        axis: Axis,
        blob_id: &BlobId,
    ) -> Result<bool, StoreError> {
        let Ok(keyspaces) = self.shard(shard) else {
            return Ok(false);
        };
        keyspaces
            .axis(axis)
            .contains_key(blob_id.as_bytes())
            .map_err(engine)
    }

    fn put_sliver(
        &self,
        shard: ShardIndex,
        axis: Axis,
        blob_id: &BlobId,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        let keyspaces = self.shard(shard)?;
        let mut batch = self.batch();
        batch.insert(
            keyspaces.axis(axis),
            blob_id.as_bytes().to_vec(),
            bytes.to_vec(),
        );
        batch.commit().map_err(engine)
    }

    fn shard_slivers(
        &self,
        shard: ShardIndex,
        axis: Axis,
        start: &BlobId,
        limit: usize,
    ) -> Result<Vec<(BlobId, Vec<u8>)>, StoreError> {
        let keyspaces = self.shard(shard)?;
        let mut out = Vec::new();
        for guard in keyspaces
            .axis(axis)
            .range(start.as_bytes().to_vec()..)
            .take(limit)
        {
            let (key, value) = guard.into_inner().map_err(engine)?;
            let blob_id = BlobId::try_from(key.as_ref())
                .map_err(|e| StoreError::Corrupt(format!("sliver key: {e}")))?;
            out.push((blob_id, value.to_vec()));
        }
        Ok(out)
    }

    fn blob_info(&self, blob_id: &BlobId) -> Result<Option<BlobInfo>, StoreError> {
        self.blob_info
            .get(blob_id.as_bytes())
            .map_err(engine)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    fn blob_infos(&self) -> Result<Vec<(BlobId, BlobInfo)>, StoreError> {
        let mut out = Vec::new();
        for guard in self.blob_info.iter() {
            let (key, value) = guard.into_inner().map_err(engine)?;
            let blob_id = BlobId::try_from(key.as_ref())
                .map_err(|e| StoreError::Corrupt(format!("blob info key: {e}")))?;
            out.push((blob_id, decode(&value)?));
        }
        Ok(out)
    }

    fn commit_events(
        &self,
        updates: &[(BlobId, Option<BlobInfo>)],
        next_checkpoint: u64,
    ) -> Result<(), StoreError> {
        let mut batch = self.batch();
        for (blob_id, info) in updates {
            match info {
                Some(info) => {
                    batch.insert(&self.blob_info, blob_id.as_bytes().to_vec(), encode(info)?);
                }
                None => batch.remove(&self.blob_info, blob_id.as_bytes().to_vec()),
            }
        }
        batch.insert(
            &self.state,
            CURSOR_KEY,
            next_checkpoint.to_be_bytes().to_vec(),
        );
        batch.commit().map_err(engine)
    }

    fn next_checkpoint(&self) -> Result<Option<u64>, StoreError> {
        match self.state.get(CURSOR_KEY).map_err(engine)? {
            None => Ok(None),
            Some(bytes) => {
                let bytes: [u8; 8] = bytes
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("event cursor".into()))?;
                Ok(Some(u64::from_be_bytes(bytes)))
            }
        }
    }

    fn delete_blob_data(&self, blob_id: &BlobId) -> Result<(), StoreError> {
        let shards: Vec<ShardKeyspaces> = self
            .shards
            .read()
            .map_err(|_| StoreError::Engine("shard map lock poisoned".into()))?
            .values()
            .cloned()
            .collect();
        let mut batch = self.batch();
        batch.remove(&self.metadata, blob_id.as_bytes().to_vec());
        for keyspaces in &shards {
            batch.remove(&keyspaces.primary, blob_id.as_bytes().to_vec());
            batch.remove(&keyspaces.secondary, blob_id.as_bytes().to_vec());
        }
        batch.commit().map_err(engine)
    }

    fn shards(&self) -> BTreeSet<ShardIndex> {
        self.shards
            .read()
            .map(|shards| shards.keys().copied().collect())
            .unwrap_or_default()
    }

    fn create_shard(&self, shard: ShardIndex) -> Result<(), StoreError> {
        let mut shards = self
            .shards
            .write()
            .map_err(|_| StoreError::Engine("shard map lock poisoned".into()))?;
        if shards.contains_key(&shard) {
            return Ok(());
        }
        let open = |axis| {
            self.db
                .keyspace(&shard_keyspace_name(shard, axis), || {
                    fjall::KeyspaceCreateOptions::default()
                        .with_kv_separation(Some(fjall::KvSeparationOptions::default()))
                })
                .map_err(engine)
        };
        let keyspaces = ShardKeyspaces {
            primary: open(Axis::Primary)?,
            secondary: open(Axis::Secondary)?,
        };
        shards.insert(shard, keyspaces);
        Ok(())
    }

    fn drop_shard(&self, shard: ShardIndex) -> Result<(), StoreError> {
        let removed = self
            .shards
            .write()
            .map_err(|_| StoreError::Engine("shard map lock poisoned".into()))?
            .remove(&shard);
        if let Some(keyspaces) = removed {
            self.db.delete_keyspace(keyspaces.primary).map_err(engine)?;
            self.db
                .delete_keyspace(keyspaces.secondary)
                .map_err(engine)?;
        }
        Ok(())
    }

    fn state(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.state.get(key).map_err(engine)?.map(|v| v.to_vec()))
    }

    fn set_state(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        let mut batch = self.batch();
        batch.insert(&self.state, key.to_owned(), value.to_vec());
        batch.commit().map_err(engine)
    }

    fn disk_space(&self) -> u64 {
        self.db.disk_space().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64) -> EventRef {
        EventRef {
            tx_digest: [1; 32],
            event_seq: seq,
        }
    }

    fn object(end_epoch: Epoch, deletable: bool, certified: bool) -> ObjectInfo {
        ObjectInfo {
            end_epoch,
            deletable,
            registered_event: event(0),
            certified_event: certified.then(|| event(1)),
        }
    }

    #[test]
    fn slivers_per_shard_survive_reopen_and_drop_with_the_shard() {
        let dir = tempfile::tempdir().expect("tempdir");
        let blob = BlobId([3; 32]);
        {
            let store = FjallStore::open(dir.path(), true).expect("opens");
            assert!(matches!(
                store.put_sliver(ShardIndex(1), Axis::Primary, &blob, b"x"),
                Err(StoreError::NoSuchShard(_))
            ));
            store.create_shard(ShardIndex(1)).expect("creates");
            store.create_shard(ShardIndex(7)).expect("creates");
            store
                .put_sliver(ShardIndex(1), Axis::Primary, &blob, b"primary")
                .expect("stores");
            store
                .put_sliver(ShardIndex(7), Axis::Secondary, &blob, b"secondary")
                .expect("stores");
            store
                .commit_events(&[(blob, Some(BlobInfo::default()))], 42)
                .expect("commits");
        }
        let store = FjallStore::open(dir.path(), true).expect("reopens");
        assert_eq!(
            store.shards(),
            BTreeSet::from([ShardIndex(1), ShardIndex(7)])
        );
        assert_eq!(
            store
                .sliver(ShardIndex(1), Axis::Primary, &blob)
                .expect("reads"),
            Some(b"primary".to_vec())
        );
        assert!(
            !store
                .has_sliver(ShardIndex(1), Axis::Secondary, &blob)
                .expect("reads")
        );
        assert_eq!(store.next_checkpoint().expect("reads"), Some(42));
        assert_eq!(
            store.blob_info(&blob).expect("reads"),
            Some(BlobInfo::default())
        );
        store.drop_shard(ShardIndex(7)).expect("drops");
        assert_eq!(store.shards(), BTreeSet::from([ShardIndex(1)]));
        assert_eq!(
            store
                .sliver(ShardIndex(7), Axis::Secondary, &blob)
                .expect("reads"),
            None
        );
        store.delete_blob_data(&blob).expect("deletes");
        assert_eq!(
            store
                .sliver(ShardIndex(1), Axis::Primary, &blob)
                .expect("reads"),
            None
        );
    }

    #[test]
    fn shard_slivers_page_in_blob_id_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FjallStore::open(dir.path(), false).expect("opens");
        store.create_shard(ShardIndex(0)).expect("creates");
        for i in [5u8, 1, 9, 3] {
            store
                .put_sliver(ShardIndex(0), Axis::Primary, &BlobId([i; 32]), &[i])
                .expect("stores");
        }
        let page = store
            .shard_slivers(ShardIndex(0), Axis::Primary, &BlobId([2; 32]), 2)
            .expect("reads");
        assert_eq!(
            page,
            vec![(BlobId([3; 32]), vec![3]), (BlobId([5; 32]), vec![5])]
        );
    }

    #[test]
    fn blob_info_status() {
        use walrus_node_api::BlobStatus;
        let mut info = BlobInfo::default();
        assert_eq!(info.status(0), BlobStatus::Nonexistent);
        info.objects
            .insert(ObjectId([1; 32]), object(5, true, false));
        assert!(matches!(info.status(0), BlobStatus::Deletable { .. }));
        assert!(info.is_registered(4));
        assert!(!info.is_registered(5));
        assert!(info.is_object_registered(&ObjectId([1; 32]), 0));
        assert!(!info.is_object_registered(&ObjectId([2; 32]), 0));
        info.objects
            .insert(ObjectId([2; 32]), object(3, false, true));
        info.objects
            .insert(ObjectId([3; 32]), object(9, false, false));
        match info.status(0) {
            BlobStatus::Permanent {
                end_epoch,
                is_certified,
                deletable_counts,
                ..
            } => {
                assert_eq!((end_epoch, is_certified), (3, true));
                assert_eq!(deletable_counts.count_deletable_total, 1);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(info.is_certified(2));
        assert!(!info.is_certified(3));
        assert!(info.prune_expired(6));
        assert_eq!(info.objects.len(), 1);
        info.invalid = Some(event(4));
        assert!(matches!(info.status(0), BlobStatus::Invalid { .. }));
        assert!(!info.is_registered(0));
    }
}
