//! The syntax tree of a `.scn` file: what the parser produces and the runner executes.
//!
//! Architecture invariant: this module knows nothing about the simulation. Kinds and
//! queries are names here; the runner gives them meaning.

use std::fmt;

/// A region of the source file. `line` and `col` are 1-based and point at `start`;
/// `col` counts characters (not bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub col: u32,
}

/// One parsed `.scn` file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub cluster: ClusterConfig,
    pub setup: Vec<Stmt>,
    pub scenarios: Vec<Scenario>,
}

/// The `cluster { }` block, with docs/language.md's defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterConfig {
    pub nodes: u32,
    pub namespace: String,
    pub domain: String,
    pub max_pods: u64,
    /// Milliseconds of virtual time.
    pub max_time_ms: u64,
    pub max_events: u64,
    pub feature_gates: Vec<String>,
    /// `nodes N zones(a, b, c)`: the zones node-1..node-N take in turn.
    pub zones: Vec<String>,
    /// `node-capacity cpu=… memory=… pods=…` (only those three options).
    pub node_capacity: NodeOptions,
    /// `node NAME …`, in file order.
    pub node_decls: Vec<(String, NodeOptions)>,
}

/// The options of `node NAME …`, `node-capacity …` and `add node/NAME …`; unset ones are
/// `None` (or empty) and take the cluster's defaults.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeOptions {
    pub zone: Option<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub pods: Option<u32>,
    pub labels: Vec<(String, String)>,
    /// (key, value, effect)
    pub taints: Vec<(String, Option<String>, String)>,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            nodes: 3,
            namespace: "default".into(),
            domain: "cluster.local".into(),
            max_pods: 100_000,
            max_time_ms: 10_000 * 3_600_000,
            max_events: 50_000_000,
            feature_gates: Vec::new(),
            zones: Vec::new(),
            node_capacity: NodeOptions::default(),
            node_decls: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub title: String,
    pub tags: Vec<String>,
    pub body: Vec<Stmt>,
    /// The span of the `scenario "title"` header.
    pub span: Span,
}

/// One statement. `fails_with` is set when the action ends in `fails with "text"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub fails_with: Option<String>,
    /// The whole statement, from its first keyword to its end (blocks included).
    pub span: Span,
}

/// Text from a string or a `"""` block. For a block, `origin` tells where line 1, column 1
/// of `text` sits in the `.scn` file, and `indent` how many columns of common indentation
/// were removed, so an error at (line, col) of `text` is at
/// (origin.line + line - 1, indent + col) of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub text: String,
    pub origin: Span,
    pub indent: u32,
    pub verbatim: bool,
}

/// kubectl patch's `--subresource`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subresource {
    /// `status`: the object's status, through its status strategy.
    Status,
    /// `scale`: the autoscaling/v1 Scale of a StatefulSet, Deployment or ReplicaSet.
    Scale,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Apply(ApplySource),
    Scale {
        target: Ref,
        replicas: i64,
    },
    /// `set image statefulset/web nginx=nginx:1.10 sidecar=busybox`
    SetImage {
        target: Ref,
        images: Vec<(String, String)>,
    },
    Patch {
        target: Ref,
        patch_type: PatchType,
        body: Text,
        /// `subresource=status|scale`: the patch goes to the object's status, or to its
        /// Scale (`kubectl patch --subresource=…`).
        subresource: Option<Subresource>,
    },
    Delete {
        targets: Vec<Ref>,
        cascade: Option<Cascade>,
        force: bool,
        /// `grace-period=N`: kubectl's `--grace-period=N`.
        grace_period: Option<i64>,
    },
    RolloutUndo {
        target: Ref,
        to_revision: Option<i64>,
    },
    RolloutRestart {
        target: Ref,
    },
    Write {
        target: Ref,
        path: String,
        content: String,
    },
    Let {
        name: String,
        value: Value,
    },
    /// `make pod/web-1 unready`, `make node/node-2 down`, `make image "x" unpullable`.
    Make {
        target: FaultTarget,
        fault: Fault,
    },
    Evict {
        target: Ref,
    },
    /// `cordon node/node-2`
    Cordon {
        target: Ref,
    },
    /// `uncordon node/node-2`
    Uncordon {
        target: Ref,
    },
    /// `drain node/node-2 [timeout=2m] [force]`
    Drain {
        target: Ref,
        /// `timeout=D`; `None` is the default limit (10m, as `await`).
        timeout_ms: Option<u64>,
        force: bool,
    },
    Wait {
        duration_ms: u64,
    },
    /// `add node/node-4 zone=b cpu=8`: a node joins the cluster.
    AddNode {
        target: Ref,
        options: NodeOptions,
    },
    Await {
        cond: AwaitCond,
        within_ms: Option<u64>,
    },
    Expect {
        expectation: Expectation,
        throughout_ms: Option<u64>,
    },
}

impl StmtKind {
    /// Cluster-changing statements reset what `created` and `deleted` report.
    pub fn is_cluster_changing(&self) -> bool {
        matches!(
            self,
            StmtKind::Apply(_)
                | StmtKind::Scale { .. }
                | StmtKind::SetImage { .. }
                | StmtKind::Patch { .. }
                | StmtKind::Delete { .. }
                | StmtKind::RolloutUndo { .. }
                | StmtKind::RolloutRestart { .. }
                | StmtKind::Make { .. }
                | StmtKind::Evict { .. }
                | StmtKind::Cordon { .. }
                | StmtKind::Uncordon { .. }
                | StmtKind::Drain { .. }
                | StmtKind::AddNode { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ApplySource {
    /// A path relative to the `.scn` file, as written.
    File {
        path: String,
        span: Span,
    },
    Inline(Text),
    /// `apply submission "kv.yaml"`: a file of the submission being graded (`scn grade`),
    /// relative to the submission folder and never outside it.
    Submission {
        path: String,
        span: Span,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatchType {
    Strategic,
    Merge,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cascade {
    Background,
    Orphan,
    Foreground,
    /// kubectl's deprecated boolean `--cascade=false` (orphan) or `--cascade=true`
    /// (background), as written, for kubectl's warning.
    Boolean {
        value: bool,
        written: &'static str,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultTarget {
    Object(Ref),
    Image { image: String, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Unready,
    Ready,
    Down,
    Up,
    Unpullable,
    /// `make pod/x evicted`: node-pressure eviction by the kubelet.
    Evicted,
    /// `make pod/x unhealthy`: its liveness probes fail.
    Unhealthy,
    /// `make pod/x healthy`.
    Healthy,
    /// `make pod/x crash`: its containers exit with code 1, once.
    Crash,
    /// `make image "x" crashing [exit=N] [after=D]` (defaults: exit 1, after 1 s).
    Crashing {
        exit: i32,
        after_ms: u64,
    },
    /// `make image "x" healthy`.
    ImageHealthy,
    /// `make image "x" slow-to-stop D`.
    SlowToStop {
        ms: u64,
    },
    /// `make image "x" slow-to-pull D`.
    SlowToPull {
        ms: u64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum AwaitCond {
    Ready(Ref),
    Deleted(Ref),
    Expectation(Expectation),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expectation {
    Compare {
        lhs: Query,
        op: CompareOp,
        rhs: Value,
        span: Span,
        /// The right-hand side value as written (what `scn run --bless` rewrites).
        rhs_span: Span,
    },
    Table(Table),
    Matches {
        target: Ref,
        document: Text,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Contains,
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Contains => "contains",
        })
    }
}

/// `expect pods { ... }`: a header and rows as `kubectl get` prints them.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub kind: Kind,
    pub columns: Vec<Spanned<String>>,
    pub rows: Vec<TableRow>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableRow {
    pub cells: Vec<Spanned<Cell>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Any,
    Text(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// A `kind/name` reference. `kind` is canonical whatever alias was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ref {
    pub kind: Kind,
    pub name: Name,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Name {
    Literal(String),
    Var(String),
}

/// The kinds a reference or a table may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    StatefulSet,
    Pod,
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    Service,
    Node,
    ControllerRevision,
    EndpointSlice,
    DaemonSet,
    ConfigMap,
    Secret,
    Deployment,
    ReplicaSet,
    PodDisruptionBudget,
    PriorityClass,
    Endpoints,
    ResourceQuota,
    LimitRange,
    HorizontalPodAutoscaler,
    RuntimeClass,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Query {
    /// `pods`: every pod in the namespace.
    Pods,
    Created,
    Deleted,
    Warnings,
    /// `output`: the lines kubectl would print for the last action.
    Output,
    /// `name(args)`: pods(statefulset/web), ip(pod/web-0), dns("web-0.nginx"), ...
    Call {
        function: Function,
        args: Vec<Value>,
        span: Span,
    },
    /// `statefulset/web.status.readyReplicas`
    Field {
        target: Ref,
        path: Vec<PathSegment>,
    },
}

/// The query functions of docs/language.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Pods,
    Ip,
    Hostname,
    Node,
    Image,
    Images,
    Dns,
    Srv,
    Ptr,
    Claim,
    Volume,
    Read,
    Events,
    Rollout,
    Revisions,
    /// `restarts(pod/x)`: kubectl's RESTARTS count.
    Restarts,
    /// `zone(pod/x)`, `zones(statefulset/x)`, `nodes(statefulset/x)`.
    Zone,
    Zones,
    Nodes,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PathSegment {
    Field(String),
    Key(String),
    Index(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A bare word, string, block or integer, as text. The lone `-` is `Literal("-")`.
    Literal(String),
    List(Vec<Value>),
    Absent,
    NxDomain,
    Var(String),
    Query(Box<Query>),
}
