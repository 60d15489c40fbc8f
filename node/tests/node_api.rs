//! The storage node against an embedded devnet on 127.0.0.1: every API route with its right
//! and wrong inputs, the full store flow (register, upload, confirm, certify, read back),
//! recovery by a node that missed the upload, and restart durability.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use std::time::Duration;

use common::*;
use walrus_core::{
    BlobId, SliverIndex, SliverPairIndex,
    encoding::{
        Axis, ConsistencyCheck, InconsistencyProof, Primary, RecoverySymbol, SliverData, decode,
    },
    messages::{SliverAxis, SyncShardMsg, SyncShardRequest},
};
use walrus_node_api::{BlobStatus, NodeApiError, StoreOutcome, StoredOnNodeStatus, reason, routes};

const N_SHARDS: u16 = 10;

fn reason_of(result: Result<impl std::fmt::Debug, NodeApiError>) -> (u16, String) {
    let error = result.expect_err("expected an error");
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("not an API error: {error}"));
    (api.code, api.reason.clone().unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_flow_conformance_and_recovery() {
    let mut network = Network::start(4, N_SHARDS).await;
    let user = funded_client(&network.devnet, 31).await;
    let http = reqwest::Client::new();

    // ===== Unknown blob
    let unknown = BlobId([9; 32]);
    let client = network.client(0);
    let (code, why) = reason_of(client.get_metadata(&unknown).await);
    assert_eq!((code, why.as_str()), (404, reason::METADATA_NOT_FOUND));
    assert!(
        client
            .get_metadata(&unknown)
            .await
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(
        client.blob_status(&unknown).await.unwrap(),
        BlobStatus::Nonexistent
    );
    assert_eq!(
        client.metadata_status(&unknown).await.unwrap(),
        StoredOnNodeStatus::Nonexistent
    );
    let (code, why) = reason_of(
        client
            .get_sliver_primary(&unknown, SliverPairIndex(0))
            .await,
    );
    assert_eq!((code, why.as_str()), (404, reason::SLIVER_NOT_FOUND));
    let (code, why) = reason_of(client.get_permanent_confirmation(&unknown).await);
    assert_eq!((code, why.as_str()), (400, reason::NOT_REGISTERED));

    // ===== Unregistered blob: PUTs are refused, or buffered with pending=true.
    let data = blob_bytes(30_000, 1);
    let encoded = encode(N_SHARDS, &data);
    let blob_id = *encoded.blob_id();
    let (code, why) = reason_of(
        client
            .put_metadata(&blob_id, encoded.metadata.metadata())
            .await,
    );
    assert_eq!((code, why.as_str()), (400, reason::NOT_REGISTERED));
    assert_eq!(
        client
            .put_metadata_with(&blob_id, encoded.metadata.metadata(), true)
            .await
            .unwrap(),
        StoreOutcome::Buffered
    );
    assert_eq!(
        client.metadata_status(&blob_id).await.unwrap(),
        StoredOnNodeStatus::Buffered
    );

    // ===== Register; the buffered metadata is stored when the event arrives.
    let blob = register(&user, &encoded, false, 3).await;
    for i in 0..4 {
        wait_registered(&network, i, &blob_id).await;
    }
    wait_for("buffered metadata to be stored", 10, || async {
        client.metadata_status(&blob_id).await.unwrap() == StoredOnNodeStatus::Stored
    })
    .await;
    assert!(matches!(
        client.blob_status(&blob_id).await.unwrap(),
        BlobStatus::Permanent {
            is_certified: false,
            ..
        }
    ));

    // ===== Metadata: already stored, malformed, unsupported encoding, invalid.
    assert_eq!(
        client
            .put_metadata(&blob_id, encoded.metadata.metadata())
            .await
            .unwrap(),
        StoreOutcome::AlreadyStored
    );
    let metadata_url = format!("{}{}", client.base_url(), &routes::metadata(&blob_id)[1..]);
    let put_raw = |url: String, body: Vec<u8>| {
        let http = http.clone();
        async move {
            let response = http
                .put(url)
                .header("content-type", "application/octet-stream")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap();
            let reason = walrus_node_api::ApiError::from_json(&body)
                .ok()
                .and_then(|e| e.reason)
                .unwrap_or_default();
            (status, reason)
        }
    };
    assert_eq!(
        put_raw(metadata_url.clone(), vec![0, 1, 2]).await,
        (400, reason::INVALID_CONTENT_TYPE.to_owned())
    );
    let mut unsupported = bcs::to_bytes(encoded.metadata.metadata()).unwrap();
    unsupported[1] = 7;
    assert_eq!(
        put_raw(metadata_url.clone(), unsupported).await,
        (400, reason::UNSUPPORTED_ENCODING_TYPE.to_owned())
    );
    let other = encode(N_SHARDS, &blob_bytes(100, 2));
    let other_metadata = bcs::to_bytes(other.metadata.metadata()).unwrap();
    assert_eq!(
        put_raw(metadata_url.clone(), other_metadata).await,
        (400, reason::INVALID_METADATA.to_owned())
    );
    assert_eq!(
        put_raw(
            metadata_url.clone(),
            vec![0; 64 + 66 * usize::from(N_SHARDS) + 1]
        )
        .await,
        (413, reason::BODY_TOO_LARGE.to_owned())
    );
    let wrong_type = http
        .put(metadata_url.clone())
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status().as_u16(), 400);
    let fetched = client.get_metadata(&blob_id).await.unwrap();
    assert_eq!(&fetched, encoded.metadata.as_unverified());

    // ===== Slivers: wrong shard, mismatch, bad sliver, malformed, oversize, out of range.
    let own_pairs = pairs_on(&encoded, N_SHARDS, &network.shards_of(0));
    let foreign_pair = (0..N_SHARDS)
        .map(SliverPairIndex)
        .find(|p| !own_pairs.contains(p))
        .unwrap();
    let pair = own_pairs[0];
    let sliver_pair = &encoded.sliver_pairs[pair.as_usize()];
    let (code, why) = reason_of(
        client
            .put_sliver_primary(
                &blob_id,
                foreign_pair,
                &encoded.sliver_pairs[foreign_pair.as_usize()].primary,
            )
            .await,
    );
    assert_eq!((code, why.as_str()), (400, reason::SHARD_NOT_ASSIGNED));
    let (code, why) = reason_of(client.get_sliver_primary(&blob_id, foreign_pair).await);
    assert_eq!((code, why.as_str()), (400, reason::SHARD_NOT_ASSIGNED));
    if own_pairs.len() > 1 {
        let (code, why) = reason_of(
            client
                .put_sliver_primary(&blob_id, own_pairs[1], &sliver_pair.primary)
                .await,
        );
        assert_eq!((code, why.as_str()), (400, reason::SLIVER_INDEX_MISMATCH));
    }
    let mut corrupt_data = sliver_pair.primary.data().to_vec();
    corrupt_data[0] ^= 0xff;
    let corrupt = SliverData::<Primary>::new(
        corrupt_data,
        sliver_pair.primary.symbol_size(),
        sliver_pair.primary.index(),
    );
    let (code, why) = reason_of(client.put_sliver_primary(&blob_id, pair, &corrupt).await);
    assert_eq!((code, why.as_str()), (400, reason::INVALID_SLIVER));
    let sliver_url = format!(
        "{}{}",
        client.base_url(),
        &routes::sliver(&blob_id, pair, Axis::Primary)[1..]
    );
    assert_eq!(
        put_raw(sliver_url.clone(), vec![1, 2, 3]).await,
        (400, reason::INVALID_CONTENT_TYPE.to_owned())
    );
    let limit = usize::try_from(
        walrus_core::encoding::EncodingConfig::new(N_SHARDS)
            .unwrap()
            .max_sliver_size(),
    )
    .unwrap()
        + 128;
    assert_eq!(
        put_raw(sliver_url.clone(), vec![0; limit + 1]).await,
        (413, reason::BODY_TOO_LARGE.to_owned())
    );
    let (code, why) = reason_of(
        client
            .get_sliver_primary(&blob_id, SliverPairIndex(N_SHARDS))
            .await,
    );
    assert_eq!((code, why.as_str()), (400, reason::INDEX_OUT_OF_RANGE));
    let bad_path = http
        .get(format!(
            "{}v1/blobs/not-a-blob-id/status",
            client.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad_path.status().as_u16(), 400);

    // ===== Confirmation before all slivers are stored.
    let (code, why) = reason_of(client.get_permanent_confirmation(&blob_id).await);
    assert_eq!((code, why.as_str()), (400, reason::MISSING_SLIVERS));

    // ===== Upload to a quorum only; the other node(s) must recover after certification.
    let quorum = quorum_nodes(&network);
    let missing: Vec<usize> = (0..4).filter(|i| !quorum.contains(i)).collect();
    assert!(!missing.is_empty());
    for &i in &quorum {
        upload(&network, i, &encoded).await;
    }
    assert_eq!(
        client
            .sliver_status(&blob_id, pair, Axis::Primary)
            .await
            .unwrap(),
        StoredOnNodeStatus::Stored
    );
    assert_eq!(
        client
            .put_sliver_primary(&blob_id, pair, &sliver_pair.primary)
            .await
            .unwrap(),
        StoreOutcome::AlreadyStored
    );
    certify(&network, &user, &blob, &quorum).await;
    wait_for("certified status", 20, || async {
        client.blob_status(&blob_id).await.unwrap().is_certified()
    })
    .await;

    for &i in &missing {
        let lagging = network.client(i);
        let pairs = pairs_on(&encoded, N_SHARDS, &network.shards_of(i));
        wait_for("recovery of the missed slivers", 60, || async {
            for pair in &pairs {
                for axis in [Axis::Primary, Axis::Secondary] {
                    if lagging.sliver_status(&blob_id, *pair, axis).await.unwrap()
                        != StoredOnNodeStatus::Stored
                    {
                        return false;
                    }
                }
            }
            true
        })
        .await;
        for pair in &pairs {
            assert_eq!(
                &lagging.get_sliver_primary(&blob_id, *pair).await.unwrap(),
                &encoded.sliver_pairs[pair.as_usize()].primary
            );
        }
        // And it now confirms.
        lagging.get_permanent_confirmation(&blob_id).await.unwrap();
    }

    // ===== Read back: n - 2f verified primary slivers from the nodes decode the blob.
    let mut slivers = Vec::new();
    for i in 0..4 {
        let node = network.client(i);
        for pair in pairs_on(&encoded, N_SHARDS, &network.shards_of(i)) {
            let sliver = node.get_sliver_primary(&blob_id, pair).await.unwrap();
            sliver.verify(&encoded.metadata).unwrap();
            slivers.push(sliver);
        }
    }
    let decoded = decode(&encoded.metadata, slivers, ConsistencyCheck::Default).unwrap();
    assert_eq!(decoded, data);

    // ===== Recovery symbols.
    let symbols = client
        .recovery_symbols(&blob_id, SliverIndex(0), Axis::Secondary)
        .await
        .unwrap();
    assert_eq!(symbols.len(), network.shards_of(0).len());
    for symbol in &symbols {
        symbol
            .verify(&encoded.metadata, SliverIndex(0), Axis::Secondary)
            .unwrap();
    }
    let symbols_url = format!(
        "{}{}",
        client.base_url(),
        &routes::recovery_symbols(&blob_id)[1..]
    );
    let response = http
        .get(format!(
            "{symbols_url}?id={}-0&proofAxis=primary",
            pair.get()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let by_id: Vec<walrus_core::encoding::GeneralRecoverySymbol> =
        bcs::from_bytes(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(by_id.len(), 1);
    let response = http.get(symbols_url.clone()).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let response = http
        .get(format!("{symbols_url}?targetSliver=99&targetType=primary"))
        .send()
        .await
        .unwrap();
    let body = walrus_node_api::ApiError::from_json(&response.bytes().await.unwrap()).unwrap();
    assert!(body.has_reason(reason::RECOVERY_SYMBOL_OUT_OF_RANGE));

    // ===== Inconsistency proof for a consistent blob is rejected; malformed BCS too.
    let target = SliverIndex(1);
    let primary_symbols: Vec<RecoverySymbol<Primary>> = {
        let mut out = Vec::new();
        for i in 0..4 {
            let list = network
                .client(i)
                .recovery_symbols(&blob_id, target, Axis::Primary)
                .await
                .unwrap();
            out.extend(list.into_iter().filter_map(|s| s.into_primary()));
        }
        out
    };
    let need = usize::from(
        encoded
            .metadata
            .config()
            .n_symbols_for_recovery(Axis::Primary),
    );
    let proof = InconsistencyProof::<Primary> {
        target_sliver_index: target,
        recovery_symbols: primary_symbols.into_iter().take(need).collect(),
    };
    let (code, why) = reason_of(client.submit_inconsistency_proof(&blob_id, &proof).await);
    assert_eq!((code, why.as_str()), (400, reason::INVALID_PROOF));
    let proof_url = format!(
        "{}{}",
        client.base_url(),
        &routes::inconsistency_proof(&blob_id, Axis::Primary)[1..]
    );
    let response = http
        .post(proof_url)
        .body(vec![1u8, 2])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);

    // ===== Health and metrics.
    let health = client.health_detailed().await.unwrap();
    assert_eq!(health.epoch, network.genesis.epoch);
    assert_eq!(health.shard_summary.owned, network.shards_of(0).len());
    assert_eq!(
        health.public_key,
        network.genesis.nodes[0]
            .bls_key_pair()
            .unwrap()
            .public_key()
            .clone()
    );
    assert!(health.shard_detail.is_some());

    // ===== Sync shard: only the shard's owner may ask; epoch must match.
    let key_0 = network.genesis.nodes[0].bls_key_pair().unwrap();
    let key_1 = network.genesis.nodes[1].bls_key_pair().unwrap();
    let shard_0 = network.shards_of(0)[0];
    let request = |shard, epoch| {
        SyncShardMsg::new(
            epoch,
            SyncShardRequest::V1 {
                shard_index: shard,
                sliver_type: SliverAxis::Primary,
                starting_blob_id: BlobId([0; 32]),
                sliver_count: 10,
                epoch,
            },
        )
    };
    let epoch = network.genesis.epoch;
    let node_1 = network.client(1);
    let response = node_1
        .sync_shard(&request(shard_0, epoch).sign(&key_0), key_0.public_key())
        .await;
    // Node 1 does not store shard 0's slivers; node 0 owns it, so the request is authorized.
    let (code, why) = reason_of(response);
    assert_eq!((code, why.as_str()), (400, reason::SHARD_NOT_ASSIGNED));
    let (code, why) = reason_of(
        client
            .sync_shard(&request(shard_0, epoch).sign(&key_1), key_1.public_key())
            .await,
    );
    assert_eq!((code, why.as_str()), (403, reason::REQUEST_UNAUTHORIZED));
    let (code, why) = reason_of(
        client
            .sync_shard(
                &request(shard_0, epoch + 1).sign(&key_0),
                key_0.public_key(),
            )
            .await,
    );
    assert_eq!((code, why.as_str()), (400, reason::INVALID_EPOCH));
    let (code, why) = reason_of(
        client
            .sync_shard(&request(shard_0, epoch).sign(&key_1), key_0.public_key())
            .await,
    );
    assert_eq!(
        (code, why.as_str()),
        (400, reason::MESSAGE_VERIFICATION_FAILED)
    );
    let synced = client
        .sync_shard(&request(shard_0, epoch).sign(&key_0), key_0.public_key())
        .await
        .unwrap()
        .into_slivers();
    let expected_pair = shard_0.to_pair_index(N_SHARDS, &blob_id);
    assert_eq!(synced.len(), 1);
    assert_eq!(synced[0].0, blob_id);
    assert_eq!(
        synced[0].1,
        walrus_core::encoding::Sliver::Primary(
            encoded.sliver_pairs[expected_pair.as_usize()]
                .primary
                .clone()
        )
    );
    let unauthenticated = http
        .post(format!("{}v1/migrate/sync_shard", client.base_url()))
        .body(vec![0u8])
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status().as_u16(), 401);

    // ===== Restart keeps data and the event cursor.
    network.stop(0).await;
    network.restart(0).await;
    let client = network.client(0);
    assert_eq!(
        &client.get_sliver_primary(&blob_id, pair).await.unwrap(),
        &sliver_pair.primary
    );
    assert!(client.blob_status(&blob_id).await.unwrap().is_certified());
    client.get_permanent_confirmation(&blob_id).await.unwrap();

    let _ = tokio::time::timeout(Duration::from_secs(30), network.shutdown()).await;
}
