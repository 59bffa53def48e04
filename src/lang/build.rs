//! From grammar pairs to the syntax tree, checking names (kinds, queries, faults, columns,
//! durations) as it goes so that every such error of a file is reported.

use pest::iterators::Pair;

use super::ast::*;
use super::check;
use super::error::{SyntaxError, SyntaxErrorKind as E};
use super::lines::LineIndex;
use super::parser::Rule;
use super::{kinds, queries, table, text};
use crate::suggest::suggest;

/// A statement with what the variable check needs: the `$names` it reads and the name it
/// binds, in source order.
pub struct StmtInfo {
    pub stmt: Stmt,
    pub uses: Vec<(String, Span)>,
    pub binds: Option<(String, Span)>,
}

pub struct Builder<'a> {
    src: &'a str,
    lines: LineIndex<'a>,
    pub errors: Vec<SyntaxError>,
    uses: Vec<(String, Span)>,
    /// How many `value`s enclose the one being built: a second bound on recursion, behind
    /// the prescan's, so that no parse tree makes the builder overflow its stack.
    depth: usize,
}

impl<'a> Builder<'a> {
    pub fn new(src: &'a str, lines: LineIndex<'a>) -> Self {
        Builder {
            src,
            lines,
            errors: Vec::new(),
            depth: 0,
            uses: Vec::new(),
        }
    }

    fn span(&self, p: &Pair<Rule>) -> Span {
        self.lines.span(p.as_span().start(), p.as_span().end())
    }

    fn error(&mut self, span: Span, kind: E) {
        self.errors.push(SyntaxError::new(span, kind));
    }

    pub fn file(&mut self, file: Pair<Rule>) -> File {
        let mut cluster = ClusterConfig::default();
        let mut setup = Vec::new();
        let mut scenarios = Vec::new();
        for p in file.into_inner() {
            match p.as_rule() {
                Rule::cluster => cluster = self.cluster(p),
                Rule::setup => setup = self.statements(p),
                Rule::scenario => scenarios.push(self.scenario(p)),
                _ => {}
            }
        }
        if scenarios.is_empty() {
            let end = self.src.len();
            self.error(self.lines.span(end, end), E::NoScenario);
        }
        let setup_bindings: Vec<&StmtInfo> = setup.iter().collect();
        let scenario_bindings: Vec<Vec<&StmtInfo>> = scenarios
            .iter()
            .map(|(_, body): &(Scenario, Vec<StmtInfo>)| body.iter().collect())
            .collect();
        check::variables(&setup_bindings, &scenario_bindings, &mut self.errors);
        let headers: Vec<&Scenario> = scenarios.iter().map(|(s, _)| s).collect();
        check::titles(&headers, &mut self.errors);
        File {
            cluster,
            setup: setup.into_iter().map(|i| i.stmt).collect(),
            scenarios: scenarios
                .into_iter()
                .map(|(mut s, body)| {
                    s.body = body.into_iter().map(|i| i.stmt).collect();
                    s
                })
                .collect(),
        }
    }

    fn cluster(&mut self, block: Pair<Rule>) -> ClusterConfig {
        let mut config = ClusterConfig::default();
        // The line each setting (and each declared node) was first written on.
        let mut seen: Vec<(String, u32)> = Vec::new();
        let mut once = |this: &mut Self, setting: String, span: Span| match seen
            .iter()
            .find(|(s, _)| *s == setting)
        {
            Some((_, first_line)) => this.error(
                span,
                E::DuplicateSetting {
                    setting,
                    first_line: *first_line,
                },
            ),
            None => seen.push((setting, span.line)),
        };
        for setting in block.into_inner().filter(|p| p.as_rule() == Rule::setting) {
            let mut inner = setting.into_inner();
            let first = inner.peek();
            if let Some(p) = first
                .as_ref()
                .filter(|p| p.as_rule() == Rule::node_capacity)
            {
                once(self, "node-capacity".into(), self.span(p));
            }
            match first.as_ref().map(|p| p.as_rule()) {
                Some(Rule::node_capacity) => {
                    let options =
                        self.node_options(first.into_iter().flat_map(|p| p.into_inner()), true);
                    config.node_capacity = options;
                    continue;
                }
                Some(Rule::node_decl) => {
                    let mut parts = first.into_iter().flat_map(|p| p.into_inner());
                    let name = parts
                        .find(|p| p.as_rule() == Rule::bare_word)
                        .map(|p| (p.as_str().to_string(), self.span(&p)));
                    let options = self.node_options(parts, false);
                    if let Some((name, span)) = name {
                        once(self, format!("node {name}"), span);
                        if !is_node_name(&name) {
                            self.error(
                                span,
                                E::InvalidSettingValue {
                                    setting: "node".into(),
                                    value: name.clone(),
                                    expected:
                                        "a node name (lowercase letters, digits, `-` and `.`)"
                                            .into(),
                                },
                            );
                        }
                        config.node_decls.push((name, options));
                    }
                    continue;
                }
                _ => {}
            }
            let (Some(name), Some(value)) = (inner.next(), inner.next()) else {
                continue;
            };
            if let Some(zones) = inner.next().filter(|p| p.as_rule() == Rule::zones) {
                if name.as_str() != "nodes" {
                    self.error(
                        self.span(&zones),
                        E::InvalidSettingValue {
                            setting: name.as_str().to_string(),
                            value: zones.as_str().to_string(),
                            expected: "a single value (`zones(…)` follows `nodes N`)".into(),
                        },
                    );
                }
                for zone in zones
                    .into_inner()
                    .filter(|p| p.as_rule() == Rule::bare_word)
                {
                    let text = zone.as_str().to_string();
                    if !is_label_value(&text) {
                        self.error(
                            self.span(&zone),
                            E::InvalidSettingValue {
                                setting: "zones".into(),
                                value: text.clone(),
                                expected: "a zone name (letters, digits, `-`, `_`, `.`)".into(),
                            },
                        );
                    }
                    config.zones.push(text);
                }
            }
            let value_span = self.span(&value);
            if name.as_str() != "feature-gate" {
                once(self, name.as_str().to_string(), self.span(&name));
            }
            let raw = if value.as_rule() == Rule::string {
                text::unescape(value.as_str())
            } else {
                value.as_str().to_string()
            };
            let invalid = |expected: &str| E::InvalidSettingValue {
                setting: name.as_str().to_string(),
                value: raw.clone(),
                expected: expected.to_string(),
            };
            // A number too large to hold is still a number: say how large it may be, not
            // "expected a number" of `99999999999999999999`.
            let digits = !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit());
            let number = |what: &str, range: &str| {
                if digits {
                    format!("{what} from {range}")
                } else {
                    // `1e9`, `many`, `3.5`: say how it is written, and the range.
                    format!("{what} written in digits, from {range}")
                }
            };
            let max = format!("1 to {}", u64::MAX);
            match name.as_str() {
                "nodes" => match raw.parse() {
                    // 0 is allowed: `node NAME` lines may make all the nodes.
                    Ok(n) if n > 250 => self.error(
                        value_span,
                        invalid("a number of nodes from 0 to 250 (a cluster has 1 to 250 nodes in all, `node NAME` lines included, each with the pod CIDR 10.244.N.0/24)"),
                    ),
                    Ok(n) => config.nodes = n,
                    Err(_) => self.error(
                        value_span,
                        invalid(&number("a number of nodes", "0 to 250")),
                    ),
                },
                "namespace" => config.namespace = raw.clone(),
                "domain" => config.domain = raw.clone(),
                // A limit of 0 would stop every scenario before it starts.
                "max-pods" | "max-events" if raw.parse::<u64>() == Ok(0) => self.error(
                    value_span,
                    invalid(&format!(
                        "a limit of at least 1 (leave `{}` out for the default)",
                        name.as_str()
                    )),
                ),
                "max-pods" => match raw.parse() {
                    Ok(n) => config.max_pods = n,
                    Err(_) => self.error(value_span, invalid(&number("a number", &max))),
                },
                "max-events" => match raw.parse() {
                    Ok(n) => config.max_events = n,
                    Err(_) => self.error(value_span, invalid(&number("a number", &max))),
                },
                "max-time" => match parse_duration(&raw) {
                    Ok(0) => self.error(
                        value_span,
                        invalid("a duration of at least 1ms (leave `max-time` out for the default, 10000h)"),
                    ),
                    Ok(ms) => config.max_time_ms = ms,
                    Err(reason) => self.error(
                        value_span,
                        invalid(&format!("a duration such as 10000h ({reason})")),
                    ),
                },
                "feature-gate" => config.feature_gates.push(raw.clone()),
                other => {
                    const SETTINGS: [&str; 9] = [
                        "nodes",
                        "node-capacity",
                        "node",
                        "namespace",
                        "domain",
                        "max-pods",
                        "max-time",
                        "max-events",
                        "feature-gate",
                    ];
                    let kind = E::UnknownSetting {
                        name: other.to_string(),
                        suggestion: suggest(other, SETTINGS),
                    };
                    self.error(self.span(&name), kind);
                }
            }
        }
        config
    }

    /// The options of a node shape; `capacity_only` for `node-capacity` (cpu, memory, pods).
    fn node_options<'p>(
        &mut self,
        parts: impl Iterator<Item = Pair<'p, Rule>>,
        capacity_only: bool,
    ) -> NodeOptions {
        let mut options = NodeOptions::default();
        let setting = if capacity_only {
            "node-capacity"
        } else {
            "node"
        };
        for option in parts.filter(|p| p.as_rule() == Rule::node_option) {
            let Some(option) = option.into_inner().next() else {
                continue;
            };
            let span = self.span(&option);
            let invalid = |value: &str, expected: &str| E::InvalidSettingValue {
                setting: setting.to_string(),
                value: value.to_string(),
                expected: expected.to_string(),
            };
            match option.as_rule() {
                Rule::node_pair => {
                    let mut kv = option.into_inner();
                    let key = kv
                        .next()
                        .map(|k| k.as_str().to_string())
                        .unwrap_or_default();
                    let value = kv
                        .next()
                        .map(|v| self.word_or_string(&v))
                        .unwrap_or_default();
                    match key.as_str() {
                        "zone" if !capacity_only => {
                            if is_label_value(&value) {
                                options.zone = Some(value);
                            } else {
                                self.error(
                                    span,
                                    invalid(
                                        &format!("{key}={value}"),
                                        "a zone name (letters, digits, `-`, `_`, `.`)",
                                    ),
                                );
                            }
                        }
                        "cpu" | "memory" => {
                            if is_quantity(&value) {
                                if key == "cpu" {
                                    options.cpu = Some(value);
                                } else {
                                    options.memory = Some(value);
                                }
                            } else {
                                self.error(
                                    span,
                                    invalid(
                                        &format!("{key}={value}"),
                                        "a quantity such as 4, 500m or 16Gi",
                                    ),
                                );
                            }
                        }
                        "pods" => match value.parse::<u32>() {
                            Ok(n) if n <= 1_000_000 => options.pods = Some(n),
                            _ => self.error(
                                span,
                                invalid(&format!("{key}={value}"), "a number of pods such as 110"),
                            ),
                        },
                        other => {
                            let known: &[&str] = if capacity_only {
                                &["cpu", "memory", "pods"]
                            } else {
                                &["zone", "cpu", "memory", "pods"]
                            };
                            let expected = match suggest(other, known.iter().copied()) {
                                Some(s) => format!(
                                    "one of {} (did you mean `{s}=`?)",
                                    known.join("=, ") + "="
                                ),
                                None => format!("one of {}", known.join("=, ") + "="),
                            };
                            self.error(span, invalid(&format!("{other}={value}"), &expected));
                        }
                    }
                }
                Rule::node_labels if capacity_only => {
                    self.error(
                        span,
                        invalid(
                            option.as_str(),
                            "cpu=, memory= or pods= (labels belong to `node NAME …`)",
                        ),
                    );
                }
                Rule::node_taints if capacity_only => {
                    self.error(
                        span,
                        invalid(
                            option.as_str(),
                            "cpu=, memory= or pods= (taints belong to `node NAME …`)",
                        ),
                    );
                }
                Rule::node_labels => {
                    for pair in option
                        .into_inner()
                        .filter(|p| p.as_rule() == Rule::label_pair)
                    {
                        let mut kv = pair.into_inner();
                        let key = kv
                            .next()
                            .map(|k| k.as_str().to_string())
                            .unwrap_or_default();
                        let value = kv
                            .next()
                            .map(|v| v.as_str().to_string())
                            .unwrap_or_default();
                        options.labels.push((key, value));
                    }
                }
                Rule::node_taints => {
                    for taint in option.into_inner().filter(|p| p.as_rule() == Rule::taint) {
                        let taint_span = self.span(&taint);
                        let text = taint.as_str().to_string();
                        let mut key = String::new();
                        let mut value = None;
                        let mut effect = String::new();
                        for part in taint.into_inner() {
                            match part.as_rule() {
                                Rule::label_key => key = part.as_str().to_string(),
                                Rule::label_value => value = Some(part.as_str().to_string()),
                                Rule::taint_effect => effect = part.as_str().to_string(),
                                _ => {}
                            }
                        }
                        const EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];
                        if !EFFECTS.contains(&effect.as_str()) {
                            let expected = match suggest(&effect, EFFECTS) {
                                Some(s) => format!("a taint effect: NoSchedule, PreferNoSchedule or NoExecute (did you mean `{s}`?)"),
                                None => "a taint effect: NoSchedule, PreferNoSchedule or NoExecute".into(),
                            };
                            self.error(taint_span, invalid(&text, &expected));
                        }
                        options.taints.push((key, value, effect));
                    }
                }
                _ => {}
            }
        }
        options
    }

    fn scenario(&mut self, p: Pair<Rule>) -> (Scenario, Vec<StmtInfo>) {
        let mut title = String::new();
        let mut tags = Vec::new();
        let mut span = Span::default();
        let mut body = Vec::new();
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::scenario_head => {
                    span = self.span(&part);
                    for h in part.into_inner() {
                        match h.as_rule() {
                            Rule::string => title = text::unescape(h.as_str()),
                            Rule::tags => {
                                tags = h
                                    .into_inner()
                                    .filter(|t| t.as_rule() == Rule::bare_word)
                                    .map(|t| t.as_str().to_string())
                                    .collect()
                            }
                            _ => {}
                        }
                    }
                }
                Rule::statement => body.push(self.statement(part)),
                _ => {}
            }
        }
        (
            Scenario {
                title,
                tags,
                body: Vec::new(),
                span,
            },
            body,
        )
    }

    fn statements(&mut self, block: Pair<Rule>) -> Vec<StmtInfo> {
        block
            .into_inner()
            .filter(|p| p.as_rule() == Rule::statement)
            .map(|p| self.statement(p))
            .collect()
    }

    fn statement(&mut self, p: Pair<Rule>) -> StmtInfo {
        let span = self.span(&p);
        self.uses.clear();
        let mut inner = p.into_inner();
        let mut binds = None;
        let (keyword, mut kind) = match inner.next() {
            Some(action) => {
                let keyword = action
                    .as_str()
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_string();
                if action.as_rule() == Rule::let_stmt {
                    let mut parts = action.clone().into_inner().skip(1);
                    if let Some(name) = parts.next() {
                        binds = Some((name.as_str().to_string(), self.span(&name)));
                    }
                }
                (keyword, self.action(action))
            }
            None => (String::new(), StmtKind::Wait { duration_ms: 0 }),
        };
        let mut fails_with = None;
        for extra in inner {
            match extra.as_rule() {
                Rule::timing => self.timing(extra, &keyword, &mut kind),
                Rule::fails_with => {
                    let is_action = !matches!(
                        kind,
                        StmtKind::Let { .. }
                            | StmtKind::Wait { .. }
                            | StmtKind::Await { .. }
                            | StmtKind::Expect { .. }
                    );
                    let span = self.span(&extra);
                    let msg = extra.into_inner().find(|q| q.as_rule() == Rule::string);
                    if is_action {
                        fails_with = msg.map(|m| text::unescape(m.as_str()));
                    } else {
                        self.error(
                            span,
                            E::FailsWithAfterNonAction {
                                statement: keyword.clone(),
                            },
                        );
                    }
                }
                _ => {}
            }
        }
        let uses = std::mem::take(&mut self.uses);
        StmtInfo {
            stmt: Stmt {
                kind,
                fails_with,
                span,
            },
            uses,
            binds,
        }
    }

    fn timing(&mut self, p: Pair<Rule>, keyword: &str, kind: &mut StmtKind) {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let (Some(word), Some(duration)) = (inner.next(), inner.next()) else {
            return;
        };
        let ms = self.duration(duration);
        match (word.as_rule(), kind) {
            (Rule::kw_within, StmtKind::Await { within_ms, .. }) => *within_ms = ms,
            (Rule::kw_throughout, StmtKind::Expect { throughout_ms, .. }) => *throughout_ms = ms,
            (Rule::kw_within, _) => self.error(
                span,
                E::WithinOutsideAwait {
                    statement: keyword.to_string(),
                },
            ),
            _ => self.error(
                span,
                E::ThroughoutOutsideExpect {
                    statement: keyword.to_string(),
                },
            ),
        }
    }

    fn action(&mut self, p: Pair<Rule>) -> StmtKind {
        let rule = p.as_rule();
        // Keywords carry no information once the rule is known, except the flag `force`.
        let mut it = p.into_inner().filter(|q| {
            !is_keyword(q.as_rule())
                || q.as_rule() == Rule::kw_force
                || q.as_rule() == Rule::kw_submission
        });
        let mut next = || it.next();
        match rule {
            Rule::apply => StmtKind::Apply(match next() {
                Some(k) if k.as_rule() == Rule::kw_submission => match next() {
                    Some(t) => ApplySource::Submission {
                        path: text::unescape(t.as_str()),
                        span: self.span(&t),
                    },
                    None => ApplySource::Submission {
                        path: String::new(),
                        span: Span::default(),
                    },
                },
                Some(t) if t.as_rule() == Rule::string => ApplySource::File {
                    path: text::unescape(t.as_str()),
                    span: self.span(&t),
                },
                Some(t) => ApplySource::Inline(self.text(t)),
                None => ApplySource::File {
                    path: String::new(),
                    span: Span::default(),
                },
            }),
            Rule::scale => {
                let target = self.reference_opt(next());
                let replicas = next().map_or(0, |n| self.integer(n));
                StmtKind::Scale { target, replicas }
            }
            Rule::set_image => {
                let target = self.reference_opt(next());
                let mut images = Vec::new();
                while let Some(pair) = next() {
                    let mut kv = pair.into_inner();
                    if let (Some(k), Some(v)) = (kv.next(), kv.next()) {
                        images.push((k.as_str().to_string(), self.word_or_string(&v)));
                    }
                }
                StmtKind::SetImage { target, images }
            }
            Rule::patch => {
                let target = self.reference_opt(next());
                let mut patch_type = PatchType::Strategic;
                let mut body = None;
                let mut subresource = None;
                while let Some(q) = next() {
                    if q.as_rule() == Rule::subresource {
                        subresource = Some(if q.as_str().ends_with("scale") {
                            Subresource::Scale
                        } else {
                            Subresource::Status
                        });
                    } else if q.as_rule() == Rule::patch_type {
                        patch_type = match q.as_str() {
                            "merge" => PatchType::Merge,
                            "json" => PatchType::Json,
                            _ => PatchType::Strategic,
                        };
                    } else {
                        body = Some(self.text(q));
                    }
                }
                let body = body.unwrap_or_else(empty_text);
                StmtKind::Patch {
                    target,
                    patch_type,
                    body,
                    subresource,
                }
            }
            Rule::delete => {
                let mut targets = Vec::new();
                let mut cascade = None;
                let mut force = false;
                let mut grace_period = None;
                while let Some(q) = next() {
                    match q.as_rule() {
                        Rule::reference => targets.push(self.reference(q)),
                        Rule::grace_period => {
                            grace_period = q.into_inner().next().map(|n| self.integer(n));
                        }
                        Rule::cascade => {
                            cascade = Some(match q.as_str().trim_start_matches("cascade=") {
                                "orphan" => Cascade::Orphan,
                                "foreground" => Cascade::Foreground,
                                "background" => Cascade::Background,
                                other => cascade_boolean(other),
                            })
                        }
                        _ => force = true,
                    }
                }
                StmtKind::Delete {
                    targets,
                    cascade,
                    force,
                    grace_period,
                }
            }
            Rule::rollout => match next() {
                Some(q) if q.as_rule() == Rule::rollout_undo => {
                    let mut parts = q.into_inner().filter(|r| !is_keyword(r.as_rule()));
                    let target = self.reference_opt(parts.next());
                    let to_revision = parts
                        .next()
                        .and_then(|r| r.into_inner().next())
                        .map(|n| self.integer(n));
                    StmtKind::RolloutUndo {
                        target,
                        to_revision,
                    }
                }
                q => {
                    let target = self.reference_opt(
                        q.and_then(|q| q.into_inner().find(|r| r.as_rule() == Rule::reference)),
                    );
                    StmtKind::RolloutRestart { target }
                }
            },
            Rule::write => {
                let target = self.reference_opt(next());
                let path = next().map_or_else(String::new, |p| text::unescape(p.as_str()));
                let content = next().map_or_else(String::new, |c| self.text(c).text);
                StmtKind::Write {
                    target,
                    path,
                    content,
                }
            }
            Rule::let_stmt => {
                let name = next().map_or_else(String::new, |n| n.as_str().to_string());
                let value = match next().and_then(|v| v.into_inner().next()) {
                    Some(v) => match v.as_rule() {
                        Rule::call => Value::Query(Box::new(self.call(v))),
                        Rule::query_word => Value::Query(Box::new(query_word(v.as_str()))),
                        _ => self.value(v),
                    },
                    None => Value::Absent,
                };
                StmtKind::Let { name, value }
            }
            Rule::make => {
                let (target, fault) = (next(), next());
                let args: Vec<Pair<Rule>> = std::iter::from_fn(&mut next).collect();
                self.make(target, fault, args)
            }
            Rule::evict => StmtKind::Evict {
                target: self.reference_opt(next()),
            },
            Rule::cordon => StmtKind::Cordon {
                target: self.reference_opt(next()),
            },
            Rule::uncordon => StmtKind::Uncordon {
                target: self.reference_opt(next()),
            },
            Rule::drain => {
                let target = self.reference_opt(next());
                let mut timeout_ms = None;
                let mut force = false;
                while let Some(q) = next() {
                    match q.as_rule() {
                        Rule::drain_timeout => {
                            if let Some(d) = q.into_inner().next() {
                                let span = self.span(&d);
                                let text = d.as_str().to_string();
                                timeout_ms = self.duration(d);
                                if timeout_ms == Some(0) {
                                    // kubectl's --timeout=0 means "no limit"; scn needs one.
                                    self.error(
                                        span,
                                        E::InvalidDuration {
                                            text,
                                            reason: "a drain needs a limit above 0 (leave \
                                                     `timeout=` out for the default, 10m)"
                                                .into(),
                                        },
                                    );
                                    timeout_ms = None;
                                }
                            }
                        }
                        _ => force = true,
                    }
                }
                StmtKind::Drain {
                    target,
                    timeout_ms,
                    force,
                }
            }
            Rule::add_stmt => {
                let target_pair = next();
                let target_span = target_pair.as_ref().map(|p| self.span(p));
                let target = self.reference_opt(target_pair);
                if target.kind != Kind::Node && self.kind_ok(&target) {
                    self.error(
                        target_span.unwrap_or_default(),
                        E::InvalidSettingValue {
                            setting: "add".into(),
                            value: format!("{}/…", kinds::singular(target.kind)),
                            expected: "a node: `add node/NAME zone=… cpu=…`".into(),
                        },
                    );
                }
                let options = self.node_options(std::iter::from_fn(&mut next), false);
                StmtKind::AddNode { target, options }
            }
            Rule::wait => StmtKind::Wait {
                duration_ms: next().and_then(|d| self.duration(d)).unwrap_or(0),
            },
            Rule::await_stmt => {
                let cond = match next() {
                    Some(q) if q.as_rule() == Rule::await_object => {
                        let mut parts = q.into_inner();
                        let target = self.reference_opt(parts.next());
                        match parts.next().map(|k| k.as_rule()) {
                            Some(Rule::kw_deleted) => AwaitCond::Deleted(target),
                            _ => {
                                // Found before anything runs, as a query given a kind it
                                // does not take (exit 2), not when the await is reached.
                                if !matches!(
                                    target.kind,
                                    Kind::StatefulSet
                                        | Kind::Pod
                                        | Kind::DaemonSet
                                        | Kind::Deployment
                                ) {
                                    let found = kinds::singular(target.kind);
                                    self.error(target.span, E::AwaitReadyKind { found });
                                }
                                AwaitCond::Ready(target)
                            }
                        }
                    }
                    q => AwaitCond::Expectation(self.expectation_opt(q)),
                };
                StmtKind::Await {
                    cond,
                    within_ms: None,
                }
            }
            Rule::expect_stmt => {
                let expectation = self.expectation_opt(next());
                StmtKind::Expect {
                    expectation,
                    throughout_ms: None,
                }
            }
            _ => StmtKind::Wait { duration_ms: 0 },
        }
    }

    fn make(
        &mut self,
        target: Option<Pair<Rule>>,
        fault: Option<Pair<Rule>>,
        args: Vec<Pair<Rule>>,
    ) -> StmtKind {
        let target = match target {
            Some(t) if t.as_rule() == Rule::image_target => {
                let span;
                let image = match t.into_inner().find(|q| !is_keyword(q.as_rule())) {
                    Some(i) => {
                        span = self.span(&i);
                        let image = self.word_or_string(&i);
                        // No container has an empty image (the API server refuses
                        // `image: ""`), so the fault would never match anything.
                        if image.trim().is_empty() {
                            self.error(
                                span,
                                E::InvalidFaultArgument {
                                    fault: "image".into(),
                                    argument: format!("\"{image}\""),
                                    reason: "the image name is empty; write it as the manifest does (e.g. \"nginx:1.27\")".into(),
                                },
                            );
                        }
                        image
                    }
                    None => {
                        span = Span::default();
                        String::new()
                    }
                };
                FaultTarget::Image { image, span }
            }
            t => FaultTarget::Object(self.reference_opt(t)),
        };
        let Some(fault_pair) = fault else {
            return StmtKind::Make {
                target,
                fault: Fault::Unready,
            };
        };
        let word = fault_pair.as_str();
        let (target_kind, allowed): (String, &[(&str, Fault)]) = match &target {
            FaultTarget::Image { .. } => (
                "image".into(),
                &[
                    ("unpullable", Fault::Unpullable),
                    (
                        "crashing",
                        Fault::Crashing {
                            exit: 1,
                            after_ms: 1000,
                        },
                    ),
                    ("healthy", Fault::ImageHealthy),
                    ("slow-to-stop", Fault::SlowToStop { ms: 0 }),
                    ("slow-to-pull", Fault::SlowToPull { ms: 0 }),
                ],
            ),
            FaultTarget::Object(r) => match r.kind {
                Kind::Pod => (
                    "pod".into(),
                    &[
                        ("unready", Fault::Unready),
                        ("ready", Fault::Ready),
                        ("unhealthy", Fault::Unhealthy),
                        ("healthy", Fault::Healthy),
                        ("crash", Fault::Crash),
                        ("evicted", Fault::Evicted),
                    ],
                ),
                Kind::Node => ("node".into(), &[("down", Fault::Down), ("up", Fault::Up)]),
                other => (kinds::singular(other).into(), &[]),
            },
        };
        let fault = match allowed.iter().find(|(n, _)| *n == word) {
            Some((_, f)) => *f,
            None => {
                let names: Vec<&'static str> = allowed.iter().map(|(n, _)| *n).collect();
                let kind = E::UnknownFault {
                    fault: word.to_string(),
                    target_kind,
                    suggestion: suggest(word, names.iter().copied()),
                    allowed: names,
                };
                // An unknown kind was reported already; its fault cannot be judged.
                let known_kind = !matches!(&target, FaultTarget::Object(r) if !self.kind_ok(r));
                if known_kind {
                    self.error(self.span(&fault_pair), kind);
                }
                return StmtKind::Make {
                    target,
                    fault: Fault::Unready,
                };
            }
        };
        let fault = self.fault_args(word, &fault_pair, fault, args);
        StmtKind::Make { target, fault }
    }

    /// The arguments after a fault: `exit=N after=D` for `crashing`, one duration for
    /// `slow-to-stop`/`slow-to-pull`, none for the others.
    fn fault_args(
        &mut self,
        word: &str,
        fault_pair: &Pair<Rule>,
        fault: Fault,
        args: Vec<Pair<Rule>>,
    ) -> Fault {
        let invalid = |argument: &str, reason: &str| E::InvalidFaultArgument {
            fault: word.to_string(),
            argument: argument.to_string(),
            reason: reason.to_string(),
        };
        let mut fault = fault;
        let mut seen_duration = false;
        let mut seen_keys: Vec<String> = Vec::new();
        for arg in args {
            let span = self.span(&arg);
            let text = arg.as_str().to_string();
            let Some(inner) = arg.into_inner().next() else {
                continue;
            };
            match (inner.as_rule(), &mut fault) {
                (Rule::duration, Fault::SlowToStop { ms } | Fault::SlowToPull { ms })
                    if !seen_duration =>
                {
                    seen_duration = true;
                    if let Some(d) = self.duration(inner) {
                        *ms = d;
                    }
                }
                (Rule::fault_option, Fault::Crashing { exit, after_ms }) => {
                    let mut kv = inner.into_inner();
                    let key = kv
                        .next()
                        .map(|k| k.as_str().to_string())
                        .unwrap_or_default();
                    let value = kv.next();
                    if seen_keys.contains(&key) {
                        self.error(span, invalid(&text, "given twice"));
                        continue;
                    }
                    seen_keys.push(key.clone());
                    match (key.as_str(), value) {
                        ("exit", Some(v)) => match v.as_str().parse::<i32>() {
                            Ok(n) if (0..=255).contains(&n) => *exit = n,
                            _ => self.error(
                                span,
                                invalid(&text, "an exit code is an integer from 0 to 255"),
                            ),
                        },
                        ("after", Some(v)) => match parse_duration(v.as_str()) {
                            Ok(d) => *after_ms = d,
                            Err(reason) => self.error(span, invalid(&text, &reason)),
                        },
                        _ => self.error(
                            span,
                            invalid(&text, "`crashing` takes `exit=N` and `after=D`"),
                        ),
                    }
                }
                (_, Fault::Crashing { .. }) => self.error(
                    span,
                    invalid(&text, "`crashing` takes `exit=N` and `after=D`"),
                ),
                (_, Fault::SlowToStop { .. } | Fault::SlowToPull { .. }) => {
                    self.error(span, invalid(&text, "it takes one duration, such as 20s"))
                }
                _ => self.error(span, invalid(&text, "this fault takes no argument")),
            }
        }
        if matches!(fault, Fault::SlowToStop { .. } | Fault::SlowToPull { .. }) && !seen_duration {
            self.error(
                self.span(fault_pair),
                invalid("", "needs a duration, such as `20s`"),
            );
        }
        fault
    }

    /// Whether the reference's kind was recognised (unknown ones were reported at its span).
    fn kind_ok(&self, r: &Ref) -> bool {
        !self
            .errors
            .iter()
            .any(|e| e.span.start == r.span.start && matches!(e.kind, E::UnknownKind { .. }))
    }

    fn expectation_opt(&mut self, p: Option<Pair<Rule>>) -> Expectation {
        let Some(e) = p.and_then(|p| p.into_inner().next()) else {
            return Expectation::Compare {
                lhs: Query::Pods,
                op: CompareOp::Eq,
                rhs: Value::Absent,
                span: Span::default(),
                rhs_span: Span::default(),
            };
        };
        let span = self.span(&e);
        match e.as_rule() {
            Rule::table => Expectation::Table(self.table(e)),
            Rule::matches => {
                let mut parts = e.into_inner().filter(|q| !is_keyword(q.as_rule()));
                let target = self.reference_opt(parts.next());
                let document = match parts.next() {
                    Some(d) => {
                        self.document_variables(&d);
                        self.text(d)
                    }
                    None => empty_text(),
                };
                Expectation::Matches { target, document }
            }
            _ => {
                let mut parts = e.into_inner();
                let lhs = match parts.next().and_then(|q| q.into_inner().next()) {
                    Some(q) => self.query(q),
                    None => Query::Pods,
                };
                let op = match parts.next().map(|o| o.as_str().to_string()).as_deref() {
                    Some("!=") => CompareOp::Ne,
                    Some("contains") => CompareOp::Contains,
                    _ => CompareOp::Eq,
                };
                let rhs_pair = parts.next();
                let rhs_span = rhs_pair.as_ref().map_or(span, |v| self.span(v));
                let rhs = rhs_pair.map_or(Value::Absent, |v| self.value(v));
                Expectation::Compare {
                    lhs,
                    op,
                    rhs,
                    span,
                    rhs_span,
                }
            }
        }
    }

    fn table(&mut self, p: Pair<Rule>) -> Table {
        let span = self.span(&p);
        let mut kind = Kind::Pod;
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        let mut known = false;
        let mut kind_span = span;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::table_kind => match kinds::table_kind(part.as_str()) {
                    Some(k) => {
                        kind = k;
                        known = true;
                        kind_span = self.span(&part);
                    }
                    None => {
                        let names = kinds::TABLE_KINDS.iter().map(|k| kinds::table_name(*k));
                        let word = part.as_str();
                        let error = E::UnknownTableKind {
                            kind: word.to_string(),
                            suggestion: suggest(word, names),
                        };
                        self.error(self.span(&part), error);
                    }
                },
                Rule::table_body if known => {
                    let start = part.as_span().start();
                    let before = self.errors.len();
                    let parsed =
                        table::parse(kind, part.as_str(), start, &self.lines, &mut self.errors);
                    // No line at all (tabs are told by `parse`): nothing says what to compare.
                    if parsed.columns.is_empty() && self.errors.len() == before {
                        let error = E::TableWithoutHeader {
                            kind: kinds::table_name(kind).to_string(),
                        };
                        self.error(kind_span, error);
                    }
                    columns = parsed.columns;
                    rows = parsed.rows;
                }
                _ => {}
            }
        }
        Table {
            kind,
            columns,
            rows,
            span,
        }
    }

    /// `$name` inside a `matches` document reads a variable (`$$` is a literal `$`).
    fn document_variables(&mut self, doc: &Pair<Rule>) {
        let start = doc.as_span().start();
        let s = doc.as_str();
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] != b'$' {
                i += 1;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'$') {
                i += 2;
                continue;
            }
            let name_len = s[i + 1..]
                .bytes()
                .enumerate()
                .take_while(|&(k, b)| {
                    b == b'_' || b.is_ascii_alphabetic() || (k > 0 && b.is_ascii_digit())
                })
                .count();
            if name_len > 0 {
                let span = self.lines.span(start + i, start + i + 1 + name_len);
                self.uses
                    .push((s[i + 1..i + 1 + name_len].to_string(), span));
            }
            i += 1 + name_len;
        }
    }

    fn query(&mut self, q: Pair<Rule>) -> Query {
        match q.as_rule() {
            Rule::call => self.call(q),
            Rule::query_word => query_word(q.as_str()),
            _ => self.field_query(q, true).unwrap_or(Query::Pods),
        }
    }

    fn call(&mut self, p: Pair<Rule>) -> Query {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let Some(name) = inner.next() else {
            return Query::Pods;
        };
        let arg_pairs: Vec<Pair<Rule>> = inner.filter(|a| a.as_rule() == Rule::value).collect();
        let args: Vec<Value> = arg_pairs.iter().map(|a| self.value(a.clone())).collect();
        let Some(info) = queries::by_name(name.as_str()) else {
            let error = E::UnknownQuery {
                name: name.as_str().to_string(),
                suggestion: suggest(name.as_str(), queries::names()),
            };
            self.error(self.span(&name), error);
            return Query::Call {
                function: Function::Pods,
                args,
                span,
            };
        };
        if args.len() != info.arity {
            let error = E::WrongArgumentCount {
                function: name.as_str().to_string(),
                expected: info.arity,
                found: args.len(),
            };
            self.error(span, error);
        } else if info.takes_ref {
            self.check_reference_kind(info.function, name.as_str(), args.first());
            // A quoted argument is text on purpose; only a bare word is judged.
            let first = arg_pairs
                .first()
                .and_then(|p| p.clone().into_inner().next());
            if let (Some(Value::Literal(word)), Some(pair)) = (args.first(), first) {
                if pair.as_rule() != Rule::string && pair.as_rule() != Rule::block {
                    self.not_a_reference(word, self.span(&pair));
                }
            }
        }
        Query::Call {
            function: info.function,
            args,
            span,
        }
    }

    /// A reference of a kind the query does not take (`ip(node/node-1)`, `pods(svc/nginx)`).
    fn check_reference_kind(&mut self, function: Function, name: &str, arg: Option<&Value>) {
        let (Some(allowed), Some(Value::Query(q))) = (queries::reference_kinds(function), arg)
        else {
            return;
        };
        let Query::Field { target, path } = q.as_ref() else {
            return;
        };
        if path.is_empty() && !allowed.contains(&target.kind) {
            let error = E::WrongReferenceKind {
                function: name.to_string(),
                found: kinds::singular(target.kind),
                allowed: allowed.iter().map(|k| kinds::singular(*k)).collect(),
            };
            self.error(target.span, error);
        }
    }

    /// A literal where a reference belongs: an unknown kind (`statefullset/web`), or no kind.
    fn not_a_reference(&mut self, word: &str, span: Span) {
        let kind = word.split('/').next().unwrap_or("");
        if word.contains('/') && kind.chars().all(|c| c.is_ascii_alphabetic()) {
            let error = E::UnknownKind {
                kind: kind.to_string(),
                suggestion: suggest(kind, kinds::ALIASES.iter().map(|(a, _)| *a)),
            };
            // Underline the kind only: that is what is wrong.
            let kind_span = Span {
                end: span.start + kind.len(),
                ..span
            };
            self.error(kind_span, error);
        } else {
            let error = E::UnexpectedToken {
                expected: vec!["a reference such as pod/web-0".into()],
                found: format!("`{word}`"),
                suggestion: None,
            };
            self.error(span, error);
        }
    }

    /// `kind/name.path...`. With `strict` an unknown kind is an error; without, the caller
    /// takes the whole word as a bare word (`None`).
    fn field_query(&mut self, p: Pair<Rule>, strict: bool) -> Option<Query> {
        let mut inner = p.into_inner();
        let r = inner.next()?;
        let target = if strict {
            self.reference(r)
        } else {
            self.reference_lenient(r)?
        };
        let mut path = Vec::new();
        for seg in inner {
            let rule = seg.as_rule();
            let Some(x) = seg.into_inner().next() else {
                continue;
            };
            path.push(match rule {
                Rule::field_seg => PathSegment::Field(x.as_str().to_string()),
                Rule::key_seg => PathSegment::Key(text::unescape(x.as_str())),
                // The same bound as every number of the language (an i64).
                _ => match x.as_str().parse::<i64>().map(usize::try_from) {
                    Ok(Ok(i)) => PathSegment::Index(i),
                    _ => {
                        let kind = E::InvalidNumber {
                            text: x.as_str().to_string(),
                        };
                        self.error(self.span(&x), kind);
                        PathSegment::Index(0)
                    }
                },
            });
        }
        Some(Query::Field { target, path })
    }

    fn value(&mut self, p: Pair<Rule>) -> Value {
        if self.depth > super::prescan::MAX_DEPTH {
            let span = self.span(&p);
            self.error(
                span,
                E::TooDeep {
                    limit: super::prescan::MAX_DEPTH,
                },
            );
            return Value::Absent;
        }
        self.depth += 1;
        let value = self.value_inner(p);
        self.depth -= 1;
        value
    }

    fn value_inner(&mut self, p: Pair<Rule>) -> Value {
        let p = if p.as_rule() == Rule::value {
            match p.into_inner().next() {
                Some(v) => v,
                None => return Value::Absent,
            }
        } else {
            p
        };
        match p.as_rule() {
            Rule::absent => Value::Absent,
            Rule::nxdomain => Value::NxDomain,
            Rule::variable => {
                let name = p.as_str().trim_start_matches('$').to_string();
                self.uses.push((name.clone(), self.span(&p)));
                Value::Var(name)
            }
            Rule::list => Value::List(
                p.into_inner()
                    .filter(|v| v.as_rule() == Rule::value)
                    .map(|v| self.value(v))
                    .collect(),
            ),
            Rule::call => Value::Query(Box::new(self.call(p))),
            Rule::field_value => {
                let text = p.as_str().to_string();
                match self.field_query(p, false) {
                    Some(q) => Value::Query(Box::new(q)),
                    None => Value::Literal(text),
                }
            }
            Rule::block => Value::Literal(self.text(p).text),
            Rule::string => Value::Literal(text::unescape(p.as_str())),
            _ => Value::Literal(p.as_str().to_string()),
        }
    }

    fn reference_opt(&mut self, p: Option<Pair<Rule>>) -> Ref {
        match p {
            Some(p) => self.reference(p),
            None => Ref {
                kind: Kind::Pod,
                name: Name::Literal(String::new()),
                span: Span::default(),
            },
        }
    }

    fn reference(&mut self, p: Pair<Rule>) -> Ref {
        let span = self.span(&p);
        let kind_pair = p.clone().into_inner().next();
        let r = self.reference_lenient(p);
        match (r, kind_pair) {
            (Some(r), _) => r,
            (None, kind_pair) => {
                let word = kind_pair.as_ref().map_or("", |k| k.as_str());
                let error = E::UnknownKind {
                    kind: word.to_string(),
                    suggestion: suggest(word, kinds::ALIASES.iter().map(|(a, _)| *a)),
                };
                // Underline the kind only: that is what is wrong.
                let kind_span = kind_pair.as_ref().map_or(span, |k| self.span(k));
                self.error(kind_span, error);
                Ref {
                    kind: Kind::Pod,
                    name: Name::Literal(String::new()),
                    span,
                }
            }
        }
    }

    /// The reference, or `None` when its kind is unknown (nothing reported).
    fn reference_lenient(&mut self, p: Pair<Rule>) -> Option<Ref> {
        let span = self.span(&p);
        let mut inner = p.into_inner();
        let kind = kinds::by_alias(inner.next()?.as_str())?;
        let name_pair = inner.next()?;
        let name = match name_pair.as_rule() {
            Rule::string => Name::Literal(text::unescape(name_pair.as_str())),
            Rule::variable => {
                let name = name_pair.as_str().trim_start_matches('$').to_string();
                self.uses.push((name.clone(), self.span(&name_pair)));
                Name::Var(name)
            }
            _ => Name::Literal(name_pair.as_str().to_string()),
        };
        Some(Ref { kind, name, span })
    }

    fn text(&mut self, p: Pair<Rule>) -> Text {
        let (start, end) = (p.as_span().start(), p.as_span().end());
        match p.as_rule() {
            Rule::string => text::string_text(p.as_str(), start, end, &self.lines),
            _ => {
                let Some(kind) = p.into_inner().next() else {
                    return empty_text();
                };
                let multi = kind.as_rule() == Rule::block_multi;
                let Some(body) = kind.into_inner().next() else {
                    return empty_text();
                };
                let (s, e) = (body.as_span().start(), body.as_span().end());
                if multi {
                    text::multi_line_block(body.as_str(), s, e, &self.lines)
                } else {
                    text::single_line_block(body.as_str(), s, e, &self.lines)
                }
            }
        }
    }

    fn word_or_string(&self, p: &Pair<Rule>) -> String {
        if p.as_rule() == Rule::string {
            text::unescape(p.as_str())
        } else {
            p.as_str().to_string()
        }
    }

    fn integer(&mut self, p: Pair<Rule>) -> i64 {
        let p = match p.as_rule() {
            Rule::integer => p,
            _ => match p.into_inner().next() {
                Some(i) => i,
                None => return 0,
            },
        };
        p.as_str().parse().unwrap_or_else(|_| {
            self.error(
                self.span(&p),
                E::InvalidNumber {
                    text: p.as_str().to_string(),
                },
            );
            0
        })
    }

    fn duration(&mut self, p: Pair<Rule>) -> Option<u64> {
        let span = self.span(&p);
        let text = p.as_str();
        let mut inner = p.clone().into_inner();
        let first = inner.next().map_or(text, |t| t.as_str());
        let result = if inner.next().is_some() {
            Err("no blanks are allowed inside a duration".to_string())
        } else {
            parse_duration(first)
        };
        match result {
            Ok(ms) => Some(ms),
            Err(reason) => {
                self.error(
                    span,
                    E::InvalidDuration {
                        text: text.to_string(),
                        reason,
                    },
                );
                None
            }
        }
    }
}

fn empty_text() -> Text {
    Text {
        text: String::new(),
        origin: Span::default(),
        indent: 0,
        verbatim: false,
    }
}

fn query_word(word: &str) -> Query {
    match word {
        "created" => Query::Created,
        "deleted" => Query::Deleted,
        "warnings" => Query::Warnings,
        "output" => Query::Output,
        _ => Query::Pods,
    }
}

fn is_keyword(rule: Rule) -> bool {
    format!("{rule:?}").starts_with("kw_")
}

/// The longest duration a file may write: one million hours (about 114 years), far beyond
/// any scenario, and small enough that no sum of instants and durations can wrap.
pub const MAX_DURATION_MS: u64 = 1_000_000 * 3_600_000;

/// `1h2m3s500ms` in milliseconds: units h, m, s, ms in that order, each at most once, at
/// most [`MAX_DURATION_MS`].
pub fn parse_duration(text: &str) -> Result<u64, String> {
    const UNITS: [(&str, u64); 4] = [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)];
    let mut rest = text;
    let mut total: u64 = 0;
    let mut last_unit: Option<usize> = None;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(format!("expected a number before `{rest}`"));
        }
        let number: u64 = rest[..digits].parse().map_err(|_| too_long())?;
        rest = &rest[digits..];
        let letters = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = &rest[..letters];
        rest = &rest[letters..];
        if unit.is_empty() {
            return Err("a bare number is not a duration; add a unit (h, m, s or ms)".into());
        }
        let Some(index) = UNITS.iter().position(|(u, _)| *u == unit) else {
            return Err(format!("unknown unit `{unit}`"));
        };
        if last_unit.is_some_and(|l| l >= index) {
            return Err("units go in the order h, m, s, ms, each at most once".into());
        }
        last_unit = Some(index);
        total = number
            .checked_mul(UNITS[index].1)
            .and_then(|ms| total.checked_add(ms))
            .filter(|ms| *ms <= MAX_DURATION_MS)
            .ok_or_else(too_long)?;
    }
    Ok(total)
}

/// A label value (`validation.IsValidLabelValue`, without the length limit's subtleties).
fn is_label_value(text: &str) -> bool {
    text.len() <= 63
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && text
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .last()
            .is_none_or(|c| c.is_ascii_alphanumeric())
}

/// A node name: a DNS subdomain (lowercase letters, digits, `-`, `.`).
fn is_node_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.'))
        && text.starts_with(|c: char| c.is_ascii_alphanumeric())
        && text.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A resource quantity as Kubernetes reads it (`crate::quantity`), written with digits and
/// not negative: `4`, `500m`, `1.5`, `16Gi`, `1e3`. One too large to hold is refused here,
/// not ignored by the cluster.
fn is_quantity(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && text.contains(|c: char| c.is_ascii_digit())
        && crate::quantity::parse(text).is_ok_and(|q| q.nanos() >= 0)
}

fn too_long() -> String {
    "the duration is too large: at most 1000000h".to_string()
}

/// kubectl's `GetCascadingStrategy` still parses a boolean (`strconv.ParseBool`): true is
/// background, false orphan; the text is kept for its deprecation warning.
fn cascade_boolean(text: &str) -> Cascade {
    const SPELLINGS: [(&str, bool); 12] = [
        ("1", true),
        ("t", true),
        ("T", true),
        ("TRUE", true),
        ("true", true),
        ("True", true),
        ("0", false),
        ("f", false),
        ("F", false),
        ("FALSE", false),
        ("false", false),
        ("False", false),
    ];
    SPELLINGS
        .iter()
        .find(|(s, _)| *s == text)
        .map_or(Cascade::Background, |&(written, value)| Cascade::Boolean {
            value,
            written,
        })
}
