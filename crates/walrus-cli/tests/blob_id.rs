//! Runs the `walrus blob-id` binary on files and checks its output and its errors.

use std::process::Command;

use serde_json::Value;

fn walrus() -> Command {
    Command::new(env!("CARGO_BIN_EXE_walrus"))
}

fn content(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| u8::try_from((i * 31 + 7) % 251).expect("below 251"))
        .collect()
}

#[test]
fn prints_the_reference_blob_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("blob.bin");
    std::fs::write(&path, content(1024)).expect("write");
    let output = walrus()
        .args(["blob-id", path.to_str().expect("utf8"), "--n-shards", "10"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "H4ouxTc0bI3eGemwKA-H5-1ZG-NJ20EQYqbEae2SygE"
    );
}

#[test]
fn json_output_has_the_documented_fields() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hello.txt");
    std::fs::write(&path, b"hello world").expect("write");
    let output = walrus()
        .args([
            "blob-id",
            path.to_str().expect("utf8"),
            "--n-shards",
            "4",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).expect("utf8");
    assert_eq!(stdout.lines().count(), 1, "one JSON object on one line");
    let value: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(
        value["blobId"],
        "1coVmp5gV9JYX9dmvlKgfpSxgwUL8yBgS0Izl6K00jc"
    );
    assert_eq!(
        value["rootHash"],
        "977f1587c4919d5b77d7cc98478b36f4067c29461361bf325219494131d71fec"
    );
    assert_eq!(value["unencodedLength"], 11);
    assert_eq!(value["symbolSize"], 2);
    assert_eq!(value["encodedLength"], 1192);
    assert_eq!(value["nShards"], 4);
}

#[test]
fn default_is_1000_shards() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty");
    std::fs::write(&path, b"").expect("write");
    let output = walrus()
        .args(["blob-id", path.to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "3GPQL3HZNnFhN_F7l5Aa-X1VOtAKwIsg9zuWk8R81v4"
    );
}

fn assert_one_line_error(output: &std::process::Output, needle: &str) {
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        stderr.contains(needle),
        "{stderr:?} should mention {needle:?}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn missing_file_is_a_one_line_error() {
    let output = walrus()
        .args(["blob-id", "/nonexistent/file", "--n-shards", "4"])
        .output()
        .expect("runs");
    assert_one_line_error(&output, "cannot open /nonexistent/file");
}

#[test]
fn oversize_blob_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big");
    std::fs::write(&path, content(393_205)).expect("write");
    let output = walrus()
        .args(["blob-id", path.to_str().expect("utf8"), "--n-shards", "4"])
        .output()
        .expect("runs");
    assert_one_line_error(&output, "larger than the maximum blob size of 393204 bytes");
}

#[test]
fn directory_and_bad_shard_count_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = walrus()
        .args([
            "blob-id",
            dir.path().to_str().expect("utf8"),
            "--n-shards",
            "4",
        ])
        .output()
        .expect("runs");
    assert_one_line_error(&output, "not a regular file");
    let path = dir.path().join("f");
    std::fs::write(&path, b"x").expect("write");
    let output = walrus()
        .args(["blob-id", path.to_str().expect("utf8"), "--n-shards", "0"])
        .output()
        .expect("runs");
    assert_one_line_error(&output, "unsupported number of shards 0");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret");
    std::fs::write(&path, b"x").expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    if std::fs::read(&path).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to test.
        return;
    }
    let output = walrus()
        .args(["blob-id", path.to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert_one_line_error(&output, "cannot open");
}
