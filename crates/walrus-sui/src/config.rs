//! The chain client's configuration: which Sui gRPC endpoint to talk to and where the Walrus
//! packages and shared objects live. The same struct works against the embedded devnet and a
//! real Sui full node; switching networks is a config change.
//!
//! YAML example (TOML uses the same keys):
//!
//! ```yaml
//! rpc_url: http://127.0.0.1:9000
//! wal_package_id: 0x1b…
//! walrus_package_id: 0x2c…
//! system_object_id: 0x3d…
//! staking_object_id: 0x4e…
//! # optional:
//! wal_treasury_id: 0x5f…
//! wallet_path: /home/me/.walrus/sui.keystore
//! gas_budget: 100000000
//! execution_timeout_secs: 60
//! ```

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sui_sdk_types::Address;

/// The default gas budget of one transaction, in MIST (0.1 SUI).
pub const DEFAULT_GAS_BUDGET: u64 = 100_000_000;
/// The default time to wait for a transaction to be checkpointed.
pub const DEFAULT_EXECUTION_TIMEOUT_SECS: u64 = 60;

/// Endpoint, package and object IDs of a Walrus deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WalrusSuiConfig {
    /// The Sui gRPC endpoint (`http://…` or `https://…`).
    pub rpc_url: String,
    /// The `wal` package (defines `wal::wal::WAL`).
    pub wal_package_id: Address,
    /// The `walrus` package whose functions are called.
    pub walrus_package_id: Address,
    /// The shared `walrus::system::System` object.
    pub system_object_id: Address,
    /// The shared `walrus::staking::Staking` object.
    pub staking_object_id: Address,
    /// The shared `wal::wal::ProtectedTreasury` (WAL total supply and burning); optional, only
    /// [`crate::client::WalrusSuiClient::wal_total_supply`] and `burn_wal` need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wal_treasury_id: Option<Address>,
    /// The package that first defined the Walrus types (for type tags and event filters); the
    /// same as `walrus_package_id` until the package is upgraded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub walrus_type_origin_id: Option<Address>,
    /// The keystore file of the signing wallet (see [`crate::wallet`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wallet_path: Option<PathBuf>,
    /// The gas budget of one transaction, in MIST.
    #[serde(default = "default_gas_budget")]
    pub gas_budget: u64,
    /// How long to wait for an executed transaction to be checkpointed.
    #[serde(default = "default_execution_timeout_secs")]
    pub execution_timeout_secs: u64,
}

fn default_gas_budget() -> u64 {
    DEFAULT_GAS_BUDGET
}

fn default_execution_timeout_secs() -> u64 {
    DEFAULT_EXECUTION_TIMEOUT_SECS
}

/// Errors loading or saving a [`WalrusSuiConfig`].
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
    /// TOML syntax or schema error.
    #[error("invalid TOML config: {0}")]
    TomlDe(#[from] toml::de::Error),
    /// TOML encoding error.
    #[error("cannot encode TOML config: {0}")]
    TomlSer(#[from] toml::ser::Error),
    /// The file extension is neither `.yaml`/`.yml` nor `.toml`.
    #[error("unknown config format of {0} (expected .yaml, .yml or .toml)")]
    UnknownFormat(PathBuf),
}

enum Format {
    Yaml,
    Toml,
}

fn format_of(path: &Path) -> Result<Format, ConfigError> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => Ok(Format::Yaml),
        Some("toml") => Ok(Format::Toml),
        _ => Err(ConfigError::UnknownFormat(path.to_owned())),
    }
}

impl WalrusSuiConfig {
    /// A config with default gas budget and timeout.
    pub fn new(
        rpc_url: impl Into<String>,
        wal_package_id: Address,
        walrus_package_id: Address,
        system_object_id: Address,
        staking_object_id: Address,
    ) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            wal_package_id,
            walrus_package_id,
            system_object_id,
            staking_object_id,
            wal_treasury_id: None,
            walrus_type_origin_id: None,
            wallet_path: None,
            gas_budget: DEFAULT_GAS_BUDGET,
            execution_timeout_secs: DEFAULT_EXECUTION_TIMEOUT_SECS,
        }
    }

    /// Parses YAML.
    pub fn from_yaml_str(text: &str) -> Result<Self, ConfigError> {
        Ok(serde_yaml::from_str(text)?)
    }

    /// Parses TOML.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Ok(toml::from_str(text)?)
    }

    /// Encodes as YAML.
    pub fn to_yaml_string(&self) -> Result<String, ConfigError> {
        Ok(serde_yaml::to_string(self)?)
    }

    /// Encodes as TOML.
    pub fn to_toml_string(&self) -> Result<String, ConfigError> {
        Ok(toml::to_string(self)?)
    }

    /// Loads a `.yaml`/`.yml` or `.toml` file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let format = format_of(path)?;
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        match format {
            Format::Yaml => Self::from_yaml_str(&text),
            Format::Toml => Self::from_toml_str(&text),
        }
    }

    /// Saves to a `.yaml`/`.yml` or `.toml` file.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ConfigError> {
        let path = path.as_ref();
        let text = match format_of(path)? {
            Format::Yaml => self.to_yaml_string()?,
            Format::Toml => self.to_toml_string()?,
        };
        std::fs::write(path, text).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })
    }

    /// The package that defines the Walrus types.
    pub fn walrus_type_package(&self) -> Address {
        self.walrus_type_origin_id.unwrap_or(self.walrus_package_id)
    }

    /// The checkpoint wait timeout.
    pub fn execution_timeout(&self) -> Duration {
        Duration::from_secs(self.execution_timeout_secs)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;

    fn sample() -> WalrusSuiConfig {
        WalrusSuiConfig::new(
            "http://127.0.0.1:9000",
            Address::from_static("0x11"),
            Address::from_static("0x22"),
            Address::from_static("0x33"),
            Address::from_static("0x44"),
        )
    }

    #[test]
    fn yaml_and_toml_round_trip() {
        let config = sample();
        let yaml = config.to_yaml_string().unwrap();
        assert!(yaml.contains(&config.wal_package_id.to_string()));
        assert_eq!(WalrusSuiConfig::from_yaml_str(&yaml).unwrap(), config);
        let toml = config.to_toml_string().unwrap();
        assert_eq!(WalrusSuiConfig::from_toml_str(&toml).unwrap(), config);
    }

    #[test]
    fn short_ids_and_defaults_parse() {
        let yaml = "rpc_url: http://localhost:1\nwal_package_id: '0x1'\nwalrus_package_id: '0x2'\n\
                    system_object_id: '0x3'\nstaking_object_id: '0x4'\n";
        let config = WalrusSuiConfig::from_yaml_str(yaml).unwrap();
        assert_eq!(config.walrus_package_id, Address::TWO);
        assert_eq!(config.gas_budget, DEFAULT_GAS_BUDGET);
        assert_eq!(config.walrus_type_package(), Address::TWO);
        assert!(WalrusSuiConfig::from_yaml_str(&format!("{yaml}bogus: 1\n")).is_err());
    }

    #[test]
    fn files_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["c.yaml", "c.yml", "c.toml"] {
            let path = dir.path().join(name);
            sample().save(&path).unwrap();
            assert_eq!(WalrusSuiConfig::load(&path).unwrap(), sample());
        }
        assert!(matches!(
            sample().save(dir.path().join("c.json")),
            Err(ConfigError::UnknownFormat(_))
        ));
    }
}
