//! Typed errors of the chain client.

use sui_rpc::proto::sui::rpc::v2 as proto;
use sui_sdk_types::{Address, Digest};

use crate::errors::MoveAbort;
use crate::wallet::WalletError;

/// Where and why a Move function aborted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbortInfo {
    /// The failed transaction.
    pub digest: Option<Digest>,
    /// The package of the aborting module.
    pub package: Option<Address>,
    /// The aborting module.
    pub module: String,
    /// The aborting function, if the node reported it.
    pub function: Option<String>,
    /// The abort code.
    pub code: u64,
    /// The Walrus abort, if the module and code are one of ours.
    pub abort: Option<MoveAbort>,
    /// The index of the failed PTB command.
    pub command: Option<u64>,
}

impl std::fmt::Display for AbortInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Move abort in {}", self.module)?;
        if let Some(function) = &self.function {
            write!(f, "::{function}")?;
        }
        write!(f, " with code {}", self.code)?;
        if let Some(abort) = &self.abort {
            write!(f, " ({abort:?})")?;
        }
        Ok(())
    }
}

/// Errors of the chain client.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The RPC failed (transport error or a status from the node).
    #[error("RPC error: {0}")]
    Rpc(Box<tonic::Status>),
    /// The endpoint URL is invalid.
    #[error("invalid RPC endpoint {url}: {message}")]
    Endpoint {
        /// The URL.
        url: String,
        /// The parse error.
        message: String,
    },
    /// The transaction was executed but a Move function aborted.
    #[error("transaction failed: {0}")]
    MoveAbort(Box<AbortInfo>),
    /// The transaction was executed but failed for another reason.
    #[error("transaction {digest:?} failed: {kind}: {description}")]
    ExecutionFailed {
        /// The failed transaction.
        digest: Option<Digest>,
        /// The error kind (`sui.rpc.v2.ExecutionError.kind`).
        kind: String,
        /// The node's description.
        description: String,
    },
    /// Not enough SUI for gas.
    #[error("insufficient SUI for gas: need {required} MIST, have {available}")]
    InsufficientGas {
        /// The gas budget.
        required: u64,
        /// The owner's SUI balance.
        available: u64,
    },
    /// Not enough WAL for a payment.
    #[error("insufficient WAL: need {required} FROST, have {available}")]
    InsufficientWal {
        /// The required amount.
        required: u64,
        /// The owner's WAL balance.
        available: u64,
    },
    /// An object does not exist.
    #[error("object {0} not found")]
    ObjectNotFound(Address),
    /// An object has an unexpected type or owner.
    #[error("object {id}: {message}")]
    UnexpectedObject {
        /// The object.
        id: Address,
        /// What is wrong.
        message: String,
    },
    /// The node's answer lacks a field or cannot be decoded.
    #[error("malformed RPC response: {0}")]
    Malformed(String),
    /// A transaction could not be built.
    #[error("cannot build transaction: {0}")]
    Build(String),
    /// Signing failed or no key is available.
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// The transaction executed but was not seen in a checkpoint in time.
    #[error("transaction {digest} not checkpointed in time")]
    CheckpointTimeout {
        /// The transaction.
        digest: Digest,
    },
    /// The client was used incorrectly (e.g. an invalid argument).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl From<tonic::Status> for ChainError {
    fn from(status: tonic::Status) -> Self {
        if status.code() == tonic::Code::NotFound
            && let Some(id) = not_found_object(status.message())
        {
            return Self::ObjectNotFound(id);
        }
        Self::Rpc(Box::new(status))
    }
}

impl From<bcs::Error> for ChainError {
    fn from(e: bcs::Error) -> Self {
        Self::Malformed(format!("BCS: {e}"))
    }
}

/// Parses "Object 0x… not found" (the full node's and devnet's NOT_FOUND message).
fn not_found_object(message: &str) -> Option<Address> {
    let rest = message.strip_prefix("Object ")?;
    let id = rest.split_whitespace().next()?;
    id.parse().ok()
}

impl ChainError {
    /// The decoded Walrus abort, if this is one.
    pub fn move_abort(&self) -> Option<MoveAbort> {
        match self {
            Self::MoveAbort(info) => info.abort,
            _ => None,
        }
    }

    /// Whether retrying might help (transient transport errors).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Rpc(status) => is_transient_code(status.code()),
            Self::CheckpointTimeout { .. } => true,
            _ => false,
        }
    }
}

/// Whether a gRPC status code is worth retrying.
pub fn is_transient_code(code: tonic::Code) -> bool {
    matches!(
        code,
        tonic::Code::Unavailable
            | tonic::Code::DeadlineExceeded
            | tonic::Code::ResourceExhausted
            | tonic::Code::Aborted
            | tonic::Code::Unknown
            | tonic::Code::Internal
    )
}

/// Turns a failed execution status into an error (`Ok` for success).
pub fn check_status(
    digest: Option<Digest>,
    status: Option<&proto::ExecutionStatus>,
) -> Result<(), ChainError> {
    let Some(status) = status else {
        return Err(ChainError::Malformed("effects without status".into()));
    };
    if status.success() {
        return Ok(());
    }
    let Some(error) = status.error.as_ref() else {
        return Err(ChainError::ExecutionFailed {
            digest,
            kind: "UNKNOWN".into(),
            description: "no error details".into(),
        });
    };
    let kind = error.kind();
    let description = error.description.clone().unwrap_or_default();
    match (&error.error_details, kind) {
        (Some(proto::execution_error::ErrorDetails::Abort(abort)), _) => {
            let location = abort.location.clone().unwrap_or_default();
            let module = location.module.unwrap_or_default();
            let code = abort.abort_code.unwrap_or_default();
            let package = location.package.as_deref().and_then(|p| p.parse().ok());
            let walrus = match package {
                // Framework modules (0x1, 0x2, ...) never carry Walrus codes.
                Some(p) if is_framework(&p) => None,
                _ => MoveAbort::from_abort(
                    code_module(&module, location.function_name.as_deref()),
                    code,
                ),
            };
            if walrus.is_none()
                && package.as_ref().is_some_and(is_framework)
                && module == "balance"
                && code == 2
            {
                // `sui::balance::split` on a too small coin (ENotEnough).
                return Err(ChainError::ExecutionFailed {
                    digest,
                    kind: "INSUFFICIENT_COIN_BALANCE".into(),
                    description: format!("0x2::balance::split aborted: {description}"),
                });
            }
            Err(ChainError::MoveAbort(Box::new(AbortInfo {
                digest,
                package,
                module,
                function: location.function_name,
                code,
                abort: walrus,
                command: error.command,
            })))
        }
        (_, proto::execution_error::ExecutionErrorKind::InsufficientGas) => {
            Err(ChainError::ExecutionFailed {
                digest,
                kind: "INSUFFICIENT_GAS".into(),
                description,
            })
        }
        (_, kind) => Err(ChainError::ExecutionFailed {
            digest,
            kind: kind.as_str_name().to_owned(),
            description,
        }),
    }
}

/// The module whose constants an abort code at `module::function` belongs to.
/// `storage_accounting::increase_used_capacity` aborts with the code its caller passes; its only
/// caller is `system` (with `EStorageExceeded`).
fn code_module<'a>(module: &'a str, function: Option<&str>) -> &'a str {
    match (module, function) {
        ("storage_accounting", Some("increase_used_capacity")) => "system",
        _ => module,
    }
}

fn is_framework(package: &Address) -> bool {
    let bytes = package.inner();
    bytes[..31].iter().all(|b| *b == 0) && bytes[31] <= 3
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests fail loudly by design.
mod tests {
    use super::*;
    use crate::errors::SystemError;

    fn abort_status(package: &str, module: &str, code: u64) -> proto::ExecutionStatus {
        abort_status_in(package, module, "reserve_space", code)
    }

    fn abort_status_in(
        package: &str,
        module: &str,
        function: &str,
        code: u64,
    ) -> proto::ExecutionStatus {
        let mut location = proto::MoveLocation::default();
        location.package = Some(package.to_owned());
        location.module = Some(module.to_owned());
        location.function_name = Some(function.to_owned());
        let mut abort = proto::MoveAbort::default();
        abort.abort_code = Some(code);
        abort.location = Some(location);
        let mut error = proto::ExecutionError::default();
        error.set_kind(proto::execution_error::ExecutionErrorKind::MoveAbort);
        error.error_details = Some(proto::execution_error::ErrorDetails::Abort(abort));
        error.command = Some(1);
        let mut status = proto::ExecutionStatus::default();
        status.success = Some(false);
        status.error = Some(error);
        status
    }

    #[test]
    fn walrus_aborts_decode_to_generated_enums() {
        let pkg = Address::from_static("0xabc").to_string();
        let code = SystemError::EInvalidEpochsAhead.code();
        let err = check_status(None, Some(&abort_status(&pkg, "system", code))).unwrap_err();
        assert_eq!(
            err.move_abort(),
            Some(MoveAbort::System(SystemError::EInvalidEpochsAhead))
        );
        let ChainError::MoveAbort(info) = &err else {
            panic!("{err}")
        };
        assert_eq!(info.function.as_deref(), Some("reserve_space"));
        assert_eq!(info.command, Some(1));
        assert!(err.to_string().contains("EInvalidEpochsAhead"));
    }

    #[test]
    fn capacity_aborts_decode_with_the_callers_code() {
        let pkg = Address::from_static("0xabc").to_string();
        let code = SystemError::EStorageExceeded.code();
        let status = abort_status_in(&pkg, "storage_accounting", "increase_used_capacity", code);
        let err = check_status(None, Some(&status)).unwrap_err();
        assert_eq!(
            err.move_abort(),
            Some(MoveAbort::System(SystemError::EStorageExceeded))
        );
        let ChainError::MoveAbort(info) = &err else {
            panic!("{err}")
        };
        assert_eq!(info.module, "storage_accounting");
    }

    #[test]
    fn framework_aborts_are_not_walrus_aborts() {
        let err = check_status(None, Some(&abort_status("0x2", "balance", 2))).unwrap_err();
        assert!(
            matches!(err, ChainError::ExecutionFailed { ref kind, .. } if kind == "INSUFFICIENT_COIN_BALANCE")
        );
        let err = check_status(None, Some(&abort_status("0x2", "system", 1))).unwrap_err();
        assert_eq!(err.move_abort(), None);
    }

    #[test]
    fn success_and_other_failures() {
        let mut ok = proto::ExecutionStatus::default();
        ok.success = Some(true);
        assert!(check_status(None, Some(&ok)).is_ok());
        assert!(check_status(None, None).is_err());
        let mut error = proto::ExecutionError::default();
        error.set_kind(proto::execution_error::ExecutionErrorKind::InsufficientGas);
        let mut status = proto::ExecutionStatus::default();
        status.success = Some(false);
        status.error = Some(error);
        assert!(matches!(
            check_status(None, Some(&status)),
            Err(ChainError::ExecutionFailed { kind, .. }) if kind == "INSUFFICIENT_GAS"
        ));
    }

    #[test]
    fn not_found_status_names_the_object() {
        let id = Address::from_static("0x5");
        let err = ChainError::from(tonic::Status::not_found(format!("Object {id} not found")));
        assert!(matches!(err, ChainError::ObjectNotFound(x) if x == id));
        assert!(ChainError::from(tonic::Status::unavailable("x")).is_transient());
    }
}
