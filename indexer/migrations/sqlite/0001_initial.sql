-- The derived state of the Walrus indexer (SQLite). Integers are BIGINT (u64 values are checked
-- to fit i64 when written), booleans are 0/1, IDs are text (0x-hex object IDs, base64url blob IDs).

CREATE TABLE indexer_meta (
    id BIGINT PRIMARY KEY,
    next_checkpoint BIGINT NOT NULL,
    events_applied BIGINT NOT NULL,
    last_timestamp_ms BIGINT
);
INSERT INTO indexer_meta (id, next_checkpoint, events_applied, last_timestamp_ms) VALUES (0, 0, 0, NULL);

CREATE TABLE blob_objects (
    object_id TEXT PRIMARY KEY,
    blob_id TEXT NOT NULL,
    owner TEXT,
    size BIGINT NOT NULL,
    encoding_type BIGINT NOT NULL,
    registered_epoch BIGINT NOT NULL,
    certified_epoch BIGINT,
    end_epoch BIGINT NOT NULL,
    deletable BIGINT NOT NULL,
    deleted BIGINT NOT NULL,
    checkpoint BIGINT NOT NULL
);
CREATE INDEX blob_objects_by_blob_id ON blob_objects (blob_id);
CREATE INDEX blob_objects_by_owner ON blob_objects (owner);

CREATE TABLE invalid_blobs (
    blob_id TEXT PRIMARY KEY,
    epoch BIGINT NOT NULL
);

CREATE TABLE epochs (
    epoch BIGINT PRIMARY KEY,
    phase TEXT NOT NULL,
    start_checkpoint BIGINT,
    done_checkpoint BIGINT,
    params_selected_checkpoint BIGINT,
    storage_price BIGINT,
    write_price BIGINT,
    n_shards BIGINT,
    sync_reports TEXT NOT NULL
);

CREATE TABLE committee_members (
    epoch BIGINT NOT NULL,
    node_id TEXT NOT NULL,
    weight BIGINT NOT NULL,
    shards TEXT NOT NULL,
    name TEXT NOT NULL,
    network_address TEXT NOT NULL,
    public_key TEXT NOT NULL,
    network_public_key TEXT NOT NULL,
    PRIMARY KEY (epoch, node_id)
);

CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY,
    cap_id TEXT,
    name TEXT NOT NULL,
    network_address TEXT NOT NULL,
    public_key TEXT NOT NULL,
    network_public_key TEXT NOT NULL,
    registered_epoch BIGINT,
    commission_rate BIGINT NOT NULL,
    pending_commission_rate BIGINT,
    pending_commission_epoch BIGINT,
    vote_storage_price BIGINT,
    vote_write_price BIGINT,
    vote_capacity BIGINT,
    withdraw_epoch BIGINT
);

CREATE TABLE pools (
    node_id TEXT PRIMARY KEY,
    initial_balance BIGINT NOT NULL,
    deposited BIGINT NOT NULL,
    withdrawn BIGINT NOT NULL,
    n_deposits BIGINT NOT NULL,
    rewards BIGINT NOT NULL,
    commission BIGINT NOT NULL,
    commission_collected BIGINT NOT NULL,
    rewards_withdrawn BIGINT NOT NULL
);

CREATE TABLE stakes (
    staked_wal_id TEXT PRIMARY KEY,
    owner TEXT,
    node_id TEXT NOT NULL,
    amount BIGINT NOT NULL,
    activation_epoch BIGINT NOT NULL,
    state TEXT NOT NULL,
    withdraw_epoch BIGINT,
    rewards BIGINT
);
CREATE INDEX stakes_by_owner ON stakes (owner);

CREATE TABLE rewards (
    epoch BIGINT NOT NULL,
    node_id TEXT NOT NULL,
    reward BIGINT NOT NULL,
    commission BIGINT NOT NULL,
    PRIMARY KEY (epoch, node_id)
);
