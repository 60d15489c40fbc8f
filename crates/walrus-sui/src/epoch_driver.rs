//! The permissionless epoch-change calls: `voting_end` half an epoch after the last epoch change
//! completed and `initiate_epoch_change` a whole epoch after it. Anyone may make them; storage
//! nodes and `walrus local` run [`drive_epochs`] so that epochs advance on time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::client::{ChainError, WalrusSuiClient};
use crate::objects::{EpochState, StakingInnerV1};

/// What an epoch driver should call now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochStep {
    /// Nothing is due.
    Wait,
    /// `voting_end`: select the next committee.
    VotingEnd,
    /// `initiate_epoch_change`: start the next epoch.
    InitiateEpochChange,
}

/// The timing of the staking state that decides the next epoch-change call.
#[derive(Debug, Clone, Copy)]
pub struct EpochTiming {
    /// The current epoch.
    pub epoch: u32,
    /// The epoch-change state machine's state.
    pub state: EpochState,
    /// The epoch duration (ms).
    pub duration_ms: u64,
    /// When epoch 1 starts (ms since the Unix epoch).
    pub first_epoch_start_ms: u64,
}

impl EpochTiming {
    /// The timing of a staking state.
    pub fn of(state: &StakingInnerV1) -> Self {
        Self {
            epoch: state.epoch,
            state: state.epoch_state,
            duration_ms: state.epoch_duration,
            first_epoch_start_ms: state.first_epoch_start,
        }
    }

    /// What is due at `now_ms`, with the contract's rules: voting ends half an epoch after the
    /// last epoch change completed, the next epoch starts a whole epoch after it (epoch 0 ends
    /// at the first epoch's start).
    pub fn step(&self, now_ms: u64) -> EpochStep {
        let due = |after_change: u64| {
            if self.epoch == 0 {
                self.first_epoch_start_ms
            } else {
                after_change
            }
        };
        match self.state {
            EpochState::EpochChangeDone(last_change)
                if now_ms >= due(last_change.saturating_add(self.duration_ms / 2)) =>
            {
                EpochStep::VotingEnd
            }
            EpochState::NextParamsSelected(last_change)
                if now_ms >= due(last_change.saturating_add(self.duration_ms)) =>
            {
                EpochStep::InitiateEpochChange
            }
            _ => EpochStep::Wait,
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Checks the staking state every `tick` and makes the call that is due, forever (drop or abort
/// the future to stop). Failed reads are retried at the next tick; a failed call (another driver
/// was first, or the chain's clock lags ours) is passed to `on_error` with the epoch and retried
/// at the next tick once the state still asks for it.
pub async fn drive_epochs<F>(client: &WalrusSuiClient, tick: Duration, mut on_error: F)
where
    F: FnMut(u32, &ChainError),
{
    let mut ticks = tokio::time::interval(tick);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Ok(state) = client.staking_state().await else {
            continue; // The chain may be restarting; try again next tick.
        };
        let result = match EpochTiming::of(&state).step(now_ms()) {
            EpochStep::Wait => continue,
            EpochStep::VotingEnd => client.voting_end().await,
            EpochStep::InitiateEpochChange => client.initiate_epoch_change().await,
        };
        if let Err(error) = result {
            on_error(state.epoch, &error);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(epoch: u32, state: EpochState) -> EpochTiming {
        EpochTiming {
            epoch,
            state,
            duration_ms: 10_000,
            first_epoch_start_ms: 500,
        }
    }

    #[test]
    fn each_step_is_due_on_time() {
        let done = timing(3, EpochState::EpochChangeDone(100_000));
        assert_eq!(done.step(104_999), EpochStep::Wait);
        assert_eq!(done.step(105_000), EpochStep::VotingEnd);
        let selected = timing(3, EpochState::NextParamsSelected(100_000));
        assert_eq!(selected.step(109_999), EpochStep::Wait);
        assert_eq!(selected.step(110_000), EpochStep::InitiateEpochChange);
        // While the nodes sync shards nothing is due.
        let syncing = timing(3, EpochState::EpochChangeSync(4));
        assert_eq!(syncing.step(u64::MAX), EpochStep::Wait);
        // Epoch 0 ends at the first epoch's start.
        let genesis = timing(0, EpochState::NextParamsSelected(0));
        assert_eq!(genesis.step(499), EpochStep::Wait);
        assert_eq!(genesis.step(500), EpochStep::InitiateEpochChange);
    }
}
