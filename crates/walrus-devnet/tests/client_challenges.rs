//! Storage-challenge verdicts, reward scaling and slashing through the chain client
//! (`walrus_sui::client::WalrusSuiClient`) against the embedded devnet. All traffic is on
//! 127.0.0.1.
//!
//! The verdict certificates are signed here with the genesis nodes' BLS keys (the node side that
//! runs the challenges lives in `walrus-node`): a quorum verdict is recorded, a verdict without
//! quorum or signed by its target is rejected, a duplicate is rejected; a node failing in two
//! consecutive epochs earns less than a passing one, its pool is slashed, and a delegator's
//! `StakedWal` redeems for less than its principal. The slash fraction follows the committee's
//! slash votes at the epoch change.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::time::Duration;

use walrus_core::BlsAggregateSignature;
use walrus_core::messages::ChallengeVerdictMsg;
use walrus_devnet::{Devnet, DevnetConfig, DevnetHandle};
use walrus_sui::client::{Certificate, ChainError, TxOutcome, WalrusSuiClient, to_object_id};
use walrus_sui::errors::{
    BlsAggregateError, ChallengesError, MoveAbort, StakingError, SystemError,
};
use walrus_sui::events::{ContractEvent, NodeSlashed, PoolRewarded};
use walrus_sui::objects::BlsCommittee;
use walrus_sui::wallet::Wallet;

const SUI: u64 = 1_000_000_000;
const WAL: u64 = 1_000_000_000;

fn client(devnet: &DevnetHandle, wallet: Wallet) -> WalrusSuiClient {
    WalrusSuiClient::new(devnet.sui_config())
        .unwrap()
        .with_wallet(wallet)
}

/// A client of `wallet`, funded with 10 SUI and `wal` FROST by the genesis faucet account.
async fn funded(devnet: &DevnetHandle, wallet: Wallet, wal: u64) -> WalrusSuiClient {
    let faucet = client(
        devnet,
        Wallet::new(devnet.genesis().faucet.key().expect("faucet key")),
    );
    faucet
        .transfer_sui(wallet.address(), 10 * SUI)
        .await
        .unwrap();
    if wal > 0 {
        faucet.transfer_wal(wallet.address(), wal).await.unwrap();
    }
    client(devnet, wallet)
}

async fn retry_until_ok<F, Fut>(mut call: F) -> TxOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<TxOutcome, ChainError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match call().await {
            Ok(outcome) => return outcome,
            Err(ChainError::MoveAbort(info)) if tokio::time::Instant::now() < deadline => {
                eprintln!("retrying after {info}");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// Runs `voting_end` and `initiate_epoch_change` once due, then every genesis node reports sync.
/// Returns the events of `initiate_epoch_change`.
async fn change_epoch(devnet: &DevnetHandle, driver: &WalrusSuiClient) -> Vec<ContractEvent> {
    retry_until_ok(|| driver.voting_end()).await;
    let outcome = retry_until_ok(|| driver.initiate_epoch_change()).await;
    let epoch = driver.current_epoch().await.unwrap();
    for node in &devnet.genesis().nodes {
        let operator = client(devnet, Wallet::new(node.operator.key().unwrap()));
        operator.epoch_sync_done(node.cap_id, epoch).await.unwrap();
    }
    outcome.contract_events().cloned().collect()
}

/// The verdict certificate on `target` for `epoch`, signed by the genesis nodes at the committee
/// indices in `signers`.
fn verdict_certificate(
    devnet: &DevnetHandle,
    committee: &BlsCommittee,
    epoch: u32,
    target: walrus_core::ObjectId,
    passed: bool,
    signers: &[usize],
) -> Certificate {
    let message = ChallengeVerdictMsg::verdict(epoch, target, passed).to_bcs();
    let mut bitmap = vec![0u8; committee.members.len().div_ceil(8)];
    let mut signatures = Vec::new();
    for &index in signers {
        let member = &committee.members[index];
        let node = devnet
            .genesis()
            .nodes
            .iter()
            .find(|n| to_object_id(n.node_id) == member.node_id)
            .expect("every member is a genesis node");
        signatures.push(node.bls_key_pair().unwrap().sign(&message));
        bitmap[index / 8] |= 1 << (index % 8);
    }
    Certificate {
        signature: BlsAggregateSignature::aggregate(&signatures)
            .unwrap()
            .to_bytes()
            .to_vec(),
        signers_bitmap: bitmap,
        message,
    }
}

/// The committee indices of every member except `target`.
fn others(committee: &BlsCommittee, target: usize) -> Vec<usize> {
    (0..committee.members.len())
        .filter(|i| *i != target)
        .collect()
}

fn abort_of(result: Result<TxOutcome, ChainError>) -> Option<MoveAbort> {
    result.unwrap_err().move_abort()
}

#[tokio::test]
async fn verdicts_need_a_quorum_that_excludes_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(
        DevnetConfig {
            heartbeat_ms: 200,
            epoch_duration_ms: 60_000,
            ..DevnetConfig::default()
        },
        dir.path(),
    )
    .await
    .unwrap();
    let submitter = funded(&devnet, Wallet::from_seed([91; 32]), 0).await;
    let state = submitter.system_state().await.unwrap();
    let committee = state.committee;
    let epoch = committee.epoch;
    assert!(committee.members.len() >= 4);
    let target = committee.members[0].node_id;

    // The seed of the current epoch is readable; other epochs' seeds are not kept.
    let seed = submitter.challenge_seed(epoch).await.unwrap().unwrap();
    assert_eq!(seed.to_vec(), state.challenges.seed);
    assert_eq!(submitter.challenge_seed(epoch + 1).await.unwrap(), None);

    // One other signer is no quorum: a false failure report without quorum is rejected.
    let lone = verdict_certificate(&devnet, &committee, epoch, target, false, &[1]);
    assert_eq!(
        abort_of(submitter.submit_challenge_verdict(&lone).await),
        Some(MoveAbort::BlsAggregate(BlsAggregateError::ENotEnoughStake))
    );
    // The target cannot sign its own verdict, even with a quorum.
    let all: Vec<usize> = (0..committee.members.len()).collect();
    let own = verdict_certificate(&devnet, &committee, epoch, target, true, &all);
    assert_eq!(
        abort_of(submitter.submit_challenge_verdict(&own).await),
        Some(MoveAbort::System(SystemError::ESelfChallenge))
    );
    // A certificate for the wrong epoch is rejected.
    let stale = verdict_certificate(
        &devnet,
        &committee,
        epoch + 1,
        target,
        false,
        &others(&committee, 0),
    );
    assert_eq!(
        abort_of(submitter.submit_challenge_verdict(&stale).await),
        Some(MoveAbort::System(SystemError::EInvalidIdEpoch))
    );
    assert_eq!(
        submitter.node_challenge_record(target).await.unwrap(),
        (None, None)
    );

    // The other members form a quorum: the verdict is recorded with an event.
    let quorum = verdict_certificate(
        &devnet,
        &committee,
        epoch,
        target,
        false,
        &others(&committee, 0),
    );
    let outcome = submitter.submit_challenge_verdict(&quorum).await.unwrap();
    assert!(outcome.contract_events().any(|e| matches!(
        e,
        ContractEvent::ChallengeVerdictRecorded(r)
            if r.epoch == epoch && r.node_id == target && !r.passed
    )));
    let (verdict, record) = submitter.node_challenge_record(target).await.unwrap();
    assert_eq!(verdict, Some(false));
    assert_eq!(record, None, "the history is written when the epoch closes");

    // A second verdict on the same node in the same epoch is rejected, whatever it says.
    let again = verdict_certificate(
        &devnet,
        &committee,
        epoch,
        target,
        true,
        &others(&committee, 0),
    );
    assert_eq!(
        abort_of(submitter.submit_challenge_verdict(&again).await),
        Some(MoveAbort::Challenges(ChallengesError::EDuplicateVerdict))
    );
    devnet.shutdown().await;
}

fn rewarded(events: &[ContractEvent], node_id: walrus_core::ObjectId) -> PoolRewarded {
    events
        .iter()
        .find_map(|e| match e {
            ContractEvent::PoolRewarded(r) if r.node_id == node_id => Some(r.clone()),
            _ => None,
        })
        .expect("the pool was paid")
}

fn slashed(events: &[ContractEvent]) -> Vec<NodeSlashed> {
    events
        .iter()
        .filter_map(|e| match e {
            ContractEvent::NodeSlashed(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn failing_node_earns_less_and_is_slashed_and_its_stakers_lose() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(
        DevnetConfig {
            heartbeat_ms: 200,
            epoch_duration_ms: 2_000,
            ..DevnetConfig::default()
        },
        dir.path(),
    )
    .await
    .unwrap();
    let delegator = funded(&devnet, Wallet::from_seed([92; 32]), 200 * WAL).await;
    let me = delegator.address().unwrap();
    let committee = delegator.system_state().await.unwrap().committee;
    let (failing, passing) = (committee.members[0].node_id, committee.members[1].node_id);

    // The delegator stakes with the node that will fail; the stake counts from the next epoch.
    let principal = 100 * WAL;
    let staked = delegator.stake_with_pool(failing, principal).await.unwrap();
    change_epoch(&devnet, &delegator).await;

    // Two consecutive epochs with a failing verdict on one node and a passing one on another.
    let mut events = Vec::new();
    for round in 0..2 {
        let state = delegator.system_state().await.unwrap();
        let committee = state.committee;
        let epoch = committee.epoch;
        let index = |id| {
            committee
                .members
                .iter()
                .position(|m| m.node_id == id)
                .unwrap()
        };
        let (f, p) = (index(failing), index(passing));
        for (target, index, passed) in [(failing, f, false), (passing, p, true)] {
            let cert = verdict_certificate(
                &devnet,
                &committee,
                epoch,
                target,
                passed,
                &others(&committee, index),
            );
            delegator.submit_challenge_verdict(&cert).await.unwrap();
        }
        delegator.add_subsidy(WAL, 1).await.unwrap();
        if round == 1 {
            // Leave at the next epoch change, after the slash.
            delegator
                .request_withdraw_stake(staked.object_ref.id)
                .await
                .unwrap();
        }
        events = change_epoch(&devnet, &delegator).await;

        // The passing node earns more per shard than the failing one.
        let weight = |id| {
            committee
                .members
                .iter()
                .find(|m| m.node_id == id)
                .unwrap()
                .weight
        };
        let (fail_reward, pass_reward) = (rewarded(&events, failing), rewarded(&events, passing));
        assert!(
            u128::from(fail_reward.reward) * u128::from(weight(passing))
                < u128::from(pass_reward.reward) * u128::from(weight(failing)),
            "round {round}: failing {fail_reward:?} vs passing {pass_reward:?}"
        );
        let (_, record) = delegator.node_challenge_record(failing).await.unwrap();
        let record = record.expect("the failing node has a history");
        assert_eq!(record.recent.iter().filter(|o| **o == 2).count(), round + 1);
        if round == 0 {
            assert!(slashed(&events).is_empty(), "no slash after one failure");
        }
    }

    // The second consecutive failure slashed the failing node's pool by 10% of its active WAL.
    let slashes = slashed(&events);
    assert_eq!(slashes.len(), 1, "{slashes:?}");
    assert_eq!(slashes[0].node_id, failing);
    assert!(slashes[0].amount > 0);
    let state = delegator.challenge_state().await.unwrap();
    assert_eq!(state.total_slashed, slashes[0].amount);
    assert_eq!(state.params.slash_after_failures, 2);

    // The delegator's stake redeems for less than its principal.
    let before = delegator.wal_balance(me).await.unwrap();
    let outcome = delegator
        .withdraw_stake(staked.object_ref.id)
        .await
        .unwrap();
    let withdrawn = delegator.wal_balance(me).await.unwrap() - before;
    assert!(withdrawn < principal, "withdrew {withdrawn} of {principal}");
    assert!(withdrawn >= principal * 8 / 10, "withdrew {withdrawn}");
    // The shortfall went to the slashing fund in the System.
    let state = delegator.challenge_state().await.unwrap();
    assert_eq!(state.slashed_fund.value, principal - withdrawn);
    assert!(outcome.contract_events().any(|e| matches!(
        e,
        ContractEvent::StakeWithdrawn(w) if w.amount == principal && w.rewards == 0
    )));
    devnet.shutdown().await;
}

#[tokio::test]
async fn slash_votes_set_the_slash_fraction_at_the_epoch_change() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = Devnet::start(
        DevnetConfig {
            heartbeat_ms: 200,
            epoch_duration_ms: 2_000,
            ..DevnetConfig::default()
        },
        dir.path(),
    )
    .await
    .unwrap();
    let driver = funded(&devnet, Wallet::from_seed([93; 32]), 0).await;
    assert_eq!(
        driver.challenge_state().await.unwrap().params.slash_bps,
        1_000
    );

    // Every genesis node votes 3%; a vote above 100% is refused.
    let nodes = &devnet.genesis().nodes;
    for node in nodes {
        let operator = client(&devnet, Wallet::new(node.operator.key().unwrap()));
        let outcome = operator.set_slash_bps_vote(node.cap_id, 300).await.unwrap();
        assert!(outcome.contract_events().any(|e| matches!(
            e,
            ContractEvent::SlashVoteUpdated(v) if v.slash_bps == 300
                && v.node_id == to_object_id(node.node_id)
        )));
        let pool = operator
            .staking_pool(to_object_id(node.node_id))
            .await
            .unwrap();
        assert_eq!(pool.voting_params.slash_bps, 300);
    }
    let operator = client(&devnet, Wallet::new(nodes[0].operator.key().unwrap()));
    assert_eq!(
        abort_of(operator.set_slash_bps_vote(nodes[0].cap_id, 10_001).await),
        Some(MoveAbort::Staking(StakingError::EInvalidSlashBps))
    );
    // Votes count from the next epoch change on.
    assert_eq!(
        driver.challenge_state().await.unwrap().params.slash_bps,
        1_000
    );
    change_epoch(&devnet, &driver).await;
    assert_eq!(
        driver.challenge_state().await.unwrap().params.slash_bps,
        300
    );
    devnet.shutdown().await;
}
