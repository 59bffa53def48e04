//! Controllers: each watches objects and reconciles them, as kube-controller-manager does.

pub mod daemon;
pub mod deployment;
pub mod disruption;
pub mod endpoint;
pub mod endpoints_util;
pub mod endpointslice;
pub mod endpointslicemirroring;
pub mod garbage_collector;
pub mod history;
pub mod informer;
pub mod node_lifecycle;
pub mod podgc;
pub mod replicaset;
pub mod resourcequota;
pub mod root_ca_cert_publisher;
pub mod serviceaccounts;
pub mod statefulset;
pub mod taint_eviction;
pub mod volume;

#[cfg(test)]
mod tests;
