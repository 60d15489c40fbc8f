//! The unit of ingestion: one checkpoint's Walrus events, in ledger order, each with its
//! position, its sender and whatever chain state the event does not carry itself (the committee
//! at an epoch change, a node's name, address and keys). The same values are the typed, ordered
//! changes published to subscribers after they are committed.

use walrus_core::{Epoch, ObjectId};
use walrus_sui::client::CheckpointEvents;
use walrus_sui::events::ContractEvent;

use crate::model::{CommitteeMember, NodeDetails};

/// One Walrus event with its position and context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedEvent {
    /// The emitting transaction's digest (base58).
    pub tx_digest: String,
    /// The index among the transaction's events.
    pub event_index: u32,
    /// The transaction sender (`0x…`).
    pub sender: Option<String>,
    /// The decoded event.
    pub event: ContractEvent,
    /// Chain state read for this event.
    pub context: EventContext,
}

/// Chain state that an event refers to but does not carry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EventContext {
    /// Nothing needed (or the chain no longer shows the state of that time).
    #[default]
    None,
    /// The committee that took over at an `EpochChangeStart`, with the number of shards.
    Committee {
        /// The number of shards.
        n_shards: u16,
        /// The members in node-ID order.
        members: Vec<CommitteeMember>,
    },
    /// A node's name, address and keys (`NodeRegistered`, `NodeParametersUpdated`).
    Node(NodeDetails),
}

/// The Walrus events of one checkpoint: the unit committed atomically with the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointChanges {
    /// The checkpoint's sequence number.
    pub sequence_number: u64,
    /// The checkpoint's timestamp (ms), if reported.
    pub timestamp_ms: Option<u64>,
    /// The Walrus events in ledger order.
    pub events: Vec<IndexedEvent>,
}

impl CheckpointChanges {
    /// The decoded Walrus events of a followed checkpoint, without context (undecoded events of
    /// other packages or unknown names are dropped).
    pub fn from_checkpoint(checkpoint: &CheckpointEvents) -> Self {
        let events = checkpoint
            .events
            .iter()
            .filter_map(|envelope| {
                Some(IndexedEvent {
                    tx_digest: envelope.tx_digest.to_string(),
                    event_index: envelope.event_index,
                    sender: envelope.sender.map(|s| s.to_string()),
                    event: envelope.event.clone()?,
                    context: EventContext::None,
                })
            })
            .collect();
        Self {
            sequence_number: checkpoint.sequence_number,
            timestamp_ms: checkpoint.timestamp_ms,
            events,
        }
    }

    /// A checkpoint without Walrus events.
    pub fn empty(sequence_number: u64) -> Self {
        Self {
            sequence_number,
            timestamp_ms: None,
            events: Vec::new(),
        }
    }
}

/// What a change needs to know from the chain beyond the event: implemented by the chain client,
/// and by [`NoChain`] where only the events matter (benchmarks, synthetic tests).
pub trait ChainContext: Send + Sync {
    /// The chain's current committee (`None` if unknown).
    fn current_committee(
        &self,
    ) -> impl Future<Output = Result<Option<CommitteeSnapshot>, ContextError>> + Send;

    /// A node's current name, address and keys (`None` if its pool is gone).
    fn node_details(
        &self,
        node_id: ObjectId,
    ) -> impl Future<Output = Result<Option<NodeDetails>, ContextError>> + Send;
}

/// The committee of one epoch as read from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeSnapshot {
    /// The epoch.
    pub epoch: Epoch,
    /// The number of shards.
    pub n_shards: u16,
    /// Whether the epoch change is done (a quorum of shards reported sync).
    pub change_done: bool,
    /// The members in node-ID order.
    pub members: Vec<CommitteeMember>,
}

/// A chain read failed.
#[derive(Debug, thiserror::Error)]
#[error("chain read: {0}")]
pub struct ContextError(pub String);

/// A context that knows nothing: events are indexed with [`EventContext::None`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChain;

impl ChainContext for NoChain {
    async fn current_committee(&self) -> Result<Option<CommitteeSnapshot>, ContextError> {
        Ok(None)
    }

    async fn node_details(&self, _node_id: ObjectId) -> Result<Option<NodeDetails>, ContextError> {
        Ok(None)
    }
}

/// Fills in the context of the events that need one.
pub async fn add_context<C: ChainContext>(
    chain: &C,
    changes: &mut CheckpointChanges,
) -> Result<(), ContextError> {
    for indexed in &mut changes.events {
        indexed.context = match &indexed.event {
            ContractEvent::EpochChangeStart(e) => match chain.current_committee().await? {
                Some(snapshot) if snapshot.epoch == e.epoch => EventContext::Committee {
                    n_shards: snapshot.n_shards,
                    members: snapshot.members,
                },
                _ => {
                    tracing::warn!(
                        epoch = e.epoch,
                        "indexer: the chain moved past this epoch; its committee is not recorded"
                    );
                    EventContext::None
                }
            },
            ContractEvent::NodeRegistered(e) => node_context(chain, e.node_id).await?,
            ContractEvent::NodeParametersUpdated(e) => node_context(chain, e.node_id).await?,
            _ => EventContext::None,
        };
    }
    Ok(())
}

async fn node_context<C: ChainContext>(
    chain: &C,
    node_id: ObjectId,
) -> Result<EventContext, ContextError> {
    Ok(chain
        .node_details(node_id)
        .await?
        .map_or(EventContext::None, EventContext::Node))
}
