//! Store and read through the SDK against the devnet and stand-in storage nodes (see
//! `common`): round trips of several sizes, permanent and deletable blobs, reuse of certified
//! blobs and owned storage, encryption, byte ranges, and reads that survive `f` shards of
//! unavailable or lying nodes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

mod common;

use common::{Behaviour, content, start_network};
use walrus_sdk::encryption::{self, KeySource};
use walrus_sdk::{
    ByteRange, NoProgress, ReadOptions, ResourceOperation, SdkError, StoreOptions, StoreResult,
};

const HONEST: [Behaviour; 4] = [Behaviour::Honest; 4];

#[tokio::test]
async fn store_and_read_round_trip_for_several_sizes() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    for len in [0usize, 1, 1000, 300_000] {
        let data = content(len);
        let result = client
            .store_blob(data.clone(), &StoreOptions::permanent(2), &NoProgress)
            .await
            .unwrap_or_else(|e| panic!("store {len}: {e}"));
        let StoreResult::NewlyCreated {
            blob_object,
            resource_operation,
            cost,
        } = &result
        else {
            panic!("expected a new blob, got {result:?}");
        };
        assert!(blob_object.certified_epoch.is_some());
        assert_eq!(blob_object.size, len as u64);
        assert!(!blob_object.deletable);
        assert!(*cost > 0);
        assert!(matches!(
            resource_operation,
            ResourceOperation::RegisterFromScratch {
                epochs_ahead: 2,
                ..
            }
        ));
        let read = client.read_blob(&result.blob_id()).await.unwrap();
        assert_eq!(read, data, "length {len}");
    }
    // Every node got its slivers.
    for node in &network.nodes {
        assert!(node.n_slivers() > 0);
    }
}

#[tokio::test]
async fn already_certified_blobs_are_not_stored_again_unless_forced() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let data = content(5000);
    let first = client
        .store_blob(data.clone(), &StoreOptions::permanent(3), &NoProgress)
        .await
        .unwrap();
    let again = client
        .store_blob(data.clone(), &StoreOptions::permanent(2), &NoProgress)
        .await
        .unwrap();
    assert!(
        matches!(again, StoreResult::AlreadyCertified { object_id: Some(id), .. } if Some(id) == first.object_id()),
        "{again:?}"
    );
    // Longer than the existing certification: a new object.
    let longer = client
        .store_blob(data.clone(), &StoreOptions::permanent(5), &NoProgress)
        .await
        .unwrap();
    assert!(matches!(longer, StoreResult::NewlyCreated { .. }));
    let forced = client
        .store_blob(
            data,
            &StoreOptions {
                force: true,
                ..StoreOptions::permanent(2)
            },
            &NoProgress,
        )
        .await
        .unwrap();
    assert!(matches!(forced, StoreResult::NewlyCreated { .. }));
}

#[tokio::test]
async fn deletable_blob_reuses_returned_storage() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let data = content(2000);
    let stored = client
        .store_blob(data.clone(), &StoreOptions::deletable(2), &NoProgress)
        .await
        .unwrap();
    let object_id = stored.object_id().unwrap();
    let blob = client.blob_object(object_id).await.unwrap();
    assert!(blob.value.deletable);
    assert_eq!(client.read_blob(&stored.blob_id()).await.unwrap(), data);

    let storage = client.delete_blob(object_id).await.unwrap();
    assert!(client.blob_object(object_id).await.is_err());
    assert!(
        client
            .list_storage()
            .await
            .unwrap()
            .iter()
            .any(|s| s.id == storage.id)
    );
    // The same size again reuses the returned storage instead of buying.
    let again = client
        .store_blob(content(2001), &StoreOptions::deletable(1), &NoProgress)
        .await
        .unwrap();
    assert!(
        matches!(
            again,
            StoreResult::NewlyCreated {
                resource_operation: ResourceOperation::ReuseStorage { .. },
                ..
            }
        ),
        "{again:?}"
    );
}

#[tokio::test]
async fn encrypted_round_trip_and_wrong_key() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let plain = content(10_000);
    let key = KeySource::Key(encryption::generate_key());
    let sealed = encryption::encrypt(plain.clone(), &key).unwrap();
    let stored = client
        .store_blob(sealed, &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap();
    let read = client.read_blob(&stored.blob_id()).await.unwrap();
    assert!(encryption::is_encrypted(&read));
    assert_eq!(encryption::decrypt(read.clone(), &key).unwrap(), plain);
    let wrong = KeySource::Key(encryption::generate_key());
    assert!(matches!(
        encryption::decrypt(read, &wrong),
        Err(encryption::EncryptionError::WrongKeyOrTampered)
    ));
}

#[tokio::test]
async fn byte_ranges() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let data = content(100_000);
    let stored = client
        .store_blob(data.clone(), &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap();
    let blob_id = stored.blob_id();
    for (range, expected) in [
        (ByteRange::FromTo(0, 10), &data[0..10]),
        (ByteRange::FromTo(12_345, 67_890), &data[12_345..67_890]),
        (ByteRange::From(99_990), &data[99_990..]),
        (ByteRange::Suffix(7), &data[99_993..]),
        (ByteRange::FromTo(50_000, 1_000_000), &data[50_000..]),
    ] {
        let output = client
            .read_range(&blob_id, range, &NoProgress)
            .await
            .unwrap();
        assert_eq!(output.blob_length, 100_000);
        assert_eq!(output.data, expected, "{range:?}");
    }
    assert!(matches!(
        client
            .read_range(&blob_id, ByteRange::From(100_000), &NoProgress)
            .await,
        Err(SdkError::RangeNotSatisfiable { .. })
    ));
    // With the node holding the first row down, the range is decoded from other slivers.
    for node in &network.nodes {
        node.set_behaviour(Behaviour::Down);
        let output = client
            .read_range(&blob_id, ByteRange::FromTo(0, 100), &NoProgress)
            .await
            .unwrap();
        assert_eq!(output.data, &data[..100]);
        node.set_behaviour(Behaviour::Honest);
    }
}

#[tokio::test]
async fn reads_survive_f_unavailable_or_lying_nodes_and_report_liars() {
    let network = start_network(HONEST).await;
    let client = &network.client;
    let data = content(50_000);
    let stored = client
        .store_blob(data.clone(), &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap();
    let blob_id = stored.blob_id();
    let committee = client.committee().await.unwrap();
    let f = committee.max_faulty();
    // Every single node (at most 3 of 10 shards = f) may be down or lie.
    for (i, node) in network.nodes.iter().enumerate() {
        let weight = committee
            .members
            .iter()
            .find(|m| m.node_id == node.node_id)
            .unwrap()
            .weight;
        assert!(weight <= f, "node {i} holds {weight} > f shards");
        for behaviour in [
            Behaviour::Down,
            Behaviour::CorruptSlivers,
            Behaviour::CorruptMetadata,
        ] {
            node.set_behaviour(behaviour);
            // Several reads: the random node order must not matter.
            for _ in 0..3 {
                let output = client
                    .read_blob_with(&blob_id, &ReadOptions::default(), &NoProgress)
                    .await
                    .unwrap_or_else(|e| panic!("node {i} {behaviour:?}: {e}"));
                assert_eq!(output.data, data);
                assert!(
                    output
                        .faulty_nodes
                        .iter()
                        .all(|n| n.node_id == node.node_id),
                    "only the liar is reported: {:?}",
                    output.faulty_nodes
                );
                if behaviour == Behaviour::Down {
                    assert!(output.faulty_nodes.is_empty());
                }
            }
            node.set_behaviour(Behaviour::Honest);
        }
    }
    // A corrupting node is reported whenever its sliver is used.
    network.nodes[0].set_behaviour(Behaviour::CorruptSlivers);
    let mut reported = false;
    for _ in 0..10 {
        let output = client
            .read_blob_with(&blob_id, &ReadOptions::default(), &NoProgress)
            .await
            .unwrap();
        reported |= output
            .faulty_nodes
            .iter()
            .any(|n| n.node_id == network.nodes[0].node_id);
    }
    assert!(reported, "the corrupting node was never caught");
}

#[tokio::test]
async fn store_survives_one_node_down_and_fails_clearly_without_quorum() {
    let network = start_network([
        Behaviour::Down,
        Behaviour::Honest,
        Behaviour::Honest,
        Behaviour::Honest,
    ])
    .await;
    let client = &network.client;
    let data = content(20_000);
    let stored = client
        .store_blob(data.clone(), &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap();
    assert_eq!(client.read_blob(&stored.blob_id()).await.unwrap(), data);

    network.nodes[1].set_behaviour(Behaviour::Down);
    let error = client
        .store_blob(content(20_001), &StoreOptions::permanent(1), &NoProgress)
        .await
        .unwrap_err();
    assert!(
        matches!(error, SdkError::NotEnoughConfirmations { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("need 7"), "{error}");
}

#[tokio::test]
async fn unknown_blob_is_not_found() {
    let network = start_network(HONEST).await;
    let error = network
        .client
        .read_blob(&walrus_core::BlobId([7; 32]))
        .await
        .unwrap_err();
    assert!(matches!(error, SdkError::BlobNotFound(_)), "{error}");
}
