//! The chain client set up the way an operator would: a config file written from the devnet's
//! genesis output plus a Sui keystore file, and one client shared by concurrent tasks.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sui::client::WalrusSuiClient;
use walrus_sui::config::WalrusSuiConfig;
use walrus_sui::wallet::{Keystore, Wallet};

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

fn devnet_config() -> DevnetConfig {
    DevnetConfig {
        heartbeat_ms: 200,
        ..DevnetConfig::default()
    }
}

fn config(devnet: &DevnetHandle) -> WalrusSuiConfig {
    let genesis = devnet.genesis();
    WalrusSuiConfig::new(
        devnet.grpc_url(),
        genesis.wal_package,
        genesis.walrus_package,
        genesis.system_object,
        genesis.staking_object,
    )
}

#[tokio::test]
async fn config_and_keystore_files_drive_the_devnet() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), &dir.path().join("devnet"))
        .await
        .unwrap();
    let genesis = devnet.genesis().clone();

    // The keystore holds the faucet account (from the genesis output) and a new key.
    let keystore_path = dir.path().join("sui.keystore");
    let mut keystore = Keystore::load_or_create(&keystore_path).unwrap();
    let faucet_address = keystore.add(Wallet::new(genesis.faucet.key().unwrap()));
    assert_eq!(faucet_address, genesis.faucet.address);
    let user_address = keystore.generate();
    keystore.save().unwrap();

    for name in ["client.yaml", "client.toml"] {
        let mut written = config(&devnet);
        written.wallet_path = Some(keystore_path.clone());
        let path = dir.path().join(name);
        written.save(&path).unwrap();

        let loaded = WalrusSuiConfig::load(&path).unwrap();
        assert_eq!(loaded, written);
        let keystore = Keystore::load(loaded.wallet_path.as_ref().unwrap()).unwrap();
        assert_eq!(keystore.len(), 2);
        let faucet = WalrusSuiClient::new(loaded.clone())
            .unwrap()
            .with_wallet(keystore.wallet(&faucet_address).unwrap());
        faucet.transfer_sui(user_address, SUI).await.unwrap();
        faucet.transfer_wal(user_address, WAL).await.unwrap();
        let user = WalrusSuiClient::new(loaded)
            .unwrap()
            .with_wallet(keystore.wallet(&user_address).unwrap());
        let storage = user.reserve_space(1_000_000, 1).await.unwrap();
        assert_eq!(storage.value.storage_size, 1_000_000);
    }
    let reader = WalrusSuiClient::new(config(&devnet)).unwrap();
    assert_eq!(reader.owned_storage(user_address).await.unwrap().len(), 2);
    devnet.shutdown().await;
}

#[tokio::test]
async fn concurrent_transactions_of_one_client_do_not_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(), dir.path()).await.unwrap();
    let faucet = WalrusSuiClient::new(config(&devnet))
        .unwrap()
        .with_wallet(Wallet::new(devnet.genesis().faucet.key().unwrap()));
    let user = Wallet::from_seed([71; 32]);
    faucet.transfer_sui(user.address(), 10 * SUI).await.unwrap();
    faucet.transfer_wal(user.address(), 10 * WAL).await.unwrap();
    let user = WalrusSuiClient::new(config(&devnet))
        .unwrap()
        .with_wallet(user);

    // Clones share the transaction lock; WAL payments and gas come from the same coins.
    let tasks: Vec<_> = (0..4u64)
        .map(|i| {
            let user = user.clone();
            tokio::spawn(async move { user.reserve_space(1_000_000 + i, 2).await })
        })
        .collect();
    // Interleaved WAL transfers spend the same WAL coin.
    let friend = Wallet::from_seed([72; 32]).address();
    let transfers: Vec<_> = (0..2)
        .map(|_| {
            let user = user.clone();
            tokio::spawn(async move { user.transfer_wal(friend, WAL).await })
        })
        .collect();
    let mut sizes = Vec::new();
    for task in tasks {
        sizes.push(task.await.unwrap().unwrap().value.storage_size);
    }
    sizes.sort_unstable();
    assert_eq!(sizes, vec![1_000_000, 1_000_001, 1_000_002, 1_000_003]);
    for task in transfers {
        task.await.unwrap().unwrap();
    }
    assert_eq!(user.wal_balance(friend).await.unwrap(), 2 * WAL);
    assert_eq!(
        user.owned_storage(user.address().unwrap())
            .await
            .unwrap()
            .len(),
        4
    );
    devnet.shutdown().await;
}
