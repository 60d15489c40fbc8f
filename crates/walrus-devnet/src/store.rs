//! Persistence behind a small [`Store`] trait: every object version, transactions with their
//! effects and events, and checkpoints. [`FjallStore`] keeps them in fjall keyspaces and commits
//! each checkpoint atomically; [`MemStore`] is an in-memory store for tests.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sui_sdk_types::{
    Address, CheckpointContents, CheckpointSummary, Digest, Object, Transaction,
    TransactionEffects, TransactionEvents, UserSignature,
};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine failed.
    #[error("storage engine: {0}")]
    Engine(String),
    /// A stored record does not decode.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

/// An executed transaction as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxRecord {
    /// The transaction.
    pub transaction: Transaction,
    /// Its signatures.
    pub signatures: Vec<UserSignature>,
    /// The effects.
    pub effects: TransactionEffects,
    /// The events, if any.
    pub events: Option<TransactionEvents>,
    /// The checkpoint that contains it.
    pub checkpoint: u64,
    /// Its position in the checkpoint.
    pub index: u64,
    /// The checkpoint timestamp.
    pub timestamp_ms: u64,
    /// Input object versions (as read).
    pub input_objects: Vec<Object>,
    /// Output object versions (as written).
    pub output_objects: Vec<Object>,
}

/// A sealed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointRecord {
    /// The summary.
    pub summary: CheckpointSummary,
    /// The contents.
    pub contents: CheckpointContents,
    /// The transaction digests in order.
    pub transactions: Vec<Digest>,
}

/// Everything one checkpoint changes, committed atomically.
#[derive(Debug, Clone, Default)]
pub struct CommitBatch {
    /// New object versions.
    pub objects: Vec<Object>,
    /// Objects no longer live (deleted or wrapped).
    pub removed: Vec<Address>,
    /// The checkpoint's transactions.
    pub transactions: Vec<(Digest, TxRecord)>,
    /// The checkpoint.
    pub checkpoint: Option<CheckpointRecord>,
    /// Metadata entries.
    pub meta: Vec<(String, Vec<u8>)>,
}

/// The devnet's persistent state.
pub trait Store: Send + Sync {
    /// All live objects at their latest version.
    fn live_objects(&self) -> Result<Vec<Object>, StoreError>;
    /// One version of an object.
    fn object_version(&self, id: &Address, version: u64) -> Result<Option<Object>, StoreError>;
    /// A transaction by digest.
    fn transaction(&self, digest: &Digest) -> Result<Option<TxRecord>, StoreError>;
    /// A checkpoint by sequence number.
    fn checkpoint(&self, sequence: u64) -> Result<Option<CheckpointRecord>, StoreError>;
    /// The sequence number of a checkpoint digest.
    fn checkpoint_sequence(&self, digest: &Digest) -> Result<Option<u64>, StoreError>;
    /// The latest checkpoint sequence number.
    fn latest_checkpoint(&self) -> Result<Option<u64>, StoreError>;
    /// A metadata entry.
    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Commits a batch atomically and durably.
    fn commit(&self, batch: CommitBatch) -> Result<(), StoreError>;
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    bcs::to_bytes(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, StoreError> {
    bcs::from_bytes(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn object_key(id: &Address, version: u64) -> Vec<u8> {
    let mut key = id.into_inner().to_vec();
    key.extend(version.to_be_bytes());
    key
}

fn engine(e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(e.to_string())
}

/// The fjall-backed store.
pub struct FjallStore {
    db: fjall::Database,
    objects: fjall::Keyspace,
    live: fjall::Keyspace,
    transactions: fjall::Keyspace,
    checkpoints: fjall::Keyspace,
    checkpoint_digests: fjall::Keyspace,
    meta: fjall::Keyspace,
}

impl std::fmt::Debug for FjallStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FjallStore").finish_non_exhaustive()
    }
}

impl FjallStore {
    /// Opens (or creates) the database in `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = fjall::Database::builder(path).open().map_err(engine)?;
        let ks = |name: &str| {
            db.keyspace(name, fjall::KeyspaceCreateOptions::default)
                .map_err(engine)
        };
        Ok(Self {
            objects: ks("objects")?,
            live: ks("live")?,
            transactions: ks("transactions")?,
            checkpoints: ks("checkpoints")?,
            checkpoint_digests: ks("checkpoint_digests")?,
            meta: ks("meta")?,
            db,
        })
    }
}

impl Store for FjallStore {
    fn live_objects(&self) -> Result<Vec<Object>, StoreError> {
        let mut out = Vec::new();
        for guard in self.live.iter() {
            let (key, value) = guard.into_inner().map_err(engine)?;
            let version = u64::from_be_bytes(
                value
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("live version".into()))?,
            );
            let id = Address::from_bytes(key.as_ref())
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let object = self
                .object_version(&id, version)?
                .ok_or_else(|| StoreError::Corrupt(format!("missing object {id} v{version}")))?;
            out.push(object);
        }
        Ok(out)
    }

    fn object_version(&self, id: &Address, version: u64) -> Result<Option<Object>, StoreError> {
        self.objects
            .get(object_key(id, version))
            .map_err(engine)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    fn transaction(&self, digest: &Digest) -> Result<Option<TxRecord>, StoreError> {
        self.transactions
            .get(digest.inner())
            .map_err(engine)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    fn checkpoint(&self, sequence: u64) -> Result<Option<CheckpointRecord>, StoreError> {
        self.checkpoints
            .get(sequence.to_be_bytes())
            .map_err(engine)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    fn checkpoint_sequence(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        self.checkpoint_digests
            .get(digest.inner())
            .map_err(engine)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    fn latest_checkpoint(&self) -> Result<Option<u64>, StoreError> {
        match self.checkpoints.last_key_value() {
            None => Ok(None),
            Some(guard) => {
                let key = guard.key().map_err(engine)?;
                let bytes: [u8; 8] = key
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("checkpoint key".into()))?;
                Ok(Some(u64::from_be_bytes(bytes)))
            }
        }
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.meta.get(key).map_err(engine)?.map(|v| v.to_vec()))
    }

    fn commit(&self, batch: CommitBatch) -> Result<(), StoreError> {
        let mut wb = self
            .db
            .batch()
            .durability(Some(fjall::PersistMode::SyncData));
        for object in &batch.objects {
            let id = object.object_id();
            wb.insert(
                &self.objects,
                object_key(&id, object.version()),
                encode(object)?,
            );
            wb.insert(
                &self.live,
                id.into_inner().to_vec(),
                object.version().to_be_bytes().to_vec(),
            );
        }
        for id in &batch.removed {
            wb.remove(&self.live, id.into_inner().to_vec());
        }
        for (digest, record) in &batch.transactions {
            wb.insert(&self.transactions, digest.inner().to_vec(), encode(record)?);
        }
        if let Some(checkpoint) = &batch.checkpoint {
            let seq = checkpoint.summary.sequence_number;
            wb.insert(
                &self.checkpoints,
                seq.to_be_bytes().to_vec(),
                encode(checkpoint)?,
            );
            wb.insert(
                &self.checkpoint_digests,
                checkpoint.summary.digest().inner().to_vec(),
                encode(&seq)?,
            );
        }
        for (key, value) in &batch.meta {
            wb.insert(&self.meta, key.as_bytes().to_vec(), value.clone());
        }
        wb.commit().map_err(engine)
    }
}

/// An in-memory store (tests, ephemeral devnets).
#[derive(Debug, Default)]
pub struct MemStore {
    inner: Mutex<MemInner>,
}

#[derive(Debug, Default)]
struct MemInner {
    objects: BTreeMap<(Address, u64), Object>,
    live: BTreeMap<Address, u64>,
    transactions: BTreeMap<Digest, TxRecord>,
    checkpoints: BTreeMap<u64, CheckpointRecord>,
    checkpoint_digests: BTreeMap<Digest, u64>,
    meta: BTreeMap<String, Vec<u8>>,
}

impl MemStore {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, MemInner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Engine("poisoned".into()))
    }
}

impl Store for MemStore {
    fn live_objects(&self) -> Result<Vec<Object>, StoreError> {
        let inner = self.lock()?;
        Ok(inner
            .live
            .iter()
            .filter_map(|(id, v)| inner.objects.get(&(*id, *v)).cloned())
            .collect())
    }

    fn object_version(&self, id: &Address, version: u64) -> Result<Option<Object>, StoreError> {
        Ok(self.lock()?.objects.get(&(*id, version)).cloned())
    }

    fn transaction(&self, digest: &Digest) -> Result<Option<TxRecord>, StoreError> {
        Ok(self.lock()?.transactions.get(digest).cloned())
    }

    fn checkpoint(&self, sequence: u64) -> Result<Option<CheckpointRecord>, StoreError> {
        Ok(self.lock()?.checkpoints.get(&sequence).cloned())
    }

    fn checkpoint_sequence(&self, digest: &Digest) -> Result<Option<u64>, StoreError> {
        Ok(self.lock()?.checkpoint_digests.get(digest).copied())
    }

    fn latest_checkpoint(&self) -> Result<Option<u64>, StoreError> {
        Ok(self.lock()?.checkpoints.keys().next_back().copied())
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.lock()?.meta.get(key).cloned())
    }

    fn commit(&self, batch: CommitBatch) -> Result<(), StoreError> {
        let mut inner = self.lock()?;
        for object in batch.objects {
            let id = object.object_id();
            inner.live.insert(id, object.version());
            inner.objects.insert((id, object.version()), object);
        }
        for id in batch.removed {
            inner.live.remove(&id);
        }
        for (digest, record) in batch.transactions {
            inner.transactions.insert(digest, record);
        }
        if let Some(checkpoint) = batch.checkpoint {
            let seq = checkpoint.summary.sequence_number;
            inner
                .checkpoint_digests
                .insert(checkpoint.summary.digest(), seq);
            inner.checkpoints.insert(seq, checkpoint);
        }
        for (key, value) in batch.meta {
            inner.meta.insert(key, value);
        }
        Ok(())
    }
}
