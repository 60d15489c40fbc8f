// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// Publication and genesis: `init` gives the publisher an `InitCap`, which `initialize_walrus`
/// consumes to create and share the `System` and `Staking` objects.
///
/// Genesis then goes: candidates register (`staking::register_candidate`), WAL holders stake with
/// them (`staking::stake_with_pool`), and once the first epoch's start time is reached anyone calls
/// `staking::voting_end` and `staking::initiate_epoch_change` to install the first committee.
module walrus::init;

use sui::clock::Clock;
use walrus::staking;
use walrus::system;

/// One-shot capability to initialize the system.
public struct InitCap has key, store {
    id: UID,
}

/// The epoch duration is zero.
const EInvalidEpochDuration: u64 = 0;
/// The number of shards is zero.
const EInvalidShardCount: u64 = 1;

fun init(ctx: &mut TxContext) {
    transfer::transfer(InitCap { id: object::new(ctx) }, ctx.sender());
}

/// Creates and shares `System` and `Staking`. Epoch 0 lasts `epoch_zero_duration` ms; later epochs
/// last `epoch_duration` ms plus the shard sync time. Storage can be bought up to
/// `max_epochs_ahead` epochs ahead.
public fun initialize_walrus(
    init_cap: InitCap,
    epoch_zero_duration: u64,
    epoch_duration: u64,
    n_shards: u16,
    max_epochs_ahead: u32,
    clock: &Clock,
    ctx: &mut TxContext,
) {
    assert!(epoch_duration > 0, EInvalidEpochDuration);
    assert!(n_shards > 0, EInvalidShardCount);
    let InitCap { id } = init_cap;
    id.delete();
    system::create_empty(max_epochs_ahead, ctx);
    staking::create(epoch_zero_duration, epoch_duration, n_shards, clock, ctx);
}

#[test_only]
/// Runs `init` in tests.
public fun init_for_testing(ctx: &mut TxContext) {
    init(ctx)
}
