//! The indexer against a devnet started in the test: blobs registered, certified, extended,
//! deleted and invalidated through the chain client; the indexer's answers must match the chain's
//! objects, on every backend. Then the indexer is killed (its task aborted) again and again while
//! the chain moves, and must end with every event applied exactly once.
//!
//! The PostgreSQL variants need `WALRUS_TEST_POSTGRES_URL` (scripts/test.sh sets it) and fail
//! without it. All traffic is on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::time::Duration;

use common::{Backend, fresh_store};
use sui_sdk_types::Address;
use walrus_core::encoding::{EncodingConfig, encode_with_metadata};
use walrus_core::messages::certificate::ConfirmationCertificate;
use walrus_core::messages::storage_confirmation::{BlobPersistenceType, Confirmation};
use walrus_core::{BlobId, BlsKeyPair, Epoch};
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle, GenesisInfo};
use walrus_indexer::model::BlobState;
use walrus_indexer::{AnyStore, Indexer, IndexerConfig, Store, SuiContext};
use walrus_sui::client::{
    BlobRegistration, Certificate, ChainError, CheckpointCursor, WalrusSuiClient, to_object_id,
};
use walrus_sui::config::WalrusSuiConfig;
use walrus_sui::wallet::Wallet;

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

async fn start_devnet(dir: &std::path::Path) -> DevnetHandle {
    let config = DevnetConfig {
        heartbeat_ms: 200,
        ..DevnetConfig::default()
    };
    Devnet::start(config, dir).await.unwrap()
}

fn client_config(devnet: &DevnetHandle) -> WalrusSuiConfig {
    devnet.sui_config()
}

fn reader(devnet: &DevnetHandle) -> WalrusSuiClient {
    WalrusSuiClient::new(client_config(devnet)).unwrap()
}

async fn funded_client(devnet: &DevnetHandle, seed: u8) -> WalrusSuiClient {
    let faucet = reader(devnet).with_wallet(Wallet::new(devnet.genesis().faucet.key().unwrap()));
    let user = Wallet::from_seed([seed; 32]);
    faucet.transfer_sui(user.address(), 10 * SUI).await.unwrap();
    faucet
        .transfer_wal(user.address(), 100 * WAL)
        .await
        .unwrap();
    reader(devnet).with_wallet(user)
}

fn encoded_blob(n_shards: u16, seed: usize, deletable: bool) -> BlobRegistration {
    let data: Vec<u8> = (0..2_000 + seed)
        .map(|i| u8::try_from((i * 31 + seed * 7) % 251).unwrap())
        .collect();
    let encoded = encode_with_metadata(&EncodingConfig::new(n_shards).unwrap(), &data).unwrap();
    BlobRegistration::from_metadata(&encoded.metadata, deletable)
}

/// A confirmation certificate signed by every genesis node.
async fn certificate(
    client: &WalrusSuiClient,
    genesis: &GenesisInfo,
    blob_id: BlobId,
    blob_type: BlobPersistenceType,
) -> Certificate {
    let committee = client.committee().await.unwrap();
    let confirmation = Confirmation::for_blob(committee.epoch, blob_id, blob_type);
    let signed: Vec<_> = committee
        .members
        .iter()
        .enumerate()
        .map(|(i, member)| {
            let node = genesis
                .nodes
                .iter()
                .find(|n| to_object_id(n.node_id) == member.node_id)
                .unwrap();
            let key: BlsKeyPair = node.bls_key_pair().unwrap();
            (u16::try_from(i).unwrap(), confirmation.sign(&key))
        })
        .collect();
    let cert =
        ConfirmationCertificate::from_signed_messages(signed.iter().map(|(i, s)| (*i, s))).unwrap();
    Certificate {
        signature: cert.signature.to_bytes().to_vec(),
        signers_bitmap: cert.signers_bitmap(committee.members.len()).unwrap(),
        message: cert.serialized_message.clone(),
    }
}

/// Registers (and certifies unless `certify` is false) a blob; returns its object ID.
async fn store_blob(
    client: &WalrusSuiClient,
    genesis: &GenesisInfo,
    registration: &BlobRegistration,
    certify: bool,
) -> Address {
    let blob = client
        .reserve_and_register_blob(3, registration)
        .await
        .unwrap();
    let id = blob.object_ref.id;
    if certify {
        let blob_type = if registration.deletable {
            BlobPersistenceType::Deletable {
                object_id: to_object_id(id),
            }
        } else {
            BlobPersistenceType::Permanent
        };
        let cert = certificate(client, genesis, registration.blob_id, blob_type).await;
        client.certify_blob(id, &cert).await.unwrap();
    }
    id
}

/// Invalidates `blob_id` with an attestation signed by every genesis node.
async fn invalidate(client: &WalrusSuiClient, genesis: &GenesisInfo, blob_id: BlobId) -> Epoch {
    let committee = client.committee().await.unwrap();
    let message = walrus_core::messages::InvalidBlobIdMsg::for_blob(committee.epoch, blob_id);
    let signed: Vec<_> = committee
        .members
        .iter()
        .enumerate()
        .map(|(i, member)| {
            let node = genesis
                .nodes
                .iter()
                .find(|n| to_object_id(n.node_id) == member.node_id)
                .unwrap();
            (
                u16::try_from(i).unwrap(),
                message.sign(&node.bls_key_pair().unwrap()),
            )
        })
        .collect();
    let cert = walrus_core::messages::InvalidBlobCertificate::from_signed_messages(
        signed.iter().map(|(i, s)| (*i, s)),
    )
    .unwrap();
    client
        .invalidate_blob_id(&Certificate {
            signature: cert.signature.to_bytes().to_vec(),
            signers_bitmap: cert.signers_bitmap(committee.members.len()).unwrap(),
            message: cert.serialized_message.clone(),
        })
        .await
        .unwrap();
    committee.epoch
}

/// What the workload did, to check against the indexer.
#[derive(Debug, Default)]
struct Workload {
    live: Vec<Address>,
    deleted: Vec<(Address, BlobId)>,
    invalid: Vec<(BlobId, Epoch)>,
}

/// Register, certify, extend, delete and invalidate blobs (`round` varies the blob contents).
async fn workload(client: &WalrusSuiClient, genesis: &GenesisInfo, round: usize) -> Workload {
    let n = genesis.n_shards;
    let mut out = Workload::default();
    let base = round * 10;
    // A certified permanent blob.
    let permanent = encoded_blob(n, base, false);
    out.live
        .push(store_blob(client, genesis, &permanent, true).await);
    // A second, deletable object with the same blob ID, registered only.
    let mut same = permanent.clone();
    same.deletable = true;
    out.live
        .push(store_blob(client, genesis, &same, false).await);
    // A certified deletable blob, extended twice.
    let extended = encoded_blob(n, base + 1, true);
    let id = store_blob(client, genesis, &extended, true).await;
    client.extend_blob(id, 2).await.unwrap();
    client.extend_blob(id, 1).await.unwrap();
    out.live.push(id);
    // A certified deletable blob, deleted.
    let gone = encoded_blob(n, base + 2, true);
    let id = store_blob(client, genesis, &gone, true).await;
    client.delete_blob(id).await.unwrap();
    out.deleted.push((id, gone.blob_id));
    // An invalid blob ID.
    let invalid = BlobId([u8::try_from(round % 200).unwrap() + 1; 32]);
    let epoch = invalidate(client, genesis, invalid).await;
    out.invalid.push((invalid, epoch));
    out
}

/// Waits until the store has applied every checkpoint up to the chain's current tip.
async fn wait_caught_up(store: &AnyStore, client: &WalrusSuiClient) -> u64 {
    let tip = client.latest_checkpoint().await.unwrap();
    tokio::time::timeout(Duration::from_secs(60), async {
        while store.meta().await.unwrap().next_checkpoint <= tip {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the indexer catches up with the chain");
    tip
}

/// The indexer's answers match the chain's objects.
async fn assert_matches_chain(
    store: &AnyStore,
    client: &WalrusSuiClient,
    genesis: &GenesisInfo,
    owner: &str,
    work: &Workload,
) {
    for &id in &work.live {
        let chain = client.blob(id).await.unwrap().value;
        let objects = store.blob_objects(chain.blob_id).await.unwrap();
        let indexed = objects
            .iter()
            .find(|o| o.object_id == to_object_id(id))
            .unwrap_or_else(|| panic!("blob object {id} not indexed"));
        assert_eq!(indexed.blob_id, chain.blob_id);
        assert_eq!(indexed.size, chain.size);
        assert_eq!(indexed.encoding_type, chain.encoding_type);
        assert_eq!(indexed.registered_epoch, chain.registered_epoch);
        assert_eq!(indexed.certified_epoch, chain.certified_epoch);
        assert_eq!(indexed.end_epoch, chain.storage.end_epoch);
        assert_eq!(indexed.deletable, chain.deletable);
        assert!(!indexed.deleted);
        assert_eq!(indexed.owner.as_deref(), Some(owner));
    }
    for (id, blob_id) in &work.deleted {
        assert!(matches!(
            client.blob(*id).await,
            Err(ChainError::ObjectNotFound(_))
        ));
        let objects = store.blob_objects(*blob_id).await.unwrap();
        let indexed = objects
            .iter()
            .find(|o| o.object_id == to_object_id(*id))
            .unwrap();
        assert!(indexed.deleted);
        let status = walrus_indexer::model::BlobStatus::aggregate(*blob_id, None, objects, 0);
        assert_eq!(status.status, BlobState::Deleted);
    }
    for (blob_id, epoch) in &work.invalid {
        assert_eq!(store.invalid_epoch(*blob_id).await.unwrap(), Some(*epoch));
    }
    let mine = store.blobs_by_owner(owner).await.unwrap();
    assert_eq!(mine.len(), work.live.len() + work.deleted.len());

    // The committee recorded at bootstrap is the chain's, with the nodes' addresses and keys.
    let committee = client.committee().await.unwrap();
    let indexed = store.committee(committee.epoch).await.unwrap();
    assert_eq!(indexed.len(), committee.members.len());
    for (chain, indexed) in committee.members.iter().zip(&indexed) {
        assert_eq!(indexed.node_id, chain.node_id);
        assert_eq!(indexed.weight, chain.weight);
        assert_eq!(indexed.shards, chain.shards);
        assert_eq!(
            indexed.details.public_key,
            hex::encode(&chain.public_key.bytes)
        );
        let node = genesis
            .nodes
            .iter()
            .find(|n| to_object_id(n.node_id) == chain.node_id)
            .unwrap();
        assert_eq!(indexed.details.network_address, node.network_address);
        assert_eq!(indexed.details.name, node.name);
    }
    let epoch = store.latest_epoch().await.unwrap().unwrap();
    assert_eq!(epoch.epoch, committee.epoch);
    assert_eq!(epoch.n_shards, Some(committee.n_shards));
    assert_eq!(store.nodes().await.unwrap().len(), genesis.nodes.len());
    assert_eq!(store.pools().await.unwrap().len(), genesis.nodes.len());
}

/// The number of Walrus events in checkpoints `0..end` as a fresh follower sees them.
async fn chain_events(client: &WalrusSuiClient, end: u64) -> u64 {
    let mut follower = client.follow_checkpoints(CheckpointCursor { next_checkpoint: 0 });
    let mut n = 0u64;
    loop {
        let checkpoint = follower.next().await.unwrap();
        n += checkpoint
            .events
            .iter()
            .filter(|e| e.event.is_some())
            .count() as u64;
        if checkpoint.sequence_number + 1 >= end {
            return n;
        }
    }
}

fn spawn_indexer(
    store: &AnyStore,
    client: &WalrusSuiClient,
    max_batch: usize,
) -> tokio::task::JoinHandle<()> {
    let indexer = Indexer::new(
        store.clone(),
        IndexerConfig {
            max_batch_checkpoints: max_batch,
            tip_poll_interval: Duration::from_millis(200),
            ..IndexerConfig::default()
        },
    );
    let client = client.clone();
    tokio::spawn(async move {
        let context = SuiContext(client.clone());
        if let Err(e) = indexer.run(&client, &context).await {
            panic!("indexer failed: {e}");
        }
    })
}

async fn indexes_the_blob_lifecycle(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let devnet = start_devnet(&dir.path().join("devnet")).await;
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 7).await;
    let owner = user.address().unwrap().to_string();
    let store = fresh_store(backend, dir.path()).await;

    // Part of the history exists before the indexer starts (catch-up), the rest while it runs.
    let mut work = workload(&user, &genesis, 0).await;
    let task = spawn_indexer(&store, &reader(&devnet), 256);
    let more = workload(&user, &genesis, 1).await;
    work.live.extend(more.live);
    work.deleted.extend(more.deleted);
    work.invalid.extend(more.invalid);
    let tip = wait_caught_up(&store, &user).await;
    assert_matches_chain(&store, &user, &genesis, &owner, &work).await;
    let meta = store.meta().await.unwrap();
    assert_eq!(
        meta.events_applied,
        chain_events(&user, meta.next_checkpoint).await
    );
    assert!(meta.next_checkpoint > tip);
    task.abort();
    let _ = task.await;
    devnet.shutdown().await;
}

async fn survives_kills_mid_batch(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let devnet = start_devnet(&dir.path().join("devnet")).await;
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 8).await;
    let owner = user.address().unwrap().to_string();
    let store = fresh_store(backend, dir.path()).await;
    // A reference indexer that is never interrupted, on the embedded store.
    let reference = fresh_store(Backend::Embedded, dir.path()).await;
    let reference_task = spawn_indexer(&reference, &reader(&devnet), 256);

    let background_user = user.clone();
    let background_genesis = genesis.clone();
    let work = tokio::spawn(async move {
        let mut all = Workload::default();
        for round in 0..8 {
            let w = workload(&background_user, &background_genesis, round).await;
            all.live.extend(w.live);
            all.deleted.extend(w.deleted);
            all.invalid.extend(w.invalid);
        }
        all
    });
    // Kill the indexer after a random time, again and again, with small batches so that kills
    // land inside batches; each restart resumes from the stored cursor. (The workload is only
    // a few hundred milliseconds per round, so the kills must come often.)
    let mut kills = 0;
    while !work.is_finished() {
        let task = spawn_indexer(&store, &reader(&devnet), 2);
        tokio::time::sleep(Duration::from_millis(rand::random::<u64>() % 60 + 5)).await;
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled(), "the indexer failed");
        kills += 1;
    }
    let work = work.await.unwrap();
    eprintln!("{kills} indexer kills during the workload");
    assert!(kills >= 3, "only {kills} kills");
    let task = spawn_indexer(&store, &reader(&devnet), 2);
    wait_caught_up(&store, &user).await;
    task.abort();
    let _ = task.await;
    assert_matches_chain(&store, &user, &genesis, &owner, &work).await;

    // Nothing lost, nothing applied twice: the event count equals the chain's, and every
    // answer equals the uninterrupted reference's at the same cursor.
    let meta = store.meta().await.unwrap();
    assert_eq!(
        meta.events_applied,
        chain_events(&user, meta.next_checkpoint).await
    );
    tokio::time::timeout(Duration::from_secs(60), async {
        while reference.meta().await.unwrap().next_checkpoint < meta.next_checkpoint {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap();
    reference_task.abort();
    let _ = reference_task.await;
    let reference_meta = reference.meta().await.unwrap();
    assert_eq!(
        meta.events_applied,
        chain_events(&user, meta.next_checkpoint).await
    );
    assert!(reference_meta.events_applied >= meta.events_applied);
    for &id in &work.live {
        let blob_id = user.blob(id).await.unwrap().value.blob_id;
        assert_eq!(
            store.blob_objects(blob_id).await.unwrap(),
            reference.blob_objects(blob_id).await.unwrap()
        );
    }
    assert_eq!(
        store.blobs_by_owner(&owner).await.unwrap(),
        reference.blobs_by_owner(&owner).await.unwrap()
    );
    assert_eq!(
        store.nodes().await.unwrap(),
        reference.nodes().await.unwrap()
    );
    devnet.shutdown().await;
}

/// Retries `call` while it aborts (e.g. "too early" before the clock has advanced enough).
async fn retry_until_ok<F, Fut>(mut call: F) -> walrus_sui::client::TxOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<walrus_sui::client::TxOutcome, ChainError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match call().await {
            Ok(outcome) => return outcome,
            Err(ChainError::MoveAbort(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// The certificate of a failing challenge verdict on `target` in the current epoch, signed by
/// every other committee member.
async fn failing_verdict(
    client: &WalrusSuiClient,
    genesis: &GenesisInfo,
    target: walrus_core::ObjectId,
) -> Certificate {
    let committee = client.system_state().await.unwrap().committee;
    let message =
        walrus_core::messages::ChallengeVerdictMsg::verdict(committee.epoch, target, false)
            .to_bcs();
    let mut bitmap = vec![0u8; committee.members.len().div_ceil(8)];
    let mut signatures = Vec::new();
    for (i, member) in committee.members.iter().enumerate() {
        if member.node_id == target {
            continue;
        }
        let node = genesis
            .nodes
            .iter()
            .find(|n| to_object_id(n.node_id) == member.node_id)
            .unwrap();
        signatures.push(node.bls_key_pair().unwrap().sign(&message));
        bitmap[i / 8] |= 1 << (i % 8);
    }
    Certificate {
        signature: walrus_core::BlsAggregateSignature::aggregate(&signatures)
            .unwrap()
            .to_bytes()
            .to_vec(),
        signers_bitmap: bitmap,
        message,
    }
}

async fn indexes_stakes_and_epoch_changes(backend: Backend) {
    use walrus_indexer::model::{EpochPhase, StakeState};
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(
        DevnetConfig {
            heartbeat_ms: 200,
            epoch_duration_ms: 4_000,
            ..DevnetConfig::default()
        },
        &dir.path().join("devnet"),
    )
    .await
    .unwrap();
    let genesis = devnet.genesis().clone();
    let store = fresh_store(backend, dir.path()).await;
    let task = spawn_indexer(&store, &reader(&devnet), 16);
    let user = funded_client(&devnet, 9).await;
    let owner = user.address().unwrap().to_string();
    let epoch = user.current_epoch().await.unwrap();
    let node_id = to_object_id(genesis.nodes[1].node_id);
    let staked = user.stake_with_pool(node_id, 10 * WAL).await.unwrap();
    // A failing storage-challenge verdict on another node, signed by every other member.
    let target = to_object_id(genesis.nodes[0].node_id);
    user.submit_challenge_verdict(&failing_verdict(&user, &genesis, target).await)
        .await
        .unwrap();

    retry_until_ok(|| user.voting_end()).await;
    retry_until_ok(|| user.initiate_epoch_change()).await;
    for node in &genesis.nodes {
        let operator = reader(&devnet).with_wallet(Wallet::new(node.operator.key().unwrap()));
        let faucet = reader(&devnet).with_wallet(Wallet::new(genesis.faucet.key().unwrap()));
        faucet
            .transfer_sui(node.operator.address, SUI)
            .await
            .unwrap();
        operator
            .epoch_sync_done(node.cap_id, epoch + 1)
            .await
            .unwrap();
    }
    user.request_withdraw_stake(staked.object_ref.id)
        .await
        .unwrap();
    wait_caught_up(&store, &user).await;

    let stakes = store.stakes_by_owner(&owner).await.unwrap();
    assert_eq!(stakes.len(), 1);
    assert_eq!(stakes[0].staked_wal_id, to_object_id(staked.object_ref.id));
    assert_eq!(stakes[0].node_id, node_id);
    assert_eq!(stakes[0].amount, 10 * WAL);
    assert_eq!(stakes[0].activation_epoch, staked.value.activation_epoch);
    assert_eq!(stakes[0].state, StakeState::Withdrawing);
    let pool = store
        .pools()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.node_id == node_id)
        .unwrap();
    assert_eq!(pool.deposited, 10 * WAL);
    assert_eq!(pool.n_deposits, 1);

    let next = store.epoch(epoch + 1).await.unwrap().unwrap();
    assert_eq!(next.phase, EpochPhase::ChangeDone);
    assert!(next.start_checkpoint.is_some());
    assert!(next.done_checkpoint >= next.start_checkpoint);
    assert!(!next.sync_reports.is_empty());
    let previous = store.epoch(epoch).await.unwrap().unwrap();
    assert!(previous.params_selected_checkpoint.is_some());
    let chain_committee = user.committee().await.unwrap();
    assert_eq!(chain_committee.epoch, epoch + 1);
    let indexed = store.committee(epoch + 1).await.unwrap();
    assert_eq!(
        indexed
            .iter()
            .map(|m| (m.node_id, m.shards.clone()))
            .collect::<Vec<_>>(),
        chain_committee
            .members
            .iter()
            .map(|m| (m.node_id, m.shards.clone()))
            .collect::<Vec<_>>()
    );
    for reward in store.rewards(epoch).await.unwrap() {
        assert!(
            genesis
                .nodes
                .iter()
                .any(|n| to_object_id(n.node_id) == reward.node_id)
        );
    }
    let verdicts = store.challenge_verdicts(Some(target), None).await.unwrap();
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    assert_eq!((verdicts[0].epoch, verdicts[0].passed), (epoch, false));
    assert_eq!(
        store.challenge_verdicts(None, Some(epoch)).await.unwrap(),
        verdicts
    );
    // One failure does not slash (the default needs two in a row).
    assert!(store.slashes(None).await.unwrap().is_empty());
    let meta = store.meta().await.unwrap();
    assert_eq!(
        meta.events_applied,
        chain_events(&user, meta.next_checkpoint).await
    );
    task.abort();
    let _ = task.await;
    devnet.shutdown().await;
}

macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name(super::Backend::Embedded).await })*
        }
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
              async fn $name() { super::$name(super::Backend::Postgres).await })*
        }
    };
}

backend_tests!(indexes_the_blob_lifecycle, survives_kills_mid_batch);

macro_rules! staking_backend_tests {
    ($($name:ident),* $(,)?) => {
        mod staking {
            mod sqlite {
                $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                  async fn $name() { super::super::$name(super::super::Backend::Sqlite).await })*
            }
            mod postgres {
                $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                  async fn $name() { super::super::$name(super::super::Backend::Postgres).await })*
            }
        }
    };
}

staking_backend_tests!(indexes_stakes_and_epoch_changes);
