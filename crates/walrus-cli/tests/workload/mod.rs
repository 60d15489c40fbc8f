//! The writer workload shared by the e2e fault scenarios (`e2e_crashes`, `e2e_churn`): a thread
//! stores small blobs in a loop with `walrus --json store` and records every blob whose store
//! succeeded (certified). A store may fail while the network is disturbed, but only the CLI way
//! (exit status 1 and one `error:` line) and within a bound; anything else is a violation.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use walrus_e2e::{LocalNetwork, pattern, wait_until};

/// A bound for one `walrus` command while the network is disturbed: longer means it hung.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(90);
/// A bound for the network to get back to storing blobs.
pub const RECOVERY_LIMIT: Duration = Duration::from_secs(120);

/// A blob whose store succeeded.
#[derive(Debug, Clone)]
pub struct Certified {
    /// The blob ID.
    pub blob_id: String,
    /// The `Blob` object.
    pub object_id: String,
    /// The size of its data.
    pub size: usize,
    /// The seed of its data ([`pattern`]).
    pub seed: u64,
    /// When its store started.
    pub started: Instant,
}

impl Certified {
    /// The bytes that were stored.
    pub fn data(&self) -> Vec<u8> {
        pattern(self.size, self.seed)
    }
}

/// What the writer saw, shared with the test.
#[derive(Debug, Default)]
pub struct Workload {
    certified: Mutex<Vec<Certified>>,
    failed: Mutex<Vec<String>>,
    violations: Mutex<Vec<String>>,
    stop: AtomicBool,
}

impl Workload {
    /// The certified blobs so far, in store order.
    pub fn certified(&self) -> Vec<Certified> {
        self.certified.lock().unwrap().clone()
    }

    /// The error lines of the stores that failed the CLI way.
    pub fn failed(&self) -> Vec<String> {
        self.failed.lock().unwrap().clone()
    }

    /// Records a violation (something that must not happen).
    pub fn violation(&self, what: String) {
        self.violations.lock().unwrap().push(what);
    }

    /// The violations so far.
    pub fn violations(&self) -> Vec<String> {
        self.violations.lock().unwrap().clone()
    }

    /// Tells the writer to stop after its current store.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether [`Self::stop`] was called.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Waits until a store that started after `since` succeeded; panics on a violation or after
    /// [`RECOVERY_LIMIT`], with `diagnostics`.
    pub fn wait_for_store_after(
        &self,
        since: Instant,
        what: &str,
        diagnostics: &dyn Fn() -> String,
    ) {
        wait_until(
            &format!("a store to succeed {what}"),
            RECOVERY_LIMIT,
            || {
                let violations = self.violations();
                assert!(violations.is_empty(), "{violations:#?}\n{}", diagnostics());
                Ok(self.certified().iter().any(|c| c.started > since))
            },
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", diagnostics()));
    }
}

/// Stores blobs (1-31 KB, each with its own data, for `epochs` epochs) until told to stop.
pub fn writer(network: &LocalNetwork, workload: &Workload, epochs: u32) {
    let epochs = epochs.to_string();
    let mut k = 0u64;
    while !workload.stopped() {
        k += 1;
        let seed = 10_000 + k;
        let size = 1_000 + usize::try_from(k * 7_919 % 30_000).unwrap();
        let path = network.scratch().join(format!("blob-{k}.bin"));
        std::fs::write(&path, pattern(size, seed)).unwrap();
        let started = Instant::now();
        let output = network.walrus_with_timeout(
            &[
                "store",
                path.to_str().unwrap(),
                "--epochs",
                &epochs,
                "--json",
            ],
            COMMAND_LIMIT,
        );
        let output = match output {
            Ok(output) => output,
            Err(error) => {
                workload.violation(format!("store {k}: {error}"));
                return;
            }
        };
        if output.status.success() {
            let stored = output.json().unwrap();
            let blob = &stored["newlyCreated"]["blobObject"];
            workload.certified.lock().unwrap().push(Certified {
                blob_id: blob["blobId"].as_str().unwrap().to_owned(),
                object_id: blob["id"].as_str().unwrap().to_owned(),
                size,
                seed,
                started,
            });
        } else {
            match output.error_line() {
                Ok(line) => workload.failed.lock().unwrap().push(line.to_owned()),
                Err(error) => workload.violation(format!("store {k}: {error}")),
            }
            // A store fails fast while the chain is down: do not spin.
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}
