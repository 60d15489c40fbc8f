//! `walrus-devnet`: a local, persistent, single-process chain that speaks the subset of Sui's
//! `sui.rpc.v2` gRPC API that Walrus uses, accepts real signed Sui transactions, and executes the
//! `wal` and `walrus` Move packages (and the framework coin/transfer functions) natively in Rust
//! over objects with the exact Move BCS layout.
//!
//! Layout: [`genesis`] (config, keys, initial objects) → [`chain`] (validation, checkpoints) →
//! [`exec`] (PTB interpreter, effects) → [`natives`] (one module per Move module); [`store`]
//! persists in fjall; [`rpc`] serves gRPC; [`node`] runs everything (writer task, heartbeat,
//! faucet).
//!
//! ```no_run
//! # async fn f() -> Result<(), walrus_devnet::DevnetError> {
//! let dir = std::path::Path::new("/tmp/devnet");
//! let devnet = walrus_devnet::Devnet::start(walrus_devnet::DevnetConfig::default(), dir).await?;
//! println!("{} {}", devnet.grpc_url(), devnet.faucet_url());
//! devnet.shutdown().await;
//! # Ok(()) }
//! ```

pub mod chain;
pub mod exec;
pub mod framework;
pub mod genesis;
mod move_index;
pub mod natives;
pub mod node;
pub mod rpc;
pub mod store;

pub use genesis::{AccountInfo, DevnetConfig, GenesisInfo, NodeConfig, NodeInfo};
pub use node::{Devnet, DevnetError, DevnetHandle, Ports, genesis_info};
