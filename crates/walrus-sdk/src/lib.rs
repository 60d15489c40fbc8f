//! The Walrus client library: store, read, manage blobs and stakes.
