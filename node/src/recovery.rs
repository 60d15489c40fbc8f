//! Background recovery: after a blob is certified, rebuild every sliver this node lacks on its
//! shards from recovery symbols of other nodes (about one sliver's worth of bytes per sliver),
//! and when the rebuilt sliver does not match the metadata, collect invalid-blob attestations
//! and invalidate the blob on chain.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::{StreamExt, stream::FuturesUnordered};
use rand::seq::SliceRandom;
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use walrus_core::{
    BlobId, ShardIndex,
    encoding::{
        Axis, EncodingAxis, InconsistencyProof, Primary, RecoveryOutcome, RecoverySymbol,
        Secondary, recover_sliver,
    },
    messages::{InvalidBlobCertificate, InvalidBlobIdAttestation, SignedInvalidBlobIdMsg},
    metadata::VerifiedBlobMetadataWithId,
};
use walrus_sui::client::Certificate;

use crate::{
    committee::Committee,
    node::{NodeInner, Stored},
};

/// Why recovering a blob did not finish.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// No node served verifiable metadata.
    #[error("no node served the blob's metadata")]
    NoMetadata,
    /// Not enough valid symbols were collected.
    #[error("not enough recovery symbols for {axis} sliver {index}: {message}")]
    NotEnoughSymbols {
        /// The target axis.
        axis: Axis,
        /// The target index.
        index: u16,
        /// Detail.
        message: String,
    },
    /// The local store failed.
    #[error("store: {0}")]
    Store(String),
    /// The blob was found to be inconsistent and its invalidation was submitted.
    #[error("the blob is inconsistently encoded")]
    Inconsistent,
    /// The blob was found to be inconsistent, but it could not be invalidated on chain yet (too
    /// few attestations, or the chain call failed); retried like any failed recovery, which
    /// ends once the `InvalidBlobID` event arrives.
    #[error("the blob is inconsistently encoded, but could not be invalidated yet")]
    InvalidationFailed,
}

/// Stores uploads that were buffered before the blob's registration was seen.
pub fn flush_pending(node: &NodeInner, blob_id: &BlobId) {
    let (metadata, slivers) = node.take_pending(blob_id);
    if let Some(metadata) = metadata {
        let with_id = walrus_core::metadata::BlobMetadataWithId {
            blob_id: *blob_id,
            metadata,
        };
        match with_id.verify(node.n_shards()) {
            Ok(verified) => {
                if let Err(error) = node.store_verified_metadata(&verified) {
                    tracing::warn!(%blob_id, %error, "cannot store buffered metadata");
                }
            }
            Err(error) => tracing::warn!(%blob_id, %error, "buffered metadata does not verify"),
        }
    }
    let n_shards = node.n_shards();
    for (pair, axis, bytes) in slivers {
        let shard = pair.to_shard_index(n_shards, blob_id);
        if let Err(error) = node.store_sliver_bytes(blob_id, shard, pair, axis, &bytes, "upload") {
            tracing::warn!(%blob_id, %pair, %axis, %error, "cannot store buffered sliver");
        }
    }
}

/// Runs the recovery worker until cancelled: blobs arrive on `queue`; up to
/// `recovery_concurrency` blobs are recovered at once; failures are retried with backoff while
/// the blob stays certified.
pub async fn run(
    node: Arc<NodeInner>,
    mut queue: mpsc::UnboundedReceiver<BlobId>,
    cancel: CancellationToken,
) {
    let semaphore = Arc::new(Semaphore::new(node.config.recovery_concurrency));
    let in_flight: Arc<Mutex<HashSet<BlobId>>> = Arc::default();
    let attempts: Arc<Mutex<HashMap<BlobId, u32>>> = Arc::default();
    loop {
        let blob_id = tokio::select! {
            () = cancel.cancelled() => return,
            next = queue.recv() => match next {
                Some(blob_id) => blob_id,
                None => return,
            },
        };
        let fresh = in_flight
            .lock()
            .map(|mut set| set.insert(blob_id))
            .unwrap_or(false);
        if !fresh {
            continue;
        }
        let Ok(permit) = Arc::clone(&semaphore).acquire_owned().await else {
            return;
        };
        let node = Arc::clone(&node);
        let in_flight = Arc::clone(&in_flight);
        let attempts = Arc::clone(&attempts);
        let cancel = cancel.clone();
        tokio::spawn(async move {
            let result = tokio::select! {
                () = cancel.cancelled() => return,
                result = recover_blob(&node, &blob_id) => result,
            };
            drop(permit);
            if let Ok(mut set) = in_flight.lock() {
                set.remove(&blob_id);
            }
            match result {
                Ok(()) | Err(RecoveryError::Inconsistent) => {
                    if let Ok(mut map) = attempts.lock() {
                        map.remove(&blob_id);
                    }
                }
                Err(error) => {
                    node.metrics.recoveries.with_label_values(&["failed"]).inc();
                    let attempt = attempts
                        .lock()
                        .map(|mut map| {
                            let n = map.entry(blob_id).or_insert(0);
                            *n += 1;
                            *n
                        })
                        .unwrap_or(1);
                    let delay = Duration::from_millis(node.config.recovery_retry_millis)
                        .saturating_mul(attempt.min(30));
                    tracing::info!(%blob_id, %error, attempt, "recovery failed, retrying");
                    if !crate::chain_view::sleep_or_cancel(&cancel, delay).await {
                        node.queue_recovery(blob_id);
                    }
                }
            }
        });
    }
}

/// Recovers every missing sliver of `blob_id` on the owned shards.
pub async fn recover_blob(node: &Arc<NodeInner>, blob_id: &BlobId) -> Result<(), RecoveryError> {
    let epoch = node.epoch();
    let certified = node
        .store
        .blob_info(blob_id)
        .map_err(|e| RecoveryError::Store(e.to_string()))?
        .is_some_and(|info| info.is_certified(epoch));
    if !certified {
        return Ok(());
    }
    let missing = node
        .missing_slivers(blob_id)
        .map_err(|e| RecoveryError::Store(e.to_string()))?;
    if missing.is_empty() {
        return Ok(());
    }
    let committee = node.committee();
    let metadata = metadata_for(node, &committee, blob_id).await?;
    let n_shards = committee.n_shards;
    tracing::debug!(%blob_id, n_missing = missing.len(), "recovering slivers");
    // Secondary slivers first: they need fewer symbols (n - 2f).
    for (shard, axis) in missing {
        let pair = shard.to_pair_index(n_shards, blob_id);
        let target = pair.to_sliver_index(axis, n_shards);
        let bytes = match axis {
            Axis::Primary => recover_one::<Primary>(node, &committee, &metadata, target).await?,
            Axis::Secondary => {
                recover_one::<Secondary>(node, &committee, &metadata, target).await?
            }
        };
        store_recovered(node, blob_id, shard, pair, axis, &bytes)?;
    }
    Ok(())
}

fn store_recovered(
    node: &NodeInner,
    blob_id: &BlobId,
    shard: ShardIndex,
    pair: walrus_core::SliverPairIndex,
    axis: Axis,
    bytes: &[u8],
) -> Result<(), RecoveryError> {
    match node.store_sliver_bytes(blob_id, shard, pair, axis, bytes, "recovery") {
        Ok(Stored::New | Stored::Already | Stored::Buffered) => {
            node.metrics
                .recoveries
                .with_label_values(&["recovered"])
                .inc();
            Ok(())
        }
        Err(error) => Err(RecoveryError::Store(error.to_string())),
    }
}

/// The verified metadata, from the store or else from other nodes (then stored).
pub async fn metadata_for(
    node: &Arc<NodeInner>,
    committee: &Committee,
    blob_id: &BlobId,
) -> Result<VerifiedBlobMetadataWithId, RecoveryError> {
    if let Ok(Some(metadata)) = node.verified_metadata(blob_id) {
        return Ok(metadata);
    }
    let mut members: Vec<_> = committee
        .members
        .iter()
        .filter(|m| m.node_id != node.node_id)
        .filter_map(|m| m.client.clone())
        .collect();
    members.shuffle(&mut rand::thread_rng());
    for client in members {
        let Ok(unverified) = client.get_metadata(blob_id).await else {
            continue;
        };
        if &unverified.blob_id != blob_id {
            continue;
        }
        if let Ok(verified) = unverified.verify(committee.n_shards) {
            node.store_verified_metadata(&verified)
                .map_err(|e| RecoveryError::Store(e.to_string()))?;
            return Ok(verified);
        }
    }
    Err(RecoveryError::NoMetadata)
}

trait IntoRecoverySymbol: EncodingAxis {
    fn take(symbol: walrus_core::encoding::GeneralRecoverySymbol) -> Option<RecoverySymbol<Self>>;
}

impl IntoRecoverySymbol for Primary {
    fn take(symbol: walrus_core::encoding::GeneralRecoverySymbol) -> Option<RecoverySymbol<Self>> {
        symbol.into_primary()
    }
}

impl IntoRecoverySymbol for Secondary {
    fn take(symbol: walrus_core::encoding::GeneralRecoverySymbol) -> Option<RecoverySymbol<Self>> {
        symbol.into_secondary()
    }
}

/// Rebuilds one sliver (BCS bytes) from symbols served by the committee (this node included).
async fn recover_one<A: IntoRecoverySymbol>(
    node: &Arc<NodeInner>,
    committee: &Committee,
    metadata: &VerifiedBlobMetadataWithId,
    target: walrus_core::SliverIndex,
) -> Result<Vec<u8>, RecoveryError>
where
    InconsistencyProof<A>: serde::Serialize,
{
    let blob_id = *metadata.blob_id();
    let need = usize::from(metadata.config().n_symbols_for_recovery(A::AXIS));
    let mut symbols: Vec<RecoverySymbol<A>> = Vec::new();
    let mut seen = HashSet::new();
    let mut accept = |list: Vec<walrus_core::encoding::GeneralRecoverySymbol>,
                      symbols: &mut Vec<RecoverySymbol<A>>| {
        for general in list {
            if general.verify(metadata, target, A::AXIS).is_err() {
                continue;
            }
            if let Some(symbol) = A::take(general)
                && seen.insert(symbol.symbol.index)
            {
                symbols.push(symbol);
            }
        }
    };
    // Our own other shards can serve symbols too.
    let request = crate::node::SymbolRequest::Target {
        index: target,
        axis: A::AXIS,
    };
    if let Ok(local) = node.recovery_symbols(&blob_id, &request) {
        accept(local, &mut symbols);
    }
    let mut clients: Vec<_> = committee
        .members
        .iter()
        .filter(|m| m.node_id != node.node_id)
        .filter_map(|m| m.client.clone())
        .collect();
    clients.shuffle(&mut rand::thread_rng());
    let mut requests: FuturesUnordered<_> = clients
        .iter()
        .map(|client| client.recovery_symbols(&blob_id, target, A::AXIS))
        .collect();
    while symbols.len() < need {
        let Some(result) = requests.next().await else {
            break;
        };
        if let Ok(list) = result {
            let bytes: usize = list
                .iter()
                .map(|s| match &s.symbol {
                    walrus_core::encoding::EitherDecodingSymbol::Primary(d) => d.data.len(),
                    walrus_core::encoding::EitherDecodingSymbol::Secondary(d) => d.data.len(),
                })
                .sum();
            node.metrics
                .recovery_symbol_bytes
                .inc_by(u64::try_from(bytes).unwrap_or(u64::MAX));
            node.metrics
                .recovery_response_bytes
                .inc_by(bcs::serialized_size(&list).map_or(0, |n| n as u64));
            accept(list, &mut symbols);
        }
    }
    drop(requests);
    let have = symbols.len();
    let metadata_clone = metadata.clone();
    let outcome =
        tokio::task::spawn_blocking(move || recover_sliver(&metadata_clone, target, symbols))
            .await
            .map_err(|e| RecoveryError::Store(e.to_string()))?
            .map_err(|e| RecoveryError::NotEnoughSymbols {
                axis: A::AXIS,
                index: target.get(),
                message: format!("{e} (have {have}, need {need})"),
            })?;
    match outcome {
        RecoveryOutcome::Recovered(sliver) => {
            bcs::to_bytes(&sliver).map_err(|e| RecoveryError::Store(e.to_string()))
        }
        RecoveryOutcome::Inconsistent(proof) => {
            node.metrics
                .recoveries
                .with_label_values(&["inconsistent"])
                .inc();
            tracing::warn!(%blob_id, "blob is inconsistently encoded, invalidating it");
            if invalidate(node, committee, &blob_id, &proof).await {
                Err(RecoveryError::Inconsistent)
            } else {
                Err(RecoveryError::InvalidationFailed)
            }
        }
    }
}

/// Collects invalid-blob attestations for `proof` (ours first) until they reach the on-chain
/// threshold, then submits the certificate. Returns whether the chain accepted it.
async fn invalidate<A: EncodingAxis>(
    node: &Arc<NodeInner>,
    committee: &Committee,
    blob_id: &BlobId,
    proof: &InconsistencyProof<A>,
) -> bool
where
    InconsistencyProof<A>: serde::Serialize,
{
    let n_shards = committee.n_shards;
    let expected = InvalidBlobIdAttestation(*blob_id);
    let mut signed: Vec<(u16, SignedInvalidBlobIdMsg)> = Vec::new();
    let mut weight = 0u16;
    if let Some(me) = committee.member(&node.node_id) {
        signed.push((me.index, node.attest_invalid(blob_id)));
        weight = weight.saturating_add(me.weight());
    }
    let mut requests: FuturesUnordered<_> = committee
        .members
        .iter()
        .filter(|m| m.node_id != node.node_id)
        .filter_map(|m| {
            let client = m.client.clone()?;
            let member = m.clone();
            Some(async move {
                let result = client.submit_inconsistency_proof(blob_id, proof).await;
                (member, result)
            })
        })
        .collect();
    while !walrus_core::bft::is_one_correct_on_chain(weight, n_shards) {
        let Some((member, result)) = requests.next().await else {
            break;
        };
        let Ok(attestation) = result else {
            continue;
        };
        if attestation
            .verify_signature_and_contents(&member.public_key, committee.epoch, &expected)
            .is_ok()
        {
            signed.push((member.index, attestation));
            weight = weight.saturating_add(member.weight());
        }
    }
    drop(requests);
    if !walrus_core::bft::is_one_correct_on_chain(weight, n_shards) {
        tracing::warn!(%blob_id, weight, "not enough invalid-blob attestations");
        return false;
    }
    signed.sort_by_key(|(index, _)| *index);
    let certificate =
        match InvalidBlobCertificate::from_signed_messages(signed.iter().map(|(i, s)| (*i, s))) {
            Ok(certificate) => certificate,
            Err(error) => {
                tracing::warn!(%blob_id, %error, "cannot aggregate attestations");
                return false;
            }
        };
    let Ok(bitmap) = certificate.signers_bitmap(committee.members.len()) else {
        return false;
    };
    let call = Certificate {
        signature: certificate.signature.to_bytes().to_vec(),
        signers_bitmap: bitmap,
        message: certificate.serialized_message.clone(),
    };
    match node.sui.invalidate_blob_id(&call).await {
        Ok(_) => {
            tracing::info!(%blob_id, "blob invalidated on chain");
            true
        }
        Err(error) => {
            tracing::info!(%blob_id, %error, "invalidate_blob_id failed (maybe already invalid)");
            false
        }
    }
}
