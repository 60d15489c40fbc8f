//! A storage node with `drive_epoch_change` makes the permissionless epoch-change calls itself:
//! with nobody else calling them, epochs advance.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::*;
use walrus_sui::client::WalrusSuiClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_driving_node_advances_the_epochs() {
    // 4-second epochs; local configs do not drive, so only node 0 (restarted with the driver
    // on) makes the calls.
    let mut network = Network::start_with_epoch_duration(4, 10, 4_000).await;
    let reader = WalrusSuiClient::new(sui_config(&network.devnet)).unwrap();
    let start = reader.current_epoch().await.unwrap();
    network.stop(0).await;
    network.configs[0].drive_epoch_change = true;
    network.restart(0).await;
    wait_for("two epoch changes driven by node 0", 120, || async {
        reader
            .current_epoch()
            .await
            .is_ok_and(|epoch| epoch >= start + 2)
    })
    .await;
    network.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_a_driver_the_epoch_stays() {
    // The control: the same network with no driver does not leave its epoch (so the test above
    // can fail).
    let network = Network::start_with_epoch_duration(4, 10, 1_000).await;
    let reader = WalrusSuiClient::new(sui_config(&network.devnet)).unwrap();
    let start = reader.current_epoch().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(reader.current_epoch().await.unwrap(), start);
    network.shutdown().await;
}
