//! Virtual time: the clock and the queue of timers.
//!
//! Architecture invariant: nothing in the simulation reads the wall clock. Time moves only
//! when the driver pops a timer or a caller advances it (`World::advance_to`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

/// 2025-01-01T00:00:00Z, where every simulation starts.
pub const EPOCH_MS: i64 = 1_735_689_600_000;

/// Milliseconds of virtual time since the start of the simulation.
pub type Millis = u64;

pub const SECOND: Millis = 1_000;

/// The latest instant arithmetic can reach: ten million hours (about 1,141 years) after the
/// epoch. Every sum of an instant and a duration saturates here, so no input makes time
/// wrap around. Callers cap durations and `Config::max_time_ms` at a tenth of it, so a sum
/// that matters never saturates: the run ends on its time limit first.
pub const END_OF_TIME: Millis = 10_000_000 * 3_600 * SECOND;

/// `now + duration`, saturating at [`END_OF_TIME`]: a duration from the input (a caller's
/// wait, a probe's threshold × period) never wraps the clock.
pub fn later(now: Millis, duration: Millis) -> Millis {
    now.saturating_add(duration).min(END_OF_TIME)
}

/// `count × seconds` in milliseconds, for counts and periods read from a manifest (int32
/// fields): negative values count as 0, the product saturates at [`END_OF_TIME`].
pub fn seconds_times(count: i64, seconds: i64) -> Millis {
    let count = count.max(0) as Millis;
    let seconds = seconds.max(0) as Millis;
    count
        .saturating_mul(seconds)
        .saturating_mul(SECOND)
        .min(END_OF_TIME)
}

pub fn to_time(ms: Millis) -> Time {
    let at = EPOCH_MS.saturating_add(ms.min(END_OF_TIME) as i64);
    Time(Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// The inverse of [`to_time`]; times before the epoch count as 0.
pub fn from_time(time: &Time) -> Millis {
    (time.0.as_millisecond() - EPOCH_MS).max(0) as Millis
}

/// Timers fire in time order, and in the order they were set within one instant, so runs
/// are reproducible.
#[derive(Debug)]
pub struct Timers<E> {
    queue: BTreeMap<(Millis, u64), E>,
    seq: u64,
}

impl<E> Default for Timers<E> {
    fn default() -> Self {
        Timers {
            queue: BTreeMap::new(),
            seq: 0,
        }
    }
}

impl<E> Timers<E> {
    pub fn at(&mut self, when: Millis, event: E) {
        self.seq += 1;
        self.queue.insert((when, self.seq), event);
    }

    pub fn next_time(&self) -> Option<Millis> {
        self.queue.keys().next().map(|(t, _)| *t)
    }

    /// Removes and returns the first timer due at or before `now`.
    pub fn pop_due(&mut self, now: Millis) -> Option<E> {
        let key = *self.queue.keys().next()?;
        if key.0 > now {
            return None;
        }
        self.queue.remove(&key)
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}
