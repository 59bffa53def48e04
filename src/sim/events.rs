//! Kubernetes Events recorded by the components (`kubectl get events`).
//!
//! As upstream's event recorder (client-go tools/record, `EventCorrelator`): an event
//! identical to one already recorded (same source object, type, reason and message) is not
//! stored again; the stored one counts it (`count`) and takes its time as `lastTimestamp`.
//! So a pod in image-pull back-off for days keeps two Events, not a million. What each
//! object saw, in order, is kept as a list of small (index, time) pairs, so
//! [`EventLog::about`] still gives one entry per occurrence, with its own time, as the
//! language's `events()` promises.
//!
//! The log is the longest-lived record of a run (one entry per pod per step of its life), so
//! it is kept compact: each object's kind and name and each reason are stored once and
//! referred to by number; [`Event`] is the full view, built when read.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

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
/// hash, not a second copy of the strings, and a hit is confirmed against the event. The
/// object and the reason are their numbers in the log's tables.
fn key_hash(object: u32, type_: &str, reason: u32, message: &str) -> u64 {
    use std::hash::Hash;
    // A fixed-key hasher: the same input hashes the same on every run.
    let mut h = rustc_hash::FxHasher::default();
    (object, type_, reason, message).hash(&mut h);
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

/// One distinct event as the log keeps it: the object and the reason by number.
#[derive(Debug)]
struct Record {
    at: Millis,
    last: Millis,
    count: u64,
    /// Index into [`EventLog::objects`].
    object: u32,
    /// Index into [`EventLog::reasons`].
    reason: u32,
    type_: &'static str,
    message: String,
}

/// An object some event was about, and what it saw in order: indices into
/// [`EventLog::records`], and when.
#[derive(Debug)]
struct Subject {
    kind: ObjectKind,
    name: Arc<str>,
    seen: Vec<(u32, Millis)>,
}

#[derive(Debug, Default)]
pub struct EventLog {
    /// Every distinct event, in the order each first happened.
    records: Vec<Record>,
    /// Every object an event was about, in the order of its first event.
    objects: Vec<Subject>,
    /// The objects' numbers by kind, then name. Only looked up, never walked, so a hash
    /// map keeps the order-free part.
    object_ids: FastMap<ObjectKind, FastMap<Arc<str>, u32>>,
    /// Every reason recorded, once, and their numbers by text (looked up, never walked).
    reasons: Vec<Box<str>>,
    reason_ids: FastMap<Box<str>, u32>,
    /// Distinct events by the hash of their key: the first with that hash.
    index: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    /// The others with a hash already taken (a collision: in practice never).
    collided: HashMap<u64, Vec<u32>, BuildHasherDefault<Prehashed>>,
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
        let object = self.object_id(kind, name);
        let reason = self.reason_id(reason);
        let hash = key_hash(object, type_, reason, &message);
        let records = &self.records;
        let is_same = |id: u32| {
            let r = &records[id as usize];
            r.object == object && r.type_ == type_ && r.reason == reason && r.message == message
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
                let record = &mut self.records[id as usize];
                record.count += 1;
                record.last = at;
                id
            }
            None => {
                let id = self.records.len() as u32;
                self.records.push(Record {
                    at,
                    last: at,
                    count: 1,
                    object,
                    reason,
                    type_,
                    message,
                });
                if first.is_some() {
                    self.collided.entry(hash).or_default().push(id);
                } else {
                    self.index.insert(hash, id);
                }
                id
            }
        };
        self.objects[object as usize].seen.push((id, at));
    }

    /// The object's number, found by `&str` (no key is built for an object seen before).
    fn object_id(&mut self, kind: ObjectKind, name: &str) -> u32 {
        if let Some(id) = self.object_ids.get(&kind).and_then(|ids| ids.get(name)) {
            return *id;
        }
        let id = self.objects.len() as u32;
        let name: Arc<str> = Arc::from(name);
        self.objects.push(Subject {
            kind: kind.clone(),
            name: Arc::clone(&name),
            // Objects mostly see a few events: room for them from the start.
            seen: Vec::with_capacity(4),
        });
        self.object_ids.entry(kind).or_default().insert(name, id);
        id
    }

    /// The reason's number (reasons are a few words, shared by many events).
    fn reason_id(&mut self, reason: &str) -> u32 {
        if let Some(id) = self.reason_ids.get(reason) {
            return *id;
        }
        let id = self.reasons.len() as u32;
        self.reasons.push(reason.into());
        self.reason_ids.insert(reason.into(), id);
        id
    }

    /// The full event of record `id`, first recorded at `at`.
    fn event(&self, id: u32, at: Millis) -> Event {
        let r = &self.records[id as usize];
        let object = &self.objects[r.object as usize];
        Event {
            at,
            kind: object.kind.clone(),
            name: object.name.to_string(),
            type_: r.type_,
            reason: self.reasons[r.reason as usize].to_string(),
            message: r.message.clone(),
            count: r.count,
            last: r.last,
        }
    }

    /// Every distinct event (as the API stores them: with its count and last time), in the
    /// order each first happened.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Event> + '_ {
        (0..self.records.len() as u32).map(|id| self.event(id, self.records[id as usize].at))
    }

    /// Events about one object, one entry per occurrence (`at` is when that occurrence
    /// was recorded), oldest first.
    pub fn about<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
    ) -> impl Iterator<Item = Event> + 'a {
        self.subject(kind, name)
            .into_iter()
            .flat_map(|object| object.seen.iter())
            .map(|(id, at)| self.event(*id, *at))
    }

    /// Events about one object as the API stores them: one per distinct event, with its
    /// count and last time, in the order each first happened.
    pub fn aggregated<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
    ) -> impl Iterator<Item = Event> + 'a {
        let object = self.object_ids.get(kind).and_then(|ids| ids.get(name));
        let mut ids: Vec<u32> = match object {
            Some(object) => self.objects[*object as usize]
                .seen
                .iter()
                .map(|(id, _)| *id)
                .collect(),
            None => Vec::new(),
        };
        // Each distinct event once, in the order it first happened (records are numbered in
        // that order).
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|id| self.event(id, self.records[id as usize].at))
    }

    fn subject(&self, kind: &ObjectKind, name: &str) -> Option<&Subject> {
        let id = self.object_ids.get(kind)?.get(name)?;
        Some(&self.objects[*id as usize])
    }
}
