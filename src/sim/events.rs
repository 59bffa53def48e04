//! Kubernetes Events recorded by the components (`kubectl get events`).
//!
//! As upstream's event recorder (client-go tools/record, `EventCorrelator`): an event
//! identical to one already recorded (same source object, type, reason and message) is not
//! stored again; the stored one counts it (`count`) and takes its time as `lastTimestamp`.
//! So a pod in image-pull back-off for days keeps two Events, not a million. What each
//! object saw, in order, is kept as a list of small (index, time) pairs, so
//! [`EventLog::about`] still gives one entry per occurrence, with its own time, as the
//! language's `events()` promises.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::clock::Millis;
use super::controllers::informer::FastMap;
use super::kinds::ObjectKind;

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When it was first recorded (`firstTimestamp`).
    pub at: Millis,
    pub kind: ObjectKind,
    pub name: String,
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    pub reason: String,
    pub message: String,
    /// How many times it was recorded (`count`).
    pub count: u64,
    /// When it was last recorded (`lastTimestamp`).
    pub last: Millis,
}

/// What makes two events the same Event (upstream's `getEventKey`, less the fields that
/// are the same for every event of one simulated component), hashed: the index keeps the
/// hash, not a second copy of the strings, and a hit is confirmed against the event.
fn key_hash(kind: &ObjectKind, name: &str, type_: &str, reason: &str, message: &str) -> u64 {
    use std::hash::Hash;
    // A fixed-key hasher: the same input hashes the same on every run.
    let mut h = rustc_hash::FxHasher::default();
    (kind, name, type_, reason, message).hash(&mut h);
    h.finish()
}

/// The keys of [`EventLog::index`] are hashes already: they are used as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | *b as u64;
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Debug, Default)]
pub struct EventLog {
    /// Every distinct event, in the order each first happened.
    pub events: Vec<Event>,
    /// Distinct events by the hash of their key: the first with that hash.
    index: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    /// The others with a hash already taken (a collision: in practice never).
    collided: HashMap<u64, Vec<u32>, BuildHasherDefault<Prehashed>>,
    /// Per object (kind, then name), the events it saw in order: indices into `events`,
    /// and when. Only looked up, never walked, so a hash map keeps the order-free part.
    occurrences: FastMap<ObjectKind, FastMap<String, Vec<(u32, Millis)>>>,
}

impl EventLog {
    pub fn record(
        &mut self,
        at: Millis,
        kind: ObjectKind,
        name: &str,
        type_: &'static str,
        reason: &str,
        message: String,
    ) {
        let hash = key_hash(&kind, name, type_, reason, &message);
        let events = &self.events;
        let is_same = |id: u32| {
            let e = &events[id as usize];
            e.kind == kind
                && e.name == name
                && e.type_ == type_
                && e.reason == reason
                && e.message == message
        };
        let first = self.index.get(&hash).copied();
        let same = match first {
            Some(id) if is_same(id) => Some(id),
            Some(_) => self
                .collided
                .get(&hash)
                .and_then(|ids| ids.iter().copied().find(|&id| is_same(id))),
            None => None,
        };
        let id = match same {
            Some(id) => {
                let event = &mut self.events[id as usize];
                event.count += 1;
                event.last = at;
                id
            }
            None => {
                let id = self.events.len() as u32;
                self.events.push(Event {
                    at,
                    kind: kind.clone(),
                    name: name.to_string(),
                    type_,
                    reason: reason.to_string(),
                    message,
                    count: 1,
                    last: at,
                });
                if first.is_some() {
                    self.collided.entry(hash).or_default().push(id);
                } else {
                    self.index.insert(hash, id);
                }
                id
            }
        };
        // The object's list, found by `&str` (no key is built for an object seen before).
        let by_name = self.occurrences.entry(kind).or_default();
        match by_name.get_mut(name) {
            Some(list) => list.push((id, at)),
            None => {
                // Objects mostly see a few events: room for them from the start.
                let mut list = Vec::with_capacity(4);
                list.push((id, at));
                by_name.insert(name.to_string(), list);
            }
        }
    }

    /// Events about one object, one entry per occurrence (`at` is when that occurrence
    /// was recorded), oldest first.
    pub fn about<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
    ) -> impl Iterator<Item = Event> + 'a {
        self.occurrences
            .get(kind)
            .and_then(|by_name| by_name.get(name))
            .into_iter()
            .flatten()
            .map(|(id, at)| Event {
                at: *at,
                ..self.events[*id as usize].clone()
            })
    }

    /// Events about one object as the API stores them: one per distinct event, with its
    /// count and last time, in the order each first happened.
    pub fn aggregated<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Event> {
        self.events
            .iter()
            .filter(move |e| &e.kind == kind && e.name == name)
    }
}
