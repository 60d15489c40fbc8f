//! The AIP-193 error body of the storage-node API.
//!
//! ```json
//! {"error":{"status":"FAILED_PRECONDITION","code":400,"message":"...",
//!   "details":[{"@type":"ErrorInfo","reason":"SHARD_NOT_ASSIGNED",
//!               "domain":"storage.walrus.space","metadata":{}}]}}
//! ```

use std::{collections::BTreeMap, fmt};

use serde::{Deserialize, Serialize};

/// The domain of storage-node errors.
pub const STORAGE_DOMAIN: &str = "storage.walrus.space";
/// The domain of internal and availability errors.
pub const GLOBAL_DOMAIN: &str = "global";

/// The reason strings of the storage-node API (`ErrorInfo.reason`).
pub mod reason {
    /// The node has no metadata for the blob (also: the blob is not registered).
    pub const METADATA_NOT_FOUND: &str = "METADATA_NOT_FOUND";
    /// The node has no such sliver.
    pub const SLIVER_NOT_FOUND: &str = "SLIVER_NOT_FOUND";
    /// The blob is blocked by the node's deny list.
    pub const FORBIDDEN_BLOB: &str = "FORBIDDEN_BLOB";
    /// An index is out of range for the committee size.
    pub const INDEX_OUT_OF_RANGE: &str = "INDEX_OUT_OF_RANGE";
    /// The node does not own the shard of the requested sliver pair.
    pub const SHARD_NOT_ASSIGNED: &str = "SHARD_NOT_ASSIGNED";
    /// The blob is not registered (or has expired).
    pub const NOT_REGISTERED: &str = "NOT_REGISTERED";
    /// The node does not yet store all slivers it needs for a confirmation.
    pub const MISSING_SLIVERS: &str = "MISSING_SLIVERS";
    /// The pending-upload cache is full.
    pub const CACHE_SATURATED: &str = "CACHE_SATURATED";
    /// The sliver is too large to buffer.
    pub const SLIVER_TOO_LARGE: &str = "SLIVER_TOO_LARGE";
    /// The metadata does not verify.
    pub const INVALID_METADATA: &str = "INVALID_METADATA";
    /// The blob has been marked invalid.
    pub const INVALID_BLOB: &str = "INVALID_BLOB";
    /// The encoding type is not supported.
    pub const UNSUPPORTED_ENCODING_TYPE: &str = "UNSUPPORTED_ENCODING_TYPE";
    /// The sliver does not verify against the metadata.
    pub const INVALID_SLIVER: &str = "INVALID_SLIVER";
    /// The URL's pair index does not match the sliver's index.
    pub const SLIVER_INDEX_MISMATCH: &str = "SLIVER_INDEX_MISMATCH";
    /// The inconsistency proof does not verify.
    pub const INVALID_PROOF: &str = "INVALID_PROOF";
    /// No recovery symbols were requested.
    pub const NO_SYMBOLS_SPECIFIED: &str = "NO_SYMBOLS_SPECIFIED";
    /// The recovery-symbol filter is invalid.
    pub const INVALID_FILTER: &str = "INVALID_FILTER";
    /// No target slivers were requested.
    pub const NO_TARGET_SLIVERS_SPECIFIED: &str = "NO_TARGET_SLIVERS_SPECIFIED";
    /// A requested recovery symbol is out of range.
    pub const RECOVERY_SYMBOL_OUT_OF_RANGE: &str = "RECOVERY_SYMBOL_OUT_OF_RANGE";
    /// None of the requested symbols is held by this node.
    pub const SYMBOL_NOT_PRESENT_AT_SHARDS: &str = "SYMBOL_NOT_PRESENT_AT_SHARDS";
    /// The requester is not allowed to make this request.
    pub const REQUEST_UNAUTHORIZED: &str = "REQUEST_UNAUTHORIZED";
    /// A sync-shard request asks for too many slivers.
    pub const SLIVER_COUNT_EXCEEDS_LIMIT: &str = "SLIVER_COUNT_EXCEEDS_LIMIT";
    /// A signed request does not verify.
    pub const MESSAGE_VERIFICATION_FAILED: &str = "MESSAGE_VERIFICATION_FAILED";
    /// A request is for another epoch than the node's.
    pub const INVALID_EPOCH: &str = "INVALID_EPOCH";
    /// The body could not be decoded or has the wrong content type.
    pub const INVALID_CONTENT_TYPE: &str = "INVALID_CONTENT_TYPE";
    /// The request body exceeds the limit (this implementation's reason for 413 answers).
    pub const BODY_TOO_LARGE: &str = "BODY_TOO_LARGE";
    /// The node ran out of storage space (this implementation's reason for a full disk).
    pub const STORAGE_FULL: &str = "STORAGE_FULL";
    /// A path or query parameter does not parse (this implementation's reason).
    pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";
    /// No route matches the request (this implementation's reason).
    pub const ROUTE_NOT_FOUND: &str = "ROUTE_NOT_FOUND";
    /// An internal error.
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
    /// The node is temporarily unable to serve the request.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// The node has no verdict on that target for that epoch (yet) (storage challenges, ours).
    pub const CHALLENGE_VERDICT_NOT_FOUND: &str = "CHALLENGE_VERDICT_NOT_FOUND";
    /// A challenge-symbols request holds no positions or too many (storage challenges, ours).
    pub const INVALID_CHALLENGE_POSITIONS: &str = "INVALID_CHALLENGE_POSITIONS";
    /// Too many challenge-symbol requests from this client; retry after the given delay.
    pub const CHALLENGE_RATE_LIMITED: &str = "CHALLENGE_RATE_LIMITED";
}

/// The canonical status of an error (`error.status`), which fixes its HTTP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApiStatus {
    /// 200.
    Ok,
    /// 400: the request is malformed.
    InvalidArgument,
    /// 400: the system is not in the state the request needs.
    FailedPrecondition,
    /// 404.
    NotFound,
    /// 403.
    PermissionDenied,
    /// 403 (body or resource size limit).
    SizeExceeded,
    /// 401.
    Unauthenticated,
    /// 416.
    RangeNotSatisfiable,
    /// 429.
    ResourceExhausted,
    /// 451.
    UnavailableForLegalReasons,
    /// 500.
    Internal,
    /// 503.
    Unavailable,
    /// 504.
    DeadlineExceeded,
}

impl ApiStatus {
    /// The HTTP status code of this status.
    pub fn http_code(self) -> u16 {
        match self {
            ApiStatus::Ok => 200,
            ApiStatus::InvalidArgument | ApiStatus::FailedPrecondition => 400,
            ApiStatus::NotFound => 404,
            ApiStatus::PermissionDenied | ApiStatus::SizeExceeded => 403,
            ApiStatus::Unauthenticated => 401,
            ApiStatus::RangeNotSatisfiable => 416,
            ApiStatus::ResourceExhausted => 429,
            ApiStatus::UnavailableForLegalReasons => 451,
            ApiStatus::Internal => 500,
            ApiStatus::Unavailable => 503,
            ApiStatus::DeadlineExceeded => 504,
        }
    }
}

/// An error answered by a storage node, in typed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status code (`error.code`).
    pub code: u16,
    /// The canonical status (`error.status`), when the node sent a known one.
    pub status: Option<ApiStatus>,
    /// The human-readable message.
    pub message: String,
    /// The machine-readable reason of the first `ErrorInfo` detail, if any.
    pub reason: Option<String>,
    /// The domain of that detail.
    pub domain: Option<String>,
    /// The metadata of that detail (for example `request_epoch` and `server_epoch`).
    pub metadata: BTreeMap<String, String>,
}

impl ApiError {
    /// Creates a storage-domain error with a reason.
    pub fn new(status: ApiStatus, reason: &str, message: impl Into<String>) -> Self {
        Self {
            code: status.http_code(),
            status: Some(status),
            message: message.into(),
            reason: Some(reason.to_owned()),
            domain: Some(
                if reason == reason::INTERNAL_ERROR || reason == reason::UNAVAILABLE {
                    GLOBAL_DOMAIN
                } else {
                    STORAGE_DOMAIN
                }
                .to_owned(),
            ),
            metadata: BTreeMap::new(),
        }
    }

    /// Overrides the HTTP code (for reasons the reference answers with a non-canonical code).
    pub fn with_code(mut self, code: u16) -> Self {
        self.code = code;
        self
    }

    /// Adds a metadata entry to the error detail.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The generic internal error; the detail goes to the node's logs, not to the client.
    pub fn internal() -> Self {
        Self::new(
            ApiStatus::Internal,
            reason::INTERNAL_ERROR,
            "an internal error has occurred, please report it",
        )
    }

    /// Whether the reason equals `reason`.
    pub fn has_reason(&self, reason: &str) -> bool {
        self.reason.as_deref() == Some(reason)
    }

    /// Serializes the error to its JSON body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&ErrorBody::from(self)).unwrap_or_else(|_| {
            // Serializing plain strings and integers cannot fail; keep a valid body regardless.
            String::from(r#"{"error":{"code":500,"message":"error serialization failed"}}"#)
        })
    }

    /// Parses an error from its JSON body.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        let body: ErrorBody = serde_json::from_slice(body)?;
        Ok(body.into())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.code)?;
        if let Some(reason) = &self.reason {
            write!(f, " {reason}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ApiError {}

#[derive(Serialize, Deserialize)]
struct ErrorBody {
    error: ErrorStatus,
}

#[derive(Serialize, Deserialize)]
struct ErrorStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<serde_json::Value>,
    code: u16,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct ErrorInfo {
    #[serde(rename = "@type")]
    type_name: String,
    reason: String,
    domain: String,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

impl From<&ApiError> for ErrorBody {
    fn from(error: &ApiError) -> Self {
        let mut details = Vec::new();
        if let Some(reason) = &error.reason {
            let info = ErrorInfo {
                type_name: "ErrorInfo".to_owned(),
                reason: reason.clone(),
                domain: error
                    .domain
                    .clone()
                    .unwrap_or_else(|| STORAGE_DOMAIN.to_owned()),
                metadata: error.metadata.clone(),
            };
            if let Ok(value) = serde_json::to_value(info) {
                details.push(value);
            }
        }
        ErrorBody {
            error: ErrorStatus {
                status: error
                    .status
                    .and_then(|status| serde_json::to_value(status).ok()),
                code: error.code,
                message: error.message.clone(),
                details,
            },
        }
    }
}

impl From<ErrorBody> for ApiError {
    fn from(body: ErrorBody) -> Self {
        let status = body
            .error
            .status
            .and_then(|value| serde_json::from_value(value).ok());
        let info = body.error.details.into_iter().find_map(|detail| {
            let info: ErrorInfo = serde_json::from_value(detail).ok()?;
            (info.type_name == "ErrorInfo").then_some(info)
        });
        let (reason, domain, metadata) = match info {
            Some(info) => (Some(info.reason), Some(info.domain), info.metadata),
            None => (None, None, BTreeMap::new()),
        };
        ApiError {
            code: body.error.code,
            status,
            message: body.error.message,
            reason,
            domain,
            metadata,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_example() {
        let body = br#"{"error":{"status":"FAILED_PRECONDITION","code":400,"message":"the shard is not assigned",
          "details":[{"@type":"ErrorInfo","reason":"SHARD_NOT_ASSIGNED","domain":"storage.walrus.space","metadata":{}}]}}"#;
        let error = ApiError::from_json(body).expect("parses");
        assert_eq!(error.code, 400);
        assert_eq!(error.status, Some(ApiStatus::FailedPrecondition));
        assert!(error.has_reason(reason::SHARD_NOT_ASSIGNED));
        assert_eq!(error.domain.as_deref(), Some(STORAGE_DOMAIN));
        assert_eq!(error.message, "the shard is not assigned");
    }

    #[test]
    fn round_trips_with_metadata_and_skips_other_details() {
        let error = ApiError::new(
            ApiStatus::InvalidArgument,
            reason::INVALID_EPOCH,
            "bad epoch",
        )
        .with_metadata("request_epoch", "3")
        .with_metadata("server_epoch", "4");
        let json = error.to_json();
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["error"]["status"], "INVALID_ARGUMENT");
        assert_eq!(value["error"]["details"][0]["@type"], "ErrorInfo");
        assert_eq!(
            value["error"]["details"][0]["metadata"]["server_epoch"],
            "4"
        );
        assert_eq!(ApiError::from_json(json.as_bytes()).expect("parses"), error);

        let internal = br#"{"error":{"status":"INTERNAL","code":500,"message":"an internal error has occurred, please report it",
          "details":[{"@type":"DebugInfo","stackEntries":[],"detail":"TraceID: 1"},
                     {"@type":"ErrorInfo","reason":"INTERNAL_ERROR","domain":"global","metadata":{}}]}}"#;
        let error = ApiError::from_json(internal).expect("parses");
        assert_eq!(error.status, Some(ApiStatus::Internal));
        assert!(error.has_reason(reason::INTERNAL_ERROR));
        assert_eq!(error.domain.as_deref(), Some(GLOBAL_DOMAIN));
        assert_eq!(ApiError::internal().domain.as_deref(), Some(GLOBAL_DOMAIN));
    }

    #[test]
    fn unknown_status_and_missing_details_still_parse() {
        let error =
            ApiError::from_json(br#"{"error":{"status":"TEAPOT","code":418,"message":"x"}}"#)
                .expect("parses");
        assert_eq!(error.code, 418);
        assert_eq!(error.status, None);
        assert_eq!(error.reason, None);
        assert!(ApiError::from_json(b"not json").is_err());
    }

    #[test]
    fn status_codes() {
        assert_eq!(ApiStatus::SizeExceeded.http_code(), 403);
        assert_eq!(ApiStatus::UnavailableForLegalReasons.http_code(), 451);
        assert_eq!(ApiStatus::DeadlineExceeded.http_code(), 504);
        assert_eq!(
            serde_json::to_string(&ApiStatus::UnavailableForLegalReasons).expect("json"),
            "\"UNAVAILABLE_FOR_LEGAL_REASONS\""
        );
    }
}
