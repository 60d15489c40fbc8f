//! End to end over real processes (`walrus local`: devnet, 4 storage node processes, indexer,
//! daemon): store and read blobs of 0 B, 1 B, 1 MiB and 64 MiB through the CLI, encryption with
//! key files, blob management (extend, transfer, delete, attributes, list-blobs, blob-status)
//! and the daemon's HTTP API. One network for all of it: each start costs seconds.
//!
//! The harness is `walrus-e2e` (`tests/` at the workspace root); these tests live here because
//! only this package's tests get `CARGO_BIN_EXE_walrus`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::path::Path;

use serde_json::Value;
use walrus_e2e::{LocalNetwork, NetworkConfig, pattern, sha256, sha256_file, write_pattern_file};

const MIB: u64 = 1 << 20;

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn start() -> LocalNetwork {
    // 64 MiB needs more than 20 shards (the largest blob for 20 shards is ~7 MB): 100 shards
    // allow ~149 MB. One-hour epochs: no epoch change in the middle of the test.
    let config = NetworkConfig {
        nodes: 4,
        shards: 100,
        epoch_secs: 3600,
    };
    LocalNetwork::start(env!("CARGO_BIN_EXE_walrus"), &config).expect("walrus local starts")
}

/// Wraps a check so that a failure shows the ends of the logs.
fn with_logs<T>(network: &LocalNetwork, result: walrus_e2e::Result<T>) -> T {
    result.unwrap_or_else(|error| {
        panic!(
            "{error}\n--- walrus local stderr:\n{}\n--- daemon log:\n{}\n--- node-0 log:\n{}",
            network.stderr_tail(20),
            network.log_tail("daemon", 20),
            network.log_tail("node-0", 20),
        )
    })
}

fn object_id_of(stored: &Value) -> String {
    stored["newlyCreated"]["blobObject"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no blob object in {stored}"))
        .to_owned()
}

#[test]
fn blobs_over_real_processes() {
    let network = start();
    let info = with_logs(&network, network.json(&["info"]));
    assert_eq!(info["nShards"], 100, "{info}");
    assert_eq!(info["members"].as_array().unwrap().len(), 4, "{info}");

    let small = store_and_read_sizes(&network);
    encrypted_round_trip(&network);
    manage_blobs(&network);
    daemon_http_api(&network, &small);
    network
        .stop()
        .expect("walrus local stops all its components");
}

/// 0 B, 1 B and 1 MiB in one `walrus store`, 64 MiB alone; every read is byte-identical.
/// Returns the blob ID and contents of the 1 MiB blob.
fn store_and_read_sizes(network: &LocalNetwork) -> (String, Vec<u8>) {
    let dir = network.scratch();
    let sizes = [0_usize, 1, usize::try_from(MIB).unwrap()];
    let files: Vec<_> = sizes
        .iter()
        .map(|size| {
            let path = dir.join(format!("blob-{size}.bin"));
            std::fs::write(&path, pattern(*size, *size as u64)).unwrap();
            path
        })
        .collect();
    let mut args = vec!["store", "--epochs", "2"];
    args.extend(files.iter().map(|p| path_str(p)));
    let stored = with_logs(network, network.json(&args));
    let stored = stored.as_array().expect("one result per file").clone();
    assert_eq!(stored.len(), 3);
    let mut ids = Vec::new();
    for ((size, file), result) in sizes.iter().zip(&files).zip(&stored) {
        assert_eq!(result["path"], path_str(file), "{result}");
        assert_eq!(
            result["newlyCreated"]["blobObject"]["size"], *size,
            "{result}"
        );
        let blob_id = result["blobId"].as_str().unwrap().to_owned();
        let out = dir.join(format!("read-{size}.bin"));
        let read = with_logs(
            network,
            network.json(&["read", &blob_id, "--out", path_str(&out)]),
        );
        assert_eq!(read["size"], *size, "{read}");
        assert_eq!(
            sha256_file(&out).unwrap(),
            sha256_file(file).unwrap(),
            "{size} B blob {blob_id} differs"
        );
        ids.push(blob_id);
    }
    // The empty and the 1-byte blob are different blobs.
    assert_ne!(ids[0], ids[1]);

    let big = dir.join("blob-64mib.bin");
    let hash = write_pattern_file(&big, 64 * MIB, 64).unwrap();
    // Timings are printed for the record, never asserted.
    let started = std::time::Instant::now();
    let stored = with_logs(network, network.json(&["store", path_str(&big)]));
    let store_time = started.elapsed();
    assert_eq!(stored["newlyCreated"]["blobObject"]["size"], 64 * MIB);
    let blob_id = stored["blobId"].as_str().unwrap();
    let out = dir.join("read-64mib.bin");
    let started = std::time::Instant::now();
    with_logs(
        network,
        network.json(&["read", blob_id, "--out", path_str(&out)]),
    );
    eprintln!(
        "64 MiB: store {:.1} s, read {:.1} s (walrus CLI, 4 nodes, 100 shards)",
        store_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        sha256_file(&out).unwrap() == hash,
        "the 64 MiB blob {blob_id} read back differs from the file stored"
    );
    std::fs::remove_file(&out).unwrap();
    std::fs::remove_file(&big).unwrap();

    (ids[2].clone(), pattern(sizes[2], sizes[2] as u64))
}

/// Store with a key file, read with it (identical), without it (sealed bytes) and with another
/// key (one clear error line, nothing on stdout).
fn encrypted_round_trip(network: &LocalNetwork) {
    let dir = network.scratch();
    let key = dir.join("key");
    let other = dir.join("other-key");
    with_logs(
        network,
        network.json(&["generate-key", "--out", path_str(&key)]),
    );
    with_logs(
        network,
        network.json(&["generate-key", "--out", path_str(&other)]),
    );
    let secret = pattern(30_000, 99);
    let file = dir.join("secret.bin");
    std::fs::write(&file, &secret).unwrap();
    let stored = with_logs(
        network,
        network.json(&["store", path_str(&file), "--key-file", path_str(&key)]),
    );
    assert_eq!(stored["encrypted"], true, "{stored}");
    let blob_id = stored["blobId"].as_str().unwrap();

    let plain = with_logs(
        network,
        network
            .walrus(&["read", blob_id, "--key-file", path_str(&key)])
            .and_then(walrus_e2e::CliOutput::success),
    );
    assert_eq!(
        sha256(&plain.stdout),
        sha256(&secret),
        "decrypted blob differs"
    );
    let sealed = with_logs(
        network,
        network
            .walrus(&["read", blob_id])
            .and_then(walrus_e2e::CliOutput::success),
    );
    assert!(
        sealed.stdout.len() > secret.len(),
        "ciphertext carries a header and tag"
    );
    assert!(!sealed.stdout.windows(64).any(|w| w == &secret[..64]));

    let wrong = network
        .walrus(&["read", blob_id, "--key-file", path_str(&other)])
        .unwrap();
    let line = wrong.error_line().unwrap();
    assert!(line.contains("wrong key"), "{line}");
    assert!(wrong.stdout.is_empty(), "no garbage on stdout");
}

/// extend, transfer, delete, set-attribute/get-attributes/remove-attribute, list-blobs and
/// blob-status on real blob objects.
fn manage_blobs(network: &LocalNetwork) {
    let dir = network.scratch();
    let file = dir.join("managed.bin");
    std::fs::write(&file, pattern(5_000, 5)).unwrap();
    let stored = with_logs(
        network,
        network.json(&["store", path_str(&file), "--epochs", "2"]),
    );
    let blob_id = stored["blobId"].as_str().unwrap().to_owned();
    let object_id = object_id_of(&stored);
    let end_epoch = stored["newlyCreated"]["blobObject"]["storage"]["endEpoch"]
        .as_u64()
        .unwrap();

    // blob-status: certified and permanent, one owned object.
    let status = with_logs(network, network.json(&["blob-status", &blob_id]));
    assert_eq!(status["blobId"], blob_id.as_str(), "{status}");
    let owned = status["ownedObjects"].as_array().unwrap();
    assert_eq!(owned.len(), 1, "{status}");
    assert_eq!(owned[0]["id"], object_id.as_str(), "{status}");
    assert!(
        status["status"]
            .to_string()
            .to_lowercase()
            .contains("permanent"),
        "{status}"
    );

    // Extend by 3 epochs.
    let extended = with_logs(
        network,
        network.json(&["extend", "--blob-obj-id", &object_id, "--epochs", "3"]),
    );
    assert_eq!(extended["storage"]["endEpoch"], end_epoch + 3, "{extended}");

    // Attributes: set two, overwrite one, remove one.
    with_logs(
        network,
        network.json(&["set-attribute", "--blob-obj-id", &object_id, "kind", "test"]),
    );
    with_logs(
        network,
        network.json(&["set-attribute", "--blob-obj-id", &object_id, "owner", "e2e"]),
    );
    let attributes = with_logs(
        network,
        network.json(&[
            "set-attribute",
            "--blob-obj-id",
            &object_id,
            "kind",
            "e2e-test",
        ]),
    );
    assert_eq!(attributes["attributes"]["owner"], "e2e", "{attributes}");
    let attributes = with_logs(
        network,
        network.json(&["get-attributes", "--blob-obj-id", &object_id]),
    );
    assert_eq!(attributes["blobObjectId"], object_id.as_str());
    assert_eq!(attributes["attributes"]["kind"], "e2e-test", "{attributes}");
    assert_eq!(attributes["attributes"]["owner"], "e2e", "{attributes}");
    let attributes = with_logs(
        network,
        network.json(&["remove-attribute", "--blob-obj-id", &object_id, "owner"]),
    );
    assert!(attributes["attributes"]["owner"].is_null(), "{attributes}");

    // A deletable blob: listed, then deleted (its storage comes back and is listed).
    let deletable_file = dir.join("deletable.bin");
    std::fs::write(&deletable_file, pattern(7_000, 7)).unwrap();
    let deletable = with_logs(
        network,
        network.json(&["store", path_str(&deletable_file), "--deletable"]),
    );
    let deletable_id = object_id_of(&deletable);
    assert_eq!(deletable["newlyCreated"]["blobObject"]["deletable"], true);
    let listed = with_logs(network, network.json(&["list-blobs"]));
    let listed_ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|b| b["id"].as_str())
        .collect();
    assert!(listed_ids.contains(&object_id.as_str()), "{listed}");
    assert!(listed_ids.contains(&deletable_id.as_str()), "{listed}");

    // Deleting the permanent one is refused with one clear line.
    let refused = network
        .walrus(&["delete", "--blob-obj-id", &object_id])
        .unwrap();
    let line = refused.error_line().unwrap();
    assert!(line.to_lowercase().contains("permanent"), "{line}");

    let deleted = with_logs(
        network,
        network.json(&["delete", "--blob-obj-id", &deletable_id]),
    );
    assert_eq!(deleted["deletedBlobObject"], deletable_id.as_str());
    let storage_id = deleted["storage"]["id"].as_str().unwrap().to_owned();
    let listed = with_logs(network, network.json(&["list-blobs", "--storage"]));
    assert!(
        !listed["blobs"].to_string().contains(&deletable_id),
        "{listed}"
    );
    assert!(
        listed["storage"].to_string().contains(&storage_id),
        "{listed}"
    );

    // Transfer the permanent blob away: it leaves the wallet's list.
    let recipient = format!("0x{}", "ab".repeat(32));
    let transferred = with_logs(
        network,
        network.json(&["transfer", "--object-id", &object_id, "--to", &recipient]),
    );
    assert_eq!(
        transferred["recipient"],
        recipient.as_str(),
        "{transferred}"
    );
    let listed = with_logs(network, network.json(&["list-blobs"]));
    assert!(!listed.to_string().contains(&object_id), "{listed}");
    // The blob itself is still stored and readable.
    let read = with_logs(
        network,
        network
            .walrus(&["read", &blob_id])
            .and_then(|o| o.success()),
    );
    assert_eq!(read.stdout, pattern(5_000, 5));
}

/// PUT /v1/blobs?epochs=2, GET by blob ID and object ID, Range requests, and a read of a blob
/// the CLI stored.
fn daemon_http_api(network: &LocalNetwork, cli_blob: &(String, Vec<u8>)) {
    let base = network.daemon_url().trim_end_matches('/').to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let data = pattern(300_000, 300);
        let response = http
            .put(format!("{base}/v1/blobs?epochs=2"))
            .body(data.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, 200, "{body}\n{}", network.log_tail("daemon", 20));
        let stored: Value = serde_json::from_str(&body).unwrap();
        let blob = &stored["newlyCreated"]["blobObject"];
        let blob_id = blob["blobId"].as_str().unwrap();
        let object_id = blob["id"].as_str().unwrap();
        assert_eq!(blob["size"], 300_000);
        let end = blob["storage"]["endEpoch"].as_u64().unwrap();
        let start = blob["storage"]["startEpoch"].as_u64().unwrap();
        assert_eq!(end - start, 2, "{stored}");

        let get = |url: String, range: Option<&'static str>| {
            let mut request = http.get(url);
            if let Some(range) = range {
                request = request.header("Range", range);
            }
            request.send()
        };
        let response = get(format!("{base}/v1/blobs/{blob_id}"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sha256(&response.bytes().await.unwrap()), sha256(&data));

        let response = get(format!("{base}/v1/blobs/by-object-id/{object_id}"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sha256(&response.bytes().await.unwrap()), sha256(&data));

        let response = get(
            format!("{base}/v1/blobs/{blob_id}"),
            Some("bytes=1000-1999"),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 206);
        assert_eq!(
            response.headers()["content-range"].to_str().unwrap(),
            "bytes 1000-1999/300000"
        );
        assert_eq!(response.bytes().await.unwrap(), &data[1000..2000]);
        let response = get(format!("{base}/v1/blobs/{blob_id}"), Some("bytes=-10"))
            .await
            .unwrap();
        assert_eq!(response.status(), 206);
        assert_eq!(response.bytes().await.unwrap(), &data[data.len() - 10..]);
        let response = get(format!("{base}/v1/blobs/{blob_id}"), Some("bytes=400000-"))
            .await
            .unwrap();
        assert_eq!(response.status(), 416);

        // The daemon reads what the CLI stored, and the CLI reads what the daemon stored.
        let (cli_id, cli_data) = cli_blob;
        let response = get(format!("{base}/v1/blobs/{cli_id}"), None)
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(sha256(&response.bytes().await.unwrap()), sha256(cli_data));
        let read = network
            .walrus(&["read", blob_id])
            .and_then(walrus_e2e::CliOutput::success)
            .unwrap();
        assert_eq!(sha256(&read.stdout), sha256(&data));

        let response = get(
            format!("{base}/v1/blobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 404);
    });
}
