//! Staking and epoch change through the chain client (`walrus_sui::client::WalrusSuiClient`)
//! against the embedded devnet, configured from its genesis output. All traffic is on 127.0.0.1.
//!
//! Covers staking, withdrawal requests and withdrawals, commission, and epoch changes driven by
//! the permissionless `voting_end` / `initiate_epoch_change` / `epoch_sync_done` calls: a newly
//! registered and staked candidate joins the committee (shards move to it), the ending epoch's
//! fees reach the pools, and a `StakedWal` redeems for more than its principal.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::time::Duration;

use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sui::client::{ChainError, NodeRegistration, WalrusSuiClient, to_address, to_object_id};
use walrus_sui::errors::{MoveAbort, StakingError, StakingPoolError};
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
    WalrusSuiClient::new(devnet.sui_config())
        .unwrap()
        .with_wallet(wallet)
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

/// Every node of the current committee (genesis operators and `extra`) reports sync for `epoch`.
async fn sync_all(
    devnet: &DevnetHandle,
    extra: &[(&WalrusSuiClient, sui_sdk_types::Address)],
    epoch: u32,
) -> bool {
    let mut done = false;
    for node in &devnet.genesis().nodes {
        let operator = funded(devnet, Wallet::new(node.operator.key().unwrap()), 0).await;
        let outcome = operator.epoch_sync_done(node.cap_id, epoch).await.unwrap();
        done |= outcome
            .contract_events()
            .any(|e| matches!(e, ContractEvent::EpochChangeDone(d) if d.epoch == epoch));
    }
    for (client, cap) in extra {
        let outcome = client.epoch_sync_done(*cap, epoch).await.unwrap();
        done |= outcome
            .contract_events()
            .any(|e| matches!(e, ContractEvent::EpochChangeDone(d) if d.epoch == epoch));
    }
    done
}

#[tokio::test]
async fn new_candidate_joins_committee_and_earns_rewards_and_commission() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(devnet_config(3_000), dir.path())
        .await
        .unwrap();
    let genesis = devnet.genesis().clone();
    let stake = genesis.nodes[0].stake;
    let operator = funded(&devnet, Wallet::from_seed([71; 32]), stake + 2_000 * WAL).await;
    let me = operator.address().unwrap();
    let epoch = operator.current_epoch().await.unwrap();

    // Register a candidate with a BLS key and its proof of possession for (epoch, sender).
    let bls = walrus_core::BlsKeyPair::from_secret_bytes(&[7; 32]).unwrap();
    let pop = walrus_core::messages::ProofOfPossessionMsg::for_key(epoch, to_object_id(me), &bls)
        .sign(&bls);
    let registration = NodeRegistration {
        name: "candidate".into(),
        network_address: "127.0.0.1:9100".into(),
        public_key: bls.public_key().to_bytes().to_vec(),
        network_public_key: vec![2; 33],
        proof_of_possession: pop.signature.to_bytes().to_vec(),
        commission_rate: 1_000,
        storage_price: 5,
        write_price: 1,
        node_capacity: 1 << 40,
    };
    let cap = operator.register_candidate(&registration).await.unwrap();
    let node_id = cap.value.node_id;
    let pool = operator.staking_pool(node_id).await.unwrap();
    assert_eq!(pool.node_info.name, "candidate");
    assert_eq!(pool.commission_rate, 1_000);
    // A second registration with the same proof for another sender is rejected.
    let other = funded(&devnet, Wallet::from_seed([72; 32]), 0).await;
    let error = other.register_candidate(&registration).await.unwrap_err();
    assert_eq!(
        error.move_abort(),
        Some(MoveAbort::Staking(StakingError::EInvalidProofOfPossession)),
        "{error}"
    );

    // Stake as much as each genesis node: five equal stakes share the 10 shards two by two.
    let staked = operator.stake_with_pool(node_id, stake).await.unwrap();
    assert_eq!(staked.value.activation_epoch, epoch + 1);
    let outcome = operator
        .set_next_commission(cap.object_ref.id, 2_000)
        .await
        .unwrap();
    assert!(outcome.contract_events().any(|e| matches!(
        e,
        ContractEvent::CommissionRateSet(c)
            if c.node_id == node_id && c.commission_rate == 2_000 && c.effective_epoch == epoch + 2
    )));
    let before = operator.committee().await.unwrap();

    // Anyone drives the epoch change once due.
    let outcome = retry_until_ok(|| operator.voting_end()).await;
    assert!(outcome.contract_events().any(
        |e| matches!(e, ContractEvent::EpochParametersSelected(p) if p.next_epoch == epoch + 1)
    ));
    let next = operator.next_shard_assignment().await.unwrap().unwrap();
    assert_eq!(next.0.get(&node_id).map(Vec::len), Some(2));
    let outcome = retry_until_ok(|| operator.initiate_epoch_change()).await;
    let events: Vec<_> = outcome.contract_events().collect();
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ContractEvent::PricesUpdated(p) if p.epoch == epoch + 1))
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ContractEvent::EpochChangeStart(s) if s.epoch == epoch + 1))
    );
    let committee = operator.committee().await.unwrap();
    assert_eq!(committee.epoch, epoch + 1);
    assert_eq!(committee.members.len(), genesis.nodes.len() + 1);
    assert_eq!(committee.members.iter().map(|m| m.weight).sum::<u16>(), 10);
    let member = committee
        .members
        .iter()
        .find(|m| m.node_id == node_id)
        .expect("the candidate joined the committee");
    assert_eq!(member.weight, 2);
    assert_eq!(member.public_key.bytes, registration.public_key);
    // Its shards moved from genesis nodes.
    for shard in &member.shards {
        let previous = before
            .members
            .iter()
            .find(|m| m.shards.contains(shard))
            .expect("every shard had an owner");
        assert_ne!(previous.node_id, node_id);
    }
    // The other members kept the shards they still hold.
    for m in committee.members.iter().filter(|m| m.node_id != node_id) {
        let old = before
            .members
            .iter()
            .find(|o| o.node_id == m.node_id)
            .unwrap();
        assert!(m.shards.iter().all(|s| old.shards.contains(s)));
    }
    let done = sync_all(&devnet, &[(&operator, cap.object_ref.id)], epoch + 1).await;
    assert!(done, "no EpochChangeDone after the whole committee synced");

    // Fees of the new epoch: a subsidy for the current epoch only, paid out at the next change.
    let fees = 1_000 * WAL;
    operator.add_subsidy(fees, 1).await.unwrap();
    operator
        .request_withdraw_stake(staked.object_ref.id)
        .await
        .unwrap();
    retry_until_ok(|| operator.voting_end()).await;
    let outcome = retry_until_ok(|| operator.initiate_epoch_change()).await;
    let reward = outcome
        .contract_events()
        .find_map(|e| match e {
            ContractEvent::PoolRewarded(r) if r.node_id == node_id => Some(r.clone()),
            _ => None,
        })
        .expect("the candidate's pool was paid");
    assert_eq!(reward.epoch, epoch + 1);
    assert_eq!(reward.reward, fees * 2 / 10);
    // The commission rate in effect during the paid epoch (10%) applies; 20% from now on.
    assert_eq!(reward.commission, reward.reward / 10);
    let pool = operator.staking_pool(node_id).await.unwrap();
    assert_eq!(pool.commission_rate, 2_000);
    assert_eq!(pool.commission.value, reward.commission);

    // The operator collects the commission.
    let wal_before = operator.wal_balance(me).await.unwrap();
    let outcome = operator
        .collect_commission(cap.object_ref.id)
        .await
        .unwrap();
    assert!(outcome.contract_events().any(
        |e| matches!(e, ContractEvent::CommissionCollected(c) if c.amount == reward.commission)
    ));
    assert_eq!(
        operator.wal_balance(me).await.unwrap(),
        wal_before + reward.commission
    );

    // The stake redeems for more than its principal: the rewards after commission.
    let wal_before = operator.wal_balance(me).await.unwrap();
    let outcome = operator.withdraw_stake(staked.object_ref.id).await.unwrap();
    let withdrawn = outcome
        .contract_events()
        .find_map(|e| match e {
            ContractEvent::StakeWithdrawn(w) => Some(w.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(withdrawn.amount, stake);
    assert_eq!(withdrawn.rewards, reward.reward - reward.commission);
    assert_eq!(
        operator.wal_balance(me).await.unwrap(),
        wal_before + stake + withdrawn.rewards
    );
    devnet.shutdown().await;
}
