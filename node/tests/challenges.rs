//! Storage challenges over loopback: real nodes on an embedded devnet answer challenges from
//! their stored slivers; an honest node passes, a node with a corrupt sliver or a dropped shard
//! fails, a node that never answers fails on the timeout; signed verdicts are exchanged through
//! the REST API and aggregate into certificates that verify, and the background worker submits
//! exactly one certificate per target (to an in-memory stand-in for the contract, then through
//! the chain client to the devnet, which records the verdicts).

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use common::*;
use tokio_util::sync::CancellationToken;
use walrus_core::{
    BlobId, BlsPublicKey, Epoch, ObjectId, SliverIndex,
    challenge::{ChallengeParams, ChallengePosition},
    encoding::Axis,
    messages::{ChallengeVerdict, ChallengeVerdictCertificate},
};
use walrus_node::challenge::{
    self, ChallengeChain, ChallengeChainError, RoundConfig, SampleFailure, SubmitOutcome,
    SuiChallengeChain, WorkerConfig,
};
use walrus_node_api::{NodeClient, reason, routes::MAX_CHALLENGE_POSITIONS};

const N_SHARDS: u16 = 8;
const SEED: [u8; 32] = [0x5e; 32];

/// An in-memory chain: a fixed seed, and every submitted certificate (verified against the
/// committee) by `(epoch, target)`.
#[derive(Debug, Clone)]
struct MemoryChain {
    committee: Vec<(BlsPublicKey, u16)>,
    n_shards: u16,
    submissions: Arc<Mutex<Vec<ChallengeVerdictCertificate>>>,
    recorded: Arc<Mutex<BTreeMap<(Epoch, ObjectId), bool>>>,
}

impl ChallengeChain for MemoryChain {
    async fn challenge_seed(&self, _epoch: Epoch) -> Result<Option<[u8; 32]>, ChallengeChainError> {
        Ok(Some(SEED))
    }

    async fn verdict_recorded(
        &self,
        epoch: Epoch,
        target: ObjectId,
    ) -> Result<bool, ChallengeChainError> {
        Ok(self.recorded.lock().unwrap().contains_key(&(epoch, target)))
    }

    async fn submit_verdict(
        &self,
        certificate: &ChallengeVerdictCertificate,
        _signers_bitmap: Vec<u8>,
    ) -> Result<SubmitOutcome, ChallengeChainError> {
        let message = certificate.decode_message().unwrap();
        certificate
            .verify(
                &self.committee,
                self.n_shards,
                message.epoch(),
                message.contents(),
            )
            .map_err(|e| ChallengeChainError(e.to_string()))?;
        self.submissions.lock().unwrap().push(certificate.clone());
        let key = (message.epoch(), message.target());
        let mut recorded = self.recorded.lock().unwrap();
        if recorded.contains_key(&key) {
            return Ok(SubmitOutcome::AlreadyRecorded);
        }
        recorded.insert(key, message.passed());
        Ok(SubmitOutcome::Recorded)
    }
}

fn round(samples: u16, tolerance: u16) -> RoundConfig {
    RoundConfig {
        params: ChallengeParams { samples, tolerance },
        timeout: Duration::from_secs(10),
    }
}

/// Every symbol of one sliver: the positions a node must answer for it.
fn whole_sliver(
    blob_id: BlobId,
    pair: walrus_core::SliverPairIndex,
    axis: Axis,
) -> Vec<ChallengePosition> {
    (0..N_SHARDS)
        .map(|symbol| ChallengePosition {
            blob_id,
            pair,
            axis,
            symbol: SliverIndex(symbol),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn challenges_pass_honest_nodes_and_fail_lossy_ones() {
    // Long epochs: the committee stays fixed for the whole test.
    let network = Network::start_with_epoch_duration(4, N_SHARDS, 3_600_000).await;
    let user = funded_client(&network.devnet, 41).await;

    // ===== Two certified blobs, stored on every node.
    let mut blob_ids = Vec::new();
    for seed in [1, 2] {
        let encoded = encode(N_SHARDS, &blob_bytes(20_000, seed));
        let blob = register(&user, &encoded, false, 3).await;
        for i in 0..4 {
            wait_registered(&network, i, encoded.blob_id()).await;
            upload(&network, i, &encoded).await;
        }
        certify(&network, &user, &blob, &quorum_nodes(&network)).await;
        blob_ids.push(*encoded.blob_id());
    }
    let epoch = network.node(0).node().epoch();
    for i in 0..4 {
        let node = Arc::clone(network.node(i).node());
        wait_for("certification", 30, || {
            let node = Arc::clone(&node);
            async move { challenge::eligible_blobs(&node, epoch, 0).len() == 2 }
        })
        .await;
    }
    let challenger = Arc::clone(network.node(0).node());
    let blobs = challenge::eligible_blobs(&challenger, epoch, 0);
    let metadata = challenge::load_metadata(&challenger, blobs.iter().copied());
    let mut sorted = blob_ids.clone();
    sorted.sort();
    assert_eq!(blobs, sorted);
    // Blobs certified in this epoch are not challenged with the default minimum age.
    assert!(challenge::eligible_blobs(&challenger, epoch, 1).is_empty());

    // ===== The responder answers from its slivers; the answers verify.
    let node_1 = network.node(1).node();
    let shard_1 = network.shards_of(1)[0];
    let pair_1 = shard_1.to_pair_index(N_SHARDS, &blob_ids[0]);
    let positions = whole_sliver(blob_ids[0], pair_1, Axis::Secondary);
    let answers = network
        .client(1)
        .challenge_symbols(&positions)
        .await
        .unwrap();
    assert_eq!(answers.len(), positions.len());
    for (position, answer) in positions.iter().zip(&answers) {
        let answer = answer.as_ref().expect("an honest node answers");
        assert!(challenge::verify_answer(
            &metadata[&position.blob_id],
            position,
            answer
        ));
        // The same cell presented as another position does not verify.
        let shifted = ChallengePosition {
            symbol: SliverIndex((position.symbol.get() + 1) % N_SHARDS),
            ..*position
        };
        assert!(!challenge::verify_answer(
            &metadata[&position.blob_id],
            &shifted,
            answer
        ));
    }
    // A shard the node does not own is answered with nothing.
    let foreign = network.shards_of(2)[0].to_pair_index(N_SHARDS, &blob_ids[0]);
    let answers = network
        .client(1)
        .challenge_symbols(&whole_sliver(blob_ids[0], foreign, Axis::Primary))
        .await
        .unwrap();
    assert!(answers.iter().all(Option::is_none));
    // Bad requests are typed errors.
    let error = network.client(1).challenge_symbols(&[]).await.unwrap_err();
    assert!(
        error.has_reason(reason::INVALID_CHALLENGE_POSITIONS),
        "{error}"
    );
    let too_many = vec![positions[0]; MAX_CHALLENGE_POSITIONS + 1];
    let error = network
        .client(1)
        .challenge_symbols(&too_many)
        .await
        .unwrap_err();
    assert!(
        error.has_reason(reason::INVALID_CHALLENGE_POSITIONS),
        "{error}"
    );
    let out_of_range = [ChallengePosition {
        symbol: SliverIndex(N_SHARDS),
        ..positions[0]
    }];
    let error = network
        .client(1)
        .challenge_symbols(&out_of_range)
        .await
        .unwrap_err();
    assert!(
        error.has_reason(reason::INVALID_CHALLENGE_POSITIONS),
        "{error}"
    );
    let error = reqwest::Client::new()
        .post(format!(
            "{}/v1/challenges/symbols",
            network.node(1).rest_url()
        ))
        .header("content-type", "application/octet-stream")
        .body(vec![0xff; 7])
        .send()
        .await
        .unwrap();
    assert_eq!(error.status().as_u16(), 400);

    // ===== An honest node passes a sampled round with no failure.
    let honest = challenge::challenge_target(
        &network.client(1),
        &sample_for(&network, 0, 1, &blobs, epoch, 60),
        &metadata,
        ChallengeParams {
            samples: 60,
            tolerance: 3,
        },
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(honest.n_samples, 60);
    assert_eq!(honest.n_failed(), 0, "{honest:?}");
    assert!(honest.passed);
    assert!(
        node_1
            .metrics
            .render()
            .contains("walrus_node_challenge_symbols_served_total")
    );

    // ===== A corrupt sliver: every answer from it fails verification.
    let node_2 = network.node(2).node();
    let shard_2 = network.shards_of(2)[0];
    let pair_2 = shard_2.to_pair_index(N_SHARDS, &blob_ids[0]);
    let original = node_2
        .store
        .sliver(shard_2, Axis::Primary, &blob_ids[0])
        .unwrap()
        .unwrap();
    let mut corrupt = original.clone();
    let last_data_byte = corrupt.len() - 5;
    corrupt[last_data_byte] ^= 0x01;
    node_2
        .store
        .put_sliver(shard_2, Axis::Primary, &blob_ids[0], &corrupt)
        .unwrap();
    let corrupt_positions = whole_sliver(blob_ids[0], pair_2, Axis::Primary);
    let outcome = challenge::challenge_target(
        &network.client(2),
        &corrupt_positions,
        &metadata,
        ChallengeParams {
            samples: N_SHARDS,
            tolerance: 0,
        },
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(
        outcome.failures.get(&SampleFailure::Invalid),
        Some(&usize::from(N_SHARDS)),
        "{outcome:?}"
    );
    assert!(!outcome.passed);
    node_2
        .store
        .put_sliver(shard_2, Axis::Primary, &blob_ids[0], &original)
        .unwrap();

    // ===== A dropped shard: its symbols are missing, and a sampled round fails.
    let node_3 = network.node(3).node();
    let dropped = network.shards_of(3)[0];
    node_3.store.drop_shard(dropped).unwrap();
    let pair_3 = dropped.to_pair_index(N_SHARDS, &blob_ids[1]);
    let outcome = challenge::challenge_target(
        &network.client(3),
        &whole_sliver(blob_ids[1], pair_3, Axis::Secondary),
        &metadata,
        ChallengeParams {
            samples: N_SHARDS,
            tolerance: 0,
        },
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(
        outcome.failures.get(&SampleFailure::Missing),
        Some(&usize::from(N_SHARDS)),
        "{outcome:?}"
    );
    // Half of node 3's slivers are gone: about half of 60 samples fail.
    let lossy = challenge::challenge_target(
        &network.client(3),
        &sample_for(&network, 0, 3, &blobs, epoch, 60),
        &metadata,
        ChallengeParams {
            samples: 60,
            tolerance: 3,
        },
        Duration::from_secs(10),
    )
    .await;
    assert!(lossy.n_failed() > 10, "{lossy:?}");
    assert!(!lossy.passed);

    // ===== A node that never answers fails on the timeout.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let (socket, _) = silent.accept().await.unwrap();
            open.push(socket);
        }
    });
    let outcome = challenge::challenge_target(
        &NodeClient::new(&silent_url).unwrap(),
        &positions,
        &metadata,
        ChallengeParams {
            samples: N_SHARDS,
            tolerance: 1,
        },
        Duration::from_millis(300),
    )
    .await;
    hold.abort();
    assert_eq!(
        outcome.failures.get(&SampleFailure::Unanswered),
        Some(&usize::from(N_SHARDS)),
        "{outcome:?}"
    );
    assert!(!outcome.passed);

    // ===== Every node runs a round; signed verdicts are exchanged and aggregate.
    // Peers reach each other through the on-chain addresses.
    for member in &challenger.committee().members {
        let i = (0..4)
            .find(|&i| {
                walrus_sui::client::to_object_id(network.genesis.nodes[i].node_id) == member.node_id
            })
            .unwrap();
        assert_eq!(
            member.client.as_ref().unwrap().base_url().as_str(),
            format!("http://{}/", network.configs[i].rest_api_address)
        );
    }
    let mut outcomes = Vec::new();
    for i in 0..4 {
        let node = network.node(i).node();
        let blobs = challenge::eligible_blobs(node, epoch, 0);
        outcomes.push(challenge::run_round(node, epoch, &SEED, &blobs, round(40, 4)).await);
    }
    let id = |i: usize| walrus_sui::client::to_object_id(network.genesis.nodes[i].node_id);
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.len(), 3, "node {i} challenges the three others");
        for j in 0..4 {
            if j != i {
                assert_eq!(
                    outcome[&id(j)].passed,
                    j != 3,
                    "node {i} on node {j}: {outcome:?}"
                );
            }
        }
    }
    // The verdict endpoint serves signed verdicts, 404 for unknown ones.
    let signed = network
        .client(1)
        .challenge_verdict(epoch, &id(3))
        .await
        .unwrap();
    let message = signed.decode_message().unwrap();
    assert_eq!((message.target(), message.passed()), (id(3), false));
    let missing = network
        .client(1)
        .challenge_verdict(epoch + 5, &id(3))
        .await
        .unwrap_err();
    assert!(missing.is_not_found());
    assert!(missing.has_reason(reason::CHALLENGE_VERDICT_NOT_FOUND));

    let committee = node_1.committee();
    let weights: Vec<(BlsPublicKey, u16)> = committee
        .members
        .iter()
        .map(|m| (m.public_key.clone(), m.weight()))
        .collect();
    for (target, passed) in [(3, false), (1, true)] {
        let certificate =
            challenge::collect_certificate(&challenger, epoch, id(target), Duration::from_secs(5))
                .await
                .expect("a quorum agrees");
        let message = certificate
            .verify(
                &weights,
                N_SHARDS,
                epoch,
                &ChallengeVerdict {
                    target: id(target),
                    passed,
                },
            )
            .unwrap();
        assert_eq!(message.passed(), passed);
        let target_index = committee.member(&id(target)).unwrap().index;
        assert!(
            !certificate.signers.contains(&target_index),
            "the target never signs its own verdict"
        );
    }

    // ===== The background workers submit one certificate per target.
    let chain = MemoryChain {
        committee: weights.clone(),
        n_shards: N_SHARDS,
        submissions: Arc::default(),
        recorded: Arc::default(),
    };
    let cancel = CancellationToken::new();
    let config = WorkerConfig {
        round: round(40, 4),
        interval: Duration::from_millis(200),
        submit_delay: Duration::from_secs(3_600),
        min_certified_age_epochs: 0,
        start_delay: Duration::ZERO,
    };
    let workers: Vec<_> = (0..4)
        .map(|i| {
            tokio::spawn(challenge::run(
                Arc::clone(network.node(i).node()),
                chain.clone(),
                config,
                cancel.clone(),
            ))
        })
        .collect();
    let recorded = Arc::clone(&chain.recorded);
    wait_for("verdicts on chain", 60, || {
        let recorded = Arc::clone(&recorded);
        async move { recorded.lock().unwrap().len() == 4 }
    })
    .await;
    // Let the other workers run a few more polls: they must not submit again.
    tokio::time::sleep(Duration::from_secs(1)).await;
    cancel.cancel();
    for worker in workers {
        worker.await.unwrap();
    }
    let recorded = chain.recorded.lock().unwrap().clone();
    let expected: BTreeMap<(Epoch, ObjectId), bool> =
        (0..4).map(|i| ((epoch, id(i)), i != 3)).collect();
    assert_eq!(recorded, expected);
    let submissions = chain.submissions.lock().unwrap().clone();
    assert_eq!(
        submissions.len(),
        4,
        "one submission per target (lowest signer)"
    );
    let mut per_target: HashMap<ObjectId, usize> = HashMap::new();
    for certificate in submissions.iter() {
        *per_target
            .entry(certificate.decode_message().unwrap().target())
            .or_default() += 1;
    }
    assert!(per_target.values().all(|&n| n == 1));
    let metrics = network.node(0).node().metrics.render();
    assert!(
        metrics.contains("walrus_node_challenges_total{outcome=\"failed\"}"),
        "{metrics}"
    );

    // ===== End to end: the workers submit through the chain client with the chain's own
    // seed, and the contract records the verdicts.
    let cancel = CancellationToken::new();
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let node = Arc::clone(network.node(i).node());
            let chain = SuiChallengeChain::new(node.sui.clone());
            tokio::spawn(challenge::run(node, chain, config, cancel.clone()))
        })
        .collect();
    wait_for("verdicts recorded on chain", 120, || async {
        user.challenge_state()
            .await
            .is_ok_and(|state| (0..4).all(|i| state.verdict(&id(i)).is_some()))
    })
    .await;
    cancel.cancel();
    for worker in workers {
        worker.await.unwrap();
    }
    let state = user.challenge_state().await.unwrap();
    for i in 0..4 {
        assert_eq!(state.verdict(&id(i)), Some(i != 3), "verdict on node {i}");
    }
    assert!(
        network
            .node(0)
            .node()
            .metrics
            .render()
            .contains("walrus_node_challenge_verdicts_submitted_total"),
    );
    network.shutdown().await;
}

/// Draws the sample node `challenger` takes of node `target`.
fn sample_for(
    network: &Network,
    challenger: usize,
    target: usize,
    blobs: &[BlobId],
    epoch: Epoch,
    samples: u16,
) -> Vec<ChallengePosition> {
    let target_shards = network.shards_of(target);
    walrus_core::challenge::sample(&walrus_core::challenge::SampleInput {
        seed: &SEED,
        epoch,
        challenger: walrus_sui::client::to_object_id(network.genesis.nodes[challenger].node_id),
        target: walrus_sui::client::to_object_id(network.genesis.nodes[target].node_id),
        target_shards: &target_shards,
        blobs,
        nonce: &[],
        n_shards: N_SHARDS,
        samples,
    })
    .unwrap()
}

/// Runs `call` until it succeeds, retrying Move aborts (an epoch change that is not due yet, or
/// still waiting for the nodes' `epoch_sync_done`) for up to a minute.
async fn retry_until_ok<F, Fut>(mut call: F) -> walrus_sui::client::TxOutcome
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<walrus_sui::client::TxOutcome, walrus_sui::client::ChainError>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match call().await {
            Ok(outcome) => return outcome,
            Err(walrus_sui::client::ChainError::MoveAbort(_))
                if tokio::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// Ends the current epoch once it is due (the storage nodes report their own sync) and returns
/// the events of the epoch change.
async fn change_epoch(
    driver: &walrus_sui::client::WalrusSuiClient,
) -> Vec<walrus_sui::events::ContractEvent> {
    retry_until_ok(|| driver.voting_end()).await;
    let outcome = retry_until_ok(|| driver.initiate_epoch_change()).await;
    outcome.contract_events().cloned().collect()
}

/// Issue 8's acceptance test on a network of real nodes: every node runs the challenge worker
/// against the chain; one node loses all its slivers. The honest nodes pass and earn; the lossy
/// node fails every epoch, earns less per shard, is slashed after the second failing epoch, and
/// a delegator's stake in its pool redeems for less than the principal.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_that_lost_its_slivers_fails_earns_less_and_is_slashed() {
    use walrus_sui::events::ContractEvent;

    // Short epochs; the test itself ends them, so nothing changes behind its back.
    let network = Network::start_with_epoch_duration(4, N_SHARDS, 1_000).await;
    let user = funded_client(&network.devnet, 44).await;
    let id = |i: usize| walrus_sui::client::to_object_id(network.genesis.nodes[i].node_id);

    // Two certified blobs on every node, stored for longer than the test runs.
    for seed in [3, 4] {
        let encoded = encode(N_SHARDS, &blob_bytes(20_000, seed));
        let blob = register(&user, &encoded, false, 20).await;
        for i in 0..4 {
            wait_registered(&network, i, encoded.blob_id()).await;
            upload(&network, i, &encoded).await;
        }
        certify(&network, &user, &blob, &quorum_nodes(&network)).await;
    }

    // A delegator stakes with node 3's pool; the stake counts from the next epoch.
    let principal = 10 * WAL;
    let staked = user.stake_with_pool(id(3), principal).await.unwrap();

    // Node 3 loses every sliver it holds.
    let lossy = network.node(3).node();
    for shard in network.shards_of(3) {
        lossy.store.drop_shard(shard).unwrap();
    }

    // Every node challenges the others, on the chain's seed, and submits through the client.
    let cancel = CancellationToken::new();
    let config = WorkerConfig {
        round: round(40, 4),
        interval: Duration::from_millis(200),
        submit_delay: Duration::from_secs(2),
        min_certified_age_epochs: 0,
        start_delay: Duration::ZERO,
    };
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let node = Arc::clone(network.node(i).node());
            let chain = SuiChallengeChain::new(node.sui.clone());
            tokio::spawn(challenge::run(node, chain, config, cancel.clone()))
        })
        .collect();

    // Three epochs with verdicts. The stake counts from the second; the second failing epoch in a
    // row (the default `slash_after_failures` is 2) slashes node 3's pool at its end, while the
    // delegator's stake is active; the delegator leaves at the end of the third.
    let mut slashes = Vec::new();
    for round in 0..3 {
        let epoch = user.current_epoch().await.unwrap();
        wait_for("this epoch's verdicts on every node", 120, || async {
            user.challenge_state()
                .await
                .is_ok_and(|state| (0..4).all(|i| state.verdict(&id(i)).is_some()))
        })
        .await;
        let state = user.challenge_state().await.unwrap();
        for i in 0..4 {
            assert_eq!(
                state.verdict(&id(i)),
                Some(i != 3),
                "epoch {epoch}: verdict on node {i}"
            );
        }
        if round == 2 {
            user.request_withdraw_stake(staked.object_ref.id)
                .await
                .unwrap();
        }
        // Fees for this epoch, so that every member earns a visible reward.
        user.add_subsidy(WAL, 1).await.unwrap();
        let committee = network.node(0).node().committee();
        let events = change_epoch(&user).await;
        let reward_per_shard = |i: usize| {
            let reward = events
                .iter()
                .find_map(|e| match e {
                    ContractEvent::PoolRewarded(r) if r.node_id == id(i) => Some(r.reward),
                    _ => None,
                })
                .unwrap_or(0);
            let weight = committee.member(&id(i)).map_or(1, |m| m.weight().max(1));
            reward / u64::from(weight)
        };
        for honest in 0..3 {
            assert!(
                reward_per_shard(honest) > reward_per_shard(3),
                "epoch {epoch}: node {honest} earns {} per shard, the lossy node {}",
                reward_per_shard(honest),
                reward_per_shard(3)
            );
        }
        slashes.extend(events.into_iter().filter_map(|e| match e {
            ContractEvent::NodeSlashed(s) => Some(s),
            _ => None,
        }));
        if round == 0 {
            assert!(slashes.is_empty(), "no slash after one failure");
        }
    }
    cancel.cancel();
    for worker in workers {
        worker.await.unwrap();
    }

    assert!(!slashes.is_empty(), "the lossy node was slashed");
    assert!(slashes.iter().all(|s| s.node_id == id(3) && s.amount > 0));

    // The delegator's stake redeems for less than its principal.
    let me = user.address().unwrap();
    let before = user.wal_balance(me).await.unwrap();
    user.withdraw_stake(staked.object_ref.id).await.unwrap();
    let withdrawn = user.wal_balance(me).await.unwrap() - before;
    assert!(withdrawn < principal, "withdrew {withdrawn} of {principal}");
    network.shutdown().await;
}
