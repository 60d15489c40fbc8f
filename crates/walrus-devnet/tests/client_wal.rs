//! The WAL treasury through the chain client against the embedded devnet over gRPC: the total
//! supply read from the shared `ProtectedTreasury` (its `TreasuryCap<WAL>` under the dynamic
//! object field `TreasuryCapKey()`) and `wal::burn`. All traffic is on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sui::client::{ChainError, WalrusSuiClient};
use walrus_sui::objects::ProtectedTreasury;
use walrus_sui::wallet::Wallet;

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

fn client(devnet: &DevnetHandle, wallet: Wallet) -> WalrusSuiClient {
    WalrusSuiClient::new(devnet.sui_config())
        .unwrap()
        .with_wallet(wallet)
}

#[tokio::test]
async fn burning_wal_reduces_the_total_supply() {
    let dir = tempfile::tempdir().unwrap();
    let config = DevnetConfig {
        heartbeat_ms: 200,
        ..DevnetConfig::default()
    };
    let devnet = Devnet::start(config.clone(), dir.path()).await.unwrap();
    let genesis = devnet.genesis().clone();
    let faucet = client(&devnet, Wallet::new(genesis.faucet.key().unwrap()));

    // The treasury is the shared object named in the genesis output, and its supply is all the
    // WAL minted at genesis (the faucet's coin and the nodes' stakes).
    let treasury = faucet
        .get_typed::<ProtectedTreasury>(genesis.wal_treasury)
        .await
        .unwrap();
    assert_eq!(
        walrus_sui::client::to_address(treasury.value.id.id),
        genesis.wal_treasury
    );
    let minted = config.faucet_wal + genesis.nodes.iter().map(|n| n.stake).sum::<u64>();
    assert_eq!(faucet.wal_total_supply().await.unwrap(), minted);

    // A user burns part of their WAL.
    let wallet = Wallet::from_seed([0xb7; 32]);
    faucet
        .transfer_sui(wallet.address(), 10 * SUI)
        .await
        .unwrap();
    faucet
        .transfer_wal(wallet.address(), 5 * WAL)
        .await
        .unwrap();
    let user = client(&devnet, wallet);
    user.burn_wal(2 * WAL).await.unwrap();
    assert_eq!(
        user.wal_balance(user.address().unwrap()).await.unwrap(),
        3 * WAL
    );
    assert_eq!(faucet.wal_total_supply().await.unwrap(), minted - 2 * WAL);

    // Burning more than one holds fails before anything is sent; the supply is unchanged.
    let error = user.burn_wal(4 * WAL).await.unwrap_err();
    assert!(
        matches!(error, ChainError::InsufficientWal { .. }),
        "{error:?}"
    );
    assert_eq!(faucet.wal_total_supply().await.unwrap(), minted - 2 * WAL);

    // Without the treasury in the configuration, supply and burn are invalid arguments.
    let mut bare = devnet.sui_config();
    bare.wal_treasury_id = None;
    let bare = WalrusSuiClient::new(bare).unwrap();
    assert!(matches!(
        bare.wal_total_supply().await.unwrap_err(),
        ChainError::InvalidArgument(_)
    ));
    devnet.shutdown().await;
}
