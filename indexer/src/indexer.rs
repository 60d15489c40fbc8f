//! The ingestion loop: follow the chain from the stored cursor, group the checkpoints that are
//! ready into batches, add the chain context, commit each batch with the cursor, then publish its
//! changes to subscribers.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};
use walrus_core::ObjectId;
use walrus_sui::client::{ChainError, CheckpointCursor, CheckpointEvents, WalrusSuiClient};
use walrus_sui::objects::EpochState;

use crate::apply::{Applied, apply_checkpoints};
use crate::changes::{
    ChainContext, CheckpointChanges, CommitteeSnapshot, ContextError, add_context,
};
use crate::model::{
    CommitteeMember, EpochInfo, EpochPhase, IndexerMeta, NodeDetails, NodeInfo, PoolInfo,
};
use crate::store::{Store, StoreError, StoreTx};

/// Ingestion settings.
#[derive(Debug, Clone, Copy)]
pub struct IndexerConfig {
    /// The most checkpoints committed in one transaction (when catching up).
    pub max_batch_checkpoints: usize,
    /// How many committed checkpoints a subscriber may fall behind before it lags.
    pub channel_capacity: usize,
    /// How often the chain tip is polled (for the lag).
    pub tip_poll_interval: Duration,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            max_batch_checkpoints: 256,
            channel_capacity: 4096,
            tip_poll_interval: Duration::from_secs(1),
        }
    }
}

/// An ingestion failure.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The chain stream failed with a non-transient error.
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// A chain read for an event's context failed.
    #[error(transparent)]
    Context(#[from] ContextError),
}

/// Progress shared with the API.
#[derive(Debug)]
pub struct Progress {
    chain_tip: AtomicU64,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            chain_tip: AtomicU64::new(u64::MAX),
        }
    }
}

impl Progress {
    /// The latest checkpoint seen on the chain, once polled.
    pub fn chain_tip(&self) -> Option<u64> {
        match self.chain_tip.load(Ordering::Relaxed) {
            u64::MAX => None,
            tip => Some(tip),
        }
    }

    /// Records the chain tip.
    pub fn set_chain_tip(&self, tip: u64) {
        self.chain_tip.fetch_max(tip, Ordering::Relaxed);
        if self.chain_tip.load(Ordering::Relaxed) == u64::MAX {
            self.chain_tip.store(tip, Ordering::Relaxed);
        }
    }
}

/// The indexer over a store.
#[derive(Debug, Clone)]
pub struct Indexer<S> {
    store: S,
    config: IndexerConfig,
    changes: broadcast::Sender<Arc<CheckpointChanges>>,
    progress: Arc<Progress>,
}

/// Aborts a spawned task when dropped (so dropping [`Indexer::run`] stops its helpers).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<S: Store + Clone> Indexer<S> {
    /// An indexer writing to `store`.
    pub fn new(store: S, config: IndexerConfig) -> Self {
        let (changes, _) = broadcast::channel(config.channel_capacity.max(1));
        Self {
            store,
            config,
            changes,
            progress: Arc::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The shared progress (chain tip).
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Committed changes, one message per checkpoint with Walrus events, in checkpoint order.
    /// A subscriber that falls more than `channel_capacity` checkpoints behind gets
    /// `RecvError::Lagged` and should re-read the state from the store.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<CheckpointChanges>> {
        self.changes.subscribe()
    }

    /// Commits a batch of consecutive checkpoints (see [`apply_checkpoints`]) and publishes the
    /// new ones.
    pub async fn ingest(&self, batch: &[CheckpointChanges]) -> Result<Applied, StoreError> {
        let applied = apply_checkpoints(&self.store, batch).await?;
        for checkpoint in &batch[applied.first_new..] {
            if !checkpoint.events.is_empty() {
                // No subscriber is not an error.
                let _ = self.changes.send(Arc::new(checkpoint.clone()));
            }
        }
        Ok(applied)
    }

    /// On a fresh store, records the chain's current committee and its nodes (they were
    /// created at genesis, without events). Does nothing once anything was indexed.
    pub async fn bootstrap<C: ChainContext>(&self, chain: &C) -> Result<bool, IndexerError> {
        let meta = self.store.meta().await?;
        if meta != IndexerMeta::default() || self.store.latest_epoch().await?.is_some() {
            return Ok(false);
        }
        let Some(snapshot) = chain.current_committee().await? else {
            return Ok(false);
        };
        let mut tx = self.store.begin().await?;
        let mut epoch = EpochInfo::new(snapshot.epoch);
        epoch.n_shards = Some(snapshot.n_shards);
        if snapshot.change_done {
            epoch.phase = EpochPhase::ChangeDone;
        }
        tx.put_epoch(&epoch).await?;
        for member in &snapshot.members {
            tx.put_committee_member(member).await?;
            if tx.node(member.node_id).await?.is_none() {
                let mut node = NodeInfo::new(member.node_id);
                node.details = member.details.clone();
                tx.put_node(&node).await?;
            }
            if tx.pool(member.node_id).await?.is_none() {
                tx.put_pool(&PoolInfo {
                    node_id: member.node_id,
                    ..PoolInfo::default()
                })
                .await?;
            }
        }
        tx.commit().await?;
        tracing::info!(
            epoch = snapshot.epoch,
            members = snapshot.members.len(),
            "indexer: recorded the current committee"
        );
        Ok(true)
    }

    /// Follows `client`'s chain from the stored cursor forever (until an error that retries
    /// cannot fix). Dropping the future stops it; nothing half-applied survives.
    pub async fn run<C: ChainContext>(
        &self,
        client: &WalrusSuiClient,
        chain: &C,
    ) -> Result<(), IndexerError> {
        self.bootstrap(chain).await?;
        let meta = self.store.meta().await?;
        let mut follower = client.follow_checkpoints(CheckpointCursor {
            next_checkpoint: meta.next_checkpoint,
        });
        let capacity = self.config.max_batch_checkpoints.max(1) * 2;
        let (sender, mut receiver) =
            mpsc::channel::<Result<CheckpointEvents, ChainError>>(capacity);
        let _fetcher = AbortOnDrop(tokio::spawn(async move {
            loop {
                let next = follower.next().await;
                let failed = next.is_err();
                if sender.send(next).await.is_err() || failed {
                    return;
                }
            }
        }));
        let tip_client = client.clone();
        let progress = self.progress.clone();
        let interval = self.config.tip_poll_interval;
        let _tip = AbortOnDrop(tokio::spawn(async move {
            loop {
                if let Ok(tip) = tip_client.latest_checkpoint().await {
                    progress.set_chain_tip(tip);
                }
                tokio::time::sleep(interval).await;
            }
        }));
        let mut batch = Vec::new();
        loop {
            let Some(first) = receiver.recv().await else {
                return Ok(());
            };
            batch.clear();
            batch.push(first?);
            while batch.len() < self.config.max_batch_checkpoints {
                match receiver.try_recv() {
                    Ok(next) => batch.push(next?),
                    Err(_) => break,
                }
            }
            let mut changes = Vec::with_capacity(batch.len());
            for checkpoint in &batch {
                self.progress.set_chain_tip(checkpoint.sequence_number);
                let mut c = CheckpointChanges::from_checkpoint(checkpoint);
                add_context(chain, &mut c).await?;
                changes.push(c);
            }
            self.ingest(&changes).await?;
        }
    }
}

/// The chain context from the chain client: committees and node details as the chain shows
/// them now.
#[derive(Debug, Clone)]
pub struct SuiContext(pub WalrusSuiClient);

impl ChainContext for SuiContext {
    async fn current_committee(&self) -> Result<Option<CommitteeSnapshot>, ContextError> {
        let (info, staking) = futures::try_join!(self.0.committee(), self.0.staking_state())
            .map_err(context_error)?;
        let mut members = Vec::with_capacity(info.members.len());
        for member in info.members {
            let details = self.node_details(member.node_id).await?.unwrap_or_default();
            members.push(CommitteeMember {
                epoch: info.epoch,
                node_id: member.node_id,
                weight: member.weight,
                shards: member.shards,
                details,
            });
        }
        Ok(Some(CommitteeSnapshot {
            epoch: info.epoch,
            n_shards: info.n_shards,
            change_done: !matches!(staking.epoch_state, EpochState::EpochChangeSync(_)),
            members,
        }))
    }

    async fn node_details(&self, node_id: ObjectId) -> Result<Option<NodeDetails>, ContextError> {
        match self.0.staking_pool(node_id).await {
            Ok(pool) => Ok(Some(NodeDetails {
                name: pool.node_info.name,
                network_address: pool.node_info.network_address,
                public_key: hex::encode(&pool.node_info.public_key.bytes),
                network_public_key: hex::encode(&pool.node_info.network_public_key),
            })),
            Err(ChainError::ObjectNotFound(_)) => Ok(None),
            Err(e) => Err(context_error(e)),
        }
    }
}

fn context_error(e: ChainError) -> ContextError {
    ContextError(e.to_string())
}
