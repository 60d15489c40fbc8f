//! A checkpoint/event stream from a cursor: catches up with `GetCheckpoint`, then follows the
//! tip with `SubscribeCheckpoints`, filling any gap with `GetCheckpoint`. Transient errors
//! (transport errors, a dropped subscription, a checkpoint not yet available) are retried with
//! exponential backoff; the stream is restartable from the last processed checkpoint
//! ([`CheckpointCursor`]). Events are filtered to our packages and decoded to the mirrors.

use std::collections::VecDeque;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sui_rpc::field::{FieldMask, FieldMaskUtil};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Digest, StructTag};

use super::{ChainError, WalrusSuiClient};
use crate::events::{ContractEvent, EventDecodeError};

/// The module that declares every Walrus event.
const EVENTS_MODULE: &str = "events";

/// The checkpoint read mask: enough for event positions and contents.
const CHECKPOINT_MASK: &[&str] = &[
    "sequence_number",
    "summary.timestamp",
    "transactions.digest",
    "transactions.events",
];

/// One event with its position and, for Walrus events, the decoded mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventEnvelope {
    /// The checkpoint, when known.
    pub checkpoint: Option<u64>,
    /// The emitting transaction.
    pub tx_digest: Digest,
    /// The index among the transaction's events.
    pub event_index: u32,
    /// The package of the top-level call that emitted it.
    pub package_id: Option<Address>,
    /// The module of the top-level call that emitted it.
    pub module: String,
    /// The transaction sender.
    pub sender: Option<Address>,
    /// The event's Move type.
    pub type_: StructTag,
    /// The event's BCS contents.
    pub contents: Vec<u8>,
    /// The decoded Walrus event (`None` for other packages' events or unknown names).
    pub event: Option<ContractEvent>,
}

impl EventEnvelope {
    /// Parses a proto event; events of type `{walrus_types}::events::*` are decoded (a BCS
    /// mismatch is an error, an unknown name is left undecoded).
    pub fn from_proto(
        event: &proto::Event,
        checkpoint: Option<u64>,
        tx_digest: Digest,
        event_index: u32,
        walrus_types: &Address,
    ) -> Result<Self, ChainError> {
        let type_str = event
            .event_type
            .as_deref()
            .ok_or_else(|| ChainError::Malformed("event without type".into()))?;
        let type_ = StructTag::from_str(type_str)
            .map_err(|e| ChainError::Malformed(format!("event type {type_str}: {e}")))?;
        let contents = event
            .contents
            .as_ref()
            .and_then(|c| c.value.as_ref())
            .map(|v| v.to_vec())
            .unwrap_or_default();
        let decoded = if type_.address() == walrus_types && type_.module().as_str() == EVENTS_MODULE
        {
            match ContractEvent::decode(type_.name().as_str(), &contents) {
                Ok(e) => Some(e),
                Err(EventDecodeError::UnknownType(_)) => None,
                Err(e) => return Err(ChainError::Malformed(e.to_string())),
            }
        } else {
            None
        };
        Ok(Self {
            checkpoint: event.checkpoint.or(checkpoint),
            tx_digest,
            event_index: event.event_index.unwrap_or(event_index),
            package_id: event.package_id.as_deref().and_then(|p| p.parse().ok()),
            module: event.module.clone().unwrap_or_default(),
            sender: event.sender.as_deref().and_then(|s| s.parse().ok()),
            type_,
            contents,
            event: decoded,
        })
    }
}

/// The events of our packages in one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointEvents {
    /// The checkpoint's sequence number.
    pub sequence_number: u64,
    /// The checkpoint's timestamp (ms since the Unix epoch), if reported.
    pub timestamp_ms: Option<u64>,
    /// The events whose type is defined by one of the followed packages, in ledger order.
    pub events: Vec<EventEnvelope>,
}

impl CheckpointEvents {
    /// Extracts the events of `packages` (matched on the event type's package) from a
    /// checkpoint read with the checkpoint mask.
    pub fn from_proto(
        checkpoint: &proto::Checkpoint,
        packages: &[Address],
        walrus_types: &Address,
    ) -> Result<Self, ChainError> {
        let sequence_number = checkpoint
            .sequence_number
            .ok_or_else(|| ChainError::Malformed("checkpoint without sequence number".into()))?;
        let timestamp_ms = checkpoint
            .summary
            .as_ref()
            .and_then(|s| s.timestamp.as_ref())
            .and_then(|t| {
                let ms = i128::from(t.seconds) * 1000 + i128::from(t.nanos) / 1_000_000;
                u64::try_from(ms).ok()
            });
        let mut events = Vec::new();
        for tx in &checkpoint.transactions {
            let Some(tx_events) = tx.events.as_ref() else {
                continue;
            };
            let digest: Digest = tx
                .digest
                .as_deref()
                .unwrap_or_default()
                .parse()
                .map_err(|e| ChainError::Malformed(format!("transaction digest: {e}")))?;
            for (index, event) in tx_events.events.iter().enumerate() {
                let Some(type_str) = event.event_type.as_deref() else {
                    continue;
                };
                let Ok(type_) = StructTag::from_str(type_str) else {
                    continue;
                };
                if !packages.contains(type_.address()) {
                    continue;
                }
                events.push(EventEnvelope::from_proto(
                    event,
                    Some(sequence_number),
                    digest,
                    u32::try_from(index).unwrap_or(u32::MAX),
                    walrus_types,
                )?);
            }
        }
        Ok(Self {
            sequence_number,
            timestamp_ms,
            events,
        })
    }
}

/// A persisted stream position: the next checkpoint to process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CheckpointCursor {
    /// The first checkpoint not yet processed.
    pub next_checkpoint: u64,
}

impl CheckpointCursor {
    /// The cursor after processing checkpoint `sequence_number`.
    pub fn after(sequence_number: u64) -> Self {
        Self {
            next_checkpoint: sequence_number.saturating_add(1),
        }
    }

    /// Loads a cursor file (JSON `{"next_checkpoint": N}`); `None` if it does not exist.
    pub fn load(path: impl AsRef<Path>) -> std::io::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Stores the cursor atomically (temporary file, fsync, rename).
    pub fn store(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        use std::io::Write as _;
        let path = path.as_ref();
        let tmp = path.with_extension("tmp");
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&serde_json::to_vec(self).map_err(std::io::Error::other)?)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}

/// Exponential backoff: `base · 2^attempt`, capped at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(10))
    }
}

impl Backoff {
    /// A backoff starting at `base` and capped at `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            attempt: 0,
        }
    }

    /// The delay before the next retry; each call doubles the following one.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 1u32.checked_shl(self.attempt.min(31)).unwrap_or(u32::MAX);
        self.attempt = self.attempt.saturating_add(1);
        self.base.saturating_mul(factor).min(self.max)
    }

    /// The number of delays handed out since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the base delay (after a success).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// What to do with a subscription frame.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Deliver this checkpoint (it is the next one).
    Deliver(Box<proto::Checkpoint>),
    /// Already processed: drop it.
    Skip,
    /// A gap: fetch the next checkpoint first (the frame is kept for later).
    Fetch(u64),
}

/// Orders subscription frames against the next expected checkpoint.
#[derive(Debug, Default)]
struct Sequencer {
    next: u64,
    pending: VecDeque<proto::Checkpoint>,
}

impl Sequencer {
    fn step(&mut self) -> Option<Step> {
        let front = self.pending.front()?;
        let seq = front.sequence_number.unwrap_or_default();
        Some(if seq < self.next {
            self.pending.pop_front();
            Step::Skip
        } else if seq == self.next {
            Step::Deliver(Box::new(self.pending.pop_front()?))
        } else {
            Step::Fetch(self.next)
        })
    }

    fn push(&mut self, checkpoint: proto::Checkpoint) {
        // Keep at most a window of frames; the gap is filled by fetching anyway.
        if self.pending.len() < 1024 {
            self.pending.push_back(checkpoint);
        }
    }
}

/// Follows checkpoints from a cursor and yields the events of our packages.
pub struct CheckpointFollower {
    rpc: sui_rpc::Client,
    packages: Vec<Address>,
    walrus_types: Address,
    sequencer: Sequencer,
    subscription: Option<tonic::Streaming<proto::SubscribeCheckpointsResponse>>,
    backoff: Backoff,
    max_retries: Option<u32>,
}

impl std::fmt::Debug for CheckpointFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointFollower")
            .field("next", &self.sequencer.next)
            .field("packages", &self.packages)
            .field("subscribed", &self.subscription.is_some())
            .finish_non_exhaustive()
    }
}

impl WalrusSuiClient {
    /// A follower starting at `cursor` for the events of the `wal` and `walrus` packages.
    pub fn follow_checkpoints(&self, cursor: CheckpointCursor) -> CheckpointFollower {
        let mut packages = vec![
            self.config.walrus_type_package(),
            self.config.walrus_package_id,
            self.config.wal_package_id,
        ];
        packages.dedup();
        CheckpointFollower {
            rpc: self.rpc(),
            packages,
            walrus_types: self.config.walrus_type_package(),
            sequencer: Sequencer {
                next: cursor.next_checkpoint,
                pending: VecDeque::new(),
            },
            subscription: None,
            backoff: Backoff::default(),
            max_retries: None,
        }
    }

    /// The sequence number of the latest checkpoint.
    pub async fn latest_checkpoint(&self) -> Result<u64, ChainError> {
        latest_checkpoint(&mut self.rpc()).await
    }
}

async fn latest_checkpoint(rpc: &mut sui_rpc::Client) -> Result<u64, ChainError> {
    let request = proto::GetCheckpointRequest::latest()
        .with_read_mask(FieldMask::from_paths(["sequence_number"]));
    let response = rpc.ledger_client().get_checkpoint(request).await?;
    response
        .into_inner()
        .checkpoint
        .and_then(|c| c.sequence_number)
        .ok_or_else(|| ChainError::Malformed("latest checkpoint without sequence number".into()))
}

impl CheckpointFollower {
    /// Uses this backoff for retries.
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Gives up after `max_retries` consecutive transient failures (default: never).
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// The position to persist after processing the last returned checkpoint.
    pub fn cursor(&self) -> CheckpointCursor {
        CheckpointCursor {
            next_checkpoint: self.sequencer.next,
        }
    }

    /// The next checkpoint's events (possibly none). Transient failures are retried with
    /// backoff; other errors are returned (the follower can be polled again after them).
    pub async fn next(&mut self) -> Result<CheckpointEvents, ChainError> {
        loop {
            match self.try_next().await {
                Ok(checkpoint) => {
                    self.backoff.reset();
                    let events = CheckpointEvents::from_proto(
                        &checkpoint,
                        &self.packages,
                        &self.walrus_types,
                    )?;
                    self.sequencer.next = events.sequence_number.saturating_add(1);
                    return Ok(events);
                }
                Err(e) if retryable(&e) => {
                    self.subscription = None;
                    if self
                        .max_retries
                        .is_some_and(|max| self.backoff.attempts() >= max)
                    {
                        return Err(e);
                    }
                    tokio::time::sleep(self.backoff.next_delay()).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn get_checkpoint(
        &mut self,
        sequence_number: u64,
    ) -> Result<proto::Checkpoint, ChainError> {
        let request = proto::GetCheckpointRequest::by_sequence_number(sequence_number)
            .with_read_mask(FieldMask::from_paths(CHECKPOINT_MASK));
        let response = self.rpc.ledger_client().get_checkpoint(request).await?;
        response
            .into_inner()
            .checkpoint
            .ok_or_else(|| ChainError::Malformed("GetCheckpoint without checkpoint".into()))
    }

    async fn try_next(&mut self) -> Result<proto::Checkpoint, ChainError> {
        loop {
            match self.sequencer.step() {
                Some(Step::Deliver(checkpoint)) => return Ok(*checkpoint),
                Some(Step::Skip) => continue,
                Some(Step::Fetch(seq)) => return self.get_checkpoint(seq).await,
                None => {}
            }
            if self.subscription.is_none() {
                // Catch up by fetching while behind the tip, then subscribe.
                let next = self.sequencer.next;
                if next <= latest_checkpoint(&mut self.rpc).await? {
                    return self.get_checkpoint(next).await;
                }
                let mut request = proto::SubscribeCheckpointsRequest::default();
                request.read_mask = Some(FieldMask::from_paths(CHECKPOINT_MASK));
                let stream = self
                    .rpc
                    .subscription_client()
                    .subscribe_checkpoints(request)
                    .await?
                    .into_inner();
                self.subscription = Some(stream);
            }
            let Some(subscription) = self.subscription.as_mut() else {
                continue;
            };
            match subscription.next().await {
                Some(Ok(frame)) => {
                    if let Some(checkpoint) = frame.checkpoint {
                        self.sequencer.push(checkpoint);
                    }
                }
                Some(Err(status)) => {
                    self.subscription = None;
                    return Err(status.into());
                }
                None => {
                    self.subscription = None;
                    return Err(tonic::Status::unavailable("checkpoint subscription ended").into());
                }
            }
        }
    }
}

/// Whether the follower retries after `error`: transient transport errors and a checkpoint
/// that is not (yet) available.
fn retryable(error: &ChainError) -> bool {
    error.is_transient()
        || matches!(error, ChainError::Rpc(status) if status.code() == tonic::Code::NotFound)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use walrus_core::{BlobId, ObjectId};

    use super::*;
    use crate::events::{BlobCertified, EpochChangeStart};

    fn checkpoint(seq: u64) -> proto::Checkpoint {
        let mut c = proto::Checkpoint::default();
        c.sequence_number = Some(seq);
        c
    }

    fn event(type_: String, contents: Vec<u8>) -> proto::Event {
        let mut e = proto::Event::default();
        e.event_type = Some(type_);
        e.package_id = Some("0x1234".into());
        e.module = Some("staking".into());
        let mut b = proto::Bcs::default();
        b.value = Some(contents.into());
        e.contents = Some(b);
        e
    }

    #[test]
    fn sequencer_delivers_in_order_and_fills_gaps() {
        let mut s = Sequencer {
            next: 5,
            pending: VecDeque::new(),
        };
        assert_eq!(s.step(), None);
        s.push(checkpoint(3));
        assert_eq!(s.step(), Some(Step::Skip));
        s.push(checkpoint(7));
        // 5 and 6 are missing: fetch them while holding 7.
        assert_eq!(s.step(), Some(Step::Fetch(5)));
        s.next = 6;
        assert_eq!(s.step(), Some(Step::Fetch(6)));
        s.next = 7;
        assert_eq!(s.step(), Some(Step::Deliver(Box::new(checkpoint(7)))));
        assert_eq!(s.step(), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let delays: Vec<_> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
        assert_eq!(b.attempts(), 6);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
        let mut huge = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        for _ in 0..100 {
            assert!(huge.next_delay() <= Duration::from_secs(60));
        }
    }

    #[test]
    fn cursor_persists_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cursor.json");
        assert_eq!(CheckpointCursor::load(&path).unwrap(), None);
        CheckpointCursor::after(41).store(&path).unwrap();
        assert_eq!(
            CheckpointCursor::load(&path).unwrap(),
            Some(CheckpointCursor {
                next_checkpoint: 42
            })
        );
        CheckpointCursor::after(99).store(&path).unwrap();
        assert_eq!(
            CheckpointCursor::load(&path)
                .unwrap()
                .unwrap()
                .next_checkpoint,
            100
        );
        assert!(!path.with_extension("tmp").exists());
        std::fs::write(&path, "garbage").unwrap();
        assert!(CheckpointCursor::load(&path).is_err());
    }

    #[test]
    fn checkpoint_events_are_filtered_and_decoded() {
        let walrus = Address::from_static("0xaa");
        let other = Address::from_static("0xbb");
        let certified = BlobCertified {
            epoch: 2,
            blob_id: BlobId([1; 32]),
            end_epoch: 5,
            deletable: true,
            object_id: ObjectId([2; 32]),
            is_extension: false,
        };
        let start = EpochChangeStart { epoch: 3 };
        let mut tx = proto::ExecutedTransaction::default();
        tx.digest = Some(Digest::new([8; 32]).to_string());
        let mut events = proto::TransactionEvents::default();
        events.events = vec![
            event(format!("{other}::events::BlobCertified"), vec![1, 2, 3]),
            event(
                format!("{walrus}::events::BlobCertified"),
                bcs::to_bytes(&certified).unwrap(),
            ),
            event(
                format!("{walrus}::events::EpochChangeStart"),
                bcs::to_bytes(&start).unwrap(),
            ),
            event(format!("{walrus}::events::SomethingNew"), vec![]),
        ];
        tx.events = Some(events);
        let mut quiet = proto::ExecutedTransaction::default();
        quiet.digest = Some(Digest::new([9; 32]).to_string());
        let mut cp = checkpoint(17);
        let mut summary = proto::CheckpointSummary::default();
        summary.timestamp = Some(sui_rpc::proto::timestamp_ms_to_proto(1_234_567));
        cp.summary = Some(summary);
        cp.transactions = vec![quiet, tx];

        let out = CheckpointEvents::from_proto(&cp, &[walrus], &walrus).unwrap();
        assert_eq!(out.sequence_number, 17);
        assert_eq!(out.timestamp_ms, Some(1_234_567));
        assert_eq!(out.events.len(), 3);
        assert_eq!(
            out.events[0].event,
            Some(ContractEvent::BlobCertified(certified))
        );
        assert_eq!(out.events[0].event_index, 1);
        assert_eq!(out.events[0].checkpoint, Some(17));
        assert_eq!(out.events[0].tx_digest, Digest::new([8; 32]));
        assert_eq!(
            out.events[1].event,
            Some(ContractEvent::EpochChangeStart(start))
        );
        assert_eq!(out.events[2].event, None);

        // A Walrus event whose contents do not match the mirror is an error.
        let mut bad = cp.clone();
        bad.transactions[1].events.as_mut().unwrap().events[1]
            .contents
            .as_mut()
            .unwrap()
            .value = Some(vec![0u8; 3].into());
        assert!(CheckpointEvents::from_proto(&bad, &[walrus], &walrus).is_err());
    }

    #[test]
    fn not_found_and_transport_errors_are_retried() {
        assert!(retryable(
            &tonic::Status::not_found("Checkpoint 9 not found").into()
        ));
        assert!(retryable(&tonic::Status::unavailable("down").into()));
        assert!(!retryable(&tonic::Status::invalid_argument("bad").into()));
    }
}
