//! Errors found before anything runs: syntax, unknown names, unbound variables.
//! Each kind carries structured fields; `message` and `hint` turn them into words.

use super::ast::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub span: Span,
    pub kind: SyntaxErrorKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SyntaxErrorKind {
    /// The grammar could not go on. `expected` is in words ("`to`", "a duration such as 30s").
    UnexpectedToken {
        expected: Vec<String>,
        found: String,
        suggestion: Option<String>,
    },
    UnknownStatement {
        word: String,
        suggestion: Option<String>,
    },
    UnknownKind {
        kind: String,
        suggestion: Option<String>,
    },
    UnknownQuery {
        name: String,
        suggestion: Option<String>,
    },
    WrongArgumentCount {
        function: String,
        expected: usize,
        found: usize,
    },
    /// A query given a reference of a kind it does not take (`ip(node/node-1)`).
    WrongReferenceKind {
        function: String,
        /// The singular kind written (`node`).
        found: &'static str,
        /// The singular kinds the query takes, in its order.
        allowed: Vec<&'static str>,
    },
    /// `await svc/nginx ready`: readiness is defined for a few kinds only.
    AwaitReadyKind {
        /// The singular kind written (`service`).
        found: &'static str,
    },
    /// `expect pods {` followed by `}`: a table without a header line.
    TableWithoutHeader {
        kind: String,
    },
    UnknownFault {
        fault: String,
        target_kind: String,
        allowed: Vec<&'static str>,
        suggestion: Option<String>,
    },
    /// A fault's argument is missing, unknown or malformed (`crashing exit=x`).
    InvalidFaultArgument {
        fault: String,
        argument: String,
        reason: String,
    },
    UnknownTableKind {
        kind: String,
        suggestion: Option<String>,
    },
    UnknownColumn {
        column: String,
        kind: String,
        known: Vec<&'static str>,
        suggestion: Option<String>,
        /// Known column names joined by single spaces (`NAME STATUS`): the header as it was
        /// meant, with two spaces between them.
        joined: Option<String>,
    },
    MissingNameColumn {
        kind: String,
    },
    DuplicateColumn {
        column: String,
    },
    RaggedRow {
        expected: usize,
        found: usize,
    },
    TabInTable,
    UnknownSetting {
        name: String,
        suggestion: Option<String>,
    },
    InvalidSettingValue {
        setting: String,
        value: String,
        expected: String,
    },
    /// A setting written twice in a cluster block (`nodes 3`, then `nodes 5`), or a node
    /// declared twice (`setting` is then `node NAME`).
    DuplicateSetting {
        setting: String,
        first_line: u32,
    },
    UnboundVariable {
        name: String,
    },
    /// A `$name` that only a later `let` of its scenario, or only another scenario, binds.
    VariableBoundElsewhere {
        name: String,
        /// The line of that `let`.
        line: u32,
        /// Whether the `let` is later in the same scenario (else in another scenario).
        later: bool,
    },
    VariableRebound {
        name: String,
    },
    FailsWithAfterNonAction {
        statement: String,
    },
    WithinOutsideAwait {
        statement: String,
    },
    ThroughoutOutsideExpect {
        statement: String,
    },
    NoScenario,
    InvalidDuration {
        text: String,
        reason: String,
    },
    InvalidNumber {
        text: String,
    },
    InvalidEscape {
        escape: String,
    },
    UnterminatedString,
    UnterminatedBlock,
    /// A table whose `}` is missing: the file ends inside it, or the lines after its rows
    /// (a statement, the scenario's `}`) were read as more rows.
    UnclosedTable {
        /// The first line read as a row that starts like a statement, and its word.
        row: Option<(u32, String)>,
    },
    TextAfterBlockOpener,
    /// `cluster { nodes 3 }`, `scenario "t" { wait 1s }`: a `cluster`, `setup` or
    /// `scenario` block written on one line. `opening`: text follows its `{` on the line;
    /// otherwise its `}` follows a setting or statement on the line.
    OneLineBlock {
        /// `cluster`, `setup` or `scenario`.
        block: &'static str,
        opening: bool,
    },
    NotUtf8,
    /// Brackets or parentheses nested deeper than the language ever needs.
    TooDeep {
        limit: usize,
    },
    /// Two scenarios of one file with the same title (reports and `cargo test` name
    /// scenarios by `path::title`).
    DuplicateTitle {
        title: String,
        first_line: u32,
    },
    /// A scenario title that is empty or blank, or holds a character that would change how
    /// a report shows it (a line break, an escape sequence, a bidirectional override):
    /// titles are one line of text in every report, `scn list` and `--filter`.
    BadTitle {
        /// The first offending character, escaped; `None`: the title is empty or blank.
        character: Option<String>,
    },
    /// A NUL byte or a carriage return that ends a line alone: not text a `.scn` file holds.
    ControlCharacter {
        nul: bool,
    },
}

/// The statement keywords, for messages and did-you-mean.
pub const STATEMENTS: &[&str] = &[
    "apply", "scale", "set", "patch", "delete", "rollout", "write", "let", "make", "evict",
    "cordon", "uncordon", "drain", "wait", "await", "expect", "add",
];

impl SyntaxError {
    pub fn new(span: Span, kind: SyntaxErrorKind) -> Self {
        SyntaxError { span, kind }
    }

    pub fn message(&self) -> String {
        use SyntaxErrorKind::*;
        match &self.kind {
            UnexpectedToken {
                expected, found, ..
            } if expected.is_empty() => {
                format!("unexpected {found}")
            }
            UnexpectedToken {
                expected, found, ..
            } => {
                format!("expected {}, found {found}", one_of(expected))
            }
            UnknownStatement { word, .. } => format!("unknown statement `{word}`"),
            UnknownKind { kind, .. } => format!("unknown kind `{kind}`"),
            UnknownQuery { name, .. } => format!("unknown query `{name}(...)`"),
            WrongArgumentCount {
                function,
                expected,
                found,
            } => format!(
                "`{function}()` takes {expected} argument{}, found {found}",
                if *expected == 1 { "" } else { "s" }
            ),
            WrongReferenceKind {
                function,
                found,
                allowed,
            } => {
                let allowed: Vec<String> = allowed.iter().map(|k| k.to_string()).collect();
                format!(
                    "`{function}()` takes {} reference, not {}",
                    with_article(&one_of(&allowed)),
                    with_article(found)
                )
            }
            AwaitReadyKind { found } => format!(
                "`await … ready` is defined for statefulset/NAME, daemonset/NAME, deployment/NAME and pod/NAME, not for {}",
                with_article(found)
            ),
            TableWithoutHeader { kind } => {
                format!("the table of {kind} has no header line")
            }
            UnknownFault {
                fault,
                target_kind,
                allowed,
                ..
            } if allowed.is_empty() => {
                format!(
                    "`{fault}` is not a fault: {} cannot be made faulty",
                    with_article(target_kind)
                )
            }
            UnknownFault {
                fault, target_kind, ..
            } => {
                format!("unknown fault `{fault}` for {}", with_article(target_kind))
            }
            InvalidFaultArgument {
                fault,
                argument,
                reason,
            } if argument.is_empty() => format!("`{fault}` {reason}"),
            InvalidFaultArgument {
                fault,
                argument,
                reason,
            } => format!("invalid argument `{argument}` for `{fault}`: {reason}"),
            UnknownTableKind { kind, .. } => format!("no table exists for `{kind}`"),
            UnknownColumn { column, kind, .. } => {
                format!("unknown column `{column}` in a table of {kind}")
            }
            MissingNameColumn { kind } => format!("the table of {kind} has no NAME column"),
            DuplicateColumn { column } => format!("the column {column} is already in this header"),
            RaggedRow { expected, found } => {
                format!(
                    "this row has {found} cell{}, the header has {expected}",
                    plural(*found)
                )
            }
            TabInTable => "a tab in a table".into(),
            UnknownSetting { name, .. } => format!("unknown cluster setting `{name}`"),
            InvalidSettingValue {
                setting,
                value,
                expected,
            } => {
                format!("`{value}` is not a valid value for `{setting}`: expected {expected}")
            }
            DuplicateSetting {
                setting,
                first_line,
            } if setting.starts_with("node ") => {
                format!("`{setting}` is already declared at line {first_line}")
            }
            DuplicateSetting {
                setting,
                first_line,
            } => format!("`{setting}` is already set at line {first_line}"),
            UnboundVariable { name } => format!("unbound variable `${name}`"),
            VariableBoundElsewhere {
                name,
                line,
                later: true,
            } => format!("`${name}` is used before its `let` (line {line})"),
            VariableBoundElsewhere { name, line, .. } => format!(
                "`${name}` is bound in another scenario (line {line}), not in this one"
            ),
            VariableRebound { name } => format!("variable `${name}` is bound twice"),
            FailsWithAfterNonAction { statement } => {
                format!("`fails with` cannot follow `{statement}`")
            }
            WithinOutsideAwait { statement } => format!("`within` cannot follow `{statement}`"),
            ThroughoutOutsideExpect { statement } => {
                format!("`throughout` cannot follow `{statement}`")
            }
            NoScenario => "the file has no scenario".into(),
            InvalidDuration { text, reason } => format!("invalid duration `{text}`: {reason}"),
            InvalidNumber { text } => format!("invalid number `{text}`"),
            InvalidEscape { escape } => format!("unknown escape `{escape}` in a string"),
            UnterminatedString => "unterminated string".into(),
            UnterminatedBlock => "unterminated `\"\"\"` block".into(),
            UnclosedTable { .. } => "a table is never closed".into(),
            TextAfterBlockOpener => "text after an opening `\"\"\"`".into(),
            OneLineBlock {
                block,
                opening: true,
            } => format!("text after the `{{` of a `{block}` block"),
            OneLineBlock {
                block,
                opening: false,
            } => format!("the `}}` of a `{block}` block after text on its line"),
            NotUtf8 => "the file is not valid UTF-8".into(),
            TooDeep { limit } => format!("brackets nested more than {limit} deep"),
            DuplicateTitle { title, first_line } => {
                format!("a scenario titled \"{title}\" already exists at line {first_line}")
            }
            BadTitle { character: None } => "a scenario title is empty".into(),
            BadTitle { character: Some(c) } => {
                format!("a scenario title holds the control character `{c}`")
            }
            ControlCharacter { nul: true } => "a NUL byte in the file".into(),
            ControlCharacter { nul: false } => {
                "a line ends with a carriage return alone (CR-only line endings)".into()
            }
        }
    }

    /// A short text for the underline.
    pub fn label(&self) -> String {
        use SyntaxErrorKind::*;
        match &self.kind {
            UnexpectedToken { .. } => "unexpected here".into(),
            UnknownStatement { .. } => "not a statement".into(),
            UnknownKind { .. } => "unknown kind".into(),
            UnknownQuery { .. } => "unknown query".into(),
            WrongArgumentCount { .. } => "wrong number of arguments".into(),
            WrongReferenceKind { found, .. } => format!("{} reference", with_article(found)),
            AwaitReadyKind { found } => format!("{} reference", with_article(found)),
            TableWithoutHeader { .. } => "no header".into(),
            UnknownFault { .. } => "unknown fault".into(),
            InvalidFaultArgument { .. } => "invalid fault argument".into(),
            UnknownTableKind { .. } => "no table for this kind".into(),
            UnknownColumn { .. } => "unknown column".into(),
            MissingNameColumn { .. } => "no NAME column".into(),
            DuplicateColumn { .. } => "repeated column".into(),
            RaggedRow { .. } => "wrong number of cells".into(),
            TabInTable => "tab".into(),
            UnknownSetting { .. } => "unknown setting".into(),
            InvalidSettingValue { .. } => "invalid value".into(),
            DuplicateSetting { .. } => "set again here".into(),
            UnboundVariable { .. } => "not bound by any earlier `let`".into(),
            VariableBoundElsewhere { later: true, .. } => "used before it is bound".into(),
            VariableBoundElsewhere { .. } => "not bound in this scenario".into(),
            VariableRebound { .. } => "bound again here".into(),
            FailsWithAfterNonAction { .. } => "only actions may be refused".into(),
            WithinOutsideAwait { .. } => "`within` belongs to `await`".into(),
            ThroughoutOutsideExpect { .. } => "`throughout` belongs to `expect`".into(),
            NoScenario => "no scenario".into(),
            InvalidDuration { .. } => "invalid duration".into(),
            InvalidNumber { .. } => "invalid number".into(),
            InvalidEscape { .. } => "unknown escape".into(),
            UnterminatedString => "this string is not closed on its line".into(),
            UnterminatedBlock => "this block is never closed".into(),
            UnclosedTable { .. } => "this table is never closed".into(),
            TextAfterBlockOpener => "nothing may follow `\"\"\"` on its line".into(),
            OneLineBlock { opening: true, .. } => "nothing may follow `{` on its line".into(),
            OneLineBlock { opening: false, .. } => "`}` goes on a line of its own".into(),
            NotUtf8 => "not UTF-8".into(),
            TooDeep { .. } => "too deep".into(),
            DuplicateTitle { .. } => "second scenario with this title".into(),
            BadTitle { character: None } => "empty title".into(),
            BadTitle { character: Some(_) } => "control character in the title".into(),
            ControlCharacter { nul: true } => "NUL byte".into(),
            ControlCharacter { nul: false } => "carriage return".into(),
        }
    }

    pub fn hint(&self) -> Option<String> {
        use SyntaxErrorKind::*;
        let did_you_mean = |s: &Option<String>| s.as_ref().map(|s| format!("did you mean `{s}`?"));
        match &self.kind {
            UnexpectedToken {
                suggestion,
                expected,
                found,
            } => did_you_mean(suggestion).or_else(|| unexpected_hint(expected, found)),
            UnknownStatement { word, .. } if word == "kubectl" => Some(
                "write the action without `kubectl` and its flags: `scale statefulset/web to 3`, `delete pod/web-0`, `apply \"web.yaml\"`".into(),
            ),
            UnknownStatement { word, .. } if kubectl_command_hint(word).is_some() => {
                kubectl_command_hint(word).map(str::to_string)
            }
            UnknownStatement { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some(format!("a statement starts with one of: {}", STATEMENTS.join(", ")))
            }),
            UnknownKind { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some("kinds: statefulset (sts), pod (po), pvc, pv, storageclass (sc), service (svc), node (no), controllerrevision, endpointslice, daemonset (ds), configmap (cm), secret, deployment (deploy), replicaset (rs), poddisruptionbudget (pdb), priorityclass (pc), endpoints (ep), resourcequota (quota), limitrange (limits), horizontalpodautoscaler (hpa), runtimeclass".into())
            }),
            UnknownQuery { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some(format!("queries: {}", super::queries::names().collect::<Vec<_>>().join(", ")))
            }),
            WrongArgumentCount { function, .. } => {
                let example = match function.as_str() {
                    "ip" | "hostname" | "node" | "image" | "restarts" | "zone" => {
                        format!("`{function}(pod/web-0)`")
                    }
                    "dns" => "`dns(\"web-0.nginx\")`".into(),
                    "srv" => "`srv(\"_web._tcp.nginx\")`".into(),
                    "ptr" => "`ptr(\"10.244.1.2\")`".into(),
                    "claim" => "`claim(pod/web-0, \"www\")`: the pod, then its volume's name".into(),
                    "read" => "`read(pod/web-0, \"/usr/share/nginx/html/index.html\")`: the pod, then the file's path".into(),
                    "volume" => "`volume(pvc/www-web-0)`".into(),
                    _ => format!("`{function}(statefulset/web)`"),
                };
                Some(format!("write it as {example}"))
            }
            WrongReferenceKind {
                function, allowed, ..
            } => {
                let forms: Vec<String> = allowed.iter().map(|k| format!("{k}/NAME")).collect();
                let example = match allowed.first().copied() {
                    Some("pod") => "pod/web-0",
                    Some("persistentvolumeclaim") => "pvc/www-web-0",
                    _ => "statefulset/web",
                };
                let rest = match function.as_str() {
                    "claim" => ", \"www\"",
                    "read" => ", \"/data/file\"",
                    _ => "",
                };
                Some(format!(
                    "`{function}()` takes {}: `{function}({example}{rest})`",
                    one_of(&forms)
                ))
            }
            TableWithoutHeader { kind } => Some(format!(
                "write the columns on the line after `{{`, as `kubectl get` prints them (NAME first); `NAME` alone with no rows says that no {kind} exist"
            )),
            UnknownFault { suggestion, allowed, .. } => did_you_mean(suggestion).or_else(|| {
                if allowed.is_empty() {
                    Some("faults: pods unready/ready/unhealthy/healthy/crash, nodes down/up, images unpullable/crashing/healthy/slow-to-stop/slow-to-pull".into())
                } else {
                    Some(format!("allowed here: {}", allowed.join(", ")))
                }
            }),
            InvalidFaultArgument { .. } => Some(
                "e.g. `make image \"app:2\" crashing exit=137 after=30s`, `make image \"db:1\" slow-to-stop 20s`, `make image \"db:1\" slow-to-pull 30s`".into(),
            ),
            UnknownTableKind { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                // From the list of table kinds itself, so a new table is named here too.
                let names: Vec<&str> = super::kinds::TABLE_KINDS
                    .iter()
                    .map(|k| super::kinds::table_name(*k))
                    .collect();
                let (last, rest) = names.split_last()?;
                Some(format!("tables exist for {} and {last}", rest.join(", ")))
            }),
            UnknownColumn {
                joined: Some(fixed),
                ..
            } => Some(format!(
                "columns are separated by two or more spaces (one space joins the words of one column, as in `ACCESS MODES`): write `{fixed}`"
            )),
            UnknownColumn { suggestion, known, .. } => {
                let list = format!("known columns: {}", known.join(", "));
                Some(match suggestion {
                    Some(s) => format!("did you mean `{s}`? {list}"),
                    None => list,
                })
            }
            MissingNameColumn { .. } => Some("rows are matched to objects by NAME".into()),
            DuplicateColumn { .. } => Some("each column is compared once; remove this one".into()),
            RaggedRow { .. } => {
                Some("write `*` for a cell whose value does not matter".into())
            }
            TabInTable => Some("separate columns with two or more spaces".into()),
            AwaitReadyKind { .. } => Some(
                "for another kind, await one of its fields: `await pvc/www-web-0.status.phase == Bound`; `await KIND/NAME deleted` takes any kind".into(),
            ),
            UnknownSetting { suggestion, .. } => did_you_mean(suggestion).or_else(|| {
                Some("settings: nodes, node-capacity, node, namespace, domain, max-pods, max-time, max-events, feature-gate".into())
            }),
            UnboundVariable { name } => Some(format!(
                "bind it first with `let {name} = ...`; write \"${name}\" for the literal text"
            )),
            VariableBoundElsewhere { later: true, .. } => Some(
                "statements run in order: move the `let` above the first use".into(),
            ),
            VariableBoundElsewhere { name, .. } => Some(format!(
                "each scenario has its own variables: bind `{name}` in `setup {{ … }}` to share it, or in this scenario"
            )),
            VariableRebound { .. } => {
                Some("a name is bound once per scenario (setup included); pick another name".into())
            }
            FailsWithAfterNonAction { .. } => Some(
                "`fails with` follows actions only: apply, scale, set image, patch, delete, rollout, write, make, evict, cordon, uncordon, drain, add".into(),
            ),
            WithinOutsideAwait { statement } if statement == "expect" => Some(
                "`within` ends an `await` statement: `await … within 2m` waits until it holds; `expect … throughout 2m` checks that it holds all along".into(),
            ),
            WithinOutsideAwait { .. } => Some("`within` ends an `await` statement".into()),
            ThroughoutOutsideExpect { .. } => {
                Some("`throughout` ends an `expect` statement".into())
            }
            NoScenario => Some("add `scenario \"title\" { ... }`".into()),
            InvalidDuration { .. } => Some(
                "durations look like 500ms, 30s, 5m, 1h, 1m30s: units h, m, s, ms in that order, no blanks".into(),
            ),
            InvalidNumber { .. } => Some(
                "too large to read: a number here is at most 9223372036854775807 (counts such as replicas are far smaller)".into(),
            ),
            InvalidEscape { .. } => Some("escapes are \\\", \\\\, \\n and \\t".into()),
            UnterminatedString => Some("close it with `\"` on the same line".into()),
            UnterminatedBlock => Some("close it with `\"\"\"` at the start of a line".into()),
            UnclosedTable { row: Some((line, word)) } => Some(format!(
                "line {line} (`{word} ...`) was read as a row of it: close the table with `}}` on its own line after its last row"
            )),
            UnclosedTable { row: None } => {
                Some("close the table with `}` on its own line after its last row".into())
            }
            TextAfterBlockOpener => Some(
                "a multi-line block opens with `\"\"\"` at the end of a line; a one-line block closes on its line"
                    .into(),
            ),
            OneLineBlock { block, .. } => {
                let (what, example) = match *block {
                    "cluster" => ("setting", "cluster {\n  nodes 3\n}"),
                    "setup" => ("statement", "setup {\n  apply \"web.yaml\"\n}"),
                    _ => ("statement", "scenario \"title\" {\n  expect pods == []\n}"),
                };
                Some(format!(
                    "one statement per line: a {block} block puts `{{` at the end of a line, each {what} on its own line, and `}}` on a line of its own:\n{example}"
                ))
            }
            TooDeep { .. } => Some(
                "lists and calls nest a few levels at most; check for a runaway `[` or `(`".into(),
            ),
            DuplicateSetting { setting, .. } if setting.starts_with("node ") => Some(
                "each `node NAME` line declares one node: keep one line and put all its options on it".into(),
            ),
            DuplicateSetting { .. } => Some(
                "a cluster block sets each setting once (only `feature-gate` and `node` lines repeat): keep the line you mean".into(),
            ),
            DuplicateTitle { .. } => Some(
                "a scenario is named `path::title` in reports, --filter and cargo test: give each one its own title".into(),
            ),
            BadTitle { character: None } => {
                Some("give the scenario a title that says what it checks: `scenario \"pods start in order\" {`".into())
            }
            BadTitle { character: Some(_) } => Some(
                "a title is one line of plain text (reports and `scn list` show one title a line): remove the character or its escape".into(),
            ),
            ControlCharacter { nul: true } => {
                Some("a .scn file is text; remove the byte (was it saved by a binary tool?)".into())
            }
            ControlCharacter { nul: false } => {
                Some("save the file with LF (or CRLF) line endings".into())
            }
            _ => None,
        }
    }
}

/// "a pod", "an image".
/// A hint for what the grammar stumbled on, when the token and what was expected tell the
/// likely mistake: a stray `}`, blocks out of order, a duration with a blank or a sign, a
/// block never closed.
fn unexpected_hint(expected: &[String], found: &str) -> Option<String> {
    let expects = |text: &str| expected.iter().any(|e| e == text);
    let token = found.strip_prefix('`').and_then(|f| f.strip_suffix('`'));
    let top_level = expects("the end of the file") && expects("`scenario`");
    // Inside `[…]` of a field path: an index or a quoted key.
    let expects_key = expected.len() == 2 && expects("a number") && expects("a \"string\"");
    match token {
        Some("}") if top_level => Some(
            "this `}` closes no block: the block above is already closed; remove it".into(),
        ),
        Some(block @ ("cluster" | "setup")) if top_level || expects("`setup`") => Some(format!(
            "a file holds, in this order, at most one `cluster {{ … }}`, at most one `setup {{ … }}`, then the scenarios: this `{block}` block is out of place (move it up, or merge it into the other `{block}`)"
        )),
        Some(t) if is_duration_like(t) && expects("a unit (h, m, s or ms)") => Some(
            "a duration is written without blanks: `1m30s`, not `1m 30s`".into(),
        ),
        // `wait 1.5s`: the grammar stops at the `.`.
        Some(t)
            if t.starts_with('.')
                && t[1..].starts_with(|c: char| c.is_ascii_digit())
                && expects("a unit (h, m, s or ms)") =>
        {
            Some("a duration has no fraction: write `1s500ms`, not `1.5s` (units h, m, s, ms)".into())
        }
        // `patch pod/p subresource=resize …`: a subresource kubectl knows, scn does not.
        Some("subresource") if expects("`subresource=status` or `subresource=scale`") => Some(
            "`patch` takes the `status` and `scale` subresources only: others (`resize`, in-place pod resize; `ephemeralcontainers`) are not simulated by scn; to change the resources of a set's pods, patch its template (`/spec/template/spec/containers/0/resources`), which rolls them".into(),
        ),
        Some(t) if t.starts_with('$') && expects("an expectation") => Some(format!(
            "a variable is a value, not a query: compare a query with it, `expect statefulset/web.spec.replicas == {t}`"
        )),
        Some(t) if t.starts_with('$') && expected == ["a number"] => Some(
            "here the count must be a literal number (`scale statefulset/web to 3`): a variable cannot stand for it".into(),
        ),
        Some(t) if t.starts_with('?') && expects("a number") => Some(
            "filters (`[?(@.type==\"Ready\")]`) are not supported; use an index: `status.conditions[0].type`".into(),
        ),
        Some(t) if t.starts_with('-') && expects("a duration such as 30s") => Some(format!(
            "a duration is never negative (time only moves forward): write `{}`",
            t.trim_start_matches('-')
        )),
        // `expect pod/web-0 ready`: readiness is awaited, not compared.
        Some(word @ ("ready" | "deleted")) if expects("`==`, `!=` or `contains`") && !expects("`ready`") => Some(format!(
            "`{word}` follows `await`: `await pod/web-0 {word}`; `expect` compares a query with a value: `expect pod/web-0.status.phase == Running`"
        )),
        // `await pod/web-0 running`
        Some(_) if expects("`ready`") && expects("`==`, `!=` or `contains`") => Some(
            "after a reference, `await` takes `ready` or `deleted`; for anything else compare a query: `await pod/web-0.status.phase == Running`".into(),
        ),
        Some("=") if expects("`==`, `!=` or `contains`") => {
            Some("compare with `==` (two equals signs), `!=` or `contains`".into())
        }
        // `expect [web-0] == pods`, `expect 3 == …`: the query goes first.
        Some(_) if expects("an expectation") => Some(
            "the left side is a query (pods, ip(pod/web-0), statefulset/web.status.replicas, a table such as `pods {`); the expected value goes on the right: `expect pods == [web-0, web-1]`".into(),
        ),
        // `delete web-0`, `ip(web-0)`: a bare name where a reference goes.
        Some(t)
            if expected.iter().any(|e| e.starts_with("a reference such as "))
                && !t.contains('/')
                && t.starts_with(|c: char| c.is_alphanumeric()) =>
        {
            Some(format!(
                "write the kind before the name, as kubectl does: `pod/{t}`, `statefulset/{t}`"
            ))
        }
        // `apply web.yaml`
        Some(t) if expects("a \"string\"") && expects("a `\"\"\"` block") && t.contains('.') => {
            Some(format!("a path is quoted: `apply \"{t}\"`"))
        }
        // `set image statefulset/web nginx:1.10`
        Some(t) if expects("a container=image pair") && !t.contains('=') => Some(format!(
            "name the container, as kubectl set image does: `nginx={t}` (container=image; `*=` for every container)"
        )),
        // `labels[app]`, `conditions[-1]`
        Some(t) if expects_key && t.starts_with('-') => Some(
            "list elements are counted from 0; a negative index is not supported".into(),
        ),
        Some(t) if expects_key => {
            let key = if t.starts_with(|c: char| c.is_alphanumeric()) { t } else { "app" };
            Some(format!(
                "a key is written in double quotes: `[\"{key}\"]`; a list element by its index: `[0]`"
            ))
        }
        // `delete statefulset/web --cascade=orphan`: kubectl's flag as a shell has it.
        Some(t) if t.starts_with("--") => {
            let name = t.trim_start_matches('-');
            let options: Vec<&str> = expected
                .iter()
                .map(String::as_str)
                .filter(|e| !name.is_empty() && e.trim_start_matches('`').starts_with(name))
                .collect();
            Some(if options.is_empty() {
                format!("scn's statements take no `--` flags: `--{name}` is not an option of this statement")
            } else {
                format!(
                    "kubectl's flags are written without their dashes here: {}",
                    options.join(", ")
                )
            })
        }
        // `expect pods == web-0, web-1`
        Some(",") if expects("the end of the line") => {
            Some("a list is written in brackets: `[web-0, web-1]`".into())
        }
        // `scale statefulset/web 5`
        Some(t) if expects("`to`") && t.starts_with(|c: char| c.is_ascii_digit()) => {
            Some(format!("`to` goes before the count: `scale statefulset/web to {t}`"))
        }
        // `rollout undo statefulset/web to 2`
        Some("to") if expects("`to-revision=N`") => Some(
            "the revision is one token, as kubectl's --to-revision: `rollout undo statefulset/web to-revision=2`".into(),
        ),
        // `wait 5s now`: more words after a complete statement.
        Some(t) if expects("the end of the line") && !t.is_empty() => Some(format!(
            "the statement is complete before `{t}`: one statement per line, and a comment starts with `#` after a blank"
        )),
        // `scenario "t" tags (a) {`
        Some("tags") if expects("`tags(...)`") => {
            Some("no blank between `tags` and `(`: `tags(a, b)`".into())
        }
        None if found == "the end of the file" && expects("`}`") => Some(
            "a block is never closed: end the last `scenario` (or `setup`, `cluster`) with `}` on a line of its own".into(),
        ),
        _ => None,
    }
}

/// `30s`, `1m30s`, `500ms`: digits followed by a unit, repeated.
fn is_duration_like(token: &str) -> bool {
    let mut rest = token;
    let mut parts = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        let unit = ["ms", "h", "m", "s"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return false,
        }
        parts += 1;
    }
    parts > 0
}

fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// "a", "a or b", "a, b or c".
fn one_of(items: &[String]) -> String {
    match items {
        [] => "something else".into(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

impl std::fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.span.line,
            self.span.col,
            self.message()
        )
    }
}

impl std::error::Error for SyntaxError {}

/// What to write instead of a kubectl command that scn has on purpose no statement for (the
/// docs' pages use them: `kubectl get`, `exec`, `label`, …). Before the spelling suggestion,
/// which would offer `set` for `get`.
fn kubectl_command_hint(word: &str) -> Option<&'static str> {
    Some(match word {
        "get" => "`kubectl get` is an expectation in scn: `expect pods { … }` (a table as kubectl get prints it), `expect pods == [web-0, web-1]`, or a field: `expect pod/web-0.status.phase == Running`",
        "describe" => "scn has no `describe`: check what it shows with `expect events(pod/web-0) contains \"…\"` and field paths (`expect pod/web-0.status.conditions[0].status == \"True\"`)",
        "exec" | "cp" | "attach" => "scn runs no command in a container: `write pod/web-0 \"/path\" \"text\"` and `read(pod/web-0, \"/path\")` stand for exec's echo and cat, `hostname(pod/web-0)` for `hostname`, `dns(\"web-0.nginx\")` for nslookup",
        "logs" => "scn runs no program, so containers write no logs: check a container with a field path (`pod/web-0.status.containerStatuses[0].state`) or `events(pod/web-0)`",
        "label" => "`kubectl label` is a patch in scn: `patch node/node-1 \"\"\"{\"metadata\":{\"labels\":{\"disktype\":\"ssd\"}}}\"\"\"`",
        "annotate" => "`kubectl annotate` is a patch in scn: `patch pod/web-0 \"\"\"{\"metadata\":{\"annotations\":{\"key\":\"value\"}}}\"\"\"`",
        "taint" => "`kubectl taint` is a patch in scn: `patch node/node-1 \"\"\"{\"spec\":{\"taints\":[{\"key\":\"k\",\"value\":\"v\",\"effect\":\"NoSchedule\"}]}}\"\"\"`, or `taints(k=v:NoSchedule)` on a node in the `cluster` block",
        "run" | "expose" => "write the object as a manifest and `apply` it; for `kubectl run … -- nslookup NAME` ask `dns(\"NAME\")`",
        "create" | "replace" | "edit" => "change objects with `apply` (a manifest, created or updated) or `patch`; scn simulates one namespace (`namespace NAME` in the `cluster` block names it)",
        "top" => "scn has no metrics: requests and limits are fields (`expect pod/web-0.spec.containers[0].resources.requests.cpu == 250m`)",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unknown-kind hint names every kind a reference accepts (it is written out by
    /// hand, so a new kind must be added to it).
    #[test]
    fn unknown_kind_hint_names_every_kind() {
        let error = SyntaxError {
            span: Span::default(),
            kind: SyntaxErrorKind::UnknownKind {
                kind: "foo".into(),
                suggestion: None,
            },
        };
        let hint = error.hint().unwrap_or_default();
        for (_, kind) in super::super::kinds::ALIASES {
            let singular = super::super::kinds::singular(*kind);
            let named = super::super::kinds::ALIASES
                .iter()
                .filter(|(_, k)| k == kind)
                .any(|(alias, _)| hint.split([' ', ',', '(', ')']).any(|w| w == *alias));
            assert!(named, "the hint does not name {singular}: {hint}");
        }
    }
}
