//! A storage node that is not in the committee registers as a candidate, is staked enough to
//! win shards, and joins at the next epoch change: it receives the slivers of its new shards for
//! the blobs certified before the change (from their previous owners), serves every one of them
//! through its REST API, and reports `epoch_sync_done` on chain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::time::Duration;

use common::*;
use tokio::net::TcpListener;
use walrus_core::{BlsKeyPair, ShardIndex, messages::ProofOfPossessionMsg};
use walrus_node::NodeConfig;
use walrus_node_api::ShardStatus;
use walrus_sui::{
    client::{ChainError, NodeRegistration, TxOutcome, WalrusSuiClient, to_address, to_object_id},
    objects::StorageNodeCap,
    wallet::Wallet,
};

const N_SHARDS: u16 = 10;
const N_BLOBS: u8 = 3;

/// Retries a permissionless epoch-change call until the chain accepts it (it aborts until due).
async fn retry_until_ok<F, Fut>(what: &str, mut call: F) -> TxOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<TxOutcome, ChainError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match call().await {
            Ok(outcome) => return outcome,
            Err(ChainError::MoveAbort(_)) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(error) => panic!("{what}: {error:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_joining_at_an_epoch_change_ends_up_holding_its_shards() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    // Epochs only change when this test drives them; 4 s is how soon the calls are accepted.
    let network = Network::start_with_epoch_duration(4, N_SHARDS, 4_000).await;
    let user = funded_client(&network.devnet, 41).await;

    // ===== Blobs certified by the genesis committee.
    let mut blobs = Vec::new();
    for seed in 0..N_BLOBS {
        let data = blob_bytes(20_000 + usize::from(seed) * 7_777, seed);
        let encoded = encode(N_SHARDS, &data);
        let blob = register(&user, &encoded, false, 10).await;
        for i in 0..4 {
            wait_registered(&network, i, encoded.blob_id()).await;
            upload(&network, i, &encoded).await;
        }
        certify(&network, &user, &blob, &[0, 1, 2, 3]).await;
        blobs.push(encoded);
    }

    // ===== A candidate: registered with its BLS key, staked like a genesis node.
    let epoch = user.current_epoch().await.unwrap();
    let operator_wallet = Wallet::from_seed([42; 32]);
    let faucet = WalrusSuiClient::new(sui_config(&network.devnet))
        .unwrap()
        .with_wallet(Wallet::new(network.genesis.faucet.key().unwrap()));
    let stake = network.genesis.nodes[0].stake;
    faucet
        .transfer_sui(operator_wallet.address(), 10 * SUI)
        .await
        .unwrap();
    faucet
        .transfer_wal(operator_wallet.address(), stake + WAL)
        .await
        .unwrap();
    let operator = WalrusSuiClient::new(sui_config(&network.devnet))
        .unwrap()
        .with_wallet(operator_wallet.clone());
    let bls = BlsKeyPair::generate(&mut rand::thread_rng());
    let pop = ProofOfPossessionMsg::for_key(epoch, to_object_id(operator_wallet.address()), &bls)
        .sign(&bls);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let network_key = Wallet::generate();
    let cap = operator
        .register_candidate(&NodeRegistration {
            name: "newcomer".into(),
            network_address: address.to_string(),
            public_key: bls.public_key().to_bytes().to_vec(),
            network_public_key: [&[0][..], network_key.public_key().as_bytes()].concat(),
            proof_of_possession: pop.signature.to_bytes().to_vec(),
            commission_rate: 0,
            storage_price: 5,
            write_price: 1,
            node_capacity: 1 << 40,
        })
        .await
        .unwrap();
    let node_id = cap.value.node_id;
    operator.stake_with_pool(node_id, stake).await.unwrap();

    // ===== Its node starts before the epoch change, outside the committee.
    let config = NodeConfig::for_local(
        "newcomer",
        &bls,
        &operator_wallet,
        to_address(node_id),
        cap.object_ref.id,
        sui_config(&network.devnet),
        network.dir.path().join("newcomer"),
        address,
    );
    let newcomer = walrus_node::start_with_listener(config, listener)
        .await
        .unwrap();
    assert!(newcomer.node().owned_shards().is_empty());
    let client = walrus_node_api::NodeClient::new(&newcomer.rest_url()).unwrap();
    for encoded in &blobs {
        wait_for("the newcomer to see the certified blob", 30, || async {
            client
                .blob_status(encoded.blob_id())
                .await
                .is_ok_and(|s| s.is_certified())
        })
        .await;
    }

    // ===== The epoch change: the newcomer takes shards from genesis members.
    retry_until_ok("voting_end", || user.voting_end()).await;
    retry_until_ok("initiate_epoch_change", || user.initiate_epoch_change()).await;
    let committee = user.committee().await.unwrap();
    assert_eq!(committee.epoch, epoch + 1);
    let shards: Vec<ShardIndex> = committee
        .members
        .iter()
        .find(|m| m.node_id == node_id)
        .expect("the candidate joined the committee")
        .shards
        .iter()
        .copied()
        .map(ShardIndex)
        .collect();
    assert!(!shards.is_empty(), "the candidate won shards");

    // ===== It serves every sliver of its shards for the blobs certified before the change.
    for encoded in &blobs {
        let blob_id = encoded.blob_id();
        for pair in pairs_on(encoded, N_SHARDS, &shards) {
            let expected = &encoded.sliver_pairs[pair.as_usize()];
            wait_for("the newcomer to hold its slivers", 60, || async {
                client.get_sliver_primary(blob_id, pair).await.ok().as_ref()
                    == Some(&expected.primary)
                    && client
                        .get_sliver_secondary(blob_id, pair)
                        .await
                        .ok()
                        .as_ref()
                        == Some(&expected.secondary)
            })
            .await;
        }
        // With its shards it now confirms the blob.
        client.get_permanent_confirmation(blob_id).await.unwrap();
    }
    let health = client.health_detailed().await.unwrap();
    assert!(newcomer.node().owned_shards() == shards.iter().copied().collect());
    let detail = health.shard_detail.expect("detailed health");
    for shard in &shards {
        let entry = detail.owned.iter().find(|e| e.shard == *shard);
        assert_eq!(
            entry.map(|e| e.status),
            Some(ShardStatus::Ready),
            "shard {shard}"
        );
    }
    // The slivers came from the shards' previous owners (sync), not from recovery.
    let synced: u64 = ["primary", "secondary"]
        .iter()
        .map(|axis| {
            newcomer
                .node()
                .metrics
                .slivers_stored
                .with_label_values(&[axis, "sync"])
                .get()
        })
        .sum();
    eprintln!("slivers received by shard sync: {synced}");
    assert_eq!(
        synced,
        2 * u64::from(N_BLOBS) * u64::try_from(shards.len()).unwrap()
    );

    // ===== And it reported epoch_sync_done for the new epoch.
    wait_for("the newcomer's epoch_sync_done", 30, || async {
        operator
            .get_typed::<StorageNodeCap>(cap.object_ref.id)
            .await
            .is_ok_and(|c| c.value.last_epoch_sync_done == epoch + 1)
    })
    .await;

    newcomer.shutdown().await;
    network.shutdown().await;
}
