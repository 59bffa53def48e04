//! The API server's storage (etcd's role): every object of the cluster in ordered maps,
//! each object behind an `Arc`, and the watch stream that announces every change.
//!
//! Architecture invariants:
//! - All simulation state is walked in a fixed order (ordered maps, `BTreeMap`), so
//!   iteration order, and with it every decision, is the same on every run. A hash map
//!   (the store's name index, components' lookup tables) is only looked up, never walked.
//! - Only the API server writes: the maps and the watch stream are private to
//!   `sim::server`; everyone else reads through [`Objects`], whose mutating methods are
//!   `pub(in crate::sim::server)`. So every change gets a resourceVersion and a watch event
//!   (the types make a silent write impossible).
//! - Objects are shared, not copied: a read hands out `&T` or a cheap `Arc<T>`, a write
//!   copies on write (`Arc::make_mut`) only when someone still holds the old state (a
//!   queued watch event, say).

use std::borrow::Borrow;
use std::collections::{BTreeMap, VecDeque};
use std::hash::Hash;
use std::marker::PhantomData;
use std::ops::RangeBounds;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{ControllerRevision, DaemonSet, StatefulSet};
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;
use serde_json::Value;

use crate::sim::controllers::informer::FastMap as FxHashMap;
use crate::sim::kinds::ObjectKind;
use crate::sim::world::WatchEvent;

/// The stored objects of one kind, by name (for kinds kept generically, by (kind, name)).
/// Anyone may read; only the API server (`sim::server`) may write.
///
/// Each object sits in a slot; a hash index finds a slot by name (a lookup hashes the name
/// once instead of comparing it with ~log2(n) others) and an ordered map of the same keys
/// gives the order every listing and every range read walks in.
#[derive(Debug)]
pub struct Objects<T, K: Ord + Hash = String> {
    order: BTreeMap<K, u32>,
    index: FxHashMap<K, u32>,
    slots: Vec<Option<Arc<T>>>,
    free: Vec<u32>,
    /// How many times the map was written to (an insert, a removal, a mutable borrow):
    /// a reader that saw the same count saw the same objects.
    changes: u64,
}

impl<T, K: Ord + Hash> Default for Objects<T, K> {
    fn default() -> Self {
        Objects {
            order: BTreeMap::new(),
            index: FxHashMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            changes: 0,
        }
    }
}

/// The objects of an [`Objects`] in key order.
pub struct Iter<'a, T, K> {
    keys: std::collections::btree_map::Iter<'a, K, u32>,
    slots: &'a [Option<Arc<T>>],
}

impl<T, K> Clone for Iter<'_, T, K> {
    fn clone(&self) -> Self {
        Iter {
            keys: self.keys.clone(),
            slots: self.slots,
        }
    }
}

impl<'a, T, K> Iter<'a, T, K> {
    fn entry(&self, (key, slot): (&'a K, &'a u32)) -> (&'a K, &'a T) {
        let slots: &'a [Option<Arc<T>>] = self.slots;
        match &slots[*slot as usize] {
            Some(object) => (key, &**object),
            // Every key of `order` names a filled slot: insert and remove keep them so.
            None => unreachable!("a listed key without its object"),
        }
    }
}

impl<'a, T, K> Iterator for Iter<'a, T, K> {
    type Item = (&'a K, &'a T);
    fn next(&mut self) -> Option<Self::Item> {
        let next = self.keys.next()?;
        Some(self.entry(next))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.keys.size_hint()
    }
}

impl<T, K> DoubleEndedIterator for Iter<'_, T, K> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let next = self.keys.next_back()?;
        Some(self.entry(next))
    }
}

impl<T, K> ExactSizeIterator for Iter<'_, T, K> {}

impl<T, K: Ord + Hash> Objects<T, K> {
    fn slot<Q>(&self, key: &Q) -> Option<&Arc<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = *self.index.get(key)?;
        self.slots[slot as usize].as_ref()
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.slot(key).map(|o| &**o)
    }

    /// The object as shared (a reference count, no copy).
    pub fn get_shared<Q>(&self, key: &Q) -> Option<Arc<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.slot(key).cloned()
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.contains_key(key)
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// The map's write count: unchanged means no object was added, removed or written
    /// since it was read (a cache of something derived from the objects can be kept).
    pub fn changes(&self) -> u64 {
        self.changes
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.order.keys()
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator + Clone {
        self.iter().map(|(_, o)| o)
    }

    pub fn iter(&self) -> Iter<'_, T, K> {
        Iter {
            keys: self.order.iter(),
            slots: &self.slots,
        }
    }

    pub fn range<Q, R>(&self, range: R) -> impl DoubleEndedIterator<Item = (&K, &T)>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
        R: RangeBounds<Q>,
    {
        self.order
            .range(range)
            .filter_map(|(k, slot)| Some((k, &**self.slots[*slot as usize].as_ref()?)))
    }

    pub(in crate::sim::server) fn insert(&mut self, key: K, object: T) -> Option<Arc<T>>
    where
        K: Clone,
    {
        self.insert_shared(key, Arc::new(object))
    }

    pub(in crate::sim::server) fn insert_shared(&mut self, key: K, object: Arc<T>) -> Option<Arc<T>>
    where
        K: Clone,
    {
        self.changes += 1;
        if let Some(&slot) = self.index.get(&key) {
            return self.slots[slot as usize].replace(object);
        }
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(object);
                slot
            }
            None => {
                // The object budget (far below u32::MAX) bounds the slots.
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(Some(object));
                slot
            }
        };
        self.order.insert(key.clone(), slot);
        self.index.insert(key, slot);
        None
    }

    pub(in crate::sim::server) fn remove<Q>(&mut self, key: &Q) -> Option<Arc<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Ord + ?Sized,
    {
        let slot = self.index.remove(key)?;
        self.changes += 1;
        self.order.remove(key);
        self.free.push(slot);
        self.slots[slot as usize].take()
    }

    /// Copy-on-write access: the object is copied only if someone else holds it.
    pub(in crate::sim::server) fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut T>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        T: Clone,
    {
        let slot = *self.index.get(key)?;
        self.changes += 1;
        self.slots[slot as usize].as_mut().map(Arc::make_mut)
    }

    /// One write, with one lookup: `change` edits the object (copied first only if someone
    /// else holds it) and says whether it changed anything; if it did, `stamp` marks it
    /// (its new resourceVersion) and the object is returned as shared.
    pub(in crate::sim::server) fn modify<Q>(
        &mut self,
        key: &Q,
        change: impl FnOnce(&mut T) -> bool,
        stamp: impl FnOnce(&mut T),
    ) -> Option<Arc<T>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
        T: Clone,
    {
        let slot = *self.index.get(key)?;
        self.changes += 1;
        let shared = self.slots[slot as usize].as_mut()?;
        let object = Arc::make_mut(shared);
        if !change(object) {
            return None;
        }
        stamp(object);
        Some(Arc::clone(shared))
    }
}

impl<T, K: Ord + Hash + Borrow<Q>, Q: Hash + Eq + ?Sized> std::ops::Index<&Q> for Objects<T, K> {
    type Output = T;

    /// Like a map's index: panics when the key is absent. For tests and for keys the
    /// caller has just read from the same store.
    fn index(&self, key: &Q) -> &T {
        self.get(key).expect("no object under this key")
    }
}

impl<'a, T, K: Ord + Hash> IntoIterator for &'a Objects<T, K> {
    type Item = (&'a K, &'a T);
    type IntoIter = Iter<'a, T, K>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// A stored object of a kind scn does not simulate: kept as written (after metadata).
#[derive(Clone, Debug, PartialEq)]
pub struct GenericObject {
    pub metadata: ObjectMeta,
    /// The whole object as JSON, `metadata` included and kept in step.
    pub body: Value,
}

/// The storage: one map per simulated kind, one for the kinds kept as written, and the
/// watch stream. Its fields are the API server's; readers use the accessors.
#[derive(Debug, Default)]
pub struct Store {
    pub(in crate::sim::server) statefulsets: Objects<StatefulSet>,
    pub(in crate::sim::server) pods: Objects<Pod>,
    pub(in crate::sim::server) claims: Objects<PersistentVolumeClaim>,
    pub(in crate::sim::server) volumes: Objects<PersistentVolume>,
    pub(in crate::sim::server) storage_classes: Objects<StorageClass>,
    pub(in crate::sim::server) services: Objects<Service>,
    pub(in crate::sim::server) nodes: Objects<Node>,
    pub(in crate::sim::server) revisions: Objects<ControllerRevision>,
    pub(in crate::sim::server) endpoint_slices: Objects<EndpointSlice>,
    pub(in crate::sim::server) daemonsets: Objects<DaemonSet>,
    pub(in crate::sim::server) others: Objects<GenericObject, (String, String)>,
    /// Changes not yet heard by the watchers, oldest first.
    pub(in crate::sim::server) watch: VecDeque<WatchEvent>,
    next_uid: u64,
    next_resource_version: u64,
}

macro_rules! readers {
    ($($field:ident: $ty:ty),* $(,)?) => {
        impl Store {
            $(
                pub fn $field(&self) -> &$ty {
                    &self.$field
                }
            )*
        }
    };
}

readers! {
    statefulsets: Objects<StatefulSet>,
    pods: Objects<Pod>,
    claims: Objects<PersistentVolumeClaim>,
    volumes: Objects<PersistentVolume>,
    storage_classes: Objects<StorageClass>,
    services: Objects<Service>,
    nodes: Objects<Node>,
    revisions: Objects<ControllerRevision>,
    endpoint_slices: Objects<EndpointSlice>,
    daemonsets: Objects<DaemonSet>,
    others: Objects<GenericObject, (String, String)>,
}

/// A typed kind the store keeps in its own map.
pub trait Stored:
    Metadata<Ty = ObjectMeta>
    + serde::Serialize
    + serde::de::DeserializeOwned
    + Clone
    + Send
    + Sync
    + 'static
{
    const OBJECT_KIND: ObjectKind;
    fn map(store: &Store) -> &Objects<Self>;
    #[doc(hidden)]
    fn map_mut(store: &mut Store) -> &mut Objects<Self>;
    /// The object as a watch event carries it.
    fn shared(object: Arc<Self>) -> Object;
    /// The object's `status` as its JSON has it (`None` for a kind without status, or an
    /// object whose status is unset, which its JSON omits).
    fn status_json(&self) -> Option<Value>;
}

macro_rules! stored {
    ($ty:ty, $kind:ident, $field:ident) => {
        stored!($ty, $kind, $field, |_object| None);
    };
    ($ty:ty, $kind:ident, $field:ident, status) => {
        stored!($ty, $kind, $field, |object| {
            object
                .status
                .as_ref()
                .and_then(|status| serde_json::to_value(status).ok())
        });
    };
    ($ty:ty, $kind:ident, $field:ident, |$object:ident| $status:expr) => {
        impl Stored for $ty {
            const OBJECT_KIND: ObjectKind = ObjectKind::$kind;
            fn map(store: &Store) -> &Objects<Self> {
                &store.$field
            }
            fn map_mut(store: &mut Store) -> &mut Objects<Self> {
                &mut store.$field
            }
            fn shared(object: Arc<Self>) -> Object {
                Object::$kind(object)
            }
            fn status_json(&self) -> Option<Value> {
                let $object = self;
                $status
            }
        }
    };
}

/// An object as a watch event carries it: the state after the change (for a deletion, the
/// last state), shared with the store.
#[derive(Clone, Debug)]
pub enum Object {
    StatefulSet(Arc<StatefulSet>),
    Pod(Arc<Pod>),
    PersistentVolumeClaim(Arc<PersistentVolumeClaim>),
    PersistentVolume(Arc<PersistentVolume>),
    StorageClass(Arc<StorageClass>),
    Service(Arc<Service>),
    Node(Arc<Node>),
    ControllerRevision(Arc<ControllerRevision>),
    EndpointSlice(Arc<EndpointSlice>),
    DaemonSet(Arc<DaemonSet>),
    Other(Arc<GenericObject>),
}

impl Object {
    pub fn pod(&self) -> Option<&Pod> {
        match self {
            Object::Pod(pod) => Some(pod),
            _ => None,
        }
    }

    pub fn meta(&self) -> &ObjectMeta {
        match self {
            Object::StatefulSet(o) => &o.metadata,
            Object::Pod(o) => &o.metadata,
            Object::PersistentVolumeClaim(o) => &o.metadata,
            Object::PersistentVolume(o) => &o.metadata,
            Object::StorageClass(o) => &o.metadata,
            Object::Service(o) => &o.metadata,
            Object::Node(o) => &o.metadata,
            Object::ControllerRevision(o) => &o.metadata,
            Object::EndpointSlice(o) => &o.metadata,
            Object::DaemonSet(o) => &o.metadata,
            Object::Other(o) => &o.metadata,
        }
    }
}

stored!(StatefulSet, StatefulSet, statefulsets, status);
stored!(Pod, Pod, pods, status);
stored!(PersistentVolumeClaim, PersistentVolumeClaim, claims, status);
stored!(PersistentVolume, PersistentVolume, volumes, status);
stored!(StorageClass, StorageClass, storage_classes);
stored!(Service, Service, services, status);
stored!(Node, Node, nodes, status);
stored!(ControllerRevision, ControllerRevision, revisions);
stored!(EndpointSlice, EndpointSlice, endpoint_slices);
stored!(DaemonSet, DaemonSet, daemonsets, status);

impl Store {
    /// A fresh UID. UIDs look like Kubernetes UUIDs but come from a counter, so that runs
    /// are reproducible.
    pub fn new_uid(&mut self) -> String {
        self.next_uid += 1;
        let n = self.next_uid;
        let mix = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            (mix >> 32) as u32,
            (mix >> 16) as u16,
            (mix >> 4) as u16 & 0xfff,
            mix as u16 & 0xfff,
            n
        )
    }

    pub fn new_resource_version(&mut self) -> String {
        self.next_resource_version += 1;
        self.next_resource_version.to_string()
    }

    /// The resourceVersion [`Store::new_resource_version`] gives next, without taking it.
    pub(in crate::sim::server) fn peek_resource_version(&self) -> String {
        (self.next_resource_version + 1).to_string()
    }

    pub fn get<T: Stored>(&self, name: &str) -> Option<&T> {
        T::map(self).get(name)
    }

    /// The object of `kind` as shared, for a watch event.
    pub(in crate::sim::server) fn shared(&self, kind: &ObjectKind, name: &str) -> Option<Object> {
        match Self::typed_map(kind) {
            Some(map) => map.shared(self, name),
            None => self
                .others
                .get_shared(&Self::other_key(kind, name))
                .map(Object::Other),
        }
    }

    /// Takes any object out of the store (its deletion is complete).
    pub(in crate::sim::server) fn remove(
        &mut self,
        kind: &ObjectKind,
        name: &str,
    ) -> Option<Object> {
        match Self::typed_map(kind) {
            Some(map) => map.remove(self, name, ServerOnly::new()),
            None => self
                .others
                .remove(&Self::other_key(kind, name))
                .map(Object::Other),
        }
    }

    /// The changes not yet heard by the watchers, oldest first (an informer may look
    /// ahead, as `informer::WatchCursor` does).
    pub fn pending_watch_events(&self) -> &VecDeque<WatchEvent> {
        &self.watch
    }

    /// The oldest change not yet heard by the watchers.
    pub fn pop_watch_event(&mut self) -> Option<WatchEvent> {
        self.watch.pop_front()
    }

    /// The kind's typed map, or `None` for a kind kept in the generic map.
    fn typed_map(kind: &ObjectKind) -> Option<&'static dyn TypedMap> {
        match kind {
            ObjectKind::Other(_) => None,
            typed => typed.info().and_then(|info| info.typed_map),
        }
    }

    fn other_key(kind: &ObjectKind, name: &str) -> (String, String) {
        (kind.name().to_string(), name.to_string())
    }

    pub fn exists(&self, kind: &ObjectKind, name: &str) -> bool {
        match Self::typed_map(kind) {
            Some(map) => map.contains(self, name),
            None => self.others.contains_key(&Self::other_key(kind, name)),
        }
    }

    /// The stored JSON of an object of a kind kept as written (ConfigMap, Secret,
    /// ServiceAccount, …), borrowed: what `to_json` would clone. `None` for the kinds the
    /// store keeps typed.
    pub fn written_body(&self, kind: &ObjectKind, name: &str) -> Option<&Value> {
        if Self::typed_map(kind).is_some() {
            return None;
        }
        self.others
            .get(&Self::other_key(kind, name))
            .map(|o| &o.body)
    }

    /// The object as the API returns it (`kubectl get -o json`), with apiVersion and kind.
    pub fn to_json(&self, kind: &ObjectKind, name: &str) -> Option<Value> {
        match Self::typed_map(kind) {
            Some(map) => map.to_json(self, name),
            None => self
                .others
                .get(&Self::other_key(kind, name))
                .map(|o| o.body.clone()),
        }
    }

    /// Names of the stored objects of a kind, in the store's (byte-wise) order.
    pub fn names(&self, kind: &ObjectKind) -> Vec<String> {
        match Self::typed_map(kind) {
            Some(map) => map.names(self),
            None => self
                .others
                .keys()
                .filter(|(k, _)| k == kind.name())
                .map(|(_, name)| name.clone())
                .collect(),
        }
    }

    /// Whether the object exists, and its `status` as `to_json` would give it
    /// (`to_json(..)?.get("status")`) without serializing the rest of the object.
    pub fn status_json(&self, kind: &ObjectKind, name: &str) -> Option<Option<Value>> {
        match Self::typed_map(kind) {
            Some(map) => map.status_json(self, name),
            None => self
                .others
                .get(&Self::other_key(kind, name))
                .map(|o| o.body.get("status").cloned()),
        }
    }

    pub fn meta(&self, kind: &ObjectKind, name: &str) -> Option<&ObjectMeta> {
        match Self::typed_map(kind) {
            Some(map) => map.meta(self, name),
            None => self
                .others
                .get(&Self::other_key(kind, name))
                .map(|o| &o.metadata),
        }
    }
}

/// What the store's dispatch needs of a typed map, whatever its type: the registry
/// (`sim/kinds.rs`) holds one per typed kind, so the dispatch has no per-kind arm.
pub trait TypedMap: Sync {
    /// The `ObjectKind` of the map's type (a test checks it is the registry row's).
    fn object_kind(&self) -> ObjectKind;
    fn contains(&self, store: &Store, name: &str) -> bool;
    /// The object with `apiVersion` and `kind`, as the API returns it.
    fn to_json(&self, store: &Store, name: &str) -> Option<Value>;
    fn names(&self, store: &Store) -> Vec<String>;
    fn meta<'a>(&self, store: &'a Store, name: &str) -> Option<&'a ObjectMeta>;
    fn shared(&self, store: &Store, name: &str) -> Option<Object>;
    fn status_json(&self, store: &Store, name: &str) -> Option<Option<Value>>;
    /// Takes the object out of the store. Only the API server holds a [`ServerOnly`].
    fn remove(&self, store: &mut Store, name: &str, _: ServerOnly) -> Option<Object>;
}

/// A token only `sim::server` can make: the store's removals through the registry take
/// one, so the registry's handles do not open the store to anyone else.
pub struct ServerOnly(());

impl ServerOnly {
    pub(in crate::sim::server) fn new() -> ServerOnly {
        ServerOnly(())
    }
}

/// The typed map of `T` (a zero-sized handle).
pub struct Map<T>(pub PhantomData<fn() -> T>);

impl<T: Stored + k8s_openapi::Resource + 'static> TypedMap for Map<T> {
    fn object_kind(&self) -> ObjectKind {
        T::OBJECT_KIND
    }

    fn contains(&self, store: &Store, name: &str) -> bool {
        T::map(store).contains_key(name)
    }

    fn to_json(&self, store: &Store, name: &str) -> Option<Value> {
        let object = store.get::<T>(name)?;
        let mut value = serde_json::to_value(object).ok()?;
        crate::sim::api::go_values::drop_empty_pull_secret_names(&mut value);
        if let Value::Object(map) = &mut value {
            map.insert("apiVersion".into(), Value::String(T::API_VERSION.into()));
            map.insert(
                "kind".into(),
                Value::String(<T as k8s_openapi::Resource>::KIND.into()),
            );
        }
        Some(value)
    }

    fn names(&self, store: &Store) -> Vec<String> {
        T::map(store).keys().cloned().collect()
    }

    fn meta<'a>(&self, store: &'a Store, name: &str) -> Option<&'a ObjectMeta> {
        T::map(store).get(name).map(|o| o.metadata())
    }

    fn shared(&self, store: &Store, name: &str) -> Option<Object> {
        T::map(store).get_shared(name).map(T::shared)
    }

    fn status_json(&self, store: &Store, name: &str) -> Option<Option<Value>> {
        T::map(store).get(name).map(T::status_json)
    }

    fn remove(&self, store: &mut Store, name: &str, _: ServerOnly) -> Option<Object> {
        T::map_mut(store).remove(name).map(T::shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slots are reused and two maps index them: after any mix of inserts, replacements
    /// and removals, `Objects` reads, lists and ranges exactly as one ordered map would.
    #[test]
    fn objects_behave_as_an_ordered_map() {
        let mut objects: Objects<u64> = Objects::default();
        let mut model: BTreeMap<String, u64> = BTreeMap::new();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for step in 0..20_000u64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let key = format!("web-{}", seed % 300);
            if seed % 3 == 0 {
                assert_eq!(objects.remove(key.as_str()).map(|o| *o), model.remove(&key));
            } else {
                assert_eq!(
                    objects.insert(key.clone(), step).map(|o| *o),
                    model.insert(key.clone(), step)
                );
            }
            if let Some(v) = objects.get_mut(key.as_str()) {
                *v += 1;
                *model.get_mut(&key).expect("same keys") += 1;
            }
            assert_eq!(objects.get(key.as_str()), model.get(&key));
            assert_eq!(objects.contains_key(key.as_str()), model.contains_key(&key));
        }
        assert_eq!(objects.len(), model.len());
        let listed: Vec<(&String, &u64)> = objects.iter().collect();
        assert_eq!(listed, model.iter().collect::<Vec<_>>());
        let backwards: Vec<&u64> = objects.values().rev().collect();
        assert_eq!(backwards, model.values().rev().collect::<Vec<_>>());
        let ranged: Vec<(&String, &u64)> = objects
            .range::<String, _>("web-1".to_string().."web-2".to_string())
            .collect();
        let expected: Vec<(&String, &u64)> = model
            .range::<String, _>("web-1".to_string().."web-2".to_string())
            .collect();
        assert_eq!(ranged, expected);
        assert!(objects.slots.len() <= 300, "slots are reused");
    }

    /// Every write moves the write count; reads and a removal of nothing do not.
    #[test]
    fn the_write_count_moves_with_every_write() {
        let mut objects: Objects<u64> = Objects::default();
        let mut last = objects.changes();
        let mut moved = |objects: &Objects<u64>, expected: bool| {
            assert_eq!(objects.changes() != last, expected);
            last = objects.changes();
        };
        objects.insert("a".to_string(), 1);
        moved(&objects, true);
        objects.insert("a".to_string(), 2);
        moved(&objects, true);
        let _ = objects.get("a");
        let _ = objects.iter().count();
        moved(&objects, false);
        *objects.get_mut("a").expect("stored") += 1;
        moved(&objects, true);
        let _ = objects.modify("a", |v| *v == 0, |_| {});
        moved(&objects, true);
        assert!(objects.remove("b").is_none());
        moved(&objects, false);
        assert!(objects.remove("a").is_some());
        moved(&objects, true);
    }
}
