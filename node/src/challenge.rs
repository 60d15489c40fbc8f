//! Storage challenges, node side: the responder, the challenger and the verdict exchange.
//!
//! - Responder ([`answer_positions`], `POST /v1/challenges/symbols`): answers each challenged
//!   position with the symbol and its Merkle proof, computed only from the slivers this node
//!   has stored (no recovery on demand); `None` where it has nothing.
//! - Challenger ([`challenge_target`], [`run_round`]): once per epoch, after the chain's challenge
//!   seed is known, draws `k` positions per other committee member
//!   ([`walrus_core::challenge::sample`], with its BLS signature over the seed, epoch and target
//!   as the nonce), requests them with a timeout, verifies every answer
//!   against the blob metadata, and signs a pass/fail [`ChallengeVerdictMsg`].
//! - Exchange ([`collect_certificate`], `GET /v1/challenges/{epoch}/verdicts/{target}`): the
//!   node polls the other challengers' signed verdicts; once signers agreeing on one verdict
//!   reach a quorum (`n - f` shards) without the target, it aggregates them into a
//!   [`ChallengeVerdictCertificate`] and submits it ([`ChallengeChain::submit_verdict`]): the
//!   lowest-index signer at once, the others only if the verdict is still not recorded after
//!   `submit_delay_secs`. A duplicate submission is not an error.
//!
//! [`run`] is the background worker that ties these together. The verdicts this node signed are
//! kept in its store ([`ChallengeState::persistent`]): a node restarted mid-epoch serves the same
//! verdicts, does not challenge again, and resumes the exchange and submission for them.

use std::{
    collections::{BTreeMap, HashMap},
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tokio_util::sync::CancellationToken;
use walrus_core::{
    BlobId, Epoch, ObjectId, SliverIndex, SliverPairIndex, bft,
    challenge::{ChallengeParams, ChallengePosition, SampleInput, nonce_message, sample},
    encoding::{Axis, EitherDecodingSymbol, GeneralRecoverySymbol, Primary, Secondary, SliverData},
    messages::{ChallengeVerdictCertificate, ChallengeVerdictMsg, SignedChallengeVerdict},
    metadata::VerifiedBlobMetadataWithId,
};
use walrus_node_api::{ApiError, ApiStatus, NodeClient, reason, routes::MAX_CHALLENGE_POSITIONS};
use walrus_sui::{
    MoveAbort,
    client::{Certificate, ChainError, WalrusSuiClient},
    errors::ChallengesError,
};

use crate::{
    committee::Member,
    node::NodeInner,
    storage::{NodeStore, StoreError},
};

// ===== Chain interface

/// An error of the chain behind the challenge worker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("challenge chain: {0}")]
pub struct ChallengeChainError(pub String);

/// What a verdict submission did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// The chain recorded the verdict.
    Recorded,
    /// The chain already had a verdict on this target for this epoch (another challenger was
    /// first); not an error.
    AlreadyRecorded,
}

/// The chain operations the challenge worker needs. The real implementation calls the
/// `walrus` package through `walrus-sui`; tests use an in-memory one.
pub trait ChallengeChain: Send + Sync + std::fmt::Debug + 'static {
    /// The challenge seed of `epoch`, or `None` while the chain has not fixed it yet.
    fn challenge_seed(
        &self,
        epoch: Epoch,
    ) -> impl Future<Output = Result<Option<[u8; 32]>, ChallengeChainError>> + Send;

    /// Whether a verdict on `target` for `epoch` is already recorded on chain.
    fn verdict_recorded(
        &self,
        epoch: Epoch,
        target: ObjectId,
    ) -> impl Future<Output = Result<bool, ChallengeChainError>> + Send;

    /// Submits a verdict certificate with the on-chain signer bitmap of the committee.
    fn submit_verdict(
        &self,
        certificate: &ChallengeVerdictCertificate,
        signers_bitmap: Vec<u8>,
    ) -> impl Future<Output = Result<SubmitOutcome, ChallengeChainError>> + Send;
}

/// [`ChallengeChain`] over the Walrus contracts (`walrus::system::submit_challenge_verdict`
/// and the challenge state in the system object).
#[derive(Debug, Clone)]
pub struct SuiChallengeChain {
    sui: WalrusSuiClient,
}

impl SuiChallengeChain {
    /// Uses `sui` (with the operator's wallet, which pays for submissions).
    pub fn new(sui: WalrusSuiClient) -> Self {
        Self { sui }
    }
}

fn chain_error(error: ChainError) -> ChallengeChainError {
    ChallengeChainError(error.to_string())
}

impl ChallengeChain for SuiChallengeChain {
    async fn challenge_seed(&self, epoch: Epoch) -> Result<Option<[u8; 32]>, ChallengeChainError> {
        self.sui.challenge_seed(epoch).await.map_err(chain_error)
    }

    async fn verdict_recorded(
        &self,
        epoch: Epoch,
        target: ObjectId,
    ) -> Result<bool, ChallengeChainError> {
        let state = self.sui.system_state().await.map_err(chain_error)?;
        // The chain keeps only the current epoch's verdicts; a past epoch is closed.
        Ok(state.committee.epoch != epoch || state.challenges.verdict(&target).is_some())
    }

    async fn submit_verdict(
        &self,
        certificate: &ChallengeVerdictCertificate,
        signers_bitmap: Vec<u8>,
    ) -> Result<SubmitOutcome, ChallengeChainError> {
        let certificate = Certificate {
            signature: certificate.signature.to_bytes().to_vec(),
            signers_bitmap,
            message: certificate.serialized_message.clone(),
        };
        match self.sui.submit_challenge_verdict(&certificate).await {
            Ok(_) => Ok(SubmitOutcome::Recorded),
            Err(error)
                if error.move_abort()
                    == Some(MoveAbort::Challenges(ChallengesError::EDuplicateVerdict)) =>
            {
                Ok(SubmitOutcome::AlreadyRecorded)
            }
            Err(error) => Err(chain_error(error)),
        }
    }
}

// ===== Shared state (read by the REST API)

/// The node-state key under which the signed verdicts are stored.
const VERDICTS_STATE_KEY: &str = "challenge_verdicts";

/// A stored verdict: epoch, target, signed message.
type StoredVerdict = (Epoch, ObjectId, SignedChallengeVerdict);

/// The verdicts this node signed, by `(epoch, target)`, served to the other challengers. Only the
/// current and the previous epoch are kept. With a store ([`Self::persistent`]) every change is
/// written (BCS, one node-state value) before it becomes visible, so a restart loses none.
#[derive(Debug, Default)]
pub struct ChallengeState {
    verdicts: Mutex<BTreeMap<(Epoch, ObjectId), SignedChallengeVerdict>>,
    store: Option<Arc<dyn NodeStore>>,
}

impl ChallengeState {
    /// The state kept in `store`, with the verdicts stored there. Stored verdicts that cannot be
    /// read are logged and dropped (the node then challenges again in this epoch).
    pub fn persistent(store: Arc<dyn NodeStore>) -> Self {
        let stored = store.state(VERDICTS_STATE_KEY).and_then(|bytes| {
            bytes
                .map(|bytes| bcs::from_bytes::<Vec<StoredVerdict>>(&bytes))
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("challenge verdicts: {e}")))
        });
        let verdicts = match stored {
            Ok(stored) => stored
                .unwrap_or_default()
                .into_iter()
                .map(|(epoch, target, signed)| ((epoch, target), signed))
                .collect(),
            Err(error) => {
                tracing::error!(%error, "cannot read the stored challenge verdicts");
                BTreeMap::new()
            }
        };
        Self {
            verdicts: Mutex::new(verdicts),
            store: Some(store),
        }
    }

    /// This node's signed verdict on `target` for `epoch`, if it has one.
    pub fn verdict(&self, epoch: Epoch, target: &ObjectId) -> Option<SignedChallengeVerdict> {
        self.verdicts
            .lock()
            .ok()
            .and_then(|verdicts| verdicts.get(&(epoch, *target)).cloned())
    }

    /// The targets this node has signed a verdict on for `epoch`.
    pub fn targets(&self, epoch: Epoch) -> Vec<ObjectId> {
        self.verdicts
            .lock()
            .map(|verdicts| {
                verdicts
                    .keys()
                    .filter(|(e, _)| *e == epoch)
                    .map(|(_, target)| *target)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Records a signed verdict and forgets those older than the previous epoch.
    pub fn insert(
        &self,
        epoch: Epoch,
        target: ObjectId,
        verdict: SignedChallengeVerdict,
    ) -> Result<(), StoreError> {
        self.insert_all(epoch, vec![(target, verdict)])
    }

    /// Records the signed verdicts of one round (one store write) and forgets those older than
    /// the previous epoch. On a store error nothing changes.
    pub fn insert_all(
        &self,
        epoch: Epoch,
        verdicts: Vec<(ObjectId, SignedChallengeVerdict)>,
    ) -> Result<(), StoreError> {
        let mut current = self
            .verdicts
            .lock()
            .map_err(|_| StoreError::Engine("challenge verdicts lock poisoned".into()))?;
        let mut next = current.clone();
        next.retain(|(e, _), _| e.saturating_add(1) >= epoch);
        for (target, verdict) in verdicts {
            next.insert((epoch, target), verdict);
        }
        if let Some(store) = &self.store {
            let stored: Vec<StoredVerdict> =
                next.iter().map(|((e, t), v)| (*e, *t, v.clone())).collect();
            let bytes = bcs::to_bytes(&stored)
                .map_err(|e| StoreError::Corrupt(format!("challenge verdicts: {e}")))?;
            store.set_state(VERDICTS_STATE_KEY, &bytes)?;
        }
        *current = next;
        Ok(())
    }
}

// ===== Responder

/// `POST /v1/challenges/symbols`: the symbol and proof for each position, from this node's
/// stored slivers only, `None` where the shard is not this node's or the sliver or metadata is
/// not stored (or does not decode). Blocking (store reads and sliver expansion).
pub fn answer_positions(
    node: &NodeInner,
    positions: &[ChallengePosition],
) -> Result<Vec<Option<GeneralRecoverySymbol>>, ApiError> {
    if positions.is_empty() || positions.len() > MAX_CHALLENGE_POSITIONS {
        return Err(ApiError::new(
            ApiStatus::InvalidArgument,
            reason::INVALID_CHALLENGE_POSITIONS,
            format!(
                "a request holds 1 to {MAX_CHALLENGE_POSITIONS} positions, not {}",
                positions.len()
            ),
        ));
    }
    let n_shards = node.n_shards();
    if let Some(bad) = positions
        .iter()
        .find(|p| p.pair.get() >= n_shards || p.symbol.get() >= n_shards)
    {
        return Err(ApiError::new(
            ApiStatus::InvalidArgument,
            reason::INVALID_CHALLENGE_POSITIONS,
            format!(
                "position (pair {}, symbol {}) is out of range for {n_shards} shards",
                bad.pair, bad.symbol
            ),
        ));
    }
    let owned = node.owned_shards();
    // One sliver expansion per challenged sliver.
    let mut groups: BTreeMap<(BlobId, SliverPairIndex, Axis), Vec<usize>> = BTreeMap::new();
    for (i, position) in positions.iter().enumerate() {
        groups
            .entry((position.blob_id, position.pair, position.axis))
            .or_default()
            .push(i);
    }
    let mut answers: Vec<Option<GeneralRecoverySymbol>> = vec![None; positions.len()];
    let mut metadata_cache: HashMap<BlobId, Option<VerifiedBlobMetadataWithId>> = HashMap::new();
    for ((blob_id, pair, axis), indices) in groups {
        let shard = pair.to_shard_index(n_shards, &blob_id);
        if !owned.contains(&shard) {
            continue;
        }
        let metadata = metadata_cache
            .entry(blob_id)
            .or_insert_with(|| node.verified_metadata(&blob_id).ok().flatten());
        let Some(metadata) = metadata.as_ref() else {
            continue;
        };
        let Ok(Some(bytes)) = node.store.sliver(shard, axis, &blob_id) else {
            continue;
        };
        let targets: Vec<SliverIndex> = indices.iter().map(|&i| positions[i].symbol).collect();
        let symbols = match axis {
            Axis::Primary => bcs::from_bytes::<SliverData<Primary>>(&bytes)
                .ok()
                .and_then(|s| s.recovery_symbols_for(metadata, &targets).ok()),
            Axis::Secondary => bcs::from_bytes::<SliverData<Secondary>>(&bytes)
                .ok()
                .and_then(|s| s.recovery_symbols_for(metadata, &targets).ok()),
        };
        let Some(symbols) = symbols else {
            tracing::warn!(%blob_id, %pair, %axis, "stored sliver cannot answer a challenge");
            continue;
        };
        for (i, symbol) in indices.into_iter().zip(symbols) {
            answers[i] = Some(symbol);
        }
    }
    let served = answers.iter().filter(|a| a.is_some()).count();
    node.metrics
        .challenge_symbols_served
        .inc_by(u64::try_from(served).unwrap_or(u64::MAX));
    Ok(answers)
}

// ===== Challenger

/// Why one sample failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SampleFailure {
    /// The target answered that it has no such symbol.
    Missing,
    /// The answer is not the requested cell or its proof does not verify.
    Invalid,
    /// The request timed out or failed (transport or error response).
    Unanswered,
}

impl SampleFailure {
    fn label(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Invalid => "invalid",
            Self::Unanswered => "unanswered",
        }
    }
}

/// The result of challenging one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetOutcome {
    /// The number of positions asked.
    pub n_samples: usize,
    /// The failed samples by cause.
    pub failures: BTreeMap<SampleFailure, usize>,
    /// The verdict under the round's pass rule.
    pub passed: bool,
}

impl TargetOutcome {
    /// The total number of failed samples.
    pub fn n_failed(&self) -> usize {
        self.failures.values().sum()
    }
}

/// Checks one answer: it must be the cell `position.symbol` of exactly the challenged sliver,
/// with a proof against that sliver's root in the metadata.
pub fn verify_answer(
    metadata: &VerifiedBlobMetadataWithId,
    position: &ChallengePosition,
    answer: &GeneralRecoverySymbol,
) -> bool {
    let n_shards = metadata.config().n_shards();
    let source_index = match &answer.symbol {
        EitherDecodingSymbol::Primary(symbol) => symbol.index,
        EitherDecodingSymbol::Secondary(symbol) => symbol.index,
    };
    // The proof is checked against the root of the sliver the symbol claims to come from, so
    // the claim itself must be the challenged sliver.
    source_index == position.sliver_index(n_shards).get()
        && answer
            .verify(metadata, position.symbol, position.axis.orthogonal())
            .is_ok()
}

/// Challenges one target: requests `positions` in batches, each with `timeout`, and verifies
/// every answer against the metadata in `metadata` (positions of blobs missing from it count as
/// not asked). The target passes iff at most `params.tolerance` samples fail.
pub async fn challenge_target(
    client: &NodeClient,
    positions: &[ChallengePosition],
    metadata: &HashMap<BlobId, VerifiedBlobMetadataWithId>,
    params: ChallengeParams,
    timeout: Duration,
) -> TargetOutcome {
    let mut failures: BTreeMap<SampleFailure, usize> = BTreeMap::new();
    let positions: Vec<ChallengePosition> = positions
        .iter()
        .filter(|p| metadata.contains_key(&p.blob_id))
        .copied()
        .collect();
    for batch in positions.chunks(MAX_CHALLENGE_POSITIONS) {
        let answers = match tokio::time::timeout(timeout, request_symbols(client, batch)).await {
            Ok(Ok(answers)) if answers.len() == batch.len() => answers,
            Ok(Ok(_)) => {
                *failures.entry(SampleFailure::Invalid).or_default() += batch.len();
                continue;
            }
            Ok(Err(error)) => {
                tracing::debug!(%error, "challenge request failed");
                *failures.entry(SampleFailure::Unanswered).or_default() += batch.len();
                continue;
            }
            Err(_) => {
                *failures.entry(SampleFailure::Unanswered).or_default() += batch.len();
                continue;
            }
        };
        for (position, answer) in batch.iter().zip(answers) {
            let failure = match (answer, metadata.get(&position.blob_id)) {
                (None, _) => Some(SampleFailure::Missing),
                (Some(answer), Some(metadata)) if verify_answer(metadata, position, &answer) => {
                    None
                }
                (Some(_), _) => Some(SampleFailure::Invalid),
            };
            if let Some(failure) = failure {
                *failures.entry(failure).or_default() += 1;
            }
        }
    }
    let n_failed = failures.values().sum();
    TargetOutcome {
        n_samples: positions.len(),
        failures,
        passed: params.passes(n_failed),
    }
}

/// The blobs every node must hold in `epoch`: alive, certified at least `min_age` epochs
/// before, not invalid. Sorted. Blocking (scans the blob infos).
pub fn eligible_blobs(node: &NodeInner, epoch: Epoch, min_age: u32) -> Vec<BlobId> {
    let infos = match node.store.blob_infos() {
        Ok(infos) => infos,
        Err(error) => {
            tracing::error!(%error, "cannot list blobs for challenges");
            return Vec::new();
        }
    };
    let mut blobs: Vec<BlobId> = infos
        .into_iter()
        .filter(|(_, info)| {
            info.initial_certified_epoch
                .is_some_and(|certified| certified.saturating_add(min_age) <= epoch)
                && info.is_certified(epoch)
        })
        .map(|(blob_id, _)| blob_id)
        .collect();
    blobs.sort_unstable();
    blobs.dedup();
    blobs
}

/// The verified metadata this node holds for `blob_ids` (blobs without it are left out, and
/// their samples are not counted). Blocking (store reads).
pub fn load_metadata(
    node: &NodeInner,
    blob_ids: impl IntoIterator<Item = BlobId>,
) -> HashMap<BlobId, VerifiedBlobMetadataWithId> {
    let mut metadata = HashMap::new();
    for blob_id in blob_ids {
        if metadata.contains_key(&blob_id) {
            continue;
        }
        match node.verified_metadata(&blob_id) {
            Ok(Some(verified)) => {
                metadata.insert(blob_id, verified);
            }
            Ok(None) => tracing::warn!(%blob_id, "no metadata to check challenge answers"),
            Err(_) => tracing::warn!(%blob_id, "cannot read metadata to check challenge answers"),
        }
    }
    metadata
}

/// How long a challenger waits before asking again after a `CHALLENGE_RATE_LIMITED` answer.
const RATE_LIMITED_RETRY: Duration = Duration::from_millis(250);

/// Requests the symbols of `batch`, asking again while the target rate-limits this challenger
/// (the caller's timeout bounds the whole: a target that keeps refusing fails those samples).
async fn request_symbols(
    client: &NodeClient,
    batch: &[ChallengePosition],
) -> Result<Vec<Option<GeneralRecoverySymbol>>, walrus_node_api::NodeApiError> {
    loop {
        match client.challenge_symbols(batch).await {
            Err(error)
                if error.api_error().is_some_and(|e| {
                    e.reason.as_deref() == Some(reason::CHALLENGE_RATE_LIMITED)
                }) =>
            {
                tokio::time::sleep(RATE_LIMITED_RETRY).await;
            }
            other => return other,
        }
    }
}

/// The per-round settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundConfig {
    /// Samples and tolerance.
    pub params: ChallengeParams,
    /// The timeout of each challenge request.
    pub timeout: Duration,
}

/// Challenges every other committee member for `epoch` with `seed` over `blobs` (sorted), signs
/// a verdict on each and records it for the exchange. Only the metadata of sampled blobs is
/// loaded. Returns the outcome per target.
pub async fn run_round(
    node: &Arc<NodeInner>,
    epoch: Epoch,
    seed: &[u8; 32],
    blobs: &[BlobId],
    config: RoundConfig,
) -> BTreeMap<ObjectId, TargetOutcome> {
    let committee = node.committee();
    let mut samples: Vec<(&Member, &NodeClient, Vec<ChallengePosition>)> = Vec::new();
    for target in committee
        .members
        .iter()
        .filter(|m| m.node_id != node.node_id)
    {
        let Some(client) = target.client.as_ref() else {
            tracing::warn!(target = %target.node_id, "no REST client for challenge target");
            continue;
        };
        // Unpredictable to the target until asked, reproducible by anyone afterwards.
        let nonce = node
            .key
            .sign(&nonce_message(epoch, &target.node_id, seed))
            .to_bytes();
        let input = SampleInput {
            seed,
            epoch,
            challenger: node.node_id,
            target: target.node_id,
            target_shards: &target.shards,
            blobs,
            nonce: &nonce,
            n_shards: committee.n_shards,
            samples: config.params.samples,
        };
        match sample(&input) {
            Ok(positions) => samples.push((target, client, positions)),
            Err(error) => {
                tracing::error!(target = %target.node_id, %error, "cannot draw challenge sample");
            }
        }
    }
    let sampled: Vec<BlobId> = samples
        .iter()
        .flat_map(|(_, _, positions)| positions.iter().map(|p| p.blob_id))
        .collect();
    let loader = Arc::clone(node);
    let metadata = tokio::task::spawn_blocking(move || load_metadata(&loader, sampled))
        .await
        .unwrap_or_default();
    let metadata = &metadata;
    let rounds = samples
        .iter()
        .map(|(target, client, positions)| async move {
            let outcome =
                challenge_target(client, positions, metadata, config.params, config.timeout).await;
            (target.node_id, outcome)
        });
    let mut outcomes = BTreeMap::new();
    let mut signed_verdicts = Vec::new();
    for (target, outcome) in futures::future::join_all(rounds).await {
        node.metrics.challenges.with_label_values(&["sent"]).inc();
        node.metrics
            .challenges
            .with_label_values(&[if outcome.passed { "passed" } else { "failed" }])
            .inc();
        for (failure, count) in &outcome.failures {
            node.metrics
                .challenge_sample_failures
                .with_label_values(&[failure.label()])
                .inc_by(u64::try_from(*count).unwrap_or(u64::MAX));
        }
        tracing::info!(
            %target,
            epoch,
            samples = outcome.n_samples,
            failed = outcome.n_failed(),
            passed = outcome.passed,
            "challenged storage node"
        );
        let signed = ChallengeVerdictMsg::verdict(epoch, target, outcome.passed).sign(&node.key);
        signed_verdicts.push((target, signed));
        outcomes.insert(target, outcome);
    }
    if let Err(error) = node.challenges.insert_all(epoch, signed_verdicts) {
        // Without the verdicts stored the round would be lost on a restart; the worker retries.
        tracing::error!(%error, epoch, "cannot store the challenge verdicts");
        return BTreeMap::new();
    }
    outcomes
}

// ===== Verdict exchange

/// Collects the signed verdicts on `target` for `epoch` (this node's own and the other
/// challengers'), verifies each against the signer's key, and returns a certificate if the
/// signers of one verdict, without the target, reach a quorum of shards. Signers are in
/// committee order.
pub async fn collect_certificate(
    node: &NodeInner,
    epoch: Epoch,
    target: ObjectId,
    timeout: Duration,
) -> Option<ChallengeVerdictCertificate> {
    let committee = node.committee();
    if committee.epoch != epoch {
        return None;
    }
    let fetches = committee
        .members
        .iter()
        .filter(|m| m.node_id != target)
        .map(|member| async move {
            let signed = if member.node_id == node.node_id {
                node.challenges.verdict(epoch, &target)
            } else {
                let client = member.client.as_ref()?;
                tokio::time::timeout(timeout, client.challenge_verdict(epoch, &target))
                    .await
                    .ok()?
                    .ok()
            }?;
            let message = verify_verdict(&signed, &member.public_key, epoch)?;
            (message.target() == target).then_some((member, message.passed(), signed))
        });
    let verdicts: Vec<(&Member, bool, SignedChallengeVerdict)> = futures::future::join_all(fetches)
        .await
        .into_iter()
        .flatten()
        .collect();
    for passed in [false, true] {
        let agreeing: Vec<&(&Member, bool, SignedChallengeVerdict)> =
            verdicts.iter().filter(|(_, p, _)| *p == passed).collect();
        let weight: u32 = agreeing.iter().map(|(m, _, _)| u32::from(m.weight())).sum();
        let weight = u16::try_from(weight).unwrap_or(u16::MAX);
        if !bft::is_quorum(weight, committee.n_shards) {
            continue;
        }
        let mut signers: Vec<(u16, &SignedChallengeVerdict)> = agreeing
            .iter()
            .map(|(member, _, signed)| (member.index, signed))
            .collect();
        signers.sort_by_key(|(index, _)| *index);
        match ChallengeVerdictCertificate::from_signed_messages(signers) {
            Ok(certificate) => return Some(certificate),
            Err(error) => tracing::error!(%error, "cannot aggregate challenge verdicts"),
        }
    }
    None
}

/// Verifies a verdict's signature under `key` and decodes it, requiring `epoch`.
fn verify_verdict(
    signed: &SignedChallengeVerdict,
    key: &walrus_core::BlsPublicKey,
    epoch: Epoch,
) -> Option<ChallengeVerdictMsg> {
    signed.verify_signature(key).ok()?;
    let message = signed.decode_message().ok()?;
    (message.epoch() == epoch).then_some(message)
}

// ===== Worker

/// The worker's settings (from the `challenges` config section).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    /// The round settings.
    pub round: RoundConfig,
    /// How often the worker wakes up (checks the epoch and seed, polls verdicts).
    pub interval: Duration,
    /// How long a signer that is not the lowest-index one waits before submitting itself.
    pub submit_delay: Duration,
    /// Blobs must have been certified at least this many epochs before the challenged epoch.
    pub min_certified_age_epochs: u32,
    /// How long after it first sees an epoch the node waits before challenging, so that nodes
    /// can finish receiving the shards newly assigned to them.
    pub start_delay: Duration,
}

#[derive(Debug)]
struct EpochProgress {
    epoch: Epoch,
    /// When this node first saw the epoch.
    seen: Instant,
    challenged: bool,
    /// Targets whose verdict is not yet submitted or seen on chain, with the certificate this
    /// node assembled and when (verdicts are no longer polled once a certificate is held).
    pending: BTreeMap<ObjectId, Option<(Instant, ChallengeVerdictCertificate)>>,
}

impl EpochProgress {
    /// The progress of `epoch` for a node that already signed verdicts on `signed_targets` in it
    /// (none: the round is still to do).
    fn resume(epoch: Epoch, signed_targets: Vec<ObjectId>) -> Self {
        Self {
            epoch,
            seen: Instant::now(),
            challenged: !signed_targets.is_empty(),
            pending: signed_targets.into_iter().map(|t| (t, None)).collect(),
        }
    }
}

/// Runs the challenge worker until `cancel`: once per epoch, when the seed is known, challenges
/// every other member, then exchanges verdicts and submits certificates until each target's
/// verdict is on chain or the epoch ends.
pub async fn run<C: ChallengeChain>(
    node: Arc<NodeInner>,
    chain: C,
    config: WorkerConfig,
    cancel: CancellationToken,
) {
    // Verdicts already signed for the epoch (before a restart) are not redone; their exchange
    // and submission resume.
    let new_progress = |epoch| EpochProgress::resume(epoch, node.challenges.targets(epoch));
    let mut progress = new_progress(node.epoch());
    loop {
        let epoch = node.epoch();
        if progress.epoch != epoch {
            progress = new_progress(epoch);
        }
        if !progress.challenged && progress.seen.elapsed() >= config.start_delay {
            match chain.challenge_seed(epoch).await {
                Ok(Some(seed)) => {
                    let scanner = Arc::clone(&node);
                    let min_age = config.min_certified_age_epochs;
                    let blobs = tokio::task::spawn_blocking(move || {
                        eligible_blobs(&scanner, epoch, min_age)
                    })
                    .await
                    .unwrap_or_default();
                    let outcomes = run_round(&node, epoch, &seed, &blobs, config.round).await;
                    // Nothing challenged (no reachable target, or the verdicts could not be
                    // stored) is retried at the next interval, unless there is nobody to
                    // challenge.
                    let alone = node.committee().members.len() <= 1;
                    if !outcomes.is_empty() || alone {
                        progress.pending = outcomes.into_keys().map(|t| (t, None)).collect();
                        progress.challenged = true;
                    }
                }
                Ok(None) => tracing::debug!(epoch, "challenge seed not yet known"),
                Err(error) => tracing::warn!(%error, "cannot read the challenge seed"),
            }
        }
        let targets: Vec<ObjectId> = progress.pending.keys().copied().collect();
        for target in targets {
            if submit_if_due(&node, &chain, &config, &mut progress, target).await {
                progress.pending.remove(&target);
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(config.interval) => {}
        }
    }
}

/// Returns true when the target needs no more work this epoch.
async fn submit_if_due<C: ChallengeChain>(
    node: &NodeInner,
    chain: &C,
    config: &WorkerConfig,
    progress: &mut EpochProgress,
    target: ObjectId,
) -> bool {
    let epoch = progress.epoch;
    let (since, certificate) = match progress.pending.get(&target).and_then(Option::as_ref) {
        Some((since, certificate)) => (*since, certificate.clone()),
        None => {
            let Some(certificate) =
                collect_certificate(node, epoch, target, config.round.timeout).await
            else {
                return false;
            };
            let since = Instant::now();
            progress
                .pending
                .insert(target, Some((since, certificate.clone())));
            (since, certificate)
        }
    };
    let committee = node.committee();
    let own_index = committee.member(&node.node_id).map(|m| m.index);
    let first_signer = certificate.signers.iter().min().copied();
    let lowest = own_index.is_some() && own_index == first_signer;
    if !lowest {
        if since.elapsed() < config.submit_delay {
            return false;
        }
        match chain.verdict_recorded(epoch, target).await {
            Ok(true) => return true,
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "cannot check for a recorded verdict");
                return false;
            }
        }
    }
    let bitmap = match certificate.signers_bitmap(committee.members.len()) {
        Ok(bitmap) => bitmap,
        Err(error) => {
            tracing::error!(%error, "cannot build the signer bitmap");
            return true;
        }
    };
    match chain.submit_verdict(&certificate, bitmap).await {
        Ok(outcome) => {
            node.metrics
                .challenge_verdicts_submitted
                .with_label_values(&[match outcome {
                    SubmitOutcome::Recorded => "recorded",
                    SubmitOutcome::AlreadyRecorded => "already_recorded",
                }])
                .inc();
            tracing::info!(%target, epoch, ?outcome, "submitted challenge verdict");
            true
        }
        Err(error) => {
            tracing::warn!(%target, %error, "cannot submit challenge verdict");
            false
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use walrus_core::BlsKeyPair;

    use super::*;

    fn key() -> BlsKeyPair {
        BlsKeyPair::generate(&mut rand::thread_rng())
    }

    #[test]
    fn verdict_state_keeps_the_current_and_previous_epoch() {
        let key = key();
        let target = ObjectId([1; 32]);
        let signed = |epoch| ChallengeVerdictMsg::verdict(epoch, target, true).sign(&key);
        let state = ChallengeState::default();
        state.insert(3, target, signed(3)).unwrap();
        state.insert(4, target, signed(4)).unwrap();
        assert_eq!(state.verdict(3, &target), Some(signed(3)));
        state.insert(5, target, signed(5)).unwrap();
        assert_eq!(state.verdict(3, &target), None, "two epochs back is pruned");
        assert_eq!(state.verdict(4, &target), Some(signed(4)));
        assert_eq!(state.verdict(5, &ObjectId([2; 32])), None);
    }

    #[test]
    fn verdicts_survive_a_restart_and_the_round_is_not_redone() {
        let dir = tempfile::tempdir().unwrap();
        let key = key();
        let (a, b) = (ObjectId([1; 32]), ObjectId([2; 32]));
        let signed =
            |epoch, target, passed| ChallengeVerdictMsg::verdict(epoch, target, passed).sign(&key);
        {
            let store: Arc<dyn NodeStore> =
                Arc::new(crate::storage::FjallStore::open(dir.path(), true).unwrap());
            let state = ChallengeState::persistent(store);
            assert!(state.targets(6).is_empty());
            state.insert(5, a, signed(5, a, true)).unwrap();
            state
                .insert_all(6, vec![(a, signed(6, a, true)), (b, signed(6, b, false))])
                .unwrap();
            state.insert(7, b, signed(7, b, true)).unwrap();
        }
        // Reopened, as after a restart in epoch 7.
        let store: Arc<dyn NodeStore> =
            Arc::new(crate::storage::FjallStore::open(dir.path(), true).unwrap());
        let state = ChallengeState::persistent(store);
        assert_eq!(state.verdict(5, &a), None, "pruned before the restart");
        assert_eq!(state.verdict(6, &b), Some(signed(6, b, false)));
        assert_eq!(state.verdict(7, &b), Some(signed(7, b, true)));
        assert_eq!(state.targets(6), vec![a, b]);
        let progress = EpochProgress::resume(7, state.targets(7));
        assert!(progress.challenged, "a signed round is not redone");
        assert_eq!(
            progress.pending.keys().copied().collect::<Vec<_>>(),
            vec![b]
        );
        assert!(progress.pending[&b].is_none(), "the exchange starts over");
        assert!(!EpochProgress::resume(8, state.targets(8)).challenged);
    }

    #[test]
    fn verdicts_verify_only_under_the_signer_key_and_epoch() {
        let (signer, other) = (key(), key());
        let target = ObjectId([9; 32]);
        let signed = ChallengeVerdictMsg::verdict(7, target, false).sign(&signer);
        let message = verify_verdict(&signed, signer.public_key(), 7).expect("valid");
        assert_eq!((message.target(), message.passed()), (target, false));
        assert!(verify_verdict(&signed, other.public_key(), 7).is_none());
        assert!(verify_verdict(&signed, signer.public_key(), 8).is_none());
    }

    #[test]
    fn outcome_counts_every_failure_cause() {
        let outcome = TargetOutcome {
            n_samples: 10,
            failures: BTreeMap::from([(SampleFailure::Missing, 2), (SampleFailure::Invalid, 1)]),
            passed: false,
        };
        assert_eq!(outcome.n_failed(), 3);
        assert_eq!(SampleFailure::Unanswered.label(), "unanswered");
    }
}
