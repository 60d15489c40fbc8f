//! The Move unit tests of `staking`, `staking_pool`, `staked_wal`, `committee`, `active_set` and
//! `shared_blob` (`contracts/walrus/tests/*_tests.move`), run against the native implementations:
//! one Rust test per Move test, with the same module and test name and the same checks (expected
//! failures check the same module and abort code).

#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use sui_sdk_types::{Address, Digest, Object};
use walrus_core::{BlsKeyPair, ObjectId};
use walrus_devnet::framework::{self, CoinData, to_object_id};
use walrus_devnet::natives::{
    NResult, NativeCtx, NativeError, ObjVal, ObjectSource, Value, lookup,
};

struct NoObjects;

impl ObjectSource for NoObjects {
    fn object(&self, _: &Address) -> Option<Object> {
        None
    }
}

/// `tx_context::dummy()`: sender `@0x0`.
fn with_ctx<T>(f: impl FnOnce(&mut NativeCtx<'_>) -> T) -> T {
    let mut ctx = NativeCtx::new(Address::ZERO, Digest::new([9; 32]), 0, &NoObjects);
    f(&mut ctx)
}

fn assert_abort<T: std::fmt::Debug>(result: NResult<T>, module: &str, code: u64) {
    match result {
        Err(NativeError::Abort {
            module: m, code: c, ..
        }) => assert_eq!((m, c), (module, code)),
        other => panic!("expected abort {module}::{code}, got {other:?}"),
    }
}

const ONE_WAL: u64 = 1_000_000_000;

/// `test_utils::node_id(i)`: the address `i + 1` (IDs increase with `i`).
fn node_id(i: u8) -> ObjectId {
    let mut bytes = [0; 32];
    bytes[31] = i + 1;
    ObjectId(bytes)
}

/// `test_utils::bls_sk(i)`: the scalar `i + 1`.
fn bls_sk(i: u64) -> BlsKeyPair {
    let mut bytes = [0; 32];
    bytes[24..].copy_from_slice(&(i + 1).to_be_bytes());
    BlsKeyPair::from_secret_bytes(&bytes).unwrap()
}

fn bls_pk(i: u64) -> Vec<u8> {
    bls_sk(i).public_key().to_bytes().to_vec()
}

/// `test_utils::mint_frost`.
fn mint_frost(amount: u64, ctx: &mut NativeCtx<'_>) -> CoinData {
    CoinData {
        id: to_object_id(ctx.fresh_id()),
        value: amount,
    }
}

fn count_events(ctx: &NativeCtx<'_>, name: &str) -> usize {
    ctx.events
        .iter()
        .filter(|(tag, _)| tag.name().as_str() == name)
        .count()
}

/// Calls the native entry point `walrus::module::function` as a PTB would.
fn call(
    ctx: &mut NativeCtx<'_>,
    module: &str,
    function: &str,
    args: &mut [Value],
) -> NResult<Vec<Value>> {
    let native = lookup(&framework::walrus_package(), module, function).unwrap();
    (native.func)(ctx, &[], args)
}

fn obj<T: serde::Serialize>(tag: sui_sdk_types::StructTag, value: &T) -> Value {
    Value::Obj(ObjVal::new(tag, true, value).unwrap())
}

fn coin_value(coin: &CoinData) -> Value {
    obj(framework::wal_coin_tag(), coin)
}

fn decode<T: serde::de::DeserializeOwned>(value: &Value) -> T {
    match value {
        Value::Obj(obj) => bcs::from_bytes(&obj.contents).unwrap(),
        Value::Typed(_, bytes) | Value::Pure(bytes) => bcs::from_bytes(bytes).unwrap(),
        other => panic!("not decodable: {other:?}"),
    }
}

fn pure<T: serde::Serialize>(value: &T) -> Value {
    Value::Pure(bcs::to_bytes(value).unwrap())
}

/// `bls_aggregate::empty(epoch)`.
fn empty_bls_committee(epoch: u32) -> walrus_sui::objects::BlsCommittee {
    walrus_devnet::natives::system::new_bls_committee(epoch, vec![]).unwrap()
}

mod staking_tests {
    use walrus_devnet::natives::staking::{self, Candidate};
    use walrus_devnet::natives::{staking_pool, storage_node, system};
    use walrus_sui::errors::{StakingError as E, StakingPoolError};
    use walrus_sui::objects::{StakedWal, Staking, StorageNodeCap, System};

    use super::*;

    const N_SHARDS: u16 = 10;
    const EPOCH_ZERO: u64 = 1_000;
    const EPOCH: u64 = 10_000;

    struct Setup {
        staking: Staking,
        system: System,
        clock: u64,
        caps: Vec<StorageNodeCap>,
        stakes: Vec<StakedWal>,
    }

    fn candidate(ctx: &NativeCtx<'_>, staking_epoch: u32, i: u64, pop_epoch: u32) -> Candidate {
        let sk = bls_sk(i);
        let pk = bls_pk(i);
        let message = system::proof_of_possession_bytes(pop_epoch, ctx.sender, &pk).unwrap();
        let _ = staking_epoch;
        Candidate {
            name: "node".into(),
            network_address: "127.0.0.1:9000".into(),
            public_key: pk,
            network_public_key: vec![2; 33],
            proof_of_possession: sk.sign(&message).to_bytes().to_vec(),
            commission_rate: 1_000,
            storage_price: 100 * (i + 1),
            write_price: 10,
            node_capacity: 1_000_000,
        }
    }

    fn register(staking: &Staking, i: u64, ctx: &mut NativeCtx<'_>) -> NResult<StorageNodeCap> {
        let epoch = staking::inner(ctx, staking)?.epoch;
        let c = candidate(ctx, epoch, i, epoch);
        staking::register_candidate(ctx, staking, c)
    }

    /// Four candidates staked with 1000, 1000, 500 and 500 WAL at epoch 0.
    fn setup(ctx: &mut NativeCtx<'_>) -> Setup {
        let clock = 0;
        let staking = staking::new_for_test(ctx, EPOCH_ZERO, EPOCH, N_SHARDS, clock).unwrap();
        let system =
            system::new_for_test(ctx, empty_bls_committee(0), 0, u64::MAX, u64::MAX, 10).unwrap();
        let caps: Vec<_> = (0..4)
            .map(|i| register(&staking, i, ctx).unwrap())
            .collect();
        let amounts = [1_000, 1_000, 500, 500];
        let stakes = (0..4)
            .map(|i| {
                let coin = mint_frost(amounts[i] * ONE_WAL, ctx);
                staking::stake_with_pool(ctx, &staking, coin, caps[i].node_id).unwrap()
            })
            .collect();
        Setup {
            staking,
            system,
            clock,
            caps,
            stakes,
        }
    }

    /// Runs `voting_end` and `initiate_epoch_change` at the earliest allowed times.
    fn change_epoch(s: &mut Setup, done_at: u64, ctx: &mut NativeCtx<'_>) -> NResult<()> {
        let epoch = staking::inner(ctx, &s.staking)?.epoch;
        s.clock = if epoch == 0 {
            EPOCH_ZERO
        } else {
            done_at + EPOCH / 2
        };
        staking::voting_end(ctx, &s.staking, s.clock)?;
        if epoch > 0 {
            s.clock = done_at + EPOCH;
        }
        staking::initiate_epoch_change(ctx, &s.staking, &s.system, s.clock)
    }

    /// Nodes 0 and 1 (8 of 10 shards) report sync at `time`.
    fn sync(s: &mut Setup, time: u64, ctx: &mut NativeCtx<'_>) -> NResult<()> {
        s.clock = time;
        let epoch = staking::inner(ctx, &s.staking)?.epoch;
        for i in 0..2 {
            staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[i], epoch, s.clock)?;
        }
        Ok(())
    }

    fn shard_count(ctx: &mut NativeCtx<'_>, s: &Setup, i: usize) -> usize {
        let committee = staking::committee(ctx, &s.staking).unwrap();
        walrus_devnet::natives::committee::shards(&committee, &s.caps[i].node_id)
            .unwrap()
            .len()
    }

    #[test]
    fn genesis_selects_committee_and_prices() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            assert_eq!(count_events(ctx, "NodeRegistered"), 4);
            assert_eq!(count_events(ctx, "StakeDeposited"), 4);
            assert_eq!(
                staking::inner(ctx, &s.staking)
                    .unwrap()
                    .active_set
                    .nodes
                    .len(),
                4
            );

            s.clock = EPOCH_ZERO;
            staking::voting_end(ctx, &s.staking, s.clock).unwrap();
            assert_eq!(count_events(ctx, "EpochParametersSelected"), 1);
            let params = staking::inner(ctx, &s.staking)
                .unwrap()
                .next_epoch_params
                .unwrap();
            assert_eq!(params.storage_price_per_unit_size, 200);
            assert_eq!(params.write_price_per_unit_size, 10);
            assert_eq!(params.total_capacity_size, 2_500_000);

            staking::initiate_epoch_change(ctx, &s.staking, &s.system, s.clock).unwrap();
            assert_eq!(staking::inner(ctx, &s.staking).unwrap().epoch, 1);
            let sys = system::load_inner(ctx, &s.system).unwrap();
            assert_eq!(sys.committee.epoch, 1);
            assert_eq!(sys.committee.n_shards, N_SHARDS);
            assert_eq!(sys.storage_price_per_unit_size, 200);
            assert_eq!(sys.total_capacity_size, 2_500_000);
            assert_eq!(shard_count(ctx, &s, 0), 4);
            assert_eq!(shard_count(ctx, &s, 1), 4);
            assert_eq!(shard_count(ctx, &s, 2), 1);
            assert_eq!(shard_count(ctx, &s, 3), 1);
            assert_eq!(count_events(ctx, "EpochChangeStart"), 1);
            let pool = staking::pool(ctx, &s.staking, s.caps[0].node_id).unwrap();
            assert_eq!(pool.wal_balance, 1_000 * ONE_WAL);
        });
    }

    #[test]
    fn sync_quorum_completes_epoch_change() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            change_epoch(&mut s, 0, ctx).unwrap();
            let now = 2_000;
            staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[2], 1, now).unwrap();
            assert_eq!(count_events(ctx, "EpochChangeDone"), 0);
            staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[0], 1, now).unwrap();
            assert_eq!(count_events(ctx, "EpochChangeDone"), 0);
            staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[1], 1, now).unwrap();
            assert_eq!(count_events(ctx, "EpochChangeDone"), 1);
            staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[3], 1, now).unwrap();
            assert_eq!(count_events(ctx, "ShardsReceived"), 4);
            assert_eq!(count_events(ctx, "EpochChangeDone"), 1);
        });
    }

    #[test]
    fn fees_reach_stakers_and_operator() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            change_epoch(&mut s, 0, ctx).unwrap();
            sync(&mut s, 2_000, ctx).unwrap();

            // 1_000 FROST of fees for epoch 1, paid by shards 4, 4, 1, 1 at epoch 2.
            let subsidy = mint_frost(1_000, ctx);
            let mut args = [
                obj(system::system_tag(), &s.system),
                coin_value(&subsidy),
                pure(&1u32),
            ];
            call(ctx, "system", "add_subsidy", &mut args).unwrap();
            change_epoch(&mut s, 2_000, ctx).unwrap();
            assert_eq!(staking::inner(ctx, &s.staking).unwrap().epoch, 2);
            assert_eq!(count_events(ctx, "PoolRewarded"), 4);
            let pool = staking::pool(ctx, &s.staking, s.caps[0].node_id).unwrap();
            assert_eq!(pool.commission.value, 40);
            assert_eq!(pool.rewards_pool.value, 360);

            // The operator collects the commission.
            let commission = staking::collect_commission(ctx, &s.staking, &s.caps[0]).unwrap();
            assert_eq!(commission, 40);

            // The first staker leaves: requested at epoch 2, withdrawable at epoch 3.
            let mut alice = s.stakes.remove(0);
            staking::request_withdraw_stake(ctx, &s.staking, &mut alice).unwrap();
            assert_eq!(
                walrus_devnet::natives::staked_wal::withdraw_epoch(&alice).unwrap(),
                3
            );
            sync(&mut s, 13_000, ctx).unwrap();
            change_epoch(&mut s, 13_000, ctx).unwrap();
            let coin = staking::withdraw_stake(ctx, &s.staking, &s.system, alice).unwrap();
            assert_eq!(coin, 1_000 * ONE_WAL + 360);
            assert_eq!(count_events(ctx, "StakeWithdrawn"), 1);
            // Not slashed: nothing goes to the slashing fund.
            let inner = system::load_inner(ctx, &s.system).unwrap();
            assert_eq!(inner.challenges.slashed_fund.value, 0);
        });
    }

    #[test]
    fn retired_node_leaves_the_next_committee() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            change_epoch(&mut s, 0, ctx).unwrap();
            sync(&mut s, 2_000, ctx).unwrap();
            staking::retire_node(ctx, &s.staking, &s.caps[3]).unwrap();
            let inner = staking::inner(ctx, &s.staking).unwrap();
            assert!(!walrus_devnet::natives::active_set::contains(
                &inner.active_set,
                s.caps[3].node_id
            ));
            change_epoch(&mut s, 2_000, ctx).unwrap();
            let committee = staking::committee(ctx, &s.staking).unwrap();
            assert!(!walrus_devnet::natives::committee::contains(
                &committee,
                &s.caps[3].node_id
            ));
            assert_eq!(walrus_devnet::natives::committee::n_shards(&committee), 10);
        });
    }

    #[test]
    fn stake_after_voting_end_activates_two_epochs_later() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            s.clock = EPOCH_ZERO;
            staking::voting_end(ctx, &s.staking, s.clock).unwrap();
            let coin = mint_frost(ONE_WAL, ctx);
            let late = staking::stake_with_pool(ctx, &s.staking, coin, s.caps[0].node_id).unwrap();
            assert_eq!(late.activation_epoch, 2);
        });
    }

    #[test]
    fn voting_end_too_early_fails() {
        with_ctx(|ctx| {
            let s = setup(ctx);
            assert_abort(
                staking::voting_end(ctx, &s.staking, s.clock),
                "staking",
                E::ETooEarly as u64,
            );
        });
    }

    #[test]
    fn initiate_before_voting_end_fails() {
        with_ctx(|ctx| {
            let s = setup(ctx);
            assert_abort(
                staking::initiate_epoch_change(ctx, &s.staking, &s.system, EPOCH_ZERO),
                "staking",
                E::EWrongEpochState as u64,
            );
        });
    }

    #[test]
    fn initiate_before_epoch_end_fails() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            change_epoch(&mut s, 0, ctx).unwrap();
            sync(&mut s, 2_000, ctx).unwrap();
            let now = 2_000 + EPOCH / 2;
            staking::voting_end(ctx, &s.staking, now).unwrap();
            assert_abort(
                staking::initiate_epoch_change(ctx, &s.staking, &s.system, now),
                "staking",
                E::ETooEarly as u64,
            );
        });
    }

    #[test]
    fn bad_proof_of_possession_fails() {
        with_ctx(|ctx| {
            let staking = staking::new_for_test(ctx, EPOCH_ZERO, EPOCH, N_SHARDS, 0).unwrap();
            // Signed for epoch 1 instead of 0.
            let c = candidate(ctx, 0, 0, 1);
            assert_abort(
                staking::register_candidate(ctx, &staking, c),
                "staking",
                E::EInvalidProofOfPossession as u64,
            );
        });
    }

    #[test]
    fn voting_end_without_stake_fails() {
        with_ctx(|ctx| {
            let staking = staking::new_for_test(ctx, EPOCH_ZERO, EPOCH, N_SHARDS, 0).unwrap();
            assert_abort(
                staking::voting_end(ctx, &staking, EPOCH_ZERO),
                "staking",
                E::ENoStake as u64,
            );
        });
    }

    #[test]
    fn sync_for_wrong_epoch_fails() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            change_epoch(&mut s, 0, ctx).unwrap();
            assert_abort(
                staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[0], 2, s.clock),
                "staking",
                E::EInvalidSyncEpoch as u64,
            );
        });
    }

    #[test]
    fn duplicate_sync_fails() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            change_epoch(&mut s, 0, ctx).unwrap();
            staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[0], 1, s.clock).unwrap();
            assert_abort(
                staking::epoch_sync_done(ctx, &s.staking, &mut s.caps[0], 1, s.clock),
                "staking",
                E::EDuplicateSyncDone as u64,
            );
        });
    }

    #[test]
    fn wrong_cap_fails() {
        with_ctx(|ctx| {
            let s = setup(ctx);
            let other = storage_node::new_cap(s.caps[1].node_id, ctx);
            staking::set_next_commission(ctx, &s.staking, &s.caps[0], 0).unwrap();
            let pool = staking::pool(ctx, &s.staking, s.caps[0].node_id).unwrap();
            assert_abort(
                staking_pool::assert_cap(&pool, &other),
                "staking_pool",
                StakingPoolError::EWrongCap as u64,
            );
        });
    }

    #[test]
    fn wrong_version_fails() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            staking::set_version_for_test(&mut s.staking, 2);
            assert_abort(
                staking::inner(ctx, &s.staking),
                "staking",
                E::EWrongVersion as u64,
            );
        });
    }

    #[test]
    fn slash_vote_sets_the_slash_fraction_at_the_epoch_change() {
        with_ctx(|ctx| {
            let mut s = setup(ctx);
            let vote = |ctx: &mut NativeCtx<'_>, s: &Setup, i: usize| {
                staking::pool(ctx, &s.staking, s.caps[i].node_id)
                    .unwrap()
                    .voting_params
                    .slash_bps
            };
            let slash_bps = |ctx: &mut NativeCtx<'_>, s: &Setup| {
                system::load_inner(ctx, &s.system)
                    .unwrap()
                    .challenges
                    .params
                    .slash_bps
            };
            assert_eq!(vote(ctx, &s, 1), 1_000);
            // Node 2 (1 of 10 shards) votes for no slashing, node 0 (4 shards) for 5%.
            staking::set_slash_bps_vote(ctx, &s.staking, &s.caps[2], 0).unwrap();
            staking::set_slash_bps_vote(ctx, &s.staking, &s.caps[0], 500).unwrap();
            assert_eq!(count_events(ctx, "SlashVoteUpdated"), 2);
            assert_eq!(vote(ctx, &s, 0), 500);
            // Votes take effect at the epoch change only.
            assert_eq!(slash_bps(ctx, &s), 1_000);
            change_epoch(&mut s, 0, ctx).unwrap();
            // Votes 0 (1 shard), 500 (4), 1_000 (4 + 1): a quorum (7 of 10) voted at least 500.
            assert_eq!(slash_bps(ctx, &s), 500);
        });
    }

    #[test]
    fn slash_vote_above_100_percent_fails() {
        with_ctx(|ctx| {
            let s = setup(ctx);
            assert_abort(
                staking::set_slash_bps_vote(ctx, &s.staking, &s.caps[0], 10_001),
                "staking",
                E::EInvalidSlashBps as u64,
            );
        });
    }
}

mod staking_pool_tests {
    use walrus_devnet::natives::staking_pool::*;
    use walrus_devnet::natives::storage_node;
    use walrus_sui::errors::{StakingPoolError as E, StorageNodeError};
    use walrus_sui::objects::StakingPool;

    use super::*;

    fn new_pool(commission_rate: u16, ctx: &mut NativeCtx<'_>) -> NResult<StakingPool> {
        let params = new_voting_params(100, 10, 1_000);
        new(
            "node".into(),
            "127.0.0.1:9000".into(),
            &bls_pk(0),
            vec![2; 33],
            commission_rate,
            params,
            0,
            ctx,
        )
    }

    #[test]
    fn stake_earn_and_withdraw() {
        with_ctx(|ctx| {
            let mut pool = new_pool(1_000, ctx).unwrap();
            let mut alice = stake(&mut pool, 10 * ONE_WAL, 1, ctx).unwrap();
            assert_eq!(wal_balance_at_epoch(&pool, 0, ctx).unwrap(), 0);
            assert_eq!(wal_balance_at_epoch(&pool, 1, ctx).unwrap(), 10 * ONE_WAL);
            advance_epoch(&mut pool, 1, 0, ctx).unwrap();
            assert_eq!(pool.wal_balance, 10 * ONE_WAL);
            assert_eq!(pool.num_shares, 10 * ONE_WAL);

            // Bob joins at epoch 2, after the epoch-1 reward of 1_000 (10% commission).
            let bob = stake(&mut pool, 10 * ONE_WAL, 2, ctx).unwrap();
            let commission = advance_epoch(&mut pool, 2, 1_000, ctx).unwrap();
            assert_eq!(commission, 100);
            assert_eq!(pool.commission.value, 100);
            assert_eq!(pool.rewards_pool.value, 900);
            assert_eq!(pool.wal_balance, 20 * ONE_WAL + 900);

            request_withdraw(&mut pool, &mut alice, 2, 3, ctx).unwrap();
            advance_epoch(&mut pool, 3, 0, ctx).unwrap();
            let (paid, rewards, shortfall) = withdraw(&mut pool, alice, 3, false, ctx).unwrap();
            assert_eq!(rewards, 900);
            assert_eq!(shortfall, 0);
            assert_eq!(paid, 10 * ONE_WAL + 900);
            assert_eq!(
                calculate_rewards(&pool, bob.principal.value, 2, 3, ctx).unwrap(),
                0
            );
            assert_eq!(collect_commission(&mut pool), 100);
        });
    }

    #[test]
    fn commission_rate_change_applies_at_its_epoch() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            let _staked = stake(&mut pool, ONE_WAL, 1, ctx).unwrap();
            set_next_commission(&mut pool, 5_000, 2).unwrap();
            advance_epoch(&mut pool, 1, 100, ctx).unwrap();
            assert_eq!(pool.commission_rate, 0);
            assert_eq!(pool.commission.value, 0);
            advance_epoch(&mut pool, 2, 100, ctx).unwrap();
            assert_eq!(pool.commission_rate, 5_000);
            advance_epoch(&mut pool, 3, 100, ctx).unwrap();
            assert_eq!(pool.commission.value, 50);
        });
    }

    #[test]
    fn inactive_stake_leaves_directly() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            let staked = stake(&mut pool, ONE_WAL, 1, ctx).unwrap();
            let (paid, rewards, shortfall) = withdraw(&mut pool, staked, 0, true, ctx).unwrap();
            assert_eq!(shortfall, 0);
            assert_eq!(rewards, 0);
            assert_eq!(paid, ONE_WAL);
            assert_eq!(wal_balance_at_epoch(&pool, 1, ctx).unwrap(), 0);
        });
    }

    #[test]
    fn retired_pool_becomes_withdrawn() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            retire(&mut pool, 2).unwrap();
            assert!(!is_active(&pool));
            advance_epoch(&mut pool, 1, 0, ctx).unwrap();
            assert!(!is_withdrawn(&pool));
            advance_epoch(&mut pool, 2, 0, ctx).unwrap();
            assert!(is_withdrawn(&pool));
        });
    }

    #[test]
    fn stake_with_retired_pool_fails() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            retire(&mut pool, 1).unwrap();
            assert_abort(
                stake(&mut pool, ONE_WAL, 1, ctx),
                "staking_pool",
                E::EPoolIsNotActive as u64,
            );
        });
    }

    #[test]
    fn early_withdraw_fails() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            let mut staked = stake(&mut pool, ONE_WAL, 1, ctx).unwrap();
            advance_epoch(&mut pool, 1, 0, ctx).unwrap();
            request_withdraw(&mut pool, &mut staked, 1, 2, ctx).unwrap();
            assert_abort(
                withdraw(&mut pool, staked, 1, false, ctx),
                "staking_pool",
                E::EWithdrawEpochNotReached as u64,
            );
        });
    }

    #[test]
    fn request_for_inactive_stake_fails() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            let mut staked = stake(&mut pool, ONE_WAL, 1, ctx).unwrap();
            assert_abort(
                request_withdraw(&mut pool, &mut staked, 0, 1, ctx),
                "staking_pool",
                E::EWithdrawDirectly as u64,
            );
        });
    }

    #[test]
    fn leaving_a_selected_committee_early_fails() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            let staked = stake(&mut pool, ONE_WAL, 1, ctx).unwrap();
            assert_abort(
                withdraw(&mut pool, staked, 0, false, ctx),
                "staking_pool",
                E::EActivationEpochNotReached as u64,
            );
        });
    }

    #[test]
    fn advancing_twice_fails() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            advance_epoch(&mut pool, 1, 0, ctx).unwrap();
            assert_abort(
                advance_epoch(&mut pool, 1, 0, ctx),
                "staking_pool",
                E::EPoolAlreadyUpdated as u64,
            );
        });
    }

    #[test]
    fn commission_above_100_percent_fails() {
        with_ctx(|ctx| {
            assert_abort(
                new_pool(10_001, ctx),
                "staking_pool",
                E::EIncorrectCommissionRate as u64,
            );
        });
    }

    #[test]
    fn short_network_key_fails() {
        assert_abort(
            storage_node::new(
                "node".into(),
                super::node_id(0),
                "addr".into(),
                &bls_pk(0),
                vec![1],
            ),
            "storage_node",
            StorageNodeError::EInvalidNetworkPublicKey as u64,
        );
    }

    #[test]
    fn slash_lowers_the_value_of_existing_stake() {
        with_ctx(|ctx| {
            let mut pool = new_pool(0, ctx).unwrap();
            let mut alice = stake(&mut pool, 10 * ONE_WAL, 1, ctx).unwrap();
            advance_epoch(&mut pool, 1, 0, ctx).unwrap();
            // 10% of the active WAL, before the epoch-2 rate is recorded.
            assert_eq!(slash(&mut pool, 1_000).unwrap(), ONE_WAL);
            advance_epoch(&mut pool, 2, 0, ctx).unwrap();
            assert_eq!(pool.wal_balance, 9 * ONE_WAL);
            assert_eq!(
                stake_value(&pool, 10 * ONE_WAL, 1, 2, ctx).unwrap(),
                9 * ONE_WAL
            );
            // New stake after the slash is not affected.
            let _bob = stake(&mut pool, ONE_WAL, 3, ctx).unwrap();
            request_withdraw(&mut pool, &mut alice, 2, 3, ctx).unwrap();
            advance_epoch(&mut pool, 3, 0, ctx).unwrap();
            assert_eq!(pool.wal_balance, ONE_WAL);
            let (paid, rewards, shortfall) = withdraw(&mut pool, alice, 3, false, ctx).unwrap();
            assert_eq!(rewards, 0);
            assert_eq!(paid, 9 * ONE_WAL);
            // The shortfall leaves the pool separately, for the slashing fund.
            assert_eq!(shortfall, ONE_WAL);
            assert_eq!(pool.rewards_pool.value, 0);
        });
    }
}

mod staked_wal_tests {
    use walrus_devnet::natives::staked_wal::*;
    use walrus_sui::errors::StakedWalError as E;

    use super::*;

    #[test]
    fn split_and_join() {
        with_ctx(|ctx| {
            let mut staked = mint(node_id(0), 5 * ONE_WAL, 3, ctx).unwrap();
            assert!(is_staked(&staked));
            assert_eq!(staked.activation_epoch, 3);
            let part = split(&mut staked, 2 * ONE_WAL, ctx).unwrap();
            assert_eq!(staked.principal.value, 3 * ONE_WAL);
            assert_eq!(part.principal.value, 2 * ONE_WAL);
            assert_eq!(part.node_id, node_id(0));
            join(&mut staked, part, ctx).unwrap();
            assert_eq!(staked.principal.value, 5 * ONE_WAL);
        });
    }

    #[test]
    fn withdrawing_state() {
        with_ctx(|ctx| {
            let mut staked = mint(node_id(0), ONE_WAL, 1, ctx).unwrap();
            set_withdrawing(&mut staked, 4).unwrap();
            assert!(!is_staked(&staked));
            assert_eq!(withdraw_epoch(&staked).unwrap(), 4);
            assert_eq!(into_balance(staked, ctx), ONE_WAL);
        });
    }

    #[test]
    fn below_threshold_fails() {
        with_ctx(|ctx| {
            assert_abort(
                mint(node_id(0), ONE_WAL - 1, 1, ctx),
                "staked_wal",
                E::EStakeBelowThreshold as u64,
            );
        });
    }

    #[test]
    fn split_leaving_too_little_fails() {
        with_ctx(|ctx| {
            let mut staked = mint(node_id(0), ONE_WAL + ONE_WAL / 2, 1, ctx).unwrap();
            assert_abort(
                split(&mut staked, ONE_WAL, ctx),
                "staked_wal",
                E::EStakeBelowThreshold as u64,
            );
        });
    }

    #[test]
    fn join_other_node_fails() {
        with_ctx(|ctx| {
            let mut a = mint(node_id(0), ONE_WAL, 1, ctx).unwrap();
            let b = mint(node_id(1), ONE_WAL, 1, ctx).unwrap();
            assert_abort(
                join(&mut a, b, ctx),
                "staked_wal",
                E::EMetadataMismatch as u64,
            );
        });
    }

    #[test]
    fn withdraw_epoch_of_staked_fails() {
        with_ctx(|ctx| {
            let staked = mint(node_id(0), ONE_WAL, 1, ctx).unwrap();
            assert_abort(
                withdraw_epoch(&staked),
                "staked_wal",
                E::ENotWithdrawing as u64,
            );
        });
    }

    #[test]
    fn double_withdrawing_fails() {
        with_ctx(|ctx| {
            let mut staked = mint(node_id(0), ONE_WAL, 1, ctx).unwrap();
            set_withdrawing(&mut staked, 2).unwrap();
            assert_abort(
                set_withdrawing(&mut staked, 3),
                "staked_wal",
                E::EAlreadyWithdrawing as u64,
            );
        });
    }
}

mod committee_tests {
    use walrus_devnet::natives::committee::*;
    use walrus_sui::errors::CommitteeError as E;
    use walrus_sui::move_types::{Entry, VecMap};

    use super::*;

    fn map(entries: &[(u8, u16)]) -> VecMap<ObjectId, u16> {
        VecMap {
            contents: entries
                .iter()
                .map(|&(i, count)| Entry {
                    key: node_id(i),
                    value: count,
                })
                .collect(),
        }
    }

    #[test]
    fn dhondt_vectors() {
        assert_eq!(
            apportion(778, &[25000, 25000, 25000, 25000]).unwrap(),
            vec![195, 195, 194, 194]
        );
        assert_eq!(
            apportion(777, &[50000, 30000, 15000, 5000]).unwrap(),
            vec![389, 234, 116, 38]
        );
        assert_eq!(
            apportion(4, &[50000, 30000, 15000, 5000]).unwrap(),
            vec![2, 2, 0, 0]
        );
        assert_eq!(apportion(10, &[1]).unwrap(), vec![10]);
    }

    #[test]
    fn shard_cap() {
        assert_eq!(max_shards_per_node(1000, 4).unwrap(), 500);
        assert_eq!(max_shards_per_node(1000, 20).unwrap(), 100);
        assert_eq!(max_shards_per_node(10, 1).unwrap(), 10);
        assert_eq!(max_shards_per_node(5, 30).unwrap(), 1);
    }

    #[test]
    fn first_committee_is_numbered_in_id_order() {
        let committee = initialize(map(&[(2, 2), (0, 3), (1, 0)])).unwrap();
        assert_eq!(size(&committee), 2);
        assert_eq!(shards(&committee, &node_id(0)).unwrap(), &vec![0, 1, 2]);
        assert_eq!(shards(&committee, &node_id(2)).unwrap(), &vec![3, 4]);
        assert_eq!(n_shards(&committee), 5);
    }

    #[test]
    fn transition_moves_few_shards() {
        let committee = initialize(map(&[(0, 3), (1, 3)])).unwrap();
        // Node 0 shrinks to 1, node 1 keeps 3, node 2 joins with 2.
        let next = transition(&committee, &map(&[(2, 2), (0, 1), (1, 3)])).unwrap();
        assert_eq!(shards(&next, &node_id(0)).unwrap(), &vec![0]);
        assert_eq!(shards(&next, &node_id(1)).unwrap(), &vec![3, 4, 5]);
        assert_eq!(shards(&next, &node_id(2)).unwrap(), &vec![1, 2]);
        assert_eq!(node_ids(&next), vec![node_id(0), node_id(1), node_id(2)]);

        // Node 1 leaves; node 0 takes its shards back.
        let last = transition(&next, &map(&[(0, 4), (2, 2)])).unwrap();
        assert_eq!(shards(&last, &node_id(0)).unwrap(), &vec![0, 3, 4, 5]);
        assert_eq!(shards(&last, &node_id(2)).unwrap(), &vec![1, 2]);
        assert!(!contains(&last, &node_id(1)));
    }

    #[test]
    fn transition_with_other_total_fails() {
        let committee = initialize(map(&[(0, 3)])).unwrap();
        assert_abort(
            transition(&committee, &map(&[(0, 2)])),
            "committee",
            E::EInvalidShardAssignment as u64,
        );
    }

    #[test]
    fn apportion_without_stake_fails() {
        assert_abort(apportion(10, &[0, 0]), "committee", E::ENoStake as u64);
    }

    #[test]
    fn shards_of_non_member_fails() {
        assert_abort(
            shards(&empty(), &node_id(0)),
            "committee",
            E::ENotInCommittee as u64,
        );
    }
}

mod active_set_tests {
    use walrus_devnet::natives::active_set::*;
    use walrus_sui::errors::ActiveSetError as E;

    use super::*;

    #[test]
    fn insert_update_remove() {
        let mut set = new(3).unwrap();
        assert!(upsert(&mut set, node_id(0), 10).unwrap());
        assert!(upsert(&mut set, node_id(1), 20).unwrap());
        assert_eq!(set.total_stake, 30);
        assert!(upsert(&mut set, node_id(0), 15).unwrap());
        assert_eq!(stake(&set, node_id(0)), 15);
        assert_eq!(set.total_stake, 35);
        assert!(!upsert(&mut set, node_id(1), 0).unwrap());
        assert!(!contains(&set, node_id(1)));
        assert_eq!(set.total_stake, 15);
        remove(&mut set, node_id(0)).unwrap();
        assert_eq!(set.nodes.len(), 0);
    }

    #[test]
    fn full_set_replaces_smallest_only_if_strictly_larger() {
        let mut set = new(2).unwrap();
        upsert(&mut set, node_id(0), 10).unwrap();
        upsert(&mut set, node_id(1), 20).unwrap();
        assert!(!upsert(&mut set, node_id(2), 10).unwrap());
        assert!(upsert(&mut set, node_id(2), 11).unwrap());
        assert!(!contains(&set, node_id(0)));
        assert_eq!(node_ids(&set), vec![node_id(1), node_id(2)]);
        assert_eq!(stakes(&set), vec![20, 11]);
        assert_eq!(set.total_stake, 31);
    }

    #[test]
    fn zero_size_fails() {
        assert_abort(new(0), "active_set", E::EZeroMaxSize as u64);
    }
}

mod shared_blob_tests {
    use walrus_core::BlobId;
    use walrus_core::BlsAggregateSignature;
    use walrus_devnet::natives::blob::{derive_blob_id, end_epoch};
    use walrus_devnet::natives::encoding::{RS2, encoded_blob_length};
    use walrus_devnet::natives::shared_blob::*;
    use walrus_devnet::natives::system::{self, new_bls_committee};
    use walrus_sui::errors::SharedBlobError as E;
    use walrus_sui::move_types::G1Element;
    use walrus_sui::objects::{Blob, BlsCommitteeMember, SharedBlob, System};

    use super::*;

    const SIZE: u64 = 1_000;

    fn root_hash() -> BlobId {
        let mut bytes = [0; 32];
        bytes[..2].copy_from_slice(&[0xEF, 0xBE]);
        BlobId(bytes)
    }

    /// `test_utils::bls_committee(1, [3, 3, 2, 2])`.
    fn committee() -> walrus_sui::objects::BlsCommittee {
        let members = [3u16, 3, 2, 2]
            .iter()
            .enumerate()
            .map(|(i, &weight)| BlsCommitteeMember {
                public_key: G1Element {
                    bytes: bls_pk(i as u64),
                },
                weight,
                node_id: node_id(u8::try_from(i).unwrap()),
            })
            .collect();
        new_bls_committee(1, members).unwrap()
    }

    fn setup(ctx: &mut NativeCtx<'_>) -> (System, SharedBlob) {
        let system = system::new_for_test(ctx, committee(), 1_000_000_000, 10, 1, 10).unwrap();
        let system_value = obj(system::system_tag(), &system);
        let payment = coin_value(&mint_frost(1_000_000, ctx));
        let encoded = encoded_blob_length(SIZE, RS2, 10).unwrap();
        let mut args = [system_value.clone(), pure(&encoded), pure(&2u32), payment];
        let storage = call(ctx, "system", "reserve_space", &mut args)
            .unwrap()
            .remove(0);
        let payment = args[3].clone();
        let blob_id = derive_blob_id(root_hash(), RS2, SIZE);
        let mut args = [
            system_value.clone(),
            storage,
            pure(&blob_id),
            pure(&root_hash()),
            pure(&SIZE),
            pure(&RS2),
            pure(&false),
            payment,
        ];
        let blob = call(ctx, "system", "register_blob", &mut args)
            .unwrap()
            .remove(0);
        // `test_utils::blob_cert_message(1, blob_id)`, signed by all four members.
        let mut message = vec![1, 0, 3];
        message.extend(1u32.to_le_bytes());
        message.extend(blob_id.0);
        message.push(0);
        let signatures: Vec<_> = (0..4).map(|i| bls_sk(i).sign(&message)).collect();
        let signature = BlsAggregateSignature::aggregate(&signatures).unwrap();
        let mut args = [
            system_value,
            blob,
            pure(&signature.to_bytes().to_vec()),
            pure(&vec![0b1111u8]),
            pure(&message),
        ];
        call(ctx, "system", "certify_blob", &mut args).unwrap();
        let blob: Blob = decode(&args[1]);
        let shared = new_funded(blob, 15, ctx);
        (system, shared)
    }

    #[test]
    fn anyone_can_fund_and_extend() {
        with_ctx(|ctx| {
            let (system, mut shared) = setup(ctx);
            assert_eq!(shared.funds.value, 15);
            fund(&mut shared, mint_frost(5, ctx).value).unwrap();
            assert_eq!(shared.funds.value, 20);
            // One unit at 10 FROST per epoch.
            extend(&mut shared, &system, 2, ctx).unwrap();
            assert_eq!(shared.funds.value, 0);
            assert_eq!(end_epoch(&shared.blob), 5);
        });
    }

    #[test]
    fn extend_without_funds_fails() {
        with_ctx(|ctx| {
            let (system, mut shared) = setup(ctx);
            assert_abort(
                extend(&mut shared, &system, 3, ctx),
                "shared_blob",
                E::EInsufficientFunds as u64,
            );
        });
    }

    #[test]
    fn shared_blob_native_entry_points() {
        with_ctx(|ctx| {
            let (system, shared) = setup(ctx);
            let mut args = [
                obj(shared_blob_tag(), &shared),
                coin_value(&mint_frost(100, ctx)),
            ];
            call(ctx, "shared_blob", "fund", &mut args).unwrap();
            let mut args = [
                args[0].clone(),
                obj(system::system_tag(), &system),
                pure(&1u32),
            ];
            call(ctx, "shared_blob", "extend", &mut args).unwrap();
            let after: SharedBlob = decode(&args[0]);
            assert_eq!(after.funds.value, 115 - 10);
            assert_eq!(end_epoch(&after.blob), 4);
        });
    }
}
