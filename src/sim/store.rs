//! The API server's storage: every object of the cluster, in ordered maps.
//!
//! Architecture invariant: all simulation state lives in ordered maps (`BTreeMap`), so
//! iteration order, and with it every decision, is the same on every run.

use std::collections::BTreeMap;

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

    pub fn exists(&self, kind: &ObjectKind, name: &str) -> bool {
        match kind {
            ObjectKind::StatefulSet => self.statefulsets.contains_key(name),
            ObjectKind::Pod => self.pods.contains_key(name),
            ObjectKind::PersistentVolumeClaim => self.claims.contains_key(name),
            ObjectKind::PersistentVolume => self.volumes.contains_key(name),
            ObjectKind::StorageClass => self.storage_classes.contains_key(name),
            ObjectKind::Service => self.services.contains_key(name),
            ObjectKind::Node => self.nodes.contains_key(name),
            ObjectKind::ControllerRevision => self.revisions.contains_key(name),
            ObjectKind::EndpointSlice => self.endpoint_slices.contains_key(name),
            ObjectKind::Other(k) => self.others.contains_key(&(k.clone(), name.to_string())),
        }
    }

    /// The object as the API returns it (`kubectl get -o json`), with apiVersion and kind.
    pub fn to_json(&self, kind: &ObjectKind, name: &str) -> Option<Value> {
        fn typed<T: Stored + k8s_openapi::Resource>(store: &Store, name: &str) -> Option<Value> {
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
        match kind {
            ObjectKind::StatefulSet => typed::<StatefulSet>(self, name),
            ObjectKind::Pod => typed::<Pod>(self, name),
            ObjectKind::PersistentVolumeClaim => typed::<PersistentVolumeClaim>(self, name),
            ObjectKind::PersistentVolume => typed::<PersistentVolume>(self, name),
            ObjectKind::StorageClass => typed::<StorageClass>(self, name),
            ObjectKind::Service => typed::<Service>(self, name),
            ObjectKind::Node => typed::<Node>(self, name),
            ObjectKind::ControllerRevision => typed::<ControllerRevision>(self, name),
            ObjectKind::EndpointSlice => typed::<EndpointSlice>(self, name),
            ObjectKind::Other(k) => self
                .others
                .get(&(k.clone(), name.to_string()))
                .map(|o| o.body.clone()),
        }
    }

    /// Names of the stored objects of a kind, in the store's (byte-wise) order.
    pub fn names(&self, kind: &ObjectKind) -> Vec<String> {
        fn keys<T>(map: &BTreeMap<String, T>) -> Vec<String> {
            map.keys().cloned().collect()
        }
        match kind {
            ObjectKind::StatefulSet => keys(&self.statefulsets),
            ObjectKind::Pod => keys(&self.pods),
            ObjectKind::PersistentVolumeClaim => keys(&self.claims),
            ObjectKind::PersistentVolume => keys(&self.volumes),
            ObjectKind::StorageClass => keys(&self.storage_classes),
            ObjectKind::Service => keys(&self.services),
            ObjectKind::Node => keys(&self.nodes),
            ObjectKind::ControllerRevision => keys(&self.revisions),
            ObjectKind::EndpointSlice => keys(&self.endpoint_slices),
            ObjectKind::Other(k) => self
                .others
                .keys()
                .filter(|(kind, _)| kind == k)
                .map(|(_, name)| name.clone())
                .collect(),
        }
    }

    pub fn meta(&self, kind: &ObjectKind, name: &str) -> Option<&ObjectMeta> {
        fn m<'a, T: Stored + 'static>(store: &'a Store, name: &str) -> Option<&'a ObjectMeta> {
            store.get::<T>(name).map(|o| o.metadata())
        }
        match kind {
            ObjectKind::StatefulSet => m::<StatefulSet>(self, name),
            ObjectKind::Pod => m::<Pod>(self, name),
            ObjectKind::PersistentVolumeClaim => m::<PersistentVolumeClaim>(self, name),
            ObjectKind::PersistentVolume => m::<PersistentVolume>(self, name),
            ObjectKind::StorageClass => m::<StorageClass>(self, name),
            ObjectKind::Service => m::<Service>(self, name),
            ObjectKind::Node => m::<Node>(self, name),
            ObjectKind::ControllerRevision => m::<ControllerRevision>(self, name),
            ObjectKind::EndpointSlice => m::<EndpointSlice>(self, name),
            ObjectKind::Other(k) => self
                .others
                .get(&(k.clone(), name.to_string()))
                .map(|o| &o.metadata),
        }
    }
}
