//! What a controller's informer has seen of the watch stream, so that an index the
//! controller keeps from watch events is as current as the store when the controller reads
//! it.
//!
//! Watch events carry a kind and a name, and are dispatched in order, one at a time; an
//! event still queued describes a change the store already holds. A controller that keeps
//! an index (the garbage collector's dependents by owner UID, the volume controller's
//! claims by pod) looks again, before it reads its index, at every object named by a queued
//! event it has not looked at yet (`unseen`) and by the event being dispatched. Each event
//! is looked at a bounded number of times, so keeping the index costs what changed. The
//! event being dispatched need not be looked at again when it was already seen as queued:
//! the store held its change then, and any later change of its object has an event of its
//! own, later in the queue.
//!
//! The cursor finds the queue's front by counting the events dispatched to its controller,
//! so the controller's handler must be called for every watch event, as `World::dispatch`
//! calls the garbage collector's and the volume controllers' (a watch event that carried a
//! sequence number would make the count unnecessary).

use std::collections::VecDeque;

use crate::sim::world::WatchEvent;

/// A hash map for the informers' look-up-only indexes, with rustc's fixed-key FxHash: the
/// same input hashes the same on every run, it is several times faster than SipHash on the
/// short names these maps hold, and the maps that use it are never walked in an order
/// that matters. (FxHash does not resist chosen collisions; the object budgets bound what
/// a hostile file can make of that.)
pub type FastMap<K, V> = rustc_hash::FxHashMap<K, V>;
pub type FastSet<K> = rustc_hash::FxHashSet<K>;

/// A position in the watch stream. Every event pushed on the queue has an absolute index;
/// the one at the queue's front is `dispatched` (the events dispatched so far), and the
/// events before `seen` were already looked at.
#[derive(Debug, Default)]
pub struct WatchCursor {
    dispatched: u64,
    seen: u64,
}

impl WatchCursor {
    /// Called once for every event dispatched to the controller (it has left the queue).
    /// Says whether the event was already returned by `unseen` (looked at since it was
    /// queued).
    pub fn dispatched(&mut self) -> bool {
        let seen = self.dispatched < self.seen;
        self.dispatched += 1;
        seen
    }

    /// The queued events not looked at yet, oldest first; afterwards all of them count as
    /// seen.
    ///
    /// `between` says the caller runs outside its own handler of the event being
    /// dispatched (another component called it): that event has left the queue but is not
    /// counted yet, so the cursor also returns the one event before the first unseen one
    /// (looking at an object twice is harmless; missing one is not).
    pub fn unseen<'w>(
        &mut self,
        watch: &'w VecDeque<WatchEvent>,
        between: bool,
    ) -> impl Iterator<Item = &'w WatchEvent> + 'w {
        let end = self.dispatched + watch.len() as u64;
        let skip = self.seen.saturating_sub(self.dispatched) as usize;
        let skip = if between {
            skip.saturating_sub(1)
        } else {
            skip
        };
        // Between, an event that left the queue and was not seen yet is not returned: the
        // mark stays where it is, so that the event still counts as unseen when it is
        // dispatched (what comes after it is looked at again then).
        if !(between && self.seen <= self.dispatched) {
            self.seen = end;
        }
        watch.iter().skip(skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kinds::ObjectKind;
    use crate::sim::world::Change;

    fn event(name: &str) -> WatchEvent {
        WatchEvent {
            kind: ObjectKind::Pod,
            name: name.into(),
            change: Change::Added,
            owner_uid: None,
            status_only: false,
            object: None,
        }
    }

    fn names<'w>(events: impl Iterator<Item = &'w WatchEvent>) -> Vec<&'w str> {
        events.map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn each_queued_event_is_seen_once() {
        let mut cursor = WatchCursor::default();
        let mut watch: VecDeque<WatchEvent> = ["a", "b"].map(event).into();
        assert_eq!(names(cursor.unseen(&watch, false)), ["a", "b"]);
        assert!(cursor.unseen(&watch, false).next().is_none());
        // `a` is dispatched, `c` and `d` are pushed: only they are new.
        watch.pop_front();
        cursor.dispatched();
        watch.push_back(event("c"));
        watch.push_back(event("d"));
        assert_eq!(names(cursor.unseen(&watch, false)), ["c", "d"]);
        // Everything is dispatched, then `e` comes.
        for _ in 0..3 {
            watch.pop_front();
            cursor.dispatched();
        }
        watch.push_back(event("e"));
        assert_eq!(names(cursor.unseen(&watch, false)), ["e"]);
        assert!(cursor.unseen(&watch, false).next().is_none());
        // `e` left the queue and `f` came, but another component asks before `e` reaches
        // this controller: `f` is returned, with one event more (none is left before it).
        watch.pop_front();
        watch.push_back(event("f"));
        assert_eq!(names(cursor.unseen(&watch, true)), ["f"]);
        watch.push_back(event("g"));
        assert_eq!(names(cursor.unseen(&watch, true)), ["f", "g"]);
        // Then `e` reaches it: only `g` may still be new.
        cursor.dispatched();
        assert_eq!(names(cursor.unseen(&watch, false)), ["g"]);
        assert!(cursor.unseen(&watch, false).next().is_none());
    }

    #[test]
    fn a_dispatched_event_says_whether_it_was_seen() {
        let mut cursor = WatchCursor::default();
        let mut watch: VecDeque<WatchEvent> = ["a"].map(event).into();
        // `a` reaches the controller before anyone looked at the queue.
        watch.pop_front();
        assert!(!cursor.dispatched());
        watch.push_back(event("b"));
        assert_eq!(names(cursor.unseen(&watch, false)), ["b"]);
        watch.push_back(event("c"));
        watch.pop_front();
        assert!(cursor.dispatched());
        // `c` left the queue unseen and `d` came; another component asks before `c`
        // reaches this controller: `d` is returned, and `c` still counts as unseen.
        watch.pop_front();
        watch.push_back(event("d"));
        assert_eq!(names(cursor.unseen(&watch, true)), ["d"]);
        assert!(!cursor.dispatched());
        assert_eq!(names(cursor.unseen(&watch, false)), ["d"]);
        watch.pop_front();
        assert!(cursor.dispatched());
    }
}
