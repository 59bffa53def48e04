//! Controllers: each watches objects and reconciles them, as kube-controller-manager does.

pub mod garbage_collector;
pub mod podgc;
pub mod statefulset;
pub mod volume;
