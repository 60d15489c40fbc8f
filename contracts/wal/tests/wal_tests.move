// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module wal::wal_tests;

use std::unit_test::assert_eq;
use sui::coin::Coin;
use sui::test_scenario;
use wal::wal::{Self, WAL, ProtectedTreasury};

const PUBLISHER: address = @0xA;

#[test]
fun init_mints_whole_supply_to_publisher() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    wal::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let coin = scenario.take_from_sender<Coin<WAL>>();
    assert_eq!(coin.value(), 5_000_000_000 * wal::frost_per_wal());
    let treasury = scenario.take_shared<ProtectedTreasury>();
    assert_eq!(treasury.total_supply(), coin.value());
    assert_eq!(wal::decimals(), 9);
    scenario.return_to_sender(coin);
    test_scenario::return_shared(treasury);
    scenario.end();
}

#[test]
fun burn_reduces_supply() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    wal::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let mut coin = scenario.take_from_sender<Coin<WAL>>();
    let mut treasury = scenario.take_shared<ProtectedTreasury>();
    let before = treasury.total_supply();
    let burnt = coin.split(1_000, scenario.ctx());
    treasury.burn(burnt);
    assert_eq!(treasury.total_supply(), before - 1_000);
    scenario.return_to_sender(coin);
    test_scenario::return_shared(treasury);
    scenario.end();
}
