//! The event-sourced view of the Walrus chain state: committees, blobs, nodes, pools and stakes.
