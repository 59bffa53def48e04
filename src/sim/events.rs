//! Kubernetes Events recorded by the components (`kubectl get events`).
//!
//! Every component but the scheduler records through client-go's `tools/record`
//! broadcaster, whose `EventCorrelator` (`tools/record/events_cache.go`, `EventCorrelate`)
//! sees each event before it is sent, per recording component (its `EventSource`, the
//! kubelet's naming its node):
//! 1. `EventAggregator.EventAggregate`: events about one object (with its UID) of one type
//!    and reason that differ only by message are counted per distinct message; when a 10th
//!    distinct message arrives within 600 s of the previous similar event, the event sent
//!    is `(combined from similar events): <message>`, one Event counted up from then on
//!    (one message is dropped from the set, so every further new message is combined too;
//!    upstream drops an arbitrary one, `PopAny`; here the oldest).
//! 2. `eventLogger.eventObserve`: an identical event (or a combined one) updates the Event
//!    already sent: `count` and `lastTimestamp`.
//! 3. `EventSourceObjectSpamFilter.Filter`: a token bucket per component and object (with
//!    its UID) of 25 events, refilled by one every 300 s; an event finding it empty is not
//!    sent at all (the count of step 2 still went up, so the next one sent carries it).
//!
//! The scheduler records through events.k8s.io's broadcaster (`tools/events`
//! `recordToSink`): an identical event only joins a series; nothing is combined or dropped.
//!
//! What each object saw, in order, is kept as a list of small (index, time) pairs, so
//! [`EventLog::about`] gives one entry per occurrence sent, with its own time and the text
//! it was sent with, as the language's `events()` promises. The correlator's caches are
//! least-recently-used caches of 4096 entries upstream; here they are not bounded (a
//! component would need over 4096 objects' worth of recent keys to tell the difference).
//!
//! The log is the longest-lived record of a run (one entry per pod per step of its life), so
//! it is kept compact: each object's kind and name and each reason are stored once and
//! referred to by number; [`Event`] is the full view, built when read.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use super::clock::Millis;
use super::controllers::informer::FastMap;
use super::kinds::ObjectKind;
use super::World;

/// `defaultAggregateMaxEvents`: the distinct messages after which similar events combine.
const AGGREGATE_MAX_EVENTS: usize = 10;
/// `defaultAggregateIntervalInSeconds`: a similar event older than this starts afresh.
const AGGREGATE_INTERVAL: Millis = Millis::secs(600);
/// The prefix `EventAggregatorByReasonMessageFunc` gives a combined event's message.
pub const COMBINED_PREFIX: &str = "(combined from similar events): ";
/// `defaultSpamBurst`: the events a component may send about one object at once.
const SPAM_BURST: u64 = 25;
/// `defaultSpamQPS` (1/300): one more event every 300 s, in milliseconds per token.
const SPAM_REFILL_MS: u64 = 300_000;
/// kube-apiserver's `--event-ttl` (1 h by default): the TTL of every write of an Event.
const EVENT_TTL: Millis = Millis::secs(3600);
/// The etcd3 store's lease manager: a lease is reused for writes within
/// `min(5 % of the TTL, 60 s)` of the one that granted it (and is granted that much
/// longer), for at most 1000 objects (`defaultLeaseReuseDurationSeconds`,
/// `defaultLeaseMaxObjectCount`).
const LEASE_REUSE: Millis = Millis::secs(60);
const LEASE_MAX_OBJECTS: u64 = 1000;

/// The events store's `leaseManager` (`staging/src/k8s.io/apiserver/pkg/storage/etcd3/
/// lease_manager.go` `GetLease`): every write of an Event attaches it to a lease of
/// `EVENT_TTL` + `LEASE_REUSE`, the previous one when it still lasts long enough, and the
/// Event is gone when its last write's lease expires.
#[derive(Debug, Default)]
struct Leases {
    expires: Millis,
    attached: u64,
}

impl Leases {
    /// `GetLease` for a write at `now`: when that lease expires. Writes in one instant are
    /// taken as upstream's come, a little apart, so the one before them is reused.
    fn get(&mut self, now: Millis) -> Millis {
        self.attached += 1;
        let valid = now + EVENT_TTL < self.expires;
        let sufficient = now + EVENT_TTL + LEASE_REUSE >= self.expires;
        if valid && sufficient && self.attached <= LEASE_MAX_OBJECTS {
            return self.expires;
        }
        self.expires = now + EVENT_TTL + LEASE_REUSE;
        self.attached = 1;
        self.expires
    }
}

/// Who records an event, as each component's broadcaster is set up upstream.
#[derive(Clone, Copy, Debug)]
pub enum Recorder<'a> {
    /// client-go's `tools/record` broadcaster, through its `EventCorrelator`; `component`
    /// and `host` are its `EventSource` (the kubelet's host is its node).
    Record {
        component: &'static str,
        host: &'a str,
    },
    /// events.k8s.io's broadcaster (`tools/events`): identical events form a series.
    Series { component: &'static str },
}

impl Recorder<'_> {
    pub const STATEFULSET: Recorder<'static> = Recorder::Record {
        component: "statefulset-controller",
        host: "",
    };
    pub const DISRUPTION: Recorder<'static> = Recorder::Record {
        component: "controllermanager",
        host: "",
    };
    pub const NODE_CONTROLLER: Recorder<'static> = Recorder::Record {
        component: "node-controller",
        host: "",
    };
    pub const TAINT_EVICTION: Recorder<'static> = Recorder::Record {
        component: "taint-eviction-controller",
        host: "",
    };
    pub const PERSISTENT_VOLUME: Recorder<'static> = Recorder::Record {
        component: "persistentvolume-controller",
        host: "",
    };
    pub const VOLUME_EXPAND: Recorder<'static> = Recorder::Record {
        component: "volume_expand",
        host: "",
    };
    pub const EPHEMERAL_VOLUME: Recorder<'static> = Recorder::Record {
        component: "ephemeral_volume",
        host: "",
    };
    pub const PROVISIONER: Recorder<'static> = Recorder::Record {
        component: "external-provisioner",
        host: "",
    };
    pub const DAEMONSET: Recorder<'static> = Recorder::Record {
        component: "daemonset-controller",
        host: "",
    };
    pub const GARBAGE_COLLECTOR: Recorder<'static> = Recorder::Record {
        component: "garbage-collector-controller",
        host: "",
    };
    pub const MIRRORING: Recorder<'static> = Recorder::Record {
        component: "endpointslice-mirroring-controller",
        host: "",
    };
    pub const SCHEDULER: Recorder<'static> = Recorder::Series {
        component: "default-scheduler",
    };

    /// The kubelet of `node`.
    pub fn kubelet(node: &str) -> Recorder<'_> {
        Recorder::Record {
            component: "kubelet",
            host: node,
        }
    }
}

/// Records an event about an object now, with the object's UID as the store has it (an
/// object already gone has none).
pub(crate) fn record(
    world: &mut World,
    recorder: Recorder<'_>,
    kind: ObjectKind,
    name: &str,
    type_: &'static str,
    reason: &str,
    message: String,
) {
    let uid = world
        .store
        .meta(&kind, name)
        .and_then(|m| m.uid.as_deref())
        .unwrap_or_default();
    let involved = Involved { kind, name, uid };
    world
        .events
        .record(world.now, recorder, involved, type_, reason, message);
}

/// The object an event is about (`involvedObject`).
pub struct Involved<'a> {
    pub kind: ObjectKind,
    pub name: &'a str,
    pub uid: &'a str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When it was first recorded (`firstTimestamp`); for one occurrence, its time.
    pub at: Millis,
    pub kind: ObjectKind,
    pub name: String,
    /// `Normal` or `Warning`.
    pub type_: &'static str,
    pub reason: String,
    pub message: String,
    /// How many times it was recorded (`count`): 1 for one occurrence.
    pub count: u64,
    /// When it was last recorded (`lastTimestamp`).
    pub last: Millis,
}

/// What makes two events the same Event (upstream's `getEventKey`, less the fields that
/// are the same for every event of one simulated component), hashed: the index keeps the
/// hash, not a second copy of the strings, and a hit is confirmed against the event. The
/// object and the reason are their numbers in the log's tables.
fn key_hash(object: u32, type_: &str, reason: u32, message: &str) -> u64 {
    // A fixed-key hasher: the same input hashes the same on every run.
    let mut h = rustc_hash::FxHasher::default();
    (object, type_, reason, message).hash(&mut h);
    h.finish()
}

/// Numbers of entries by a hash of what identifies them, each hit to be confirmed by the
/// caller (the hash is kept, not a second copy of the entry): the first number with a hash,
/// and the others with a hash already taken (a collision: in practice never).
#[derive(Debug, Default)]
struct HashedIds {
    first: HashMap<u64, u32, BuildHasherDefault<Prehashed>>,
    collided: HashMap<u64, Vec<u32>, BuildHasherDefault<Prehashed>>,
}

impl HashedIds {
    /// The number with `hash` for which `is_same` holds.
    fn find(&self, hash: u64, is_same: impl Fn(u32) -> bool) -> Option<u32> {
        match self.first.get(&hash).copied() {
            Some(id) if is_same(id) => Some(id),
            Some(_) => self
                .collided
                .get(&hash)
                .and_then(|ids| ids.iter().copied().find(|&id| is_same(id))),
            None => None,
        }
    }

    /// Adds a new number under `hash` (one `find` did not give).
    fn insert(&mut self, hash: u64, id: u32) {
        match self.first.entry(hash) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.entry(hash).or_default().push(id);
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(id);
            }
        }
    }
}

/// The keys of [`HashedIds`] are hashes already: they are used as they are.
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

/// One distinct text an object was told (type, reason, message), as the log keeps it: the
/// object, the reason, the type and the message by number. Many objects are told the same
/// message, or one that differs only by the object's own name (`Successfully assigned
/// default/web-7 to node-2`, `External provisioner is provisioning volume for claim
/// "default/www-web-7"`): the message is kept once in [`EventLog::texts`], with the
/// object's name cut out where it first appeared (32 bytes a record and its share of one
/// text, where each record allocated its own message before).
#[derive(Debug)]
struct Record {
    /// When it was first sent.
    at: Millis,
    /// Index into [`EventLog::objects`].
    object: u32,
    /// Index into [`EventLog::reasons`].
    reason: u32,
    /// Index into [`EventLog::texts`].
    text: u32,
    /// Where the object's name goes back into the text ([`WHOLE`]: nowhere).
    name_at: u32,
    /// Index into [`EventLog::types`].
    type_: u8,
    /// Whether it was ever sent (the spam filter may have dropped every occurrence).
    sent: bool,
}

/// [`Record::name_at`] of a message kept as it is.
const WHOLE: u32 = u32::MAX;

/// An Event as the API server holds it: sent once, then counted up (`eventObserve`).
#[derive(Debug)]
struct Stored {
    /// `firstTimestamp`: the first observation, sent or not.
    first: Millis,
    /// `lastTimestamp` and `count` as last sent.
    last: Millis,
    count: u64,
    /// The correlator's count, dropped occurrences included.
    observed: u64,
    /// Whether the server has it (its first observations may all have been dropped).
    sent: bool,
    /// When its last write's lease expires: from then on the server has it no more (until
    /// the recorder, finding it gone, creates it again).
    expires: Millis,
    /// The text last sent (a combined Event's message changes with each occurrence).
    record: u32,
    /// Index into [`EventLog::objects`].
    object: u32,
}

/// An object some event was about, and what it saw in order: indices into
/// [`EventLog::records`], and when.
#[derive(Debug)]
struct Subject {
    kind: ObjectKind,
    name: Arc<str>,
    /// (text, when sent, the Event it was sent as).
    seen: Vec<(u32, Millis, u32)>,
    /// Its incarnations (UIDs) and their numbers: a re-created pod is another.
    uids: Vec<(Box<str>, u32)>,
}

/// `eventLogger`'s key: the exact event (`getEventKey`: its text, by record number), or a
/// combined one (the aggregate key: type and reason).
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
enum LogKey {
    Exact(u32),
    /// By type (its number in [`EventLog::types`]) and reason.
    Combined(u8, u32),
}

/// `aggregateRecord`: the distinct messages of similar events (their texts' numbers), in
/// the order first seen; never more than [`AGGREGATE_MAX_EVENTS`] - 1 between events.
#[derive(Debug)]
struct Aggregate {
    messages: [u32; AGGREGATE_MAX_EVENTS],
    len: u8,
    last: Millis,
}

impl Aggregate {
    /// `localKeys.Insert`, then whether the set is full; a full set drops one (`PopAny`:
    /// upstream an arbitrary one, here the oldest).
    fn insert_is_full(&mut self, message: u32) -> bool {
        let len = self.len as usize;
        if !self.messages[..len].contains(&message) {
            if len == AGGREGATE_MAX_EVENTS {
                // Never reached: the set is cut back below the maximum when it fills.
                return true;
            }
            self.messages[len] = message;
            self.len += 1;
        }
        if (self.len as usize) < AGGREGATE_MAX_EVENTS {
            return false;
        }
        self.messages.copy_within(1.., 0);
        self.len -= 1;
        true
    }
}

/// The spam filter's token bucket, in milliseconds of refill (one token is
/// [`SPAM_REFILL_MS`]).
#[derive(Debug)]
struct Bucket {
    tokens: u64,
    at: Millis,
}

impl Bucket {
    /// `TryAccept`: takes a token if one is there.
    fn try_accept(&mut self, now: Millis) -> bool {
        let elapsed = (now - self.at).as_ms();
        self.tokens = self
            .tokens
            .saturating_add(elapsed)
            .min(SPAM_BURST * SPAM_REFILL_MS);
        self.at = now;
        if self.tokens >= SPAM_REFILL_MS {
            self.tokens -= SPAM_REFILL_MS;
            true
        } else {
            false
        }
    }
}

/// `EventAggregator`'s key within an incarnation: source, type (by number) and reason.
type AggregateKey = (u32, u8, u32);
/// `eventLogger`'s key within an incarnation: source and the exact or combined event.
type ObservedKey = (u32, LogKey);

/// How many entries of each cache an incarnation keeps in its own lists before the rest
/// go to the log's shared maps.
const SMALL: usize = 8;

/// The correlator's caches for one object incarnation (the object with one UID), each a
/// short list searched in order: `EventSourceObjectSpamFilter`'s buckets by source,
/// `EventAggregator`'s records and `eventLogger`'s observations by their keys less the
/// incarnation.
#[derive(Debug, Default)]
struct Correlation {
    buckets: Vec<(u32, Bucket)>,
    aggregates: Vec<(AggregateKey, Aggregate)>,
    observed: Vec<(ObservedKey, u32)>,
}

/// The entry of `key` in an incarnation's list or, once the list holds [`SMALL`], in the
/// shared map; `make` fills a new one.
fn entry<'a, K: Copy + Eq + Hash, V>(
    list: &'a mut Vec<(K, V)>,
    more: &'a mut FastMap<(u32, K), V>,
    incarnation: u32,
    key: K,
    make: impl FnOnce() -> V,
) -> &'a mut V {
    match list.iter().position(|(k, _)| *k == key) {
        Some(i) => &mut list[i].1,
        None if list.len() < SMALL => {
            // Most objects are told a few things: a list grows one entry at a time
            // (a `Vec` left to itself takes room for four at the first).
            list.reserve_exact(1);
            list.push((key, make()));
            let last = list.len() - 1;
            &mut list[last].1
        }
        None => more.entry((incarnation, key)).or_insert_with(make),
    }
}

#[derive(Debug, Default)]
pub struct EventLog {
    /// Every distinct text, in the order each was first observed.
    records: Vec<Record>,
    /// Every Event the components sent, in the order each was first observed.
    stored: Vec<Stored>,
    /// Every object an event was about, in the order of its first event.
    objects: Vec<Subject>,
    /// The objects' numbers by kind, then name. Only looked up, never walked, so a hash
    /// map keeps the order-free part.
    object_ids: FastMap<ObjectKind, FastMap<Arc<str>, u32>>,
    /// Every reason recorded, once, and their numbers by text (looked up, never walked).
    reasons: Vec<Box<str>>,
    reason_ids: FastMap<Box<str>, u32>,
    /// Every event type recorded (`Normal`, `Warning`), once, in the order first seen.
    types: Vec<&'static str>,
    /// Distinct records by the hash of their key.
    index: HashedIds,
    /// Every message (less the object's name, where it had it) once, in the order first
    /// seen, and their numbers by the hash of the text.
    texts: Vec<Box<str>>,
    text_index: HashedIds,
    /// Each recording source (component and host) and object incarnation (object and UID)
    /// by number; the correlator's state is keyed by both (looked up, never walked).
    sources: FastMap<&'static str, FastMap<Box<str>, u32>>,
    /// How many sources were numbered.
    sources_seen: u32,
    /// The correlator's state of each incarnation, by its number: an object's events come
    /// close together in time, so what they look up sits together (one large hash map per
    /// cache made every event miss the processor's caches at 10,000 pods).
    correlations: Vec<Correlation>,
    /// The correlator's entries of an incarnation beyond its first [`SMALL`] of a cache,
    /// by incarnation and key (an object told many distinct things).
    more_buckets: FastMap<(u32, u32), Bucket>,
    more_aggregates: FastMap<(u32, AggregateKey), Aggregate>,
    more_observed: FastMap<(u32, ObservedKey), u32>,
    /// The API server's leases for Event writes.
    leases: Leases,
}

impl EventLog {
    /// Correlates and records one event, as the recorder's broadcaster does.
    pub fn record(
        &mut self,
        at: Millis,
        recorder: Recorder<'_>,
        involved: Involved<'_>,
        type_: &'static str,
        reason: &str,
        message: String,
    ) {
        let object = self.object_id(involved.kind, involved.name);
        let reason = self.reason_id(reason);
        let (component, host, correlated) = match recorder {
            Recorder::Record { component, host } => (component, host, true),
            Recorder::Series { component } => (component, "", false),
        };
        let source = self.source_id(component, host);
        let incarnation = self.incarnation_id(object, involved.uid);
        let raw = self.text_id(at, object, type_, reason, message);
        let type_id = self.type_id(type_);
        // EventAggregate: the tenth distinct message of similar events is combined.
        let combined = correlated && {
            let correlation = &mut self.correlations[incarnation as usize];
            let aggregate = entry(
                &mut correlation.aggregates,
                &mut self.more_aggregates,
                incarnation,
                (source, type_id, reason),
                || Aggregate {
                    messages: [0; AGGREGATE_MAX_EVENTS],
                    len: 0,
                    last: at,
                },
            );
            if at - aggregate.last > AGGREGATE_INTERVAL {
                aggregate.len = 0;
            }
            aggregate.last = at;
            aggregate.insert_is_full(raw)
        };
        let text = if combined {
            let message = format!("{COMBINED_PREFIX}{}", self.message(raw));
            self.text_id(at, object, type_, reason, message)
        } else {
            raw
        };
        // eventObserve: the Event this key updates, counted up.
        let key = if combined {
            LogKey::Combined(type_id, reason)
        } else {
            LogKey::Exact(text)
        };
        let next = self.stored.len() as u32;
        let correlation = &mut self.correlations[incarnation as usize];
        let stored = *entry(
            &mut correlation.observed,
            &mut self.more_observed,
            incarnation,
            (source, key),
            || next,
        );
        if stored == next {
            self.stored.push(Stored {
                first: at,
                last: at,
                count: 0,
                observed: 1,
                sent: false,
                expires: at,
                record: text,
                object,
            });
        } else {
            self.stored[stored as usize].observed += 1;
        }
        // The spam filter: an event without a token is not sent.
        if correlated {
            let correlation = &mut self.correlations[incarnation as usize];
            let bucket = entry(
                &mut correlation.buckets,
                &mut self.more_buckets,
                incarnation,
                source,
                || Bucket {
                    tokens: SPAM_BURST * SPAM_REFILL_MS,
                    at,
                },
            );
            if !bucket.try_accept(at) {
                return;
            }
        }
        // Sent: created, or patched (`recordToSink` creates it again when the patch finds it
        // expired); each write takes a lease.
        let expires = self.leases.get(at);
        let event = &mut self.stored[stored as usize];
        event.sent = true;
        event.expires = expires;
        event.count = event.observed;
        event.last = at;
        event.record = text;
        let record = &mut self.records[text as usize];
        if !record.sent {
            record.sent = true;
            record.at = at;
        }
        self.objects[object as usize].seen.push((text, at, stored));
    }

    /// The number of the text (object, type, reason, message), a new one if it is new.
    fn text_id(
        &mut self,
        at: Millis,
        object: u32,
        type_: &'static str,
        reason: u32,
        message: String,
    ) -> u32 {
        let hash = key_hash(object, type_, reason, &message);
        let type_ = self.type_id(type_);
        let records = &self.records;
        let is_same = |id: u32| {
            let r = &records[id as usize];
            r.object == object
                && r.type_ == type_
                && r.reason == reason
                && self.message_is(r, &message)
        };
        if let Some(id) = self.index.find(hash, is_same) {
            return id;
        }
        let id = self.records.len() as u32;
        let name = &*self.objects[object as usize].name;
        let (cut, name_len) = match message.find(name) {
            Some(at) if !name.is_empty() => (u32::try_from(at).ok(), name.len()),
            _ => (None, 0),
        };
        let (text, name_at) = match cut {
            Some(at) => {
                let (before, rest) = message.split_at(at as usize);
                (self.intern([before, &rest[name_len..]].concat()), at)
            }
            None => (self.intern(message), WHOLE),
        };
        self.records.push(Record {
            at,
            object,
            reason,
            text,
            name_at,
            type_,
            sent: false,
        });
        self.index.insert(hash, id);
        id
    }

    /// The number of the text, a new one if it is new.
    fn intern(&mut self, text: String) -> u32 {
        let mut h = rustc_hash::FxHasher::default();
        text.hash(&mut h);
        let hash = h.finish();
        let texts = &self.texts;
        let is_same = |id: u32| *texts[id as usize] == *text;
        if let Some(id) = self.text_index.find(hash, is_same) {
            return id;
        }
        let id = self.texts.len() as u32;
        // `into_boxed_str` would shrink in place, keeping the allocator's block of the
        // formatted string's capacity: a new allocation of the text's length instead.
        let text: Box<str> = if text.capacity() == text.len() {
            text.into_boxed_str()
        } else {
            Box::from(text.as_str())
        };
        self.texts.push(text);
        self.text_index.insert(hash, id);
        id
    }

    /// Whether the record's message is `message`, without building it.
    fn message_is(&self, r: &Record, message: &str) -> bool {
        let text = &*self.texts[r.text as usize];
        if r.name_at == WHOLE {
            return text == message;
        }
        let name = &*self.objects[r.object as usize].name;
        let (before, after) = text.split_at(r.name_at as usize);
        message.len() == text.len() + name.len()
            && message
                .strip_prefix(before)
                .and_then(|m| m.strip_prefix(name))
                .is_some_and(|m| m == after)
    }

    /// The message of text `id`, the object's name put back.
    fn message(&self, id: u32) -> String {
        let r = &self.records[id as usize];
        let text = &*self.texts[r.text as usize];
        if r.name_at == WHOLE {
            return text.to_string();
        }
        let name = &*self.objects[r.object as usize].name;
        let (before, after) = text.split_at(r.name_at as usize);
        [before, name, after].concat()
    }

    /// The source's number, found by `&str` (no key is built for a source seen before).
    fn source_id(&mut self, component: &'static str, host: &str) -> u32 {
        let hosts = self.sources.entry(component).or_default();
        if let Some(id) = hosts.get(host) {
            return *id;
        }
        let id = self.sources_seen;
        self.sources_seen += 1;
        hosts.insert(host.into(), id);
        id
    }

    /// The number of the object with that UID (a re-created pod is another incarnation).
    fn incarnation_id(&mut self, object: u32, uid: &str) -> u32 {
        let uids = &mut self.objects[object as usize].uids;
        if let Some((_, id)) = uids.iter().find(|(u, _)| **u == *uid) {
            return *id;
        }
        let id = self.correlations.len() as u32;
        self.correlations.push(Correlation::default());
        uids.push((uid.into(), id));
        id
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
            uids: Vec::new(),
        });
        self.object_ids.entry(kind).or_default().insert(name, id);
        id
    }

    /// The type's number (`Normal` or `Warning`: a search of a list of two).
    fn type_id(&mut self, type_: &'static str) -> u8 {
        if let Some(id) = self.types.iter().position(|t| *t == type_) {
            return id as u8;
        }
        // Every type is a constant of the components' code: a handful at most.
        self.types.push(type_);
        (self.types.len() - 1) as u8
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

    /// One occurrence of text `id`, sent at `at`.
    fn event(&self, id: u32, at: Millis) -> Event {
        let r = &self.records[id as usize];
        let object = &self.objects[r.object as usize];
        Event {
            at,
            kind: object.kind.clone(),
            name: object.name.to_string(),
            type_: self.types[r.type_ as usize],
            reason: self.reasons[r.reason as usize].to_string(),
            message: self.message(id),
            count: 1,
            last: at,
        }
    }

    /// Every distinct text sent, one entry each, in the order each was first observed.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Event> + '_ {
        (0..self.records.len() as u32)
            .filter(|id| self.records[*id as usize].sent)
            .map(|id| self.event(id, self.records[id as usize].at))
    }

    /// Events about one object the API server still has at `now`, one entry per occurrence
    /// sent (`at` is when that occurrence was recorded), oldest first.
    pub fn about<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
        now: Millis,
    ) -> impl Iterator<Item = Event> + 'a {
        self.subject(kind, name)
            .into_iter()
            .flat_map(|object| object.seen.iter())
            .filter(move |(_, _, stored)| self.stored[*stored as usize].expires > now)
            .map(|(id, at, _)| self.event(*id, *at))
    }

    /// Events about one object as the API server stores them at `now`: one per Event sent
    /// and not expired, with its count, last time and last text, in the order each was
    /// first observed.
    pub fn aggregated<'a>(
        &'a self,
        kind: &'a ObjectKind,
        name: &'a str,
        now: Millis,
    ) -> impl Iterator<Item = Event> + 'a {
        let object = self
            .object_ids
            .get(kind)
            .and_then(|ids| ids.get(name))
            .copied();
        self.stored
            .iter()
            .filter(move |s| s.sent && s.expires > now && Some(s.object) == object)
            .map(|s| Event {
                at: s.first,
                count: s.count,
                last: s.last,
                ..self.event(s.record, s.first)
            })
    }

    fn subject(&self, kind: &ObjectKind, name: &str) -> Option<&Subject> {
        let id = self.object_ids.get(kind)?.get(name)?;
        Some(&self.objects[*id as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two entries whose hashes collide are both found, each by its own confirmation; a
    /// table that kept only the first number of a hash would give it for both.
    #[test]
    fn colliding_hashes_keep_every_entry() {
        let entries = ["web-0", "web-1", "web-2"];
        let mut ids = HashedIds::default();
        ids.insert(7, 0);
        ids.insert(7, 1);
        ids.insert(9, 2);
        for (id, entry) in entries.iter().enumerate() {
            let hash = if id == 2 { 9 } else { 7 };
            let found = ids.find(hash, |candidate| entries[candidate as usize] == *entry);
            assert_eq!(found, Some(id as u32), "{entry}");
        }
        assert_eq!(ids.find(7, |_| false), None);
        assert_eq!(ids.find(8, |_| true), None);
    }

    /// `GetLease`: a lease of TTL + 60 s, reused by writes less than 60 s after it was
    /// granted, for at most 1000 of them.
    #[test]
    fn writes_share_a_lease_for_60_s_and_1000_objects() {
        let mut leases = Leases::default();
        let t = |s: u64| Millis::secs(s);
        assert_eq!(leases.get(t(10)), t(10 + 3660));
        assert_eq!(leases.get(t(10)), t(10 + 3660));
        assert_eq!(leases.get(t(69)), t(10 + 3660));
        assert_eq!(leases.get(t(70)), t(70 + 3660));
        for _ in 2..=1000 {
            assert_eq!(leases.get(t(80)), t(70 + 3660));
        }
        assert_eq!(leases.get(t(80)), t(80 + 3660));
    }

    /// A message is kept once for every object told it, with the object's own name cut
    /// out, and is read back as it was told.
    #[test]
    fn messages_are_kept_once_and_read_back_whole() {
        let mut log = EventLog::default();
        let pod = ObjectKind::Pod;
        for name in ["web-0", "web-1"] {
            for message in [
                format!("Successfully assigned default/{name} to node-1"),
                "Started container nginx".to_string(),
                format!("{name} {name}"),
            ] {
                let involved = Involved {
                    kind: pod.clone(),
                    name,
                    uid: "u",
                };
                log.record(
                    Millis::secs(1),
                    Recorder::kubelet("node-1"),
                    involved,
                    "Normal",
                    "R",
                    message,
                );
            }
        }
        // The two assignments and the two starts share a text; "web-0 web-0" keeps its
        // second name.
        assert_eq!(log.texts.len(), 4);
        let told: Vec<String> = log
            .about(&pod, "web-1", Millis::secs(2))
            .map(|e| e.message)
            .collect();
        assert_eq!(
            told,
            [
                "Successfully assigned default/web-1 to node-1",
                "Started container nginx",
                "web-1 web-1"
            ]
        );
    }
}
