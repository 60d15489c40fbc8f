//! The client configuration file.
//!
//! A YAML file (default `~/.config/walrus/client.yaml`, overridden by `--config` or the
//! `WALRUS_CONFIG` environment variable) holding the chain client's fields
//! ([`WalrusSuiConfig`], flattened: endpoint, package and object IDs, wallet keystore path) and
//! optional client knobs under `communication`. See the crate README for the format.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use walrus_sui::config::WalrusSuiConfig;

use crate::error::SdkError;

/// The environment variable naming the config file.
pub const CONFIG_ENV: &str = "WALRUS_CONFIG";

/// The client configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientConfig {
    /// The chain endpoint, package and object IDs, wallet path and gas settings.
    #[serde(flatten)]
    pub sui: WalrusSuiConfig,
    /// How the client talks to storage nodes.
    #[serde(default)]
    pub communication: CommunicationConfig,
}

/// Timeouts, retries and concurrency of storage-node requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommunicationConfig {
    /// The URL scheme for nodes whose on-chain network address has none (`http` or `https`).
    pub node_scheme: String,
    /// Timeout of one HTTP request to a node, in milliseconds.
    pub request_timeout_ms: u64,
    /// Connect timeout, in milliseconds.
    pub connect_timeout_ms: u64,
    /// Attempts per request (1 = no retry).
    pub max_attempts: u32,
    /// First retry delay in milliseconds (doubles each retry).
    pub retry_base_ms: u64,
    /// Largest retry delay in milliseconds.
    pub retry_max_ms: u64,
    /// Concurrent sliver uploads per node.
    pub max_concurrent_uploads_per_node: usize,
    /// Concurrent sliver reads (0 = `n - 2f`).
    pub max_concurrent_sliver_reads: usize,
    /// Concurrent metadata reads.
    pub max_concurrent_metadata_reads: usize,
    /// After nodes holding `n - f` shards finished an upload, wait this fraction of the elapsed
    /// time (in percent) plus [`Self::extra_time_ms`] for the others.
    pub extra_time_percent: u32,
    /// Fixed part of the extra wait, in milliseconds.
    pub extra_time_ms: u64,
    /// The largest blob the client stores or reads, in bytes.
    pub max_blob_size: u64,
}

impl Default for CommunicationConfig {
    fn default() -> Self {
        Self {
            node_scheme: "http".to_owned(),
            request_timeout_ms: 300_000,
            connect_timeout_ms: 5_000,
            max_attempts: 5,
            retry_base_ms: 250,
            retry_max_ms: 5_000,
            max_concurrent_uploads_per_node: 10,
            max_concurrent_sliver_reads: 0,
            max_concurrent_metadata_reads: 3,
            extra_time_percent: 50,
            extra_time_ms: 500,
            max_blob_size: 1 << 30,
        }
    }
}

impl CommunicationConfig {
    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The delay before retry `attempt` (1-based).
    pub fn retry_delay(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(
            self.retry_base_ms
                .saturating_mul(factor)
                .min(self.retry_max_ms),
        )
    }
}

/// The keys a config file may hold at top level.
const KNOWN_KEYS: &[&str] = &[
    "rpc_url",
    "wal_package_id",
    "walrus_package_id",
    "system_object_id",
    "staking_object_id",
    "walrus_type_origin_id",
    "wal_treasury_id",
    "wallet_path",
    "gas_budget",
    "execution_timeout_secs",
    "communication",
];

impl ClientConfig {
    /// A config with default communication settings.
    pub fn new(sui: WalrusSuiConfig) -> Self {
        Self {
            sui,
            communication: CommunicationConfig::default(),
        }
    }

    /// Parses YAML, rejecting unknown keys. A relative `wallet_path` stays relative.
    pub fn from_yaml_str(text: &str) -> Result<Self, SdkError> {
        let value: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|e| SdkError::Config(e.to_string()))?;
        if let serde_yaml::Value::Mapping(map) = &value {
            for key in map.keys() {
                let name = key.as_str().unwrap_or("<non-string key>");
                if !KNOWN_KEYS.contains(&name) {
                    return Err(SdkError::Config(format!("unknown field `{name}`")));
                }
            }
        }
        serde_yaml::from_value(value).map_err(|e| SdkError::Config(e.to_string()))
    }

    /// Encodes as YAML.
    pub fn to_yaml_string(&self) -> Result<String, SdkError> {
        serde_yaml::to_string(self).map_err(|e| SdkError::Config(e.to_string()))
    }

    /// Loads a YAML file; a relative `wallet_path` is resolved against the file's directory.
    pub fn load(path: &Path) -> Result<Self, SdkError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SdkError::Config(format!("cannot read {}: {e}", path.display())))?;
        let mut config = Self::from_yaml_str(&text)
            .map_err(|e| SdkError::Config(format!("{}: {e}", path.display())))?;
        if let Some(wallet) = &config.sui.wallet_path
            && wallet.is_relative()
            && let Some(dir) = path.parent()
        {
            config.sui.wallet_path = Some(dir.join(wallet));
        }
        Ok(config)
    }

    /// Writes the config as YAML, creating the parent directory.
    pub fn save(&self, path: &Path) -> Result<(), SdkError> {
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| SdkError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
        std::fs::write(path, self.to_yaml_string()?)
            .map_err(|e| SdkError::Config(format!("cannot write {}: {e}", path.display())))
    }

    /// The default config path: `$HOME/.config/walrus/client.yaml`.
    pub fn default_path() -> Option<PathBuf> {
        std::env::var_os("HOME").map(|home| {
            PathBuf::from(home)
                .join(".config")
                .join("walrus")
                .join("client.yaml")
        })
    }

    /// The config path to use: the explicit one, else `$WALRUS_CONFIG`, else the default.
    pub fn resolve_path(explicit: Option<&Path>) -> Result<PathBuf, SdkError> {
        if let Some(path) = explicit {
            return Ok(path.to_owned());
        }
        if let Some(path) = std::env::var_os(CONFIG_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        Self::default_path().ok_or_else(|| {
            SdkError::Config(format!(
                "no config file: pass --config, set {CONFIG_ENV}, or set HOME"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use sui_sdk_types::Address;

    use super::*;

    fn sample() -> ClientConfig {
        let mut sui = WalrusSuiConfig::new(
            "http://127.0.0.1:9000",
            Address::from_static("0x11"),
            Address::from_static("0x22"),
            Address::from_static("0x33"),
            Address::from_static("0x44"),
        );
        sui.wallet_path = Some(PathBuf::from("sui.keystore"));
        ClientConfig::new(sui)
    }

    #[test]
    fn yaml_round_trip_is_flat() {
        let config = sample();
        let yaml = config.to_yaml_string().expect("encodes");
        assert!(yaml.starts_with("rpc_url:"), "{yaml}");
        assert!(yaml.contains("wallet_path: sui.keystore"));
        assert_eq!(ClientConfig::from_yaml_str(&yaml).expect("parses"), config);
    }

    #[test]
    fn minimal_file_gets_defaults_and_unknown_keys_fail() {
        let yaml = "rpc_url: http://localhost:1\nwal_package_id: '0x1'\nwalrus_package_id: '0x2'\n\
                    system_object_id: '0x3'\nstaking_object_id: '0x4'\n";
        let config = ClientConfig::from_yaml_str(yaml).expect("parses");
        assert_eq!(config.communication, CommunicationConfig::default());
        assert_eq!(config.sui.wallet_path, None);
        let error = ClientConfig::from_yaml_str(&format!("{yaml}bogus: 1\n")).expect_err("unknown");
        assert!(error.to_string().contains("bogus"), "{error}");
        let error = ClientConfig::from_yaml_str(&format!("{yaml}communication:\n  nope: 1\n"))
            .expect_err("");
        assert!(error.to_string().contains("nope"), "{error}");
        let partial =
            ClientConfig::from_yaml_str(&format!("{yaml}communication:\n  max_attempts: 2\n"))
                .expect("parses");
        assert_eq!(partial.communication.max_attempts, 2);
        assert_eq!(partial.communication.node_scheme, "http");
        assert!(ClientConfig::from_yaml_str("rpc_url: [").is_err());
        assert!(
            ClientConfig::from_yaml_str("rpc_url: x\n").is_err(),
            "missing IDs"
        );
    }

    #[test]
    fn load_resolves_relative_wallet_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("client.yaml");
        sample().save(&path).expect("saves");
        let loaded = ClientConfig::load(&path).expect("loads");
        assert_eq!(
            loaded.sui.wallet_path,
            Some(dir.path().join("sub").join("sui.keystore"))
        );
        let error = ClientConfig::load(&dir.path().join("missing.yaml")).expect_err("missing");
        assert!(error.to_string().contains("cannot read"), "{error}");
    }

    #[test]
    fn explicit_path_wins() {
        let explicit = PathBuf::from("/tmp/x.yaml");
        assert_eq!(
            ClientConfig::resolve_path(Some(&explicit)).expect("resolves"),
            explicit
        );
    }

    #[test]
    fn retry_delay_doubles_and_caps() {
        let config = CommunicationConfig {
            retry_base_ms: 100,
            retry_max_ms: 350,
            ..CommunicationConfig::default()
        };
        assert_eq!(config.retry_delay(1), Duration::from_millis(100));
        assert_eq!(config.retry_delay(2), Duration::from_millis(200));
        assert_eq!(config.retry_delay(3), Duration::from_millis(350));
        assert_eq!(config.retry_delay(60), Duration::from_millis(350));
    }
}
