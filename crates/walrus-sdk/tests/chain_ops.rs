//! Chain-side operations of the SDK against the devnet: system info, listing, extend,
//! transfer, delete, attributes and staking.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Behaviour, WAL, content, start_network};
use sui_sdk_types::Address;
use walrus_sdk::{NoProgress, SdkError, StoreOptions, WithdrawStep};

const HONEST: [Behaviour; 4] = [Behaviour::Honest; 4];

#[tokio::test]
async fn system_info_matches_genesis() {
    let network = start_network(HONEST).await;
    let info = network.client.system_info().await.unwrap();
    let genesis = network.devnet.genesis();
    assert_eq!(info.epoch, genesis.epoch);
    assert_eq!(info.n_shards, genesis.n_shards);
    assert_eq!(info.members.len(), 4);
    assert_eq!(
        info.members.iter().map(|m| m.n_shards).sum::<u16>(),
        genesis.n_shards
    );
    assert!(info.storage_price_per_unit_size > 0);
    assert!(info.max_blob_size > 0);
    let json = serde_json::to_value(&info).unwrap();
    assert!(
        json["members"][0]["nodeId"]
            .as_str()
            .unwrap()
            .starts_with("0x")
    );
}

#[tokio::test]
async fn list_extend_transfer_and_delete() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    assert!(client.list_blobs(false).await.unwrap().is_empty());
    let permanent = client
        .store_blob(content(3000), &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap();
    let deletable = client
        .store_blob(content(4000), &StoreOptions::deletable(1), &NoProgress)
        .await
        .unwrap();
    let blobs = client.list_blobs(false).await.unwrap();
    assert_eq!(blobs.len(), 2);
    let json = serde_json::to_value(&blobs).unwrap();
    let ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["blobId"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&permanent.blob_id().to_string().as_str()),
        "{ids:?}"
    );
    assert!(
        ids.contains(&deletable.blob_id().to_string().as_str()),
        "{ids:?}"
    );

    let object = permanent.object_id().unwrap();
    let before = client
        .blob_object(object)
        .await
        .unwrap()
        .value
        .storage
        .end_epoch;
    let extended = client.extend_blob(object, 3).await.unwrap();
    assert_eq!(extended.storage.end_epoch, before + 3);
    assert!(matches!(
        client.extend_blob(object, 0).await,
        Err(SdkError::InvalidArgument(_))
    ));

    // A permanent blob cannot be deleted.
    assert!(matches!(
        client.delete_blob(object).await,
        Err(SdkError::InvalidArgument(_))
    ));
    client
        .delete_blob(deletable.object_id().unwrap())
        .await
        .unwrap();
    assert_eq!(client.list_blobs(false).await.unwrap().len(), 1);

    let recipient = Address::from_static("0xabc");
    client.transfer(object, recipient).await.unwrap();
    assert!(client.list_blobs(false).await.unwrap().is_empty());
    let moved = client.blob_object(object).await.unwrap();
    assert_eq!(moved.value.id.id, object);

    let missing = walrus_core::ObjectId([9; 32]);
    let error = client.extend_blob(missing, 1).await.unwrap_err();
    assert!(matches!(error, SdkError::NotFound(_)), "{error}");
}

#[tokio::test]
async fn blob_attributes() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let stored = client
        .store_blob(content(100), &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap();
    let object = stored.object_id().unwrap();
    assert!(client.attributes(object).await.unwrap().is_empty());
    client
        .set_attribute(object, "type", "text/plain")
        .await
        .unwrap();
    client.set_attribute(object, "owner", "me").await.unwrap();
    assert_eq!(
        client.attributes(object).await.unwrap(),
        vec![
            ("type".to_owned(), "text/plain".to_owned()),
            ("owner".to_owned(), "me".to_owned())
        ]
    );
    client.remove_attribute(object, "type").await.unwrap();
    assert_eq!(client.attributes(object).await.unwrap().len(), 1);
}

#[tokio::test]
async fn stake_and_withdraw() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let node_id = network.nodes[0].node_id;
    let stake = client.stake(node_id, 10 * WAL).await.unwrap();
    assert_eq!(stake.principal, 10 * WAL);
    assert_eq!(stake.state, "staked");
    let stakes = client.stakes().await.unwrap();
    assert_eq!(stakes.len(), 1);
    // Not active yet: withdrawn at once.
    let step = client.withdraw(stake.id).await.unwrap();
    assert!(matches!(step, WithdrawStep::Withdrawn { amount } if amount == 10 * WAL));
    assert!(client.stakes().await.unwrap().is_empty());
}
