// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

#[test_only]
module walrus::init_tests;

use std::unit_test::assert_eq;
use sui::clock;
use sui::test_scenario;
use walrus::init::{Self, InitCap};
use walrus::staking::Staking;
use walrus::system::System;

const PUBLISHER: address = @0xA;

#[test]
fun initialize_shares_system_and_staking() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    init::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let cap = scenario.take_from_sender<InitCap>();
    let clock = clock::create_for_testing(scenario.ctx());
    init::initialize_walrus(cap, 1_000, 10_000, 100, 53, &clock, scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let system = scenario.take_shared<System>();
    let staking = scenario.take_shared<Staking>();
    assert_eq!(system.epoch(), 0);
    assert_eq!(system.max_epochs_ahead(), 53);
    assert_eq!(system.total_capacity_size(), 0);
    assert_eq!(staking.epoch(), 0);
    assert_eq!(staking.n_shards(), 100);
    assert_eq!(staking.first_epoch_start(), 1_000);
    test_scenario::return_shared(system);
    test_scenario::return_shared(staking);
    clock.destroy_for_testing();
    scenario.end();
}

#[test, expected_failure(abort_code = init::EInvalidShardCount)]
fun zero_shards_fails() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    init::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let cap = scenario.take_from_sender<InitCap>();
    let clock = clock::create_for_testing(scenario.ctx());
    init::initialize_walrus(cap, 1_000, 10_000, 0, 53, &clock, scenario.ctx());
    abort
}

#[test, expected_failure(abort_code = walrus::system::EInvalidMaxEpochsAhead)]
fun too_many_epochs_ahead_fails() {
    let mut scenario = test_scenario::begin(PUBLISHER);
    init::init_for_testing(scenario.ctx());
    scenario.next_tx(PUBLISHER);
    let cap = scenario.take_from_sender<InitCap>();
    let clock = clock::create_for_testing(scenario.ctx());
    init::initialize_walrus(cap, 1_000, 10_000, 10, 1_001, &clock, scenario.ctx());
    abort
}
