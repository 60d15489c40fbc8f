//! The fuzz targets on stable Rust: every target over its seeds, over the committed corpus and
//! crash regressions in `fuzz/`, and over property-generated mutations of the seeds. This is the
//! short run of each target that CI gets; `scripts/fuzz.sh` runs the coverage-guided fuzzer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use walrus_fuzz::{NODE_HTTP, TARGETS, Target, http::HttpHarness};

/// `fuzz/<kind>/<target>` at the repository root.
fn fuzz_dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(kind)
        .join(target)
}

/// The committed corpus and regression inputs of `target`.
fn committed_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut inputs = Vec::new();
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir(kind, target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_file() {
                let data = std::fs::read(&path).unwrap();
                inputs.push((path, data));
            }
        }
    }
    inputs.sort();
    inputs
}

#[test]
fn every_target_has_seeds_and_passes_them() {
    for target in TARGETS {
        let seeds = (target.seeds)();
        assert!(!seeds.is_empty(), "{} has no seeds", target.name);
        for seed in &seeds {
            (target.run)(seed);
        }
    }
}

#[test]
fn committed_corpus_and_regressions_pass() {
    for target in TARGETS {
        for (path, data) in committed_inputs(target.name) {
            eprintln!("{}: {}", target.name, path.display());
            (target.run)(&data);
        }
    }
}

#[test]
fn every_cargo_fuzz_binary_names_a_target() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            path.file_stem().unwrap().to_string_lossy().into_owned()
        })
        .collect();
    names.sort();
    let mut expected: Vec<String> = TARGETS.iter().map(|t| t.name.to_owned()).collect();
    expected.push(NODE_HTTP.to_owned());
    expected.sort();
    assert_eq!(names, expected, "fuzz/fuzz_targets and TARGETS disagree");
}

/// A mutation of a seed: byte edits, a truncation and an insertion.
#[derive(Debug, Clone)]
struct Mutation {
    seed: usize,
    edits: Vec<(usize, u8)>,
    truncate: Option<usize>,
    insert: Option<(usize, Vec<u8>)>,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (
        any::<usize>(),
        proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        proptest::option::of(any::<usize>()),
        proptest::option::of((any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))),
    )
        .prop_map(|(seed, edits, truncate, insert)| Mutation {
            seed,
            edits,
            truncate,
            insert,
        })
}

fn apply(seeds: &[Vec<u8>], mutation: &Mutation) -> Vec<u8> {
    let mut data = seeds[mutation.seed % seeds.len()].clone();
    if data.is_empty() {
        return data;
    }
    for &(at, byte) in &mutation.edits {
        let at = at % data.len();
        data[at] = byte;
    }
    if let Some((at, bytes)) = &mutation.insert {
        let at = at % (data.len() + 1);
        data.splice(at..at, bytes.iter().copied());
    }
    if let Some(len) = mutation.truncate {
        data.truncate(len % (data.len() + 1));
    }
    data
}

fn run_mutated(target: &Target, mutation: &Mutation) {
    let seeds = (target.seeds)();
    (target.run)(&apply(&seeds, mutation));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_seeds(mutation in mutation()) {
        for target in TARGETS {
            run_mutated(target, &mutation);
        }
    }

    #[test]
    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        for target in TARGETS {
            (target.run)(&data);
        }
    }
}

#[test]
fn node_http_handlers_survive_seeds_corpus_and_mutations() {
    let harness = HttpHarness::start().unwrap();
    let seeds = HttpHarness::seeds();
    let statuses: Vec<_> = seeds.iter().map(|seed| harness.send(seed)).collect();
    // The uploads reach the node's verification and storage code and succeed.
    let uploads = &statuses[statuses.len() - 5..statuses.len() - 2];
    for status in uploads {
        assert!(
            status.unwrap().is_success(),
            "upload seed answered {status:?}"
        );
    }
    // A healthy node answers the health route.
    assert!(statuses[10].unwrap().is_success());
    for (_, data) in committed_inputs(NODE_HTTP) {
        harness.run(&data);
    }
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&mutation(), |mutation| {
            harness.run(&apply(&seeds, &mutation));
            Ok(())
        })
        .unwrap();
}
