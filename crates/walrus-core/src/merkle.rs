//! Merkle trees over Blake2b-256 with the reference's domain separation and padding.
//!
//! Leaves hash as `H(0x00 || leaf)`, inner nodes as `H(0x01 || left || right)`. A level with an
//! odd number of nodes is padded with one [`Node::Empty`] (32 zero bytes, not hashed) before
//! pairing, so the root of zero leaves is `Empty` and the root of one leaf is its leaf hash.

use serde::{Deserialize, Serialize};

/// The length of a digest in bytes.
pub const DIGEST_LEN: usize = 32;

const LEAF_PREFIX: u8 = 0x00;
const INNER_PREFIX: u8 = 0x01;

/// Returns the parameters of the Blake2b-256 hash used everywhere in Walrus.
fn blake2b256_params() -> blake2b_simd::Params {
    let mut params = blake2b_simd::Params::new();
    params.hash_length(DIGEST_LEN);
    params
}

/// Computes the unkeyed Blake2b-256 digest of the concatenation of `parts`.
pub fn blake2b256(parts: &[&[u8]]) -> [u8; DIGEST_LEN] {
    let mut state = blake2b256_params().to_state();
    for part in parts {
        state.update(part);
    }
    let mut out = [0u8; DIGEST_LEN];
    out.copy_from_slice(state.finalize().as_bytes());
    out
}

/// Returns the leaf hash `H(0x00 || leaf)`.
pub fn leaf_hash(leaf: &[u8]) -> Node {
    Node::Digest(blake2b256(&[&[LEAF_PREFIX], leaf]))
}

/// Returns the inner-node hash `H(0x01 || left || right)`, where `Empty` counts as 32 zeros.
pub fn inner_hash(left: &Node, right: &Node) -> Node {
    Node::Digest(blake2b256(&[&[INNER_PREFIX], left.bytes(), right.bytes()]))
}

/// A node of a Merkle tree: a digest, or the all-zero padding node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Node {
    /// The padding node; its bytes are 32 zeros and it is never hashed.
    Empty,
    /// A Blake2b-256 digest.
    Digest([u8; DIGEST_LEN]),
}

impl Node {
    /// The bytes of the node: the digest, or 32 zero bytes for `Empty`.
    pub fn bytes(&self) -> &[u8; DIGEST_LEN] {
        const ZEROS: [u8; DIGEST_LEN] = [0; DIGEST_LEN];
        match self {
            Node::Empty => &ZEROS,
            Node::Digest(digest) => digest,
        }
    }
}

impl Default for Node {
    fn default() -> Self {
        Node::Empty
    }
}

/// Computes the Merkle root of a list of leaf hashes without keeping the tree.
pub fn root_from_leaf_hashes(mut level: Vec<Node>) -> Node {
    if level.is_empty() {
        return Node::Empty;
    }
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(Node::Empty);
        }
        let next: Vec<Node> = level
            .chunks_exact(2)
            .map(|pair| inner_hash(&pair[0], &pair[1]))
            .collect();
        level = next;
    }
    level[0]
}

/// Computes the Merkle root over raw leaves.
pub fn root<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Node {
    root_from_leaf_hashes(leaves.into_iter().map(leaf_hash).collect())
}

/// A complete Merkle tree that can produce inclusion proofs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerkleTree {
    /// Level 0 holds the leaf hashes (with padding); the last level holds the root.
    levels: Vec<Vec<Node>>,
    n_leaves: usize,
}

impl MerkleTree {
    /// Builds the tree over raw leaves.
    pub fn build<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Self {
        Self::from_leaf_hashes(leaves.into_iter().map(leaf_hash).collect())
    }

    /// Builds the tree over already hashed leaves.
    pub fn from_leaf_hashes(leaf_hashes: Vec<Node>) -> Self {
        let n_leaves = leaf_hashes.len();
        let mut levels = vec![leaf_hashes];
        loop {
            let current = levels.last_mut().expect("levels always holds at least one level");
            if current.len() <= 1 {
                break;
            }
            if current.len() % 2 == 1 {
                current.push(Node::Empty);
            }
            let next: Vec<Node> = current
                .chunks_exact(2)
                .map(|pair| inner_hash(&pair[0], &pair[1]))
                .collect();
            levels.push(next);
        }
        Self { levels, n_leaves }
    }

    /// The number of leaves.
    pub fn n_leaves(&self) -> usize {
        self.n_leaves
    }

    /// The root; `Empty` for a tree without leaves.
    pub fn root(&self) -> Node {
        self.levels
            .last()
            .and_then(|level| level.first())
            .copied()
            .unwrap_or(Node::Empty)
    }

    /// The inclusion proof of leaf `index`, or `None` if the index is out of range.
    pub fn proof(&self, index: usize) -> Option<MerkleProof> {
        if index >= self.n_leaves {
            return None;
        }
        let mut path = Vec::with_capacity(self.levels.len().saturating_sub(1));
        let mut position = index;
        for level in &self.levels[..self.levels.len() - 1] {
            path.push(level[position ^ 1]);
            position /= 2;
        }
        Some(MerkleProof { path })
    }
}

/// An inclusion proof: the sibling nodes from the leaf up to the root.
///
/// BCS: the ULEB128 node count followed by each node (`00` for `Empty`, `01 || 32 bytes`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MerkleProof {
    path: Vec<Node>,
}

impl MerkleProof {
    /// Creates a proof from its sibling path.
    pub fn new(path: Vec<Node>) -> Self {
        Self { path }
    }

    /// The sibling path, leaf level first.
    pub fn path(&self) -> &[Node] {
        &self.path
    }

    /// Computes the root implied by `leaf` at `leaf_index`, or `None` if the index does not fit
    /// the path length.
    pub fn compute_root(&self, leaf: &[u8], leaf_index: usize) -> Option<Node> {
        self.compute_root_from_hash(leaf_hash(leaf), leaf_index)
    }

    fn compute_root_from_hash(&self, leaf_hash: Node, leaf_index: usize) -> Option<Node> {
        if self.path.len() < usize::BITS as usize && leaf_index >> self.path.len() != 0 {
            return None;
        }
        let mut current = leaf_hash;
        let mut position = leaf_index;
        for sibling in &self.path {
            current = if position % 2 == 0 {
                inner_hash(&current, sibling)
            } else {
                inner_hash(sibling, &current)
            };
            position /= 2;
        }
        Some(current)
    }

    /// Verifies that `leaf` is leaf `leaf_index` of a tree with `n_leaves` leaves and `root`.
    pub fn verify(&self, root: &Node, leaf: &[u8], leaf_index: usize, n_leaves: usize) -> bool {
        if leaf_index >= n_leaves || self.path.len() > max_proof_len(n_leaves) {
            return false;
        }
        self.compute_root(leaf, leaf_index)
            .is_some_and(|computed| computed == *root)
    }
}

/// `ceil(log2(n_leaves))`, and 0 for one leaf or none.
fn max_proof_len(n_leaves: usize) -> usize {
    if n_leaves <= 1 {
        0
    } else {
        (usize::BITS - (n_leaves - 1).leading_zeros()) as usize
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn hex32(node: &Node) -> String {
        hex::encode(node.bytes())
    }

    #[test]
    fn reference_vectors() {
        assert_eq!(root(std::iter::empty()), Node::Empty);
        assert_eq!(
            hex32(&root([b"foo".as_slice()])),
            "d49d71d62803f5c6b8c9ae0f1029a4e351a51eff62646fa1ea74d6b7279a3e5e"
        );
        let leaves = [b"foo".as_slice(), b"bar", b"baz"];
        let tree = MerkleTree::build(leaves);
        assert_eq!(
            hex32(&tree.root()),
            "2edea7d367f9cabf9bce3c95254a3ab28820ef8e54e182cf89a871ffcd9dbaca"
        );
        assert_eq!(root(leaves), tree.root());
        let proof = tree.proof(2).expect("in range");
        assert_eq!(
            hex::encode(bcs::to_bytes(&proof).expect("serializes")),
            "02000161688bd85d568dae621f00a807645051f4e8b955b2c33d3b65dc5007021e8d7b"
        );
        assert!(proof.verify(&tree.root(), b"baz", 2, 3));
        assert!(!proof.verify(&tree.root(), b"bar", 2, 3));
        assert!(!proof.verify(&tree.root(), b"baz", 1, 3));
        assert!(!proof.verify(&tree.root(), b"baz", 2, 2));
        assert!(tree.proof(3).is_none());
    }

    #[test]
    fn proof_length_bounds() {
        assert_eq!(max_proof_len(0), 0);
        assert_eq!(max_proof_len(1), 0);
        assert_eq!(max_proof_len(2), 1);
        assert_eq!(max_proof_len(3), 2);
        assert_eq!(max_proof_len(4), 2);
        assert_eq!(max_proof_len(5), 3);
        assert_eq!(max_proof_len(1000), 10);
    }

    #[test]
    fn single_leaf_root_is_leaf_hash() {
        let tree = MerkleTree::build([b"x".as_slice()]);
        assert_eq!(tree.root(), leaf_hash(b"x"));
        let proof = tree.proof(0).expect("in range");
        assert!(proof.path().is_empty());
        assert!(proof.verify(&tree.root(), b"x", 0, 1));
    }

    proptest! {
        #[test]
        fn every_proof_verifies_and_tampering_fails(
            leaves in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..8), 1..40),
            flip in any::<usize>(),
        ) {
            let tree = MerkleTree::build(leaves.iter().map(Vec::as_slice));
            for (index, leaf) in leaves.iter().enumerate() {
                let proof = tree.proof(index).expect("in range");
                prop_assert!(proof.verify(&tree.root(), leaf, index, leaves.len()));
                let mut path = proof.path().to_vec();
                if !path.is_empty() {
                    let at = flip % path.len();
                    let mut bytes = *path[at].bytes();
                    bytes[flip % DIGEST_LEN] ^= 1;
                    path[at] = Node::Digest(bytes);
                    prop_assert!(!MerkleProof::new(path).verify(&tree.root(), leaf, index, leaves.len()));
                }
            }
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = bcs::from_bytes::<MerkleProof>(&bytes);
            let _ = bcs::from_bytes::<Node>(&bytes);
        }
    }
}
