//! Storage-node HTTP API types and a typed client, shared by the node and the SDK.
