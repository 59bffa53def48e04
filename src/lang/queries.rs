//! Query function names and how many arguments each takes.

use super::ast::{Function, Kind};

/// (name, function, number of arguments, whether the first argument is a reference).
pub const FUNCTIONS: &[(&str, Function, usize, bool)] = &[
    ("pods", Function::Pods, 1, true),
    ("ip", Function::Ip, 1, true),
    ("hostname", Function::Hostname, 1, true),
    ("node", Function::Node, 1, true),
    ("image", Function::Image, 1, true),
    ("images", Function::Images, 1, true),
    ("dns", Function::Dns, 1, false),
    ("srv", Function::Srv, 1, false),
    ("ptr", Function::Ptr, 1, false),
    ("claim", Function::Claim, 2, true),
    ("volume", Function::Volume, 1, true),
    ("read", Function::Read, 2, true),
    ("events", Function::Events, 1, true),
    ("rollout", Function::Rollout, 1, true),
    ("revisions", Function::Revisions, 1, true),
    ("restarts", Function::Restarts, 1, true),
    ("zone", Function::Zone, 1, true),
    ("zones", Function::Zones, 1, true),
    ("nodes", Function::Nodes, 1, true),
];

pub struct FunctionInfo {
    pub function: Function,
    pub arity: usize,
    pub takes_ref: bool,
}

pub fn by_name(name: &str) -> Option<FunctionInfo> {
    FUNCTIONS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, function, arity, takes_ref)| FunctionInfo {
            function,
            arity,
            takes_ref,
        })
}

pub fn names() -> impl Iterator<Item = &'static str> {
    FUNCTIONS.iter().map(|(n, ..)| *n)
}

/// The kinds a query's reference may name, or `None` when any kind will do (`events()`).
/// A reference of another kind is an error found before anything runs.
pub fn reference_kinds(function: Function) -> Option<&'static [Kind]> {
    const POD: &[Kind] = &[Kind::Pod];
    const SET: &[Kind] = &[Kind::StatefulSet];
    match function {
        Function::Ip
        | Function::Hostname
        | Function::Node
        | Function::Image
        | Function::Claim
        | Function::Read
        | Function::Restarts
        | Function::Zone => Some(POD),
        Function::Images | Function::Zones | Function::Nodes => Some(SET),
        Function::Volume => Some(&[Kind::PersistentVolumeClaim]),
        Function::Pods => Some(&[
            Kind::StatefulSet,
            Kind::DaemonSet,
            Kind::Deployment,
            Kind::ReplicaSet,
        ]),
        Function::Rollout | Function::Revisions => {
            Some(&[Kind::StatefulSet, Kind::DaemonSet, Kind::Deployment])
        }
        Function::Events | Function::Dns | Function::Srv | Function::Ptr => None,
    }
}
