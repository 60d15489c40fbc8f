//! Storage-challenge verdicts: a challenger's signed judgement of whether a node answered the
//! storage challenges of an epoch (our extension; the reference Walrus has no such message).
//!
//! Layout (BCS): the 7-byte header `[16, 0, 3] ++ epoch as u32 LE`, then the 32-byte object ID of
//! the challenged storage node, then one byte, `1` if the node passed and `0` if it failed.
//! Every challenger that reaches the same verdict signs the same bytes, so the signatures
//! aggregate into a [`ChallengeVerdictCertificate`]; the chain records a verdict only with a
//! quorum (`n - f` shards) of signers that does not include the challenged node itself.

use serde::{Deserialize, Serialize};

use super::{IntentType, MessageBody, ProtocolMessage, SignedMessage, sealed};
use crate::ids::{Epoch, ObjectId};

/// The body of a challenge verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChallengeVerdict {
    /// The object ID of the challenged storage node (its `StorageNodeInfo` ID).
    pub target: ObjectId,
    /// True if the node answered enough of its challenges correctly and in time.
    pub passed: bool,
}

impl sealed::Sealed for ChallengeVerdict {}

impl MessageBody for ChallengeVerdict {
    const INTENT_TYPE: IntentType = IntentType::CHALLENGE_VERDICT;
}

/// A challenge verdict message (intent type `CHALLENGE_VERDICT`, 40 bytes).
pub type ChallengeVerdictMsg = ProtocolMessage<ChallengeVerdict>;

impl ChallengeVerdictMsg {
    /// Creates the verdict on `target` for the challenges of `epoch`.
    pub fn verdict(epoch: Epoch, target: ObjectId, passed: bool) -> Self {
        Self::new(epoch, ChallengeVerdict { target, passed })
    }

    /// Returns the challenged node.
    pub fn target(&self) -> ObjectId {
        self.contents().target
    }

    /// Returns true if the verdict is a pass.
    pub fn passed(&self) -> bool {
        self.contents().passed
    }
}

/// A challenge verdict signed by one challenger.
pub type SignedChallengeVerdict = SignedMessage<ChallengeVerdict>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let message = ChallengeVerdictMsg::verdict(21, ObjectId([7; 32]), true);
        assert_eq!(
            hex::encode(message.to_bcs()),
            format!("10000315000000{}01", "07".repeat(32))
        );
        let failed = ChallengeVerdictMsg::verdict(21, ObjectId([7; 32]), false);
        assert!(hex::encode(failed.to_bcs()).ends_with("00"));
        assert_eq!(message.target(), ObjectId([7; 32]));
        assert!(message.passed());
        assert!(!failed.passed());
    }
}
