//! client-go's `util/workqueue`, as the controllers use it: a de-duplicating FIFO of keys
//! (`Type`), and a rate-limited, delaying queue on top of it (`AddAfter`, `AddRateLimited`,
//! `Forget`). The delays are the caller's timers: [`RateLimitingQueue::add_after`] says
//! when one must be set, and [`RateLimitingQueue::fire`] takes it back.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::clock::{Millis, MILLISECOND};

/// A de-duplicating FIFO of keys, as client-go's workqueue: a key queued twice before it is
/// taken is processed once.
#[derive(Debug, Default)]
pub struct WorkQueue {
    order: VecDeque<String>,
    queued: BTreeSet<String>,
}

impl WorkQueue {
    pub fn add(&mut self, key: &str) {
        // A key already queued (the usual case: many events per sync) costs a lookup.
        if !self.queued.contains(key) {
            self.queued.insert(key.to_string());
            self.order.push_back(key.to_string());
        }
    }

    pub fn pop(&mut self) -> Option<String> {
        let key = self.order.pop_front()?;
        self.queued.remove(&key);
        Some(key)
    }
}

/// A controller's queue: keys to sync now, syncs asked for at later instants (each asked
/// once per instant), and each key's retry delay after failed syncs
/// (`ItemExponentialFailureRateLimiter`: the first retry after `base`, doubling up to `max`).
#[derive(Debug)]
pub struct RateLimitingQueue {
    queue: WorkQueue,
    waiting: BTreeSet<(String, Millis)>,
    failures: BTreeMap<String, Millis>,
    base: Millis,
    max: Millis,
}

impl RateLimitingQueue {
    /// The queue of a controller whose failed action (a refused create, a stale claim) is
    /// retried after 1 s, doubling up to 60 s: the language's timing rule for every
    /// controller (upstream's `DefaultControllerRateLimiter` starts at 5 ms and grows to
    /// 1000 s; docs/language.md, "Execution model and timing").
    pub fn for_failed_actions() -> Self {
        Self::new(Millis::secs(1), Millis::secs(60))
    }

    pub fn new(base: Millis, max: Millis) -> Self {
        RateLimitingQueue {
            queue: WorkQueue::default(),
            waiting: BTreeSet::new(),
            failures: BTreeMap::new(),
            base,
            max,
        }
    }

    /// Queues `key` for a sync now.
    pub fn add(&mut self, key: &str) {
        self.queue.add(key);
    }

    /// The next key to sync.
    pub fn pop(&mut self) -> Option<String> {
        self.queue.pop()
    }

    /// `AddAfter`: asks for a sync of `key` at `at`. True when nothing waited for that
    /// instant yet: the caller sets a timer, whose [`fire`](Self::fire) queues the key.
    #[must_use]
    pub fn add_after(&mut self, key: &str, at: Millis) -> bool {
        self.waiting.insert((key.to_string(), at))
    }

    /// The timer set for `key` at `now` came: the key is queued.
    pub fn fire(&mut self, key: &str, now: Millis) {
        self.waiting.remove(&(key.to_string(), now));
        self.queue.add(key);
    }

    /// `AddRateLimited` after a failed sync: the key's delay doubles (from `base`, at most
    /// `max`), and the instant of its retry is returned, unless a sync already waits at or
    /// before it (as the delaying queue, an earlier wait wins). Pass it to
    /// [`add_after`](Self::add_after) through the caller's timer.
    #[must_use]
    pub fn retry_at(&mut self, key: &str, now: Millis) -> Option<Millis> {
        let delay = self
            .failures
            .get(key)
            .map(|d| (*d * 2).min(self.max))
            .unwrap_or(self.base);
        self.failures.insert(key.to_string(), delay);
        let at = now + delay;
        let earlier = self
            .waiting
            .range((key.to_string(), now + MILLISECOND)..=(key.to_string(), at))
            .next()
            .is_some();
        (!earlier).then_some(at)
    }

    /// `Forget`: the key's syncs succeed again; its next failure starts from `base`.
    pub fn forget(&mut self, key: &str) {
        self.failures.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_queued_twice_is_taken_once_in_first_come_order() {
        let mut q = WorkQueue::default();
        q.add("b");
        q.add("a");
        q.add("b");
        assert_eq!(q.pop().as_deref(), Some("b"));
        assert_eq!(q.pop().as_deref(), Some("a"));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn retries_double_up_to_the_maximum_and_forget_starts_over() {
        let mut q = RateLimitingQueue::new(Millis::secs(1), Millis::secs(3));
        let t0 = Millis::secs(100);
        let at = q.retry_at("web", t0).expect("nothing waits yet");
        assert_eq!(at, t0 + Millis::secs(1));
        assert!(q.add_after("web", at));
        // A second failure before the first retry fired: the earlier wait stands.
        assert_eq!(q.retry_at("web", t0), None);
        q.fire("web", at);
        assert_eq!(q.pop().as_deref(), Some("web"));
        // 1 s, 2 s, then 4 s cut to 3 s.
        assert_eq!(q.retry_at("web", at), Some(at + Millis::secs(3)));
        q.forget("web");
        assert_eq!(q.retry_at("web", at), Some(at + Millis::secs(1)));
    }

    #[test]
    fn one_timer_per_key_and_instant() {
        let mut q = RateLimitingQueue::new(Millis::secs(1), Millis::secs(60));
        assert!(q.add_after("web", Millis::secs(5)));
        assert!(!q.add_after("web", Millis::secs(5)));
        assert!(q.add_after("web", Millis::secs(6)));
        assert!(q.add_after("db", Millis::secs(5)));
    }
}
