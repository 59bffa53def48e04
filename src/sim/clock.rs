//! Virtual time: the clock and the queue of timers.
//!
//! Architecture invariant: nothing in the simulation reads the wall clock. Time moves only
//! when the driver pops a timer or a caller advances it (`World::advance_to`).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::Timestamp;

/// 2025-01-01T00:00:00Z, where every simulation starts.
pub const EPOCH_MS: i64 = 1_735_689_600_000;

/// Virtual time in milliseconds: an instant (milliseconds since the start of the
/// simulation) or a duration, as the context says.
///
/// Architecture invariant: time arithmetic saturates. The type has no wrapping operation
/// and no escape hatch to raw `u64` arithmetic (no `Deref`, no `From<u64>`): sums and
/// products stop at [`END_OF_TIME`], differences at zero. Raw milliseconds appear only at
/// the edges: [`Millis::ms`]/[`Millis::as_ms`] for the language's durations and printing,
/// [`to_time`]/[`from_time`] for the timestamps of Kubernetes objects.
///
/// One type serves both instants and durations because the simulation mixes them freely
/// (a timer's due time is `now + period`, a backoff delay is `finished - started`); what
/// matters is that no mix of them can wrap.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Millis(u64);

/// The latest instant arithmetic can reach: ten million hours (about 1,141 years) after the
/// epoch. Every sum of an instant and a duration saturates here, so no input makes time
/// wrap around. Callers cap durations and `Config::max_time_ms` at a tenth of it, so a sum
/// that matters never saturates: the run ends on its time limit first.
pub const END_OF_TIME: Millis = Millis(10_000_000 * 3_600 * 1_000);

pub const ZERO: Millis = Millis(0);
pub const MILLISECOND: Millis = Millis(1);
pub const SECOND: Millis = Millis(1_000);
pub const MINUTE: Millis = Millis(60_000);
pub const HOUR: Millis = Millis(3_600_000);

impl Millis {
    /// `n` milliseconds, at most [`END_OF_TIME`].
    pub const fn ms(n: u64) -> Millis {
        if n > END_OF_TIME.0 {
            END_OF_TIME
        } else {
            Millis(n)
        }
    }

    /// `n` seconds, at most [`END_OF_TIME`] (usable in constants).
    pub const fn secs(n: u64) -> Millis {
        match n.checked_mul(SECOND.0) {
            Some(ms) => Millis::ms(ms),
            None => END_OF_TIME,
        }
    }

    /// Seconds read from a manifest (int32/int64 fields): negative values count as 0,
    /// huge ones saturate at [`END_OF_TIME`].
    pub fn from_secs(n: i64) -> Millis {
        Millis::secs(u64::try_from(n).unwrap_or(0))
    }

    /// The raw milliseconds, for printing and for the edges of the simulation.
    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// Whole seconds, rounded down.
    pub const fn as_secs(self) -> u64 {
        self.0 / SECOND.0
    }

    /// `self × n` for a count read from a manifest: a negative count gives 0, the product
    /// saturates at [`END_OF_TIME`].
    pub fn times(self, n: i64) -> Millis {
        self * u64::try_from(n).unwrap_or(0)
    }

    /// The first multiple of `period` strictly after `self` (`self` itself when `period`
    /// is 0), saturating at [`END_OF_TIME`].
    pub fn next_multiple_of(self, period: Millis) -> Millis {
        match self.0.checked_div(period.0) {
            Some(n) => period * n.saturating_add(1),
            None => self,
        }
    }
}

impl std::ops::Add for Millis {
    type Output = Millis;
    /// Saturates at [`END_OF_TIME`].
    fn add(self, rhs: Millis) -> Millis {
        Millis::ms(self.0.saturating_add(rhs.0))
    }
}

impl std::ops::AddAssign for Millis {
    fn add_assign(&mut self, rhs: Millis) {
        *self = *self + rhs;
    }
}

impl std::ops::Sub for Millis {
    type Output = Millis;
    /// Saturates at zero: an instant before another is no time after it.
    fn sub(self, rhs: Millis) -> Millis {
        Millis(self.0.saturating_sub(rhs.0))
    }
}

impl std::ops::Mul<u64> for Millis {
    type Output = Millis;
    /// Saturates at [`END_OF_TIME`].
    fn mul(self, rhs: u64) -> Millis {
        Millis::ms(self.0.saturating_mul(rhs))
    }
}

impl std::fmt::Display for Millis {
    /// Compactly, as traces and failures print times: `1h2m3s500ms`, `0s`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0;
        if ms == 0 {
            return f.write_str("0s");
        }
        let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
        let (m, rest) = (rest / 60_000, rest % 60_000);
        let (s, milli) = (rest / 1000, rest % 1000);
        for (n, unit) in [(h, "h"), (m, "m"), (s, "s"), (milli, "ms")] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

pub fn to_time(ms: Millis) -> Time {
    let at = EPOCH_MS.saturating_add(ms.min(END_OF_TIME).0 as i64);
    Time(Timestamp::from_millisecond(at).unwrap_or(Timestamp::UNIX_EPOCH))
}

/// The inverse of [`to_time`]; times before the epoch count as 0.
pub fn from_time(time: &Time) -> Millis {
    Millis::ms(u64::try_from(time.0.as_millisecond().saturating_sub(EPOCH_MS)).unwrap_or(0))
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
    /// Sets a timer; returns its turn within its instant, for [`Timers::cancel`].
    pub fn at(&mut self, when: Millis, event: E) -> u64 {
        self.seq += 1;
        self.queue.insert((when, self.seq), event);
        self.seq
    }

    /// Takes back the timer set for `when` in turn `seq`.
    pub fn cancel(&mut self, when: Millis, seq: u64) -> Option<E> {
        self.queue.remove(&(when, seq))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_products_stop_at_the_end_of_time() {
        let max = Millis::ms(u64::MAX);
        assert_eq!(max, END_OF_TIME);
        assert_eq!(max + max, END_OF_TIME);
        assert_eq!(END_OF_TIME + MILLISECOND, END_OF_TIME);
        assert_eq!(HOUR * u64::MAX, END_OF_TIME);
        assert_eq!(SECOND.times(i64::MAX), END_OF_TIME);
        assert_eq!(Millis::secs(u64::MAX), END_OF_TIME);
        assert_eq!(Millis::from_secs(i64::MAX), END_OF_TIME);
        let mut t = END_OF_TIME - SECOND;
        t += MINUTE;
        assert_eq!(t, END_OF_TIME);
        assert_eq!(Millis::ms(1_500) + SECOND, Millis::ms(2_500));
        assert_eq!(SECOND * 3, Millis::ms(3_000));
    }

    #[test]
    fn differences_and_negative_inputs_stop_at_zero() {
        assert_eq!(SECOND - MINUTE, ZERO);
        assert_eq!(ZERO - END_OF_TIME, ZERO);
        assert_eq!(MINUTE - SECOND, Millis::secs(59));
        assert_eq!(Millis::from_secs(-1), ZERO);
        assert_eq!(Millis::from_secs(i64::MIN), ZERO);
        assert_eq!(MINUTE.times(-5), ZERO);
        assert_eq!(MINUTE.times(2), Millis::secs(120));
    }

    #[test]
    fn constants_and_conversions_agree() {
        assert_eq!(MINUTE, SECOND * 60);
        assert_eq!(HOUR, MINUTE * 60);
        assert_eq!(Millis::secs(90).as_ms(), 90_000);
        assert_eq!(Millis::ms(90_999).as_secs(), 90);
        assert_eq!(from_time(&to_time(Millis::ms(1_234))), Millis::ms(1_234));
        assert_eq!(from_time(&to_time(Millis::ms(u64::MAX))), END_OF_TIME);
    }

    #[test]
    fn next_multiple_of_is_strictly_later() {
        let period = Millis::secs(30);
        assert_eq!(ZERO.next_multiple_of(period), period);
        assert_eq!(Millis::ms(29_999).next_multiple_of(period), period);
        assert_eq!(period.next_multiple_of(period), Millis::secs(60));
        assert_eq!(END_OF_TIME.next_multiple_of(period), END_OF_TIME);
        assert_eq!(SECOND.next_multiple_of(ZERO), SECOND);
    }

    #[test]
    fn display_is_compact() {
        assert_eq!(ZERO.to_string(), "0s");
        assert_eq!(Millis::ms(500).to_string(), "500ms");
        assert_eq!(
            (HOUR + MINUTE * 2 + SECOND * 3 + Millis::ms(500)).to_string(),
            "1h2m3s500ms"
        );
        assert_eq!(HOUR.to_string(), "1h");
    }
}
