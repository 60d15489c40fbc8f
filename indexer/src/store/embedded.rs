//! The embedded store for storage nodes: fjall keyspaces holding JSON records, with secondary
//! index keyspaces (blob ID, owner). A transaction buffers its writes (reads see them) and
//! commits them as one atomic, synced fjall batch.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use walrus_core::{BlobId, Epoch, ObjectId};

use super::{Store, StoreError, StoreTx};
use crate::model::{
    BlobObject, ChallengeVerdict, CommitteeMember, EpochInfo, IndexerMeta, NodeInfo, PoolInfo,
    RewardInfo, SlashInfo, StakeInfo,
};

/// The keyspaces, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Space {
    Meta,
    Blobs,
    BlobsById,
    BlobsByOwner,
    Invalid,
    Epochs,
    Members,
    Nodes,
    Pools,
    Stakes,
    StakesByOwner,
    Rewards,
    /// Challenge verdicts keyed `node_id ‖ epoch (BE)`.
    Verdicts,
    /// Slashes keyed `node_id ‖ epoch (BE)`.
    Slashes,
}

const SPACES: [(Space, &str); 14] = [
    (Space::Meta, "meta"),
    (Space::Blobs, "blobs"),
    (Space::BlobsById, "blobs_by_id"),
    (Space::BlobsByOwner, "blobs_by_owner"),
    (Space::Invalid, "invalid"),
    (Space::Epochs, "epochs"),
    (Space::Members, "committee_members"),
    (Space::Nodes, "nodes"),
    (Space::Pools, "pools"),
    (Space::Stakes, "stakes"),
    (Space::StakesByOwner, "stakes_by_owner"),
    (Space::Rewards, "rewards"),
    (Space::Verdicts, "challenge_verdicts"),
    (Space::Slashes, "slashes"),
];

const META_KEY: &[u8] = b"meta";

/// The fjall-backed store.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

struct Inner {
    db: fjall::Database,
    spaces: Vec<fjall::Keyspace>,
    writer: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore").finish_non_exhaustive()
    }
}

impl EmbeddedStore {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let db = fjall::Database::builder(dir).open()?;
        let spaces = SPACES
            .iter()
            .map(|(_, name)| db.keyspace(name, fjall::KeyspaceCreateOptions::default))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                spaces,
                writer: tokio::sync::Mutex::new(()),
            }),
        })
    }

    fn space(&self, space: Space) -> &fjall::Keyspace {
        &self.inner.spaces[space as usize]
    }

    fn get<T: DeserializeOwned>(&self, space: Space, key: &[u8]) -> Result<Option<T>, StoreError> {
        self.space(space)
            .get(key)?
            .map(|bytes| decode(&bytes))
            .transpose()
    }

    /// The values of every key under `prefix`, in key order.
    fn scan<T: DeserializeOwned>(&self, space: Space, prefix: &[u8]) -> Result<Vec<T>, StoreError> {
        let mut out = Vec::new();
        for guard in self.space(space).prefix(prefix) {
            let (_, value) = guard.into_inner()?;
            out.push(decode(&value)?);
        }
        Ok(out)
    }

    /// The index entries under `prefix`: each key ends with a 32-byte object ID.
    fn index(&self, space: Space, prefix: &[u8]) -> Result<Vec<ObjectId>, StoreError> {
        let mut out = Vec::new();
        for guard in self.space(space).prefix(prefix) {
            let (key, _) = guard.into_inner()?;
            out.push(trailing_id(&key)?);
        }
        Ok(out)
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn trailing_id(key: &[u8]) -> Result<ObjectId, StoreError> {
    let start = key
        .len()
        .checked_sub(ObjectId::LENGTH)
        .ok_or_else(|| StoreError::Corrupt("short index key".into()))?;
    let bytes: [u8; ObjectId::LENGTH] = key[start..]
        .try_into()
        .map_err(|_| StoreError::Corrupt("index key".into()))?;
    Ok(ObjectId(bytes))
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `owner ‖ 0x00`: the owner-index prefix (owners are `0x…` text, never containing 0).
fn owner_prefix(owner: &str) -> Vec<u8> {
    cat(&[owner.as_bytes(), &[0]])
}

impl Store for EmbeddedStore {
    type Tx<'a> = EmbeddedTx<'a>;

    async fn begin(&self) -> Result<EmbeddedTx<'_>, StoreError> {
        Ok(EmbeddedTx {
            store: self,
            _writer: self.inner.writer.lock().await,
            writes: HashMap::new(),
        })
    }

    async fn meta(&self) -> Result<IndexerMeta, StoreError> {
        Ok(self.get(Space::Meta, META_KEY)?.unwrap_or_default())
    }

    async fn blob_objects(&self, blob_id: BlobId) -> Result<Vec<BlobObject>, StoreError> {
        self.index(Space::BlobsById, blob_id.as_bytes())?
            .into_iter()
            .filter_map(|id| self.get(Space::Blobs, id.as_bytes()).transpose())
            .collect()
    }

    async fn invalid_epoch(&self, blob_id: BlobId) -> Result<Option<Epoch>, StoreError> {
        self.get(Space::Invalid, blob_id.as_bytes())
    }

    async fn blobs_by_owner(&self, owner: &str) -> Result<Vec<BlobObject>, StoreError> {
        self.index(Space::BlobsByOwner, &owner_prefix(owner))?
            .into_iter()
            .filter_map(|id| self.get(Space::Blobs, id.as_bytes()).transpose())
            .collect()
    }

    async fn epoch(&self, epoch: Epoch) -> Result<Option<EpochInfo>, StoreError> {
        self.get(Space::Epochs, &epoch.to_be_bytes())
    }

    async fn latest_epoch(&self) -> Result<Option<EpochInfo>, StoreError> {
        match self.space(Space::Epochs).last_key_value() {
            None => Ok(None),
            Some(guard) => {
                let (_, value) = guard.into_inner()?;
                Ok(Some(decode(&value)?))
            }
        }
    }

    async fn committee(&self, epoch: Epoch) -> Result<Vec<CommitteeMember>, StoreError> {
        self.scan(Space::Members, &epoch.to_be_bytes())
    }

    async fn nodes(&self) -> Result<Vec<NodeInfo>, StoreError> {
        self.scan(Space::Nodes, &[])
    }

    async fn pools(&self) -> Result<Vec<PoolInfo>, StoreError> {
        self.scan(Space::Pools, &[])
    }

    async fn stakes_by_owner(&self, owner: &str) -> Result<Vec<StakeInfo>, StoreError> {
        self.index(Space::StakesByOwner, &owner_prefix(owner))?
            .into_iter()
            .filter_map(|id| self.get(Space::Stakes, id.as_bytes()).transpose())
            .collect()
    }

    async fn rewards(&self, epoch: Epoch) -> Result<Vec<RewardInfo>, StoreError> {
        self.scan(Space::Rewards, &epoch.to_be_bytes())
    }

    async fn challenge_verdicts(
        &self,
        node: Option<ObjectId>,
        epoch: Option<Epoch>,
    ) -> Result<Vec<ChallengeVerdict>, StoreError> {
        let prefix = node.map_or_else(Vec::new, |n| n.as_bytes().to_vec());
        let verdicts: Vec<ChallengeVerdict> = self.scan(Space::Verdicts, &prefix)?;
        Ok(verdicts
            .into_iter()
            .filter(|v| epoch.is_none_or(|e| v.epoch == e))
            .collect())
    }

    async fn slashes(&self, node: Option<ObjectId>) -> Result<Vec<SlashInfo>, StoreError> {
        let prefix = node.map_or_else(Vec::new, |n| n.as_bytes().to_vec());
        self.scan(Space::Slashes, &prefix)
    }
}

/// A transaction of the embedded store: holds the writer lock and the buffered writes.
pub struct EmbeddedTx<'a> {
    store: &'a EmbeddedStore,
    _writer: tokio::sync::MutexGuard<'a, ()>,
    /// `None` is a removal.
    writes: HashMap<(Space, Vec<u8>), Option<Vec<u8>>>,
}

impl std::fmt::Debug for EmbeddedTx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedTx")
            .field("writes", &self.writes.len())
            .finish_non_exhaustive()
    }
}

impl EmbeddedTx<'_> {
    fn get<T: DeserializeOwned>(&self, space: Space, key: &[u8]) -> Result<Option<T>, StoreError> {
        match self.writes.get(&(space, key.to_vec())) {
            Some(Some(bytes)) => Ok(Some(decode(bytes)?)),
            Some(None) => Ok(None),
            None => self.store.get(space, key),
        }
    }

    fn put<T: Serialize>(
        &mut self,
        space: Space,
        key: Vec<u8>,
        value: &T,
    ) -> Result<(), StoreError> {
        self.writes.insert((space, key), Some(encode(value)?));
        Ok(())
    }

    fn mark(&mut self, space: Space, key: Vec<u8>) {
        self.writes.insert((space, key), Some(Vec::new()));
    }

    fn unmark(&mut self, space: Space, key: Vec<u8>) {
        self.writes.insert((space, key), None);
    }
}

impl StoreTx for EmbeddedTx<'_> {
    async fn meta(&mut self) -> Result<IndexerMeta, StoreError> {
        Ok(self.get(Space::Meta, META_KEY)?.unwrap_or_default())
    }

    async fn set_meta(&mut self, meta: &IndexerMeta) -> Result<(), StoreError> {
        self.put(Space::Meta, META_KEY.to_vec(), meta)
    }

    async fn blob(&mut self, object_id: ObjectId) -> Result<Option<BlobObject>, StoreError> {
        self.get(Space::Blobs, object_id.as_bytes())
    }

    async fn put_blob(&mut self, blob: &BlobObject) -> Result<(), StoreError> {
        let id = blob.object_id.as_bytes();
        let old: Option<BlobObject> = self.get(Space::Blobs, id)?;
        if let Some(old) = old {
            self.unmark(Space::BlobsById, cat(&[old.blob_id.as_bytes(), id]));
            if let Some(owner) = &old.owner {
                self.unmark(Space::BlobsByOwner, cat(&[&owner_prefix(owner), id]));
            }
        }
        self.mark(Space::BlobsById, cat(&[blob.blob_id.as_bytes(), id]));
        if let Some(owner) = &blob.owner {
            self.mark(Space::BlobsByOwner, cat(&[&owner_prefix(owner), id]));
        }
        self.put(Space::Blobs, id.to_vec(), blob)
    }

    async fn set_invalid(&mut self, blob_id: BlobId, epoch: Epoch) -> Result<(), StoreError> {
        let key = blob_id.as_bytes().to_vec();
        if self.get::<Epoch>(Space::Invalid, &key)?.is_none() {
            self.put(Space::Invalid, key, &epoch)?;
        }
        Ok(())
    }

    async fn epoch(&mut self, epoch: Epoch) -> Result<Option<EpochInfo>, StoreError> {
        self.get(Space::Epochs, &epoch.to_be_bytes())
    }

    async fn put_epoch(&mut self, epoch: &EpochInfo) -> Result<(), StoreError> {
        self.put(Space::Epochs, epoch.epoch.to_be_bytes().to_vec(), epoch)
    }

    async fn put_committee_member(&mut self, member: &CommitteeMember) -> Result<(), StoreError> {
        let key = cat(&[&member.epoch.to_be_bytes(), member.node_id.as_bytes()]);
        self.put(Space::Members, key, member)
    }

    async fn node(&mut self, node_id: ObjectId) -> Result<Option<NodeInfo>, StoreError> {
        self.get(Space::Nodes, node_id.as_bytes())
    }

    async fn put_node(&mut self, node: &NodeInfo) -> Result<(), StoreError> {
        self.put(Space::Nodes, node.node_id.as_bytes().to_vec(), node)
    }

    async fn pool(&mut self, node_id: ObjectId) -> Result<Option<PoolInfo>, StoreError> {
        self.get(Space::Pools, node_id.as_bytes())
    }

    async fn put_pool(&mut self, pool: &PoolInfo) -> Result<(), StoreError> {
        self.put(Space::Pools, pool.node_id.as_bytes().to_vec(), pool)
    }

    async fn stake(&mut self, staked_wal_id: ObjectId) -> Result<Option<StakeInfo>, StoreError> {
        self.get(Space::Stakes, staked_wal_id.as_bytes())
    }

    async fn put_stake(&mut self, stake: &StakeInfo) -> Result<(), StoreError> {
        let id = stake.staked_wal_id.as_bytes();
        let old: Option<StakeInfo> = self.get(Space::Stakes, id)?;
        if let Some(owner) = old.and_then(|o| o.owner) {
            self.unmark(Space::StakesByOwner, cat(&[&owner_prefix(&owner), id]));
        }
        if let Some(owner) = &stake.owner {
            self.mark(Space::StakesByOwner, cat(&[&owner_prefix(owner), id]));
        }
        self.put(Space::Stakes, id.to_vec(), stake)
    }

    async fn reward(
        &mut self,
        epoch: Epoch,
        node_id: ObjectId,
    ) -> Result<Option<RewardInfo>, StoreError> {
        self.get(
            Space::Rewards,
            &cat(&[&epoch.to_be_bytes(), node_id.as_bytes()]),
        )
    }

    async fn put_reward(&mut self, reward: &RewardInfo) -> Result<(), StoreError> {
        let key = cat(&[&reward.epoch.to_be_bytes(), reward.node_id.as_bytes()]);
        self.put(Space::Rewards, key, reward)
    }

    async fn put_challenge_verdict(
        &mut self,
        verdict: &ChallengeVerdict,
    ) -> Result<(), StoreError> {
        let key = cat(&[verdict.node_id.as_bytes(), &verdict.epoch.to_be_bytes()]);
        self.put(Space::Verdicts, key, verdict)
    }

    async fn put_slash(&mut self, slash: &SlashInfo) -> Result<(), StoreError> {
        let key = cat(&[slash.node_id.as_bytes(), &slash.epoch.to_be_bytes()]);
        self.put(Space::Slashes, key, slash)
    }

    async fn commit(self) -> Result<(), StoreError> {
        let inner = &self.store.inner;
        let mut batch = inner
            .db
            .batch()
            .durability(Some(fjall::PersistMode::SyncData));
        for ((space, key), value) in self.writes {
            let keyspace = &inner.spaces[space as usize];
            match value {
                Some(value) => batch.insert(keyspace, key, value),
                None => batch.remove(keyspace, key),
            }
        }
        batch.commit()?;
        Ok(())
    }
}
