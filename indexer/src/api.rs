//! The HTTP JSON API (axum) over a store, with a hand-written OpenAPI document at `/v1/api`.
//! Unknown IDs answer 404 and malformed parameters 400, both with a JSON error body
//! `{"error": {"code": "...", "message": "..."}}`.

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use walrus_core::{BlobId, Epoch, ObjectId};

use crate::indexer::Progress;
use crate::model::{BlobStatus, CommitteeMember, EpochInfo, NodeInfo, PoolInfo};
use crate::store::{Store, StoreError};

/// Every route, as registered with axum (the OpenAPI document must list exactly these).
pub const ROUTES: &[&str] = &[
    "/v1/health",
    "/v1/api",
    "/v1/blobs/{blob_id}",
    "/v1/owners/{address}/blobs",
    "/v1/owners/{address}/stakes",
    "/v1/epochs/latest",
    "/v1/epochs/{epoch}",
    "/v1/committees/{epoch}",
    "/v1/nodes",
    "/v1/nodes/{node_id}",
    "/v1/pools",
    "/v1/pools/{node_id}",
    "/v1/rewards/{epoch}",
    "/v1/challenges",
    "/v1/slashes",
];

/// The state shared by the handlers.
#[derive(Debug)]
pub struct ApiState<S> {
    /// The store.
    pub store: S,
    /// The ingestion progress (chain tip).
    pub progress: Arc<Progress>,
}

/// An API error: the status and a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: "NOT_FOUND",
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "BAD_REQUEST",
            message: message.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "api: store failure");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "INTERNAL",
            message: "internal error".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The router over `state`.
pub fn router<S: Store + Clone>(state: ApiState<S>) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route(ROUTES[0], get(health::<S>))
        .route(ROUTES[1], get(openapi))
        .route(ROUTES[2], get(blob_status::<S>))
        .route(ROUTES[3], get(blobs_by_owner::<S>))
        .route(ROUTES[4], get(stakes_by_owner::<S>))
        .route(ROUTES[5], get(latest_epoch::<S>))
        .route(ROUTES[6], get(epoch::<S>))
        .route(ROUTES[7], get(committee::<S>))
        .route(ROUTES[8], get(nodes::<S>))
        .route(ROUTES[9], get(node::<S>))
        .route(ROUTES[10], get(pools::<S>))
        .route(ROUTES[11], get(pool::<S>))
        .route(ROUTES[12], get(rewards::<S>))
        .route(ROUTES[13], get(challenges::<S>))
        .route(ROUTES[14], get(slashes::<S>))
        .fallback(|| async { ApiError::not_found("no such route") })
        .with_state(state)
}

fn parse<T: FromStr>(text: &str, what: &str) -> Result<T, ApiError> {
    text.parse()
        .map_err(|_| ApiError::bad_request(format!("malformed {what}: {text}")))
}

/// An address or object ID in its canonical text form (`0x` + 64 hex digits).
fn canonical_address(text: &str) -> Result<String, ApiError> {
    if !text.starts_with("0x") {
        return Err(ApiError::bad_request(format!(
            "malformed address (expected 0x + hex): {text}"
        )));
    }
    Ok(parse::<ObjectId>(text, "address")?.to_string())
}

/// The health and lag of the indexer.
#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    next_checkpoint: u64,
    events_applied: u64,
    last_checkpoint_timestamp_ms: Option<u64>,
    chain_tip: Option<u64>,
    lag_checkpoints: Option<u64>,
    current_epoch: Option<Epoch>,
}

async fn health<S: Store>(State(state): State<Arc<ApiState<S>>>) -> ApiResult<Health> {
    let meta = state.store.meta().await?;
    let tip = state.progress.chain_tip();
    let epoch = state.store.latest_epoch().await?;
    Ok(Json(Health {
        status: "ok",
        next_checkpoint: meta.next_checkpoint,
        events_applied: meta.events_applied,
        last_checkpoint_timestamp_ms: meta.last_timestamp_ms,
        chain_tip: tip,
        lag_checkpoints: tip.map(|t| t.saturating_add(1).saturating_sub(meta.next_checkpoint)),
        current_epoch: epoch.map(|e| e.epoch),
    }))
}

async fn blob_status<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(blob_id): Path<String>,
) -> ApiResult<BlobStatus> {
    let blob_id: BlobId = parse(&blob_id, "blob ID")?;
    let objects = state.store.blob_objects(blob_id).await?;
    let invalid = state.store.invalid_epoch(blob_id).await?;
    if objects.is_empty() && invalid.is_none() {
        return Err(ApiError::not_found(format!("unknown blob ID {blob_id}")));
    }
    let current = state.store.latest_epoch().await?.map_or(0, |e| e.epoch);
    Ok(Json(BlobStatus::aggregate(
        blob_id, invalid, objects, current,
    )))
}

async fn blobs_by_owner<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(address): Path<String>,
) -> ApiResult<Value> {
    let owner = canonical_address(&address)?;
    let blobs = state.store.blobs_by_owner(&owner).await?;
    Ok(Json(json!({ "owner": owner, "blobs": blobs })))
}

async fn stakes_by_owner<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(address): Path<String>,
) -> ApiResult<Value> {
    let owner = canonical_address(&address)?;
    let stakes = state.store.stakes_by_owner(&owner).await?;
    Ok(Json(json!({ "owner": owner, "stakes": stakes })))
}

async fn latest_epoch<S: Store>(State(state): State<Arc<ApiState<S>>>) -> ApiResult<EpochInfo> {
    state
        .store
        .latest_epoch()
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("no epoch indexed yet"))
}

async fn epoch<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(epoch): Path<String>,
) -> ApiResult<EpochInfo> {
    let epoch: Epoch = parse(&epoch, "epoch")?;
    state
        .store
        .epoch(epoch)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("unknown epoch {epoch}")))
}

/// A committee with its epoch.
#[derive(Debug, Serialize)]
struct Committee {
    epoch: Epoch,
    n_shards: Option<u16>,
    members: Vec<CommitteeMember>,
}

async fn committee<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(epoch): Path<String>,
) -> ApiResult<Committee> {
    let epoch: Epoch = parse(&epoch, "epoch")?;
    let members = state.store.committee(epoch).await?;
    if members.is_empty() {
        return Err(ApiError::not_found(format!(
            "no committee recorded for epoch {epoch}"
        )));
    }
    let n_shards = state.store.epoch(epoch).await?.and_then(|e| e.n_shards);
    Ok(Json(Committee {
        epoch,
        n_shards,
        members,
    }))
}

async fn nodes<S: Store>(State(state): State<Arc<ApiState<S>>>) -> ApiResult<Vec<NodeInfo>> {
    Ok(Json(state.store.nodes().await?))
}

async fn node<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(node_id): Path<String>,
) -> ApiResult<NodeInfo> {
    let node_id: ObjectId = canonical_address(&node_id)?
        .parse()
        .map_err(|_| ApiError::bad_request(format!("malformed node ID: {node_id}")))?;
    state
        .store
        .nodes()
        .await?
        .into_iter()
        .find(|n| n.node_id == node_id)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("unknown node {node_id}")))
}

/// A pool with its derived stake.
#[derive(Debug, Serialize)]
struct Pool {
    #[serde(flatten)]
    pool: PoolInfo,
    staked: u64,
}

impl From<PoolInfo> for Pool {
    fn from(pool: PoolInfo) -> Self {
        Self {
            staked: pool.staked(),
            pool,
        }
    }
}

async fn pools<S: Store>(State(state): State<Arc<ApiState<S>>>) -> ApiResult<Vec<Pool>> {
    Ok(Json(
        state
            .store
            .pools()
            .await?
            .into_iter()
            .map(Pool::from)
            .collect(),
    ))
}

async fn pool<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(node_id): Path<String>,
) -> ApiResult<Pool> {
    let node_id: ObjectId = canonical_address(&node_id)?
        .parse()
        .map_err(|_| ApiError::bad_request(format!("malformed node ID: {node_id}")))?;
    state
        .store
        .pools()
        .await?
        .into_iter()
        .find(|p| p.node_id == node_id)
        .map(|p| Json(Pool::from(p)))
        .ok_or_else(|| ApiError::not_found(format!("unknown pool {node_id}")))
}

async fn rewards<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Path(epoch): Path<String>,
) -> ApiResult<Value> {
    let epoch: Epoch = parse(&epoch, "epoch")?;
    let rewards = state.store.rewards(epoch).await?;
    Ok(Json(json!({ "epoch": epoch, "rewards": rewards })))
}

/// The query of `/v1/challenges` and `/v1/slashes` (both filters optional).
#[derive(Debug, Default, Deserialize)]
struct NodeEpochFilter {
    node: Option<String>,
    epoch: Option<String>,
}

impl NodeEpochFilter {
    fn node(&self) -> Result<Option<ObjectId>, ApiError> {
        self.node
            .as_deref()
            .map(|text| parse::<ObjectId>(&canonical_address(text)?, "node ID"))
            .transpose()
    }

    fn epoch(&self) -> Result<Option<Epoch>, ApiError> {
        self.epoch
            .as_deref()
            .map(|text| parse::<Epoch>(text, "epoch"))
            .transpose()
    }
}

async fn challenges<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Query(filter): Query<NodeEpochFilter>,
) -> ApiResult<Value> {
    let (node, epoch) = (filter.node()?, filter.epoch()?);
    let verdicts = state.store.challenge_verdicts(node, epoch).await?;
    Ok(Json(json!({
        "node": node.map(|n| n.to_string()),
        "epoch": epoch,
        "verdicts": verdicts,
    })))
}

async fn slashes<S: Store>(
    State(state): State<Arc<ApiState<S>>>,
    Query(filter): Query<NodeEpochFilter>,
) -> ApiResult<Value> {
    let node = filter.node()?;
    let slashes = state.store.slashes(node).await?;
    let total: u64 = slashes
        .iter()
        .fold(0, |sum, s| sum.saturating_add(s.amount));
    Ok(Json(json!({
        "node": node.map(|n| n.to_string()),
        "total": total,
        "slashes": slashes,
    })))
}

async fn openapi() -> Json<Value> {
    Json(openapi_document())
}

fn param(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "path", "required": true,
        "description": description, "schema": { "type": "string" }
    })
}

fn query_param(name: &str, description: &str) -> Value {
    json!({
        "name": name, "in": "query", "required": false,
        "description": description, "schema": { "type": "string" }
    })
}

fn operation(summary: &str, params: Vec<Value>, not_found: bool) -> Value {
    let mut responses = json!({
        "200": { "description": "OK", "content": { "application/json": {} } },
    });
    if !params.is_empty() {
        responses["400"] = json!({ "$ref": "#/components/responses/BadRequest" });
    }
    if not_found {
        responses["404"] = json!({ "$ref": "#/components/responses/NotFound" });
    }
    json!({ "get": { "summary": summary, "parameters": params, "responses": responses } })
}

/// The OpenAPI 3 document of the API.
pub fn openapi_document() -> Value {
    let blob_id = || param("blob_id", "A blob ID (base64url, 43 characters).");
    let address = || param("address", "A Sui address (0x + hex).");
    let epoch = || param("epoch", "A Walrus epoch (u32).");
    let node_id = || param("node_id", "A node ID (0x + hex).");
    let node_filter = || query_param("node", "Only this node (0x + hex).");
    let error = json!({
        "description": "An error",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "walrus-indexer",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The event-sourced view of the Walrus chain state."
        },
        "paths": {
            "/v1/health": operation("Indexer health: cursor, chain tip and lag.", vec![], false),
            "/v1/api": operation("This OpenAPI document.", vec![], false),
            "/v1/blobs/{blob_id}": operation(
                "The status of a blob ID, aggregated over its Blob objects.",
                vec![blob_id()], true),
            "/v1/owners/{address}/blobs": operation(
                "Blob objects registered by an address.", vec![address()], false),
            "/v1/owners/{address}/stakes": operation(
                "StakedWal objects deposited by an address.", vec![address()], false),
            "/v1/epochs/latest": operation("The latest indexed epoch.", vec![], true),
            "/v1/epochs/{epoch}": operation(
                "An epoch and its change state.", vec![epoch()], true),
            "/v1/committees/{epoch}": operation(
                "The committee of an epoch: shards, addresses and keys.", vec![epoch()], true),
            "/v1/nodes": operation("Every known storage node.", vec![], false),
            "/v1/nodes/{node_id}": operation("One storage node.", vec![node_id()], true),
            "/v1/pools": operation("Every known staking pool.", vec![], false),
            "/v1/pools/{node_id}": operation("One staking pool.", vec![node_id()], true),
            "/v1/rewards/{epoch}": operation(
                "The pool rewards paid for an epoch.", vec![epoch()], false),
            "/v1/challenges": operation(
                "Storage-challenge verdicts (pass/fail per node and epoch), in (node, epoch) order.",
                vec![node_filter(), query_param("epoch", "Only this epoch (u32).")], false),
            "/v1/slashes": operation(
                "Slashing history: the slashes of staking pools and their total.",
                vec![node_filter()], false),
        },
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": { "type": "string" },
                                "message": { "type": "string" }
                            }
                        }
                    }
                }
            },
            "responses": { "BadRequest": error.clone(), "NotFound": error }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_and_nothing_else() {
        let document = openapi_document();
        let paths = document["paths"].as_object().expect("paths is an object");
        for route in ROUTES {
            assert!(paths.contains_key(*route), "{route} is not documented");
        }
        for path in paths.keys() {
            assert!(ROUTES.contains(&path.as_str()), "{path} is not a route");
        }
        assert_eq!(paths.len(), ROUTES.len());
    }

    #[test]
    fn addresses_are_canonicalised_and_checked() {
        let full = format!("0x{}", "0".repeat(63) + "7");
        assert_eq!(canonical_address("0x7").ok(), Some(full));
        assert!(canonical_address("7").is_err());
        assert!(canonical_address("0xzz").is_err());
        assert!(parse::<Epoch>("-1", "epoch").is_err());
        assert!(parse::<BlobId>("short", "blob ID").is_err());
    }
}
