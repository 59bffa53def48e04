//! The API server's storage: every object of the cluster, in ordered maps.
//!
//! Architecture invariant: all simulation state lives in ordered maps (`BTreeMap`), so
//! iteration order, and with it every decision, is the same on every run.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use k8s_openapi::api::apps::v1::{ControllerRevision, StatefulSet};
use k8s_openapi::api::core::v1::{Node, PersistentVolume, PersistentVolumeClaim, Pod, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::Metadata;
use serde_json::Value;

use super::kinds::ObjectKind;

/// A stored object of a kind scn does not simulate: kept as written (after metadata).
#[derive(Clone, Debug, PartialEq)]
pub struct GenericObject {
    pub metadata: ObjectMeta,
    /// The whole object as JSON, `metadata` included and kept in step.
    pub body: Value,
}

#[derive(Debug, Default)]
pub struct Store {
    pub statefulsets: BTreeMap<String, StatefulSet>,
    pub pods: BTreeMap<String, Pod>,
    pub claims: BTreeMap<String, PersistentVolumeClaim>,
    pub volumes: BTreeMap<String, PersistentVolume>,
    pub storage_classes: BTreeMap<String, StorageClass>,
    pub services: BTreeMap<String, Service>,
    pub nodes: BTreeMap<String, Node>,
    pub revisions: BTreeMap<String, ControllerRevision>,
    pub endpoint_slices: BTreeMap<String, EndpointSlice>,
    pub others: BTreeMap<(String, String), GenericObject>,
    next_uid: u64,
    next_resource_version: u64,
}

/// A typed kind the store keeps in its own map.
pub trait Stored:
    Metadata<Ty = ObjectMeta> + serde::Serialize + serde::de::DeserializeOwned + Clone
{
    const OBJECT_KIND: ObjectKind;
    fn map(store: &Store) -> &BTreeMap<String, Self>;
    fn map_mut(store: &mut Store) -> &mut BTreeMap<String, Self>;
}

macro_rules! stored {
    ($ty:ty, $kind:ident, $field:ident) => {
        impl Stored for $ty {
            const OBJECT_KIND: ObjectKind = ObjectKind::$kind;
            fn map(store: &Store) -> &BTreeMap<String, Self> {
                &store.$field
            }
            fn map_mut(store: &mut Store) -> &mut BTreeMap<String, Self> {
                &mut store.$field
            }
        }
    };
}

stored!(StatefulSet, StatefulSet, statefulsets);
stored!(Pod, Pod, pods);
stored!(PersistentVolumeClaim, PersistentVolumeClaim, claims);
stored!(PersistentVolume, PersistentVolume, volumes);
stored!(StorageClass, StorageClass, storage_classes);
stored!(Service, Service, services);
stored!(Node, Node, nodes);
stored!(ControllerRevision, ControllerRevision, revisions);
stored!(EndpointSlice, EndpointSlice, endpoint_slices);

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

    pub fn get<T: Stored>(&self, name: &str) -> Option<&T> {
        T::map(self).get(name)
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
}
