//! Runs the `walrus` binary against the devnet with stand-in storage nodes (the SDK's test
//! network): `--json` output of store/read/info/blob-status/list-blobs/extend/delete,
//! encryption with key files, one-line errors with exit status 1, and the daemon's HTTP API.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

#[path = "../../walrus-sdk/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Output;

use common::{Behaviour, Network, content, start_network};
use serde_json::Value;
use tokio::io::AsyncBufReadExt;

const HONEST: [Behaviour; 4] = [Behaviour::Honest; 4];

async fn walrus(network: &Network, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .arg("--config")
        .arg(&network.config_path)
        .args(args)
        .env_remove("WALRUS_CONFIG")
        .output()
        .await
        .expect("runs")
}

fn json_of(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert_eq!(stdout.trim().lines().count(), 1, "one JSON line: {stdout}");
    serde_json::from_str(stdout.trim()).unwrap()
}

fn assert_one_line_error(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(1), "exit status");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{stderr:?} should mention {needle:?}"
    );
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_read_and_manage_with_json_output() {
    let network = start_network(HONEST).await;
    let dir = network.dir.path();
    let info = json_of(&walrus(&network, &["info", "--json"]).await);
    assert_eq!(info["nShards"], 10);
    assert_eq!(info["members"].as_array().unwrap().len(), 4);

    let file = dir.join("hello.bin");
    std::fs::write(&file, content(12_345)).unwrap();
    let stored = json_of(
        &walrus(
            &network,
            &["store", path_str(&file), "--epochs", "2", "--json"],
        )
        .await,
    );
    let blob_id = stored["blobId"].as_str().unwrap().to_owned();
    let object_id = stored["newlyCreated"]["blobObject"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(stored["newlyCreated"]["blobObject"]["size"], 12_345);
    assert!(stored["newlyCreated"]["blobObject"]["certifiedEpoch"].is_number());

    // The blob ID agrees with `walrus blob-id` for the committee's shard count.
    let offline = json_of(
        &walrus(
            &network,
            &["blob-id", path_str(&file), "--n-shards", "10", "--json"],
        )
        .await,
    );
    assert_eq!(offline["blobId"], blob_id.as_str());

    let again = json_of(&walrus(&network, &["store", path_str(&file), "--json"]).await);
    assert!(again["alreadyCertified"].is_object(), "{again}");

    let out = dir.join("out.bin");
    let read = json_of(
        &walrus(
            &network,
            &["read", &blob_id, "--out", path_str(&out), "--json"],
        )
        .await,
    );
    assert_eq!(read["size"], 12_345);
    assert_eq!(std::fs::read(&out).unwrap(), content(12_345));
    // Raw bytes on stdout without --out.
    let raw = walrus(&network, &["read", &blob_id]).await;
    assert!(raw.status.success());
    assert_eq!(raw.stdout, content(12_345));
    let ranged = walrus(&network, &["read", &blob_id, "--range", "100-199"]).await;
    assert_eq!(ranged.stdout, &content(12_345)[100..200]);

    let status = json_of(&walrus(&network, &["blob-status", &blob_id, "--json"]).await);
    assert_eq!(status["blobId"], blob_id.as_str());
    assert_eq!(status["ownedObjects"].as_array().unwrap().len(), 1);

    let list = json_of(&walrus(&network, &["list-blobs", "--json"]).await);
    assert_eq!(list.as_array().unwrap().len(), 1);

    let extended = json_of(
        &walrus(
            &network,
            &[
                "extend",
                "--blob-obj-id",
                &object_id,
                "--epochs",
                "2",
                "--json",
            ],
        )
        .await,
    );
    let end = extended["storage"]["endEpoch"].as_u64().unwrap();
    assert_eq!(
        end,
        stored["newlyCreated"]["blobObject"]["storage"]["endEpoch"]
            .as_u64()
            .unwrap()
            + 2
    );

    // Deleting a permanent blob is a clear error.
    let output = walrus(&network, &["delete", "--blob-obj-id", &object_id]).await;
    assert_one_line_error(&output, "permanent");

    let deletable = json_of(
        &walrus(
            &network,
            &["store", path_str(&file), "--deletable", "--json"],
        )
        .await,
    );
    let deletable_id = deletable["newlyCreated"]["blobObject"]["id"]
        .as_str()
        .unwrap();
    let deleted = json_of(
        &walrus(
            &network,
            &["delete", "--blob-obj-id", deletable_id, "--json"],
        )
        .await,
    );
    assert_eq!(deleted["deletedBlobObject"], deletable_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encryption_with_key_files_and_passphrases() {
    let network = start_network(HONEST).await;
    let dir = network.dir.path();
    let key = dir.join("key");
    let other = dir.join("other-key");
    json_of(
        &walrus(
            &network,
            &["generate-key", "--out", path_str(&key), "--json"],
        )
        .await,
    );
    json_of(
        &walrus(
            &network,
            &["generate-key", "--out", path_str(&other), "--json"],
        )
        .await,
    );
    let output = walrus(&network, &["generate-key", "--out", path_str(&key)]).await;
    assert_one_line_error(&output, "key file");

    let file = dir.join("secret.txt");
    std::fs::write(&file, b"attack at dawn").unwrap();
    let stored = json_of(
        &walrus(
            &network,
            &[
                "store",
                path_str(&file),
                "--key-file",
                path_str(&key),
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(stored["encrypted"], true);
    let blob_id = stored["blobId"].as_str().unwrap();

    let plain = walrus(&network, &["read", blob_id, "--key-file", path_str(&key)]).await;
    assert!(plain.status.success());
    assert_eq!(plain.stdout, b"attack at dawn");
    let sealed = walrus(&network, &["read", blob_id]).await;
    assert_ne!(sealed.stdout, b"attack at dawn");

    let output = walrus(&network, &["read", blob_id, "--key-file", path_str(&other)]).await;
    assert_one_line_error(&output, "wrong key");
    assert!(output.stdout.is_empty(), "no garbage on stdout");

    // Passphrase from an environment variable.
    let stored = tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(["--config", path_str(&network.config_path)])
        .args([
            "store",
            path_str(&file),
            "--passphrase-env",
            "WALRUS_TEST_PASS",
            "--json",
            "--force",
        ])
        .env("WALRUS_TEST_PASS", "open sesame")
        .output()
        .await
        .unwrap();
    let stored = json_of(&stored);
    let blob_id = stored["blobId"].as_str().unwrap();
    let read = tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(["--config", path_str(&network.config_path)])
        .args(["read", blob_id, "--passphrase-env", "WALRUS_TEST_PASS"])
        .env("WALRUS_TEST_PASS", "open sesame")
        .output()
        .await
        .unwrap();
    assert_eq!(read.stdout, b"attack at dawn");
    let wrong = tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(["--config", path_str(&network.config_path)])
        .args(["read", blob_id, "--passphrase-env", "WALRUS_TEST_PASS"])
        .env("WALRUS_TEST_PASS", "wrong")
        .output()
        .await
        .unwrap();
    assert_one_line_error(&wrong, "wrong key or passphrase");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_one_line() {
    let network = start_network(HONEST).await;
    let output = walrus(
        &network,
        &["read", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    )
    .await;
    assert_one_line_error(&output, "does not exist");
    let output = walrus(&network, &["read", "not-a-blob-id"]).await;
    assert_eq!(output.status.code(), Some(2), "clap usage error");
    let output = walrus(&network, &["store", "/nonexistent/file"]).await;
    assert_one_line_error(&output, "cannot open /nonexistent/file");
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(["info", "--config", "/nonexistent/client.yaml"])
        .output()
        .await
        .unwrap();
    assert_one_line_error(&output, "cannot read /nonexistent/client.yaml");
    let output = walrus(
        &network,
        &["extend", "--blob-obj-id", "0x1234", "--epochs", "1"],
    )
    .await;
    assert_one_line_error(&output, "no blob object");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_publisher_and_aggregator() {
    let network = start_network(HONEST).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(["--config", path_str(&network.config_path)])
        .args([
            "daemon",
            "--bind",
            "127.0.0.1:0",
            "--max-body-size",
            "100000",
            "--json",
        ])
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = lines.next_line().await.unwrap().expect("address line");
    let address: Value = serde_json::from_str(&line).unwrap();
    let base = format!("http://{}", address["address"].as_str().unwrap());
    let http = reqwest::Client::new();

    let data = content(50_000);
    let response = http
        .put(format!("{base}/v1/blobs?epochs=2"))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let stored: Value = response.json().await.unwrap();
    let blob = &stored["newlyCreated"]["blobObject"];
    let blob_id = blob["blobId"].as_str().unwrap();
    let object_id = blob["id"].as_str().unwrap();

    let response = http
        .get(format!("{base}/v1/blobs/{blob_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), data);

    let response = http
        .get(format!("{base}/v1/blobs/{blob_id}"))
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 206);
    assert_eq!(
        response.headers()["content-range"].to_str().unwrap(),
        "bytes 10-19/50000"
    );
    assert_eq!(response.bytes().await.unwrap(), &data[10..20]);
    let response = http
        .get(format!("{base}/v1/blobs/{blob_id}"))
        .header("Range", "bytes=60000-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 416);

    let response = http
        .get(format!("{base}/v1/blobs/by-object-id/{object_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap(), data);

    let response = http
        .put(format!("{base}/v1/blobs?epochs=1"))
        .body(content(100_001))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let response = http
        .get(format!(
            "{base}/v1/blobs/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let response = http
        .get(format!("{base}/v1/blobs/bad!id"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let api: Value = http
        .get(format!("{base}/v1/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(api["paths"]["/v1/blobs/{blob_id}"].is_object());
    child.kill().await.unwrap();
}
