//! Fault injection: what `make` and `evict` do to the cluster. Each fault acts through
//! the component that would see it in a real cluster (the kubelet, the node lifecycle
//! controller, the API server's eviction subresource).

use super::clock::Millis;
use super::kinds::ObjectKind;
use super::server::{ApiError, Reason, RequestError};
use super::World;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The pod's readiness probe fails.
    Unready,
    /// The pod's readiness probe succeeds again.
    Ready,
    /// The node's kubelet stops.
    Down,
    /// The node's kubelet is back.
    Up,
    /// The kubelet evicts the pod under node pressure (phase Failed, reason Evicted).
    Evicted,
    /// The pod's liveness probes fail.
    Unhealthy,
    /// The pod's liveness probes succeed again.
    Healthy,
    /// The pod's running containers exit with code 1, once.
    Crash,
}

/// What `make image "x" …` does to an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFault {
    Unpullable,
    /// Its containers exit with this code, this long after each start.
    Crashing {
        exit: i32,
        after: Millis,
    },
    /// Ends `crashing`/`slow-to-*` for containers started from now on.
    Healthy,
    /// After SIGTERM its containers take this long to stop.
    SlowToStop(Millis),
    /// A pull takes this long instead of 2 s.
    SlowToPull(Millis),
}

pub type Outcome = Result<String, RequestError>;

fn require(world: &World, kind: &ObjectKind, name: &str) -> Result<(), RequestError> {
    if world.store.exists(kind, name) {
        Ok(())
    } else {
        Err(RequestError::Api(ApiError::not_found(kind, name)))
    }
}

pub fn make(world: &mut World, kind: &ObjectKind, name: &str, fault: Fault) -> Outcome {
    require(world, kind, name)?;
    match (kind, fault) {
        (ObjectKind::Pod, Fault::Unready) => super::kubelet::make_unready(world, name),
        (ObjectKind::Pod, Fault::Ready) => super::kubelet::make_ready(world, name),
        (ObjectKind::Node, Fault::Down) => super::controllers::node_lifecycle::make_down(world, name),
        (ObjectKind::Node, Fault::Up) => super::controllers::node_lifecycle::make_up(world, name)?,
        (ObjectKind::Pod, Fault::Unhealthy) => super::kubelet::make_unhealthy(world, name),
        (ObjectKind::Pod, Fault::Healthy) => super::kubelet::make_healthy(world, name),
        (ObjectKind::Pod, Fault::Crash) => super::kubelet::crash(world, name),
        (ObjectKind::Pod, Fault::Evicted) => super::kubelet::evict(world, name),
        (kind, fault) => {
            return Err(RequestError::Api(ApiError::new(
                Reason::BadRequest,
                format!("the fault {fault:?} does not apply to a {kind}: pods take unready/ready/unhealthy/healthy/crash/evicted, nodes down/up"),
            )))
        }
    }
    Ok(format!("{}/{name} {fault:?}", kind.kubectl_prefix()).to_lowercase())
}

/// `make image "x" …`: the kubelets treat the image's containers as the fault says.
pub fn make_image(world: &mut World, image: &str, fault: ImageFault) {
    match fault {
        ImageFault::Unpullable => super::kubelet::make_unpullable(world, image),
        ImageFault::Crashing { exit, after } => {
            super::kubelet::make_crashing(world, image, exit, after)
        }
        ImageFault::Healthy => super::kubelet::make_image_healthy(world, image),
        ImageFault::SlowToStop(d) => super::kubelet::make_slow_to_stop(world, image, d),
        ImageFault::SlowToPull(d) => super::kubelet::make_slow_to_pull(world, image, d),
    }
}

/// `evict pod/x`: the Eviction API (B-EVICT), as `kubectl drain` uses it. scn prints
/// `pod/<name> evicted` for it (kubectl has no `evict` command).
pub fn evict(world: &mut World, kind: &ObjectKind, name: &str) -> Outcome {
    if *kind != ObjectKind::Pod {
        require(world, kind, name)?;
        return Err(RequestError::Api(ApiError::new(
            Reason::BadRequest,
            format!("only pods can be evicted, not a {kind}"),
        )));
    }
    super::api::eviction::evict(world, name)?;
    Ok(format!("pod/{name} evicted"))
}
