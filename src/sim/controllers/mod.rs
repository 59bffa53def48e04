//! Controllers: each watches objects and reconciles them, as kube-controller-manager does.

pub mod garbage_collector;
pub mod node_lifecycle;
pub mod statefulset;
