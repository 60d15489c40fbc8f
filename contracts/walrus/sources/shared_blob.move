// Copyright (c) Walrus reimplementation authors
// SPDX-License-Identifier: Apache-2.0

/// `SharedBlob`: a shared wrapper around a `Blob` with a WAL balance that anyone can top up and
/// that anyone can spend to extend the blob's lifetime (a "tip jar" for public data). A shared blob
/// can never be deleted.
module walrus::shared_blob;

use sui::balance::Balance;
use sui::coin::{Self, Coin};
use wal::wal::WAL;
use walrus::blob::Blob;
use walrus::system::System;

/// A shared, funded blob.
public struct SharedBlob has key, store {
    id: UID,
    blob: Blob,
    funds: Balance<WAL>,
}

/// The funds do not cover the extension.
const EInsufficientFunds: u64 = 0;

/// Shares `blob` with no funds.
public fun new(blob: Blob, ctx: &mut TxContext) {
    new_funded(blob, coin::zero(ctx), ctx)
}

/// Shares `blob` with `funds`.
public fun new_funded(blob: Blob, funds: Coin<WAL>, ctx: &mut TxContext) {
    transfer::share_object(SharedBlob {
        id: object::new(ctx),
        blob,
        funds: funds.into_balance(),
    });
}

/// Adds funds.
public fun fund(self: &mut SharedBlob, added_funds: Coin<WAL>) {
    self.funds.join(added_funds.into_balance());
}

/// Extends the blob by `extended_epochs`, paid from the stored funds. Anyone may call this.
public fun extend(
    self: &mut SharedBlob,
    system: &mut System,
    extended_epochs: u32,
    ctx: &mut TxContext,
) {
    let cost = system.storage_cost(self.blob.storage().size(), extended_epochs);
    assert!(self.funds.value() >= cost, EInsufficientFunds);
    let mut payment = coin::from_balance(self.funds.split(cost), ctx);
    system.extend_blob(&mut self.blob, extended_epochs, &mut payment);
    self.funds.join(payment.into_balance());
}

/// The wrapped blob.
public fun blob(self: &SharedBlob): &Blob { &self.blob }

/// The available funds.
public fun funds(self: &SharedBlob): &Balance<WAL> { &self.funds }

#[test_only]
/// Creates a shared blob without sharing it, for tests.
public fun new_for_test(blob: Blob, funds: Coin<WAL>, ctx: &mut TxContext): SharedBlob {
    SharedBlob { id: object::new(ctx), blob, funds: funds.into_balance() }
}

#[test_only]
/// Unwraps a shared blob in tests.
public fun destroy_for_test(self: SharedBlob): (Blob, Balance<WAL>) {
    let SharedBlob { id, blob, funds } = self;
    id.delete();
    (blob, funds)
}
