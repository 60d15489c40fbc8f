//! The chain client (`walrus_sui::client::WalrusSuiClient`) against the embedded devnet: blob
//! lifecycle (reserve, register, certify with a real BLS certificate, extend, transfer, delete),
//! typed Move aborts on bad certificates, and the checkpoint follower across a devnet restart.
//!
//! Everything goes through the client, configured from the devnet's genesis output; users are
//! funded by a client signing with the genesis faucet account. All traffic is on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::Path;
use std::time::Duration;

use sui_sdk_types::Address;
use walrus_core::encoding::{EncodingConfig, encode_with_metadata};
use walrus_core::messages::certificate::ConfirmationCertificate;
use walrus_core::messages::storage_confirmation::{BlobPersistenceType, Confirmation};
use walrus_core::{BlobId, BlsKeyPair, Epoch};
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle, GenesisInfo};
use walrus_sui::client::{
    BlobRegistration, Certificate, ChainError, CheckpointCursor, CheckpointEvents, WalrusSuiClient,
    to_address, to_object_id,
};
use walrus_sui::config::WalrusSuiConfig;
use walrus_sui::errors::{BlsAggregateError, MessagesError, MoveAbort, SystemError};
use walrus_sui::events::ContractEvent;
use walrus_sui::objects::Blob;
use walrus_sui::wallet::Wallet;

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

fn devnet_config() -> DevnetConfig {
    DevnetConfig {
        heartbeat_ms: 200,
        ..DevnetConfig::default()
    }
}

/// The client configuration of a running devnet, built from its genesis output only.
fn client_config(devnet: &DevnetHandle) -> WalrusSuiConfig {
    devnet.sui_config()
}

fn client(devnet: &DevnetHandle, wallet: Wallet) -> WalrusSuiClient {
    WalrusSuiClient::new(client_config(devnet))
        .unwrap()
        .with_wallet(wallet)
}

/// A client of a new account funded with 10 SUI and 100 WAL by the genesis faucet account.
async fn funded_client(devnet: &DevnetHandle, seed: u8) -> WalrusSuiClient {
    let faucet = client(
        devnet,
        Wallet::new(devnet.genesis().faucet.key().expect("faucet key")),
    );
    let user = Wallet::from_seed([seed; 32]);
    faucet.transfer_sui(user.address(), 10 * SUI).await.unwrap();
    faucet
        .transfer_wal(user.address(), 100 * WAL)
        .await
        .unwrap();
    let user = client(devnet, user);
    let me = user.address().unwrap();
    assert_eq!(user.sui_balance(me).await.unwrap(), 10 * SUI);
    assert_eq!(user.wal_balance(me).await.unwrap(), 100 * WAL);
    user
}

/// A blob encoded for the devnet's shard count, with its registration parameters.
fn encoded_blob(n_shards: u16, len: usize, deletable: bool) -> BlobRegistration {
    let data: Vec<u8> = (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251).unwrap())
        .collect();
    let encoded = encode_with_metadata(&EncodingConfig::new(n_shards).unwrap(), &data).unwrap();
    BlobRegistration::from_metadata(&encoded.metadata, deletable)
}

/// Signs a storage confirmation of `blob_id` with the BLS keys of the committee members at
/// `signer_indices` (indices into the on-chain member list) and aggregates the signatures.
async fn certificate(
    client: &WalrusSuiClient,
    genesis: &GenesisInfo,
    epoch: Epoch,
    blob_id: BlobId,
    blob_type: BlobPersistenceType,
    signer_indices: &[u16],
) -> Certificate {
    let committee = client.committee().await.unwrap();
    let confirmation = Confirmation::for_blob(epoch, blob_id, blob_type);
    let signed: Vec<_> = signer_indices
        .iter()
        .map(|&i| {
            let member = &committee.members[usize::from(i)];
            let node = genesis
                .nodes
                .iter()
                .find(|n| to_object_id(n.node_id) == member.node_id)
                .expect("every committee member is a genesis node");
            let key: BlsKeyPair = node.bls_key_pair().unwrap();
            (i, confirmation.sign(&key))
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

/// Indices of a quorum (all members but the lightest one, at least `n - f` shards).
async fn quorum(client: &WalrusSuiClient) -> Vec<u16> {
    let committee = client.committee().await.unwrap();
    let n = committee.n_shards;
    let f = (n - 1) / 3;
    let mut by_weight: Vec<(u16, u16)> = committee
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (u16::try_from(i).unwrap(), m.weight))
        .collect();
    by_weight.sort_by_key(|&(_, w)| std::cmp::Reverse(w));
    let mut signers = Vec::new();
    let mut weight = 0;
    for (i, w) in by_weight {
        if weight >= n - f {
            break;
        }
        signers.push(i);
        weight += w;
    }
    signers.sort_unstable();
    signers
}

fn persistence(registration: &BlobRegistration, blob: Address) -> BlobPersistenceType {
    if registration.deletable {
        BlobPersistenceType::Deletable {
            object_id: to_object_id(blob),
        }
    } else {
        BlobPersistenceType::Permanent
    }
}

/// Reserve + register + certify with a quorum certificate; returns the blob object ID.
async fn store_blob(
    client: &WalrusSuiClient,
    genesis: &GenesisInfo,
    registration: &BlobRegistration,
    epochs_ahead: u32,
) -> Address {
    let (_, encoded) = client.write_cost(registration.size).await.unwrap();
    let storage = client.reserve_space(encoded, epochs_ahead).await.unwrap();
    let blob = client
        .register_blob(storage.object_ref.id, registration)
        .await
        .unwrap();
    let blob_id = blob.object_ref.id;
    let epoch = client.current_epoch().await.unwrap();
    let signers = quorum(client).await;
    let cert = certificate(
        client,
        genesis,
        epoch,
        registration.blob_id,
        persistence(registration, blob_id),
        &signers,
    )
    .await;
    client.certify_blob(blob_id, &cert).await.unwrap();
    blob_id
}

#[tokio::test]
async fn reserve_register_certify_real_blob() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), dir.path()).await.unwrap();
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 11).await;
    let me = user.address().unwrap();
    let epoch = user.current_epoch().await.unwrap();
    assert_eq!(epoch, genesis.epoch);

    let registration = encoded_blob(genesis.n_shards, 50_000, false);
    let (write_cost, encoded) = user.write_cost(registration.size).await.unwrap();
    assert_eq!(
        encoded,
        walrus_devnet::natives::encoding::encoded_blob_length(
            registration.size,
            1,
            genesis.n_shards
        )
        .unwrap()
    );
    let storage_cost = user.storage_cost(encoded, 3).await.unwrap();
    let wal_before = user.wal_balance(me).await.unwrap();

    let storage = user.reserve_space(encoded, 3).await.unwrap();
    assert_eq!(storage.value.storage_size, encoded);
    assert_eq!(storage.value.start_epoch, epoch);
    assert_eq!(storage.value.end_epoch, epoch + 3);
    let storage_id = to_address(storage.value.id.id);
    assert_eq!(storage.object_ref.id, storage_id);

    let blob = user.register_blob(storage_id, &registration).await.unwrap();
    let blob_object = blob.object_ref.id;
    assert_eq!(blob.value.blob_id, registration.blob_id);
    assert_eq!(blob.value.size, registration.size);
    assert_eq!(blob.value.registered_epoch, epoch);
    assert_eq!(blob.value.certified_epoch, None);
    assert!(!blob.value.deletable);
    assert_eq!(blob.value.storage.end_epoch, epoch + 3);
    assert_eq!(
        user.wal_balance(me).await.unwrap(),
        wal_before - storage_cost - write_cost
    );
    // The storage was consumed into the blob.
    assert!(user.owned_storage(me).await.unwrap().is_empty());
    assert_eq!(user.owned_blobs(me).await.unwrap().len(), 1);

    let signers = quorum(&user).await;
    let cert = certificate(
        &user,
        &genesis,
        epoch,
        registration.blob_id,
        BlobPersistenceType::Permanent,
        &signers,
    )
    .await;
    let outcome = user.certify_blob(blob_object, &cert).await.unwrap();
    assert!(outcome.checkpoint.is_some());
    let certified: Vec<_> = outcome
        .contract_events()
        .filter_map(|e| match e {
            ContractEvent::BlobCertified(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(certified.len(), 1);
    assert_eq!(certified[0].blob_id, registration.blob_id);
    assert_eq!(certified[0].object_id, to_object_id(blob_object));
    assert_eq!(certified[0].end_epoch, epoch + 3);
    assert!(!certified[0].is_extension);

    let read: walrus_sui::client::Owned<Blob> = user.blob(blob_object).await.unwrap();
    assert_eq!(read.value.certified_epoch, Some(epoch));
    assert_eq!(read.value.blob_id, registration.blob_id);
    assert!(read.object_ref.version > blob.object_ref.version);

    // The same blob ID as a second, deletable registration certifies with its own object ID.
    let deletable = encoded_blob(genesis.n_shards, 50_000, true);
    let second = user.reserve_and_register_blob(2, &deletable).await.unwrap();
    assert!(second.value.deletable);
    let cert = certificate(
        &user,
        &genesis,
        epoch,
        deletable.blob_id,
        persistence(&deletable, second.object_ref.id),
        &signers,
    )
    .await;
    user.certify_blob(second.object_ref.id, &cert)
        .await
        .unwrap();
    assert_eq!(
        user.blob(second.object_ref.id)
            .await
            .unwrap()
            .value
            .certified_epoch,
        Some(epoch)
    );
    devnet.shutdown().await;
}

#[tokio::test]
async fn extend_transfer_and_delete_blob() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), dir.path()).await.unwrap();
    let genesis = devnet.genesis().clone();
    let alice = funded_client(&devnet, 21).await;
    let bob = funded_client(&devnet, 22).await;
    let alice_address = alice.address().unwrap();
    let bob_address = bob.address().unwrap();
    let epoch = alice.current_epoch().await.unwrap();

    let registration = encoded_blob(genesis.n_shards, 4_096, true);
    let blob = store_blob(&alice, &genesis, &registration, 2).await;
    let before = alice.blob(blob).await.unwrap().value;
    assert_eq!(before.storage.end_epoch, epoch + 2);

    // Extend by 3 epochs, paying in WAL.
    let cost = alice
        .storage_cost(before.storage.storage_size, 3)
        .await
        .unwrap();
    let wal_before = alice.wal_balance(alice_address).await.unwrap();
    let outcome = alice.extend_blob(blob, 3).await.unwrap();
    assert_eq!(
        alice.wal_balance(alice_address).await.unwrap(),
        wal_before - cost
    );
    let extended = alice.blob(blob).await.unwrap().value;
    assert_eq!(extended.storage.end_epoch, epoch + 5);
    assert_eq!(extended.storage.start_epoch, before.storage.start_epoch);
    assert_eq!(extended.certified_epoch, before.certified_epoch);
    let events: Vec<_> = outcome
        .contract_events()
        .filter_map(|e| match e {
            ContractEvent::BlobCertified(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(events.len(), 1);
    assert!(events[0].is_extension);
    assert_eq!(events[0].end_epoch, epoch + 5);

    // Extend with an owned storage resource that continues the period.
    let extension = alice
        .reserve_space(before.storage.storage_size, 6)
        .await
        .unwrap();
    assert_eq!(extension.value.start_epoch, epoch);
    // Split off [epoch + 5, epoch + 6) so that it starts where the blob ends.
    let later = alice
        .split_storage_by_epoch(extension.object_ref.id, epoch + 5)
        .await
        .unwrap();
    assert_eq!(later.value.start_epoch, epoch + 5);
    assert_eq!(later.value.end_epoch, epoch + 6);
    alice
        .extend_blob_with_resource(blob, later.object_ref.id)
        .await
        .unwrap();
    assert_eq!(
        alice.blob(blob).await.unwrap().value.storage.end_epoch,
        epoch + 6
    );

    // Transfer to Bob: Alice no longer owns it and cannot delete it.
    alice.transfer_blob(blob, bob_address).await.unwrap();
    assert!(alice.owned_blobs(alice_address).await.unwrap().is_empty());
    let bobs = bob.owned_blobs(bob_address).await.unwrap();
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].object_ref.id, blob);
    assert!(alice.delete_blob(blob).await.is_err());

    // Bob deletes the deletable blob and gets its storage back.
    let storage = bob.delete_blob(blob).await.unwrap();
    assert_eq!(storage.value.storage_size, before.storage.storage_size);
    assert_eq!(storage.value.start_epoch, before.storage.start_epoch);
    assert_eq!(storage.value.end_epoch, epoch + 6);
    assert!(matches!(
        bob.blob(blob).await,
        Err(ChainError::ObjectNotFound(id)) if id == blob
    ));
    let bob_storage = bob.owned_storage(bob_address).await.unwrap();
    assert_eq!(bob_storage.len(), 1);
    assert_eq!(bob_storage[0].object_ref.id, storage.object_ref.id);
    assert!(bob.owned_blobs(bob_address).await.unwrap().is_empty());

    // The returned storage registers a new blob.
    let again = encoded_blob(genesis.n_shards, 4_096, false);
    let reused = bob
        .register_blob(storage.object_ref.id, &again)
        .await
        .unwrap();
    assert_eq!(reused.value.storage.end_epoch, epoch + 6);

    // A permanent blob cannot be deleted: typed abort in `blob`.
    let error = bob.delete_blob(reused.object_ref.id).await.unwrap_err();
    let ChainError::MoveAbort(info) = &error else {
        panic!("expected a Move abort, got {error:?}");
    };
    assert_eq!(info.module, "blob", "{info}");
    assert!(matches!(info.abort, Some(MoveAbort::Blob(_))), "{info}");
    devnet.shutdown().await;
}

#[tokio::test]
async fn bad_certificates_abort_with_typed_errors_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), dir.path()).await.unwrap();
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 31).await;
    let me = user.address().unwrap();
    let epoch = user.current_epoch().await.unwrap();

    let registration = encoded_blob(genesis.n_shards, 10_000, true);
    let blob = user
        .reserve_and_register_blob(2, &registration)
        .await
        .unwrap();
    let blob_object = blob.object_ref.id;
    let blob_type = persistence(&registration, blob_object);
    let system_before = user.system_state().await.unwrap();
    let wal_before = user.wal_balance(me).await.unwrap();

    let check_unchanged = async |what: &str| {
        let now = user.blob(blob_object).await.unwrap();
        assert_eq!(now.value, blob.value, "blob changed after {what}");
        assert_eq!(now.value.certified_epoch, None);
        assert_eq!(
            user.system_state().await.unwrap(),
            system_before,
            "system changed after {what}"
        );
        assert_eq!(user.wal_balance(me).await.unwrap(), wal_before);
    };

    // One signer: below quorum.
    let cert = certificate(
        &user,
        &genesis,
        epoch,
        registration.blob_id,
        blob_type,
        &[0],
    )
    .await;
    let sui_before = user.sui_balance(me).await.unwrap();
    let error = user.certify_blob(blob_object, &cert).await.unwrap_err();
    let ChainError::MoveAbort(info) = &error else {
        panic!("expected a Move abort, got {error:?}");
    };
    assert_eq!(info.module, "bls_aggregate", "{info}");
    assert_eq!(info.code, BlsAggregateError::ENotEnoughStake as u64);
    assert_eq!(
        error.move_abort(),
        Some(MoveAbort::BlsAggregate(BlsAggregateError::ENotEnoughStake))
    );
    assert!(info.digest.is_some());
    // Gas is charged, nothing else.
    assert!(user.sui_balance(me).await.unwrap() < sui_before);
    check_unchanged("too few signers").await;

    // A quorum whose aggregate does not match the bitmap (one signature left out).
    let signers = quorum(&user).await;
    let mut cert = certificate(
        &user,
        &genesis,
        epoch,
        registration.blob_id,
        blob_type,
        &signers,
    )
    .await;
    let fewer = certificate(
        &user,
        &genesis,
        epoch,
        registration.blob_id,
        blob_type,
        &signers[1..],
    )
    .await;
    cert.signature = fewer.signature;
    let error = user.certify_blob(blob_object, &cert).await.unwrap_err();
    assert_eq!(
        error.move_abort(),
        Some(MoveAbort::BlsAggregate(BlsAggregateError::ESigVerification)),
        "{error}"
    );
    check_unchanged("a bad signature").await;

    // A certificate for another blob ID (valid signatures) is rejected by the blob module.
    let other = BlobId([0x42; 32]);
    let cert = certificate(&user, &genesis, epoch, other, blob_type, &signers).await;
    let error = user.certify_blob(blob_object, &cert).await.unwrap_err();
    let ChainError::MoveAbort(info) = &error else {
        panic!("expected a Move abort, got {error:?}");
    };
    assert_eq!(info.module, "blob", "{info}");
    assert!(matches!(info.abort, Some(MoveAbort::Blob(_))), "{info}");
    check_unchanged("a wrong blob ID").await;

    // A certificate from another epoch.
    let cert = certificate(
        &user,
        &genesis,
        epoch + 1,
        registration.blob_id,
        blob_type,
        &signers,
    )
    .await;
    let error = user.certify_blob(blob_object, &cert).await.unwrap_err();
    assert_eq!(
        error.move_abort(),
        Some(MoveAbort::Messages(MessagesError::EIncorrectEpoch)),
        "{error}"
    );
    check_unchanged("a wrong epoch").await;

    // A permanent-blob certificate for a deletable blob.
    let cert = certificate(
        &user,
        &genesis,
        epoch,
        registration.blob_id,
        BlobPersistenceType::Permanent,
        &signers,
    )
    .await;
    let error = user.certify_blob(blob_object, &cert).await.unwrap_err();
    assert!(
        matches!(error, ChainError::MoveAbort(_)),
        "expected a Move abort, got {error:?}"
    );
    check_unchanged("a wrong persistence type").await;

    // More storage than the system has: the abort is raised in `storage_accounting` with the
    // code `system` passes to it, and decoded as `system::EStorageExceeded`.
    let total = system_before.total_capacity_size;
    let error = user.reserve_space(total + 1, 1).await.unwrap_err();
    let ChainError::MoveAbort(info) = &error else {
        panic!("expected a Move abort, got {error:?}");
    };
    assert_eq!(info.module, "storage_accounting", "{info}");
    assert_eq!(info.code, SystemError::EStorageExceeded as u64, "{info}");
    assert_eq!(
        info.abort,
        Some(MoveAbort::System(SystemError::EStorageExceeded))
    );
    assert_eq!(
        user.system_state().await.unwrap().used_capacity_size,
        system_before.used_capacity_size
    );

    // Not enough WAL or SUI: typed client-side errors before anything is sent.
    let poor = client(&devnet, Wallet::from_seed([32; 32]));
    let error = poor.reserve_space(1_000_000, 1).await.unwrap_err();
    assert!(
        matches!(error, ChainError::InsufficientWal { available: 0, .. }),
        "{error:?}"
    );
    user.transfer_wal(poor.address().unwrap(), WAL)
        .await
        .unwrap();
    let error = poor.reserve_space(1_000_000, 1).await.unwrap_err();
    assert!(
        matches!(error, ChainError::InsufficientGas { available: 0, .. }),
        "{error:?}"
    );

    // And the right certificate still works afterwards.
    let cert = certificate(
        &user,
        &genesis,
        epoch,
        registration.blob_id,
        blob_type,
        &signers,
    )
    .await;
    user.certify_blob(blob_object, &cert).await.unwrap();
    assert_eq!(
        user.blob(blob_object).await.unwrap().value.certified_epoch,
        Some(epoch)
    );
    devnet.shutdown().await;
}

/// Follows checkpoints until `until` returns true for the collected checkpoints (with a
/// timeout), asserting they are consecutive from the follower's cursor.
async fn follow_until(
    follower: &mut walrus_sui::client::CheckpointFollower,
    seen: &mut Vec<CheckpointEvents>,
    until: impl Fn(&[CheckpointEvents]) -> bool,
) {
    tokio::time::timeout(Duration::from_secs(30), async {
        while !until(seen) {
            let expected = follower.cursor().next_checkpoint;
            let checkpoint = follower.next().await.unwrap();
            assert_eq!(checkpoint.sequence_number, expected, "checkpoint skipped");
            assert_eq!(
                follower.cursor(),
                CheckpointCursor::after(checkpoint.sequence_number)
            );
            seen.push(checkpoint);
        }
    })
    .await
    .expect("the follower delivers the expected checkpoints in time");
}

fn blob_events(seen: &[CheckpointEvents]) -> Vec<(u64, ContractEvent)> {
    seen.iter()
        .flat_map(|c| {
            c.events
                .iter()
                .filter_map(|e| e.event.clone().map(|ev| (c.sequence_number, ev)))
        })
        .filter(|(_, e)| {
            matches!(
                e,
                ContractEvent::BlobRegistered(_) | ContractEvent::BlobCertified(_)
            )
        })
        .collect()
}

async fn start(dir: &Path) -> DevnetHandle {
    Devnet::start(devnet_config(), dir).await.unwrap()
}

#[tokio::test]
async fn checkpoint_follower_delivers_events_and_resumes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cursor_file = dir.path().join("cursor.json");
    let data_dir = dir.path().join("devnet");
    let devnet = start(&data_dir).await;
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 41).await;

    // Start from the current tip; everything after it must be seen exactly once.
    let start_cursor = CheckpointCursor::after(user.latest_checkpoint().await.unwrap());
    let mut follower = user.follow_checkpoints(start_cursor);
    let registration = encoded_blob(genesis.n_shards, 2_000, false);
    let blob = store_blob(&user, &genesis, &registration, 2).await;

    let mut seen = Vec::new();
    follow_until(&mut follower, &mut seen, |s| blob_events(s).len() >= 2).await;
    assert_eq!(seen[0].sequence_number, start_cursor.next_checkpoint);
    let events = blob_events(&seen);
    let (registered_at, ContractEvent::BlobRegistered(registered)) = &events[0] else {
        panic!("first event is not BlobRegistered: {events:?}");
    };
    let (certified_at, ContractEvent::BlobCertified(certified)) = &events[1] else {
        panic!("second event is not BlobCertified: {events:?}");
    };
    assert!(registered_at < certified_at);
    assert_eq!(registered.blob_id, registration.blob_id);
    assert_eq!(registered.object_id, to_object_id(blob));
    assert_eq!(certified.blob_id, registration.blob_id);
    assert_eq!(certified.object_id, to_object_id(blob));
    // Envelopes carry their positions.
    let envelope = seen
        .iter()
        .flat_map(|c| c.events.iter())
        .find(|e| matches!(e.event, Some(ContractEvent::BlobCertified(_))))
        .unwrap();
    assert_eq!(envelope.checkpoint, Some(*certified_at));
    assert_eq!(envelope.module, "system");
    assert_eq!(envelope.sender, Some(user.address().unwrap()));

    // A second follower from the same cursor sees the same events at the same checkpoints.
    let mut replay = user.follow_checkpoints(start_cursor);
    let mut replayed = Vec::new();
    follow_until(&mut replay, &mut replayed, |s| blob_events(s).len() >= 2).await;
    assert_eq!(blob_events(&replayed), events);

    // Persist the cursor, stop the devnet while more heartbeat checkpoints may be produced.
    follower.cursor().store(&cursor_file).unwrap();
    let stored = CheckpointCursor::load(&cursor_file).unwrap().unwrap();
    assert_eq!(stored, follower.cursor());
    drop(follower);
    drop(replay);
    // Devnet bug (see the ignored test below): a subscription task only notices a dropped
    // subscriber when it sends the next checkpoint, and until then it keeps the store open, so
    // a restart in this process would fail with `FjallError: Locked`. Let a few heartbeat
    // checkpoints pass before shutting down.
    tokio::time::sleep(Duration::from_millis(1_000)).await;
    let tip_before_restart = devnet.latest_checkpoint().await;
    devnet.shutdown().await;

    // Restart from the same data directory (new ports), with a fresh client and follower.
    let devnet = start(&data_dir).await;
    assert_eq!(devnet.genesis(), &genesis);
    assert!(devnet.latest_checkpoint().await >= tip_before_restart);
    let user = client(&devnet, Wallet::from_seed([41; 32]));
    let cursor = CheckpointCursor::load(&cursor_file).unwrap().unwrap();
    let mut follower = user.follow_checkpoints(cursor);
    let after_restart = encoded_blob(genesis.n_shards, 3_000, false);
    let second = store_blob(&user, &genesis, &after_restart, 2).await;
    let mut resumed = Vec::new();
    follow_until(&mut follower, &mut resumed, |s| blob_events(s).len() >= 2).await;
    // No checkpoint missed or repeated across the restart.
    assert_eq!(resumed[0].sequence_number, stored.next_checkpoint);
    let all: Vec<u64> = seen
        .iter()
        .chain(resumed.iter())
        .map(|c| c.sequence_number)
        .collect();
    for pair in all.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "gap or repeat in {all:?}");
    }
    let events = blob_events(&resumed);
    assert!(
        matches!(&events[0].1, ContractEvent::BlobRegistered(e) if e.object_id == to_object_id(second))
    );
    assert!(
        matches!(&events[1].1, ContractEvent::BlobCertified(e) if e.object_id == to_object_id(second))
    );
    // The first blob's events are not delivered again.
    assert!(events.iter().all(
        |(_, e)| !matches!(e, ContractEvent::BlobRegistered(r) if r.object_id == to_object_id(blob))
    ));
    devnet.shutdown().await;
}

#[tokio::test]
async fn live_follower_rides_through_a_devnet_restart_on_the_same_port() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = start(dir.path()).await;
    let genesis = devnet.genesis().clone();
    let port: u16 = devnet
        .grpc_url()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let user = funded_client(&devnet, 42).await;
    let start_cursor = CheckpointCursor::after(user.latest_checkpoint().await.unwrap());
    let mut follower =
        user.follow_checkpoints(start_cursor)
            .with_backoff(walrus_sui::client::Backoff::new(
                Duration::from_millis(50),
                Duration::from_millis(500),
            ));
    let first = encoded_blob(genesis.n_shards, 1_000, false);
    let first_object = store_blob(&user, &genesis, &first, 1).await;
    let mut seen = Vec::new();
    follow_until(&mut follower, &mut seen, |s| blob_events(s).len() >= 2).await;

    // Restart on the same gRPC port while the follower is subscribed.
    devnet.shutdown().await;
    let devnet = Devnet::start_with_ports(
        devnet_config(),
        dir.path(),
        walrus_devnet::Ports {
            grpc: port,
            faucet: 0,
        },
    )
    .await
    .unwrap();
    assert_eq!(devnet.grpc_url(), user.config().rpc_url);
    let second = encoded_blob(genesis.n_shards, 1_500, true);
    let second_object = store_blob(&user, &genesis, &second, 1).await;
    follow_until(&mut follower, &mut seen, |s| blob_events(s).len() >= 4).await;
    let objects: Vec<_> = blob_events(&seen)
        .into_iter()
        .map(|(_, e)| match e {
            ContractEvent::BlobRegistered(r) => ("registered", r.object_id),
            ContractEvent::BlobCertified(c) => ("certified", c.object_id),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        objects,
        vec![
            ("registered", to_object_id(first_object)),
            ("certified", to_object_id(first_object)),
            ("registered", to_object_id(second_object)),
            ("certified", to_object_id(second_object)),
        ]
    );
    devnet.shutdown().await;
}

#[tokio::test]
async fn storage_split_fuse_burn_subsidy_and_invalidate() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), dir.path()).await.unwrap();
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 81).await;
    let me = user.address().unwrap();
    let epoch = user.current_epoch().await.unwrap();

    // Split a storage resource by size and fuse the parts back.
    let storage = user.reserve_space(2 << 20, 3).await.unwrap();
    let id = storage.object_ref.id;
    let part = user.split_storage_by_size(id, 1 << 20).await.unwrap();
    assert_eq!(part.value.storage_size, 1 << 20);
    assert_eq!(part.value.end_epoch, epoch + 3);
    assert_eq!(
        user.get_typed::<walrus_sui::objects::Storage>(id)
            .await
            .unwrap()
            .value
            .storage_size,
        1 << 20
    );
    let outcome = user.fuse_storage(id, part.object_ref.id).await.unwrap();
    assert!(outcome.deleted.contains(&part.object_ref.id));
    let fused = user.owned_storage(me).await.unwrap();
    assert_eq!(fused.len(), 1);
    assert_eq!(fused[0].value.storage_size, 2 << 20);

    // Burn a certified permanent blob: the object and its storage are gone.
    let registration = encoded_blob(genesis.n_shards, 5_000, false);
    let blob = store_blob(&user, &genesis, &registration, 2).await;
    let outcome = user.burn_blob(blob).await.unwrap();
    assert!(outcome.deleted.contains(&blob));
    assert!(matches!(
        user.blob(blob).await,
        Err(ChainError::ObjectNotFound(_))
    ));

    // Subsidies are paid in WAL.
    let before = user.wal_balance(me).await.unwrap();
    user.add_subsidy(10 * WAL, 2).await.unwrap();
    assert_eq!(user.wal_balance(me).await.unwrap(), before - 10 * WAL);

    // Invalidate a blob ID with an attestation from one correct node (`3w >= n + 1`).
    let committee = user.committee().await.unwrap();
    let n = committee.n_shards;
    let bad = BlobId([0x5a; 32]);
    let message = walrus_core::messages::InvalidBlobIdMsg::for_blob(epoch, bad);
    let invalid_cert = |signers: &[u16]| {
        let signed: Vec<_> = signers
            .iter()
            .map(|&i| {
                let node = genesis
                    .nodes
                    .iter()
                    .find(|n| to_object_id(n.node_id) == committee.members[usize::from(i)].node_id)
                    .unwrap();
                (i, message.sign(&node.bls_key_pair().unwrap()))
            })
            .collect();
        let cert = walrus_core::messages::InvalidBlobCertificate::from_signed_messages(
            signed.iter().map(|(i, s)| (*i, s)),
        )
        .unwrap();
        Certificate {
            signature: cert.signature.to_bytes().to_vec(),
            signers_bitmap: cert.signers_bitmap(committee.members.len()).unwrap(),
            message: cert.serialized_message.clone(),
        }
    };
    let mut by_weight: Vec<(u16, u16)> = committee
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (u16::try_from(i).unwrap(), m.weight))
        .collect();
    by_weight.sort_by_key(|&(_, w)| w);
    // The lightest member alone is not enough (with the default 4 nodes and 10 shards).
    let (lightest, light_weight) = by_weight[0];
    if 3 * light_weight <= n {
        let error = user
            .invalidate_blob_id(&invalid_cert(&[lightest]))
            .await
            .unwrap_err();
        assert_eq!(
            error.move_abort(),
            Some(MoveAbort::BlsAggregate(BlsAggregateError::ENotEnoughStake)),
            "{error}"
        );
    }
    let mut signers = Vec::new();
    let mut weight = 0;
    for &(i, w) in by_weight.iter().rev() {
        if 3 * weight > n {
            break;
        }
        signers.push(i);
        weight += w;
    }
    signers.sort_unstable();
    let outcome = user
        .invalidate_blob_id(&invalid_cert(&signers))
        .await
        .unwrap();
    assert!(outcome.contract_events().any(
        |e| matches!(e, ContractEvent::InvalidBlobID(i) if i.blob_id == bad && i.epoch == epoch)
    ));
    devnet.shutdown().await;
}

#[tokio::test]
async fn blob_attributes_and_shared_blobs() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), dir.path()).await.unwrap();
    let genesis = devnet.genesis().clone();
    let user = funded_client(&devnet, 82).await;
    let registration = encoded_blob(genesis.n_shards, 5_000, false);
    let blob = store_blob(&user, &genesis, &registration, 2).await;
    assert_eq!(user.blob_attributes(blob).await.unwrap(), None);
    user.set_blob_attribute(blob, "content-type", "text/plain")
        .await
        .unwrap();
    let attributes = user.blob_attributes(blob).await.unwrap().unwrap();
    assert_eq!(
        attributes
            .metadata
            .contents
            .iter()
            .find(|e| e.key == "content-type")
            .map(|e| e.value.as_str()),
        Some("text/plain")
    );
    user.set_blob_attribute(blob, "content-type", "text/html")
        .await
        .unwrap();
    user.set_blob_attribute(blob, "lang", "en").await.unwrap();
    let attributes = user.blob_attributes(blob).await.unwrap().unwrap();
    assert_eq!(attributes.metadata.contents.len(), 2);
    assert_eq!(attributes.metadata.contents[0].value, "text/html");
    user.remove_blob_attribute(blob, "content-type")
        .await
        .unwrap();
    // Removing an absent key is a no-op.
    user.remove_blob_attribute(blob, "content-type")
        .await
        .unwrap();
    let attributes = user.blob_attributes(blob).await.unwrap().unwrap();
    assert_eq!(attributes.metadata.contents.len(), 1);
    assert_eq!(attributes.metadata.contents[0].key, "lang");
    let shared = user.share_blob(blob).await.unwrap();
    let object = user
        .get_typed::<walrus_sui::objects::SharedBlob>(shared)
        .await
        .unwrap();
    assert_eq!(object.value.blob.blob_id, registration.blob_id);
    assert_eq!(object.value.funds.value, 0);
    devnet.shutdown().await;
}
