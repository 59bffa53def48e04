//! Query function names and how many arguments each takes.

use super::ast::Function;

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
