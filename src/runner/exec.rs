//! Running one scenario: a fresh World, the file's `setup`, then the scenario's
//! statements, each followed by `settle` (docs/language.md execution model).

use std::collections::BTreeMap;

use super::answer::{self, Answer};
use super::exec_check::Check;
use super::load::LoadedFile;
use super::outcome::{Failure, ScenarioResult, Status};
use super::query::{self, object_kind, Context, QueryError};
use crate::kubectl::{client, drain};
use crate::lang::ast::{
    ApplySource, AwaitCond, Cascade, ClusterConfig, CompareOp, Expectation, Fault, FaultTarget,
    Name, PatchType, Ref, Stmt, StmtKind,
};
use crate::sim::api::defaults::FeatureGates;
use crate::sim::clock::{self, Millis};
use crate::sim::faults;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, Propagation, RequestError};
use crate::sim::{clock_fmt, Config, Mutant, SimError, World};

/// The default limit of `await` (docs/language.md).
pub const DEFAULT_AWAIT: Millis = 10 * 60 * 1000;

pub(crate) fn sim_config(cluster: &ClusterConfig) -> Result<Config, String> {
    Ok(Config {
        nodes: cluster.nodes,
        namespace: cluster.namespace.clone(),
        domain: cluster.domain.clone(),
        max_pods: cluster.max_pods,
        // Objects of every kind get a budget too: ten times the pods, at least 1,000.
        max_objects: cluster.max_pods.saturating_mul(10).max(1_000),
        max_time_ms: cluster.max_time_ms,
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
}

type Step = Result<(), Box<Failure>>;

impl<'f> Runner<'f> {
    fn new(file: &'f LoadedFile, mutant: Option<Mutant>) -> Result<Runner<'f>, String> {
        let mut config = sim_config(&file.ast.cluster)?;
        config.mutant = mutant;
        let world = World::new(config).map_err(|e| super::limits::message(&e))?;
        Ok(Runner {
            file,
            world,
            vars: BTreeMap::new(),
            mark: 0,
            warnings: Vec::new(),
            refusal: None,
            refused_documents: Vec::new(),
            output: Vec::new(),
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
            if let Err(failure) = result {
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
        let pods: Vec<&k8s_openapi::api::core::v1::Pod> = self.world.store.pods.values().collect();
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
        self.fail(stmt, super::limits::message(&e))
    }

    fn settle(&mut self, stmt: &Stmt) -> Step {
        self.world.settle().map_err(|e| self.sim_failure(stmt, e))
    }

    fn statement(&mut self, stmt: &Stmt) -> Step {
        if stmt.kind.is_cluster_changing() {
            self.mark = self.world.pod_log.len();
            self.warnings.clear();
        }
        let result = match &stmt.kind {
            StmtKind::Wait { duration_ms } => {
                let until = clock::later(self.world.now, *duration_ms);
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
            } => return self.expect(stmt, expectation, *throughout_ms),
            StmtKind::Await { cond, within_ms } => {
                return self.await_(stmt, cond, within_ms.unwrap_or(DEFAULT_AWAIT))
            }
            _ => {
                self.world.warnings.clear();
                self.output.clear();
                let result = self.action(stmt);
                self.warnings.append(&mut self.world.warnings);
                result
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

    fn target(&self, r: &Ref) -> Result<(ObjectKind, String), ActionError> {
        let name = self.name(&r.name).map_err(|e| ActionError::Query(e.0))?;
        Ok((object_kind(r.kind), name))
    }

    fn action(&mut self, stmt: &Stmt) -> Result<(), ActionError> {
        match &stmt.kind {
            StmtKind::Apply(source) => self.apply(source),
            StmtKind::Scale { target, replicas } => {
                let (kind, name) = self.target(target)?;
                done(
                    &mut self.output,
                    client::scale(&mut self.world, &kind, &name, *replicas),
                )
            }
            StmtKind::SetImage { target, images } => {
                let (kind, name) = self.target(target)?;
                done(
                    &mut self.output,
                    client::set_image(&mut self.world, &kind, &name, images),
                )
            }
            StmtKind::Patch {
                target,
                patch_type,
                body,
            } => {
                let (kind, name) = self.target(target)?;
                let value = self
                    .file
                    .patches
                    .get(&body.origin.start)
                    .cloned()
                    .ok_or_else(|| ActionError::Query("the patch body was not loaded".into()))?;
                let patch_type = match patch_type {
                    PatchType::Strategic => server::PatchType::Strategic,
                    PatchType::Merge => server::PatchType::Merge,
                    PatchType::Json => server::PatchType::Json,
                };
                done(
                    &mut self.output,
                    client::patch(&mut self.world, &kind, &name, patch_type, &value),
                )
            }
            StmtKind::Delete {
                targets,
                cascade,
                force,
            } => {
                let propagation = match cascade {
                    None | Some(Cascade::Background) => Propagation::Background,
                    Some(Cascade::Foreground) => Propagation::Foreground,
                    Some(Cascade::Orphan) => Propagation::Orphan,
                };
                let mut errors = Vec::new();
                for target in targets {
                    let (kind, name) = self.target(target)?;
                    match client::delete(&mut self.world, &kind, &name, propagation, *force) {
                        Ok(mut lines) => self.output.append(&mut lines),
                        Err(RequestError::Api(e)) => {
                            self.output.push(e.to_string());
                            errors.push(e.to_string());
                        }
                        Err(RequestError::Sim(e)) => return Err(ActionError::Sim(e)),
                    }
                }
                refused(errors)
            }
            StmtKind::RolloutUndo {
                target,
                to_revision,
            } => {
                let (kind, name) = self.target(target)?;
                done(
                    &mut self.output,
                    client::rollout_undo(&mut self.world, &kind, &name, *to_revision),
                )
            }
            StmtKind::RolloutRestart { target } => {
                let (kind, name) = self.target(target)?;
                done(
                    &mut self.output,
                    client::rollout_restart(&mut self.world, &kind, &name),
                )
            }
            StmtKind::Write {
                target,
                path,
                content,
            } => {
                let (_, name) = self.target(target)?;
                crate::sim::volumes::write(&mut self.world, &name, path, content)
                    .map_err(ActionError::Refused)
            }
            StmtKind::Make { target, fault } => {
                let object = match target {
                    FaultTarget::Image { image, .. } => {
                        let image_fault = match *fault {
                            Fault::Crashing { exit, after_ms } => faults::ImageFault::Crashing {
                                exit,
                                after: after_ms,
                            },
                            Fault::ImageHealthy => faults::ImageFault::Healthy,
                            Fault::SlowToStop { ms } => faults::ImageFault::SlowToStop(ms),
                            Fault::SlowToPull { ms } => faults::ImageFault::SlowToPull(ms),
                            _ => faults::ImageFault::Unpullable,
                        };
                        faults::make_image(&mut self.world, image, image_fault);
                        return Ok(());
                    }
                    FaultTarget::Object(r) => self.target(r)?,
                };
                let fault = match fault {
                    Fault::Unready => faults::Fault::Unready,
                    Fault::Ready => faults::Fault::Ready,
                    Fault::Down => faults::Fault::Down,
                    Fault::Up => faults::Fault::Up,
                    Fault::Unhealthy => faults::Fault::Unhealthy,
                    Fault::Healthy => faults::Fault::Healthy,
                    Fault::Crash => faults::Fault::Crash,
                    Fault::Evicted => faults::Fault::Evicted,
                    Fault::Unpullable
                    | Fault::Crashing { .. }
                    | Fault::ImageHealthy
                    | Fault::SlowToStop { .. }
                    | Fault::SlowToPull { .. } => {
                        return Err(ActionError::Query(
                            "this fault applies to images: make image \"name:tag\" <fault>".into(),
                        ))
                    }
                };
                quiet(faults::make(&mut self.world, &object.0, &object.1, fault))
            }
            StmtKind::Evict { target } => {
                let (kind, name) = self.target(target)?;
                done(
                    &mut self.output,
                    faults::evict(&mut self.world, &kind, &name),
                )
            }
            StmtKind::Cordon { target } | StmtKind::Uncordon { target } => {
                let (kind, name) = self.target(target)?;
                let desired = matches!(stmt.kind, StmtKind::Cordon { .. });
                if kind != ObjectKind::Node {
                    return Err(ActionError::Refused(format!(
                        "error: only nodes can be cordoned or uncordoned, not {}/{name}",
                        kind.kubectl_prefix()
                    )));
                }
                done(
                    &mut self.output,
                    drain::cordon(&mut self.world, &name, desired),
                )
            }
            StmtKind::Drain {
                target,
                timeout_ms,
                force,
            } => {
                let (kind, name) = self.target(target)?;
                if kind != ObjectKind::Node {
                    return Err(ActionError::Refused(format!(
                        "error: only nodes can be drained, not {}/{name}",
                        kind.kubectl_prefix()
                    )));
                }
                let options = drain::DrainOptions {
                    force: *force,
                    timeout_ms: timeout_ms.unwrap_or(DEFAULT_AWAIT),
                };
                let printed =
                    drain::drain(&mut self.world, &name, options).map_err(ActionError::Sim)?;
                self.output = printed.lines;
                match printed.error {
                    None => Ok(()),
                    Some(error) => Err(ActionError::Refused(error)),
                }
            }
            StmtKind::AddNode { target, options } => {
                let (_, name) = self.target(target)?;
                crate::sim::nodes::add(&mut self.world, &name, &node_options(options))
                    .map_err(|e| ActionError::Refused(e.to_string()))
            }
            _ => Ok(()),
        }
    }

    fn apply(&mut self, source: &ApplySource) -> Result<(), ActionError> {
        let (docs, shown) = match source {
            ApplySource::File { path, .. } => (
                self.file.manifests.get(path).cloned().unwrap_or_default(),
                path.clone(),
            ),
            ApplySource::Inline(text) => (
                self.file
                    .inline
                    .get(&text.origin.start)
                    .cloned()
                    .unwrap_or_default(),
                "STDIN".into(),
            ),
            ApplySource::Submission { path, .. } => {
                match self
                    .file
                    .submission
                    .as_ref()
                    .and_then(|s| s.files.get(path))
                {
                    Some(Ok(docs)) => (docs.clone(), path.clone()),
                    Some(Err(message)) => return Err(ActionError::Query(message.clone())),
                    None => {
                        return Err(ActionError::Query(format!(
                            "this scenario expects a submission (run it with scn grade): {path}"
                        )))
                    }
                }
            }
        };
        if docs.is_empty() {
            return refused(vec![client::apply_nothing().to_string()]);
        }
        let mut errors = Vec::new();
        self.refused_documents.clear();
        for doc in &docs {
            self.world.warnings.clear();
            let result = client::apply(&mut self.world, &doc.value, &shown);
            // kubectl prints the server's warnings on stderr before the object's line.
            self.output
                .extend(self.world.warnings.iter().map(|w| format!("Warning: {w}")));
            self.warnings.append(&mut self.world.warnings);
            match result {
                Ok(line) => self.output.push(line),
                Err(RequestError::Api(e)) => {
                    self.output.push(e.to_string());
                    errors.push(e.to_string());
                    if let ApplySource::File { path, .. } = source {
                        self.refused_documents.push(format!(
                            "{}:{}",
                            super::load::display_path(&self.file.display, path),
                            doc.line
                        ));
                    }
                }
                Err(RequestError::Sim(e)) => return Err(ActionError::Sim(e)),
            }
            self.world.settle().map_err(ActionError::Sim)?;
        }
        refused(errors)
    }

    fn value(&self, value: &crate::lang::ast::Value) -> Result<Answer, QueryError> {
        use crate::lang::ast::Value as V;
        match value {
            V::Literal(s) => Ok(Answer::Text(s.clone())),
            V::Absent => Ok(Answer::Absent),
            V::NxDomain => Ok(Answer::NxDomain),
            V::Var(name) => self
                .vars
                .get(name)
                .cloned()
                .ok_or_else(|| QueryError(format!("${name} is not bound"))),
            V::Query(q) => self.query(q),
            V::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.value(item)? {
                        Answer::Text(t) => out.push(t),
                        Answer::List(l) | Answer::Set(l) => out.extend(l),
                        Answer::Absent => out.push("absent".into()),
                        Answer::NxDomain => out.push("nxdomain".into()),
                    }
                }
                Ok(Answer::List(out))
            }
        }
    }

    fn query(&self, query: &crate::lang::ast::Query) -> Result<Answer, QueryError> {
        let resolve = |n: &Name| self.name(n);
        let evaluate = |v: &crate::lang::ast::Value| self.value(v);
        let ctx = Context {
            world: &self.world,
            mark: self.mark,
            warnings: &self.warnings,
            output: &self.output,
            resolve_name: &resolve,
            evaluate: &evaluate,
        };
        query::evaluate(&ctx, query)
    }

    /// Evaluates an expectation now.
    fn check(&self, expectation: &Expectation) -> Result<Check, QueryError> {
        match expectation {
            Expectation::Compare { lhs, op, rhs, .. } => {
                let actual = self.query(lhs)?;
                let expected = self.value(rhs)?;
                let ok = match op {
                    CompareOp::Eq => answer::equal(&actual, &expected),
                    CompareOp::Ne => !answer::equal(&actual, &expected),
                    CompareOp::Contains => answer::contains(&actual, &expected),
                };
                let message = match op {
                    CompareOp::Eq => "the value differs from what was expected".to_string(),
                    CompareOp::Ne => format!("the value is {actual}, which it should not be"),
                    CompareOp::Contains => match actual {
                        Answer::Text(_) => {
                            "the text does not contain the expected text".to_string()
                        }
                        _ => "no element of the list is the expected value".to_string(),
                    },
                };
                Ok(Check {
                    ok,
                    expected: expected.lines(),
                    actual: actual.lines(),
                    message,
                })
            }
            Expectation::Table(table) => Ok(super::table::check(&self.world, table)),
            Expectation::Matches { target, document } => {
                let (kind, name) = (object_kind(target.kind), self.name(&target.name)?);
                let text = substitute(&document.text, &self.vars);
                super::matches::check(&self.world, &kind, &name, &text).map_err(QueryError)
            }
        }
    }

    /// What `--bless` would write for a failed expectation (evaluated again, now).
    fn blessing(&self, expectation: &Expectation) -> super::bless::Blessing {
        use super::bless::{self, Blessing};
        match expectation {
            Expectation::Compare {
                lhs,
                op,
                rhs,
                rhs_span,
                ..
            } => {
                if *op == CompareOp::Eq && !bless::is_literal(rhs) {
                    return Blessing::Refused(bless::NOT_LITERAL.into());
                }
                match self.query(lhs) {
                    Ok(actual) => bless::compare(*op, rhs, *rhs_span, &self.file.source, &actual),
                    Err(e) => Blessing::Refused(format!("cannot bless: {}", e.0)),
                }
            }
            Expectation::Table(table) => {
                bless::table(&super::table::printed(&self.world, table.kind), table)
            }
            Expectation::Matches { .. } => {
                Blessing::Refused("cannot bless: `matches` documents are not blessed".into())
            }
        }
    }

    fn expect(
        &mut self,
        stmt: &Stmt,
        expectation: &Expectation,
        throughout: Option<Millis>,
    ) -> Step {
        let start = self.world.now;
        let end = clock::later(start, throughout.unwrap_or(0));
        loop {
            let check = self.check(expectation).map_err(|e| self.fail(stmt, e.0))?;
            if !check.ok {
                let message = match throughout {
                    Some(d) => format!(
                        "{} (it had to hold throughout {}; it broke at {})",
                        check.message,
                        clock_fmt(d),
                        clock_fmt(self.world.now)
                    ),
                    None => check.message,
                };
                let mut failure = self.fail_diff(stmt, message, check.expected, check.actual);
                failure.bless = Some(if self.world.now > start {
                    super::bless::Blessing::Refused(
                        "cannot bless: the expectation held at first and broke later".into(),
                    )
                } else {
                    self.blessing(expectation)
                });
                return Err(failure);
            }
            match self.world.next_event_time() {
                Some(at) if at <= end => self
                    .world
                    .advance_to(at)
                    .map_err(|e| self.sim_failure(stmt, e))?,
                _ => {
                    if self.world.now < end {
                        self.world
                            .advance_to(end)
                            .map_err(|e| self.sim_failure(stmt, e))?;
                        continue;
                    }
                    return Ok(());
                }
            }
        }
    }

    fn await_(&mut self, stmt: &Stmt, cond: &AwaitCond, limit: Millis) -> Step {
        let deadline = clock::later(self.world.now, limit);
        let deleted_uid = match cond {
            AwaitCond::Deleted(r) => {
                let (_, name) = self.target(r).map_err(|e| self.fail(stmt, e.to_string()))?;
                self.world
                    .store
                    .pods
                    .get(&name)
                    .and_then(|p| p.metadata.uid.clone())
            }
            _ => None,
        };
        loop {
            let check = match cond {
                AwaitCond::Ready(r) => {
                    let name = self.name(&r.name).map_err(|e| self.fail(stmt, e.0))?;
                    let kind = object_kind(r.kind);
                    if self.world.now < deadline
                        && !super::readiness::may_be_ready(&self.world, &kind, &name)
                    {
                        let next = self
                            .world
                            .next_event_time()
                            .filter(|t| *t <= deadline)
                            .unwrap_or(deadline);
                        self.world
                            .advance_to(next)
                            .map_err(|e| self.sim_failure(stmt, e))?;
                        continue;
                    }
                    super::readiness::check(&self.world, &kind, &name)
                        .map_err(|e| self.fail(stmt, e))?
                }
                AwaitCond::Deleted(r) => {
                    let name = self.name(&r.name).map_err(|e| self.fail(stmt, e.0))?;
                    super::readiness::check_deleted(
                        &self.world,
                        &object_kind(r.kind),
                        &name,
                        deleted_uid.as_deref(),
                    )
                }
                AwaitCond::Expectation(e) => {
                    let c = self.check(e).map_err(|e| self.fail(stmt, e.0))?;
                    super::readiness::Verdict {
                        ok: c.ok,
                        expected: c.expected,
                        actual: c.actual,
                    }
                }
            };
            if check.ok {
                return Ok(());
            }
            if self.world.now >= deadline {
                let mut failure = self.fail_diff(
                    stmt,
                    format!("still not true after {} of virtual time", clock_fmt(limit)),
                    check.expected,
                    check.actual,
                );
                if let AwaitCond::Expectation(e) = cond {
                    failure.bless = Some(self.blessing(e));
                }
                return Err(failure);
            }
            let next = self
                .world
                .next_event_time()
                .filter(|t| *t <= deadline)
                .unwrap_or(deadline);
            self.world
                .advance_to(next)
                .map_err(|e| self.sim_failure(stmt, e))?;
        }
    }
}

fn substitute(text: &str, vars: &BTreeMap<String, Answer>) -> String {
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        if let Some((_, '$')) = chars.peek() {
            chars.next();
            out.push('$');
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest
            .char_indices()
            .take_while(|(j, ch)| {
                ch.is_ascii_alphabetic() || *ch == '_' || (*j > 0 && ch.is_ascii_digit())
            })
            .count();
        let name = &rest[..len];
        match vars.get(name) {
            Some(value) if len > 0 => {
                out.push_str(&value.to_string());
                for _ in 0..len {
                    chars.next();
                }
            }
            _ => out.push('$'),
        }
    }
    out
}

enum ActionError {
    Refused(String),
    Sim(SimError),
    Query(String),
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionError::Refused(m) | ActionError::Query(m) => f.write_str(m),
            ActionError::Sim(e) => f.write_str(&super::limits::message(e)),
        }
    }
}

/// An action's outcome: its line goes to `output`, a refusal too (kubectl prints it).
fn done(output: &mut Vec<String>, outcome: client::Outcome) -> Result<(), ActionError> {
    match outcome {
        Ok(line) => {
            output.push(line);
            Ok(())
        }
        Err(RequestError::Api(e)) => {
            output.push(e.to_string());
            Err(ActionError::Refused(e.to_string()))
        }
        Err(RequestError::Sim(e)) => Err(ActionError::Sim(e)),
    }
}

/// A fault: not a kubectl command, so nothing goes to `output`.
fn quiet(outcome: client::Outcome) -> Result<(), ActionError> {
    done(&mut Vec::new(), outcome)
}

fn refused(errors: Vec<String>) -> Result<(), ActionError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Refused(errors.join("\n")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitution_replaces_bound_names_and_unescapes_dollars() {
        let mut vars = BTreeMap::new();
        vars.insert("ip".to_string(), Answer::Text("10.244.1.2".into()));
        assert_eq!(substitute("podIP: $ip", &vars), "podIP: 10.244.1.2");
        assert_eq!(substitute("cost: $$5", &vars), "cost: $5");
        assert_eq!(substitute("keep $unknown", &vars), "keep $unknown");
    }
}
