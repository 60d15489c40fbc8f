//! The chain client: reads of the Walrus objects, one async function per contract call, and a
//! checkpoint/event stream. Works against any Sui gRPC v2 endpoint (the embedded devnet or a
//! real full node); everything is decoded from BCS with the mirrors in [`crate::objects`] and
//! [`crate::events`].
//!
//! [`WalrusSuiClient::new`] must be called inside a Tokio runtime (the gRPC channel spawns
//! tasks). Reads work without a wallet; transactions need one ([`WalrusSuiClient::with_wallet`]).

mod calls;
mod error;
mod execute;
pub mod ptb;
mod read;
pub mod stream;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sui_sdk_types::{Address, StructTag, TypeTag};

pub use calls::{BlobRegistration, Certificate, NodeRegistration};
pub use error::{AbortInfo, ChainError, check_status, is_transient_code};
pub use execute::{CreatedObject, TxOutcome};
pub use ptb::{CLOCK_ID, ObjectKind, ObjectRef, PtbBuilder};
pub use read::{CommitteeInfo, CommitteeMember, MoveObject, ObjectOwner, Owned, Prices};
pub use stream::{Backoff, CheckpointCursor, CheckpointEvents, CheckpointFollower, EventEnvelope};

use crate::config::WalrusSuiConfig;
use crate::move_types::MoveStruct;
use crate::wallet::Wallet;

/// The Walrus chain client.
#[derive(Clone)]
pub struct WalrusSuiClient {
    rpc: sui_rpc::Client,
    config: Arc<WalrusSuiConfig>,
    wallet: Option<Wallet>,
    /// Initial shared versions never change: cached per object.
    shared_versions: Arc<Mutex<HashMap<Address, u64>>>,
    /// Serializes this client's transactions (they share gas coins).
    tx_lock: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for WalrusSuiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalrusSuiClient")
            .field("rpc_url", &self.config.rpc_url)
            .field("wallet", &self.wallet)
            .finish_non_exhaustive()
    }
}

impl WalrusSuiClient {
    /// A read-only client. Must be called inside a Tokio runtime.
    pub fn new(config: WalrusSuiConfig) -> Result<Self, ChainError> {
        let rpc =
            sui_rpc::Client::new(config.rpc_url.as_str()).map_err(|e| ChainError::Endpoint {
                url: config.rpc_url.clone(),
                message: e.message().to_owned(),
            })?;
        Ok(Self {
            rpc,
            config: Arc::new(config),
            wallet: None,
            shared_versions: Arc::default(),
            tx_lock: Arc::default(),
        })
    }

    /// The same client signing with `wallet` (its own transaction lock).
    pub fn with_wallet(mut self, wallet: Wallet) -> Self {
        self.wallet = Some(wallet);
        self.tx_lock = Arc::default();
        self
    }

    /// The configuration.
    pub fn config(&self) -> &WalrusSuiConfig {
        &self.config
    }

    /// The signing wallet, if any.
    pub fn wallet(&self) -> Option<&Wallet> {
        self.wallet.as_ref()
    }

    /// The sender address (the wallet's).
    pub fn address(&self) -> Result<Address, ChainError> {
        Ok(self.signer()?.address())
    }

    /// The underlying `sui-rpc` client (cheap to clone).
    pub fn rpc(&self) -> sui_rpc::Client {
        self.rpc.clone()
    }

    fn signer(&self) -> Result<&Wallet, ChainError> {
        self.wallet
            .as_ref()
            .ok_or_else(|| ChainError::InvalidArgument("this client has no wallet".into()))
    }

    /// The struct tag of a Walrus (or WAL) Move type without type parameters.
    pub fn type_tag_of<T: MoveStruct>(&self) -> StructTag {
        let package = match T::PACKAGE {
            "wal" => self.config.wal_package_id,
            _ => self.config.walrus_type_package(),
        };
        struct_tag(package, T::MODULE, T::NAME, Vec::new())
    }

    /// `wal::wal::WAL`.
    pub fn wal_type(&self) -> TypeTag {
        TypeTag::Struct(Box::new(struct_tag(
            self.config.wal_package_id,
            "wal",
            "WAL",
            Vec::new(),
        )))
    }

    /// `0x2::sui::SUI`.
    pub fn sui_type() -> TypeTag {
        TypeTag::Struct(Box::new(StructTag::sui()))
    }
}

/// Builds a struct tag. Module and name must be valid identifiers (they are constants here).
pub fn struct_tag(package: Address, module: &str, name: &str, params: Vec<TypeTag>) -> StructTag {
    StructTag::new(
        package,
        sui_sdk_types::Identifier::new(module).expect("constant module names are identifiers"),
        sui_sdk_types::Identifier::new(name).expect("constant struct names are identifiers"),
        params,
    )
}

/// A Walrus object ID as a Sui address.
pub fn to_address(id: walrus_core::ObjectId) -> Address {
    Address::new(id.0)
}

/// A Sui address as a Walrus object ID.
pub fn to_object_id(address: Address) -> walrus_core::ObjectId {
    walrus_core::ObjectId(address.into_inner())
}
