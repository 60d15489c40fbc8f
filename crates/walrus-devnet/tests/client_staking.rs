//! Staking and epoch change through the chain client (`walrus_sui::client::WalrusSuiClient`)
//! against the embedded devnet, configured from its genesis output. All traffic is on 127.0.0.1.
//!
//! The devnet does not execute the `walrus::staking` module natively yet (its natives cover
//! `system`, `blob`, `storage_resource` and `encoding`), so the tests that call into `staking`
//! are ignored; the read-only checks of the genesis staking state run.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::time::Duration;

use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sui::client::{ChainError, WalrusSuiClient, to_address, to_object_id};
use walrus_sui::config::WalrusSuiConfig;
use walrus_sui::errors::{MoveAbort, StakingPoolError};
use walrus_sui::events::ContractEvent;
use walrus_sui::objects::{EpochState, StakedWalState};
use walrus_sui::wallet::Wallet;

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

fn devnet_config(epoch_duration_ms: u64) -> DevnetConfig {
    DevnetConfig {
        heartbeat_ms: 200,
        epoch_duration_ms,
        ..DevnetConfig::default()
    }
}

fn client(devnet: &DevnetHandle, wallet: Wallet) -> WalrusSuiClient {
    let genesis = devnet.genesis();
    let mut config = WalrusSuiConfig::new(
        devnet.grpc_url(),
        genesis.wal_package,
        genesis.walrus_package,
        genesis.system_object,
        genesis.staking_object,
    );
    config.execution_timeout_secs = 30;
    WalrusSuiClient::new(config).unwrap().with_wallet(wallet)
}

fn faucet(devnet: &DevnetHandle) -> WalrusSuiClient {
    client(
        devnet,
        Wallet::new(devnet.genesis().faucet.key().expect("faucet key")),
    )
}

/// A client of `wallet`, funded with 10 SUI and `wal` FROST by the genesis faucet account.
async fn funded(devnet: &DevnetHandle, wallet: Wallet, wal: u64) -> WalrusSuiClient {
    let faucet = faucet(devnet);
    faucet
        .transfer_sui(wallet.address(), 10 * SUI)
        .await
        .unwrap();
    if wal > 0 {
        faucet.transfer_wal(wallet.address(), wal).await.unwrap();
    }
    client(devnet, wallet)
}

#[tokio::test]
async fn genesis_staking_state_reads_through_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(60_000), dir.path())
        .await
        .unwrap();
    let genesis = devnet.genesis().clone();
    let reader = faucet(&devnet);
    let staking = reader.staking_state().await.unwrap();
    assert_eq!(staking.epoch, genesis.epoch);
    assert_eq!(staking.n_shards, genesis.n_shards);
    assert_eq!(staking.epoch_duration, genesis.epoch_duration_ms);
    let committee = reader.committee().await.unwrap();
    assert_eq!(committee.epoch, genesis.epoch);
    assert_eq!(committee.members.len(), genesis.nodes.len());
    let total: u16 = committee.members.iter().map(|m| m.weight).sum();
    assert_eq!(total, genesis.n_shards);
    for node in &genesis.nodes {
        let member = committee
            .members
            .iter()
            .find(|m| m.node_id == to_object_id(node.node_id))
            .expect("every genesis node is a member");
        let mut shards = member.shards.clone();
        shards.sort_unstable();
        assert_eq!(shards, node.shards);
        assert_eq!(hex::encode(&member.public_key.bytes), node.bls_public_key);

        let pool = reader
            .staking_pool(to_object_id(node.node_id))
            .await
            .unwrap();
        assert_eq!(pool.node_info.node_id, to_object_id(node.node_id));
        // The operator owns the cap and the genesis stake.
        let caps = reader.owned_node_caps(node.operator.address).await.unwrap();
        assert_eq!(caps.len(), 1);
        assert_eq!(caps[0].object_ref.id, node.cap_id);
        let staked = reader
            .owned_staked_wal(node.operator.address)
            .await
            .unwrap();
        assert_eq!(staked.len(), 1);
        assert_eq!(staked[0].object_ref.id, node.staked_wal_id);
        assert_eq!(staked[0].value.principal.value, node.stake);
        assert_eq!(staked[0].value.node_id, to_object_id(node.node_id));
    }
    devnet.shutdown().await;
}

#[tokio::test]
#[ignore = "devnet: `walrus::staking` is not executed natively (stake_with_pool, \
            request_withdraw_stake, withdraw_stake)"]
async fn stake_request_withdraw_and_withdraw() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(60_000), dir.path())
        .await
        .unwrap();
    let genesis = devnet.genesis().clone();
    let user = funded(&devnet, Wallet::from_seed([51; 32]), 100 * WAL).await;
    let me = user.address().unwrap();
    let epoch = user.current_epoch().await.unwrap();
    let node_id = to_object_id(genesis.nodes[0].node_id);

    let staked = user.stake_with_pool(node_id, 10 * WAL).await.unwrap();
    assert_eq!(staked.value.node_id, node_id);
    assert_eq!(staked.value.principal.value, 10 * WAL);
    assert_eq!(staked.value.state, StakedWalState::Staked);
    assert!(staked.value.activation_epoch > epoch);
    assert_eq!(user.wal_balance(me).await.unwrap(), 90 * WAL);
    let owned = user.owned_staked_wal(me).await.unwrap();
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].object_ref.id, staked.object_ref.id);

    // Not active yet: a withdrawal request aborts, telling to withdraw directly.
    let error = user
        .request_withdraw_stake(staked.object_ref.id)
        .await
        .unwrap_err();
    assert_eq!(
        error.move_abort(),
        Some(MoveAbort::StakingPool(StakingPoolError::EWithdrawDirectly)),
        "{error}"
    );

    // A stake to a node that does not exist aborts too.
    let error = user
        .stake_with_pool(walrus_core::ObjectId([0x77; 32]), WAL)
        .await
        .unwrap_err();
    assert!(matches!(error, ChainError::MoveAbort(_)), "{error:?}");

    // Withdrawing the inactive stake directly returns the principal.
    let outcome = user.withdraw_stake(staked.object_ref.id).await.unwrap();
    assert!(outcome.deleted.contains(&staked.object_ref.id));
    assert!(
        outcome
            .contract_events()
            .any(|e| matches!(e, ContractEvent::StakeWithdrawn(_)))
    );
    assert_eq!(user.wal_balance(me).await.unwrap(), 100 * WAL);
    assert!(user.owned_staked_wal(me).await.unwrap().is_empty());
    devnet.shutdown().await;
}

/// Retries `call` while it aborts (e.g. "too early" before the clock has advanced enough).
async fn retry_until_ok<F, Fut>(mut call: F) -> walrus_sui::client::TxOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<walrus_sui::client::TxOutcome, ChainError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match call().await {
            Ok(outcome) => return outcome,
            Err(ChainError::MoveAbort(info)) if tokio::time::Instant::now() < deadline => {
                eprintln!("retrying after {info}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

#[tokio::test]
#[ignore = "devnet: `walrus::staking` is not executed natively (voting_end, \
            initiate_epoch_change, epoch_sync_done); the devnet cannot advance epochs"]
async fn epoch_change_with_stake_activation_and_withdrawal() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(4_000), dir.path())
        .await
        .unwrap();
    let genesis = devnet.genesis().clone();
    let user = funded(&devnet, Wallet::from_seed([61; 32]), 100 * WAL).await;
    let me = user.address().unwrap();
    let epoch = user.current_epoch().await.unwrap();
    let node_id = to_object_id(genesis.nodes[1].node_id);
    let staked = user.stake_with_pool(node_id, 10 * WAL).await.unwrap();
    assert_eq!(staked.value.activation_epoch, epoch + 1);

    // Voting ends half-way through the epoch; the epoch changes after its duration.
    retry_until_ok(|| user.voting_end()).await;
    let staking = user.staking_state().await.unwrap();
    assert!(staking.next_committee.is_some());
    assert!(matches!(
        staking.epoch_state,
        EpochState::NextParamsSelected(_)
    ));
    let outcome = retry_until_ok(|| user.initiate_epoch_change()).await;
    assert!(
        outcome
            .contract_events()
            .any(|e| matches!(e, ContractEvent::EpochChangeStart(s) if s.epoch == epoch + 1))
    );
    assert_eq!(user.current_epoch().await.unwrap(), epoch + 1);
    assert_eq!(user.committee().await.unwrap().epoch, epoch + 1);
    assert!(matches!(
        user.staking_state().await.unwrap().epoch_state,
        EpochState::EpochChangeSync(0)
    ));

    // Every operator reports sync; the change is done once a quorum of shards reported.
    let mut done = false;
    for node in &genesis.nodes {
        let operator = funded(&devnet, Wallet::new(node.operator.key().unwrap()), 0).await;
        let outcome = operator
            .epoch_sync_done(node.cap_id, epoch + 1)
            .await
            .unwrap();
        done |= outcome
            .contract_events()
            .any(|e| matches!(e, ContractEvent::EpochChangeDone(d) if d.epoch == epoch + 1));
        // Reporting twice is an error.
        if !done {
            let error = operator
                .epoch_sync_done(node.cap_id, epoch + 1)
                .await
                .unwrap_err();
            assert!(matches!(error, ChainError::MoveAbort(_)), "{error:?}");
        }
    }
    assert!(done, "no EpochChangeDone after all nodes synced");
    assert!(matches!(
        user.staking_state().await.unwrap().epoch_state,
        EpochState::EpochChangeDone(_)
    ));

    // The stake is active now: request the withdrawal, then withdraw after the next change.
    user.request_withdraw_stake(staked.object_ref.id)
        .await
        .unwrap();
    let withdrawing = user
        .get_typed::<walrus_sui::objects::StakedWal>(staked.object_ref.id)
        .await
        .unwrap();
    let StakedWalState::Withdrawing { withdraw_epoch } = withdrawing.value.state else {
        panic!("not withdrawing: {:?}", withdrawing.value.state);
    };
    assert!(withdraw_epoch > epoch + 1);
    let early = user.withdraw_stake(staked.object_ref.id).await.unwrap_err();
    assert_eq!(
        early.move_abort(),
        Some(MoveAbort::StakingPool(
            StakingPoolError::EWithdrawEpochNotReached
        )),
        "{early}"
    );
    while user.current_epoch().await.unwrap() < withdraw_epoch {
        retry_until_ok(|| user.voting_end()).await;
        retry_until_ok(|| user.initiate_epoch_change()).await;
        let current = user.current_epoch().await.unwrap();
        for node in &genesis.nodes {
            let operator = client(&devnet, Wallet::new(node.operator.key().unwrap()));
            operator
                .epoch_sync_done(node.cap_id, current)
                .await
                .unwrap();
        }
    }
    let before = user.wal_balance(me).await.unwrap();
    user.withdraw_stake(staked.object_ref.id).await.unwrap();
    assert!(user.wal_balance(me).await.unwrap() >= before + 10 * WAL);
    assert!(matches!(
        user.get_object(to_address(to_object_id(staked.object_ref.id)))
            .await,
        Err(ChainError::ObjectNotFound(_))
    ));
    devnet.shutdown().await;
}
