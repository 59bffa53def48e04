//! Which StorageClass is the default (`pkg/volume/util/storageclass.go`): the one place
//! the DefaultStorageClass admission plugin and the PV controller's retroactive assignment
//! (`assignDefaultStorageClass`) read it.

use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::sim::server::store::Store;

/// `IsDefaultStorageClassAnnotation`.
pub const IS_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
/// `BetaIsDefaultStorageClassAnnotation`, still honoured.
pub const BETA_IS_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// `IsDefaultAnnotation`: the GA or the beta annotation says exactly "true".
pub(crate) fn is_default_class(meta: &ObjectMeta) -> bool {
    meta.annotations.as_ref().is_some_and(|a| {
        a.get(IS_DEFAULT_CLASS).is_some_and(|v| v == "true")
            || a.get(BETA_IS_DEFAULT_CLASS).is_some_and(|v| v == "true")
    })
}

/// `GetDefaultClass`: of the classes marked default, the newest (by creation timestamp,
/// which the API server keeps to the second), then the first by name; none when no class is
/// marked.
pub(crate) fn default_class(store: &Store) -> Option<&StorageClass> {
    let created = |c: &StorageClass| {
        c.metadata
            .creation_timestamp
            .as_ref()
            .map(|t| t.0.as_second())
    };
    store
        .storage_classes()
        .iter()
        .map(|(_, class)| class)
        .filter(|class| is_default_class(&class.metadata))
        // Iterated in name order: a later class replaces the one kept only when newer.
        .fold(None, |best: Option<&StorageClass>, class| match best {
            Some(kept) if created(class) <= created(kept) => Some(kept),
            _ => Some(class),
        })
}
