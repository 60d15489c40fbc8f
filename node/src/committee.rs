//! The node's view of the current committee: members, their shards, keys and REST endpoints.

use std::collections::{BTreeMap, BTreeSet};

use walrus_core::{BlsPublicKey, Epoch, ObjectId, ShardIndex};
use walrus_node_api::NodeClient;

/// One committee member.
#[derive(Debug, Clone)]
pub struct Member {
    /// The node ID.
    pub node_id: ObjectId,
    /// The BLS public key.
    pub public_key: BlsPublicKey,
    /// The shards it holds.
    pub shards: Vec<ShardIndex>,
    /// Its index in the on-chain member list (the signer index in certificates).
    pub index: u16,
    /// The REST client for it, if its network address could be parsed.
    pub client: Option<NodeClient>,
}

impl Member {
    /// The member's weight (number of shards).
    pub fn weight(&self) -> u16 {
        u16::try_from(self.shards.len()).unwrap_or(u16::MAX)
    }
}

/// The committee of one epoch.
#[derive(Debug, Clone)]
pub struct Committee {
    /// The epoch.
    pub epoch: Epoch,
    /// The number of shards.
    pub n_shards: u16,
    /// Members in on-chain order.
    pub members: Vec<Member>,
    shard_owner: BTreeMap<ShardIndex, usize>,
}

impl Committee {
    /// Builds the committee; `members` are in on-chain order.
    pub fn new(epoch: Epoch, n_shards: u16, members: Vec<Member>) -> Self {
        let mut shard_owner = BTreeMap::new();
        for (position, member) in members.iter().enumerate() {
            for shard in &member.shards {
                shard_owner.insert(*shard, position);
            }
        }
        Self {
            epoch,
            n_shards,
            members,
            shard_owner,
        }
    }

    /// The shards held by `node_id`.
    pub fn shards_of(&self, node_id: &ObjectId) -> BTreeSet<ShardIndex> {
        self.member(node_id)
            .map(|m| m.shards.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The member with this node ID.
    pub fn member(&self, node_id: &ObjectId) -> Option<&Member> {
        self.members.iter().find(|m| &m.node_id == node_id)
    }

    /// The member with this BLS key.
    pub fn member_by_key(&self, key: &BlsPublicKey) -> Option<&Member> {
        self.members.iter().find(|m| &m.public_key == key)
    }

    /// The member holding `shard`.
    pub fn owner_of(&self, shard: ShardIndex) -> Option<&Member> {
        self.shard_owner
            .get(&shard)
            .and_then(|position| self.members.get(*position))
    }
}

/// Turns an on-chain network address into a base URL: addresses with a scheme are used as
/// they are; `host:port` gets `https://` or `http://`.
pub fn base_url(network_address: &str, tls: bool) -> String {
    if network_address.contains("://") {
        network_address.to_owned()
    } else if tls {
        format!("https://{network_address}")
    } else {
        format!("http://{network_address}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(index: u16, shards: &[u16]) -> Member {
        Member {
            node_id: ObjectId([u8::try_from(index).expect("small"); 32]),
            public_key: walrus_core::BlsKeyPair::generate(&mut rand::thread_rng())
                .public_key()
                .clone(),
            shards: shards.iter().copied().map(ShardIndex).collect(),
            index,
            client: None,
        }
    }

    #[test]
    fn lookups() {
        let committee = Committee::new(3, 4, vec![member(0, &[0, 2]), member(1, &[1, 3])]);
        assert_eq!(
            committee.shards_of(&ObjectId([1; 32])),
            BTreeSet::from([ShardIndex(1), ShardIndex(3)])
        );
        assert_eq!(committee.owner_of(ShardIndex(2)).map(|m| m.index), Some(0));
        assert!(committee.owner_of(ShardIndex(9)).is_none());
        let key = committee.members[1].public_key.clone();
        assert_eq!(committee.member_by_key(&key).map(|m| m.index), Some(1));
        assert_eq!(committee.members[0].weight(), 2);
        assert_eq!(base_url("127.0.0.1:1", false), "http://127.0.0.1:1");
        assert_eq!(base_url("127.0.0.1:1", true), "https://127.0.0.1:1");
        assert_eq!(base_url("http://h:1", true), "http://h:1");
    }
}
