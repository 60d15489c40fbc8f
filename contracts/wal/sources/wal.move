// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// The WAL coin: the token that pays for Walrus storage and that is staked with storage nodes.
///
/// One WAL is 10^9 FROST (9 decimals). The whole supply is minted once, at publication, to the
/// publisher, who distributes it at genesis (stakes for the first committee, faucets, subsidies).
/// No function mints after `init`: the `TreasuryCap` is locked inside the shared
/// `ProtectedTreasury`, which only allows burning and reading the supply.
module wal::wal;

use sui::coin::{Self, Coin, TreasuryCap};
use sui::dynamic_object_field as dof;

/// The one-time witness and the coin type.
public struct WAL has drop {}

/// Shared object holding the `TreasuryCap<WAL>` as a dynamic object field, so that its object ID
/// stays discoverable while nobody can mint.
public struct ProtectedTreasury has key {
    id: UID,
}

/// Dynamic object field key under which the `TreasuryCap<WAL>` is stored.
public struct TreasuryCapKey() has copy, drop, store;

/// Number of decimals: 1 WAL = 10^9 FROST.
const DECIMALS: u8 = 9;
/// Total supply in WAL, minted at publication.
const TOTAL_WAL_SUPPLY_TO_MINT: u64 = 5_000_000_000;
/// FROST per WAL.
const FROST_PER_WAL: u64 = 1_000_000_000;

/// The treasury does not hold a `TreasuryCap` (cannot happen after `init`).
const ETreasuryCapMissing: u64 = 0;

// `coin::create_currency` is deprecated in favour of `sui::coin_registry` in recent frameworks; it
// still creates the `TreasuryCap` and the frozen `CoinMetadata` that existing tools read.
#[allow(deprecated_usage)]
fun init(otw: WAL, ctx: &mut TxContext) {
    let (mut cap, metadata) = coin::create_currency(
        otw,
        DECIMALS,
        b"WAL",
        b"WAL Token",
        b"The native token of the Walrus protocol.",
        option::none(),
        ctx,
    );
    let supply = cap.mint(TOTAL_WAL_SUPPLY_TO_MINT * FROST_PER_WAL, ctx);
    transfer::public_transfer(supply, ctx.sender());
    transfer::public_freeze_object(metadata);

    let mut treasury = ProtectedTreasury { id: object::new(ctx) };
    dof::add(&mut treasury.id, TreasuryCapKey(), cap);
    transfer::share_object(treasury);
}

/// Total WAL supply in FROST (decreases when WAL is burned).
public fun total_supply(treasury: &ProtectedTreasury): u64 {
    treasury.borrow_cap().total_supply()
}

/// Burns `coin`, reducing the total supply.
public fun burn(treasury: &mut ProtectedTreasury, coin: Coin<WAL>) {
    treasury.borrow_cap_mut().burn(coin);
}

/// The number of decimals of WAL.
public fun decimals(): u8 { DECIMALS }

/// FROST per WAL (10^9).
public fun frost_per_wal(): u64 { FROST_PER_WAL }

fun borrow_cap(treasury: &ProtectedTreasury): &TreasuryCap<WAL> {
    assert!(
        dof::exists_with_type<TreasuryCapKey, TreasuryCap<WAL>>(&treasury.id, TreasuryCapKey()),
        ETreasuryCapMissing,
    );
    dof::borrow(&treasury.id, TreasuryCapKey())
}

fun borrow_cap_mut(treasury: &mut ProtectedTreasury): &mut TreasuryCap<WAL> {
    assert!(
        dof::exists_with_type<TreasuryCapKey, TreasuryCap<WAL>>(&treasury.id, TreasuryCapKey()),
        ETreasuryCapMissing,
    );
    dof::borrow_mut(&mut treasury.id, TreasuryCapKey())
}

#[test_only]
/// Runs `init` in a test.
public fun init_for_testing(ctx: &mut TxContext) {
    init(WAL {}, ctx)
}
