//! Persistence of the derived state behind one trait, with three backends: [`EmbeddedStore`]
//! (fjall, for storage nodes), and [`SqlStore`] over SQLite (the service's default) or
//! PostgreSQL, with versioned migrations.
//!
//! Writes go through a [`StoreTx`]: [`crate::apply::apply_checkpoints`] reads the cursor, applies
//! each checkpoint's events and advances the cursor in one transaction, so a crash at any point
//! leaves either all of a batch or none of it.

mod embedded;
mod sql;

use walrus_core::{BlobId, Epoch, ObjectId};

pub use embedded::EmbeddedStore;
pub use sql::{SqlBackend, SqlStore};

use crate::model::{
    BlobObject, ChallengeVerdict, CommitteeMember, EpochInfo, IndexerMeta, NodeInfo, PoolInfo,
    RewardInfo, SlashInfo, StakeInfo,
};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database or storage engine failed.
    #[error("database: {0}")]
    Backend(String),
    /// A schema migration failed.
    #[error("migration: {0}")]
    Migration(String),
    /// A stored record does not decode.
    #[error("corrupt record: {0}")]
    Corrupt(String),
    /// A value does not fit the database's integer type.
    #[error("{0} is out of range for the database")]
    OutOfRange(&'static str),
    /// The batch does not continue the stored cursor.
    #[error("checkpoint gap: the store expects checkpoint {expected}, the batch starts at {got}")]
    Gap {
        /// The stored cursor.
        expected: u64,
        /// The first new checkpoint of the batch.
        got: u64,
    },
    /// The database URL names no supported backend.
    #[error("unsupported database URL {0} (expected sqlite:… or postgres://…)")]
    UnsupportedUrl(String),
    /// A failure injected by a test (see [`crate::apply::ApplyOptions`]).
    #[error("injected failure after {0} events")]
    Injected(u64),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        Self::Backend(e.to_string())
    }
}

impl From<fjall::Error> for StoreError {
    fn from(e: fjall::Error) -> Self {
        Self::Backend(e.to_string())
    }
}

/// Reads of the derived state.
pub trait Store: Send + Sync + 'static {
    /// A write transaction.
    type Tx<'a>: StoreTx + Send
    where
        Self: 'a;

    /// Starts a write transaction (one at a time per store).
    fn begin(&self) -> impl Future<Output = Result<Self::Tx<'_>, StoreError>> + Send;

    /// The cursor and counters.
    fn meta(&self) -> impl Future<Output = Result<IndexerMeta, StoreError>> + Send;

    /// Every object with `blob_id`.
    fn blob_objects(
        &self,
        blob_id: BlobId,
    ) -> impl Future<Output = Result<Vec<BlobObject>, StoreError>> + Send;

    /// The epoch `blob_id` was declared invalid in.
    fn invalid_epoch(
        &self,
        blob_id: BlobId,
    ) -> impl Future<Output = Result<Option<Epoch>, StoreError>> + Send;

    /// The blob objects registered by `owner` (`0x…`), in object-ID order.
    fn blobs_by_owner(
        &self,
        owner: &str,
    ) -> impl Future<Output = Result<Vec<BlobObject>, StoreError>> + Send;

    /// One epoch.
    fn epoch(
        &self,
        epoch: Epoch,
    ) -> impl Future<Output = Result<Option<EpochInfo>, StoreError>> + Send;

    /// The latest known epoch.
    fn latest_epoch(&self) -> impl Future<Output = Result<Option<EpochInfo>, StoreError>> + Send;

    /// The committee of `epoch`, in node-ID order (empty if unknown).
    fn committee(
        &self,
        epoch: Epoch,
    ) -> impl Future<Output = Result<Vec<CommitteeMember>, StoreError>> + Send;

    /// Every known node, in node-ID order.
    fn nodes(&self) -> impl Future<Output = Result<Vec<NodeInfo>, StoreError>> + Send;

    /// Every known pool, in node-ID order.
    fn pools(&self) -> impl Future<Output = Result<Vec<PoolInfo>, StoreError>> + Send;

    /// The stakes deposited by `owner` (`0x…`), in object-ID order.
    fn stakes_by_owner(
        &self,
        owner: &str,
    ) -> impl Future<Output = Result<Vec<StakeInfo>, StoreError>> + Send;

    /// The pool rewards of `epoch`, in node-ID order.
    fn rewards(
        &self,
        epoch: Epoch,
    ) -> impl Future<Output = Result<Vec<RewardInfo>, StoreError>> + Send;

    /// The storage-challenge verdicts, optionally only of `node` and/or of `epoch`, in
    /// (node ID, epoch) order.
    fn challenge_verdicts(
        &self,
        node: Option<ObjectId>,
        epoch: Option<Epoch>,
    ) -> impl Future<Output = Result<Vec<ChallengeVerdict>, StoreError>> + Send;

    /// The slashes, optionally only of `node`, in (node ID, epoch) order.
    fn slashes(
        &self,
        node: Option<ObjectId>,
    ) -> impl Future<Output = Result<Vec<SlashInfo>, StoreError>> + Send;
}

/// A write transaction: reads see the transaction's own writes; nothing is visible to others
/// before [`StoreTx::commit`], and dropping it discards everything.
pub trait StoreTx: Send {
    /// The cursor and counters.
    fn meta(&mut self) -> impl Future<Output = Result<IndexerMeta, StoreError>> + Send;
    /// Writes the cursor and counters.
    fn set_meta(
        &mut self,
        meta: &IndexerMeta,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One blob object.
    fn blob(
        &mut self,
        object_id: ObjectId,
    ) -> impl Future<Output = Result<Option<BlobObject>, StoreError>> + Send;
    /// Inserts or replaces a blob object.
    fn put_blob(
        &mut self,
        blob: &BlobObject,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Records that `blob_id` is invalid since `epoch` (the first report wins).
    fn set_invalid(
        &mut self,
        blob_id: BlobId,
        epoch: Epoch,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One epoch.
    fn epoch(
        &mut self,
        epoch: Epoch,
    ) -> impl Future<Output = Result<Option<EpochInfo>, StoreError>> + Send;
    /// Inserts or replaces an epoch.
    fn put_epoch(
        &mut self,
        epoch: &EpochInfo,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces a committee member.
    fn put_committee_member(
        &mut self,
        member: &CommitteeMember,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One node.
    fn node(
        &mut self,
        node_id: ObjectId,
    ) -> impl Future<Output = Result<Option<NodeInfo>, StoreError>> + Send;
    /// Inserts or replaces a node.
    fn put_node(&mut self, node: &NodeInfo) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One pool.
    fn pool(
        &mut self,
        node_id: ObjectId,
    ) -> impl Future<Output = Result<Option<PoolInfo>, StoreError>> + Send;
    /// Inserts or replaces a pool.
    fn put_pool(&mut self, pool: &PoolInfo) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One stake.
    fn stake(
        &mut self,
        staked_wal_id: ObjectId,
    ) -> impl Future<Output = Result<Option<StakeInfo>, StoreError>> + Send;
    /// Inserts or replaces a stake.
    fn put_stake(
        &mut self,
        stake: &StakeInfo,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// One pool's reward of one epoch.
    fn reward(
        &mut self,
        epoch: Epoch,
        node_id: ObjectId,
    ) -> impl Future<Output = Result<Option<RewardInfo>, StoreError>> + Send;
    /// Inserts or replaces a reward.
    fn put_reward(
        &mut self,
        reward: &RewardInfo,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces the verdict of (`verdict.epoch`, `verdict.node_id`).
    fn put_challenge_verdict(
        &mut self,
        verdict: &ChallengeVerdict,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Inserts or replaces the slash of (`slash.epoch`, `slash.node_id`).
    fn put_slash(
        &mut self,
        slash: &SlashInfo,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Makes every write of the transaction durable and visible at once.
    fn commit(self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Opens the store named by a database URL: `sqlite:PATH` / `sqlite://PATH` (created if
/// missing), `postgres://…`, or `fjall:DIR` (the embedded store).
pub async fn open_url(url: &str) -> Result<AnyStore, StoreError> {
    if let Some(dir) = url.strip_prefix("fjall:") {
        let dir = dir.strip_prefix("//").unwrap_or(dir);
        return Ok(AnyStore::Embedded(EmbeddedStore::open(
            std::path::Path::new(dir),
        )?));
    }
    Ok(AnyStore::Sql(SqlStore::connect(url).await?))
}

/// A store chosen at run time.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// The embedded fjall store.
    Embedded(EmbeddedStore),
    /// SQLite or PostgreSQL.
    Sql(SqlStore),
}

/// A transaction of an [`AnyStore`].
#[derive(Debug)]
pub enum AnyTx<'a> {
    /// Of the embedded store.
    Embedded(<EmbeddedStore as Store>::Tx<'a>),
    /// Of a SQL store.
    Sql(<SqlStore as Store>::Tx<'a>),
}

macro_rules! dispatch {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            Self::Embedded($s) => $body,
            Self::Sql($s) => $body,
        }
    };
}

impl Store for AnyStore {
    type Tx<'a> = AnyTx<'a>;

    async fn begin(&self) -> Result<AnyTx<'_>, StoreError> {
        Ok(match self {
            Self::Embedded(s) => AnyTx::Embedded(s.begin().await?),
            Self::Sql(s) => AnyTx::Sql(s.begin().await?),
        })
    }
    async fn meta(&self) -> Result<IndexerMeta, StoreError> {
        dispatch!(self, s => s.meta().await)
    }
    async fn blob_objects(&self, blob_id: BlobId) -> Result<Vec<BlobObject>, StoreError> {
        dispatch!(self, s => s.blob_objects(blob_id).await)
    }
    async fn invalid_epoch(&self, blob_id: BlobId) -> Result<Option<Epoch>, StoreError> {
        dispatch!(self, s => s.invalid_epoch(blob_id).await)
    }
    async fn blobs_by_owner(&self, owner: &str) -> Result<Vec<BlobObject>, StoreError> {
        dispatch!(self, s => s.blobs_by_owner(owner).await)
    }
    async fn epoch(&self, epoch: Epoch) -> Result<Option<EpochInfo>, StoreError> {
        dispatch!(self, s => s.epoch(epoch).await)
    }
    async fn latest_epoch(&self) -> Result<Option<EpochInfo>, StoreError> {
        dispatch!(self, s => s.latest_epoch().await)
    }
    async fn committee(&self, epoch: Epoch) -> Result<Vec<CommitteeMember>, StoreError> {
        dispatch!(self, s => s.committee(epoch).await)
    }
    async fn nodes(&self) -> Result<Vec<NodeInfo>, StoreError> {
        dispatch!(self, s => s.nodes().await)
    }
    async fn pools(&self) -> Result<Vec<PoolInfo>, StoreError> {
        dispatch!(self, s => s.pools().await)
    }
    async fn stakes_by_owner(&self, owner: &str) -> Result<Vec<StakeInfo>, StoreError> {
        dispatch!(self, s => s.stakes_by_owner(owner).await)
    }
    async fn rewards(&self, epoch: Epoch) -> Result<Vec<RewardInfo>, StoreError> {
        dispatch!(self, s => s.rewards(epoch).await)
    }
    async fn challenge_verdicts(
        &self,
        node: Option<ObjectId>,
        epoch: Option<Epoch>,
    ) -> Result<Vec<ChallengeVerdict>, StoreError> {
        dispatch!(self, s => s.challenge_verdicts(node, epoch).await)
    }
    async fn slashes(&self, node: Option<ObjectId>) -> Result<Vec<SlashInfo>, StoreError> {
        dispatch!(self, s => s.slashes(node).await)
    }
}

impl StoreTx for AnyTx<'_> {
    async fn meta(&mut self) -> Result<IndexerMeta, StoreError> {
        dispatch!(self, t => t.meta().await)
    }
    async fn set_meta(&mut self, meta: &IndexerMeta) -> Result<(), StoreError> {
        dispatch!(self, t => t.set_meta(meta).await)
    }
    async fn blob(&mut self, object_id: ObjectId) -> Result<Option<BlobObject>, StoreError> {
        dispatch!(self, t => t.blob(object_id).await)
    }
    async fn put_blob(&mut self, blob: &BlobObject) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_blob(blob).await)
    }
    async fn set_invalid(&mut self, blob_id: BlobId, epoch: Epoch) -> Result<(), StoreError> {
        dispatch!(self, t => t.set_invalid(blob_id, epoch).await)
    }
    async fn epoch(&mut self, epoch: Epoch) -> Result<Option<EpochInfo>, StoreError> {
        dispatch!(self, t => t.epoch(epoch).await)
    }
    async fn put_epoch(&mut self, epoch: &EpochInfo) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_epoch(epoch).await)
    }
    async fn put_committee_member(&mut self, member: &CommitteeMember) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_committee_member(member).await)
    }
    async fn node(&mut self, node_id: ObjectId) -> Result<Option<NodeInfo>, StoreError> {
        dispatch!(self, t => t.node(node_id).await)
    }
    async fn put_node(&mut self, node: &NodeInfo) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_node(node).await)
    }
    async fn pool(&mut self, node_id: ObjectId) -> Result<Option<PoolInfo>, StoreError> {
        dispatch!(self, t => t.pool(node_id).await)
    }
    async fn put_pool(&mut self, pool: &PoolInfo) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_pool(pool).await)
    }
    async fn stake(&mut self, staked_wal_id: ObjectId) -> Result<Option<StakeInfo>, StoreError> {
        dispatch!(self, t => t.stake(staked_wal_id).await)
    }
    async fn put_stake(&mut self, stake: &StakeInfo) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_stake(stake).await)
    }
    async fn reward(
        &mut self,
        epoch: Epoch,
        node_id: ObjectId,
    ) -> Result<Option<RewardInfo>, StoreError> {
        dispatch!(self, t => t.reward(epoch, node_id).await)
    }
    async fn put_reward(&mut self, reward: &RewardInfo) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_reward(reward).await)
    }
    async fn put_challenge_verdict(
        &mut self,
        verdict: &ChallengeVerdict,
    ) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_challenge_verdict(verdict).await)
    }
    async fn put_slash(&mut self, slash: &SlashInfo) -> Result<(), StoreError> {
        dispatch!(self, t => t.put_slash(slash).await)
    }
    async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Embedded(t) => t.commit().await,
            Self::Sql(t) => t.commit().await,
        }
    }
}
