//! Every example of the language reference (docs/language.md) parses, and the tree has the
//! expected shape.

use kscn::lang::ast::*;
use kscn::lang::parse;

const SPEC: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/language.md"));

/// The ```` ```scn ```` blocks of the reference, with the line where each starts (other
/// fenced blocks are shell sessions or output).
fn code_blocks(md: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in md.lines().enumerate() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence == "```scn" => current = Some((n + 1, String::new())),
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None => {}
        }
    }
    blocks
}

fn parse_ok(src: &str) -> File {
    match parse(src) {
        Ok(f) => f,
        Err(errors) => panic!(
            "{}\n--- in ---\n{src}",
            errors
                .iter()
                .map(|e| format!("{}:{}: {}", e.span.line, e.span.col, e.message()))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

#[test]
fn every_spec_example_parses() {
    let blocks = code_blocks(SPEC);
    assert!(
        blocks.len() >= 10,
        "found only {} code blocks",
        blocks.len()
    );
    let mut checked = 0;
    for (line, block) in blocks.iter() {
        let whole = ["scenario ", "cluster ", "setup "]
            .iter()
            .any(|k| block.trim_start().starts_with(k));
        let file = if whole {
            parse_ok(block)
        } else {
            // A block of statements (or of queries, which become expectations).
            let body: String = block
                .lines()
                .map(|l| {
                    let is_query = !l.starts_with(' ')
                        && !l.trim().is_empty()
                        && !l.starts_with('#')
                        && !l.starts_with('}')
                        && !starts_with_statement(l);
                    if is_query {
                        let query = l.split(" #").next().unwrap_or(l).trim_end();
                        format!("expect {query} == absent\n")
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
            // Variables the block reads but does not bind come from setup.
            let setup: String = ["old", "before"]
                .iter()
                .filter(|v| {
                    block.contains(&format!("${v}")) && !block.contains(&format!("let {v} "))
                })
                .map(|v| format!("  let {v} = 1\n"))
                .collect();
            let wrapped =
                format!("setup {{\n{setup}}}\nscenario \"spec line {line}\" {{\n{body}}}\n");
            parse_ok(&wrapped)
        };
        assert!(!file.scenarios.is_empty(), "block at line {line}");
        checked += 1;
    }
    assert!(checked >= 10);
}

fn starts_with_statement(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    [
        "apply", "scale", "set", "patch", "delete", "rollout", "write", "let", "make", "evict",
        "wait", "await", "expect", "cordon", "uncordon", "drain", "add", "\"\"\"",
    ]
    .contains(&first)
}

#[test]
fn the_whole_file_example_has_two_scenarios() {
    let block = code_blocks(SPEC)
        .into_iter()
        .find(|(_, b)| b.starts_with("scenario \"pods start in order"))
        .expect("the whole-file example");
    let file = parse_ok(&block.1);
    assert_eq!(file.scenarios.len(), 2);
    assert_eq!(file.scenarios[0].tags, vec!["seed", "topology"]);
    assert_eq!(file.scenarios[0].body.len(), 12);
    assert_eq!(file.scenarios[1].title, "a recreated pod finds its data");
}

fn one(stmt: &str) -> Stmt {
    let src = format!("setup {{\n  let old = 1\n}}\nscenario \"t\" {{\n  {stmt}\n}}\n");
    let mut f = parse_ok(&src);
    f.scenarios.remove(0).body.remove(0)
}

fn lit(s: &str) -> Value {
    Value::Literal(s.into())
}

fn pod(name: &str) -> Ref {
    Ref {
        kind: Kind::Pod,
        name: Name::Literal(name.into()),
        span: Span::default(),
    }
}

/// Spans are checked elsewhere; shape tests compare without them.
fn strip(v: &Value) -> Value {
    match v {
        Value::List(items) => Value::List(items.iter().map(strip).collect()),
        Value::Query(q) => Value::Query(Box::new(strip_query(q))),
        other => other.clone(),
    }
}

fn strip_query(q: &Query) -> Query {
    match q {
        Query::Call { function, args, .. } => Query::Call {
            function: *function,
            args: args.iter().map(strip).collect(),
            span: Span::default(),
        },
        Query::Field { target, path } => Query::Field {
            target: Ref {
                span: Span::default(),
                ..target.clone()
            },
            path: path.clone(),
        },
        other => other.clone(),
    }
}

fn compare(stmt: &Stmt) -> (Query, CompareOp, Value) {
    match &stmt.kind {
        StmtKind::Expect {
            expectation: Expectation::Compare { lhs, op, rhs, .. },
            ..
        }
        | StmtKind::Await {
            cond: AwaitCond::Expectation(Expectation::Compare { lhs, op, rhs, .. }),
            ..
        } => (strip_query(lhs), *op, strip(rhs)),
        other => panic!("not a comparison: {other:?}"),
    }
}

#[test]
fn durations_are_milliseconds() {
    assert_eq!(
        one("wait 1m30s").kind,
        StmtKind::Wait {
            duration_ms: 90_000
        }
    );
    assert_eq!(
        one("wait 1h2m3s500ms").kind,
        StmtKind::Wait {
            duration_ms: 3_723_500
        }
    );
    assert_eq!(one("wait 500ms").kind, StmtKind::Wait { duration_ms: 500 });
    match one("await statefulset/web ready within 2m").kind {
        StmtKind::Await { within_ms, .. } => assert_eq!(within_ms, Some(120_000)),
        other => panic!("{other:?}"),
    }
    match one("expect statefulset/web.status.updatedReplicas == 1 throughout 30m").kind {
        StmtKind::Expect { throughout_ms, .. } => assert_eq!(throughout_ms, Some(1_800_000)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn blocks_are_dedented_and_located() {
    let src = "scenario \"t\" {\n  apply \"\"\"\n    kind: ConfigMap\n    data:\n      a: b\n  \"\"\"\n}\n";
    let f = parse_ok(src);
    let StmtKind::Apply(ApplySource::Inline(text)) = &f.scenarios[0].body[0].kind else {
        panic!()
    };
    assert_eq!(text.text, "kind: ConfigMap\ndata:\n  a: b\n");
    assert_eq!(text.origin.line, 3);
    assert_eq!(text.origin.col, 1);
    assert_eq!(text.indent, 4);
    assert!(text.verbatim);
    assert_eq!(f.scenarios[0].body[0].span.line, 2);
    assert_eq!(f.scenarios[0].body[0].span.col, 3);
}

#[test]
fn one_line_block_and_patch_types() {
    let s = one(r#"patch statefulset/web merge """{"spec":{"replicas":3}}""""#);
    let StmtKind::Patch {
        patch_type,
        body,
        target,
        subresource,
    } = s.kind
    else {
        panic!()
    };
    assert_eq!(subresource, None);
    assert_eq!(patch_type, PatchType::Merge);
    assert_eq!(target.kind, Kind::StatefulSet);
    assert_eq!(body.text, r#"{"spec":{"replicas":3}}"#);
    assert_eq!((body.origin.line, body.origin.col), (5, 34));
    assert_eq!(body.indent, 33);
    let s = one(r#"patch sts/web """{}""""#);
    assert!(matches!(
        s.kind,
        StmtKind::Patch {
            patch_type: PatchType::Strategic,
            ..
        }
    ));
    // kubectl patch --subresource=status (B-CTR-37), before the patch type.
    let s = one(r#"patch pod/web-0 subresource=status merge """{}""""#);
    assert!(matches!(
        s.kind,
        StmtKind::Patch {
            patch_type: PatchType::Merge,
            subresource: Some(Subresource::Status),
            ..
        }
    ));
    // kubectl patch --subresource=scale (B-STAT-6).
    let s = one(r#"patch statefulset/web subresource=scale merge """{"spec":{"replicas":4}}""""#);
    assert!(matches!(
        s.kind,
        StmtKind::Patch {
            patch_type: PatchType::Merge,
            subresource: Some(Subresource::Scale),
            ..
        }
    ));
}

#[test]
fn delete_grace_period() {
    // kubectl delete --grace-period=N (B-CTR-36), in any order with force and cascade.
    let s = one("delete pod/web-0 grace-period=5");
    assert!(matches!(
        s.kind,
        StmtKind::Delete {
            grace_period: Some(5),
            force: false,
            ..
        }
    ));
    let s = one("delete pod/web-0 force grace-period=0 cascade=orphan");
    assert!(matches!(
        s.kind,
        StmtKind::Delete {
            grace_period: Some(0),
            force: true,
            cascade: Some(Cascade::Orphan),
            ..
        }
    ));
    let s = one("delete pod/web-0");
    assert!(matches!(
        s.kind,
        StmtKind::Delete {
            grace_period: None,
            ..
        }
    ));
}

#[test]
fn delete_cascade_takes_kubectls_deprecated_boolean() {
    // kubectl's GetCascadingStrategy: strconv.ParseBool's spellings, false is orphan, true
    // background; the text is kept for the deprecation warning.
    for (text, value) in [
        ("false", false),
        ("False", false),
        ("0", false),
        ("t", true),
        ("TRUE", true),
    ] {
        let s = one(&format!("delete statefulset/web cascade={text}"));
        let StmtKind::Delete {
            cascade: Some(Cascade::Boolean { value: v, written }),
            ..
        } = s.kind
        else {
            panic!("{text}: {:?}", s.kind);
        };
        assert_eq!((v, written), (value, text));
    }
    let errors = parse("scenario \"t\" {\n  delete statefulset/web cascade=no\n}\n").unwrap_err();
    let message = errors[0].message();
    assert!(
        message.contains("orphan, foreground or background"),
        "{message}"
    );
}

#[test]
fn block_statement_goes_on_after_the_closing_fence() {
    let src = "scenario \"t\" {\n  await statefulset/web matches \"\"\"\n    status:\n      replicas: 3\n  \"\"\" within 2m\n  apply \"\"\"\n    x: 1\n  \"\"\" fails with \"nope\"\n}\n";
    let f = parse_ok(src);
    let body = &f.scenarios[0].body;
    assert!(matches!(
        &body[0].kind,
        StmtKind::Await {
            cond: AwaitCond::Expectation(Expectation::Matches { .. }),
            within_ms: Some(120_000)
        }
    ));
    assert_eq!(body[1].fails_with.as_deref(), Some("nope"));
}

#[test]
fn references_with_quoted_names_and_variables() {
    let s = one("let vol = volume(pvc/www-web-0)");
    let StmtKind::Let { name, value } = s.kind else {
        panic!()
    };
    assert_eq!(name, "vol");
    let Value::Query(q) = value else { panic!() };
    let Query::Call { function, args, .. } = *q else {
        panic!()
    };
    assert_eq!(function, Function::Volume);
    let Value::Query(arg) = &args[0] else {
        panic!()
    };
    let Query::Field { target, path } = &**arg else {
        panic!()
    };
    assert_eq!(target.kind, Kind::PersistentVolumeClaim);
    assert_eq!(target.name, Name::Literal("www-web-0".into()));
    assert!(path.is_empty());

    let s = one("delete pod/\"a.b\" po/$old");
    let StmtKind::Delete { targets, .. } = s.kind else {
        panic!()
    };
    assert_eq!(targets[0].name, Name::Literal("a.b".into()));
    assert_eq!(targets[1].name, Name::Var("old".into()));
    assert_eq!(targets[1].kind, Kind::Pod);
    assert_eq!((targets[0].span.line, targets[0].span.col), (5, 10));
}

#[test]
fn field_paths() {
    let (lhs, ..) = compare(&one(
        r#"expect pod/web-0.metadata.labels["apps.kubernetes.io/pod-index"] == "0""#,
    ));
    assert_eq!(
        lhs,
        Query::Field {
            target: pod("web-0"),
            path: vec![
                PathSegment::Field("metadata".into()),
                PathSegment::Field("labels".into()),
                PathSegment::Key("apps.kubernetes.io/pod-index".into()),
            ],
        }
    );
    let (lhs, ..) = compare(&one(
        "expect statefulset/web.spec.template.spec.containers[0].image == nginx",
    ));
    let Query::Field { path, .. } = lhs else {
        panic!()
    };
    assert_eq!(path[3], PathSegment::Field("containers".into()));
    assert_eq!(path[4], PathSegment::Index(0));
    assert_eq!(path[5], PathSegment::Field("image".into()));
}

#[test]
fn query_words_are_queries_on_the_left_only() {
    let (lhs, op, rhs) = compare(&one("expect created == [to, ready]"));
    assert_eq!(lhs, Query::Created);
    assert_eq!(op, CompareOp::Eq);
    assert_eq!(rhs, Value::List(vec![lit("to"), lit("ready")]));
    let (lhs, _, rhs) = compare(&one("expect pods contains pods"));
    assert_eq!(lhs, Query::Pods);
    assert_eq!(rhs, lit("pods"));
    let (_, _, rhs) = compare(&one("expect warnings == [deleted, created, warnings]"));
    assert_eq!(
        rhs,
        Value::List(vec![lit("deleted"), lit("created"), lit("warnings")])
    );
    let StmtKind::Let { value, .. } = one("let p = pods").kind else {
        panic!()
    };
    assert_eq!(value, Value::Query(Box::new(Query::Pods)));
    let StmtKind::Scale { target, replicas } = one("scale statefulset/to to 5").kind else {
        panic!()
    };
    assert_eq!(target.name, Name::Literal("to".into()));
    assert_eq!(replicas, 5);
}

#[test]
fn absent_keyword_and_string() {
    assert_eq!(
        compare(&one("expect pod/x.status == absent")).2,
        Value::Absent
    );
    assert_eq!(
        compare(&one("expect pod/x.status == \"absent\"")).2,
        lit("absent")
    );
    assert_eq!(
        compare(&one("expect dns(\"a\") == nxdomain")).2,
        Value::NxDomain
    );
    assert_eq!(
        compare(&one("expect pod/x.status == absent-ish")).2,
        lit("absent-ish")
    );
    assert_eq!(
        compare(&one("expect ip(pod/web-0) != $old")).2,
        Value::Var("old".into())
    );
    assert_eq!(
        compare(&one("expect images(sts/web) == [-, nginx:1.9, -5]")).2,
        Value::List(vec![lit("-"), lit("nginx:1.9"), lit("-5")])
    );
}

#[test]
fn nested_calls() {
    let (lhs, _, rhs) = compare(&one(
        "expect ptr(ip(pod/web-0)) == [web-0.nginx.default.svc.cluster.local.]",
    ));
    let Query::Call {
        function: Function::Ptr,
        args,
        ..
    } = lhs
    else {
        panic!()
    };
    let Value::Query(inner) = &args[0] else {
        panic!()
    };
    assert!(matches!(
        **inner,
        Query::Call {
            function: Function::Ip,
            ..
        }
    ));
    assert_eq!(
        rhs,
        Value::List(vec![lit("web-0.nginx.default.svc.cluster.local.")])
    );
}

#[test]
fn comments_and_hashes_in_words() {
    let s = one("set image statefulset/web nginx=nginx#1 side=busybox # a comment");
    let StmtKind::SetImage { images, .. } = s.kind else {
        panic!()
    };
    assert_eq!(
        images,
        vec![
            ("nginx".into(), "nginx#1".into()),
            ("side".into(), "busybox".into())
        ]
    );
    let src = "# leading comment\n\nscenario \"t\" { # here too\n  # and here\n\n  wait 1s # trailing\n}\n# end\n";
    assert_eq!(parse_ok(src).scenarios[0].body.len(), 1);
}

#[test]
fn tables() {
    let src = "scenario \"t\" {\n  expect pvcs {\n    NAME        STATUS   ACCESS MODES\n    www-web-0   Bound    *\n  }\n  await pods {\n    NAME\n  } within 1m\n}\n";
    let f = parse_ok(src);
    let StmtKind::Expect {
        expectation: Expectation::Table(t),
        ..
    } = &f.scenarios[0].body[0].kind
    else {
        panic!()
    };
    assert_eq!(t.kind, Kind::PersistentVolumeClaim);
    let cols: Vec<&str> = t.columns.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(cols, ["NAME", "STATUS", "ACCESS MODES"]);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.rows[0].cells[0].value, Cell::Text("www-web-0".into()));
    assert_eq!(t.rows[0].cells[2].value, Cell::Any);
    assert_eq!(
        (t.rows[0].cells[1].span.line, t.rows[0].cells[1].span.col),
        (4, 17)
    );
    let StmtKind::Await {
        cond: AwaitCond::Expectation(Expectation::Table(t)),
        within_ms,
    } = &f.scenarios[0].body[1].kind
    else {
        panic!()
    };
    assert!(t.rows.is_empty());
    assert_eq!(*within_ms, Some(60_000));
}

#[test]
fn cluster_setup_and_file_details() {
    let src = "\u{feff}cluster {\r\n  nodes 5\r\n  max-time 2h\r\n  feature-gate MaxUnavailableStatefulSet\r\n  namespace prod\r\n}\r\nsetup {\r\n  wait 1s\r\n}\r\nscenario \"t\" tags(a, b) {\r\n  rollout undo statefulset/web to-revision=2\r\n  delete statefulset/web cascade=orphan force\r\n  make image \"x:1\" unpullable\r\n  make node/node-2 down\r\n  write pod/web-0 \"/a\" \"b\"\r\n}\r\n";
    let f = parse_ok(src);
    assert_eq!(f.cluster.nodes, 5);
    assert_eq!(f.cluster.max_time_ms, 7_200_000);
    assert_eq!(f.cluster.namespace, "prod");
    assert_eq!(f.cluster.feature_gates, vec!["MaxUnavailableStatefulSet"]);
    assert_eq!(f.setup.len(), 1);
    let body = &f.scenarios[0].body;
    assert_eq!(
        body[0].kind,
        StmtKind::RolloutUndo {
            target: Ref {
                span: match &body[0].kind {
                    StmtKind::RolloutUndo { target, .. } => target.span,
                    _ => Span::default(),
                },
                ..Ref {
                    kind: Kind::StatefulSet,
                    name: Name::Literal("web".into()),
                    span: Span::default()
                }
            },
            to_revision: Some(2),
        }
    );
    assert!(matches!(
        body[1].kind,
        StmtKind::Delete {
            cascade: Some(Cascade::Orphan),
            force: true,
            ..
        }
    ));
    assert!(
        matches!(&body[2].kind, StmtKind::Make { target: FaultTarget::Image { image, .. }, fault: Fault::Unpullable } if image == "x:1")
    );
    assert!(matches!(
        body[3].kind,
        StmtKind::Make {
            fault: Fault::Down,
            ..
        }
    ));
    assert_eq!(f.scenarios[0].span.line, 10);
    assert_eq!(f.scenarios[0].tags, ["a", "b"]);
}

#[test]
fn garbage_and_truncations_never_panic() {
    let mut inputs: Vec<String> = code_blocks(SPEC).into_iter().map(|(_, b)| b).collect();
    inputs.push(SPEC.to_string());
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let alphabet: Vec<char> = "ab/\"#$[]{}()=. \n\t\r-_0123456789é`*\\".chars().collect();
    for _ in 0..300 {
        let mut s = String::new();
        for _ in 0..(seed % 80) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        inputs.push(s);
    }
    for input in inputs {
        for cut in (0..=input.len())
            .filter(|i| input.is_char_boundary(*i))
            .step_by(7)
        {
            let part = &input[..cut];
            let _ = parse(part);
            let _ = parse(&format!("scenario \"t\" {{\n{part}\n}}\n"));
        }
    }
}

#[test]
fn crlf_blocks_and_tables() {
    let src = "scenario \"t\" {\r\n  apply \"\"\"\r\n    a: 1\r\n  \"\"\"\r\n  expect pods {\r\n    NAME   READY\r\n    web-0  1/1\r\n  }\r\n}\r\n";
    let f = parse_ok(src);
    let StmtKind::Apply(ApplySource::Inline(text)) = &f.scenarios[0].body[0].kind else {
        panic!()
    };
    assert_eq!(text.text, "a: 1\n");
    let StmtKind::Expect {
        expectation: Expectation::Table(t),
        ..
    } = &f.scenarios[0].body[1].kind
    else {
        panic!()
    };
    assert_eq!(t.rows[0].cells[1].value, Cell::Text("1/1".into()));
}

/// Comments, strings and blocks are read with character ranges (grammar `line_rest`,
/// `string_body`): a line runs to its CR LF or LF, a string takes escapes and any other
/// character up to its quote, and a line break inside a string is refused.
#[test]
fn comments_strings_and_line_ends_split_as_lines_do() {
    // (A title holds no tab: it is one line of plain text; see lang_errors.)
    let src = "# a comment \"with\" quotes\r\nscenario \"say \\\"hi\\\" \\\\ é tab\" { # here\r\n  wait 1s # there\r\n}\r\n";
    let f = parse_ok(src);
    assert_eq!(f.scenarios[0].title, "say \"hi\" \\ é tab");
    assert_eq!(f.scenarios[0].body.len(), 1);
    let src = "scenario \"t\" {\n  apply \"\"\"\n    a: \"x # y\"\r\n    b: 2\n  \"\"\"\n}\n";
    let f = parse_ok(src);
    let StmtKind::Apply(ApplySource::Inline(text)) = &f.scenarios[0].body[0].kind else {
        panic!()
    };
    assert_eq!(text.text, "a: \"x # y\"\nb: 2\n");
    for broken in ["scenario \"a\r\nb\" {\n}\n", "scenario \"a\nb\" {\n}\n"] {
        assert!(parse(broken).is_err(), "{broken:?}");
    }
}

#[test]
fn statement_spans_cover_blocks() {
    let src = "scenario \"t\" {\n  apply \"\"\"\n    a: 1\n  \"\"\" fails with \"x\"\n}\n";
    let f = parse_ok(src);
    let span = f.scenarios[0].body[0].span;
    assert_eq!(
        &src[span.start..span.end],
        "apply \"\"\"\n    a: 1\n  \"\"\" fails with \"x\""
    );
}
