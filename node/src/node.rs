//! The core of the storage node: shared state and the request logic behind every API route.
//! The HTTP layer (`api.rs`) only parses requests and renders results.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::sync::{mpsc, watch};
use walrus_core::{
    BlobId, BlsKeyPair, BlsPublicKey, Epoch, ObjectId, ShardIndex, SliverIndex, SliverPairIndex,
    encoding::{
        Axis, EncodingAxis, GeneralRecoverySymbol, InconsistencyProof, Primary, Secondary,
        SliverData,
    },
    merkle::Node,
    messages::{
        BlobPersistenceType, Confirmation, InvalidBlobIdMsg, SignedInvalidBlobIdMsg,
        SignedStorageConfirmation, SignedSyncShardRequest, sync_shard::SyncShardRequest,
    },
    metadata::{BlobMetadata, BlobMetadataWithId, VerifiedBlobMetadataWithId},
};
use walrus_node_api::{
    ApiError, ApiStatus, BlobStatus, EventProgress, ServiceHealthInfo, ShardHealthEntry,
    ShardHealthInfo, ShardStatus, ShardStatusDetail, ShardStatusSummary, StoredOnNodeStatus,
    SyncShardResponse, reason,
};
use walrus_sui::client::WalrusSuiClient;

use crate::{
    committee::Committee,
    config::NodeConfig,
    metrics::Metrics,
    storage::{BlobInfo, NodeStore, StoreError},
};

/// Maps store errors to API errors: a full disk is reported to the uploader, anything else is
/// an internal error (logged, not exposed).
pub fn store_error(error: StoreError) -> ApiError {
    match error {
        StoreError::Full => ApiError::new(
            ApiStatus::ResourceExhausted,
            reason::STORAGE_FULL,
            "the storage node's disk is full",
        )
        .with_code(507),
        other => {
            tracing::error!(error = %other, "store error");
            ApiError::internal()
        }
    }
}

fn bad_request(status: ApiStatus, reason: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(status, reason, message)
}

/// Everything buffered for one blob: its metadata and `(pair, axis, BCS bytes)` slivers.
pub type PendingBlob = (Option<BlobMetadata>, Vec<(SliverPairIndex, Axis, Vec<u8>)>);

/// Uploads received with `?pending=true` before the blob's registration was seen.
#[derive(Debug, Default)]
pub struct PendingUploads {
    metadata: HashMap<BlobId, BlobMetadata>,
    slivers: HashMap<(BlobId, SliverPairIndex, Axis), Vec<u8>>,
}

impl PendingUploads {
    fn len(&self) -> usize {
        self.metadata.len() + self.slivers.len()
    }

    /// Removes and returns everything buffered for `blob_id`.
    pub fn take(&mut self, blob_id: &BlobId) -> PendingBlob {
        let metadata = self.metadata.remove(blob_id);
        let keys: Vec<_> = self
            .slivers
            .keys()
            .filter(|(id, _, _)| id == blob_id)
            .copied()
            .collect();
        let slivers = keys
            .into_iter()
            .filter_map(|key| {
                let bytes = self.slivers.remove(&key)?;
                Some((key.1, key.2, bytes))
            })
            .collect();
        (metadata, slivers)
    }
}

/// The result of a successful PUT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// 201.
    New,
    /// 200.
    Already,
    /// 202.
    Buffered,
}

/// Parameters of a recovery-symbols request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SymbolRequest {
    /// All symbols this node can serve for one target sliver.
    Target {
        /// The target sliver's index.
        index: SliverIndex,
        /// The target sliver's axis.
        axis: Axis,
    },
    /// Specific cells `(row, column)`, proven against the slivers of `proof_axis`.
    Ids {
        /// The cells.
        ids: Vec<walrus_core::SymbolId>,
        /// The axis of the source slivers.
        proof_axis: Axis,
    },
}

/// The shared state of a running node.
#[derive(Debug)]
pub struct NodeInner {
    /// The configuration.
    pub config: NodeConfig,
    /// The persistent store.
    pub store: Arc<dyn NodeStore>,
    /// The BLS protocol key.
    pub key: BlsKeyPair,
    /// This node's ID.
    pub node_id: ObjectId,
    /// The chain client (signing with the operator key).
    pub sui: WalrusSuiClient,
    /// Metrics.
    pub metrics: Metrics,
    /// The HTTP client for other nodes.
    pub http: reqwest::Client,
    /// The storage-challenge verdicts this node signed.
    pub challenges: crate::challenge::ChallengeState,
    /// The per-client rate limit of the challenge-symbols endpoint.
    pub challenge_limiter: crate::rate_limit::RateLimiter,
    committee: RwLock<Arc<Committee>>,
    previous_committee: RwLock<Option<Arc<Committee>>>,
    shard_status: RwLock<BTreeMap<ShardIndex, ShardStatus>>,
    pending: Mutex<PendingUploads>,
    recovery_tx: mpsc::UnboundedSender<BlobId>,
    checkpoint_tx: watch::Sender<u64>,
    events_processed: AtomicU64,
    started: Instant,
}

impl NodeInner {
    /// Creates the node state; `recovery_tx` feeds the recovery worker.
    pub fn new(
        config: NodeConfig,
        store: Arc<dyn NodeStore>,
        key: BlsKeyPair,
        sui: WalrusSuiClient,
        committee: Committee,
        http: reqwest::Client,
        recovery_tx: mpsc::UnboundedSender<BlobId>,
    ) -> Self {
        let node_id = walrus_sui::client::to_object_id(config.node_id);
        let (checkpoint_tx, _) = watch::channel(0);
        let metrics = Metrics::new();
        metrics.epoch.set(i64::from(committee.epoch));
        let challenges = crate::challenge::ChallengeState::persistent(Arc::clone(&store));
        let challenge_limiter = crate::rate_limit::RateLimiter::new(
            config.challenges.responder_burst,
            config.challenges.responder_requests_per_sec,
        );
        Self {
            config,
            store,
            key,
            node_id,
            sui,
            metrics,
            http,
            challenges,
            challenge_limiter,
            committee: RwLock::new(Arc::new(committee)),
            previous_committee: RwLock::new(None),
            shard_status: RwLock::new(BTreeMap::new()),
            pending: Mutex::new(PendingUploads::default()),
            recovery_tx,
            checkpoint_tx,
            events_processed: AtomicU64::new(0),
            started: Instant::now(),
        }
    }

    // ===== Committee and shards

    /// The current committee.
    pub fn committee(&self) -> Arc<Committee> {
        self.committee
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// The committee before the last epoch change, if the node saw one.
    pub fn previous_committee(&self) -> Option<Arc<Committee>> {
        self.previous_committee
            .read()
            .ok()
            .and_then(|c| c.as_ref().map(Arc::clone))
    }

    /// Installs a new committee; the old one is kept as the previous committee.
    pub fn set_committee(&self, committee: Committee) {
        let committee = Arc::new(committee);
        self.metrics.epoch.set(i64::from(committee.epoch));
        let old = match self.committee.write() {
            Ok(mut current) => std::mem::replace(&mut *current, committee),
            Err(_) => return,
        };
        if let Ok(mut previous) = self.previous_committee.write() {
            *previous = Some(old);
        }
    }

    /// The current epoch.
    pub fn epoch(&self) -> Epoch {
        self.committee().epoch
    }

    /// The number of shards.
    pub fn n_shards(&self) -> u16 {
        self.committee().n_shards
    }

    /// The shards this node owns in the current epoch.
    pub fn owned_shards(&self) -> BTreeSet<ShardIndex> {
        self.committee().shards_of(&self.node_id)
    }

    /// Sets a shard's status (for health reports).
    pub fn set_shard_status(&self, shard: ShardIndex, status: ShardStatus) {
        if let Ok(mut map) = self.shard_status.write() {
            map.insert(shard, status);
        }
    }

    /// Forgets a shard's status.
    pub fn clear_shard_status(&self, shard: ShardIndex) {
        if let Ok(mut map) = self.shard_status.write() {
            map.remove(&shard);
        }
    }

    fn shard_status(&self, shard: ShardIndex) -> ShardStatus {
        self.shard_status
            .read()
            .ok()
            .and_then(|map| map.get(&shard).copied())
            .unwrap_or(ShardStatus::Unknown)
    }

    // ===== Event progress

    /// Records that checkpoints before `next_checkpoint` were processed, with `n_events` events.
    pub fn checkpoint_processed(&self, next_checkpoint: u64, n_events: u64) {
        self.events_processed.fetch_add(n_events, Ordering::Relaxed);
        self.metrics.events_processed.inc_by(n_events);
        self.metrics
            .next_checkpoint
            .set(i64::try_from(next_checkpoint).unwrap_or(i64::MAX));
        self.checkpoint_tx.send_replace(next_checkpoint);
    }

    /// Queues a blob for recovery of missing slivers.
    pub fn queue_recovery(&self, blob_id: BlobId) {
        // The worker only stops at shutdown; a closed channel just drops the request.
        let _ = self.recovery_tx.send(blob_id);
    }

    /// Takes everything buffered for a blob that just got registered.
    pub fn take_pending(&self, blob_id: &BlobId) -> PendingBlob {
        self.pending
            .lock()
            .map(|mut pending| pending.take(blob_id))
            .unwrap_or_default()
    }

    // ===== Lookups

    /// The chain info of a blob.
    pub fn blob_info(&self, blob_id: &BlobId) -> Result<Option<BlobInfo>, ApiError> {
        self.store.blob_info(blob_id).map_err(store_error)
    }

    fn registered_info(&self, blob_id: &BlobId) -> Result<Option<BlobInfo>, ApiError> {
        let epoch = self.epoch();
        Ok(self
            .blob_info(blob_id)?
            .filter(|info| info.is_registered(epoch)))
    }

    /// The stored metadata, verified against the current shard count.
    pub fn verified_metadata(
        &self,
        blob_id: &BlobId,
    ) -> Result<Option<VerifiedBlobMetadataWithId>, ApiError> {
        let Some(metadata) = self.store.metadata(blob_id).map_err(store_error)? else {
            return Ok(None);
        };
        let with_id = BlobMetadataWithId {
            blob_id: *blob_id,
            metadata,
        };
        match with_id.verify(self.n_shards()) {
            Ok(verified) => Ok(Some(verified)),
            Err(error) => {
                tracing::error!(%blob_id, %error, "stored metadata does not verify");
                Err(ApiError::internal())
            }
        }
    }

    fn check_pair(&self, pair: SliverPairIndex) -> Result<(), ApiError> {
        let n_shards = self.n_shards();
        if pair.get() >= n_shards {
            return Err(bad_request(
                ApiStatus::InvalidArgument,
                reason::INDEX_OUT_OF_RANGE,
                format!("sliver pair index {pair} is out of range for {n_shards} shards"),
            ));
        }
        Ok(())
    }

    fn owned_shard_for(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
    ) -> Result<ShardIndex, ApiError> {
        let committee = self.committee();
        let shard = pair.to_shard_index(committee.n_shards, blob_id);
        if committee.shards_of(&self.node_id).contains(&shard) {
            Ok(shard)
        } else {
            Err(bad_request(
                ApiStatus::FailedPrecondition,
                reason::SHARD_NOT_ASSIGNED,
                format!("shard {shard} (sliver pair {pair}) is not assigned to this node"),
            ))
        }
    }

    fn check_not_invalid(info: Option<&BlobInfo>) -> Result<(), ApiError> {
        if info.is_some_and(|info| info.invalid.is_some()) {
            return Err(bad_request(
                ApiStatus::FailedPrecondition,
                reason::INVALID_BLOB,
                "the blob has been marked invalid",
            ));
        }
        Ok(())
    }

    fn not_registered() -> ApiError {
        bad_request(
            ApiStatus::FailedPrecondition,
            reason::NOT_REGISTERED,
            "the blob is not registered or has expired",
        )
    }

    fn buffer(&self, insert: impl FnOnce(&mut PendingUploads)) -> Result<Stored, ApiError> {
        let mut pending = self.pending.lock().map_err(|_| ApiError::internal())?;
        if pending.len() >= self.config.pending_cache_entries {
            return Err(bad_request(
                ApiStatus::FailedPrecondition,
                reason::CACHE_SATURATED,
                "the pending-upload cache is full",
            ));
        }
        insert(&mut pending);
        Ok(Stored::Buffered)
    }

    // ===== Metadata

    /// `GET metadata`: the BCS bytes of `BlobMetadataWithId`.
    pub fn get_metadata(&self, blob_id: &BlobId) -> Result<Vec<u8>, ApiError> {
        let not_found = || {
            bad_request(
                ApiStatus::NotFound,
                reason::METADATA_NOT_FOUND,
                "the metadata is not stored on this node or the blob is not registered",
            )
        };
        if self.registered_info(blob_id)?.is_none() {
            return Err(not_found());
        }
        let mut metadata = self
            .store
            .metadata(blob_id)
            .map_err(store_error)?
            .ok_or_else(not_found)?;
        if self.config.fault_injection.corrupt_metadata {
            corrupt_metadata(&mut metadata);
        }
        bcs::to_bytes(&BlobMetadataWithId {
            blob_id: *blob_id,
            metadata,
        })
        .map_err(|_| ApiError::internal())
    }

    /// `PUT metadata` with the raw BCS body.
    pub fn put_metadata(
        &self,
        blob_id: &BlobId,
        body: &[u8],
        pending: bool,
    ) -> Result<Stored, ApiError> {
        // Variant V1 then the encoding-type byte; report an unknown type as such, not as BCS.
        if body.len() >= 2 && body[0] == 0 && body[1] != 1 {
            return Err(bad_request(
                ApiStatus::InvalidArgument,
                reason::UNSUPPORTED_ENCODING_TYPE,
                format!("unsupported encoding type {}", body[1]),
            ));
        }
        let metadata: BlobMetadata = bcs::from_bytes(body).map_err(|e| {
            bad_request(
                ApiStatus::InvalidArgument,
                reason::INVALID_CONTENT_TYPE,
                format!("the body is not BCS-encoded blob metadata: {e}"),
            )
        })?;
        let info = self.blob_info(blob_id)?;
        Self::check_not_invalid(info.as_ref())?;
        let with_id = BlobMetadataWithId {
            blob_id: *blob_id,
            metadata,
        };
        let verified = with_id.verify(self.n_shards()).map_err(|e| {
            bad_request(
                ApiStatus::InvalidArgument,
                reason::INVALID_METADATA,
                format!("the metadata does not verify: {e}"),
            )
        })?;
        if !info.is_some_and(|info| info.is_registered(self.epoch())) {
            if !pending {
                return Err(Self::not_registered());
            }
            let metadata = verified.into_unverified().metadata;
            return self.buffer(|p| {
                p.metadata.insert(*blob_id, metadata);
            });
        }
        self.store_verified_metadata(&verified)
    }

    /// Stores verified metadata unless it is already stored.
    pub fn store_verified_metadata(
        &self,
        verified: &VerifiedBlobMetadataWithId,
    ) -> Result<Stored, ApiError> {
        let blob_id = verified.blob_id();
        if self.store.metadata(blob_id).map_err(store_error)?.is_some() {
            return Ok(Stored::Already);
        }
        self.store
            .put_metadata(blob_id, verified.metadata())
            .map_err(store_error)?;
        self.metrics.metadata_stored.inc();
        Ok(Stored::New)
    }

    /// `GET metadata/status`.
    pub fn metadata_status(&self, blob_id: &BlobId) -> Result<StoredOnNodeStatus, ApiError> {
        if self.store.metadata(blob_id).map_err(store_error)?.is_some() {
            return Ok(StoredOnNodeStatus::Stored);
        }
        let buffered = self
            .pending
            .lock()
            .map(|p| p.metadata.contains_key(blob_id))
            .unwrap_or(false);
        Ok(if buffered {
            StoredOnNodeStatus::Buffered
        } else {
            StoredOnNodeStatus::Nonexistent
        })
    }

    // ===== Slivers

    /// `PUT sliver` with the raw BCS body.
    pub fn put_sliver(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        axis: Axis,
        body: &[u8],
        pending: bool,
    ) -> Result<Stored, ApiError> {
        self.check_pair(pair)?;
        let info = self.blob_info(blob_id)?;
        Self::check_not_invalid(info.as_ref())?;
        let shard = self.owned_shard_for(blob_id, pair)?;
        if !info.is_some_and(|info| info.is_registered(self.epoch())) {
            if !pending {
                return Err(Self::not_registered());
            }
            let max = self.sliver_body_limit();
            if body.len() > max {
                return Err(bad_request(
                    ApiStatus::FailedPrecondition,
                    reason::SLIVER_TOO_LARGE,
                    format!("the sliver has {} bytes, more than {max}", body.len()),
                ));
            }
            let bytes = body.to_vec();
            return self.buffer(|p| {
                p.slivers.insert((*blob_id, pair, axis), bytes);
            });
        }
        self.store_sliver_bytes(blob_id, shard, pair, axis, body, "upload")
    }

    /// Verifies and stores the BCS bytes of a sliver for an owned shard.
    pub fn store_sliver_bytes(
        &self,
        blob_id: &BlobId,
        shard: ShardIndex,
        pair: SliverPairIndex,
        axis: Axis,
        body: &[u8],
        origin: &str,
    ) -> Result<Stored, ApiError> {
        let metadata = self.verified_metadata(blob_id)?.ok_or_else(|| {
            bad_request(
                ApiStatus::FailedPrecondition,
                reason::METADATA_NOT_FOUND,
                "store the blob's metadata before its slivers",
            )
        })?;
        match axis {
            Axis::Primary => check_sliver::<Primary>(&metadata, pair, body)?,
            Axis::Secondary => check_sliver::<Secondary>(&metadata, pair, body)?,
        }
        if self
            .store
            .has_sliver(shard, axis, blob_id)
            .map_err(store_error)?
        {
            return Ok(Stored::Already);
        }
        self.store
            .put_sliver(shard, axis, blob_id, body)
            .map_err(store_error)?;
        self.metrics
            .slivers_stored
            .with_label_values(&[&axis.to_string(), origin])
            .inc();
        self.metrics
            .sliver_bytes_stored
            .inc_by(u64::try_from(body.len()).unwrap_or(u64::MAX));
        Ok(Stored::New)
    }

    /// `GET sliver`: the BCS bytes.
    pub fn get_sliver(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        axis: Axis,
    ) -> Result<Vec<u8>, ApiError> {
        self.check_pair(pair)?;
        let not_found = || {
            bad_request(
                ApiStatus::NotFound,
                reason::SLIVER_NOT_FOUND,
                "the sliver is not stored on this node",
            )
        };
        if self.registered_info(blob_id)?.is_none() {
            return Err(not_found());
        }
        let shard = self.owned_shard_for(blob_id, pair)?;
        let bytes = self
            .store
            .sliver(shard, axis, blob_id)
            .map_err(store_error)?
            .ok_or_else(not_found)?;
        self.metrics.slivers_served.inc();
        if self.config.fault_injection.corrupt_slivers {
            return Ok(corrupt_sliver(axis, bytes));
        }
        Ok(bytes)
    }

    /// `GET sliver status`.
    pub fn sliver_status(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        axis: Axis,
    ) -> Result<StoredOnNodeStatus, ApiError> {
        self.check_pair(pair)?;
        let shard = pair.to_shard_index(self.n_shards(), blob_id);
        if self
            .store
            .has_sliver(shard, axis, blob_id)
            .map_err(store_error)?
        {
            return Ok(StoredOnNodeStatus::Stored);
        }
        let buffered = self
            .pending
            .lock()
            .map(|p| p.slivers.contains_key(&(*blob_id, pair, axis)))
            .unwrap_or(false);
        Ok(if buffered {
            StoredOnNodeStatus::Buffered
        } else {
            StoredOnNodeStatus::Nonexistent
        })
    }

    /// The shards (owned now) for which this node lacks a sliver of `blob_id`, with the axes
    /// missing.
    pub fn missing_slivers(&self, blob_id: &BlobId) -> Result<Vec<(ShardIndex, Axis)>, StoreError> {
        let mut missing = Vec::new();
        for shard in self.owned_shards() {
            for axis in [Axis::Secondary, Axis::Primary] {
                if !self.store.has_sliver(shard, axis, blob_id)? {
                    missing.push((shard, axis));
                }
            }
        }
        Ok(missing)
    }

    // ===== Confirmations

    /// Waits up to `wait` for the blob (or the deletable object) to be registered.
    pub async fn wait_for_registration(
        &self,
        blob_id: &BlobId,
        object_id: Option<&ObjectId>,
        wait: Duration,
    ) {
        let deadline =
            tokio::time::Instant::now() + wait.min(self.config.confirmation_long_poll_max());
        let mut progress = self.checkpoint_tx.subscribe();
        loop {
            let epoch = self.epoch();
            let registered = self.blob_info(blob_id).ok().flatten().is_some_and(|info| {
                object_id.map_or(info.is_registered(epoch), |object_id| {
                    info.is_object_registered(object_id, epoch)
                })
            });
            if registered {
                return;
            }
            match tokio::time::timeout_at(deadline, progress.changed()).await {
                Ok(Ok(())) => {}
                _ => return,
            }
        }
    }

    /// `GET confirmation`: signs a storage confirmation if every owned shard stores both
    /// slivers of the blob.
    pub fn confirmation(
        &self,
        blob_id: &BlobId,
        object_id: Option<ObjectId>,
    ) -> Result<SignedStorageConfirmation, ApiError> {
        let committee = self.committee();
        let epoch = committee.epoch;
        let info = self.blob_info(blob_id)?;
        Self::check_not_invalid(info.as_ref())?;
        let info = info.ok_or_else(Self::not_registered)?;
        let blob_type = match object_id {
            None => {
                if !info.is_registered(epoch) {
                    return Err(Self::not_registered());
                }
                BlobPersistenceType::Permanent
            }
            Some(object_id) => {
                if !info.is_object_registered(&object_id, epoch) {
                    return Err(Self::not_registered());
                }
                BlobPersistenceType::Deletable { object_id }
            }
        };
        let missing = self.missing_slivers(blob_id).map_err(store_error)?;
        if !missing.is_empty() {
            return Err(bad_request(
                ApiStatus::FailedPrecondition,
                reason::MISSING_SLIVERS,
                format!(
                    "{} slivers of the blob are not yet stored on this node",
                    missing.len()
                ),
            ));
        }
        Ok(Confirmation::for_blob(epoch, *blob_id, blob_type).sign(&self.key))
    }

    // ===== Recovery symbols and inconsistency proofs

    /// `GET recoverySymbols`: the symbols this node can serve, each with its proof.
    pub fn recovery_symbols(
        &self,
        blob_id: &BlobId,
        request: &SymbolRequest,
    ) -> Result<Vec<GeneralRecoverySymbol>, ApiError> {
        let metadata = self.verified_metadata(blob_id)?.ok_or_else(|| {
            bad_request(
                ApiStatus::NotFound,
                reason::METADATA_NOT_FOUND,
                "the metadata is not stored on this node",
            )
        })?;
        let n_shards = metadata.config().n_shards();
        // (source axis, source sliver index, target index) triples to serve.
        let mut wanted: Vec<(Axis, SliverIndex, SliverIndex)> = Vec::new();
        match request {
            SymbolRequest::Target { index, axis } => {
                if index.get() >= n_shards {
                    return Err(bad_request(
                        ApiStatus::InvalidArgument,
                        reason::RECOVERY_SYMBOL_OUT_OF_RANGE,
                        format!("target sliver {index} is out of range"),
                    ));
                }
                let source_axis = axis.orthogonal();
                for shard in self.owned_shards() {
                    let pair = shard.to_pair_index(n_shards, blob_id);
                    wanted.push((
                        source_axis,
                        pair.to_sliver_index(source_axis, n_shards),
                        *index,
                    ));
                }
            }
            SymbolRequest::Ids { ids, proof_axis } => {
                if ids.is_empty() {
                    return Err(bad_request(
                        ApiStatus::FailedPrecondition,
                        reason::NO_SYMBOLS_SPECIFIED,
                        "no recovery symbols were requested",
                    ));
                }
                let owned: BTreeSet<SliverPairIndex> = self
                    .owned_shards()
                    .into_iter()
                    .map(|shard| shard.to_pair_index(n_shards, blob_id))
                    .collect();
                for id in ids {
                    if id.primary.get() >= n_shards || id.secondary.get() >= n_shards {
                        return Err(bad_request(
                            ApiStatus::InvalidArgument,
                            reason::RECOVERY_SYMBOL_OUT_OF_RANGE,
                            format!("symbol {id} is out of range"),
                        ));
                    }
                    let (source, target) = match proof_axis {
                        Axis::Primary => (id.primary, id.secondary),
                        Axis::Secondary => (id.secondary, id.primary),
                    };
                    if owned.contains(&source.to_pair_index(*proof_axis, n_shards)) {
                        wanted.push((*proof_axis, source, target));
                    }
                }
            }
        }
        let mut symbols = Vec::new();
        for (source_axis, source, target) in wanted {
            let pair = source.to_pair_index(source_axis, n_shards);
            let shard = pair.to_shard_index(n_shards, blob_id);
            let Some(bytes) = self
                .store
                .sliver(shard, source_axis, blob_id)
                .map_err(store_error)?
            else {
                continue;
            };
            let symbol = match source_axis {
                Axis::Primary => bcs::from_bytes::<SliverData<Primary>>(&bytes)
                    .ok()
                    .and_then(|s| s.recovery_symbol_for(&metadata, target).ok()),
                Axis::Secondary => bcs::from_bytes::<SliverData<Secondary>>(&bytes)
                    .ok()
                    .and_then(|s| s.recovery_symbol_for(&metadata, target).ok()),
            };
            if let Some(symbol) = symbol {
                symbols.push(symbol);
            }
        }
        if symbols.is_empty() {
            return Err(bad_request(
                ApiStatus::FailedPrecondition,
                reason::SYMBOL_NOT_PRESENT_AT_SHARDS,
                "none of the requested symbols is stored on this node",
            ));
        }
        Ok(symbols)
    }

    /// `POST inconsistencyProof`: verifies the proof and signs an invalid-blob attestation.
    pub fn inconsistency_proof(
        &self,
        blob_id: &BlobId,
        axis: Axis,
        body: &[u8],
    ) -> Result<SignedInvalidBlobIdMsg, ApiError> {
        let metadata = self.verified_metadata(blob_id)?.ok_or_else(|| {
            bad_request(
                ApiStatus::FailedPrecondition,
                reason::METADATA_NOT_FOUND,
                "the metadata is not stored on this node",
            )
        })?;
        let verified = match axis {
            Axis::Primary => verify_proof::<Primary>(&metadata, body),
            Axis::Secondary => verify_proof::<Secondary>(&metadata, body),
        };
        verified?;
        Ok(self.attest_invalid(blob_id))
    }

    /// Signs an invalid-blob attestation for the current epoch.
    pub fn attest_invalid(&self, blob_id: &BlobId) -> SignedInvalidBlobIdMsg {
        InvalidBlobIdMsg::for_blob(self.epoch(), *blob_id).sign(&self.key)
    }

    // ===== Status and health

    /// `GET status`.
    pub fn blob_status(&self, blob_id: &BlobId) -> Result<BlobStatus, ApiError> {
        let epoch = self.epoch();
        Ok(self
            .blob_info(blob_id)?
            .map(|info| info.status(epoch))
            .unwrap_or(BlobStatus::Nonexistent))
    }

    /// `GET health`.
    pub fn health(&self, detailed: bool) -> ServiceHealthInfo {
        let committee = self.committee();
        let owned = committee.shards_of(&self.node_id);
        let stored = self.store.shards();
        let mut detail = ShardStatusDetail::default();
        let mut owned_entries = Vec::new();
        for shard in &owned {
            let status = self.shard_status(*shard);
            match status {
                ShardStatus::Ready => detail.ready += 1,
                ShardStatus::InTransfer => detail.in_transfer += 1,
                ShardStatus::InRecovery => detail.in_recovery += 1,
                ShardStatus::Unknown | ShardStatus::ReadOnly => detail.unknown += 1,
            }
            owned_entries.push(ShardHealthEntry {
                shard: *shard,
                status,
            });
        }
        let other: Vec<ShardHealthEntry> = stored
            .difference(&owned)
            .map(|shard| ShardHealthEntry {
                shard: *shard,
                status: ShardStatus::ReadOnly,
            })
            .collect();
        let next_checkpoint = *self.checkpoint_tx.borrow();
        ServiceHealthInfo {
            uptime: self.started.elapsed(),
            epoch: committee.epoch,
            public_key: self.key.public_key().clone(),
            node_status: if committee.member(&self.node_id).is_some() {
                "Active".to_owned()
            } else {
                "Standby".to_owned()
            },
            event_progress: EventProgress {
                persisted: self.events_processed.load(Ordering::Relaxed),
                pending: 0,
                highest_finished_event_index: None,
            },
            shard_summary: ShardStatusSummary {
                owned: owned.len(),
                owned_shard_status: detail,
                read_only: other.len(),
            },
            shard_detail: detailed.then_some(ShardHealthInfo {
                owned: owned_entries,
                other,
            }),
            latest_checkpoint_sequence_number: next_checkpoint.checked_sub(1),
        }
    }

    // ===== Shard sync

    /// `POST sync_shard`: slivers of a shard for its new owner.
    pub fn sync_shard(
        &self,
        requester: &BlsPublicKey,
        body: &[u8],
    ) -> Result<SyncShardResponse, ApiError> {
        let verification_failed = |message: String| {
            bad_request(
                ApiStatus::InvalidArgument,
                reason::MESSAGE_VERIFICATION_FAILED,
                message,
            )
        };
        let signed = SignedSyncShardRequest::from_bcs(body).map_err(|e| {
            bad_request(
                ApiStatus::InvalidArgument,
                reason::INVALID_CONTENT_TYPE,
                format!("the body is not a BCS signed sync-shard request: {e}"),
            )
        })?;
        signed
            .verify_signature(requester)
            .map_err(|e| verification_failed(e.to_string()))?;
        let message = signed
            .decode_message()
            .map_err(|e| verification_failed(e.to_string()))?;
        let SyncShardRequest::V1 {
            shard_index,
            sliver_type,
            starting_blob_id,
            sliver_count,
            epoch,
        } = *message.contents();
        let committee = self.committee();
        if epoch != committee.epoch || message.epoch() != committee.epoch {
            return Err(bad_request(
                ApiStatus::InvalidArgument,
                reason::INVALID_EPOCH,
                format!(
                    "the request is for epoch {epoch}, the node is in epoch {}",
                    committee.epoch
                ),
            )
            .with_metadata("request_epoch", epoch.to_string())
            .with_metadata("server_epoch", committee.epoch.to_string()));
        }
        let owns = committee
            .member_by_key(requester)
            .is_some_and(|member| member.shards.contains(&shard_index));
        if !owns {
            return Err(bad_request(
                ApiStatus::PermissionDenied,
                reason::REQUEST_UNAUTHORIZED,
                format!("the requester does not own shard {shard_index} in epoch {epoch}"),
            ));
        }
        if sliver_count > self.config.max_sync_slivers {
            return Err(bad_request(
                ApiStatus::InvalidArgument,
                reason::SLIVER_COUNT_EXCEEDS_LIMIT,
                format!(
                    "at most {} slivers per request",
                    self.config.max_sync_slivers
                ),
            ));
        }
        if !self.store.shards().contains(&shard_index) {
            return Err(bad_request(
                ApiStatus::FailedPrecondition,
                reason::SHARD_NOT_ASSIGNED,
                format!("shard {shard_index} is not stored on this node"),
            ));
        }
        let axis = match sliver_type {
            walrus_core::messages::sync_shard::SliverAxis::Primary => Axis::Primary,
            walrus_core::messages::sync_shard::SliverAxis::Secondary => Axis::Secondary,
        };
        let limit = usize::try_from(sliver_count).unwrap_or(usize::MAX);
        let rows = self
            .store
            .shard_slivers(shard_index, axis, &starting_blob_id, limit)
            .map_err(store_error)?;
        let mut slivers = Vec::with_capacity(rows.len());
        for (blob_id, bytes) in rows {
            let sliver = match axis {
                Axis::Primary => {
                    bcs::from_bytes(&bytes).map(walrus_core::encoding::Sliver::Primary)
                }
                Axis::Secondary => {
                    bcs::from_bytes(&bytes).map(walrus_core::encoding::Sliver::Secondary)
                }
            };
            match sliver {
                Ok(sliver) => slivers.push((blob_id, sliver)),
                Err(error) => tracing::error!(%blob_id, %error, "stored sliver does not decode"),
            }
        }
        Ok(SyncShardResponse::V1(slivers))
    }

    // ===== Body limits

    fn max_sliver_bytes(&self) -> usize {
        walrus_core::encoding::EncodingConfig::new(self.n_shards())
            .map(|config| usize::try_from(config.max_sliver_size()).unwrap_or(usize::MAX))
            .unwrap_or(0)
    }

    /// The largest sliver body accepted: `(n - f) * 65534 + 128` bytes.
    pub fn sliver_body_limit(&self) -> usize {
        self.max_sliver_bytes() + 128
    }

    /// The largest metadata body accepted.
    pub fn metadata_body_limit(&self) -> usize {
        64 + 66 * usize::from(self.n_shards())
    }

    /// The largest inconsistency-proof body accepted: `n` symbols of the largest size with
    /// proofs.
    pub fn proof_body_limit(&self) -> usize {
        let n = usize::from(self.n_shards());
        n * (65_534 + 64 * 33) + 1024
    }
}

fn check_sliver<A: EncodingAxis>(
    metadata: &VerifiedBlobMetadataWithId,
    pair: SliverPairIndex,
    body: &[u8],
) -> Result<(), ApiError> {
    let sliver: SliverData<A> = bcs::from_bytes(body).map_err(|e| {
        bad_request(
            ApiStatus::InvalidArgument,
            reason::INVALID_CONTENT_TYPE,
            format!("the body is not a BCS-encoded {} sliver: {e}", A::AXIS),
        )
    })?;
    let n_shards = metadata.config().n_shards();
    if sliver.index().get() >= n_shards {
        return Err(bad_request(
            ApiStatus::InvalidArgument,
            reason::INVALID_SLIVER,
            format!("sliver index {} is out of range", sliver.index()),
        ));
    }
    if sliver.pair_index(n_shards) != pair {
        return Err(bad_request(
            ApiStatus::InvalidArgument,
            reason::SLIVER_INDEX_MISMATCH,
            format!(
                "the sliver belongs to pair {}, not {pair}",
                sliver.pair_index(n_shards)
            ),
        ));
    }
    sliver.verify(metadata).map_err(|e| {
        bad_request(
            ApiStatus::InvalidArgument,
            reason::INVALID_SLIVER,
            format!("the sliver does not verify: {e}"),
        )
    })
}

fn verify_proof<A: EncodingAxis>(
    metadata: &VerifiedBlobMetadataWithId,
    body: &[u8],
) -> Result<(), ApiError> {
    let proof: InconsistencyProof<A> = bcs::from_bytes(body).map_err(|e| {
        bad_request(
            ApiStatus::InvalidArgument,
            reason::INVALID_CONTENT_TYPE,
            format!("the body is not a BCS-encoded inconsistency proof: {e}"),
        )
    })?;
    proof.verify(metadata).map_err(|e| {
        bad_request(
            ApiStatus::InvalidArgument,
            reason::INVALID_PROOF,
            format!("the inconsistency proof does not verify: {e}"),
        )
    })
}

// ===== Fault injection (testing only, see `config::FaultInjectionConfig`)

/// Replaces the first sliver pair's primary hash with a different digest: the metadata still
/// decodes but no longer matches its blob ID.
fn corrupt_metadata(metadata: &mut BlobMetadata) {
    let BlobMetadata::V1(v1) = metadata;
    if let Some(pair) = v1.hashes.first_mut() {
        let mut digest = match &pair.primary_hash {
            Node::Digest(digest) => *digest,
            Node::Empty => [0; 32],
        };
        digest[0] ^= 0xff;
        pair.primary_hash = Node::Digest(digest);
    }
}

/// The stored sliver (BCS) with the last byte of its symbol data flipped: it still decodes,
/// with its index and size, but fails verification against the metadata.
fn corrupt_sliver(axis: Axis, bytes: Vec<u8>) -> Vec<u8> {
    fn flip<A: EncodingAxis>(bytes: &[u8]) -> Option<Vec<u8>> {
        let mut sliver: SliverData<A> = bcs::from_bytes(bytes).ok()?;
        *sliver.symbols_mut().data_mut().last_mut()? ^= 0xff;
        bcs::to_bytes(&sliver).ok()
    }
    let corrupted = match axis {
        Axis::Primary => flip::<Primary>(&bytes),
        Axis::Secondary => flip::<Secondary>(&bytes),
    };
    corrupted.unwrap_or(bytes)
}

#[cfg(test)]
mod tests {
    use walrus_core::encoding::{EncodingConfig, encode_with_metadata};

    use super::*;

    #[test]
    fn injected_faults_still_decode_but_fail_verification() {
        let config = EncodingConfig::new(10).expect("supported");
        let blob = encode_with_metadata(&config, &[7; 1_000]).expect("encodes");
        let pair = &blob.sliver_pairs[3];

        let bytes = bcs::to_bytes(&pair.primary).expect("bcs");
        let corrupted: SliverData<Primary> =
            bcs::from_bytes(&corrupt_sliver(Axis::Primary, bytes)).expect("still decodes");
        assert_eq!(corrupted.index(), pair.primary.index());
        assert_ne!(corrupted, pair.primary);
        assert!(corrupted.verify(&blob.metadata).is_err());
        let bytes = bcs::to_bytes(&pair.secondary).expect("bcs");
        let corrupted: SliverData<Secondary> =
            bcs::from_bytes(&corrupt_sliver(Axis::Secondary, bytes)).expect("still decodes");
        assert_eq!(corrupted.index(), pair.secondary.index());
        assert!(corrupted.verify(&blob.metadata).is_err());

        let mut metadata = blob.metadata.metadata().clone();
        corrupt_metadata(&mut metadata);
        let served = BlobMetadataWithId {
            blob_id: *blob.blob_id(),
            metadata,
        };
        assert!(served.verify(10).is_err(), "no longer matches the blob ID");
    }
}
