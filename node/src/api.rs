//! The REST API (`data-plane.md` section 7) over axum: parses requests, calls the node logic
//! and renders BCS bodies, the JSON success envelope or the AIP-193 error shape.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use axum::{
    Extension, Router,
    body::{Body, Bytes},
    extract::{ConnectInfo, Path, RawQuery, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde::Serialize;
use walrus_core::{
    BlobId, BlsPublicKey, Epoch, ObjectId, SliverIndex, SliverPairIndex, SymbolId,
    challenge::ChallengePosition, encoding::Axis,
};
use walrus_node_api::{ApiError, ApiStatus, ApiSuccess, reason, routes};

use crate::node::{NodeInner, Stored, SymbolRequest};

/// An [`ApiError`] as an HTTP response.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> Self {
        Self(error)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0.to_json(),
        )
            .into_response()
    }
}

type ApiResult = Result<Response, HttpError>;

fn invalid_parameter(message: impl Into<String>) -> HttpError {
    HttpError(ApiError::new(
        ApiStatus::InvalidArgument,
        reason::INVALID_PARAMETER,
        message,
    ))
}

fn bcs_response(bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        )],
        bytes,
    )
        .into_response()
}

fn json_response<T: Serialize>(status: StatusCode, data: T) -> Response {
    match serde_json::to_string(&ApiSuccess::new(status.as_u16(), data)) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(_) => HttpError(ApiError::internal()).into_response(),
    }
}

fn stored_response(stored: Stored, what: &str) -> Response {
    match (stored, what) {
        (Stored::New, "metadata") => {
            json_response(StatusCode::CREATED, "metadata successfully stored")
        }
        (Stored::Already, "metadata") => json_response(StatusCode::OK, "metadata already stored"),
        (Stored::Buffered, "metadata") => json_response(
            StatusCode::ACCEPTED,
            "metadata buffered pending registration",
        ),
        (Stored::New, _) => json_response(StatusCode::CREATED, "sliver stored successfully"),
        (Stored::Already, _) => json_response(StatusCode::OK, "sliver already stored"),
        (Stored::Buffered, _) => {
            json_response(StatusCode::ACCEPTED, "sliver buffered pending registration")
        }
    }
}

fn parse_blob_id(text: &str) -> Result<BlobId, HttpError> {
    BlobId::from_str(text).map_err(|e| invalid_parameter(format!("invalid blob ID {text:?}: {e}")))
}

fn parse_pair(text: &str) -> Result<SliverPairIndex, HttpError> {
    text.parse::<u16>()
        .map(SliverPairIndex)
        .map_err(|_| invalid_parameter(format!("invalid sliver pair index {text:?}")))
}

fn parse_axis(text: &str) -> Result<Axis, HttpError> {
    Axis::from_str(text).map_err(|_| invalid_parameter(format!("invalid sliver type {text:?}")))
}

/// The query parameters as `(key, value)` pairs (keys may repeat).
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    reqwest::Url::parse(&format!("http://localhost/?{query}"))
        .map(|url| url.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

fn query_flag(pairs: &[(String, String)], key: &str) -> bool {
    pairs.iter().any(|(k, v)| k == key && v == "true")
}

fn query_value<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> Result<Bytes, HttpError> {
    let too_large = || {
        HttpError(
            ApiError::new(
                ApiStatus::SizeExceeded,
                reason::BODY_TOO_LARGE,
                format!("the request body exceeds the limit of {limit} bytes"),
            )
            .with_code(413),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())
}

fn check_octet_stream(headers: &HeaderMap) -> Result<(), HttpError> {
    match headers.get(header::CONTENT_TYPE) {
        None => Ok(()),
        Some(value) if value.as_bytes().starts_with(b"application/octet-stream") => Ok(()),
        Some(value) => Err(HttpError(ApiError::new(
            ApiStatus::InvalidArgument,
            reason::INVALID_CONTENT_TYPE,
            format!(
                "expected application/octet-stream, got {}",
                String::from_utf8_lossy(value.as_bytes())
            ),
        ))),
    }
}

type Node = State<Arc<NodeInner>>;

async fn get_metadata(State(node): Node, Path(blob_id): Path<String>) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    Ok(bcs_response(node.get_metadata(&blob_id)?))
}

async fn put_metadata(
    State(node): Node,
    Path(blob_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    check_octet_stream(&headers)?;
    let body = read_body(body, &headers, node.metadata_body_limit()).await?;
    let pending = query_flag(&query_pairs(query.as_deref()), routes::PENDING_QUERY);
    let stored = node.put_metadata(&blob_id, &body, pending)?;
    Ok(stored_response(stored, "metadata"))
}

async fn metadata_status(State(node): Node, Path(blob_id): Path<String>) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    Ok(json_response(
        StatusCode::OK,
        node.metadata_status(&blob_id)?,
    ))
}

async fn get_sliver(
    State(node): Node,
    Path((blob_id, pair, axis)): Path<(String, String, String)>,
) -> ApiResult {
    let (blob_id, pair, axis) = (
        parse_blob_id(&blob_id)?,
        parse_pair(&pair)?,
        parse_axis(&axis)?,
    );
    Ok(bcs_response(node.get_sliver(&blob_id, pair, axis)?))
}

async fn put_sliver(
    State(node): Node,
    Path((blob_id, pair, axis)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let (blob_id, pair, axis) = (
        parse_blob_id(&blob_id)?,
        parse_pair(&pair)?,
        parse_axis(&axis)?,
    );
    let body = read_body(body, &headers, node.sliver_body_limit()).await?;
    let pending = query_flag(&query_pairs(query.as_deref()), routes::PENDING_QUERY);
    let worker = Arc::clone(&node);
    let stored = tokio::task::spawn_blocking(move || {
        worker.put_sliver(&blob_id, pair, axis, &body, pending)
    })
    .await
    .map_err(|_| HttpError(ApiError::internal()))??;
    Ok(stored_response(stored, "sliver"))
}

async fn sliver_status(
    State(node): Node,
    Path((blob_id, pair, axis)): Path<(String, String, String)>,
) -> ApiResult {
    let (blob_id, pair, axis) = (
        parse_blob_id(&blob_id)?,
        parse_pair(&pair)?,
        parse_axis(&axis)?,
    );
    Ok(json_response(
        StatusCode::OK,
        node.sliver_status(&blob_id, pair, axis)?,
    ))
}

async fn confirmation(
    node: &NodeInner,
    blob_id: &BlobId,
    object_id: Option<ObjectId>,
    query: Option<&str>,
) -> ApiResult {
    let pairs = query_pairs(query);
    if query_flag(&pairs, "wait_for_registration") {
        let wait = query_value(&pairs, "wait_millis")
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(
                node.config.confirmation_long_poll_max(),
                Duration::from_millis,
            );
        node.wait_for_registration(blob_id, object_id.as_ref(), wait)
            .await;
    }
    let signed = node.confirmation(blob_id, object_id)?;
    Ok(json_response(
        StatusCode::OK,
        walrus_node_api::StorageConfirmation::Signed(signed),
    ))
}

async fn permanent_confirmation(
    State(node): Node,
    Path(blob_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    confirmation(&node, &blob_id, None, query.as_deref()).await
}

async fn deletable_confirmation(
    State(node): Node,
    Path((blob_id, object_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    let object_id = ObjectId::from_str(&object_id)
        .map_err(|e| invalid_parameter(format!("invalid object ID {object_id:?}: {e}")))?;
    confirmation(&node, &blob_id, Some(object_id), query.as_deref()).await
}

fn parse_symbol_request(query: Option<&str>) -> Result<SymbolRequest, HttpError> {
    let pairs = query_pairs(query);
    let filter_error = |message: String| {
        HttpError(ApiError::new(
            ApiStatus::InvalidArgument,
            reason::INVALID_FILTER,
            message,
        ))
    };
    let proof_axis = query_value(&pairs, "proofAxis")
        .map(|v| Axis::from_str(v).map_err(|_| filter_error(format!("invalid proofAxis {v:?}"))))
        .transpose()?;
    let ids: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.as_str())
        .collect();
    if !ids.is_empty() {
        let ids = ids
            .iter()
            .map(|id| {
                SymbolId::from_str(id)
                    .map_err(|_| filter_error(format!("invalid symbol ID {id:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(SymbolRequest::Ids {
            ids,
            proof_axis: proof_axis.unwrap_or(Axis::Primary),
        });
    }
    match (
        query_value(&pairs, "targetSliver"),
        query_value(&pairs, "targetType"),
    ) {
        (Some(index), Some(axis)) => {
            let index = index
                .parse::<u16>()
                .map_err(|_| filter_error(format!("invalid targetSliver {index:?}")))?;
            let axis = Axis::from_str(axis)
                .map_err(|_| filter_error(format!("invalid targetType {axis:?}")))?;
            if proof_axis.is_some_and(|proof| proof == axis) {
                return Err(filter_error(
                    "proofAxis must be orthogonal to targetType".to_owned(),
                ));
            }
            Ok(SymbolRequest::Target {
                index: SliverIndex(index),
                axis,
            })
        }
        (None, None) => Err(HttpError(ApiError::new(
            ApiStatus::FailedPrecondition,
            reason::NO_SYMBOLS_SPECIFIED,
            "specify id=R-C or targetSliver and targetType",
        ))),
        _ => Err(filter_error(
            "targetSliver and targetType go together".to_owned(),
        )),
    }
}

async fn recovery_symbols(
    State(node): Node,
    Path(blob_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    let request = parse_symbol_request(query.as_deref())?;
    let worker = Arc::clone(&node);
    let symbols = tokio::task::spawn_blocking(move || worker.recovery_symbols(&blob_id, &request))
        .await
        .map_err(|_| HttpError(ApiError::internal()))??;
    let bytes = bcs::to_bytes(&symbols).map_err(|_| HttpError(ApiError::internal()))?;
    Ok(bcs_response(bytes))
}

async fn inconsistency_proof(
    State(node): Node,
    Path((blob_id, axis)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let (blob_id, axis) = (parse_blob_id(&blob_id)?, parse_axis(&axis)?);
    let body = read_body(body, &headers, node.proof_body_limit()).await?;
    let worker = Arc::clone(&node);
    let attestation =
        tokio::task::spawn_blocking(move || worker.inconsistency_proof(&blob_id, axis, &body))
            .await
            .map_err(|_| HttpError(ApiError::internal()))??;
    Ok(json_response(StatusCode::OK, attestation))
}

async fn blob_status(State(node): Node, Path(blob_id): Path<String>) -> ApiResult {
    let blob_id = parse_blob_id(&blob_id)?;
    Ok(json_response(StatusCode::OK, node.blob_status(&blob_id)?))
}

async fn health(State(node): Node, RawQuery(query): RawQuery) -> Response {
    let detailed = query_flag(&query_pairs(query.as_deref()), "detailed");
    json_response(StatusCode::OK, node.health(detailed))
}

/// The largest challenge-symbols request body: the positions are 37 bytes each.
const CHALLENGE_BODY_LIMIT: usize = 16 + routes::MAX_CHALLENGE_POSITIONS * 40;

async fn challenge_symbols(
    State(node): Node,
    connect_info: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    // Without the peer address (a server started without connect info) all clients share one
    // bucket.
    let client = connect_info.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.0.ip());
    if let Err(wait) = node.challenge_limiter.check(client) {
        node.metrics.challenge_requests_limited.inc();
        let millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        return Err(HttpError(ApiError::new(
            ApiStatus::ResourceExhausted,
            reason::CHALLENGE_RATE_LIMITED,
            format!("too many challenge requests from {client}; retry in {millis} ms"),
        )));
    }
    check_octet_stream(&headers)?;
    let body = read_body(body, &headers, CHALLENGE_BODY_LIMIT).await?;
    let positions: Vec<ChallengePosition> = bcs::from_bytes(&body).map_err(|e| {
        HttpError(ApiError::new(
            ApiStatus::InvalidArgument,
            reason::INVALID_CONTENT_TYPE,
            format!("the body is not a BCS list of challenge positions: {e}"),
        ))
    })?;
    let worker = Arc::clone(&node);
    let answers = tokio::task::spawn_blocking(move || {
        crate::challenge::answer_positions(&worker, &positions)
    })
    .await
    .map_err(|_| HttpError(ApiError::internal()))??;
    let bytes = bcs::to_bytes(&answers).map_err(|_| HttpError(ApiError::internal()))?;
    Ok(bcs_response(bytes))
}

async fn challenge_verdict(
    State(node): Node,
    Path((epoch, target)): Path<(String, String)>,
) -> ApiResult {
    let epoch: Epoch = epoch
        .parse()
        .map_err(|_| invalid_parameter(format!("invalid epoch {epoch:?}")))?;
    let target = ObjectId::from_str(&target)
        .map_err(|e| invalid_parameter(format!("invalid object ID {target:?}: {e}")))?;
    let verdict = node.challenges.verdict(epoch, &target).ok_or_else(|| {
        HttpError(ApiError::new(
            ApiStatus::NotFound,
            reason::CHALLENGE_VERDICT_NOT_FOUND,
            format!("no verdict on {target} for epoch {epoch}"),
        ))
    })?;
    Ok(bcs_response(verdict.to_bcs()))
}

/// The largest sync-shard request body accepted.
const SYNC_SHARD_BODY_LIMIT: usize = 4096;

async fn sync_shard(State(node): Node, headers: HeaderMap, body: Body) -> Response {
    // As in the reference, a bad Authorization header gets a plain-text answer.
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return (StatusCode::UNAUTHORIZED, "missing Authorization header").into_response();
    };
    let requester = value
        .to_str()
        .ok()
        .and_then(|text| STANDARD.decode(text.trim()).ok())
        .and_then(|bytes| BlsPublicKey::from_bytes(&bytes).ok());
    let Some(requester) = requester else {
        return (
            StatusCode::BAD_REQUEST,
            "the Authorization header is not a base64 BLS public key",
        )
            .into_response();
    };
    let body = match read_body(body, &headers, SYNC_SHARD_BODY_LIMIT).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let worker = Arc::clone(&node);
    let result = tokio::task::spawn_blocking(move || worker.sync_shard(&requester, &body)).await;
    match result {
        Ok(Ok(response)) => match bcs::to_bytes(&response) {
            Ok(bytes) => bcs_response(bytes),
            Err(_) => HttpError(ApiError::internal()).into_response(),
        },
        Ok(Err(error)) => HttpError(error).into_response(),
        Err(_) => HttpError(ApiError::internal()).into_response(),
    }
}

async fn api_docs() -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
        "<html><body><h1>Walrus storage node API</h1>\
         <p>See data-plane.md section 7 for the routes.</p></body></html>",
    )
        .into_response()
}

async fn not_found() -> HttpError {
    HttpError(ApiError::new(
        ApiStatus::NotFound,
        reason::ROUTE_NOT_FOUND,
        "no such route",
    ))
}

async fn count_responses(State(node): Node, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    node.metrics
        .http_responses
        .with_label_values(&[response.status().as_str()])
        .inc();
    response
}

/// The REST API router.
pub fn router(node: Arc<NodeInner>) -> Router {
    Router::new()
        .route(routes::API_DOCS, get(api_docs))
        .route(routes::METADATA, get(get_metadata).put(put_metadata))
        .route(routes::METADATA_STATUS, get(metadata_status))
        .route(routes::SLIVER, get(get_sliver).put(put_sliver))
        .route(routes::SLIVER_STATUS, get(sliver_status))
        .route(routes::PERMANENT_CONFIRMATION, get(permanent_confirmation))
        .route(routes::DELETABLE_CONFIRMATION, get(deletable_confirmation))
        .route(routes::RECOVERY_SYMBOLS, get(recovery_symbols))
        .route(routes::INCONSISTENCY_PROOF, post(inconsistency_proof))
        .route(routes::BLOB_STATUS, get(blob_status))
        .route(routes::HEALTH, get(health))
        .route(routes::SYNC_SHARD, post(sync_shard))
        .route(routes::CHALLENGE_SYMBOLS, post(challenge_symbols))
        .route(routes::CHALLENGE_VERDICT, get(challenge_verdict))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&node),
            count_responses,
        ))
        .with_state(node)
}

/// The metrics router (`GET /metrics`).
pub fn metrics_router(node: Arc<NodeInner>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(node): Node| async move { node.metrics.render() }),
        )
        .with_state(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbol_requests() {
        assert_eq!(
            parse_symbol_request(Some(
                "proofAxis=secondary&targetSliver=3&targetType=primary"
            ))
            .expect("parses"),
            SymbolRequest::Target {
                index: SliverIndex(3),
                axis: Axis::Primary
            }
        );
        assert_eq!(
            parse_symbol_request(Some("id=1-2&id=3-4&proofAxis=secondary")).expect("parses"),
            SymbolRequest::Ids {
                ids: vec![
                    SymbolId::new(SliverIndex(1), SliverIndex(2)),
                    SymbolId::new(SliverIndex(3), SliverIndex(4))
                ],
                proof_axis: Axis::Secondary
            }
        );
        let error = parse_symbol_request(None).expect_err("nothing requested");
        assert!(error.0.has_reason(reason::NO_SYMBOLS_SPECIFIED));
        let error =
            parse_symbol_request(Some("targetSliver=x&targetType=primary")).expect_err("bad index");
        assert!(error.0.has_reason(reason::INVALID_FILTER));
        let error =
            parse_symbol_request(Some("proofAxis=primary&targetSliver=1&targetType=primary"))
                .expect_err("same axis");
        assert!(error.0.has_reason(reason::INVALID_FILTER));
    }
}
