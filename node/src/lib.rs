//! The Walrus storage node.
