//! The state machine: how each contract event changes the derived state, and the exactly-once
//! commit of a batch of checkpoints together with the cursor.

use walrus_sui::events::ContractEvent;

use crate::changes::{CheckpointChanges, EventContext, IndexedEvent};
use crate::model::{
    BlobObject, ChallengeVerdict, EpochInfo, EpochPhase, IndexerMeta, NodeInfo, PoolInfo,
    RewardInfo, SlashInfo, StakeInfo, StakeState, SyncReport,
};
use crate::store::{Store, StoreError, StoreTx};

/// Options of [`apply_checkpoints_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Test hook: fail (before committing) once this many events of the batch were applied,
    /// as a crash in the middle of a batch would.
    pub fail_after_events: Option<u64>,
}

/// What a batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The index in the batch of the first checkpoint that was new (earlier ones had been
    /// applied before and were skipped). Equal to the batch length if nothing was new.
    pub first_new: usize,
    /// The number of events applied.
    pub events: u64,
    /// The cursor after the batch.
    pub meta: IndexerMeta,
}

/// Applies `batch` (consecutive checkpoints in order) and advances the cursor, all in one
/// transaction. Checkpoints below the stored cursor are skipped, so replaying a batch is a no-op;
/// a batch that starts beyond the cursor is a [`StoreError::Gap`].
pub async fn apply_checkpoints<S: Store>(
    store: &S,
    batch: &[CheckpointChanges],
) -> Result<Applied, StoreError> {
    apply_checkpoints_with(store, batch, ApplyOptions::default()).await
}

/// [`apply_checkpoints`] with options.
pub async fn apply_checkpoints_with<S: Store>(
    store: &S,
    batch: &[CheckpointChanges],
    options: ApplyOptions,
) -> Result<Applied, StoreError> {
    let mut tx = store.begin().await?;
    let mut meta = tx.meta().await?;
    let first_new = batch
        .iter()
        .position(|c| c.sequence_number >= meta.next_checkpoint)
        .unwrap_or(batch.len());
    let mut events = 0u64;
    for checkpoint in &batch[first_new..] {
        if checkpoint.sequence_number != meta.next_checkpoint {
            return Err(StoreError::Gap {
                expected: meta.next_checkpoint,
                got: checkpoint.sequence_number,
            });
        }
        for event in &checkpoint.events {
            if options.fail_after_events == Some(events) {
                return Err(StoreError::Injected(events));
            }
            apply_event(&mut tx, checkpoint.sequence_number, event).await?;
            events += 1;
        }
        meta.next_checkpoint = checkpoint.sequence_number.saturating_add(1);
        meta.events_applied = meta.events_applied.saturating_add(
            u64::try_from(checkpoint.events.len()).map_err(|_| StoreError::OutOfRange("count"))?,
        );
        if checkpoint.timestamp_ms.is_some() {
            meta.last_timestamp_ms = checkpoint.timestamp_ms;
        }
    }
    if first_new == batch.len() {
        // Nothing new: leave the store untouched.
        return Ok(Applied {
            first_new,
            events: 0,
            meta,
        });
    }
    tx.set_meta(&meta).await?;
    tx.commit().await?;
    Ok(Applied {
        first_new,
        events,
        meta,
    })
}

/// Applies one event at `checkpoint`.
pub async fn apply_event<T: StoreTx>(
    tx: &mut T,
    checkpoint: u64,
    indexed: &IndexedEvent,
) -> Result<(), StoreError> {
    let sender = indexed.sender.clone();
    match &indexed.event {
        ContractEvent::BlobRegistered(e) => {
            tx.put_blob(&BlobObject {
                object_id: e.object_id,
                blob_id: e.blob_id,
                owner: sender,
                size: e.size,
                encoding_type: e.encoding_type,
                registered_epoch: e.epoch,
                certified_epoch: None,
                end_epoch: e.end_epoch,
                deletable: e.deletable,
                deleted: false,
                checkpoint,
            })
            .await?;
        }
        ContractEvent::BlobCertified(e) => {
            let mut blob = match tx.blob(e.object_id).await? {
                Some(blob) => blob,
                // Registered before the indexer's start: keep what the event tells.
                None => BlobObject {
                    object_id: e.object_id,
                    blob_id: e.blob_id,
                    owner: sender,
                    size: 0,
                    encoding_type: 0,
                    registered_epoch: e.epoch,
                    certified_epoch: None,
                    end_epoch: e.end_epoch,
                    deletable: e.deletable,
                    deleted: false,
                    checkpoint,
                },
            };
            blob.certified_epoch = Some(blob.certified_epoch.unwrap_or(e.epoch));
            blob.end_epoch = e.end_epoch;
            blob.checkpoint = checkpoint;
            tx.put_blob(&blob).await?;
        }
        ContractEvent::BlobDeleted(e) => {
            let mut blob = match tx.blob(e.object_id).await? {
                Some(blob) => blob,
                None => BlobObject {
                    object_id: e.object_id,
                    blob_id: e.blob_id,
                    owner: sender,
                    size: 0,
                    encoding_type: 0,
                    registered_epoch: e.epoch,
                    certified_epoch: e.was_certified.then_some(e.epoch),
                    end_epoch: e.end_epoch,
                    deletable: true,
                    deleted: false,
                    checkpoint,
                },
            };
            blob.deleted = true;
            blob.end_epoch = e.end_epoch;
            blob.checkpoint = checkpoint;
            tx.put_blob(&blob).await?;
        }
        ContractEvent::InvalidBlobID(e) => tx.set_invalid(e.blob_id, e.epoch).await?,
        ContractEvent::EpochChangeStart(e) => {
            let mut epoch = tx
                .epoch(e.epoch)
                .await?
                .unwrap_or_else(|| EpochInfo::new(e.epoch));
            epoch.start_checkpoint = Some(checkpoint);
            if let EventContext::Committee { n_shards, members } = &indexed.context {
                epoch.n_shards = Some(*n_shards);
                for member in members {
                    tx.put_committee_member(member).await?;
                }
            }
            tx.put_epoch(&epoch).await?;
        }
        ContractEvent::EpochChangeDone(e) => {
            let mut epoch = tx
                .epoch(e.epoch)
                .await?
                .unwrap_or_else(|| EpochInfo::new(e.epoch));
            epoch.phase = EpochPhase::ChangeDone;
            epoch.done_checkpoint = Some(checkpoint);
            tx.put_epoch(&epoch).await?;
        }
        ContractEvent::ShardsReceived(e) => {
            let mut epoch = tx
                .epoch(e.epoch)
                .await?
                .unwrap_or_else(|| EpochInfo::new(e.epoch));
            epoch.sync_reports.push(SyncReport {
                sender,
                shards: e.shards.clone(),
                checkpoint,
            });
            tx.put_epoch(&epoch).await?;
        }
        ContractEvent::EpochParametersSelected(e) => {
            let current = e.next_epoch.saturating_sub(1);
            let mut epoch = tx
                .epoch(current)
                .await?
                .unwrap_or_else(|| EpochInfo::new(current));
            epoch.params_selected_checkpoint = Some(checkpoint);
            tx.put_epoch(&epoch).await?;
        }
        ContractEvent::PricesUpdated(e) => {
            let mut epoch = tx
                .epoch(e.epoch)
                .await?
                .unwrap_or_else(|| EpochInfo::new(e.epoch));
            epoch.storage_price = Some(e.storage_price);
            epoch.write_price = Some(e.write_price);
            tx.put_epoch(&epoch).await?;
        }
        ContractEvent::NodeRegistered(e) => {
            let mut node = tx
                .node(e.node_id)
                .await?
                .unwrap_or_else(|| NodeInfo::new(e.node_id));
            node.cap_id = Some(e.cap_id);
            node.registered_epoch = Some(e.epoch);
            node.commission_rate = e.commission_rate;
            if let EventContext::Node(details) = &indexed.context {
                node.details = details.clone();
            }
            tx.put_node(&node).await?;
            if tx.pool(e.node_id).await?.is_none() {
                tx.put_pool(&PoolInfo {
                    node_id: e.node_id,
                    ..PoolInfo::default()
                })
                .await?;
            }
        }
        ContractEvent::NodeParametersUpdated(e) => {
            let mut node = tx
                .node(e.node_id)
                .await?
                .unwrap_or_else(|| NodeInfo::new(e.node_id));
            if let EventContext::Node(details) = &indexed.context {
                node.details = details.clone();
            }
            tx.put_node(&node).await?;
        }
        ContractEvent::VotesUpdated(e) => {
            let mut node = tx
                .node(e.node_id)
                .await?
                .unwrap_or_else(|| NodeInfo::new(e.node_id));
            node.votes = Some((e.storage_price, e.write_price, e.node_capacity));
            tx.put_node(&node).await?;
        }
        ContractEvent::CommissionRateSet(e) => {
            let mut node = tx
                .node(e.node_id)
                .await?
                .unwrap_or_else(|| NodeInfo::new(e.node_id));
            node.pending_commission = Some((e.commission_rate, e.effective_epoch));
            tx.put_node(&node).await?;
        }
        ContractEvent::CommissionCollected(e) => {
            let mut pool = pool_or_new(tx, e.node_id).await?;
            pool.commission_collected = pool.commission_collected.saturating_add(e.amount);
            tx.put_pool(&pool).await?;
        }
        ContractEvent::NodeRetired(e) => {
            let mut node = tx
                .node(e.node_id)
                .await?
                .unwrap_or_else(|| NodeInfo::new(e.node_id));
            node.withdraw_epoch = Some(e.withdraw_epoch);
            tx.put_node(&node).await?;
        }
        ContractEvent::StakeDeposited(e) => {
            tx.put_stake(&StakeInfo {
                staked_wal_id: e.staked_wal_id,
                owner: sender,
                node_id: e.node_id,
                amount: e.amount,
                activation_epoch: e.activation_epoch,
                state: StakeState::Staked,
                withdraw_epoch: None,
                rewards: None,
            })
            .await?;
            let mut pool = pool_or_new(tx, e.node_id).await?;
            pool.deposited = pool.deposited.saturating_add(e.amount);
            pool.n_deposits = pool.n_deposits.saturating_add(1);
            tx.put_pool(&pool).await?;
        }
        ContractEvent::StakeWithdrawalRequested(e) => {
            let mut stake = stake_or_new(tx, e.staked_wal_id, e.node_id, e.amount, &sender).await?;
            stake.state = StakeState::Withdrawing;
            stake.withdraw_epoch = Some(e.withdraw_epoch);
            tx.put_stake(&stake).await?;
        }
        ContractEvent::StakeWithdrawn(e) => {
            let mut stake = stake_or_new(tx, e.staked_wal_id, e.node_id, e.amount, &sender).await?;
            stake.state = StakeState::Withdrawn;
            stake.rewards = Some(e.rewards);
            tx.put_stake(&stake).await?;
            let mut pool = pool_or_new(tx, e.node_id).await?;
            pool.withdrawn = pool.withdrawn.saturating_add(e.amount);
            pool.rewards_withdrawn = pool.rewards_withdrawn.saturating_add(e.rewards);
            tx.put_pool(&pool).await?;
        }
        ContractEvent::PoolRewarded(e) => {
            let mut reward = tx.reward(e.epoch, e.node_id).await?.unwrap_or(RewardInfo {
                epoch: e.epoch,
                node_id: e.node_id,
                reward: 0,
                commission: 0,
            });
            reward.reward = reward.reward.saturating_add(e.reward);
            reward.commission = reward.commission.saturating_add(e.commission);
            tx.put_reward(&reward).await?;
            let mut pool = pool_or_new(tx, e.node_id).await?;
            pool.rewards = pool.rewards.saturating_add(e.reward);
            pool.commission = pool.commission.saturating_add(e.commission);
            tx.put_pool(&pool).await?;
        }
        ContractEvent::ChallengeVerdictRecorded(e) => {
            tx.put_challenge_verdict(&ChallengeVerdict {
                epoch: e.epoch,
                node_id: e.node_id,
                passed: e.passed,
                checkpoint,
            })
            .await?;
        }
        // The slash vote lives in the pool object; the applied fraction is in the System's
        // challenge parameters. The indexer keeps neither.
        ContractEvent::SlashVoteUpdated(_) => {}
        ContractEvent::NodeSlashed(e) => {
            tx.put_slash(&SlashInfo {
                epoch: e.epoch,
                node_id: e.node_id,
                amount: e.amount,
                checkpoint,
            })
            .await?;
        }
    }
    Ok(())
}

async fn pool_or_new<T: StoreTx>(
    tx: &mut T,
    node_id: walrus_core::ObjectId,
) -> Result<PoolInfo, StoreError> {
    Ok(tx.pool(node_id).await?.unwrap_or(PoolInfo {
        node_id,
        ..PoolInfo::default()
    }))
}

async fn stake_or_new<T: StoreTx>(
    tx: &mut T,
    staked_wal_id: walrus_core::ObjectId,
    node_id: walrus_core::ObjectId,
    amount: u64,
    sender: &Option<String>,
) -> Result<StakeInfo, StoreError> {
    Ok(tx.stake(staked_wal_id).await?.unwrap_or(StakeInfo {
        staked_wal_id,
        owner: sender.clone(),
        node_id,
        amount,
        activation_epoch: 0,
        state: StakeState::Staked,
        withdraw_epoch: None,
        rewards: None,
    }))
}
