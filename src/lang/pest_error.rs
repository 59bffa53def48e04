//! Turning a pest error (rule names) into a `SyntaxError` that says what was expected in
//! words, with a did-you-mean for misspelt keywords.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::error::{SyntaxError, SyntaxErrorKind, STATEMENTS};
use super::lines::LineIndex;
use super::parser::Rule;
use crate::suggest::suggest;

const STATEMENT_RULES: &[Rule] = &[
    Rule::kw_apply,
    Rule::kw_scale,
    Rule::kw_set,
    Rule::kw_patch,
    Rule::kw_delete,
    Rule::kw_rollout,
    Rule::kw_write,
    Rule::kw_let,
    Rule::kw_make,
    Rule::kw_evict,
    Rule::kw_cordon,
    Rule::kw_uncordon,
    Rule::kw_drain,
    Rule::kw_wait,
    Rule::kw_await,
    Rule::kw_expect,
];

pub fn convert(err: &Error<Rule>, src: &str, lines: &LineIndex) -> SyntaxError {
    let pos = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let positives: &[Rule] = match &err.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => &[],
    };
    if let Some((brace, row)) = unclosed_table(src, pos) {
        return SyntaxError::new(
            lines.span(brace, brace + 1),
            SyntaxErrorKind::UnclosedTable { row },
        );
    }
    if let Some(err) = one_line_block(src, pos, positives, lines) {
        return err;
    }
    let word = word_at(src, pos);
    // Underline the word, or the one character there (none at the end of the file).
    let next_char = src
        .get(pos..)
        .and_then(|r| r.chars().next())
        .map_or(0, char::len_utf8);
    // At the end of a line nothing is there to underline: a caret after the line's last
    // character, never a span that runs into the next line.
    let at_line_end = src
        .get(pos..)
        .is_some_and(|r| r.starts_with('\n') || r.starts_with('\r'));
    let len = if at_line_end {
        0
    } else if word.is_empty() {
        next_char
    } else {
        word.len()
    };
    let span = lines.span(pos, pos + len);
    // `nodes -3` in a cluster block: a count, never negative.
    if line_before(src, pos).trim() == "nodes" && word.starts_with('-') {
        return SyntaxError::new(
            span,
            SyntaxErrorKind::InvalidSettingValue {
                setting: "nodes".into(),
                value: word.to_string(),
                expected: "a number of nodes from 0 to 250 (a cluster has 1 to 250 nodes in all, `node NAME` lines included)".into(),
            },
        );
    }
    if positives
        .iter()
        .any(|r| *r == Rule::statement || STATEMENT_RULES.contains(r))
        && word.starts_with(|c: char| c.is_alphabetic())
    {
        let kind = SyntaxErrorKind::UnknownStatement {
            word: word.to_string(),
            suggestion: suggest(word, STATEMENTS.iter().copied()),
        };
        return SyntaxError::new(span, kind);
    }
    let keywords: Vec<String> = positives.iter().flat_map(|r| keywords_of(*r)).collect();
    // `let $v = …`: the name is written without its `$` where it is bound.
    let bare_name = word
        .strip_prefix('$')
        .filter(|name| positives.contains(&Rule::variable_name) && !name.is_empty());
    let suggestion = if word.is_empty() {
        None
    } else if let Some(name) = bare_name {
        Some(name.to_string())
    } else {
        suggest(word, keywords.iter().map(String::as_str))
    };
    // The end of the file is what the grammar tries for a line's end (`&EOI`): in the
    // middle of a line, the end of the line is what is missing.
    let mut expected = describe_all(positives);
    // `within`/`throughout` end only an `await`/`expect`, `fails with` only an action: the
    // grammar takes them after any statement (to refuse a misplaced one in words), so the
    // statement the line starts with says which of them it may still take.
    let first_word = line_before(src, pos)
        .split_whitespace()
        .next()
        .unwrap_or("");
    if STATEMENTS.contains(&first_word) {
        let waits = matches!(first_word, "await" | "expect");
        let action = !matches!(first_word, "await" | "expect" | "wait" | "let");
        expected.retain(|t| {
            (waits || t != &describe(Rule::timing))
                && (action || (t != &describe(Rule::fails_with) && t != &describe(Rule::kw_fails)))
        });
    }
    if !line_before(src, pos).trim().is_empty() {
        for text in &mut expected {
            if text == describe(Rule::EOI).as_str() {
                *text = describe(Rule::line_end);
            }
        }
        let mut seen = Vec::new();
        expected.retain(|t| {
            let first = !seen.contains(t);
            seen.push(t.clone());
            first
        });
    }
    let kind = SyntaxErrorKind::UnexpectedToken {
        expected,
        found: found(src, pos),
        suggestion,
    };
    SyntaxError::new(span, kind)
}

/// A table (`expect pods {`) before the error at `pos` whose `}` is missing: the byte of
/// its `{`, and the first line read as one of its rows that starts like a statement. A
/// table that is never closed, or whose rows ran into a statement (the `}` that closed it
/// was the scenario's, so the error shows up lines later), is the likelier cause than
/// what the grammar stumbled on.
fn unclosed_table(src: &str, pos: usize) -> Option<(usize, Option<(u32, String)>)> {
    struct Table {
        brace: usize,
        closed: bool,
        header: bool,
        row: Option<(u32, String)>,
    }
    let mut last: Option<Table> = None;
    let mut offset = 0;
    for (n, raw) in src.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += raw.len();
        if line_start > pos {
            break;
        }
        let text = raw.split(" #").next().unwrap_or(raw).trim();
        match last.as_mut() {
            Some(t) if !t.closed => {
                if text.starts_with('}') {
                    t.closed = true;
                } else if !text.is_empty() {
                    let word = text.split_whitespace().next().unwrap_or("");
                    let statement = STATEMENTS.contains(&word)
                        || matches!(word, "scenario" | "setup" | "cluster");
                    if t.header && statement && t.row.is_none() {
                        t.row = Some((n as u32 + 1, word.to_string()));
                    }
                    t.header = true;
                }
            }
            _ => {
                let mut words = text.split_whitespace();
                if words.next() == Some("expect")
                    && words
                        .next()
                        .is_some_and(|k| k.chars().all(|c| c.is_ascii_alphabetic()))
                    && words.next() == Some("{")
                    && words.next().is_none()
                {
                    let brace = line_start + raw.rfind('{').unwrap_or(0);
                    last = Some(Table {
                        brace,
                        closed: false,
                        header: false,
                        row: None,
                    });
                }
            }
        }
    }
    let table = last?;
    if table.brace > pos {
        return None;
    }
    if !table.closed || table.row.is_some() {
        return Some((table.brace, table.row));
    }
    None
}

/// The text of the line of `pos` before it.
fn line_before(src: &str, pos: usize) -> &str {
    let head = src.get(..pos).unwrap_or("");
    let start = head.rfind('\n').map_or(0, |i| i + 1);
    &head[start..]
}

/// The block keyword (`cluster`, `setup`, `scenario`) a line opens with, if any.
fn block_keyword(line: &str) -> Option<&'static str> {
    let first = line
        .trim_start()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()?;
    ["cluster", "setup", "scenario"]
        .into_iter()
        .find(|k| *k == first)
}

/// `cluster { nodes 3 }`, `scenario "t" { wait 1s }`, `  wait 1s }`: a block written on
/// one line, which the grammar (one statement per line) refuses wherever it stops. Found
/// when the error is just after a block's `{` on its line, or at a `}` that ends a line
/// holding a setting or statement.
fn one_line_block(
    src: &str,
    pos: usize,
    positives: &[Rule],
    lines: &LineIndex,
) -> Option<SyntaxError> {
    let before = line_before(src, pos);
    let rest = src.get(pos..).unwrap_or("");
    let at = |len: usize| lines.span(pos, pos + len);
    // Just after the `{` of a block's first line.
    if before.trim_end().ends_with('{') && !rest.starts_with(['\n', '\r', '#']) && !rest.is_empty()
    {
        let block = block_keyword(before)?;
        let len = rest.chars().next().map_or(0, char::len_utf8);
        return Some(SyntaxError::new(
            at(len),
            SyntaxErrorKind::OneLineBlock {
                block,
                opening: true,
            },
        ));
    }
    // A `}` after a setting or statement, where its line could have ended.
    let after = rest.strip_prefix('}')?;
    let line_rest = after.split('\n').next().unwrap_or("").trim();
    let ends_line = line_rest.is_empty() || line_rest.starts_with('#');
    let could_end = positives.contains(&Rule::EOI) || positives.contains(&Rule::line_end);
    if !ends_line || !could_end || before.trim().is_empty() {
        return None;
    }
    // The block it would close: the last line before it that opens one.
    let head = src.get(..pos - before.len()).unwrap_or("");
    let block = head
        .lines()
        .rev()
        .find_map(|line| {
            let line = line.trim_end();
            (line.ends_with('{') && !line.starts_with([' ', '\t']))
                .then(|| block_keyword(line))
                .flatten()
        })
        .or_else(|| block_keyword(before))?;
    Some(SyntaxError::new(
        at(1),
        SyntaxErrorKind::OneLineBlock {
            block,
            opening: false,
        },
    ))
}

/// Used when the grammar gives nothing back at all (it should not happen).
pub fn at_end(src: &str, lines: &LineIndex) -> SyntaxError {
    let end = src.len();
    SyntaxError::new(
        lines.span(end, end),
        SyntaxErrorKind::UnexpectedToken {
            expected: vec!["a scenario".into()],
            found: "the end of the file".into(),
            suggestion: None,
        },
    )
}

/// The word-like token at `pos` (letters, digits and the bare-word punctuation).
fn word_at(src: &str, pos: usize) -> &str {
    let rest = src.get(pos..).unwrap_or("");
    let len = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || "-_.:/@#$".contains(*c)))
        .map_or(rest.len(), |(i, _)| i);
    &rest[..len]
}

fn found(src: &str, pos: usize) -> String {
    let rest = src.get(pos..).unwrap_or("");
    if rest.is_empty() {
        return "the end of the file".into();
    }
    if rest.starts_with('\n') || rest.starts_with("\r\n") {
        return "the end of the line".into();
    }
    let word = word_at(src, pos);
    let token = if word.is_empty() {
        rest.chars().next().map(String::from).unwrap_or_default()
    } else {
        word.chars().take(40).collect()
    };
    format!("`{token}`")
}

/// The keywords a rule starts with, for did-you-mean.
fn keywords_of(rule: Rule) -> Vec<String> {
    let words: &[&str] = match rule {
        Rule::file => &["cluster", "setup", "scenario"],
        Rule::cluster => &["cluster"],
        Rule::setup => &["setup"],
        Rule::scenario | Rule::scenario_head => &["scenario"],
        Rule::patch_type => &["merge", "json", "strategic"],
        Rule::rollout_undo => &["undo"],
        Rule::rollout_restart => &["restart"],
        Rule::compare_op => &["contains"],
        Rule::timing => &["within", "throughout"],
        Rule::fails_with => &["fails"],
        other => {
            return format!("{other:?}")
                .strip_prefix("kw_")
                .map(str::to_string)
                .into_iter()
                .collect()
        }
    };
    words.iter().map(|w| w.to_string()).collect()
}

fn describe_all(positives: &[Rule]) -> Vec<String> {
    let ends_line = positives.contains(&Rule::line_end);
    let mut out: Vec<String> = Vec::new();
    for rule in positives {
        // After a complete statement, listing every optional suffix only adds noise.
        if ends_line && matches!(rule, Rule::kw_within | Rule::kw_throughout | Rule::kw_fails) {
            continue;
        }
        let text = describe(*rule);
        if !out.contains(&text) {
            out.push(text);
        }
    }
    // "a value (a word, "string", …)" already says a string: `max-pods -1` would read
    // "expected a value (…) or a "string"".
    if out.len() > 1 && out.iter().any(|t| t.starts_with("a value (")) {
        out.retain(|t| t != &describe(Rule::string));
    }
    out
}

fn describe(rule: Rule) -> String {
    use Rule::*;
    let s = match rule {
        kw_apply | kw_scale | kw_set | kw_patch | kw_delete | kw_rollout | kw_write | kw_let
        | kw_make | kw_evict | kw_cordon | kw_uncordon | kw_drain | kw_add | kw_wait | kw_await
        | kw_expect | statement => {
            "a statement (apply, scale, set image, patch, delete, rollout, write, let, make, evict, cordon, uncordon, drain, add, wait, await, expect)"
        }
        line_end => "the end of the line",
        file => "`cluster`, `setup` or `scenario`",
        cluster => "`cluster`",
        setup => "`setup`",
        scenario | scenario_head => "`scenario`",
        comma => "`,`",
        close_paren => "`)`",
        close_bracket => "`]`",
        rollout_undo | rollout_restart => "`undo` or `restart`",
        EOI => "the end of the file",
        open_brace => "`{`",
        close_brace => "`}`",
        reference | kind_name | name_word => "a reference such as statefulset/web",
        duration | duration_text => "a duration such as 30s",
        stray_unit => "a unit (h, m, s or ms)",
        integer | index => "a number",
        string => "a \"string\"",
        block | block_multi | block_single | block_line | block_body => "a `\"\"\"` block",
        value | absent | nxdomain | variable | list | field_value | dash | bare_word => {
            "a value (a word, \"string\", number, [list], $variable, absent, nxdomain or a query)"
        }
        call | call_name => "a query such as ip(pod/web-0)",
        query | query_word | field_query => "a query such as pods(statefulset/web) or statefulset/web.status.replicas",
        table | table_kind => "a table such as `pods {`",
        expectation | compare | matches => "an expectation",
        compare_op | kw_contains => "`==`, `!=` or `contains`",
        image_pair | pair_key => "a container=image pair",
        cascade => "`cascade=orphan`, `cascade=foreground` or `cascade=background`",
        grace_period => "`grace-period=N`",
        subresource => "`subresource=status` or `subresource=scale`",
        cascade_mode | cascade_bool => "orphan, foreground or background",
        to_revision => "`to-revision=N`",
        patch_type | kw_merge | kw_json | kw_strategic => "`merge`, `json` or a patch body",
        fault => "a fault (unready, ready, down, up or unpullable)",
        setting | setting_name => "a cluster setting (nodes, node-capacity, node, namespace, domain, max-pods, max-time, max-events, feature-gate)",
        node_option | node_pair | option_value | node_labels | node_taints => {
            "a node option (zone=, cpu=, memory=, pods=, labels(…), taints(…))"
        }
        label_pair | label_key | label_value => "a label such as disktype=ssd",
        taint | taint_effect => "a taint such as dedicated=db:NoSchedule",
        zones => "`zones(a, b, c)`",
        variable_name => "a variable name",
        let_value => "a value or a query (`pods`, `ip(pod/web-0)`, `statefulset/web.status.replicas`)",
        field_seg | key_seg | index_seg | field_name => "a field path (.field, [\"key\"] or [0])",
        table_line | table_body => "a table row",
        tags | kw_tags => "`tags(...)`",
        timing => "`within` or `throughout`",
        fails_with => "`fails with \"...\"`",
        other => {
            let name = format!("{other:?}");
            return match name.strip_prefix("kw_") {
                Some(kw) => format!("`{kw}`"),
                None => name.replace('_', " "),
            };
        }
    };
    s.to_string()
}
