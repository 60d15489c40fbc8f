// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::events_tests;

use std::unit_test::assert_eq;
use sui::event;
use walrus::events::{
    Self,
    BlobRegistered,
    CommissionCollected,
    EpochChangeStart,
    NodeRetired,
    StakeWithdrawalRequested,
};
use walrus::test_utils::node_id;

#[test]
fun emitters_emit_one_event_each() {
    events::emit_blob_registered(1, 2, 3, 1, 5, false, node_id(0));
    events::emit_epoch_change_start(2);
    events::emit_commission_collected(2, node_id(0), 10);
    events::emit_node_retired(2, node_id(0), 3);
    events::emit_stake_withdrawal_requested(2, node_id(0), node_id(1), 10, 3);
    assert_eq!(event::events_by_type<BlobRegistered>().length(), 1);
    assert_eq!(event::events_by_type<EpochChangeStart>().length(), 1);
    assert_eq!(event::events_by_type<CommissionCollected>().length(), 1);
    assert_eq!(event::events_by_type<NodeRetired>().length(), 1);
    assert_eq!(event::events_by_type<StakeWithdrawalRequested>().length(), 1);
}
