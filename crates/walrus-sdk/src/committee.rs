//! The current committee as the client uses it: members with their BLS keys, shards and an HTTP
//! client for their REST API.

use walrus_core::{BlobId, BlsPublicKey, ObjectId, ShardIndex, SliverPairIndex, bft};
use walrus_node_api::NodeClient;

/// One committee member.
#[derive(Debug, Clone)]
pub struct Member {
    /// The member's index in the on-chain committee (its certificate signer index).
    pub index: u16,
    /// The node ID (its staking pool's object ID).
    pub node_id: ObjectId,
    /// The node's name.
    pub name: String,
    /// The on-chain network address (`host:port` or a URL).
    pub network_address: String,
    /// The BLS public key; `None` if the on-chain bytes are not a valid key.
    pub public_key: Option<BlsPublicKey>,
    /// The number of shards the member holds.
    pub weight: u16,
    /// The shards.
    pub shards: Vec<ShardIndex>,
    /// The REST client; `None` if the address is unusable (`client_error` says why).
    pub client: Option<NodeClient>,
    /// Why there is no client.
    pub client_error: Option<String>,
}

impl Member {
    /// The sliver pairs this member stores for `blob_id`.
    pub fn pairs_for(&self, n_shards: u16, blob_id: &BlobId) -> Vec<SliverPairIndex> {
        self.shards
            .iter()
            .map(|shard| shard.to_pair_index(n_shards, blob_id))
            .collect()
    }
}

/// The committee of one epoch.
#[derive(Debug, Clone)]
pub struct Committee {
    /// The epoch.
    pub epoch: u32,
    /// The number of shards.
    pub n_shards: u16,
    /// Members in on-chain order.
    pub members: Vec<Member>,
}

impl Committee {
    /// `f`, the tolerated number of faulty shards.
    pub fn max_faulty(&self) -> u16 {
        bft::max_n_faulty(self.n_shards)
    }

    /// `n - f`, the weight of a write quorum.
    pub fn min_correct(&self) -> u16 {
        bft::min_n_correct(self.n_shards)
    }

    /// True if `weight > 2f`.
    pub fn is_quorum(&self, weight: u16) -> bool {
        bft::is_quorum(weight, self.n_shards)
    }

    /// True if `weight > f`.
    pub fn is_above_validity(&self, weight: u16) -> bool {
        bft::is_above_validity(weight, self.n_shards)
    }

    /// The member holding `shard`.
    pub fn member_of_shard(&self, shard: ShardIndex) -> Option<&Member> {
        self.members.iter().find(|m| m.shards.contains(&shard))
    }
}

/// Builds the base URL of a node from its on-chain network address: an address with a scheme
/// is used as is, otherwise `scheme://address`.
pub fn node_url(network_address: &str, scheme: &str) -> String {
    if network_address.contains("://") {
        network_address.to_owned()
    } else {
        format!("{scheme}://{network_address}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_urls() {
        assert_eq!(node_url("127.0.0.1:9185", "http"), "http://127.0.0.1:9185");
        assert_eq!(
            node_url("https://node.example:443", "http"),
            "https://node.example:443"
        );
    }

    #[test]
    fn thresholds_follow_the_shard_count() {
        let committee = Committee {
            epoch: 1,
            n_shards: 10,
            members: Vec::new(),
        };
        assert_eq!(committee.max_faulty(), 3);
        assert_eq!(committee.min_correct(), 7);
        assert!(committee.is_quorum(7));
        assert!(!committee.is_quorum(6));
        assert!(committee.is_above_validity(4));
        assert!(!committee.is_above_validity(3));
    }
}
