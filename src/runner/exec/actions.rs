//! The statements that change the cluster: kubectl commands, `apply`, faults, drains;
//! each becomes requests to the simulated API server and the lines kubectl prints.

use super::super::query::object_kind;
use crate::kubectl::{client, drain};
use crate::lang::ast::{
    ApplySource, Cascade, Fault, FaultTarget, PatchType, Ref, Stmt, StmtKind, Subresource,
};
use crate::sim::clock::Millis;
use crate::sim::faults;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{self, Propagation, RequestError};
use crate::sim::SimError;

use super::{node_options, Runner, DEFAULT_AWAIT};

impl Runner<'_> {
    pub(super) fn target(&self, r: &Ref) -> Result<(ObjectKind, String), ActionError> {
        let name = self.name(&r.name).map_err(|e| ActionError::Query(e.0))?;
        Ok((object_kind(r.kind), name))
    }

    /// The objects of a kubectl command ([`Self::target`] of each), as its resource builder
    /// reads them: an empty name refuses the whole command before anything is sent
    /// ([`client::resource_args`]), and the refusal is what it prints.
    fn kubectl_targets(&mut self, refs: &[&Ref]) -> Result<Vec<(ObjectKind, String)>, ActionError> {
        let targets = refs
            .iter()
            .map(|r| self.target(r))
            .collect::<Result<Vec<_>, _>>()?;
        if let Err(e) = client::resource_args(targets.iter().map(|(_, name)| name.as_str())) {
            self.done(Err(e.into()))?;
        }
        Ok(targets)
    }

    /// [`Self::kubectl_targets`] of one object.
    fn kubectl_target(&mut self, r: &Ref) -> Result<(ObjectKind, String), ActionError> {
        let mut targets = self.kubectl_targets(&[r])?;
        targets
            .pop()
            .ok_or_else(|| ActionError::Query("no object was named".into()))
    }

    pub(super) fn action(&mut self, stmt: &Stmt) -> Result<(), ActionError> {
        match &stmt.kind {
            StmtKind::Apply(source) => self.apply(source, stmt.span.line),
            StmtKind::Scale { target, replicas } => {
                let (kind, name) = self.kubectl_target(target)?;
                let outcome = client::scale(&mut self.world, &kind, &name, *replicas);
                self.done(outcome)
            }
            StmtKind::SetImage { target, images } => {
                let (kind, name) = self.kubectl_target(target)?;
                match client::set_image(&mut self.world, &kind, &name, images) {
                    Ok(printed) => {
                        self.take_reply(printed.reply);
                        self.output.extend(printed.errors.iter().cloned());
                        refused(printed.errors)
                    }
                    Err(e) => self.done(Err(e)),
                }
            }
            StmtKind::Patch {
                target,
                patch_type,
                body,
                subresource,
            } => {
                let (kind, name) = self.kubectl_target(target)?;
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
                let outcome = match subresource {
                    Some(Subresource::Status) => {
                        client::patch_status(&mut self.world, &kind, &name, patch_type, &value)
                    }
                    Some(Subresource::Scale) => {
                        client::patch_scale(&mut self.world, &kind, &name, patch_type, &value)
                    }
                    None => client::patch(&mut self.world, &kind, &name, patch_type, &value),
                };
                self.done(outcome)
            }
            StmtKind::Delete {
                targets,
                cascade,
                force,
                grace_period,
            } => {
                let propagation = match cascade {
                    None | Some(Cascade::Background) => Propagation::Background,
                    Some(Cascade::Foreground) => Propagation::Foreground,
                    Some(Cascade::Orphan) => Propagation::Orphan,
                    Some(Cascade::Boolean { value, written }) => {
                        // kubectl's GetCascadingStrategy, on stderr before anything else.
                        let (propagation, instead) = if *value {
                            (Propagation::Background, "background")
                        } else {
                            (Propagation::Orphan, "orphan")
                        };
                        self.output.push(format!(
                            "warning: --cascade={written} is deprecated (boolean value) and can be replaced with --cascade={instead}."
                        ));
                        propagation
                    }
                };
                let targets = self.kubectl_targets(&targets.iter().collect::<Vec<_>>())?;
                let mut printed = client::delete_all(
                    &mut self.world,
                    &targets,
                    propagation,
                    *force,
                    *grace_period,
                )
                .map_err(ActionError::Sim)?;
                self.output.append(&mut printed.reply.lines);
                self.warnings.append(&mut printed.reply.warnings);
                self.output.extend(printed.errors.iter().cloned());
                refused(printed.errors)
            }
            StmtKind::RolloutUndo {
                target,
                to_revision,
            } => {
                let (kind, name) = self.kubectl_target(target)?;
                let outcome = client::rollout_undo(&mut self.world, &kind, &name, *to_revision);
                self.done(outcome)
            }
            StmtKind::RolloutRestart { target } => {
                let (kind, name) = self.kubectl_target(target)?;
                let outcome = client::rollout_restart(&mut self.world, &kind, &name);
                self.done(outcome)
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
                                after: Millis::ms(after_ms),
                            },
                            Fault::ImageHealthy => faults::ImageFault::Healthy,
                            Fault::SlowToStop { ms } => {
                                faults::ImageFault::SlowToStop(Millis::ms(ms))
                            }
                            Fault::SlowToPull { ms } => {
                                faults::ImageFault::SlowToPull(Millis::ms(ms))
                            }
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
                quiet(
                    faults::make(&mut self.world, &object.0, &object.1, fault)
                        .map(client::Reply::line),
                )
            }
            StmtKind::Evict { target } => {
                let (kind, name) = self.target(target)?;
                let outcome = faults::evict(&mut self.world, &kind, &name).map(client::Reply::line);
                self.done(outcome)
            }
            StmtKind::Cordon { target } | StmtKind::Uncordon { target } => {
                let (kind, name) = self.kubectl_target(target)?;
                let desired = matches!(stmt.kind, StmtKind::Cordon { .. });
                if kind != ObjectKind::Node {
                    return self.done(Err(drain::not_a_node(&self.world, &kind, &name)));
                }
                let outcome = drain::cordon(&mut self.world, &name, desired);
                self.done(outcome)
            }
            StmtKind::Drain {
                target,
                timeout_ms,
                force,
            } => {
                let (kind, name) = self.kubectl_target(target)?;
                if kind != ObjectKind::Node {
                    return self.done(Err(drain::not_a_node(&self.world, &kind, &name)));
                }
                let options = drain::DrainOptions {
                    force: *force,
                    timeout_ms: timeout_ms.map_or(DEFAULT_AWAIT, Millis::ms),
                };
                let printed =
                    drain::drain(&mut self.world, &name, options).map_err(ActionError::Sim)?;
                self.output = printed.lines;
                self.warnings = printed.warnings;
                match printed.error {
                    None => Ok(()),
                    Some(error) => Err(ActionError::Refused(error)),
                }
            }
            StmtKind::AddNode { target, options } => {
                let (_, name) = self.target(target)?;
                crate::sim::nodes::add(&mut self.world, &name, &node_options(options)).map_err(
                    |e| match e.reason {
                        // scn's node limit, not an API server's refusal.
                        server::Reason::Forbidden => ActionError::Refused(e.message),
                        _ => ActionError::Refused(e.to_string()),
                    },
                )
            }
            _ => Ok(()),
        }
    }

    fn apply(&mut self, source: &ApplySource, stmt_line: u32) -> Result<(), ActionError> {
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
        // kubectl's resource builder reads every document before anything is sent; a document
        // it cannot read is skipped, and its error printed first.
        self.refused_documents.clear();
        let mut read_errors = Vec::new();
        let mut read = Vec::new();
        for doc in &docs {
            match client::read(&doc.value, &shown) {
                Ok(kind) => read.push((doc, kind)),
                Err(e) => {
                    read_errors.push(e);
                    self.refuse_document(source, doc.line);
                }
            }
        }
        let mut errors = Vec::new();
        for (doc, kind) in read {
            // The GET's warnings and kubectl's own stderr line, before the patch (and its
            // refusal) of a live object that lacks the last-applied annotation.
            client::print_apply_get(&mut self.output, &self.world, &doc.value, &kind);
            match client::apply_read(&mut self.world, &doc.value, &kind, &shown) {
                Ok(reply) => {
                    // kubectl prints the server's warnings on stderr before the object's line.
                    self.note_unsimulated(stmt_line, &reply.notes);
                    self.take_reply(reply);
                }
                Err(RequestError::Api(e)) => {
                    let unknown = client::unknown_fields_named(&e.message);
                    self.action_notes
                        .extend(client::unknown_field_hints(&kind, &doc.value, &unknown));
                    errors.push(e);
                    self.refuse_document(source, doc.line);
                }
                Err(RequestError::Sim(e)) => return Err(ActionError::Sim(e)),
            }
            self.world.settle().map_err(ActionError::Sim)?;
        }
        // `ApplyOptions.Run` returns the errors after the loop: they print after every line.
        let errors = client::apply_errors(&read_errors, &errors);
        self.output.extend(errors.iter().cloned());
        refused(errors)
    }

    /// Notes where a refused document of a manifest file starts.
    fn refuse_document(&mut self, source: &ApplySource, line: u32) {
        if let ApplySource::File { path, .. } = source {
            self.refused_documents.push(format!(
                "{}:{line}",
                super::super::load::display_path(&self.file.display, path),
            ));
        }
    }
}

pub(super) enum ActionError {
    Refused(String),
    Sim(SimError),
    Query(String),
}

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ActionError::Refused(m) | ActionError::Query(m) => f.write_str(m),
            ActionError::Sim(e) => f.write_str(&crate::runner::limits::message(e)),
        }
    }
}

impl Runner<'_> {
    /// An action's outcome: what kubectl prints goes to `output` (the server's warnings as
    /// `Warning:` lines, then the lines; a refusal too), the server's warnings and scn's
    /// notes to `warnings`, and the hints to the report.
    fn done(&mut self, outcome: client::Outcome) -> Result<(), ActionError> {
        match outcome {
            Ok(reply) => {
                self.take_reply(reply);
                Ok(())
            }
            Err(RequestError::Api(e)) => {
                let lines = client::check_err(std::slice::from_ref(&e));
                self.output.extend(lines.iter().cloned());
                self.action_notes.extend(e.detail.clone());
                Err(ActionError::Refused(lines.join("\n")))
            }
            Err(RequestError::Sim(e)) => Err(ActionError::Sim(e)),
        }
    }

    fn take_reply(&mut self, reply: client::Reply) {
        reply.print(&mut self.output);
        self.warnings.extend(reply.warnings);
        // LANGUAGE.md: what scn does not simulate is a warning "in the report and in
        // `warnings`"; a hint is the report's alone.
        self.warnings.extend(reply.notes);
        self.action_notes.extend(reply.hints);
    }

    /// The fields an `apply` (at `line` of the file) used that scn does not simulate: notes
    /// for the report of any failure later in the scenario. Kept once each, and at most
    /// [`MAX_UNSIMULATED_NOTES`] of them.
    fn note_unsimulated(&mut self, line: u32, notes: &[String]) {
        for note in notes {
            let note = format!("the apply at line {line}: {note}");
            if self.unsimulated_notes.len() < MAX_UNSIMULATED_NOTES
                && !self.unsimulated_notes.contains(&note)
            {
                self.unsimulated_notes.push(note);
            }
        }
    }
}

/// How many "not simulated" notes a failure's report shows at most.
const MAX_UNSIMULATED_NOTES: usize = 20;

/// A fault: not a kubectl command, so nothing goes to `output`, and it gets no warning.
fn quiet(outcome: client::Outcome) -> Result<(), ActionError> {
    match outcome {
        Ok(_) => Ok(()),
        Err(RequestError::Api(e)) => Err(ActionError::Refused(
            client::check_err(std::slice::from_ref(&e)).join("\n"),
        )),
        Err(RequestError::Sim(e)) => Err(ActionError::Sim(e)),
    }
}

fn refused(errors: Vec<String>) -> Result<(), ActionError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ActionError::Refused(errors.join("\n")))
    }
}
