//! The World: every piece of simulation state, and the driver that moves it.
//!
//! Mirrors how a cluster is built: the API server (`server/`) stores objects and emits
//! watch events; controllers, the scheduler and the kubelet react to those events and to
//! timers. `settle` runs everything due at the current instant until nothing more happens;
//! `step` moves the clock to the next timer.

use super::api::defaults::FeatureGates;
use super::clock::{Millis, Timers};
use super::error::{Limit, SimError};
use super::events::EventLog;
use super::kinds::ObjectKind;
use super::kubelet::Kubelet;
use super::scheduler::Scheduler;
use super::server::store::Store;
use super::workqueue::RateLimitingQueue;

/// The cluster's shape and the limits that stop runaway work.
#[derive(Clone, Debug)]
pub struct Config {
    pub nodes: u32,
    pub namespace: String,
    pub domain: String,
    pub max_pods: u64,
    /// Objects of any kind created through the API server (Services, claims, volumes,
    /// revisions, pods applied by hand…), so that no kind grows without a budget.
    pub max_objects: u64,
    pub max_time_ms: Millis,
    pub max_events: u64,
    pub gates: FeatureGates,
    /// The zones node-1..node-N take in turn.
    pub zones: Vec<String>,
    /// Every node's allocatable unless its options say otherwise.
    pub capacity: super::nodes::Capacity,
    /// Named nodes after node-1..node-N, each with its own options.
    pub extra_nodes: Vec<(String, super::nodes::NodeOptions)>,
    /// The seeded bug switched on for this run, if any (`mutants.rs`).
    pub mutant: Option<super::mutants::Mutant>,
    /// Whether the Endpoints controller runs (on by default, as in kube-controller-manager).
    /// It rewrites a Service's whole Endpoints at each change of one of its pods, O(pods)
    /// each time, and no other component reads what it writes: a caller that will never
    /// look at an Endpoints object may turn it off.
    pub endpoints_controller: bool,
}

impl Config {
    /// Every node the cluster starts with, in creation order.
    pub fn node_shapes(&self) -> Vec<super::nodes::NodeShape> {
        let mut shapes: Vec<super::nodes::NodeShape> = (1..=self.nodes)
            .map(|n| {
                let options = super::nodes::NodeOptions {
                    zone: (!self.zones.is_empty())
                        .then(|| self.zones[(n as usize - 1) % self.zones.len()].clone()),
                    ..Default::default()
                };
                super::nodes::NodeShape::new(&format!("node-{n}"), &options, &self.capacity)
            })
            .collect();
        for (name, options) in &self.extra_nodes {
            let shape = super::nodes::NodeShape::new(name, options, &self.capacity);
            // `node node-2 …` reshapes node-2 in place; a new name joins at the end.
            match shapes.iter_mut().find(|s| &s.name == name) {
                Some(existing) => *existing = shape,
                None => shapes.push(shape),
            }
        }
        shapes
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            nodes: 3,
            namespace: "default".into(),
            domain: "cluster.local".into(),
            max_pods: 100_000,
            max_objects: 1_000_000,
            max_time_ms: Millis::secs(10_000 * 3_600),
            max_events: 50_000_000,
            gates: FeatureGates::default(),
            zones: Vec::new(),
            capacity: Default::default(),
            extra_nodes: Vec::new(),
            mutant: None,
            endpoints_controller: true,
        }
    }
}

/// What a watcher (an informer) is told about a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Modified,
    Deleted,
}

#[derive(Clone, Debug)]
pub struct WatchEvent {
    pub kind: ObjectKind,
    pub name: String,
    pub change: Change,
    /// The owner's UID for pods, so a deleted pod can still be routed to its set.
    pub owner_uid: Option<String>,
    /// A controller wrote the object's status (the status subresource), or, for a
    /// ControllerRevision, its owning controller wrote it during its sync.
    pub status_only: bool,
    /// For a deletion, the object's last state (as a watch event carries it), so the
    /// components that held it can let it go; `None` for an addition or update, whose
    /// handlers read the newest state from the store (see `server/write.rs`).
    pub object: Option<super::server::store::Object>,
}

impl WatchEvent {
    /// The pod the event carries, if it is about a pod.
    pub fn pod(&self) -> Option<&k8s_openapi::api::core::v1::Pod> {
        self.object.as_ref().and_then(|o| o.pod())
    }
}

/// Work that is due at a later instant.
#[derive(Clone, Debug)]
pub enum Timer {
    /// The kubelet's worker of a pod has something due (a start, an exit, a probe, a back-off,
    /// the end of a termination).
    PodSync { pod: String, uid: String },
    /// A controller asked to look at a StatefulSet again (minReadySeconds, back-off).
    SyncStatefulSet { name: String },
    /// The DaemonSet controller asked to look at a set again (minReadySeconds, back-off).
    SyncDaemonSet { name: String },
    /// The node-monitor grace period of a node that stopped reporting ran out.
    NodeNotReady { node: String, epoch: u64 },
    /// The node lifecycle controller's NoExecute tainting pass: a zone's limiter has its
    /// next token for a queued node.
    NoExecuteTainting,
    /// A node's kubelet syncs its node status (every 10 s; set only when it has news).
    NodeStatusSync { node: String },
    /// The taint manager's scheduled deletion of a pod on a NoExecute-tainted node.
    TaintEviction { pod: String, uid: String },
    /// An entry of a PDB's `disruptedPods` expires: the disruption controller looks again.
    SyncDisruptionBudget { name: String },
    /// A pod's `DisruptionTarget` condition turns stale: the disruption controller looks
    /// again.
    StalePodDisruption { pod: String },
    /// The pod GC's pass that ends the quarantine of a node that does not exist.
    OrphanedPods { node: String },
    /// The pod GC's pass over the terminating pods of an out-of-service node.
    TerminatingPods { node: String },
    /// The pod GC's pass over the terminating pods bound to no node.
    UnscheduledTerminatingPods,
    /// The PV controller's periodic resync of the claims (every 15 s).
    ResyncClaims,
    /// The scheduling queue's `flushUnschedulablePodsLeftover` (every 30 s) that is due to
    /// move a pod unschedulable for over 5 minutes back to be tried.
    FlushUnschedulableLeftover,
    /// The recycler of a volume released by the claim with this UID is done.
    RecycleVolume { name: String, claim_uid: String },
    /// The ephemeral volume controller's retry of a pod whose sync failed is due.
    SyncEphemeralPod { pod: String },
    /// The ReplicaSet controller asked to look at a ReplicaSet again (availability,
    /// back-off).
    SyncReplicaSet { name: String },
    /// The Deployment controller asked to look at a Deployment again (progress deadline,
    /// availability).
    SyncDeployment { name: String },
}

/// A pod creation or a completed pod deletion, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodLifecycle {
    pub at: Millis,
    pub name: String,
    pub created: bool,
}

pub struct World {
    pub config: Config,
    pub now: Millis,
    pub store: Store,
    pub timers: Timers<Timer>,
    /// The StatefulSet controller's queue: a failed sync is retried after 1 s, doubling up
    /// to 60 s.
    pub statefulset_queue: RateLimitingQueue,
    /// The StatefulSet controller's incremental view of each set's pods.
    pub statefulset_index:
        std::collections::BTreeMap<String, super::controllers::statefulset::index::SetIndex>,
    /// The labels of each orphan pod as the StatefulSet controller's pod handler last saw
    /// them (`updatePod` compares an orphan's old and new labels).
    pub statefulset_orphans:
        std::collections::BTreeMap<String, Option<std::collections::BTreeMap<String, String>>>,
    pub daemonset: super::controllers::daemon::DaemonSetController,
    pub deployment: super::controllers::deployment::DeploymentController,
    pub replicaset: super::controllers::replicaset::ReplicaSetController,
    pub scheduler: Scheduler,
    pub kubelet: Kubelet,
    pub node_lifecycle: super::controllers::node_lifecycle::NodeLifecycle,
    pub node_status: super::node_status::NodeStatus,
    pub disruption: super::controllers::disruption::DisruptionController,
    pub endpointslice: super::controllers::endpointslice::EndpointSliceController,
    pub endpoints: super::controllers::endpoint::EndpointsController,
    pub mirroring: super::controllers::endpointslicemirroring::MirroringController,
    pub taint_eviction: super::controllers::taint_eviction::TaintEviction,
    pub podgc: super::controllers::podgc::PodGc,
    pub volume_controller: super::controllers::volume::VolumeController,
    pub garbage_collector: super::controllers::garbage_collector::GarbageCollector,
    pub serviceaccounts: super::controllers::serviceaccounts::ServiceAccountsController,
    pub root_ca_publisher: super::controllers::root_ca_cert_publisher::Publisher,
    /// The resource quota controller's queue.
    pub resource_quota: super::controllers::resourcequota::QuotaController,
    /// The API server's `generateName` suffixes.
    pub names: super::server::names::NameGenerator,
    /// Files written in pods (`write`/`read`).
    pub files: super::volumes::Files,
    pub events: EventLog,
    pub pod_log: Vec<PodLifecycle>,
    /// Events processed so far (timers, watch events, syncs): the event budget.
    pub processed: u64,
    pods_created: u64,
    objects_created: u64,
    /// The `scn trace` timeline; `None` (off) unless `trace::enable` turned it on.
    pub trace: Option<Box<super::trace::Trace>>,
}

impl Config {
    /// Whether a cluster can be built from this configuration (also checked by
    /// [`World::new`]); the reason when not.
    pub fn check(&self) -> Result<(), String> {
        let total = self.node_shapes().len();
        if total == 0 || total > super::nodes::MAX_NODES as usize {
            return Err(format!(
                "a cluster has 1 to 250 nodes (each gets the pod CIDR 10.244.N.0/24); {total} asked",
            ));
        }
        // The one namespace is an object of the API: its name is a DNS-1123 label
        // (apimachinery `ValidateNamespaceName` = `NameIsDNSLabel`), as `kubectl create
        // namespace` is refused with.
        let namespace = super::api::validation::dns1123_label_errors(&self.namespace);
        if !namespace.is_empty() {
            return Err(format!(
                "Namespace \"{0}\" is invalid: metadata.name: Invalid value: \"{0}\": {1}",
                self.namespace,
                namespace.join(", ")
            ));
        }
        // The DNS domain is a DNS-1123 subdomain: kubeadm refuses any other
        // (`ValidateNetworking`: `networking.dnsDomain`, `IsDNS1123Subdomain`).
        let domain = super::api::validation::dns1123_subdomain_errors(&self.domain);
        if !domain.is_empty() {
            return Err(format!(
                "networking.dnsDomain: Invalid value: \"{}\": {}",
                self.domain,
                domain.join(", ")
            ));
        }
        Ok(())
    }
}

impl World {
    pub fn new(config: Config) -> Result<World, SimError> {
        config.check().map_err(SimError::Config)?;
        let mut world = World {
            now: super::clock::ZERO,
            store: Store::default(),
            timers: Timers::default(),
            statefulset_queue: RateLimitingQueue::for_failed_actions(),
            statefulset_index: Default::default(),
            statefulset_orphans: Default::default(),
            daemonset: Default::default(),
            deployment: Default::default(),
            replicaset: Default::default(),
            scheduler: Scheduler::default(),
            kubelet: Kubelet::default(),
            node_lifecycle: Default::default(),
            node_status: Default::default(),
            disruption: Default::default(),
            endpointslice: Default::default(),
            endpoints: Default::default(),
            mirroring: Default::default(),
            taint_eviction: Default::default(),
            podgc: Default::default(),
            volume_controller: Default::default(),
            garbage_collector: Default::default(),
            serviceaccounts: Default::default(),
            root_ca_publisher: Default::default(),
            resource_quota: Default::default(),
            names: Default::default(),
            files: Default::default(),
            events: EventLog::default(),
            pod_log: Vec::new(),
            processed: 0,
            pods_created: 0,
            objects_created: 0,
            trace: None,
            config,
        };
        super::bootstrap::bootstrap(&mut world);
        world.settle()?;
        Ok(world)
    }

    /// Counts one unit of work against the event budget.
    pub fn spend(&mut self) -> Result<(), SimError> {
        self.processed += 1;
        if self.processed > self.config.max_events {
            return Err(SimError::limit(Limit::Events, self.config.max_events));
        }
        Ok(())
    }

    /// Counts an object created through the API server against `max_objects`.
    pub fn count_object_creation(&mut self) -> Result<(), SimError> {
        self.objects_created += 1;
        if self.objects_created > self.config.max_objects {
            return Err(SimError::limit(Limit::Objects, self.config.max_objects));
        }
        Ok(())
    }

    /// Counts a pod creation against `max_pods`.
    pub fn count_pod_creation(&mut self) -> Result<(), SimError> {
        self.pods_created += 1;
        if self.pods_created > self.config.max_pods {
            return Err(SimError::limit(Limit::Pods, self.config.max_pods));
        }
        Ok(())
    }

    /// Runs everything due at the current instant until nothing more happens.
    ///
    /// Timers due now fire first, all of them, before anyone reacts: what happens at one
    /// instant is seen together, so the controller creates the pods that left at this
    /// instant in ascending ordinal order (docs/language.md execution model).
    pub fn settle(&mut self) -> Result<(), SimError> {
        loop {
            if let Some(timer) = self.timers.pop_due(self.now) {
                self.spend()?;
                self.fire(timer)?;
                continue;
            }
            if let Some(event) = self.store.pop_watch_event() {
                self.spend()?;
                self.dispatch(event)?;
                continue;
            }
            if self.work_one()? {
                continue;
            }
            return Ok(());
        }
    }

    /// Moves the clock to the next timer and settles there. Returns false when no timer
    /// is left (the cluster is quiet).
    pub fn step(&mut self) -> Result<bool, SimError> {
        self.settle()?;
        match self.timers.next_time() {
            Some(at) => {
                self.set_clock(at.max(self.now))?;
                self.settle()?;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The instant of the next timer, if any.
    pub fn next_event_time(&self) -> Option<Millis> {
        self.timers.next_time()
    }

    /// Advances the clock to `until`, settling at every instant on the way.
    pub fn advance_to(&mut self, until: Millis) -> Result<(), SimError> {
        self.settle()?;
        while let Some(at) = self.timers.next_time() {
            if at > until {
                break;
            }
            self.set_clock(at.max(self.now))?;
            self.settle()?;
        }
        self.set_clock(until.max(self.now))?;
        self.settle()
    }

    pub fn set_clock(&mut self, at: Millis) -> Result<(), SimError> {
        if at > self.config.max_time_ms {
            return Err(SimError::limit(
                Limit::Time,
                self.config.max_time_ms.as_ms(),
            ));
        }
        self.now = at;
        Ok(())
    }

    /// Informers: every registered component hears the change, in registration order
    /// (`components.rs`).
    fn dispatch(&mut self, event: WatchEvent) -> Result<(), SimError> {
        for component in super::components::COMPONENTS {
            (component.on_event)(self, &event)?;
        }
        Ok(())
    }

    /// The first component (in registration order) with queued work processes one key.
    fn work_one(&mut self) -> Result<bool, SimError> {
        for component in super::components::COMPONENTS {
            if let Some(work) = component.work {
                if work(self)? {
                    self.spend()?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn fire(&mut self, timer: Timer) -> Result<(), SimError> {
        match timer {
            Timer::SyncStatefulSet { name } => {
                self.statefulset_queue.fire(&name, self.now);
                Ok(())
            }
            Timer::SyncDaemonSet { name } => {
                super::controllers::daemon::fire(self, &name);
                Ok(())
            }
            Timer::SyncDisruptionBudget { name } => {
                self.disruption.queue.add(&name);
                Ok(())
            }
            Timer::StalePodDisruption { pod } => {
                super::controllers::disruption::fire_stale(self, &pod);
                Ok(())
            }
            Timer::TaintEviction { pod, uid } => {
                super::controllers::taint_eviction::fire(self, &pod, &uid);
                Ok(())
            }
            Timer::OrphanedPods { node } => {
                super::controllers::podgc::gc_orphaned(self, &node);
                Ok(())
            }
            Timer::TerminatingPods { node } => {
                super::controllers::podgc::gc_terminating(self, &node);
                Ok(())
            }
            Timer::NoExecuteTainting => {
                super::controllers::node_lifecycle::no_execute_tainting_pass(self);
                Ok(())
            }
            Timer::UnscheduledTerminatingPods => {
                super::controllers::podgc::gc_unscheduled_terminating(self);
                Ok(())
            }
            Timer::NodeStatusSync { node } => {
                super::node_status::sync(self, &node);
                Ok(())
            }
            Timer::ResyncClaims => {
                super::controllers::volume::resync(self)?;
                Ok(())
            }
            Timer::FlushUnschedulableLeftover => {
                super::scheduler::flush_leftover(self);
                Ok(())
            }
            Timer::RecycleVolume { name, claim_uid } => {
                super::controllers::volume::recycle(self, &name, &claim_uid);
                Ok(())
            }
            Timer::SyncEphemeralPod { pod } => {
                super::controllers::volume::fire_ephemeral_retry(self, &pod);
                Ok(())
            }
            Timer::SyncReplicaSet { name } => {
                super::controllers::replicaset::fire(self, &name);
                Ok(())
            }
            Timer::SyncDeployment { name } => {
                super::controllers::deployment::fire(self, &name);
                Ok(())
            }
            other => super::kubelet::on_timer(self, other),
        }
    }
}
