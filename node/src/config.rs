//! The node configuration (YAML), with validated fields and defaults.
//!
//! See `node/README.md` for the full YAML reference. A minimal local config:
//!
//! ```yaml
//! storage_path: /tmp/walrus/node-0
//! rest_api_address: 127.0.0.1:9185
//! tls: disabled
//! protocol_key: BJ...            # tagged base64 BLS key (or protocol_key_path)
//! operator_key: 9f...            # hex Ed25519 seed (or sui.wallet_path)
//! node_id: 0x...
//! cap_id: 0x...
//! sui:
//!   rpc_url: http://127.0.0.1:9000
//!   wal_package_id: 0x...
//!   walrus_package_id: 0x...
//!   system_object_id: 0x...
//!   staking_object_id: 0x...
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;
use walrus_core::BlsKeyPair;
use walrus_sui::{config::WalrusSuiConfig, wallet::Wallet};

/// The default REST API port.
pub const DEFAULT_REST_PORT: u16 = 9185;
/// The default metrics port.
pub const DEFAULT_METRICS_PORT: u16 = 9184;
/// The default cap on confirmation long polls.
pub const DEFAULT_CONFIRMATION_LONG_POLL_MAX_MILLIS: u64 = 5_000;
/// The default number of blobs recovered concurrently.
pub const DEFAULT_RECOVERY_CONCURRENCY: usize = 4;
/// The default delay before retrying a failed recovery.
pub const DEFAULT_RECOVERY_RETRY_MILLIS: u64 = 1_000;
/// The default number of pending (not yet registered) uploads buffered in memory.
pub const DEFAULT_PENDING_CACHE_ENTRIES: usize = 4_096;
/// The default maximum number of slivers per sync-shard request served.
pub const DEFAULT_MAX_SYNC_SLIVERS: u64 = 100_000;
/// The default page size of sync-shard requests made.
pub const DEFAULT_SYNC_PAGE: u64 = 1_000;

/// Errors loading or validating a config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error("config file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// YAML syntax or schema error.
    #[error("invalid YAML config: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// A field has an invalid value.
    #[error("invalid config: {field}: {reason}")]
    Invalid {
        /// The offending field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// How the REST API is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsConfig {
    /// Plain HTTP (HTTP/1.1 and HTTP/2 prior knowledge). Only allowed on loopback addresses.
    Disabled,
    /// HTTPS with a self-signed certificate for the node's Ed25519 network key (`network_key`
    /// or `network_key_path`), the key registered on chain as its `network_public_key`: peers
    /// and clients accept the certificate because its key is the on-chain one (pinning).
    NetworkKey,
    /// HTTPS with a PEM certificate chain and private key.
    Pem {
        /// The certificate chain.
        certificate_path: PathBuf,
        /// The private key.
        key_path: PathBuf,
    },
}

/// The storage node's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// A name for logs.
    #[serde(default = "default_name")]
    pub name: String,
    /// The directory of the node's database.
    pub storage_path: PathBuf,
    /// The REST API listen address.
    #[serde(default = "default_rest_address")]
    pub rest_api_address: SocketAddr,
    /// The Prometheus metrics listen address (`null` disables the endpoint).
    #[serde(default = "default_metrics_address")]
    pub metrics_address: Option<SocketAddr>,
    /// TLS of the REST API (`disabled` is only accepted on a loopback address).
    pub tls: TlsConfig,
    /// Whether peers' REST APIs are reached over HTTPS when their on-chain network address has
    /// no scheme (default: the same as this node's TLS setting).
    #[serde(default)]
    pub peer_tls: Option<bool>,
    /// The BLS protocol key, tagged base64 (`walrus-core` key format).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_key: Option<String>,
    /// A file holding the BLS protocol key (tagged base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_key_path: Option<PathBuf>,
    /// The Ed25519 network key (TLS), in the operator key's formats; needed by
    /// `tls: network_key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_key: Option<String>,
    /// A file holding the network key (`walrus-node keygen` writes `network.key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_key_path: Option<PathBuf>,
    /// The operator's Ed25519 key: a Sui keystore entry (base64 of flag `00` and the 32-byte
    /// seed) or the seed as 64 hex digits. Without it, the first key of `sui.wallet_path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_key: Option<String>,
    /// The node ID (its staking pool object).
    pub node_id: Address,
    /// The `StorageNodeCap` object owned by the operator.
    pub cap_id: Address,
    /// The chain endpoint and Walrus object IDs.
    pub sui: WalrusSuiConfig,
    /// The maximum time a confirmation request waits for the blob's registration.
    #[serde(default = "default_long_poll")]
    pub confirmation_long_poll_max_millis: u64,
    /// Blobs recovered concurrently.
    #[serde(default = "default_recovery_concurrency")]
    pub recovery_concurrency: usize,
    /// The delay before retrying a failed recovery.
    #[serde(default = "default_recovery_retry")]
    pub recovery_retry_millis: u64,
    /// Uploads buffered in memory until their blob is registered (`?pending=true`).
    #[serde(default = "default_pending_cache")]
    pub pending_cache_entries: usize,
    /// The largest `sliver_count` served in one sync-shard request.
    #[serde(default = "default_max_sync_slivers")]
    pub max_sync_slivers: u64,
    /// Whether every write is synced to disk before it is acknowledged.
    #[serde(default = "default_true")]
    pub sync_writes: bool,
    /// Whether the node calls the permissionless epoch-change functions (`voting_end`,
    /// `initiate_epoch_change`) when they are due (default on; `for_local` turns it off because
    /// local networks have one driver of their own).
    #[serde(default = "default_true")]
    pub drive_epoch_change: bool,
    /// Storage challenges (this node as challenger; it always answers challenges).
    #[serde(default, skip_serializing_if = "ChallengeConfig::is_default")]
    pub challenges: ChallengeConfig,
    /// TESTING ONLY: make this node serve corrupted data (see [`FaultInjectionConfig`]). Refused
    /// unless `rest_api_address` is a loopback address.
    #[serde(default, skip_serializing_if = "FaultInjectionConfig::is_default")]
    pub fault_injection: FaultInjectionConfig,
}

/// The `fault_injection` section. **TESTING ONLY**: it turns the node into a Byzantine one that
/// serves corrupted data, so end-to-end tests can check that clients survive and report lying
/// nodes. Everything is off by default; [`NodeConfig::validate`] refuses any of it unless the
/// REST API listens on a loopback address, so a production node cannot be configured to lie,
/// and the node logs a warning at startup when any of it is on.
///
/// Only what the node *serves* to clients is corrupted (`GET` metadata and `GET` sliver); what
/// it stores, its recovery symbols, challenge answers and sync-shard responses stay honest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultInjectionConfig {
    /// Flip a byte of the symbol data of every sliver served (the sliver still decodes, with its
    /// index, but fails verification against the metadata).
    pub corrupt_slivers: bool,
    /// Flip a byte of a sliver hash in every metadata served (it still decodes, but no longer
    /// matches its blob ID).
    pub corrupt_metadata: bool,
}

impl FaultInjectionConfig {
    fn is_default(&self) -> bool {
        self == &Self::default()
    }

    /// Whether any fault is injected.
    pub fn is_enabled(&self) -> bool {
        self.corrupt_slivers || self.corrupt_metadata
    }

    fn validate(&self, rest_api_address: SocketAddr) -> Result<(), ConfigError> {
        if self.is_enabled() && !rest_api_address.ip().is_loopback() {
            return Err(invalid(
                "fault_injection",
                format!(
                    "testing only: refused because the REST API listens on {rest_api_address}, \
                     not on a loopback address"
                ),
            ));
        }
        Ok(())
    }
}

/// The default timeout of one challenge request.
pub const DEFAULT_CHALLENGE_TIMEOUT_MILLIS: u64 = 10_000;
/// The default wake-up interval of the challenge worker.
pub const DEFAULT_CHALLENGE_INTERVAL_SECS: u64 = 60;
/// The default delay before a signer other than the lowest-index one submits a verdict.
pub const DEFAULT_CHALLENGE_SUBMIT_DELAY_SECS: u64 = 60;

/// The `challenges` section: how this node challenges the other committee members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChallengeConfig {
    /// Whether this node runs the challenger (the responder always runs).
    pub enabled: bool,
    /// Samples per target and epoch (`k`).
    pub samples: u16,
    /// Failed samples a target may have and still pass (`t`).
    pub tolerance: u16,
    /// The timeout of each challenge request (up to 256 samples).
    pub timeout_millis: u64,
    /// How often the worker checks for the epoch's seed and polls the other verdicts.
    pub interval_secs: u64,
    /// How long a signer other than the lowest-index one waits before it submits a verdict
    /// that is still not recorded.
    pub submit_delay_secs: u64,
    /// Only blobs certified at least this many epochs before the challenged epoch are sampled
    /// (so that nodes had time to receive or recover them).
    pub min_certified_age_epochs: u32,
    /// How long after it first sees an epoch the node waits before challenging (nodes receive
    /// newly assigned shards at the start of an epoch).
    pub start_delay_secs: u64,
    /// Challenge-symbol requests (`POST /v1/challenges/symbols`, up to 256 positions each) this
    /// node answers at once from one client IP address before it rate-limits that client.
    pub responder_burst: u32,
    /// Challenge-symbol requests per second this node answers on average per client IP address
    /// (0: no limit). Refused requests get 429 `CHALLENGE_RATE_LIMITED`.
    pub responder_requests_per_sec: u32,
}

/// The default burst of challenge-symbol requests per client: an honest challenger sends
/// `ceil(samples / 256)` requests per target and epoch (4 by default), and challengers behind
/// one address (all nodes of `walrus local` are on 127.0.0.1) share the bucket.
pub const DEFAULT_CHALLENGE_RESPONDER_BURST: u32 = 256;
/// The default refill rate of challenge-symbol requests per client and second.
pub const DEFAULT_CHALLENGE_RESPONDER_REQUESTS_PER_SEC: u32 = 16;

/// The default wait after an epoch starts before challenging.
pub const DEFAULT_CHALLENGE_START_DELAY_SECS: u64 = 600;

impl Default for ChallengeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            samples: walrus_core::challenge::DEFAULT_SAMPLES,
            tolerance: walrus_core::challenge::DEFAULT_TOLERANCE,
            timeout_millis: DEFAULT_CHALLENGE_TIMEOUT_MILLIS,
            interval_secs: DEFAULT_CHALLENGE_INTERVAL_SECS,
            submit_delay_secs: DEFAULT_CHALLENGE_SUBMIT_DELAY_SECS,
            min_certified_age_epochs: 1,
            start_delay_secs: DEFAULT_CHALLENGE_START_DELAY_SECS,
            responder_burst: DEFAULT_CHALLENGE_RESPONDER_BURST,
            responder_requests_per_sec: DEFAULT_CHALLENGE_RESPONDER_REQUESTS_PER_SEC,
        }
    }
}

impl ChallengeConfig {
    fn is_default(&self) -> bool {
        self == &Self::default()
    }

    /// The worker settings.
    pub fn worker_config(&self) -> crate::challenge::WorkerConfig {
        crate::challenge::WorkerConfig {
            round: crate::challenge::RoundConfig {
                params: walrus_core::challenge::ChallengeParams {
                    samples: self.samples,
                    tolerance: self.tolerance,
                },
                timeout: Duration::from_millis(self.timeout_millis),
            },
            interval: Duration::from_secs(self.interval_secs),
            submit_delay: Duration::from_secs(self.submit_delay_secs),
            min_certified_age_epochs: self.min_certified_age_epochs,
            start_delay: Duration::from_secs(self.start_delay_secs),
        }
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.samples == 0 {
            return Err(invalid("challenges.samples", "must be at least 1"));
        }
        if self.tolerance >= self.samples {
            return Err(invalid(
                "challenges.tolerance",
                format!(
                    "must be below challenges.samples ({}), or every node passes",
                    self.samples
                ),
            ));
        }
        if self.timeout_millis == 0 {
            return Err(invalid("challenges.timeout_millis", "must be at least 1"));
        }
        if self.interval_secs == 0 {
            return Err(invalid("challenges.interval_secs", "must be at least 1"));
        }
        Ok(())
    }
}

fn default_name() -> String {
    "walrus-node".to_owned()
}
fn default_rest_address() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], DEFAULT_REST_PORT))
}
#[allow(clippy::unnecessary_wraps)] // serde default for an optional field.
fn default_metrics_address() -> Option<SocketAddr> {
    Some(SocketAddr::from(([127, 0, 0, 1], DEFAULT_METRICS_PORT)))
}
fn default_long_poll() -> u64 {
    DEFAULT_CONFIRMATION_LONG_POLL_MAX_MILLIS
}
fn default_recovery_concurrency() -> usize {
    DEFAULT_RECOVERY_CONCURRENCY
}
fn default_recovery_retry() -> u64 {
    DEFAULT_RECOVERY_RETRY_MILLIS
}
fn default_pending_cache() -> usize {
    DEFAULT_PENDING_CACHE_ENTRIES
}
fn default_max_sync_slivers() -> u64 {
    DEFAULT_MAX_SYNC_SLIVERS
}
fn default_true() -> bool {
    true
}

impl NodeConfig {
    /// A config for a local network: plain HTTP on `rest_api_address` (must be loopback), no
    /// metrics endpoint, keys inline, defaults elsewhere.
    #[allow(clippy::too_many_arguments)] // Plain fields, documented one by one.
    pub fn for_local(
        name: impl Into<String>,
        protocol_key: &BlsKeyPair,
        operator_key: &Wallet,
        node_id: Address,
        cap_id: Address,
        sui: WalrusSuiConfig,
        storage_path: impl Into<PathBuf>,
        rest_api_address: SocketAddr,
    ) -> Self {
        Self {
            name: name.into(),
            storage_path: storage_path.into(),
            rest_api_address,
            metrics_address: None,
            tls: TlsConfig::Disabled,
            peer_tls: Some(false),
            protocol_key: Some(protocol_key.to_tagged_base64()),
            protocol_key_path: None,
            network_key: None,
            network_key_path: None,
            operator_key: Some(operator_key.to_base64()),
            node_id,
            cap_id,
            sui,
            confirmation_long_poll_max_millis: DEFAULT_CONFIRMATION_LONG_POLL_MAX_MILLIS,
            recovery_concurrency: DEFAULT_RECOVERY_CONCURRENCY,
            recovery_retry_millis: DEFAULT_RECOVERY_RETRY_MILLIS,
            pending_cache_entries: DEFAULT_PENDING_CACHE_ENTRIES,
            max_sync_slivers: DEFAULT_MAX_SYNC_SLIVERS,
            sync_writes: true,
            // Local networks have one external driver (`walrus local`, or the test itself).
            drive_epoch_change: false,
            challenges: ChallengeConfig::default(),
            fault_injection: FaultInjectionConfig::default(),
        }
    }

    /// Parses and validates a YAML config.
    pub fn from_yaml(text: &str) -> Result<Self, ConfigError> {
        let config: Self = serde_yaml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// Loads and validates a YAML config file. Relative paths in it are resolved against the
    /// file's directory.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Self::from_yaml(&text)?;
        if let Some(dir) = path.parent() {
            config.resolve_relative_paths(dir);
        }
        Ok(config)
    }

    /// Writes the config as YAML.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ConfigError> {
        let path = path.as_ref();
        let text = serde_yaml::to_string(self)?;
        std::fs::write(path, text).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })
    }

    fn resolve_relative_paths(&mut self, dir: &Path) {
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        };
        resolve(&mut self.storage_path);
        if let Some(p) = self.protocol_key_path.as_mut() {
            resolve(p);
        }
        if let Some(p) = self.network_key_path.as_mut() {
            resolve(p);
        }
        if let TlsConfig::Pem {
            certificate_path,
            key_path,
        } = &mut self.tls
        {
            resolve(certificate_path);
            resolve(key_path);
        }
        if let Some(p) = self.sui.wallet_path.as_mut() {
            resolve(p);
        }
    }

    /// Checks the fields that serde cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.storage_path.as_os_str().is_empty() {
            return Err(invalid("storage_path", "must not be empty"));
        }
        if self.tls == TlsConfig::Disabled && !self.rest_api_address.ip().is_loopback() {
            return Err(invalid(
                "tls",
                format!(
                    "`disabled` is only allowed on a loopback address, not {}",
                    self.rest_api_address
                ),
            ));
        }
        match (&self.protocol_key, &self.protocol_key_path) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "protocol_key",
                    "set either protocol_key or protocol_key_path, not both",
                ));
            }
            (None, None) => {
                return Err(invalid(
                    "protocol_key",
                    "one of protocol_key or protocol_key_path is required",
                ));
            }
            (Some(key), None) => {
                BlsKeyPair::from_tagged_base64(key)
                    .map_err(|e| invalid("protocol_key", e.to_string()))?;
            }
            (None, Some(_)) => {}
        }
        match (&self.network_key, &self.network_key_path) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "network_key",
                    "set either network_key or network_key_path, not both",
                ));
            }
            (None, None) if self.tls == TlsConfig::NetworkKey => {
                return Err(invalid(
                    "network_key",
                    "`tls: network_key` needs network_key or network_key_path",
                ));
            }
            (Some(key), None) => {
                parse_key("network_key", key)?;
            }
            _ => {}
        }
        if let Some(key) = &self.operator_key {
            parse_operator_key(key)?;
        } else if self.sui.wallet_path.is_none() {
            return Err(invalid(
                "operator_key",
                "set operator_key or sui.wallet_path (the operator signs epoch-change calls)",
            ));
        }
        if self.recovery_concurrency == 0 {
            return Err(invalid("recovery_concurrency", "must be at least 1"));
        }
        if self.max_sync_slivers == 0 {
            return Err(invalid("max_sync_slivers", "must be at least 1"));
        }
        self.challenges.validate()?;
        self.fault_injection.validate(self.rest_api_address)?;
        if !self.sui.rpc_url.starts_with("http://") && !self.sui.rpc_url.starts_with("https://") {
            return Err(invalid("sui.rpc_url", "must be an http:// or https:// URL"));
        }
        Ok(())
    }

    /// The BLS protocol key pair.
    pub fn load_protocol_key(&self) -> Result<BlsKeyPair, ConfigError> {
        let text = key_text(&self.protocol_key, &self.protocol_key_path)?
            .ok_or_else(|| invalid("protocol_key", "missing"))?;
        BlsKeyPair::from_tagged_base64(text.trim())
            .map_err(|e| invalid("protocol_key", e.to_string()))
    }

    /// The 32-byte seed of the Ed25519 network key, if configured.
    pub fn load_network_key(&self) -> Result<Option<[u8; 32]>, ConfigError> {
        let Some(text) = key_text(&self.network_key, &self.network_key_path)? else {
            return Ok(None);
        };
        let wallet = parse_key("network_key", &text)?;
        // The keystore entry is base64 of the scheme flag and the seed.
        let entry = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            wallet.to_base64(),
        )
        .map_err(|e| invalid("network_key", e.to_string()))?;
        entry
            .get(1..33)
            .and_then(|seed| <[u8; 32]>::try_from(seed).ok())
            .map(Some)
            .ok_or_else(|| invalid("network_key", "not an Ed25519 key"))
    }

    /// The operator wallet.
    pub fn load_operator_wallet(&self) -> Result<Wallet, ConfigError> {
        if let Some(key) = &self.operator_key {
            return parse_operator_key(key);
        }
        let path = self
            .sui
            .wallet_path
            .as_ref()
            .ok_or_else(|| invalid("operator_key", "missing"))?;
        let keystore = walrus_sui::wallet::Keystore::load(path)
            .map_err(|e| invalid("sui.wallet_path", e.to_string()))?;
        keystore
            .first()
            .cloned()
            .ok_or_else(|| invalid("sui.wallet_path", "the keystore holds no key"))
    }

    /// Whether peers without a URL scheme are reached over HTTPS.
    pub fn peers_use_tls(&self) -> bool {
        self.peer_tls
            .unwrap_or(!matches!(self.tls, TlsConfig::Disabled))
    }

    /// The confirmation long-poll cap.
    pub fn confirmation_long_poll_max(&self) -> Duration {
        Duration::from_millis(self.confirmation_long_poll_max_millis)
    }
}

fn parse_operator_key(key: &str) -> Result<Wallet, ConfigError> {
    parse_key("operator_key", key)
}

/// An Ed25519 key: a Sui keystore entry or the seed as 64 hex digits.
/// A key given inline (preferred) or in a file, as text; `None` if neither is set.
fn key_text(
    inline: &Option<String>,
    path: &Option<PathBuf>,
) -> Result<Option<String>, ConfigError> {
    match (inline, path) {
        (Some(key), _) => Ok(Some(key.clone())),
        (None, Some(path)) => {
            std::fs::read_to_string(path)
                .map(Some)
                .map_err(|source| ConfigError::Io {
                    path: path.clone(),
                    source,
                })
        }
        (None, None) => Ok(None),
    }
}

fn parse_key(field: &'static str, key: &str) -> Result<Wallet, ConfigError> {
    let key = key.trim();
    let hex_text = key.trim_start_matches("0x");
    if hex_text.len() == 64 && hex_text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes = hex::decode(hex_text).map_err(|e| invalid(field, e.to_string()))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|_| invalid(field, "must be 32 bytes of hex"))?;
        return Ok(Wallet::from_seed(seed));
    }
    Wallet::from_base64(key).map_err(|e| invalid(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sui() -> WalrusSuiConfig {
        WalrusSuiConfig::new(
            "http://127.0.0.1:9000",
            Address::new([1; 32]),
            Address::new([2; 32]),
            Address::new([3; 32]),
            Address::new([4; 32]),
        )
    }

    fn local() -> NodeConfig {
        let key = BlsKeyPair::generate(&mut rand::thread_rng());
        NodeConfig::for_local(
            "n0",
            &key,
            &Wallet::from_seed([7; 32]),
            Address::new([5; 32]),
            Address::new([6; 32]),
            sui(),
            "/tmp/n0",
            "127.0.0.1:0".parse().expect("addr"),
        )
    }

    #[test]
    fn local_config_round_trips_through_yaml() {
        let config = local();
        config.validate().expect("valid");
        let yaml = serde_yaml::to_string(&config).expect("yaml");
        let parsed = NodeConfig::from_yaml(&yaml).expect("parses");
        assert_eq!(parsed, config);
        assert_eq!(
            parsed.load_operator_wallet().expect("wallet").address(),
            Wallet::from_seed([7; 32]).address()
        );
        assert_eq!(
            parsed.load_protocol_key().expect("key"),
            config.load_protocol_key().expect("key")
        );
    }

    #[test]
    fn defaults_apply() {
        let config = local();
        let mut value: serde_yaml::Value = serde_yaml::to_value(&config).expect("yaml");
        let map = value.as_mapping_mut().expect("mapping");
        for key in [
            "confirmation_long_poll_max_millis",
            "recovery_concurrency",
            "sync_writes",
        ] {
            map.remove(key);
        }
        let parsed: NodeConfig = serde_yaml::from_value(value).expect("parses");
        assert_eq!(parsed.confirmation_long_poll_max_millis, 5_000);
        assert_eq!(parsed.recovery_concurrency, DEFAULT_RECOVERY_CONCURRENCY);
        assert!(parsed.sync_writes);
    }

    #[test]
    fn validation_names_the_field() {
        let mut config = local();
        config.rest_api_address = "0.0.0.0:9185".parse().expect("addr");
        let error = config
            .validate()
            .expect_err("plain HTTP on a public address");
        assert!(
            matches!(error, ConfigError::Invalid { field: "tls", .. }),
            "{error}"
        );

        let mut config = local();
        config.protocol_key = Some("not a key".into());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "protocol_key",
                ..
            })
        ));

        let mut config = local();
        config.operator_key = None;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "operator_key",
                ..
            })
        ));

        let mut config = local();
        config.recovery_concurrency = 0;
        assert!(config.validate().is_err());

        assert!(matches!(
            NodeConfig::from_yaml("storage_path: /x\nbogus: 1\n"),
            Err(ConfigError::Yaml(_))
        ));
    }

    #[test]
    fn network_key_tls_needs_the_key_and_loads_its_seed() {
        let mut config = local();
        config.tls = TlsConfig::NetworkKey;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "network_key",
                ..
            })
        ));
        config.network_key = Some(hex::encode([9; 32]));
        config.rest_api_address = "0.0.0.0:9185".parse().expect("addr");
        config.validate().expect("valid off loopback with TLS");
        assert_eq!(config.load_network_key().expect("loads"), Some([9; 32]));
        let yaml = serde_yaml::to_string(&config).expect("yaml");
        assert!(yaml.contains("tls: network_key"), "{yaml}");
        assert_eq!(NodeConfig::from_yaml(&yaml).expect("parses"), config);

        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("network.key"),
            Wallet::from_seed([8; 32]).to_base64(),
        )
        .expect("writes");
        config.network_key = None;
        config.network_key_path = Some("network.key".into());
        config.resolve_relative_paths(dir.path());
        assert_eq!(config.load_network_key().expect("loads"), Some([8; 32]));
        config.network_key = Some("not a key".into());
        assert!(config.validate().is_err(), "both set");
    }

    #[test]
    fn challenge_section_parses_defaults_and_validates() {
        let config = local();
        let mut value: serde_yaml::Value = serde_yaml::to_value(&config).expect("yaml");
        assert!(
            value.get("challenges").is_none(),
            "the default section is not written"
        );
        let section: serde_yaml::Value =
            serde_yaml::from_str("enabled: true\nsamples: 20\ntolerance: 2\ninterval_secs: 5\n")
                .expect("yaml");
        value
            .as_mapping_mut()
            .expect("mapping")
            .insert("challenges".into(), section);
        let parsed: NodeConfig = serde_yaml::from_value(value).expect("parses");
        parsed.validate().expect("valid");
        assert!(parsed.challenges.enabled);
        assert_eq!(
            (parsed.challenges.samples, parsed.challenges.tolerance),
            (20, 2)
        );
        assert_eq!(
            parsed.challenges.timeout_millis,
            DEFAULT_CHALLENGE_TIMEOUT_MILLIS
        );
        let worker = parsed.challenges.worker_config();
        assert_eq!(worker.interval, Duration::from_secs(5));
        assert_eq!(worker.round.params.samples, 20);

        let mut config = local();
        config.challenges.tolerance = config.challenges.samples;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "challenges.tolerance",
                ..
            })
        ));
        let mut config = local();
        config.challenges.timeout_millis = 0;
        assert!(matches!(
            config.validate(),
            Err(ConfigError::Invalid {
                field: "challenges.timeout_millis",
                ..
            })
        ));
        let unknown: Result<ChallengeConfig, _> = serde_yaml::from_str("sample: 3\n");
        assert!(unknown.is_err(), "unknown keys are rejected");
    }

    #[test]
    fn fault_injection_is_off_by_default_and_only_allowed_on_loopback() {
        let config = local();
        assert!(!config.fault_injection.is_enabled());
        let mut value: serde_yaml::Value = serde_yaml::to_value(&config).expect("yaml");
        assert!(
            value.get("fault_injection").is_none(),
            "the default section is not written, so existing configs are unchanged"
        );
        let section: serde_yaml::Value =
            serde_yaml::from_str("corrupt_slivers: true\n").expect("yaml");
        value
            .as_mapping_mut()
            .expect("mapping")
            .insert("fault_injection".into(), section);
        let parsed = NodeConfig::from_yaml(&serde_yaml::to_string(&value).expect("yaml"))
            .expect("allowed on 127.0.0.1");
        assert!(parsed.fault_injection.corrupt_slivers);
        assert!(!parsed.fault_injection.corrupt_metadata);

        for address in ["0.0.0.0:9185", "10.1.2.3:9185", "[::]:9185"] {
            for (slivers, metadata) in [(true, false), (false, true), (true, true)] {
                let mut config = local();
                config.rest_api_address = address.parse().expect("addr");
                config.tls = TlsConfig::Pem {
                    certificate_path: "cert.pem".into(),
                    key_path: "key.pem".into(),
                };
                config.validate().expect("valid without fault injection");
                config.fault_injection = FaultInjectionConfig {
                    corrupt_slivers: slivers,
                    corrupt_metadata: metadata,
                };
                let error = config.validate().expect_err("refused off loopback");
                assert!(
                    matches!(
                        error,
                        ConfigError::Invalid {
                            field: "fault_injection",
                            ..
                        }
                    ),
                    "{error}"
                );
            }
        }
        let mut config = local();
        config.rest_api_address = "[::1]:9185".parse().expect("addr");
        config.fault_injection.corrupt_metadata = true;
        config.validate().expect("IPv6 loopback is allowed");

        let unknown: Result<FaultInjectionConfig, _> =
            serde_yaml::from_str("corrupt_sliver: true\n");
        assert!(unknown.is_err(), "unknown keys are rejected");
    }
}
