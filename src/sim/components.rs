//! The components of the cluster, registered in one table.
//!
//! A component is what kube-controller-manager, kube-scheduler and the kubelet run: an
//! informer handler that hears every watch event (and looks only at the kinds it
//! watches), and optionally a work queue of keys it drains one key at a time. Its state
//! lives in its own field of the [`World`]; its timers are [`Timer`](super::world::Timer)
//! variants that `World::fire` routes to it. Adding a component is its own file and one
//! line in [`COMPONENTS`].
//!
//! Ordering rules (deterministic, and the same on every run):
//! 1. Within an instant, due timers fire first, all of them, in (time, insertion) order.
//! 2. Then watch events, first in first out; each event goes to every component's handler
//!    in the order of [`COMPONENTS`].
//! 3. When no event is left, the first component in [`COMPONENTS`] order with queued work
//!    processes one key; then the loop starts again at rule 1.
//!
//! So a handler never runs a sync inline: it marks keys, and the syncs run once the
//! events of the instant are all heard, as informers and workqueues make them upstream.

use super::controllers;
use super::error::SimError;
use super::kubelet;
use super::scheduler;
use super::world::{WatchEvent, World};

/// An informer handler: hears one watch event.
pub type Handler = fn(&mut World, &WatchEvent) -> Result<(), SimError>;

/// Processes one key of the component's queue; `Ok(false)` when the queue is empty.
pub type Worker = fn(&mut World) -> Result<bool, SimError>;

pub struct Component {
    pub on_event: Handler,
    pub work: Option<Worker>,
}

/// Every component, in handler order (rule 2) and work order (rule 3).
pub const COMPONENTS: &[Component] = &[
    // resourcequota-controller: first, so that what a deleted or finished pod frees is in
    // the quotas' status before a controller's sync creates its replacement
    // (`controllers/resourcequota.rs`).
    Component {
        on_event: |world, event| {
            controllers::resourcequota::on_event(world, event);
            Ok(())
        },
        work: Some(controllers::resourcequota::work),
    },
    // statefulset-controller
    Component {
        on_event: controllers::statefulset::on_event,
        work: Some(controllers::statefulset::work),
    },
    // daemonset-controller
    Component {
        on_event: controllers::daemon::on_event,
        work: Some(controllers::daemon::work),
    },
    // deployment-controller
    Component {
        on_event: controllers::deployment::on_event,
        work: Some(controllers::deployment::work),
    },
    // replicaset-controller
    Component {
        on_event: controllers::replicaset::on_event,
        work: Some(controllers::replicaset::work),
    },
    // kube-scheduler
    Component {
        on_event: scheduler::on_event,
        work: Some(scheduler::work),
    },
    // kubelet
    Component {
        on_event: kubelet::on_event,
        work: None,
    },
    // pod-garbage-collector
    Component {
        on_event: controllers::podgc::on_event,
        work: None,
    },
    // persistentvolume-binder
    Component {
        on_event: controllers::volume::on_event,
        work: Some(controllers::volume::work),
    },
    // endpointslice-controller
    Component {
        on_event: |world, event| {
            controllers::endpointslice::on_event(world, event);
            Ok(())
        },
        work: Some(controllers::endpointslice::work),
    },
    // endpoints-controller
    Component {
        on_event: controllers::endpoint::on_event,
        work: Some(controllers::endpoint::work),
    },
    // endpointslice-mirroring-controller
    Component {
        on_event: controllers::endpointslicemirroring::on_event,
        work: Some(controllers::endpointslicemirroring::work),
    },
    // garbage-collector-controller
    Component {
        on_event: controllers::garbage_collector::on_event,
        work: None,
    },
    // disruption-controller
    Component {
        on_event: |world, event| {
            controllers::disruption::on_event(world, event);
            Ok(())
        },
        work: Some(controllers::disruption::work),
    },
    // node-lifecycle-controller
    Component {
        on_event: controllers::node_lifecycle::on_event,
        work: Some(controllers::node_lifecycle::work),
    },
    // serviceaccount-controller
    Component {
        on_event: |world, event| {
            controllers::serviceaccounts::on_event(world, event);
            Ok(())
        },
        work: Some(controllers::serviceaccounts::work),
    },
    // root-ca-cert-publisher
    Component {
        on_event: |world, event| {
            controllers::root_ca_cert_publisher::on_event(world, event);
            Ok(())
        },
        work: Some(controllers::root_ca_cert_publisher::work),
    },
    // taint-eviction-controller
    Component {
        on_event: |world, event| {
            controllers::taint_eviction::on_event(world, event);
            Ok(())
        },
        work: None,
    },
];
