//! The publisher and aggregator HTTP API (`walrus daemon`), compatible with the reference's
//! routes:
//!
//! - `PUT /v1/blobs?epochs=N[&deletable=true|&permanent=true][&force=true]`: stores the body;
//!   answers `{"newlyCreated":{...}}` or `{"alreadyCertified":{...}}`. Needs a wallet.
//! - `GET /v1/blobs/{blob_id}`: the blob's bytes; a single `Range: bytes=` range gives 206.
//! - `GET /v1/blobs/by-object-id/{object_id}`: the same for the blob of a `Blob` object.
//! - `GET /v1/api`: the OpenAPI document (JSON); `GET /status`: `OK`.
//!
//! Request bodies larger than [`DaemonConfig::max_body_size`] get 413. Errors are
//! `{"error":{"code":<http status>,"message":"..."}}`.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use serde::Deserialize;
use walrus_core::{BlobId, ObjectId};

use crate::client::WalrusClient;
use crate::error::SdkError;
use crate::progress::NoProgress;
use crate::read::ByteRange;
use crate::store::StoreOptions;

/// Daemon settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaemonConfig {
    /// The largest accepted `PUT` body, in bytes.
    pub max_body_size: u64,
    /// Epochs used when a `PUT` names none.
    pub default_epochs: u32,
    /// Whether `PUT` is served (a publisher needs a funded wallet).
    pub publisher: bool,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        Self {
            max_body_size: 10 * 1024 * 1024,
            default_epochs: 1,
            publisher: true,
        }
    }
}

#[derive(Debug, Clone)]
struct AppState {
    client: WalrusClient,
    config: DaemonConfig,
}

/// The daemon's routes.
pub fn router(client: WalrusClient, config: DaemonConfig) -> Router {
    let limit = usize::try_from(config.max_body_size).unwrap_or(usize::MAX);
    Router::new()
        .route("/v1/blobs", put(put_blob))
        .route("/v1/blobs/{blob_id}", get(get_blob))
        .route(
            "/v1/blobs/by-object-id/{object_id}",
            get(get_blob_by_object),
        )
        .route("/v1/api", get(openapi))
        .route("/status", get(|| async { "OK" }))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(AppState { client, config })
}

/// Serves the daemon on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    client: WalrusClient,
    config: DaemonConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(client, config))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Binds `address` and serves the daemon until `shutdown` completes; returns the bound address
/// through `on_bound` first (useful with port 0).
pub async fn bind_and_serve(
    address: SocketAddr,
    client: WalrusClient,
    config: DaemonConfig,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    on_bound(listener.local_addr()?);
    serve(listener, client, config, shutdown).await
}

#[derive(Debug, Deserialize)]
struct PutQuery {
    epochs: Option<u32>,
    deletable: Option<bool>,
    permanent: Option<bool>,
    force: Option<bool>,
}

fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({
        "error": { "code": status.as_u16(), "message": message.into() }
    });
    (status, axum::Json(body)).into_response()
}

fn sdk_error_response(error: &SdkError) -> Response {
    let status = match error {
        SdkError::BlobNotFound(_) | SdkError::BlobInvalid(_) | SdkError::NotFound(_) => {
            StatusCode::NOT_FOUND
        }
        SdkError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
        SdkError::BlobTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        SdkError::InvalidArgument(_) | SdkError::Encoding(_) => StatusCode::BAD_REQUEST,
        SdkError::Decode { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        SdkError::NotEnoughConfirmations { .. } | SdkError::NotEnoughSlivers { .. } => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_response(status, error.to_string())
}

async fn put_blob(
    State(state): State<AppState>,
    Query(query): Query<PutQuery>,
    body: Bytes,
) -> Response {
    if !state.config.publisher {
        return error_response(
            StatusCode::FORBIDDEN,
            "this daemon is an aggregator only; storing is disabled",
        );
    }
    if query.deletable == Some(true) && query.permanent == Some(true) {
        return error_response(
            StatusCode::BAD_REQUEST,
            "a blob cannot be both deletable and permanent",
        );
    }
    let epochs = query.epochs.unwrap_or(state.config.default_epochs);
    if epochs == 0 {
        return error_response(StatusCode::BAD_REQUEST, "epochs must be at least 1");
    }
    let options = StoreOptions {
        epochs,
        deletable: query.deletable.unwrap_or(false),
        force: query.force.unwrap_or(false),
    };
    match state
        .client
        .store_blob(body.to_vec(), &options, &NoProgress)
        .await
    {
        Ok(result) => (StatusCode::OK, axum::Json(result)).into_response(),
        Err(error) => sdk_error_response(&error),
    }
}

async fn get_blob(
    State(state): State<AppState>,
    Path(blob_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(blob_id) = blob_id.parse::<BlobId>() else {
        return error_response(
            StatusCode::BAD_REQUEST,
            format!("invalid blob ID {blob_id}"),
        );
    };
    serve_blob(&state.client, &blob_id, &headers).await
}

async fn get_blob_by_object(
    State(state): State<AppState>,
    Path(object_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(object_id) = object_id.parse::<ObjectId>() else {
        return error_response(
            StatusCode::BAD_REQUEST,
            format!("invalid object ID {object_id}"),
        );
    };
    let blob = match state.client.blob_object(object_id).await {
        Ok(blob) => blob,
        Err(error) => return sdk_error_response(&error),
    };
    let mut response = serve_blob(&state.client, &blob.value.blob_id, &headers).await;
    if let Ok(value) = HeaderValue::from_str(&blob.value.blob_id.to_string()) {
        response.headers_mut().insert("x-walrus-blob-id", value);
    }
    response
}

async fn serve_blob(client: &WalrusClient, blob_id: &BlobId, headers: &HeaderMap) -> Response {
    let octet = HeaderValue::from_static("application/octet-stream");
    match headers.get(header::RANGE).map(|v| v.to_str()) {
        None => match client.read_blob(blob_id).await {
            Ok(data) => ([(header::CONTENT_TYPE, octet)], data).into_response(),
            Err(error) => sdk_error_response(&error),
        },
        Some(value) => {
            let Some(range) = value.ok().and_then(ByteRange::parse_http) else {
                return error_response(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "only one range of the form bytes=a-b, bytes=a- or bytes=-n is supported",
                );
            };
            match client.read_range(blob_id, range, &NoProgress).await {
                Ok(output) => {
                    let start = match range.resolve(output.blob_length) {
                        Ok((start, _)) => start,
                        Err(error) => return sdk_error_response(&error),
                    };
                    let length = output.data.len() as u64;
                    let content_range = if length == 0 {
                        format!("bytes */{}", output.blob_length)
                    } else {
                        format!(
                            "bytes {start}-{}/{}",
                            start + length - 1,
                            output.blob_length
                        )
                    };
                    let mut response = (
                        StatusCode::PARTIAL_CONTENT,
                        [(header::CONTENT_TYPE, octet)],
                        output.data,
                    )
                        .into_response();
                    if let Ok(value) = HeaderValue::from_str(&content_range) {
                        response.headers_mut().insert(header::CONTENT_RANGE, value);
                    }
                    response
                }
                Err(SdkError::RangeNotSatisfiable { length, .. }) => {
                    let mut response = error_response(
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        format!("the blob has {length} bytes"),
                    );
                    if let Ok(value) = HeaderValue::from_str(&format!("bytes */{length}")) {
                        response.headers_mut().insert(header::CONTENT_RANGE, value);
                    }
                    response
                }
                Err(error) => sdk_error_response(&error),
            }
        }
    }
}

async fn openapi() -> Response {
    axum::Json(openapi_document()).into_response()
}

/// The OpenAPI 3 document of the daemon.
pub fn openapi_document() -> serde_json::Value {
    let blob_id_param = serde_json::json!({
        "name": "blob_id", "in": "path", "required": true,
        "schema": { "type": "string" }, "description": "The blob ID (base64url, no padding)."
    });
    let range_param = serde_json::json!({
        "name": "Range", "in": "header", "required": false,
        "schema": { "type": "string" }, "description": "One byte range: bytes=a-b, bytes=a- or bytes=-n."
    });
    let error = serde_json::json!({ "$ref": "#/components/schemas/Error" });
    let blob_responses = serde_json::json!({
        "200": { "description": "The blob.", "content": { "application/octet-stream": {} } },
        "206": { "description": "The requested range.", "content": { "application/octet-stream": {} } },
        "404": { "description": "No such blob.", "content": { "application/json": { "schema": error } } },
        "416": { "description": "Range not satisfiable.", "content": { "application/json": { "schema": error } } }
    });
    serde_json::json!({
        "openapi": "3.0.3",
        "info": { "title": "Walrus publisher and aggregator", "version": env!("CARGO_PKG_VERSION") },
        "paths": {
            "/v1/blobs": { "put": {
                "summary": "Store a blob",
                "parameters": [
                    { "name": "epochs", "in": "query", "schema": { "type": "integer", "minimum": 1 } },
                    { "name": "deletable", "in": "query", "schema": { "type": "boolean" } },
                    { "name": "permanent", "in": "query", "schema": { "type": "boolean" } },
                    { "name": "force", "in": "query", "schema": { "type": "boolean" } }
                ],
                "requestBody": { "required": true, "content": { "application/octet-stream": {} } },
                "responses": {
                    "200": { "description": "newlyCreated or alreadyCertified", "content": { "application/json": { "schema": { "type": "object" } } } },
                    "400": { "description": "Bad request.", "content": { "application/json": { "schema": error } } },
                    "413": { "description": "Body too large." }
                }
            } },
            "/v1/blobs/{blob_id}": { "get": {
                "summary": "Read a blob",
                "parameters": [blob_id_param, range_param],
                "responses": blob_responses
            } },
            "/v1/blobs/by-object-id/{object_id}": { "get": {
                "summary": "Read the blob of a Blob object",
                "parameters": [
                    { "name": "object_id", "in": "path", "required": true, "schema": { "type": "string" } },
                    range_param
                ],
                "responses": blob_responses
            } },
            "/v1/api": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI JSON" } } } },
            "/status": { "get": { "summary": "Liveness", "responses": { "200": { "description": "OK" } } } }
        },
        "components": { "schemas": { "Error": {
            "type": "object",
            "properties": { "error": { "type": "object", "properties": {
                "code": { "type": "integer" }, "message": { "type": "string" }
            } } }
        } } }
    })
}
