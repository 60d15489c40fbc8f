//! The state machine and the exactly-once commit on every backend (embedded fjall, SQLite,
//! PostgreSQL), over a synthetic chain that uses every event type: the derived state, replay as
//! a no-op, gaps, a failure in the middle of a batch, and the change channel.
//!
//! The PostgreSQL tests need `WALRUS_TEST_POSTGRES_URL` (scripts/test.sh sets it) and fail
//! without it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Backend, fresh_store};
use walrus_core::{BlobId, ObjectId};
use walrus_indexer::apply::{ApplyOptions, apply_checkpoints, apply_checkpoints_with};
use walrus_indexer::model::{
    BlobState, BlobStatus, ChallengeVerdict, CommitteeMember, EpochPhase, IndexerMeta, NodeDetails,
    SlashInfo, StakeState,
};
use walrus_indexer::{
    AnyStore, CheckpointChanges, EventContext, IndexedEvent, Indexer, IndexerConfig, Store,
    StoreError,
};
use walrus_sui::events::*;

const ALICE: &str = "0x00000000000000000000000000000000000000000000000000000000000000a1";
const BOB: &str = "0x00000000000000000000000000000000000000000000000000000000000000b0";

fn oid(n: u8) -> ObjectId {
    ObjectId([n; 32])
}

fn bid(n: u8) -> BlobId {
    BlobId([n; 32])
}

fn event(sender: &str, event: ContractEvent) -> IndexedEvent {
    IndexedEvent {
        tx_digest: "digest".into(),
        event_index: 0,
        sender: Some(sender.into()),
        event,
        context: EventContext::None,
    }
}

fn details(n: u8) -> NodeDetails {
    NodeDetails {
        name: format!("node-{n}"),
        network_address: format!("127.0.0.1:{}", 9000 + u16::from(n)),
        public_key: hex::encode([n; 48]),
        network_public_key: hex::encode([n; 33]),
    }
}

fn member(epoch: u32, n: u8, shards: Vec<u16>) -> CommitteeMember {
    CommitteeMember {
        epoch,
        node_id: oid(n),
        weight: u16::try_from(shards.len()).unwrap(),
        shards,
        details: details(n),
    }
}

fn checkpoint(seq: u64, events: Vec<IndexedEvent>) -> CheckpointChanges {
    CheckpointChanges {
        sequence_number: seq,
        timestamp_ms: Some(1_000 + seq),
        events,
    }
}

/// A chain of 9 checkpoints (one empty) with every event type.
fn chain() -> Vec<CheckpointChanges> {
    use ContractEvent as E;
    let mut start = event(BOB, E::EpochChangeStart(EpochChangeStart { epoch: 1 }));
    start.context = EventContext::Committee {
        n_shards: 4,
        members: vec![member(1, 1, vec![0, 1, 2]), member(1, 2, vec![3])],
    };
    let mut registered = event(
        BOB,
        E::NodeRegistered(NodeRegistered {
            epoch: 1,
            node_id: oid(3),
            cap_id: oid(33),
            commission_rate: 500,
        }),
    );
    registered.context = EventContext::Node(details(3));
    let mut renamed = event(
        BOB,
        E::NodeParametersUpdated(NodeParametersUpdated {
            epoch: 1,
            node_id: oid(3),
        }),
    );
    let mut new_details = details(3);
    new_details.name = "renamed".into();
    renamed.context = EventContext::Node(new_details);
    vec![
        checkpoint(
            0,
            vec![
                start,
                event(
                    BOB,
                    E::PricesUpdated(PricesUpdated {
                        epoch: 1,
                        storage_price: 5,
                        write_price: 7,
                    }),
                ),
            ],
        ),
        checkpoint(
            1,
            vec![
                event(
                    ALICE,
                    E::BlobRegistered(BlobRegistered {
                        epoch: 1,
                        blob_id: bid(1),
                        size: 100,
                        encoding_type: 1,
                        end_epoch: 5,
                        deletable: false,
                        object_id: oid(11),
                    }),
                ),
                event(
                    ALICE,
                    E::BlobRegistered(BlobRegistered {
                        epoch: 1,
                        blob_id: bid(1),
                        size: 100,
                        encoding_type: 1,
                        end_epoch: 3,
                        deletable: true,
                        object_id: oid(12),
                    }),
                ),
                event(
                    BOB,
                    E::BlobRegistered(BlobRegistered {
                        epoch: 1,
                        blob_id: bid(2),
                        size: 7,
                        encoding_type: 1,
                        end_epoch: 4,
                        deletable: true,
                        object_id: oid(13),
                    }),
                ),
            ],
        ),
        checkpoint(
            2,
            vec![
                event(
                    ALICE,
                    E::BlobCertified(BlobCertified {
                        epoch: 1,
                        blob_id: bid(1),
                        end_epoch: 5,
                        deletable: false,
                        object_id: oid(11),
                        is_extension: false,
                    }),
                ),
                event(
                    ALICE,
                    E::BlobCertified(BlobCertified {
                        epoch: 1,
                        blob_id: bid(1),
                        end_epoch: 3,
                        deletable: true,
                        object_id: oid(12),
                        is_extension: false,
                    }),
                ),
            ],
        ),
        checkpoint(3, vec![]),
        checkpoint(
            4,
            vec![
                event(
                    ALICE,
                    E::BlobCertified(BlobCertified {
                        epoch: 1,
                        blob_id: bid(1),
                        end_epoch: 8,
                        deletable: false,
                        object_id: oid(11),
                        is_extension: true,
                    }),
                ),
                event(
                    ALICE,
                    E::BlobDeleted(BlobDeleted {
                        epoch: 1,
                        blob_id: bid(1),
                        end_epoch: 3,
                        object_id: oid(12),
                        was_certified: true,
                    }),
                ),
                event(
                    BOB,
                    E::BlobDeleted(BlobDeleted {
                        epoch: 1,
                        blob_id: bid(2),
                        end_epoch: 4,
                        object_id: oid(13),
                        was_certified: false,
                    }),
                ),
                event(
                    BOB,
                    E::InvalidBlobID(InvalidBlobID {
                        epoch: 1,
                        blob_id: bid(9),
                    }),
                ),
                event(
                    BOB,
                    E::InvalidBlobID(InvalidBlobID {
                        epoch: 2,
                        blob_id: bid(9),
                    }),
                ),
            ],
        ),
        checkpoint(
            5,
            vec![
                registered,
                event(
                    BOB,
                    E::StakeDeposited(StakeDeposited {
                        epoch: 1,
                        node_id: oid(1),
                        staked_wal_id: oid(21),
                        amount: 100,
                        activation_epoch: 2,
                    }),
                ),
                event(
                    BOB,
                    E::StakeDeposited(StakeDeposited {
                        epoch: 1,
                        node_id: oid(1),
                        staked_wal_id: oid(22),
                        amount: 50,
                        activation_epoch: 2,
                    }),
                ),
                event(
                    BOB,
                    E::VotesUpdated(VotesUpdated {
                        epoch: 1,
                        node_id: oid(3),
                        storage_price: 11,
                        write_price: 12,
                        node_capacity: 13,
                    }),
                ),
            ],
        ),
        checkpoint(
            6,
            vec![
                event(
                    BOB,
                    E::ShardsReceived(ShardsReceived {
                        epoch: 1,
                        shards: vec![0, 1, 2],
                    }),
                ),
                event(BOB, E::EpochChangeDone(EpochChangeDone { epoch: 1 })),
                event(
                    BOB,
                    E::ChallengeVerdictRecorded(ChallengeVerdictRecorded {
                        epoch: 1,
                        node_id: oid(2),
                        passed: false,
                    }),
                ),
                event(
                    BOB,
                    E::ChallengeVerdictRecorded(ChallengeVerdictRecorded {
                        epoch: 1,
                        node_id: oid(1),
                        passed: true,
                    }),
                ),
                event(
                    BOB,
                    E::EpochParametersSelected(EpochParametersSelected { next_epoch: 2 }),
                ),
            ],
        ),
        checkpoint(
            7,
            vec![
                event(BOB, E::EpochChangeStart(EpochChangeStart { epoch: 2 })),
                event(
                    BOB,
                    E::NodeSlashed(NodeSlashed {
                        epoch: 1,
                        node_id: oid(2),
                        amount: 30,
                    }),
                ),
                event(
                    BOB,
                    E::PoolRewarded(PoolRewarded {
                        epoch: 1,
                        node_id: oid(1),
                        reward: 10,
                        commission: 1,
                    }),
                ),
                event(
                    BOB,
                    E::PoolRewarded(PoolRewarded {
                        epoch: 1,
                        node_id: oid(2),
                        reward: 4,
                        commission: 0,
                    }),
                ),
                event(
                    BOB,
                    E::StakeWithdrawalRequested(StakeWithdrawalRequested {
                        epoch: 2,
                        node_id: oid(1),
                        staked_wal_id: oid(21),
                        amount: 100,
                        withdraw_epoch: 3,
                    }),
                ),
            ],
        ),
        checkpoint(
            8,
            vec![
                event(
                    BOB,
                    E::StakeWithdrawn(StakeWithdrawn {
                        epoch: 3,
                        node_id: oid(1),
                        staked_wal_id: oid(21),
                        amount: 100,
                        rewards: 5,
                    }),
                ),
                event(
                    BOB,
                    E::CommissionCollected(CommissionCollected {
                        epoch: 3,
                        node_id: oid(1),
                        amount: 1,
                    }),
                ),
                event(
                    BOB,
                    E::CommissionRateSet(CommissionRateSet {
                        epoch: 3,
                        node_id: oid(3),
                        commission_rate: 700,
                        effective_epoch: 5,
                    }),
                ),
                event(
                    BOB,
                    E::NodeRetired(NodeRetired {
                        epoch: 3,
                        node_id: oid(2),
                        withdraw_epoch: 4,
                    }),
                ),
                event(
                    BOB,
                    E::ChallengeVerdictRecorded(ChallengeVerdictRecorded {
                        epoch: 2,
                        node_id: oid(2),
                        passed: false,
                    }),
                ),
                renamed,
            ],
        ),
    ]
}

fn n_events(chain: &[CheckpointChanges]) -> u64 {
    chain.iter().map(|c| c.events.len() as u64).sum()
}

/// Everything the store answers, for comparing two stores.
#[derive(Debug, PartialEq)]
struct Snapshot {
    meta: IndexerMeta,
    blobs: Vec<BlobStatus>,
    invalid: Option<u32>,
    alice: Vec<walrus_indexer::model::BlobObject>,
    bob: Vec<walrus_indexer::model::BlobObject>,
    epochs: Vec<Option<walrus_indexer::model::EpochInfo>>,
    latest: Option<walrus_indexer::model::EpochInfo>,
    committees: Vec<Vec<CommitteeMember>>,
    nodes: Vec<walrus_indexer::model::NodeInfo>,
    pools: Vec<walrus_indexer::model::PoolInfo>,
    stakes: Vec<walrus_indexer::model::StakeInfo>,
    rewards: Vec<walrus_indexer::model::RewardInfo>,
    verdicts: Vec<ChallengeVerdict>,
    slashes: Vec<SlashInfo>,
}

async fn snapshot(store: &AnyStore) -> Snapshot {
    let epoch = store.latest_epoch().await.unwrap().map_or(0, |e| e.epoch);
    let mut blobs = Vec::new();
    for id in [bid(1), bid(2)] {
        let objects = store.blob_objects(id).await.unwrap();
        let invalid = store.invalid_epoch(id).await.unwrap();
        blobs.push(BlobStatus::aggregate(id, invalid, objects, epoch));
    }
    Snapshot {
        meta: store.meta().await.unwrap(),
        blobs,
        invalid: store.invalid_epoch(bid(9)).await.unwrap(),
        alice: store.blobs_by_owner(ALICE).await.unwrap(),
        bob: store.blobs_by_owner(BOB).await.unwrap(),
        epochs: vec![store.epoch(1).await.unwrap(), store.epoch(2).await.unwrap()],
        latest: store.latest_epoch().await.unwrap(),
        committees: vec![
            store.committee(1).await.unwrap(),
            store.committee(2).await.unwrap(),
        ],
        nodes: store.nodes().await.unwrap(),
        pools: store.pools().await.unwrap(),
        stakes: store.stakes_by_owner(BOB).await.unwrap(),
        rewards: store.rewards(1).await.unwrap(),
        verdicts: store.challenge_verdicts(None, None).await.unwrap(),
        slashes: store.slashes(None).await.unwrap(),
    }
}

async fn derives_the_state(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path()).await;
    let chain = chain();
    let applied = apply_checkpoints(&store, &chain).await.unwrap();
    assert_eq!(applied.first_new, 0);
    assert_eq!(applied.events, n_events(&chain));
    let s = snapshot(&store).await;
    assert_eq!(
        s.meta,
        IndexerMeta {
            next_checkpoint: 9,
            events_applied: n_events(&chain),
            last_timestamp_ms: Some(1_008),
        }
    );

    // Blob 1: the permanent object certified and extended; the deletable one deleted.
    let blob1 = &s.blobs[0];
    assert_eq!(blob1.status, BlobState::Permanent);
    assert_eq!(blob1.end_epoch, 8);
    assert_eq!(blob1.permanent_count, 1);
    assert_eq!(blob1.permanent_certified_count, 1);
    assert_eq!(blob1.deletable_count, 0);
    assert_eq!(blob1.initial_certified_epoch, Some(1));
    assert_eq!(blob1.objects.len(), 2);
    let permanent = &blob1.objects[0];
    assert_eq!(permanent.object_id, oid(11));
    assert_eq!(permanent.certified_epoch, Some(1));
    assert_eq!(permanent.size, 100);
    assert_eq!(permanent.owner.as_deref(), Some(ALICE));
    assert!(blob1.objects[1].deleted);
    // Blob 2: registered then deleted.
    assert_eq!(s.blobs[1].status, BlobState::Deleted);
    // The first invalidation wins.
    assert_eq!(s.invalid, Some(1));
    assert_eq!(s.alice.len(), 2);
    assert_eq!(s.bob.len(), 1);

    let epoch1 = s.epochs[0].as_ref().unwrap();
    assert_eq!(epoch1.phase, EpochPhase::ChangeDone);
    assert_eq!(epoch1.start_checkpoint, Some(0));
    assert_eq!(epoch1.done_checkpoint, Some(6));
    assert_eq!(epoch1.params_selected_checkpoint, Some(6));
    assert_eq!(epoch1.storage_price, Some(5));
    assert_eq!(epoch1.write_price, Some(7));
    assert_eq!(epoch1.n_shards, Some(4));
    assert_eq!(epoch1.sync_reports.len(), 1);
    assert_eq!(epoch1.sync_reports[0].shards, vec![0, 1, 2]);
    let epoch2 = s.epochs[1].as_ref().unwrap();
    assert_eq!(epoch2.phase, EpochPhase::ChangeSync);
    assert_eq!(s.latest.as_ref().map(|e| e.epoch), Some(2));
    assert_eq!(
        s.committees[0],
        vec![member(1, 1, vec![0, 1, 2]), member(1, 2, vec![3])]
    );
    // Epoch 2 started without context: no committee recorded.
    assert!(s.committees[1].is_empty());

    // Nodes: 2 retired, 3 registered with votes, a pending commission and new details.
    let node3 = s.nodes.iter().find(|n| n.node_id == oid(3)).unwrap();
    assert_eq!(node3.cap_id, Some(oid(33)));
    assert_eq!(node3.details.name, "renamed");
    assert_eq!(node3.details.network_address, details(3).network_address);
    assert_eq!(node3.commission_rate, 500);
    assert_eq!(node3.pending_commission, Some((700, 5)));
    assert_eq!(node3.votes, Some((11, 12, 13)));
    assert_eq!(node3.registered_epoch, Some(1));
    let node2 = s.nodes.iter().find(|n| n.node_id == oid(2)).unwrap();
    assert_eq!(node2.withdraw_epoch, Some(4));

    let pool1 = s.pools.iter().find(|p| p.node_id == oid(1)).unwrap();
    assert_eq!(pool1.deposited, 150);
    assert_eq!(pool1.withdrawn, 100);
    assert_eq!(pool1.staked(), 50);
    assert_eq!(pool1.n_deposits, 2);
    assert_eq!(pool1.rewards, 10);
    assert_eq!(pool1.commission, 1);
    assert_eq!(pool1.commission_collected, 1);
    assert_eq!(pool1.rewards_withdrawn, 5);
    assert!(s.pools.iter().any(|p| p.node_id == oid(3)));

    assert_eq!(s.stakes.len(), 2);
    let withdrawn = &s.stakes[0];
    assert_eq!(withdrawn.staked_wal_id, oid(21));
    assert_eq!(withdrawn.state, StakeState::Withdrawn);
    assert_eq!(withdrawn.withdraw_epoch, Some(3));
    assert_eq!(withdrawn.rewards, Some(5));
    assert_eq!(s.stakes[1].state, StakeState::Staked);
    assert_eq!(s.stakes[1].amount, 50);
    assert_eq!(s.rewards.len(), 2);
    assert_eq!(s.rewards[0].reward, 10);
    assert!(store.stakes_by_owner(ALICE).await.unwrap().is_empty());

    // Challenge verdicts in (node, epoch) order, with the filters.
    let verdict = |epoch, n, passed, checkpoint| ChallengeVerdict {
        epoch,
        node_id: oid(n),
        passed,
        checkpoint,
    };
    assert_eq!(
        s.verdicts,
        vec![
            verdict(1, 1, true, 6),
            verdict(1, 2, false, 6),
            verdict(2, 2, false, 8)
        ]
    );
    assert_eq!(
        store.challenge_verdicts(Some(oid(2)), None).await.unwrap(),
        vec![verdict(1, 2, false, 6), verdict(2, 2, false, 8)]
    );
    assert_eq!(
        store.challenge_verdicts(None, Some(1)).await.unwrap(),
        vec![verdict(1, 1, true, 6), verdict(1, 2, false, 6)]
    );
    assert_eq!(
        store
            .challenge_verdicts(Some(oid(2)), Some(2))
            .await
            .unwrap(),
        vec![verdict(2, 2, false, 8)]
    );
    assert!(
        store
            .challenge_verdicts(Some(oid(3)), None)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .challenge_verdicts(None, Some(9))
            .await
            .unwrap()
            .is_empty()
    );
    let slash = SlashInfo {
        epoch: 1,
        node_id: oid(2),
        amount: 30,
        checkpoint: 7,
    };
    assert_eq!(s.slashes, vec![slash.clone()]);
    assert_eq!(store.slashes(Some(oid(2))).await.unwrap(), vec![slash]);
    assert!(store.slashes(Some(oid(1))).await.unwrap().is_empty());
}

async fn replay_is_a_no_op_and_gaps_are_errors(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let store = fresh_store(backend, dir.path()).await;
    // One checkpoint per transaction, then the whole chain again, then overlapping batches.
    for c in &chain {
        apply_checkpoints(&store, std::slice::from_ref(c))
            .await
            .unwrap();
    }
    let once = snapshot(&store).await;
    let again = apply_checkpoints(&store, &chain).await.unwrap();
    assert_eq!(again.first_new, chain.len());
    assert_eq!(again.events, 0);
    assert_eq!(snapshot(&store).await, once);

    // The same state as one batch on another store.
    let other = fresh_store(backend, dir.path()).await;
    apply_checkpoints(&other, &chain[..4]).await.unwrap();
    // Overlap: checkpoints 2..9, of which 4..9 are new.
    let applied = apply_checkpoints(&other, &chain[2..]).await.unwrap();
    assert_eq!(applied.first_new, 2);
    assert_eq!(snapshot(&other).await, once);

    // A gap is refused and changes nothing.
    let gapped = fresh_store(backend, dir.path()).await;
    apply_checkpoints(&gapped, &chain[..2]).await.unwrap();
    let before = snapshot(&gapped).await;
    let error = apply_checkpoints(&gapped, &chain[3..]).await.unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Gap {
                expected: 2,
                got: 3
            }
        ),
        "{error:?}"
    );
    assert_eq!(snapshot(&gapped).await, before);
}

async fn a_failure_mid_batch_leaves_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let reference = fresh_store(backend, dir.path()).await;
    apply_checkpoints(&reference, &chain).await.unwrap();
    let reference = snapshot(&reference).await;
    let total = n_events(&chain);
    let after_two = n_events(&chain[..2]);
    for fail_after in [0, 1, 4, total - after_two - 1] {
        let store = fresh_store(backend, dir.path()).await;
        apply_checkpoints(&store, &chain[..2]).await.unwrap();
        let before = snapshot(&store).await;
        let error = apply_checkpoints_with(
            &store,
            &chain[2..],
            ApplyOptions {
                fail_after_events: Some(fail_after),
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(error, StoreError::Injected(n) if n == fail_after));
        assert_eq!(
            snapshot(&store).await,
            before,
            "failure after {fail_after} events"
        );
        // Restart: the whole batch again.
        apply_checkpoints(&store, &chain).await.unwrap();
        assert_eq!(
            snapshot(&store).await,
            reference,
            "failure after {fail_after} events"
        );
    }
}

async fn subscribers_see_committed_changes_in_order(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let chain = chain();
    let store = fresh_store(backend, dir.path()).await;
    let indexer = Indexer::new(store, IndexerConfig::default());
    let mut changes = indexer.subscribe();
    indexer.ingest(&chain[..5]).await.unwrap();
    indexer.ingest(&chain[3..]).await.unwrap();
    indexer.ingest(&chain).await.unwrap();
    // Every checkpoint with events exactly once, in order (checkpoint 3 is empty).
    let mut seen = Vec::new();
    while let Ok(c) = changes.try_recv() {
        seen.push(c.sequence_number);
        assert_eq!(*c, chain[usize::try_from(c.sequence_number).unwrap()]);
    }
    assert_eq!(seen, vec![0, 1, 2, 4, 5, 6, 7, 8]);
}

/// `GET path` against a router over `store`, served on loopback: the status and the JSON body.
async fn api_get(store: &AnyStore, path: &str) -> (u16, serde_json::Value) {
    let router = walrus_indexer::api::router(walrus_indexer::api::ApiState {
        store: store.clone(),
        progress: std::sync::Arc::default(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let response = reqwest::get(format!("http://{address}{path}"))
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap();
    server.abort();
    (status, body)
}

async fn api_serves_challenges_and_slashes(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path()).await;
    apply_checkpoints(&store, &chain()).await.unwrap();
    let node2 = oid(2).to_string();

    let (status, body) = api_get(&store, "/v1/challenges").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdicts"].as_array().unwrap().len(), 3);
    let (status, body) = api_get(&store, &format!("/v1/challenges?node={node2}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["node"], node2.as_str());
    let verdicts = body["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 2);
    assert_eq!(verdicts[0]["node_id"], node2.as_str());
    assert_eq!(verdicts[0]["epoch"], 1);
    assert_eq!(verdicts[0]["passed"], false);
    // A short node ID is canonicalised; both filters together.
    let (status, body) = api_get(&store, "/v1/challenges?node=0x0202&epoch=2").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["verdicts"].as_array().unwrap().is_empty());
    let (status, body) = api_get(&store, &format!("/v1/challenges?node={node2}&epoch=2")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verdicts"].as_array().unwrap().len(), 1);
    let (status, body) = api_get(&store, "/v1/challenges?epoch=1").await;
    assert_eq!(body["verdicts"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(status, 200);
    for bad in [
        "/v1/challenges?node=zz",
        "/v1/challenges?epoch=-1",
        "/v1/slashes?node=7",
    ] {
        let (status, body) = api_get(&store, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"]["code"], "BAD_REQUEST");
    }

    let (status, body) = api_get(&store, "/v1/slashes").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 30);
    assert_eq!(body["slashes"][0]["node_id"], node2.as_str());
    assert_eq!(body["slashes"][0]["amount"], 30);
    assert_eq!(body["slashes"][0]["epoch"], 1);
    let (status, body) = api_get(&store, &format!("/v1/slashes?node={}", oid(1))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 0);
    assert!(body["slashes"].as_array().unwrap().is_empty());
}

macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Embedded).await })*
        }
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })*
        }
    };
}

backend_tests!(
    derives_the_state,
    replay_is_a_no_op_and_gaps_are_errors,
    a_failure_mid_batch_leaves_nothing,
    subscribers_see_committed_changes_in_order,
    api_serves_challenges_and_slashes,
);

#[tokio::test]
async fn sql_migrations_are_versioned_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/m.db", dir.path().display());
    let store = walrus_indexer::SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.migrations().await.unwrap(), vec![1, 2]);
    apply_checkpoints(&store, &chain()[..2]).await.unwrap();
    drop(store);
    // Reopening applies nothing new and keeps the data.
    let store = walrus_indexer::SqlStore::connect(&url).await.unwrap();
    assert_eq!(store.migrations().await.unwrap(), vec![1, 2]);
    assert_eq!(store.meta().await.unwrap().next_checkpoint, 2);
    let postgres = walrus_indexer::SqlStore::connect(&common::fresh_postgres_url().await)
        .await
        .unwrap();
    assert_eq!(postgres.migrations().await.unwrap(), vec![1, 2]);
}

#[tokio::test]
async fn unsupported_urls_are_typed_errors() {
    let error = walrus_indexer::store::open_url("mysql://localhost/db")
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::UnsupportedUrl(_)), "{error:?}");
}
