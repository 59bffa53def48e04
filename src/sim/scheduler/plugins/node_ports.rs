//! NodePorts (`nodeports/node_ports.go`, B-SCHED-1): a container port with a `hostPort`
//! takes that port on the node, so a second pod asking for the same one (same protocol, and
//! the same host IP or either one binding all addresses, `0.0.0.0`) does not fit there:
//! "node(s) didn't have free ports for the requested pod ports" (Unschedulable). The ports
//! counted are those of the app containers and of sidecars (init containers with
//! `restartPolicy: Always`), as `GetHostPorts` lists them; a node's pods hold theirs until
//! they are gone, terminating ones included.

use k8s_openapi::api::core::v1::Pod;

use super::super::framework::{Code, Status};

pub const ERR_REASON: &str = "node(s) didn't have free ports for the requested pod ports";

const BIND_ALL: &str = "0.0.0.0";

/// One host port a pod takes, with the defaults filled in (`sanitize`: no IP is all
/// addresses, no protocol is TCP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i32,
}

/// `GetHostPorts`: the host ports of the pod's sidecars, then of its app containers.
pub fn host_ports(pod: &Pod) -> Vec<HostPort> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    let sidecars = spec
        .init_containers
        .iter()
        .flatten()
        .filter(|c| c.restart_policy.as_deref() == Some("Always"));
    sidecars
        .chain(&spec.containers)
        .flat_map(|c| c.ports.iter().flatten())
        .filter(|p| p.host_port.is_some_and(|h| h > 0))
        .map(|p| HostPort {
            ip: p
                .host_ip
                .clone()
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| BIND_ALL.to_string()),
            protocol: p
                .protocol
                .clone()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "TCP".to_string()),
            port: p.host_port.unwrap_or(0),
        })
        .collect()
}

/// `HostPortInfo.CheckConflict`: a wanted port conflicts with a used one of the same
/// protocol and number when either binds all addresses or both bind the same one.
fn conflicts(want: &HostPort, used: &HostPort) -> bool {
    want.port == used.port
        && want.protocol == used.protocol
        && (want.ip == BIND_ALL || used.ip == BIND_ALL || want.ip == used.ip)
}

/// Filter (`fitsPorts`): every wanted port is free on the node.
pub fn filter(wants: &[HostPort], used: &[HostPort]) -> Option<Status> {
    let taken = wants.iter().any(|w| used.iter().any(|u| conflicts(w, u)));
    taken.then(|| Status::new(Code::Unschedulable, ERR_REASON))
}
