//! A typed async client for one storage node.

use base64::{Engine, engine::general_purpose::STANDARD};
use reqwest::{Method, RequestBuilder, StatusCode, Url, header::CONTENT_TYPE};
use serde::de::DeserializeOwned;
use walrus_core::{
    BlobId, BlsPublicKey, Epoch, ObjectId, SliverIndex, SliverPairIndex,
    challenge::ChallengePosition,
    encoding::{
        Axis, EncodingAxis, GeneralRecoverySymbol, InconsistencyProof, Primary, Secondary,
        SliverData,
    },
    messages::{
        InvalidBlobIdAttestation, SignedChallengeVerdict, SignedInvalidBlobIdMsg,
        SignedStorageConfirmation, SignedSyncShardRequest, StorageConfirmation,
    },
    metadata::{BlobMetadata, BlobMetadataWithId},
};

use crate::{
    error::ApiError,
    routes,
    types::{ApiSuccess, BlobStatus, ServiceHealthInfo, StoredOnNodeStatus, SyncShardResponse},
};

/// The content type of BCS bodies.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Errors of [`NodeClient`].
#[derive(Debug, thiserror::Error)]
pub enum NodeApiError {
    /// The base URL is not a valid `http` or `https` URL.
    #[error("invalid node URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The request could not be sent or the response not received.
    #[error("transport error: {}", crate::tls::error_chain(.0))]
    Transport(#[from] reqwest::Error),
    /// The node answered with an error in the API's error shape.
    #[error("node error: {0}")]
    Api(ApiError),
    /// The node answered with an error status and a body that is not the API's error shape.
    #[error("unexpected response HTTP {status}: {body}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// A successful response body could not be decoded.
    #[error("cannot decode the response: {0}")]
    Decode(String),
    /// A client pinned to a node's network key could not be set up.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
}

impl NodeApiError {
    /// Whether the node answered 404.
    pub fn is_not_found(&self) -> bool {
        self.http_status() == Some(404)
    }

    /// The HTTP status of an error response, if the node answered.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            NodeApiError::Api(error) => Some(error.code),
            NodeApiError::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API error, if the node answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            NodeApiError::Api(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the node answered with this reason.
    pub fn has_reason(&self, reason: &str) -> bool {
        self.api_error()
            .is_some_and(|error| error.has_reason(reason))
    }
}

/// What a successful PUT did, from the status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreOutcome {
    /// 201: newly stored.
    Stored,
    /// 200: already stored before.
    AlreadyStored,
    /// 202: buffered until the blob is registered (`pending=true`).
    Buffered,
}

/// A typed client for the REST API of one storage node.
///
/// Plain `http://` and `https://` base URLs work. For nodes with self-signed certificates,
/// build a `reqwest::Client` that trusts (or pins) the node's certificate and use
/// [`NodeClient::with_client`].
#[derive(Debug, Clone)]
pub struct NodeClient {
    client: reqwest::Client,
    base_url: Url,
}

impl NodeClient {
    /// Creates a client for the node at `base_url` with a default `reqwest::Client`.
    pub fn new(base_url: &str) -> Result<Self, NodeApiError> {
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(300))
            .build()?;
        Self::with_client(client, base_url)
    }

    /// The client of a committee member at `base_url`. Over HTTPS it has a client of its own
    /// (with these timeouts) that accepts only a certificate for the member's on-chain
    /// `network_public_key`; over plain HTTP (local networks) it sends with the shared `http`.
    pub fn for_member(
        http: &reqwest::Client,
        base_url: &str,
        network_public_key: &[u8],
        connect_timeout: std::time::Duration,
        timeout: std::time::Duration,
    ) -> Result<Self, NodeApiError> {
        if base_url.starts_with("https://") {
            let key = crate::tls::NetworkPublicKey::from_on_chain(network_public_key)?;
            let pinned = crate::tls::pinned_http_client(key, connect_timeout, timeout)?;
            Self::with_client(pinned, base_url)
        } else {
            Self::with_client(http.clone(), base_url)
        }
    }

    /// Creates a client for the node at `base_url` that sends requests with `client`.
    pub fn with_client(client: reqwest::Client, base_url: &str) -> Result<Self, NodeApiError> {
        let invalid = |reason: String| NodeApiError::InvalidUrl {
            url: base_url.to_owned(),
            reason,
        };
        let mut url = Url::parse(base_url).map_err(|error| invalid(error.to_string()))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(invalid(format!("unsupported scheme {}", url.scheme())));
        }
        if url.cannot_be_a_base() || url.host().is_none() {
            return Err(invalid("the URL has no host".to_owned()));
        }
        let path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&path);
        url.set_query(None);
        Ok(Self {
            client,
            base_url: url,
        })
    }

    /// The base URL of the node.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    fn request(&self, method: Method, path: &str) -> Result<RequestBuilder, NodeApiError> {
        let mut url = self.base_url.clone();
        let full = format!("{}{}", self.base_url.path().trim_end_matches('/'), path);
        url.set_path(&full);
        Ok(self.client.request(method, url))
    }

    /// `GET /v1/blobs/{id}/metadata`: the metadata, not verified (verify it with the committee
    /// size before use).
    pub async fn get_metadata(&self, blob_id: &BlobId) -> Result<BlobMetadataWithId, NodeApiError> {
        let request = self.request(Method::GET, &routes::metadata(blob_id))?;
        send_bcs(request).await
    }

    /// `PUT /v1/blobs/{id}/metadata`.
    pub async fn put_metadata(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
    ) -> Result<StoreOutcome, NodeApiError> {
        self.put_metadata_with(blob_id, metadata, false).await
    }

    /// `PUT /v1/blobs/{id}/metadata[?pending=true]`: with `pending`, the node may buffer the
    /// metadata until the blob is registered.
    pub async fn put_metadata_with(
        &self,
        blob_id: &BlobId,
        metadata: &BlobMetadata,
        pending: bool,
    ) -> Result<StoreOutcome, NodeApiError> {
        let body = encode_bcs(metadata)?;
        let mut request = self
            .request(Method::PUT, &routes::metadata(blob_id))?
            .header(CONTENT_TYPE, OCTET_STREAM)
            .body(body);
        if pending {
            request = request.query(&[(routes::PENDING_QUERY, "true")]);
        }
        send_store(request).await
    }

    /// `GET /v1/blobs/{id}/metadata/status`.
    pub async fn metadata_status(
        &self,
        blob_id: &BlobId,
    ) -> Result<StoredOnNodeStatus, NodeApiError> {
        let request = self.request(Method::GET, &routes::metadata_status(blob_id))?;
        send_json(request).await
    }

    /// `PUT /v1/blobs/{id}/slivers/{pair}/{axis}` for a sliver of either axis.
    pub async fn put_sliver<A: EncodingAxis>(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        sliver: &SliverData<A>,
    ) -> Result<StoreOutcome, NodeApiError> {
        self.put_sliver_with(blob_id, pair, sliver, false).await
    }

    /// Like [`put_sliver`](Self::put_sliver), optionally with `?pending=true`.
    pub async fn put_sliver_with<A: EncodingAxis>(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        sliver: &SliverData<A>,
        pending: bool,
    ) -> Result<StoreOutcome, NodeApiError> {
        let body = encode_bcs(sliver)?;
        let mut request = self
            .request(Method::PUT, &routes::sliver(blob_id, pair, A::AXIS))?
            .header(CONTENT_TYPE, OCTET_STREAM)
            .body(body);
        if pending {
            request = request.query(&[(routes::PENDING_QUERY, "true")]);
        }
        send_store(request).await
    }

    /// `PUT` a primary sliver.
    pub async fn put_sliver_primary(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        sliver: &SliverData<Primary>,
    ) -> Result<StoreOutcome, NodeApiError> {
        self.put_sliver(blob_id, pair, sliver).await
    }

    /// `PUT` a secondary sliver.
    pub async fn put_sliver_secondary(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        sliver: &SliverData<Secondary>,
    ) -> Result<StoreOutcome, NodeApiError> {
        self.put_sliver(blob_id, pair, sliver).await
    }

    /// `GET /v1/blobs/{id}/slivers/{pair}/{axis}`: the sliver, not verified.
    pub async fn get_sliver<A: EncodingAxis>(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
    ) -> Result<SliverData<A>, NodeApiError> {
        let request = self.request(Method::GET, &routes::sliver(blob_id, pair, A::AXIS))?;
        send_bcs(request).await
    }

    /// `GET` a primary sliver.
    pub async fn get_sliver_primary(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
    ) -> Result<SliverData<Primary>, NodeApiError> {
        self.get_sliver(blob_id, pair).await
    }

    /// `GET` a secondary sliver.
    pub async fn get_sliver_secondary(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
    ) -> Result<SliverData<Secondary>, NodeApiError> {
        self.get_sliver(blob_id, pair).await
    }

    /// `GET /v1/blobs/{id}/slivers/{pair}/{axis}/status`.
    pub async fn sliver_status(
        &self,
        blob_id: &BlobId,
        pair: SliverPairIndex,
        axis: Axis,
    ) -> Result<StoredOnNodeStatus, NodeApiError> {
        let request = self.request(Method::GET, &routes::sliver_status(blob_id, pair, axis))?;
        send_json(request).await
    }

    /// `GET /v1/blobs/{id}/confirmation/permanent`: the node's signed storage confirmation (not
    /// verified).
    pub async fn get_permanent_confirmation(
        &self,
        blob_id: &BlobId,
    ) -> Result<SignedStorageConfirmation, NodeApiError> {
        let request = self.request(Method::GET, &routes::permanent_confirmation(blob_id))?;
        let StorageConfirmation::Signed(signed) = send_json(request).await?;
        Ok(signed)
    }

    /// `GET /v1/blobs/{id}/confirmation/deletable/{object_id}` (not verified).
    pub async fn get_deletable_confirmation(
        &self,
        blob_id: &BlobId,
        object_id: &ObjectId,
    ) -> Result<SignedStorageConfirmation, NodeApiError> {
        let request = self.request(
            Method::GET,
            &routes::deletable_confirmation(blob_id, object_id),
        )?;
        let StorageConfirmation::Signed(signed) = send_json(request).await?;
        Ok(signed)
    }

    /// `GET /v1/blobs/{id}/status`.
    pub async fn blob_status(&self, blob_id: &BlobId) -> Result<BlobStatus, NodeApiError> {
        let request = self.request(Method::GET, &routes::blob_status(blob_id))?;
        send_json(request).await
    }

    /// `GET /v1/blobs/{id}/recoverySymbols?proofAxis=..&targetSliver=..&targetType=..`: the
    /// symbols this node can serve for rebuilding sliver `target` of `target_axis`, each with a
    /// proof against its source sliver (verify them before use).
    pub async fn recovery_symbols(
        &self,
        blob_id: &BlobId,
        target: SliverIndex,
        target_axis: Axis,
    ) -> Result<Vec<GeneralRecoverySymbol>, NodeApiError> {
        let request = self
            .request(Method::GET, &routes::recovery_symbols(blob_id))?
            .query(&[
                ("proofAxis", target_axis.orthogonal().to_string()),
                ("targetSliver", target.get().to_string()),
                ("targetType", target_axis.to_string()),
            ]);
        send_bcs(request).await
    }

    /// `POST /v1/blobs/{id}/inconsistencyProof/{axis}`: the node's signed invalid-blob
    /// attestation (not verified).
    pub async fn submit_inconsistency_proof<A: EncodingAxis>(
        &self,
        blob_id: &BlobId,
        proof: &InconsistencyProof<A>,
    ) -> Result<SignedInvalidBlobIdMsg, NodeApiError> {
        let body = encode_bcs(proof)?;
        let request = self
            .request(Method::POST, &routes::inconsistency_proof(blob_id, A::AXIS))?
            .header(CONTENT_TYPE, OCTET_STREAM)
            .body(body);
        send_json::<walrus_core::SignedMessage<InvalidBlobIdAttestation>>(request).await
    }

    /// `GET /v1/health`.
    pub async fn health(&self) -> Result<ServiceHealthInfo, NodeApiError> {
        let request = self.request(Method::GET, routes::HEALTH)?;
        send_json(request).await
    }

    /// `GET /v1/health?detailed=true`: with per-shard detail.
    pub async fn health_detailed(&self) -> Result<ServiceHealthInfo, NodeApiError> {
        let request = self
            .request(Method::GET, routes::HEALTH)?
            .query(&[("detailed", "true")]);
        send_json(request).await
    }

    /// `POST /v1/migrate/sync_shard`: slivers of a shard, for a node that owns it now.
    /// `requester` is the BLS key that signed `request`.
    pub async fn sync_shard(
        &self,
        request: &SignedSyncShardRequest,
        requester: &BlsPublicKey,
    ) -> Result<SyncShardResponse, NodeApiError> {
        let body = encode_bcs(request)?;
        let request = self
            .request(Method::POST, routes::SYNC_SHARD)?
            .header(
                reqwest::header::AUTHORIZATION,
                STANDARD.encode(requester.to_bytes()),
            )
            .header(CONTENT_TYPE, OCTET_STREAM)
            .body(body);
        send_bcs(request).await
    }
}

impl NodeClient {
    /// `POST /v1/challenges/symbols`: the node's answers to storage-challenge positions, in the
    /// order asked, `None` where it holds no such symbol. Nothing is verified (verify each
    /// symbol against the blob's metadata). At most
    /// [`routes::MAX_CHALLENGE_POSITIONS`] positions per request.
    pub async fn challenge_symbols(
        &self,
        positions: &[ChallengePosition],
    ) -> Result<Vec<Option<GeneralRecoverySymbol>>, NodeApiError> {
        let body = encode_bcs(&positions)?;
        let request = self
            .request(Method::POST, routes::CHALLENGE_SYMBOLS)?
            .header(CONTENT_TYPE, OCTET_STREAM)
            .body(body);
        send_bcs(request).await
    }

    /// `GET /v1/challenges/{epoch}/verdicts/{target}`: the node's signed verdict on `target`
    /// (not verified); a 404 ([`NodeApiError::is_not_found`]) while it has none.
    pub async fn challenge_verdict(
        &self,
        epoch: Epoch,
        target: &ObjectId,
    ) -> Result<SignedChallengeVerdict, NodeApiError> {
        let request = self.request(Method::GET, &routes::challenge_verdict(epoch, target))?;
        send_bcs(request).await
    }
}

fn encode_bcs<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, NodeApiError> {
    bcs::to_bytes(value).map_err(|error| NodeApiError::Decode(format!("cannot encode: {error}")))
}

/// Sends the request; returns the response on success, the typed error otherwise.
async fn send(request: RequestBuilder) -> Result<reqwest::Response, NodeApiError> {
    let response = request.send().await?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let body = response.bytes().await?;
    match ApiError::from_json(&body) {
        Ok(mut error) => {
            // The status line is authoritative.
            error.code = status;
            Err(NodeApiError::Api(error))
        }
        Err(_) => Err(NodeApiError::UnexpectedResponse {
            status,
            body: String::from_utf8_lossy(&body[..body.len().min(512)]).into_owned(),
        }),
    }
}

async fn send_bcs<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, NodeApiError> {
    let body = send(request).await?.bytes().await?;
    bcs::from_bytes(&body).map_err(|error| NodeApiError::Decode(error.to_string()))
}

async fn send_json<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, NodeApiError> {
    let body = send(request).await?.bytes().await?;
    let envelope: ApiSuccess<T> =
        serde_json::from_slice(&body).map_err(|error| NodeApiError::Decode(error.to_string()))?;
    Ok(envelope.into_data())
}

async fn send_store(request: RequestBuilder) -> Result<StoreOutcome, NodeApiError> {
    let response = send(request).await?;
    match response.status() {
        StatusCode::CREATED => Ok(StoreOutcome::Stored),
        StatusCode::ACCEPTED => Ok(StoreOutcome::Buffered),
        StatusCode::OK => Ok(StoreOutcome::AlreadyStored),
        other => Err(NodeApiError::Decode(format!(
            "unexpected success status {other} for a store request"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let client = NodeClient::new("http://127.0.0.1:9185/").expect("valid");
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:9185/");
        let request = client
            .request(Method::GET, routes::HEALTH)
            .expect("request")
            .build()
            .expect("builds");
        assert_eq!(request.url().as_str(), "http://127.0.0.1:9185/v1/health");
        assert!(matches!(
            NodeClient::new("ftp://host"),
            Err(NodeApiError::InvalidUrl { .. })
        ));
        assert!(matches!(
            NodeClient::new("not a url"),
            Err(NodeApiError::InvalidUrl { .. })
        ));
        let prefixed = NodeClient::new("https://node.example/prefix/").expect("valid");
        let request = prefixed
            .request(Method::GET, routes::HEALTH)
            .expect("request")
            .build()
            .expect("builds");
        assert_eq!(
            request.url().as_str(),
            "https://node.example/prefix/v1/health"
        );
    }

    #[test]
    fn not_found_detection() {
        let error = NodeApiError::Api(ApiError::new(
            crate::ApiStatus::NotFound,
            crate::reason::METADATA_NOT_FOUND,
            "x",
        ));
        assert!(error.is_not_found());
        assert!(error.has_reason(crate::reason::METADATA_NOT_FOUND));
        let error = NodeApiError::Decode("x".into());
        assert!(!error.is_not_found());
    }
}
