//! The indexer service: ingestion and the HTTP API run together until a shutdown signal or the
//! first failure. Shared by the `walrus-indexer run` binary and `walrus local`.

use std::future::Future;

use tokio::net::TcpListener;
use walrus_sui::client::WalrusSuiClient;

use crate::api::{self, ApiState};
use crate::{AnyStore, Indexer, IndexerConfig, IndexerError, SuiContext};

/// Why the service stopped before its shutdown signal.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Ingestion failed (a store error or a chain error retries could not fix).
    #[error("indexing: {0}")]
    Indexing(#[from] IndexerError),
    /// The HTTP server failed.
    #[error("API server: {0}")]
    Api(#[from] std::io::Error),
    /// The HTTP server task panicked or was cancelled.
    #[error("API task: {0}")]
    ApiTask(#[from] tokio::task::JoinError),
}

/// Follows `client`'s chain into `store` and serves the API on `listener` until `shutdown`
/// completes (then returns `Ok`) or ingestion or the server fails. Dropping the returned future
/// stops ingestion; a checkpoint is either committed whole or not at all.
pub async fn run(
    client: WalrusSuiClient,
    store: AnyStore,
    config: IndexerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServiceError> {
    let indexer = Indexer::new(store.clone(), config);
    let app = api::router(ApiState {
        store,
        progress: indexer.progress(),
    });
    let mut server = tokio::spawn(async move { axum::serve(listener, app).await });
    let context = SuiContext(client.clone());
    let result = tokio::select! {
        result = indexer.run(&client, &context) => result.map_err(ServiceError::from),
        result = &mut server => match result {
            Ok(served) => served.map_err(ServiceError::from),
            Err(e) => Err(ServiceError::from(e)),
        },
        () = shutdown => Ok(()),
    };
    server.abort();
    result
}
