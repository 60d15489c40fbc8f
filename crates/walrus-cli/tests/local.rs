//! `walrus local --demo`, the README's main job, run as a process: a devnet, storage nodes, the
//! indexer and the daemon start as child processes on 127.0.0.1, a blob is stored and read back,
//! and a second run in the same directory resumes the same network with its data.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use std::process::Command;

fn run_demo(dir: &std::path::Path) -> serde_json::Value {
    let output = Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args([
            "--json", "local", "--nodes", "4", "--shards", "20", "--demo",
        ])
        .args(["--demo-size", "200000", "--write-default-config", "false"])
        .arg("--dir")
        .arg(dir)
        .output()
        .expect("running walrus local");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "walrus local failed: {stderr}\nstdout: {stdout}"
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("bad JSON {stdout:?}: {e}"))
}

#[test]
fn local_demo_stores_reads_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let first = run_demo(dir.path());
    let demo = &first["demo"];
    assert_eq!(demo["identical"], true, "{first}");
    assert_eq!(demo["size"], 200000);
    assert_eq!(first["nodes"].as_array().unwrap().len(), 4);
    for file in [
        "local.yaml",
        "client.yaml",
        "wallet.keystore",
        "devnet/genesis.json",
    ] {
        assert!(dir.path().join(file).exists(), "{file} missing");
    }
    for log in ["devnet", "node-0", "node-3", "indexer", "daemon"] {
        assert!(
            dir.path().join("logs").join(format!("{log}.log")).exists(),
            "{log}.log missing"
        );
    }

    // Same directory: same network (same ports and chain), the blob is still there.
    let second = run_demo(dir.path());
    assert_eq!(second["grpc"], first["grpc"]);
    assert_eq!(second["demo"]["blobId"], demo["blobId"]);
    assert_eq!(second["demo"]["identical"], true);
}

#[test]
fn local_rejects_bad_sizes_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_walrus"))
        .args(["local", "--nodes", "5", "--shards", "3", "--demo"])
        .arg("--dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--shards (3) must be at least --nodes (5)"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}
