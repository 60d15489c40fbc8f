//! Prometheus metrics of the node.

use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder};

/// The node's metrics, registered in their own registry.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    /// Slivers stored, by axis and origin (`upload`, `recovery`, `sync`).
    pub slivers_stored: IntCounterVec,
    /// Sliver bytes stored.
    pub sliver_bytes_stored: IntCounter,
    /// Slivers served to readers.
    pub slivers_served: IntCounter,
    /// Metadata stored.
    pub metadata_stored: IntCounter,
    /// Chain events processed.
    pub events_processed: IntCounter,
    /// The next checkpoint to process.
    pub next_checkpoint: IntGauge,
    /// The current epoch.
    pub epoch: IntGauge,
    /// Recovery outcomes (`recovered`, `inconsistent`, `failed`).
    pub recoveries: IntCounterVec,
    /// Bytes of recovery symbols received from other nodes.
    pub recovery_symbol_bytes: IntCounter,
    /// Bytes of recovery responses received from other nodes: symbols with their Merkle proofs,
    /// as BCS (what the network carried, without HTTP framing).
    pub recovery_response_bytes: IntCounter,
    /// HTTP requests answered, by status code.
    pub http_responses: IntCounterVec,
    /// Storage challenges this node ran as challenger, by outcome (`sent`, `passed`, `failed`).
    pub challenges: IntCounterVec,
    /// Failed challenge samples, by cause (`missing`, `invalid`, `unanswered`).
    pub challenge_sample_failures: IntCounterVec,
    /// Challenge symbols this node served as responder.
    pub challenge_symbols_served: IntCounter,
    /// Challenge-symbol requests refused by the per-client rate limit.
    pub challenge_requests_limited: IntCounter,
    /// Verdict certificates submitted, by outcome (`recorded`, `already_recorded`).
    pub challenge_verdicts_submitted: IntCounterVec,
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| {
            let c = IntCounter::new(name, help).expect("static metric definitions are valid");
            registry
                .register(Box::new(c.clone()))
                .expect("metric names are unique");
            c
        };
        let counter_vec = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels)
                .expect("static metric definitions are valid");
            registry
                .register(Box::new(c.clone()))
                .expect("metric names are unique");
            c
        };
        let gauge = |name: &str, help: &str| {
            let g = IntGauge::new(name, help).expect("static metric definitions are valid");
            registry
                .register(Box::new(g.clone()))
                .expect("metric names are unique");
            g
        };
        Self {
            slivers_stored: counter_vec(
                "walrus_node_slivers_stored_total",
                "Slivers stored",
                &["axis", "origin"],
            ),
            sliver_bytes_stored: counter(
                "walrus_node_sliver_bytes_stored_total",
                "Sliver bytes stored",
            ),
            slivers_served: counter("walrus_node_slivers_served_total", "Slivers served"),
            metadata_stored: counter("walrus_node_metadata_stored_total", "Metadata stored"),
            events_processed: counter(
                "walrus_node_events_processed_total",
                "Chain events processed",
            ),
            next_checkpoint: gauge(
                "walrus_node_next_checkpoint",
                "The next checkpoint to process",
            ),
            epoch: gauge("walrus_node_epoch", "The current epoch"),
            recoveries: counter_vec(
                "walrus_node_recoveries_total",
                "Sliver recovery outcomes",
                &["outcome"],
            ),
            recovery_symbol_bytes: counter(
                "walrus_node_recovery_symbol_bytes_total",
                "Bytes of recovery symbols received",
            ),
            recovery_response_bytes: counter(
                "walrus_node_recovery_response_bytes_total",
                "Bytes of recovery responses (symbols and proofs, BCS) received",
            ),
            http_responses: counter_vec(
                "walrus_node_http_responses_total",
                "HTTP responses by status",
                &["status"],
            ),
            challenges: counter_vec(
                "walrus_node_challenges_total",
                "Storage challenges run as challenger, by outcome",
                &["outcome"],
            ),
            challenge_sample_failures: counter_vec(
                "walrus_node_challenge_sample_failures_total",
                "Failed storage-challenge samples, by cause",
                &["cause"],
            ),
            challenge_symbols_served: counter(
                "walrus_node_challenge_symbols_served_total",
                "Storage-challenge symbols served as responder",
            ),
            challenge_requests_limited: counter(
                "walrus_node_challenge_requests_limited_total",
                "Storage-challenge symbol requests refused by the per-client rate limit",
            ),
            challenge_verdicts_submitted: counter_vec(
                "walrus_node_challenge_verdicts_submitted_total",
                "Storage-challenge verdict certificates submitted, by outcome",
                &["outcome"],
            ),
            registry,
        }
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_default()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
