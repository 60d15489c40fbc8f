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

/// The parameters of the Blake2b-256 hash used everywhere in Walrus, built once.
fn blake2b256_params() -> &'static blake2b_simd::Params {
    static PARAMS: std::sync::OnceLock<blake2b_simd::Params> = std::sync::OnceLock::new();
    PARAMS.get_or_init(|| {
        let mut params = blake2b_simd::Params::new();
        params.hash_length(DIGEST_LEN);
        params
    })
}

/// How many independent hashes are computed together with SIMD (`blake2b_simd::many`).
const HASH_BATCH: usize = 16;

/// Hashes many inputs, each given as `prefix || body`, with multi-lane SIMD.
fn hash_many_prefixed<'a>(
    prefix: u8,
    bodies: impl ExactSizeIterator<Item = &'a [u8]>,
    out: &mut Vec<Node>,
) {
    let params = blake2b256_params();
    let mut buffer: Vec<u8> = Vec::new();
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::with_capacity(HASH_BATCH);
    let mut bodies = bodies.peekable();
    while bodies.peek().is_some() {
        buffer.clear();
        ranges.clear();
        for body in bodies.by_ref().take(HASH_BATCH) {
            let start = buffer.len();
            buffer.push(prefix);
            buffer.extend_from_slice(body);
            ranges.push(start..buffer.len());
        }
        let mut jobs: Vec<blake2b_simd::many::HashManyJob<'_>> = ranges
            .iter()
            .map(|range| blake2b_simd::many::HashManyJob::new(params, &buffer[range.clone()]))
            .collect();
        blake2b_simd::many::hash_many(jobs.iter_mut());
        out.extend(jobs.iter().map(|job| {
            let mut digest = [0u8; DIGEST_LEN];
            digest.copy_from_slice(job.to_hash().as_bytes());
            Node::Digest(digest)
        }));
    }
}

/// Returns the leaf hashes `H(0x00 || leaf)` of many leaves, using SIMD across leaves.
pub fn leaf_hashes<'a>(leaves: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<Node> {
    let mut out = Vec::with_capacity(leaves.len());
    hash_many_prefixed(LEAF_PREFIX, leaves, &mut out);
    out
}

/// Hashes one level of a tree into the next (the level must have an even length).
fn next_level(level: &[Node]) -> Vec<Node> {
    let pairs: Vec<[u8; 2 * DIGEST_LEN]> = level
        .chunks_exact(2)
        .map(|pair| {
            let mut input = [0u8; 2 * DIGEST_LEN];
            input[..DIGEST_LEN].copy_from_slice(pair[0].bytes());
            input[DIGEST_LEN..].copy_from_slice(pair[1].bytes());
            input
        })
        .collect();
    let mut out = Vec::with_capacity(pairs.len());
    hash_many_prefixed(
        INNER_PREFIX,
        pairs.iter().map(|pair| pair.as_slice()),
        &mut out,
    );
    out
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Node {
    /// The padding node; its bytes are 32 zeros and it is never hashed.
    #[default]
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

/// Computes the Merkle root of a list of leaf hashes without keeping the tree.
pub fn root_from_leaf_hashes(mut level: Vec<Node>) -> Node {
    if level.is_empty() {
        return Node::Empty;
    }
    while level.len() > 1 {
        if !level.len().is_multiple_of(2) {
            level.push(Node::Empty);
        }
        level = next_level(&level);
    }
    level[0]
}

/// Computes the Merkle root over raw leaves.
pub fn root<'a>(leaves: impl IntoIterator<Item = &'a [u8]>) -> Node {
    let leaves: Vec<&[u8]> = leaves.into_iter().collect();
    root_from_leaf_hashes(leaf_hashes(leaves.into_iter()))
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
        let leaves: Vec<&[u8]> = leaves.into_iter().collect();
        Self::from_leaf_hashes(leaf_hashes(leaves.into_iter()))
    }

    /// Builds the tree over already hashed leaves.
    pub fn from_leaf_hashes(leaf_hashes: Vec<Node>) -> Self {
        let n_leaves = leaf_hashes.len();
        let mut levels = vec![leaf_hashes];
        loop {
            let current = levels
                .last_mut()
                .expect("levels always holds at least one level");
            if current.len() <= 1 {
                break;
            }
            if !current.len().is_multiple_of(2) {
                current.push(Node::Empty);
            }
            let next = next_level(current);
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
            current = if position.is_multiple_of(2) {
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
