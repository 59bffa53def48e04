//! Running one scenario: a fresh World, the file's `setup`, then the scenario's
//! statements, each followed by `settle` (docs/language.md execution model).
//!
//! This file has the scenario's driver (`Runner`: statements, failures, the snapshot);
//! `actions.rs` the statements that change the cluster, `expectations.rs` the
//! statements that read it (`expect`, `await`, queries and values).

mod actions;
mod expectations;

use actions::ActionError;

use std::collections::BTreeMap;

use super::answer::Answer;
use super::load::LoadedFile;
use super::outcome::{Failure, ScenarioResult, Status};
use super::query::QueryError;
use crate::lang::ast::{AwaitCond, ClusterConfig, CompareOp, Expectation, Name, Stmt, StmtKind};
use crate::sim::api::defaults::FeatureGates;
use crate::sim::clock::Millis;
use crate::sim::{clock_fmt, Config, Mutant, SimError, World};

/// The default limit of `await` (docs/language.md).
pub const DEFAULT_AWAIT: Millis = Millis::secs(10 * 60);

pub(crate) fn sim_config(cluster: &ClusterConfig) -> Result<Config, String> {
    Ok(Config {
        nodes: cluster.nodes,
        namespace: cluster.namespace.clone(),
        domain: cluster.domain.clone(),
        max_pods: cluster.max_pods,
        // Objects of every kind get a budget too: ten times the pods, at least 1,000.
        max_objects: cluster.max_pods.saturating_mul(10).max(1_000),
        max_time_ms: Millis::ms(cluster.max_time_ms),
        max_events: cluster.max_events,
        gates: FeatureGates::from_names(&cluster.feature_gates)?,
        zones: cluster.zones.clone(),
        capacity: {
            let defaults = crate::sim::nodes::Capacity::default();
            let c = &cluster.node_capacity;
            crate::sim::nodes::Capacity {
                cpu: c.cpu.clone().unwrap_or(defaults.cpu),
                memory: c.memory.clone().unwrap_or(defaults.memory),
                pods: c.pods.unwrap_or(defaults.pods),
            }
        },
        extra_nodes: cluster
            .node_decls
            .iter()
            .map(|(name, options)| (name.clone(), node_options(options)))
            .collect(),
        ..Config::default()
    })
}

/// Whether a file can see what the Endpoints controller writes: it names the kind (a
/// query, table, `delete` or `patch` of `endpoints`/`ep`) or applies an Endpoints object
/// (which the controller would overwrite). Other files run without that controller, which
/// adds an Endpoints write (a resourceVersion) per change of a Service's pod and about
/// three quarters to the CPU of a Service shape (docs/language.md "Endpoints").
fn observes_endpoints(file: &LoadedFile) -> bool {
    let mentions = |text: &str| {
        let lower = text.to_ascii_lowercase();
        let bytes = lower.as_bytes();
        let word = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        ["endpoints", "ep"].iter().any(|needle| {
            lower.match_indices(needle).any(|(at, _)| {
                let end = at + needle.len();
                (at == 0 || !word(bytes[at - 1])) && bytes.get(end).is_none_or(|c| !word(*c))
            })
        })
    };
    let applies_one = |docs: &[super::load::Document]| {
        docs.iter()
            .any(|d| d.value.get("kind").and_then(|k| k.as_str()) == Some("Endpoints"))
    };
    mentions(&file.source)
        || file.manifests.values().any(|d| applies_one(d))
        || file.inline.values().any(|d| applies_one(d))
        || file.submission.as_ref().is_some_and(|s| {
            s.files
                .values()
                .any(|d| d.as_ref().is_ok_and(|d| applies_one(d)))
        })
}

/// A node shape of the language as the simulation takes it.
pub(crate) fn node_options(
    options: &crate::lang::ast::NodeOptions,
) -> crate::sim::nodes::NodeOptions {
    crate::sim::nodes::NodeOptions {
        zone: options.zone.clone(),
        cpu: options.cpu.clone(),
        memory: options.memory.clone(),
        pods: options.pods,
        labels: options.labels.clone(),
        taints: options
            .taints
            .iter()
            .map(|(key, value, effect)| crate::sim::nodes::TaintSpec {
                key: key.clone(),
                value: value.clone(),
                effect: effect.clone(),
            })
            .collect(),
    }
}

/// Watches a scenario run statement by statement (`scn trace`). Every method defaults to
/// doing nothing.
pub trait Observer {
    /// The World was created, before `setup` runs.
    fn started(&mut self, _world: &mut World) {}
    /// A statement (of `setup` or the body) is about to run.
    fn before(&mut self, _world: &World, _stmt: &Stmt) {}
    /// A statement ran. `refusal` is the cluster's refusal of an action, whether
    /// `fails with` expected it or not; `failure` is the statement's failure.
    fn after(
        &mut self,
        _world: &World,
        _stmt: &Stmt,
        _refusal: Option<&str>,
        _failure: Option<&Failure>,
    ) {
    }
}

struct Unobserved;
impl Observer for Unobserved {}

/// Runs scenario `index` of `file`.
pub fn run_scenario(file: &LoadedFile, index: usize) -> ScenarioResult {
    run_scenario_observed(file, index, &mut Unobserved)
}

/// Runs scenario `index` of `file` with `mutant` switched on (`scn mutants`, `--mutant`).
pub fn run_scenario_mutant(
    file: &LoadedFile,
    index: usize,
    mutant: Option<Mutant>,
) -> ScenarioResult {
    run_scenario_in(file, index, mutant, &mut Unobserved)
}

/// Runs scenario `index` of `file`, telling `observer` about each statement.
pub fn run_scenario_observed(
    file: &LoadedFile,
    index: usize,
    observer: &mut dyn Observer,
) -> ScenarioResult {
    run_scenario_in(file, index, None, observer)
}

fn run_scenario_in(
    file: &LoadedFile,
    index: usize,
    mutant: Option<Mutant>,
    observer: &mut dyn Observer,
) -> ScenarioResult {
    let started = std::time::Instant::now();
    let scenario = &file.ast.scenarios[index];
    let status = match Runner::new(file, mutant) {
        Ok(mut runner) => {
            observer.started(&mut runner.world);
            runner.run(&scenario.body, observer)
        }
        Err(message) => Status::Failed(Box::new(Failure {
            span: scenario.span,
            statement: first_line(&file.source, scenario.span),
            message,
            expected: None,
            actual: None,
            at: "0s".into(),
            snapshot: String::new(),
            bless: None,
            notes: Vec::new(),
        })),
    };
    ScenarioResult {
        title: scenario.title.clone(),
        tags: scenario.tags.clone(),
        status,
        duration_ms: started.elapsed().as_millis(),
    }
}

pub(crate) fn first_line(source: &str, span: crate::lang::ast::Span) -> String {
    let end = span.end.min(source.len());
    let start = span.start.min(end);
    source[start..end]
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

struct Runner<'f> {
    file: &'f LoadedFile,
    world: World,
    vars: BTreeMap<String, Answer>,
    mark: usize,
    /// Warnings of the last cluster-changing statement, gathered before the cluster reacts.
    warnings: Vec<String>,
    /// The cluster's refusal of the last action, for an [`Observer`].
    refusal: Option<String>,
    /// Where the documents the last `apply` had refused start (`manifests/web.yaml:17`).
    refused_documents: Vec<String>,
    /// The lines kubectl printed for the last action (`output`).
    output: Vec<String>,
    /// scn's notes on the last action (what a misspelt field probably meant), for the
    /// report: kubectl prints nothing of them.
    action_notes: Vec<String>,
    /// The fields the scenario's applies used that scn does not simulate, for the report.
    unsimulated_notes: Vec<String>,
}

type Step = Result<(), Box<Failure>>;

impl<'f> Runner<'f> {
    fn new(file: &'f LoadedFile, mutant: Option<Mutant>) -> Result<Runner<'f>, String> {
        let mut config = sim_config(&file.ast.cluster)?;
        config.mutant = mutant;
        config.endpoints_controller = observes_endpoints(file);
        let world = World::new(config).map_err(|e| crate::runner::limits::message(&e))?;
        Ok(Runner {
            file,
            world,
            vars: BTreeMap::new(),
            mark: 0,
            warnings: Vec::new(),
            refusal: None,
            refused_documents: Vec::new(),
            output: Vec::new(),
            action_notes: Vec::new(),
            unsimulated_notes: Vec::new(),
        })
    }

    fn run(&mut self, body: &[Stmt], observer: &mut dyn Observer) -> Status {
        let file = self.file;
        for stmt in file.ast.setup.iter().chain(body) {
            observer.before(&self.world, stmt);
            self.refusal = None;
            let result = self.statement(stmt);
            let failure = result.as_ref().err().map(|f| &**f);
            observer.after(&self.world, stmt, self.refusal.as_deref(), failure);
            if let Err(mut failure) = result {
                // scn's own notes go to the report, after the failure's.
                failure.notes.extend(self.action_notes.iter().cloned());
                failure.notes.extend(self.unsimulated_notes.iter().cloned());
                return Status::Failed(failure);
            }
        }
        Status::Passed
    }

    fn fail(&self, stmt: &Stmt, message: impl Into<String>) -> Box<Failure> {
        Box::new(Failure {
            span: stmt.span,
            statement: first_line(&self.file.source, stmt.span),
            message: message.into(),
            expected: None,
            actual: None,
            at: clock_fmt(self.world.now),
            snapshot: self.snapshot(),
            bless: None,
            notes: Vec::new(),
        })
    }

    fn fail_diff(
        &self,
        stmt: &Stmt,
        message: impl Into<String>,
        expected: String,
        actual: String,
    ) -> Box<Failure> {
        let mut failure = self.fail(stmt, message);
        // `contains` compares an element with a list on purpose: no list-vs-value note.
        let contains = matches!(
            &stmt.kind,
            StmtKind::Expect {
                expectation: Expectation::Compare {
                    op: CompareOp::Contains,
                    ..
                },
                ..
            } | StmtKind::Await {
                cond: AwaitCond::Expectation(Expectation::Compare {
                    op: CompareOp::Contains,
                    ..
                }),
                ..
            }
        );
        if !contains {
            failure.notes = super::notes::for_values(&expected, &actual);
        }
        // Pods named on either side: `expect created == [web-0]` against `[]` is explained
        // by the FailedCreate event of web-0's StatefulSet.
        failure.notes.extend(super::notes::for_waiting_pods(
            &self.world,
            &format!("{expected}\n{actual}"),
        ));
        failure.expected = Some(expected);
        failure.actual = Some(actual);
        failure
    }

    fn snapshot(&self) -> String {
        let pods: Vec<&k8s_openapi::api::core::v1::Pod> =
            self.world.store.pods().values().collect();
        if pods.is_empty() {
            return "No resources found in default namespace.\n"
                .replace("default", &self.world.config.namespace);
        }
        let table =
            crate::kubectl::printers::pods(&pods, crate::sim::clock::to_time(self.world.now))
                .render();
        // A runaway scenario may have 100,000 pods: the report shows the first ones.
        const SHOWN: usize = 50;
        if pods.len() <= SHOWN {
            return table;
        }
        let mut out: String = table.split_inclusive('\n').take(SHOWN + 1).collect();
        out.push_str(&format!("... and {} more pods\n", pods.len() - SHOWN));
        out
    }

    fn sim_failure(&self, stmt: &Stmt, e: SimError) -> Box<Failure> {
        self.fail(stmt, crate::runner::limits::message(&e))
    }

    fn settle(&mut self, stmt: &Stmt) -> Step {
        self.world.settle().map_err(|e| self.sim_failure(stmt, e))
    }

    fn statement(&mut self, stmt: &Stmt) -> Step {
        if stmt.kind.is_cluster_changing() {
            self.mark = self.world.pod_log.len();
            self.warnings.clear();
            self.action_notes.clear();
        }
        let result = match &stmt.kind {
            StmtKind::Wait { duration_ms } => {
                let until = self.world.now + Millis::ms(*duration_ms);
                return self
                    .world
                    .advance_to(until)
                    .map_err(|e| self.sim_failure(stmt, e));
            }
            StmtKind::Let { name, value } => {
                let answer = self.value(value).map_err(|e| self.fail(stmt, e.0))?;
                self.vars.insert(name.clone(), answer);
                return Ok(());
            }
            StmtKind::Expect {
                expectation,
                throughout_ms,
            } => return self.expect(stmt, expectation, throughout_ms.map(Millis::ms)),
            StmtKind::Await { cond, within_ms } => {
                return self.await_(stmt, cond, within_ms.map_or(DEFAULT_AWAIT, Millis::ms))
            }
            _ => {
                self.output.clear();
                self.action(stmt)
            }
        };
        let result = match result {
            Ok(()) => Ok(()),
            Err(ActionError::Refused(message)) => {
                self.refusal = Some(message.clone());
                Err(message)
            }
            Err(ActionError::Sim(e)) => return Err(self.sim_failure(stmt, e)),
            Err(ActionError::Query(message)) => return Err(self.fail(stmt, message)),
        };
        self.settle(stmt)?;
        match (&stmt.fails_with, result) {
            (None, Ok(())) => Ok(()),
            (None, Err(message)) => {
                let mut failure =
                    self.fail(stmt, format!("the cluster refused the action:\n{message}"));
                failure.notes = self
                    .refused_documents
                    .iter()
                    .map(|at| format!("the refused document starts at {at}"))
                    .chain(crate::runner::notes::for_refusal(&message))
                    .collect();
                Err(failure)
            }
            (Some(text), Ok(())) => Err(self.fail(
                stmt,
                format!("expected the action to be refused with an error containing \"{text}\", but it succeeded"),
            )),
            (Some(text), Err(message)) => {
                if message.contains(text.as_str()) {
                    Ok(())
                } else {
                    Err(self.fail_diff(
                        stmt,
                        "the action was refused, but the error does not contain the expected text",
                        format!("{text}\n"),
                        format!("{message}\n"),
                    ))
                }
            }
        }
    }

    fn name(&self, name: &Name) -> Result<String, QueryError> {
        match name {
            Name::Literal(s) => Ok(s.clone()),
            Name::Var(v) => match self.vars.get(v) {
                Some(Answer::Text(t)) => Ok(t.clone()),
                Some(other) => Err(QueryError(format!("${v} holds {other}, not a name"))),
                None => Err(QueryError(format!("${v} is not bound"))),
            },
        }
    }
}

#[cfg(test)]
mod endpoints_switch_tests {
    use super::observes_endpoints;
    use crate::runner::load::load_source;
    use std::path::Path;

    fn observes(source: &str) -> bool {
        let file = load_source(Path::new("t.scn"), "t.scn", source.to_string())
            .unwrap_or_else(|_| panic!("the test file loads:\n{source}"));
        observes_endpoints(&file)
    }

    #[test]
    fn the_endpoints_controller_runs_only_for_files_that_can_see_an_endpoints() {
        // EndpointSlices, a pod named `ep-1` or `endpoints-x`, or "step" are not the kind.
        assert!(!observes(
            "scenario \"s\" {\n  expect endpointslices {\n    NAME\n  }\n  expect pod/ep-1.metadata.name == absent\n  wait 1s\n}\n"
        ));
        assert!(observes(
            "scenario \"s\" {\n  expect endpoints/kubernetes.subsets[0].ports[0].port == 6443\n}\n"
        ));
        assert!(observes(
            "scenario \"s\" {\n  expect ep {\n    NAME\n  }\n}\n"
        ));
        // An applied Endpoints, whose Service's controller would overwrite it.
        assert!(observes(
            "scenario \"s\" {\n  apply \"\"\"\n    apiVersion: v1\n    kind: Endpoints\n    metadata: {name: x}\n  \"\"\"\n}\n"
        ));
    }
}
