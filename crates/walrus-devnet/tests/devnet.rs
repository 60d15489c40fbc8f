//! End-to-end tests of the devnet through the stock `sui_rpc::Client`, `FaucetClient` and
//! `sui-transaction-builder` (offline `try_build` with explicit refs), all on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::str::FromStr;
use std::time::Duration;

use futures::StreamExt;
use sui_crypto::SuiSigner;
use sui_crypto::ed25519::Ed25519PrivateKey;
use sui_rpc::Client;
use sui_rpc::field::{FieldMask, FieldMaskUtil};
use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Digest, Identifier, Object, TypeTag};
use sui_transaction_builder::{Function, ObjectInput, TransactionBuilder};
use walrus_core::{BlobId, BlsAggregateSignature};
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};

const GAS_BUDGET: u64 = 50_000_000;
const RGP: u64 = 1_000;

fn config() -> DevnetConfig {
    DevnetConfig {
        heartbeat_ms: 200,
        ..DevnetConfig::default()
    }
}

struct Account {
    key: Ed25519PrivateKey,
    address: Address,
}

impl Account {
    fn new(seed: u8) -> Self {
        let key = Ed25519PrivateKey::new([seed; 32]);
        let address = key.public_key().derive_address();
        Self { key, address }
    }
}

async fn start(dir: &std::path::Path) -> (DevnetHandle, Client) {
    let devnet = Devnet::start(config(), dir).await.unwrap();
    let client = Client::new(devnet.grpc_url()).unwrap();
    (devnet, client)
}

async fn get_object(client: &mut Client, id: Address) -> Object {
    let mut request = proto::GetObjectRequest::default();
    request.object_id = Some(id.to_string());
    request.read_mask = Some(FieldMask::from_paths(["bcs"]));
    let response = client
        .ledger_client()
        .get_object(request)
        .await
        .unwrap()
        .into_inner();
    let bcs = response.object.unwrap().bcs.unwrap();
    bcs::from_bytes(bcs.value.as_ref().unwrap()).unwrap()
}

fn owned(object: &Object) -> ObjectInput {
    ObjectInput::owned(object.object_id(), object.version(), object.digest())
}

async fn coins(client: &mut Client, owner: Address, coin_type: &str) -> Vec<(Object, u64)> {
    let mut request = proto::ListOwnedObjectsRequest::default();
    request.owner = Some(owner.to_string());
    request.object_type = Some(format!("0x2::coin::Coin<{coin_type}>"));
    request.read_mask = Some(FieldMask::from_paths(["bcs", "balance"]));
    let response = client
        .state_client()
        .list_owned_objects(request)
        .await
        .unwrap()
        .into_inner();
    response
        .objects
        .into_iter()
        .map(|o| {
            let object: Object = bcs::from_bytes(o.bcs.unwrap().value.as_ref().unwrap()).unwrap();
            (object, o.balance.unwrap())
        })
        .collect()
}

async fn fund(devnet: &DevnetHandle, address: Address) {
    let faucet = sui_rpc::faucet::FaucetClient::new(devnet.faucet_url().as_str()).unwrap();
    let sent = faucet.request(address).await.unwrap();
    assert_eq!(sent.len(), 2, "one SUI and one WAL coin");
}

fn sui() -> String {
    "0x2::sui::SUI".to_owned()
}

fn wal(devnet: &DevnetHandle) -> String {
    devnet.genesis().wal_coin_type.clone()
}

/// Signs and executes; returns the executed transaction (effects, events, objects, checkpoint).
async fn execute(
    client: &mut Client,
    tx: sui_sdk_types::Transaction,
    key: &Ed25519PrivateKey,
) -> Result<proto::ExecutedTransaction, tonic::Status> {
    let signature = key.sign_transaction(&tx).unwrap();
    let mut request = proto::ExecuteTransactionRequest::default();
    request.transaction = Some(tx.into());
    request.signatures = vec![signature.into()];
    request.read_mask = Some(FieldMask::from_paths(["*"]));
    client
        .execution_client()
        .execute_transaction(request)
        .await
        .map(|r| r.into_inner().transaction.unwrap())
}

fn builder(sender: Address, gas: &Object) -> TransactionBuilder {
    let mut tx = TransactionBuilder::new();
    tx.set_sender(sender);
    tx.set_gas_budget(GAS_BUDGET);
    tx.set_gas_price(RGP);
    tx.add_gas_objects([owned(gas)]);
    tx
}

fn success(executed: &proto::ExecutedTransaction) -> bool {
    executed
        .effects
        .as_ref()
        .unwrap()
        .status
        .as_ref()
        .unwrap()
        .success
        .unwrap()
}

fn created_of_type(executed: &proto::ExecutedTransaction, suffix: &str) -> Vec<Address> {
    executed
        .effects
        .as_ref()
        .unwrap()
        .changed_objects
        .iter()
        .filter(|c| c.id_operation == Some(proto::changed_object::IdOperation::Created as i32))
        .filter(|c| {
            c.object_type
                .as_deref()
                .is_some_and(|t| t.ends_with(suffix))
        })
        .map(|c| Address::from_str(c.object_id.as_ref().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn faucet_funds_sui_and_wal() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, mut client) = start(dir.path()).await;
    let user = Account::new(1);
    fund(&devnet, user.address).await;
    let mut request = proto::GetBalanceRequest::default();
    request.owner = Some(user.address.to_string());
    request.coin_type = Some(sui());
    let balance = client
        .state_client()
        .get_balance(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        balance.balance.unwrap().balance,
        Some(config().faucet_sui_per_request)
    );
    let wal_coins = coins(&mut client, user.address, &wal(&devnet)).await;
    assert_eq!(wal_coins.len(), 1);
    assert_eq!(wal_coins[0].1, config().faucet_wal_per_request);
    // The funding transaction is checkpointed.
    let digest = wal_coins[0].0.previous_transaction();
    let mut request = proto::GetTransactionRequest::default();
    request.digest = Some(digest.to_string());
    request.read_mask = Some(FieldMask::from_paths(["digest", "checkpoint"]));
    let tx = client
        .ledger_client()
        .get_transaction(request)
        .await
        .unwrap()
        .into_inner();
    assert!(tx.transaction.unwrap().checkpoint.is_some());
    devnet.shutdown().await;
}

#[tokio::test]
async fn coin_split_merge_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, mut client) = start(dir.path()).await;
    let alice = Account::new(2);
    let bob = Account::new(3);
    fund(&devnet, alice.address).await;
    let gas = coins(&mut client, alice.address, &sui()).await.remove(0).0;
    let (wal_coin, wal_balance) = coins(&mut client, alice.address, &wal(&devnet))
        .await
        .remove(0);

    // Split the WAL coin in three, merge one back, send one to Bob.
    let mut tx = builder(alice.address, &gas);
    let coin = tx.object(owned(&wal_coin));
    let amounts = vec![tx.pure(&100u64), tx.pure(&200u64)];
    let parts = tx.split_coins(coin, amounts);
    tx.merge_coins(coin, vec![parts[0]]);
    let bob_arg = tx.pure(&bob.address);
    tx.transfer_objects(vec![parts[1]], bob_arg);
    let executed = execute(&mut client, tx.try_build().unwrap(), &alice.key)
        .await
        .unwrap();
    assert!(success(&executed));
    assert!(executed.checkpoint.is_some());

    let bob_coins = coins(&mut client, bob.address, &wal(&devnet)).await;
    assert_eq!(bob_coins.len(), 1);
    assert_eq!(bob_coins[0].1, 200);
    let alice_coins = coins(&mut client, alice.address, &wal(&devnet)).await;
    assert_eq!(alice_coins.len(), 1);
    assert_eq!(alice_coins[0].1, wal_balance - 200);
    // Gas was charged at the fixed rate.
    let gas_after = get_object(&mut client, gas.object_id()).await;
    let before = sui_sdk_types::framework::Coin::try_from_object(&gas)
        .unwrap()
        .balance();
    let after = sui_sdk_types::framework::Coin::try_from_object(&gas_after)
        .unwrap()
        .balance();
    assert_eq!(
        before - after,
        walrus_devnet::exec::GAS_COMPUTATION_UNITS * RGP
    );

    // Also through coin::split / coin::join Move calls.
    let gas = get_object(&mut client, gas.object_id()).await;
    let wal_coin = coins(&mut client, alice.address, &wal(&devnet))
        .await
        .remove(0)
        .0;
    let mut tx = builder(alice.address, &gas);
    let coin = tx.object(owned(&wal_coin));
    let amount = tx.pure(&7u64);
    let wal_tag = TypeTag::from_str(&wal(&devnet)).unwrap();
    let split = tx.move_call(
        Function::new(
            Address::TWO,
            Identifier::new("coin").unwrap(),
            Identifier::new("split").unwrap(),
        )
        .with_type_args(vec![wal_tag.clone()]),
        vec![coin, amount],
    );
    let me = tx.pure(&bob.address);
    tx.transfer_objects(vec![split], me);
    let executed = execute(&mut client, tx.try_build().unwrap(), &alice.key)
        .await
        .unwrap();
    assert!(success(&executed));
    let mut bob_total: Vec<u64> = coins(&mut client, bob.address, &wal(&devnet))
        .await
        .iter()
        .map(|c| c.1)
        .collect();
    bob_total.sort_unstable();
    assert_eq!(bob_total, vec![7, 200]);
    devnet.shutdown().await;
}

/// `[1, 0, 3] ‖ epoch ‖ blob_id ‖ persistence`.
fn blob_cert_message(epoch: u32, blob_id: BlobId, deletable_object: Option<Address>) -> Vec<u8> {
    let mut message = vec![1, 0, 3];
    message.extend(epoch.to_le_bytes());
    message.extend(blob_id.0);
    match deletable_object {
        None => message.push(0),
        Some(id) => {
            message.push(1);
            message.extend(id.into_inner());
        }
    }
    message
}

#[tokio::test]
async fn store_blob_reserve_register_certify() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, mut client) = start(dir.path()).await;
    let genesis = devnet.genesis().clone();
    let user = Account::new(4);
    fund(&devnet, user.address).await;
    let gas = coins(&mut client, user.address, &sui()).await.remove(0).0;
    let (wal_coin, wal_before) = coins(&mut client, user.address, &wal(&devnet))
        .await
        .remove(0);

    let size = 10_000u64;
    let root_hash = BlobId([9; 32]);
    let blob_id = walrus_devnet::natives::blob::derive_blob_id(root_hash, 1, size);
    let encoded =
        walrus_devnet::natives::encoding::encoded_blob_length(size, 1, genesis.n_shards).unwrap();

    let pkg = genesis.walrus_package;
    let system = ObjectInput::shared(genesis.system_object, genesis.initial_shared_version, true);
    let f = |m: &str, n: &str| {
        Function::new(
            pkg,
            Identifier::new(m).unwrap(),
            Identifier::new(n).unwrap(),
        )
    };
    let mut tx = builder(user.address, &gas);
    let system_arg = tx.object(system.clone());
    let payment = tx.object(owned(&wal_coin));
    let amount = tx.pure(&encoded);
    let epochs = tx.pure(&3u32);
    let storage = tx.move_call(
        f("system", "reserve_space"),
        vec![system_arg, amount, epochs, payment],
    );
    let blob_id_arg = tx.pure_bytes(blob_id.0.to_vec());
    let root_arg = tx.pure_bytes(root_hash.0.to_vec());
    let size_arg = tx.pure(&size);
    let encoding = tx.pure(&1u8);
    let deletable = tx.pure(&true);
    let blob = tx.move_call(
        f("system", "register_blob"),
        vec![
            system_arg,
            storage,
            blob_id_arg,
            root_arg,
            size_arg,
            encoding,
            deletable,
            payment,
        ],
    );
    let me = tx.pure(&user.address);
    tx.transfer_objects(vec![blob], me);
    let executed = execute(&mut client, tx.try_build().unwrap(), &user.key)
        .await
        .unwrap();
    assert!(success(&executed), "{executed:?}");
    let blob_ids = created_of_type(&executed, "::blob::Blob");
    assert_eq!(blob_ids.len(), 1);
    let blob_object_id = blob_ids[0];
    let events = executed.events.as_ref().unwrap();
    assert_eq!(events.events.len(), 1);
    assert!(
        events.events[0]
            .event_type
            .as_ref()
            .unwrap()
            .ends_with("::events::BlobRegistered")
    );
    assert_eq!(events.events[0].module.as_deref(), Some("system"));
    // Payment: storage for 3 epochs plus the write fee.
    let units = encoded.div_ceil(1_048_576);
    let expected_cost = units * config().storage_price * 3 + units * config().write_price;
    let wal_after = coins(&mut client, user.address, &wal(&devnet))
        .await
        .remove(0)
        .1;
    assert_eq!(wal_before - wal_after, expected_cost);

    // Certify with a real BLS certificate from a quorum of the genesis nodes.
    let message = blob_cert_message(genesis.epoch, blob_id, Some(blob_object_id));
    let n_members = genesis.nodes.len();
    let signers: Vec<u16> = (0..u16::try_from(n_members).unwrap() - 1).collect();
    let signatures: Vec<_> = signers
        .iter()
        .map(|&i| {
            genesis.nodes[usize::from(i)]
                .bls_key_pair()
                .unwrap()
                .sign(&message)
        })
        .collect();
    let aggregate = BlsAggregateSignature::aggregate(signatures.iter()).unwrap();
    let bitmap =
        walrus_core::messages::certificate::signers_to_bitmap(&signers, n_members).unwrap();

    let gas = get_object(&mut client, gas.object_id()).await;
    let blob = get_object(&mut client, blob_object_id).await;
    let mut tx = builder(user.address, &gas);
    let system_arg = tx.object(ObjectInput::shared(genesis.system_object, 1, false));
    let blob_arg = tx.object(owned(&blob));
    let sig = tx.pure(&aggregate.to_bytes().to_vec());
    let bitmap_arg = tx.pure(&bitmap);
    let message_arg = tx.pure(&message);
    tx.move_call(
        f("system", "certify_blob"),
        vec![system_arg, blob_arg, sig, bitmap_arg, message_arg],
    );
    let executed = execute(&mut client, tx.try_build().unwrap(), &user.key)
        .await
        .unwrap();
    assert!(success(&executed), "{executed:?}");
    let events = executed.events.as_ref().unwrap();
    assert!(
        events.events[0]
            .event_type
            .as_ref()
            .unwrap()
            .ends_with("::events::BlobCertified")
    );
    let blob = get_object(&mut client, blob_object_id).await;
    let mirror: walrus_sui::objects::Blob =
        bcs::from_bytes(blob.as_struct().unwrap().contents()).unwrap();
    assert_eq!(mirror.certified_epoch, Some(genesis.epoch));
    assert_eq!(mirror.blob_id, blob_id);

    // A certificate below quorum aborts in bls_aggregate with ENotEnoughStake.
    let gas = get_object(&mut client, gas.object_id()).await;
    let mut tx = builder(user.address, &gas);
    let system_arg = tx.object(ObjectInput::shared(genesis.system_object, 1, false));
    let blob_arg = tx.object(owned(&blob));
    let one = walrus_core::messages::certificate::signers_to_bitmap(&[0], n_members).unwrap();
    let sig = tx.pure(&signatures[0].to_bytes().to_vec());
    let bitmap_arg = tx.pure(&one);
    let message_arg = tx.pure(&message);
    tx.move_call(
        f("system", "certify_blob"),
        vec![system_arg, blob_arg, sig, bitmap_arg, message_arg],
    );
    let executed = execute(&mut client, tx.try_build().unwrap(), &user.key)
        .await
        .unwrap();
    assert!(!success(&executed));
    let error = executed.effects.unwrap().status.unwrap().error.unwrap();
    let abort = error.abort().clone();
    assert_eq!(abort.abort_code, Some(2));
    assert_eq!(
        abort.location.unwrap().module.as_deref(),
        Some("bls_aggregate")
    );

    // Delete the deletable blob, getting its storage back.
    let gas = get_object(&mut client, gas.object_id()).await;
    let blob = get_object(&mut client, blob_object_id).await;
    let mut tx = builder(user.address, &gas);
    let system_arg = tx.object(ObjectInput::shared(genesis.system_object, 1, false));
    let blob_arg = tx.object(owned(&blob));
    let storage = tx.move_call(f("system", "delete_blob"), vec![system_arg, blob_arg]);
    let me = tx.pure(&user.address);
    tx.transfer_objects(vec![storage], me);
    let executed = execute(&mut client, tx.try_build().unwrap(), &user.key)
        .await
        .unwrap();
    assert!(success(&executed), "{executed:?}");
    let deleted: Vec<_> = executed
        .effects
        .as_ref()
        .unwrap()
        .changed_objects
        .iter()
        .filter(|c| c.id_operation == Some(proto::changed_object::IdOperation::Deleted as i32))
        .map(|c| c.object_id.clone().unwrap())
        .collect();
    assert_eq!(deleted, vec![blob_object_id.to_string()]);
    devnet.shutdown().await;
}

#[tokio::test]
async fn bad_inputs_are_rejected_or_only_charge_gas() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, mut client) = start(dir.path()).await;
    let user = Account::new(5);
    let other = Account::new(6);
    fund(&devnet, user.address).await;
    let gas = coins(&mut client, user.address, &sui()).await.remove(0).0;
    let (wal_coin, _) = coins(&mut client, user.address, &wal(&devnet))
        .await
        .remove(0);

    let transfer = |gas: &Object, coin: &Object| {
        let mut tx = builder(user.address, gas);
        let c = tx.object(owned(coin));
        let to = tx.pure(&other.address);
        tx.transfer_objects(vec![c], to);
        tx.try_build().unwrap()
    };

    // Bad signature (signed by someone else).
    let err = execute(&mut client, transfer(&gas, &wal_coin), &other.key)
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(err.message().contains("signature"), "{err}");

    // Garbage transaction bytes.
    let mut request = proto::ExecuteTransactionRequest::default();
    let mut t = proto::Transaction::default();
    let mut b = proto::Bcs::default();
    b.value = Some(vec![0xde, 0xad, 0xbe, 0xef].into());
    t.bcs = Some(b);
    request.transaction = Some(t);
    let err = client
        .execution_client()
        .execute_transaction(request)
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);

    // Nothing changed so far.
    assert_eq!(get_object(&mut client, gas.object_id()).await, gas);
    assert_eq!(
        get_object(&mut client, wal_coin.object_id()).await,
        wal_coin
    );

    // Unknown function: committed as failed, only gas charged.
    let mut tx = builder(user.address, &gas);
    let c = tx.object(owned(&wal_coin));
    tx.move_call(
        Function::new(
            devnet.genesis().walrus_package,
            Identifier::new("system").unwrap(),
            Identifier::new("no_such_function").unwrap(),
        ),
        vec![c],
    );
    let executed = execute(&mut client, tx.try_build().unwrap(), &user.key)
        .await
        .unwrap();
    assert!(!success(&executed));
    let wal_after = get_object(&mut client, wal_coin.object_id()).await;
    assert_eq!(
        wal_after.as_struct().unwrap().contents(),
        wal_coin.as_struct().unwrap().contents()
    );
    assert!(
        wal_after.version() > wal_coin.version(),
        "mutable inputs are bumped"
    );

    // Stale version of the WAL coin (the old ref).
    let gas = get_object(&mut client, gas.object_id()).await;
    let err = execute(&mut client, transfer(&gas, &wal_coin), &user.key)
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        err.message().contains("not available for consumption"),
        "{err}"
    );
    assert_eq!(get_object(&mut client, gas.object_id()).await, gas);

    // An abort in the middle of a PTB: the first split succeeds, the second aborts in
    // coin::split (balance::ENotEnough); the first split is rolled back.
    let wal_coin = wal_after;
    let mut tx = builder(user.address, &gas);
    let c = tx.object(owned(&wal_coin));
    let wal_tag = TypeTag::from_str(&wal(&devnet)).unwrap();
    let split = |tx: &mut TransactionBuilder, amount: u64| {
        let a = tx.pure(&amount);
        tx.move_call(
            Function::new(
                Address::TWO,
                Identifier::new("coin").unwrap(),
                Identifier::new("split").unwrap(),
            )
            .with_type_args(vec![wal_tag.clone()]),
            vec![c, a],
        )
    };
    let first = split(&mut tx, 1);
    let second = split(&mut tx, u64::MAX);
    let to = tx.pure(&other.address);
    tx.transfer_objects(vec![first, second], to);
    let executed = execute(&mut client, tx.try_build().unwrap(), &user.key)
        .await
        .unwrap();
    assert!(!success(&executed));
    let status = executed.effects.as_ref().unwrap().status.clone().unwrap();
    let error = status.error.unwrap();
    assert_eq!(error.command, Some(1));
    let abort = error.abort().clone();
    assert_eq!(abort.abort_code, Some(2));
    let location = abort.location.unwrap();
    assert_eq!(location.module.as_deref(), Some("balance"));
    assert_eq!(location.function_name.as_deref(), Some("split"));
    assert!(
        coins(&mut client, other.address, &wal(&devnet))
            .await
            .is_empty()
    );
    let wal_final = get_object(&mut client, wal_coin.object_id()).await;
    assert_eq!(
        wal_final.as_struct().unwrap().contents(),
        wal_coin.as_struct().unwrap().contents()
    );
    // Gas was charged once per executed transaction.
    let gas_final = get_object(&mut client, gas.object_id()).await;
    let before = sui_sdk_types::framework::Coin::try_from_object(&gas)
        .unwrap()
        .balance();
    let after = sui_sdk_types::framework::Coin::try_from_object(&gas_final)
        .unwrap()
        .balance();
    assert_eq!(
        before - after,
        walrus_devnet::exec::GAS_COMPUTATION_UNITS * RGP
    );
    devnet.shutdown().await;
}

#[tokio::test]
async fn restart_keeps_objects_and_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let user = Account::new(7);
    let (chain_id, seq, coin_ids) = {
        let (devnet, mut client) = start(dir.path()).await;
        fund(&devnet, user.address).await;
        let ids: Vec<Object> = coins(&mut client, user.address, &sui())
            .await
            .into_iter()
            .map(|c| c.0)
            .collect();
        let info = client
            .ledger_client()
            .get_service_info(proto::GetServiceInfoRequest::default())
            .await
            .unwrap()
            .into_inner();
        devnet.shutdown().await;
        (info.chain_id.unwrap(), info.checkpoint_height.unwrap(), ids)
    };
    let (devnet, mut client) = start(dir.path()).await;
    let info = client
        .ledger_client()
        .get_service_info(proto::GetServiceInfoRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(info.chain_id.unwrap(), chain_id);
    assert!(info.checkpoint_height.unwrap() >= seq);
    for coin in &coin_ids {
        assert_eq!(&get_object(&mut client, coin.object_id()).await, coin);
    }
    // The sequence continues with chained digests.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut request = proto::GetCheckpointRequest::default();
    request.read_mask = Some(FieldMask::from_paths(["sequence_number", "summary.bcs"]));
    request.checkpoint_id = Some(proto::get_checkpoint_request::CheckpointId::SequenceNumber(
        seq + 1,
    ));
    let next = client
        .ledger_client()
        .get_checkpoint(request)
        .await
        .unwrap()
        .into_inner();
    let summary: sui_sdk_types::CheckpointSummary = bcs::from_bytes(
        next.checkpoint
            .unwrap()
            .summary
            .unwrap()
            .bcs
            .unwrap()
            .value
            .as_ref()
            .unwrap(),
    )
    .unwrap();
    let mut request = proto::GetCheckpointRequest::default();
    request.read_mask = Some(FieldMask::from_paths(["digest"]));
    request.checkpoint_id = Some(proto::get_checkpoint_request::CheckpointId::SequenceNumber(
        seq,
    ));
    let previous = client
        .ledger_client()
        .get_checkpoint(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        summary.previous_digest,
        Some(Digest::from_str(previous.checkpoint.unwrap().digest.as_ref().unwrap()).unwrap())
    );
    // And the devnet still executes.
    fund(&devnet, user.address).await;
    devnet.shutdown().await;
}

#[tokio::test]
async fn subscribe_checkpoints_delivers_consecutive_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, mut client) = start(dir.path()).await;
    let mut request = proto::SubscribeCheckpointsRequest::default();
    request.read_mask = Some(FieldMask::from_paths([
        "sequence_number",
        "transactions.digest",
        "summary.timestamp",
    ]));
    let mut stream = client
        .subscription_client()
        .subscribe_checkpoints(request)
        .await
        .unwrap()
        .into_inner();
    let user = Account::new(8);
    fund(&devnet, user.address).await;
    let mut previous = None;
    for _ in 0..5 {
        let frame = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let seq = frame.checkpoint.unwrap().sequence_number.unwrap();
        assert_eq!(frame.cursor, Some(seq));
        if let Some(p) = previous {
            assert_eq!(seq, p + 1);
        }
        previous = Some(seq);
    }

    // execute_transaction_and_wait_for_checkpoint works against the devnet.
    let gas = coins(&mut client, user.address, &sui()).await.remove(0).0;
    let mut tx = builder(user.address, &gas);
    let to = tx.pure(&Account::new(9).address);
    let parts = {
        let a = tx.pure(&5u64);
        let g = tx.gas();
        tx.split_coins(g, vec![a])
    };
    tx.transfer_objects(parts, to);
    let tx = tx.try_build().unwrap();
    let signature = user.key.sign_transaction(&tx).unwrap();
    let mut request = proto::ExecuteTransactionRequest::default();
    request.transaction = Some(tx.into());
    request.signatures = vec![signature.into()];
    request.read_mask = Some(FieldMask::from_paths(["effects.status", "checkpoint"]));
    let response = client
        .execute_transaction_and_wait_for_checkpoint(request, Duration::from_secs(10))
        .await
        .unwrap()
        .into_inner();
    assert!(response.transaction.unwrap().checkpoint.is_some());
    devnet.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_streams_and_releases_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let (devnet, mut client) = start(dir.path()).await;
    let mut request = proto::SubscribeCheckpointsRequest::default();
    request.read_mask = Some(FieldMask::from_paths(["sequence_number"]));
    let mut stream = client
        .subscription_client()
        .subscribe_checkpoints(request.clone())
        .await
        .unwrap()
        .into_inner();
    let first = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let seen = first.cursor.unwrap();

    // Shutdown returns although the subscriber is still connected, and ends its stream.
    tokio::time::timeout(Duration::from_secs(10), devnet.shutdown())
        .await
        .expect("shutdown hangs while a subscriber is connected");
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match stream.next().await {
                Some(Ok(_)) => continue,
                other => break other,
            }
        }
    })
    .await
    .expect("the stream stays open after shutdown");
    assert!(end.is_none() || end.unwrap().is_err());

    // The store is released: the same directory reopens in this process and the sequence
    // continues where the subscriber stopped.
    let (devnet, mut client) = start(dir.path()).await;
    let mut stream = client
        .subscription_client()
        .subscribe_checkpoints(request)
        .await
        .unwrap()
        .into_inner();
    let resumed = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(resumed.cursor.unwrap() >= seen);
    let user = Account::new(10);
    fund(&devnet, user.address).await;
    tokio::time::timeout(Duration::from_secs(10), devnet.shutdown())
        .await
        .unwrap();
}
