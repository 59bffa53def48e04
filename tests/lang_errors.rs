//! Wrong inputs: each gives the expected error kind at the expected line and column.

use kscn::lang::error::{SyntaxError, SyntaxErrorKind as K};
use kscn::lang::parse;

fn errors(src: &str) -> Vec<SyntaxError> {
    match parse(src) {
        Ok(_) => panic!("parsed without error:\n{src}"),
        Err(e) => e,
    }
}

/// The body goes inside `scenario "t" { ... }`, so its first line is line 2.
fn in_scenario(body: &str) -> Vec<SyntaxError> {
    errors(&format!("scenario \"t\" {{\n{body}\n}}\n"))
}

fn only(errors: Vec<SyntaxError>) -> SyntaxError {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap_or_else(|| unreachable!())
}

fn at(e: &SyntaxError) -> (u32, u32) {
    (e.span.line, e.span.col)
}

#[test]
fn misspelt_statement_keyword() {
    let e = only(in_scenario("  scael statefulset/web to 5"));
    assert_eq!(at(&e), (2, 3));
    assert_eq!(
        e.kind,
        K::UnknownStatement {
            word: "scael".into(),
            suggestion: Some("scale".into())
        }
    );
    assert_eq!(e.hint().as_deref(), Some("did you mean `scale`?"));
}

#[test]
fn unknown_kind_suggests_the_right_one() {
    let e = only(in_scenario("  scale statefullset/web to 5"));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(
        e.kind,
        K::UnknownKind {
            kind: "statefullset".into(),
            suggestion: Some("statefulset".into())
        }
    );
    assert_eq!((e.span.start, e.span.end), (23, 35));
}

#[test]
fn unknown_kind_in_a_query_argument() {
    let e = only(in_scenario("  expect ip(statefullset/x) == 1"));
    assert_eq!(at(&e), (2, 13));
    assert!(matches!(e.kind, K::UnknownKind { ref kind, .. } if kind == "statefullset"));
}

#[test]
fn unknown_query() {
    let e = only(in_scenario("  expect ipp(pod/web-0) == x"));
    assert_eq!(at(&e), (2, 10));
    assert_eq!(
        e.kind,
        K::UnknownQuery {
            name: "ipp".into(),
            suggestion: Some("ip".into())
        }
    );
}

#[test]
fn wrong_argument_count() {
    let e = only(in_scenario("  expect claim(pod/web-0) == x"));
    assert_eq!(
        e.kind,
        K::WrongArgumentCount {
            function: "claim".into(),
            expected: 2,
            found: 1
        }
    );
    assert_eq!(
        e.hint().as_deref(),
        Some("write it as `claim(pod/web-0, \"www\")`: the pod, then its volume's name")
    );
    let e = only(in_scenario("  expect ip() == x"));
    assert_eq!(e.hint().as_deref(), Some("write it as `ip(pod/web-0)`"));
}

#[test]
fn words_after_a_complete_statement_and_a_missing_to_get_hints() {
    let e = only(in_scenario("  wait 5s now"));
    assert!(
        e.hint()
            .unwrap()
            .starts_with("the statement is complete before `now`"),
        "{e:?}"
    );
    let e = only(in_scenario("  scale statefulset/web 5"));
    assert_eq!(
        e.hint().as_deref(),
        Some("`to` goes before the count: `scale statefulset/web to 5`")
    );
    let e = only(in_scenario("  rollout undo statefulset/web to 2"));
    assert!(e.hint().unwrap().contains("to-revision=2"), "{e:?}");
}

#[test]
fn unknown_fault_depends_on_the_kind() {
    let e = only(in_scenario("  make node/node-2 unready"));
    assert_eq!(at(&e), (2, 20));
    assert_eq!(
        e.kind,
        K::UnknownFault {
            fault: "unready".into(),
            target_kind: "node".into(),
            allowed: vec!["down", "up"],
            suggestion: None
        }
    );
    let e = only(in_scenario("  make pod/web-0 unreddy"));
    assert!(
        matches!(e.kind, K::UnknownFault { ref suggestion, .. } if suggestion.as_deref() == Some("unready"))
    );
    let e = only(in_scenario("  make image \"x\" down"));
    assert!(
        matches!(e.kind, K::UnknownFault { ref allowed, .. } if allowed == &vec!["unpullable", "crashing", "healthy", "slow-to-stop", "slow-to-pull"])
    );
}

#[test]
fn fault_arguments_are_checked() {
    let e = only(in_scenario("  make image \"x\" slow-to-stop"));
    assert!(matches!(e.kind, K::InvalidFaultArgument { ref fault, .. } if fault == "slow-to-stop"));
    assert_eq!(
        e.message(),
        "`slow-to-stop` needs a duration, such as `20s`"
    );
    let e = only(in_scenario("  make image \"x\" crashing exit=300"));
    assert_eq!(
        e.message(),
        "invalid argument `exit=300` for `crashing`: an exit code is an integer from 0 to 255"
    );
    assert_eq!(at(&e), (2, 27));
    let e = only(in_scenario("  make image \"x\" crashing code=1"));
    assert!(matches!(e.kind, K::InvalidFaultArgument { ref argument, .. } if argument == "code=1"));
    let e = only(in_scenario("  make pod/web-0 crash 5s"));
    assert!(
        matches!(e.kind, K::InvalidFaultArgument { ref reason, .. } if reason.contains("no argument"))
    );
    let e = only(in_scenario("  make image \"x\" crashing after=5x"));
    assert!(matches!(e.kind, K::InvalidFaultArgument { .. }));
}

#[test]
fn unknown_column_lists_the_known_ones() {
    let e = only(in_scenario(
        "  expect pods {\n    NAME  STATU\n    web-0  Running\n  }",
    ));
    assert_eq!(at(&e), (3, 11));
    let K::UnknownColumn {
        column,
        kind,
        known,
        suggestion,
        joined,
    } = e.kind
    else {
        panic!("{e:?}")
    };
    assert_eq!(joined, None);
    assert_eq!(column, "STATU");
    assert_eq!(kind, "pods");
    assert_eq!(suggestion.as_deref(), Some("STATUS"));
    assert!(known.contains(&"NOMINATED NODE") && known.contains(&"IP"));
}

#[test]
fn columns_joined_by_one_space_are_shown_split() {
    // `NAME STATUS` with one space is one (unknown) column; the hint shows the header as meant,
    // and the missing NAME is not reported a second time.
    let e = only(in_scenario(
        "  expect pvcs {\n    NAME STATUS ACCESS MODES\n  }",
    ));
    let K::UnknownColumn { ref joined, .. } = e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(joined.as_deref(), Some("NAME  STATUS  ACCESS MODES"));
    assert!(
        e.hint()
            .unwrap()
            .contains("write `NAME  STATUS  ACCESS MODES`"),
        "{:?}",
        e.hint()
    );
    // Words that are not all column names get the usual list.
    let e = only(in_scenario("  expect pods {\n    NAME  STATUS FOO\n  }"));
    assert!(
        matches!(e.kind, K::UnknownColumn { joined: None, .. }),
        "{e:?}"
    );
}

#[test]
fn rows_written_for_the_meant_header_are_not_reported_too() {
    // `READY STATUS` joined by one space: the rows have the cells of the header as meant, so
    // the header's error is the only one (not one more per row).
    let e = only(in_scenario(
        "  expect pods {\n    NAME   READY STATUS\n    web-0  1/1    Running\n    web-1  0/1    Pending\n  }",
    ));
    assert!(matches!(e.kind, K::UnknownColumn { .. }), "{e:?}");
    assert_eq!(at(&e), (3, 12));
    // A row that fits neither the header as written nor as meant is still reported.
    let errs = in_scenario("  expect pods {\n    NAME   READY STATUS\n    web-0\n  }");
    assert!(
        errs.iter().any(|e| matches!(
            e.kind,
            K::RaggedRow {
                expected: 2,
                found: 1
            }
        )),
        "{errs:#?}"
    );
}

#[test]
fn unknown_table_kind() {
    let e = only(in_scenario("  expect configmaps {\n    NAME\n  }"));
    assert_eq!(at(&e), (2, 10));
    assert!(matches!(e.kind, K::UnknownTableKind { ref kind, .. } if kind == "configmaps"));
    // The hint names every kind that has a table, the disruption budgets included.
    assert_eq!(
        e.hint().as_deref(),
        Some("tables exist for pods, statefulsets, pvcs, pvs, storageclasses, services, nodes, controllerrevisions, endpointslices, daemonsets, poddisruptionbudgets, priorityclasses, deployments, replicasets, endpoints, resourcequotas and horizontalpodautoscalers")
    );
}

#[test]
fn ragged_row() {
    let e = only(in_scenario(
        "  expect pods {\n    NAME   READY\n    web-0\n  }",
    ));
    assert_eq!(at(&e), (4, 5));
    assert_eq!(
        e.kind,
        K::RaggedRow {
            expected: 2,
            found: 1
        }
    );
}

#[test]
fn tab_in_table() {
    let e = only(in_scenario("  expect pods {\n    NAME\tREADY\n  }"));
    assert_eq!(at(&e), (3, 9));
    assert_eq!(e.kind, K::TabInTable);
}

#[test]
fn unbound_variable() {
    let e = only(in_scenario("  expect ip(pod/web-0) != $x"));
    assert_eq!(at(&e), (2, 27));
    assert_eq!(e.kind, K::UnboundVariable { name: "x".into() });
    // Used before its `let`, in a reference, and in a `matches` document.
    let errs = in_scenario(
        "  delete pv/$vol\n  let vol = 1\n  expect pod/a matches \"\"\"\n    x: $y $$z\n  \"\"\"",
    );
    let found: Vec<_> = errs.iter().map(|e| (at(e), e.kind.clone())).collect();
    assert_eq!(
        found,
        vec![
            (
                (2, 13),
                K::VariableBoundElsewhere {
                    name: "vol".into(),
                    line: 3,
                    later: true
                }
            ),
            ((5, 8), K::UnboundVariable { name: "y".into() })
        ]
    );
}

#[test]
fn variables_of_setup_are_visible_and_bound_once() {
    let src = "setup {\n  let a = 1\n}\nscenario \"one\" {\n  expect pods == $a\n}\nscenario \"two\" {\n  let a = 2\n}\n";
    let e = only(errors(src));
    assert_eq!(at(&e), (8, 7));
    assert_eq!(e.kind, K::VariableRebound { name: "a".into() });
    // Separate scenarios may bind the same name.
    assert!(parse("scenario \"a\" {\n  let x = 1\n}\nscenario \"b\" {\n  let x = 2\n}\n").is_ok());
}

#[test]
fn rebinding_in_one_scenario() {
    let e = only(in_scenario("  let a = 1\n  let a = pods"));
    assert_eq!(at(&e), (3, 7));
    assert_eq!(e.kind, K::VariableRebound { name: "a".into() });
}

#[test]
fn fails_with_after_a_non_action() {
    let e = only(in_scenario("  expect pods == [] fails with \"x\""));
    assert_eq!(at(&e), (2, 21));
    assert_eq!(
        e.kind,
        K::FailsWithAfterNonAction {
            statement: "expect".into()
        }
    );
    assert!(
        parse("scenario \"t\" {\n  write pod/a \"/p\" \"c\" fails with \"not running\"\n}\n")
            .is_ok()
    );
}

#[test]
fn bad_durations() {
    let e = only(in_scenario("  wait 5 m"));
    assert_eq!(at(&e), (2, 8));
    assert!(matches!(e.kind, K::InvalidDuration { ref text, .. } if text == "5 m"));
    let e = only(in_scenario("  wait 5x"));
    assert!(matches!(e.kind, K::InvalidDuration { ref reason, .. } if reason.contains("`x`")));
    let e = only(in_scenario("  wait 90"));
    assert!(
        matches!(e.kind, K::InvalidDuration { ref reason, .. } if reason.contains("bare number"))
    );
    let e = only(in_scenario("  await pods == [] within 30s1m"));
    assert_eq!(at(&e), (2, 27));
    assert!(matches!(e.kind, K::InvalidDuration { ref reason, .. } if reason.contains("order")));
}

#[test]
fn unterminated_string() {
    let e = only(in_scenario("  apply \"manifests/web.yaml"));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(e.kind, K::UnterminatedString);
}

#[test]
fn unterminated_block() {
    let e = only(in_scenario("  apply \"\"\"\n    kind: Pod\n"));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(e.kind, K::UnterminatedBlock);
}

#[test]
fn text_after_a_block_opener() {
    let e = only(in_scenario("  apply \"\"\" kind: Pod\n  \"\"\""));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(e.kind, K::TextAfterBlockOpener);
}

/// LANGUAGE.md: one statement per line. A block written on one line is refused where it
/// goes wrong, with the block named and the layout it needs in the hint (not "expected
/// the end of the file").
#[test]
fn a_block_on_one_line_says_so() {
    let cases = [
        (
            "cluster { nodes 3 }\nscenario \"t\" {\n  wait 1s\n}\n",
            (1, 11),
            "text after the `{` of a `cluster` block",
            "each setting on its own line",
        ),
        (
            "cluster {\n  nodes 3 }\nscenario \"t\" {\n  wait 1s\n}\n",
            (2, 11),
            "the `}` of a `cluster` block after text on its line",
            "each setting on its own line",
        ),
        (
            "setup { wait 1s }\nscenario \"t\" {\n  wait 1s\n}\n",
            (1, 9),
            "text after the `{` of a `setup` block",
            "each statement on its own line",
        ),
        (
            "scenario \"x\" { expect pods == [] }\n",
            (1, 16),
            "text after the `{` of a `scenario` block",
            "each statement on its own line",
        ),
        (
            "scenario \"x\" tags(a) {\n  wait 1s }\n",
            (2, 11),
            "the `}` of a `scenario` block after text on its line",
            "each statement on its own line",
        ),
    ];
    for (src, pos, message, hint) in cases {
        let e = only(errors(src));
        assert_eq!(at(&e), pos, "{src}");
        assert_eq!(e.message(), message, "{src}");
        let h = e.hint().unwrap_or_default();
        assert!(
            h.contains("puts `{` at the end of a line") && h.contains(hint),
            "{src}: {h}"
        );
    }
    // Mid-line, the grammar's `&EOI` is the end of the line that is missing.
    let e = only(in_scenario("  wait 5s now"));
    assert!(
        e.message().starts_with("expected the end of the line or "),
        "{}",
        e.message()
    );
}

#[test]
fn bad_escape() {
    let e = only(in_scenario("  apply \"a\\qb\""));
    assert_eq!(at(&e), (2, 11));
    assert_eq!(
        e.kind,
        K::InvalidEscape {
            escape: "\\q".into()
        }
    );
}

#[test]
fn missing_scenario() {
    let e = only(errors("setup {\n  wait 1s\n}\n"));
    assert_eq!(e.kind, K::NoScenario);
    assert_eq!(at(&e), (4, 1));
    assert_eq!(only(errors("")).kind, K::NoScenario);
    assert_eq!(only(errors("# only a comment\n")).kind, K::NoScenario);
}

#[test]
fn within_and_throughout_placement() {
    let e = only(in_scenario("  wait 5s within 2m"));
    assert_eq!(at(&e), (2, 11));
    assert_eq!(
        e.kind,
        K::WithinOutsideAwait {
            statement: "wait".into()
        }
    );
    let e = only(in_scenario("  expect pods == [] within 2m"));
    assert_eq!(
        e.kind,
        K::WithinOutsideAwait {
            statement: "expect".into()
        }
    );
    let e = only(in_scenario("  await pod/web-0 ready throughout 2m"));
    assert_eq!(
        e.kind,
        K::ThroughoutOutsideExpect {
            statement: "await".into()
        }
    );
    // `within` before the comparison is a syntax error at `within`.
    let e = only(in_scenario("  await within 2m pods == []"));
    assert_eq!(at(&e), (2, 9));
    assert!(matches!(e.kind, K::UnexpectedToken { ref found, .. } if found == "`within`"));
}

#[test]
fn missing_keyword_is_named_in_words() {
    let e = only(in_scenario("  scale statefulset/web 5"));
    assert_eq!(at(&e), (2, 25));
    assert_eq!(
        e.kind,
        K::UnexpectedToken {
            expected: vec!["`to`".into()],
            found: "`5`".into(),
            suggestion: None
        }
    );
    let e = only(in_scenario("  scale sts/web ot 5"));
    assert!(
        matches!(e.kind, K::UnexpectedToken { ref suggestion, .. } if suggestion.as_deref() == Some("to"))
    );
    let e = only(in_scenario("  expect pods == [a, b"));
    assert_eq!(at(&e), (2, 23));
    assert!(
        matches!(e.kind, K::UnexpectedToken { ref expected, .. } if expected == &vec!["`,`".to_string(), "`]`".to_string()])
    );
}

#[test]
fn misspelt_scenario_keyword() {
    let e = only(errors("scenaro \"t\" {\n}\n"));
    assert_eq!(at(&e), (1, 1));
    assert!(
        matches!(e.kind, K::UnexpectedToken { ref suggestion, .. } if suggestion.as_deref() == Some("scenario"))
    );
}

#[test]
fn cluster_settings_are_checked() {
    let errs = errors("cluster {\n  nodez 3\n  max-time 5\n}\nscenario \"t\" {\n}\n");
    assert_eq!(errs.len(), 2);
    assert_eq!(at(&errs[0]), (2, 3));
    assert_eq!(
        errs[0].kind,
        K::UnknownSetting {
            name: "nodez".into(),
            suggestion: Some("nodes".into())
        }
    );
    assert!(
        matches!(errs[1].kind, K::InvalidSettingValue { ref setting, .. } if setting == "max-time")
    );
}

#[test]
fn table_without_name_column() {
    let e = only(in_scenario("  expect pvc {\n    STATUS\n  }"));
    assert_eq!(at(&e), (3, 5));
    assert_eq!(
        e.kind,
        K::MissingNameColumn {
            kind: "pvcs".into()
        }
    );
}

#[test]
fn table_with_a_repeated_column() {
    let e = only(in_scenario(
        "  expect pods {\n    NAME  READY  READY\n    web-0  1/1  1/1\n  }",
    ));
    assert_eq!(at(&e), (3, 18));
    assert_eq!(
        e.kind,
        K::DuplicateColumn {
            column: "READY".into()
        }
    );
}

#[test]
fn every_semantic_error_of_a_file_is_reported() {
    let errs = in_scenario(
        "  scale statefullset/web to 5\n  expect ipp(pod/a) == 1\n  make node/n unready\n  expect x(pod/a) == $nope",
    );
    let lines: Vec<u32> = errs.iter().map(|e| e.span.line).collect();
    assert_eq!(lines, vec![2, 3, 4, 5, 5], "{errs:#?}");
}

#[test]
fn let_names_its_variable_without_the_dollar() {
    let e = only(in_scenario("  let $v0 = 1"));
    assert_eq!(at(&e), (2, 7));
    assert_eq!(e.hint().as_deref(), Some("did you mean `v0`?"));
}

#[test]
fn not_a_reference() {
    let e = only(in_scenario("  expect ip(web-0) == 1"));
    assert_eq!(at(&e), (2, 13));
    assert!(
        matches!(e.kind, K::UnexpectedToken { ref expected, .. } if expected[0].contains("reference"))
    );
}

#[test]
fn a_fault_for_an_image_reads_as_english() {
    let e = only(in_scenario("  make image \"nginx\" down"));
    assert!(matches!(e.kind, K::UnknownFault { .. }), "{e:?}");
    assert_eq!(e.message(), "unknown fault `down` for an image");
}

#[test]
fn two_scenarios_with_one_title_are_an_error_at_the_second() {
    let e = only(errors(
        "scenario \"same\" {\n  wait 1s\n}\n\nscenario \"same\" {\n  wait 2s\n}\n",
    ));
    assert!(
        matches!(&e.kind, K::DuplicateTitle { title, first_line: 1 } if title == "same"),
        "{e:?}"
    );
    assert_eq!(at(&e), (5, 1));
}

#[test]
fn a_title_that_is_empty_or_holds_a_control_character_is_an_error_at_its_scenario() {
    for (title, character) in [
        ("", None),
        ("   ", None),
        ("x\\n\\nPoints 11/11", Some("\\n")),
        ("\u{1b}[2J\u{1b}[31mALL PASS", Some("\\u{1b}")),
        ("evil \u{202e}txt", Some("\\u{202e}")),
        ("a\ttab", Some("\\t")),
    ] {
        let e = only(errors(&format!(
            "scenario \"ok\" {{\n  wait 1s\n}}\n\nscenario \"{title}\" {{\n  wait 2s\n}}\n"
        )));
        assert!(
            matches!(&e.kind, K::BadTitle { character: c } if c.as_deref() == character),
            "{title:?}: {e:?}"
        );
        assert_eq!(at(&e), (5, 1), "{title:?}");
        assert!(e.hint().is_some());
        assert!(!e.message().contains('\u{1b}'));
    }
}

#[test]
fn an_unclosed_table_is_an_error_at_its_brace() {
    let e = only(errors(
        "scenario \"t\" {\n  wait 1s\n  expect pods {\n    NAME    READY\n    web-0   1/1\n",
    ));
    assert!(matches!(&e.kind, K::UnclosedTable { row: None }), "{e:?}");
    assert_eq!(at(&e), (3, 15));
    let e = only(errors(
        "scenario \"t\" {\n  wait 1s\n  wait 1s\n  expect pods {\n    NAME    READY\n    web-0   1/1\n  wait 1s\n}\n\nscenario \"u\" {\n  wait 1s\n}\n",
    ));
    assert!(
        matches!(&e.kind, K::UnclosedTable { row: Some((7, w)) } if w == "wait"),
        "{e:?}"
    );
    assert_eq!(at(&e), (4, 15));
    assert!(e.hint().unwrap().contains("line 7"));
}

/// A query given a reference of a kind it does not take is found at load, located at the
/// reference, with the kinds it takes (LANGUAGE.md: static errors exit 2 before anything runs).
#[test]
fn a_query_given_the_wrong_kind_of_reference() {
    let e = only(in_scenario("  expect ip(node/node-1) == x"));
    assert_eq!(at(&e), (2, 13));
    assert_eq!(
        e.kind,
        K::WrongReferenceKind {
            function: "ip".into(),
            found: "node",
            allowed: vec!["pod"],
        }
    );
    assert_eq!(e.message(), "`ip()` takes a pod reference, not a node");
    assert_eq!(
        e.hint().as_deref(),
        Some("`ip()` takes pod/NAME: `ip(pod/web-0)`")
    );
    for (body, function) in [
        ("  expect images(pod/web-0) == []", "images"),
        ("  expect rollout(pod/web-0) == x", "rollout"),
        ("  expect pods(svc/nginx) == []", "pods"),
        ("  expect volume(pod/web-0) == x", "volume"),
        ("  expect claim(sts/web, \"www\") == x", "claim"),
        ("  let r = revisions(pvc/www-web-0)", "revisions"),
        ("  await zones(node/node-1) == []", "zones"),
        ("  expect read(svc/nginx, \"/a\") == x", "read"),
    ] {
        let e = only(in_scenario(body));
        assert!(
            matches!(e.kind, K::WrongReferenceKind { function: ref f, .. } if f == function),
            "{body}: {e:?}"
        );
    }
    // The kinds a query takes pass; events() takes any kind.
    for body in [
        "  expect pods(deploy/web) == []",
        "  expect rollout(ds/agent) == x",
        "  expect events(node/node-1) == []",
        "  expect volume(pvc/www-web-0) == x",
    ] {
        assert!(
            parse(&format!("scenario \"t\" {{\n{body}\n}}\n")).is_ok(),
            "{body}"
        );
    }
}

/// `expect pods {` directly followed by `}`: no header says what to compare.
#[test]
fn a_table_without_a_header_line() {
    for body in [
        "  expect pods {\n  }",
        "  expect pvc {\n\n    # nothing\n  }",
    ] {
        let e = only(in_scenario(body));
        assert_eq!(at(&e), (2, 10), "{body}");
        assert!(matches!(e.kind, K::TableWithoutHeader { .. }), "{e:?}");
        assert!(e.hint().is_some_and(|h| h.contains("NAME")));
    }
}

/// A header without NAME is refused the same way with or without rows.
#[test]
fn a_header_without_name_is_refused_with_or_without_rows() {
    let without = only(in_scenario("  expect pods {\n    STATUS\n  }"));
    let with = only(in_scenario("  expect pods {\n    STATUS\n    Running\n  }"));
    assert_eq!(without.kind, with.kind);
    assert_eq!(at(&without), at(&with));
}

/// A cluster block set `nodes` twice (the last won, silently), declared `node node-9`
/// twice (the second replaced the first) and took `max-pods 0` (every scenario stopped at
/// its first pod): each is refused where it is written.
#[test]
fn a_setting_written_twice_or_a_zero_limit_is_refused_where_written() {
    let e = only(errors(
        "cluster {\n  nodes 3\n  nodes 5\n}\nscenario \"t\" {\n  wait 1s\n}\n",
    ));
    assert_eq!(at(&e), (3, 3));
    assert_eq!(
        e.kind,
        K::DuplicateSetting {
            setting: "nodes".into(),
            first_line: 2
        }
    );
    assert_eq!(e.message(), "`nodes` is already set at line 2");
    let e = only(errors(
        "cluster {\n  node node-9 zone=a\n  node node-9 cpu=2\n}\nscenario \"t\" {\n  wait 1s\n}\n",
    ));
    assert_eq!(at(&e), (3, 8));
    assert_eq!(e.message(), "`node node-9` is already declared at line 2");
    assert!(e.hint().unwrap().contains("put all its options on it"));
    // Reshaping one of node-1..node-N is still allowed; so are repeated feature gates.
    assert!(parse(
        "cluster {\n  nodes 2\n  node node-1 cpu=8\n  feature-gate MaxUnavailableStatefulSet\n}\nscenario \"t\" {\n  wait 1s\n}\n"
    )
    .is_ok());
    for (setting, col) in [
        ("max-pods 0", 12),
        ("max-events 0", 14),
        ("max-time 0s", 12),
    ] {
        let e = only(errors(&format!(
            "cluster {{\n  {setting}\n}}\nscenario \"t\" {{\n  wait 1s\n}}\n"
        )));
        assert_eq!(at(&e), (2, col), "{setting}");
        assert!(e.message().contains("at least 1"), "{}", e.message());
    }
    // `nodes 1000` at its value, with the range.
    let e = only(errors(
        "cluster {\n  nodes 1000\n}\nscenario \"t\" {\n  wait 1s\n}\n",
    ));
    assert_eq!(at(&e), (2, 9));
    assert!(
        e.message().contains("a cluster has 1 to 250 nodes"),
        "{}",
        e.message()
    );
}

/// `make image "" unpullable` was accepted and matched no container ever.
#[test]
fn an_empty_image_name_is_refused() {
    let e = only(in_scenario("  make image \"\" unpullable"));
    assert_eq!(at(&e), (2, 14));
    assert_eq!(
        e.message(),
        "invalid argument `\"\"` for `image`: the image name is empty; write it as the manifest does (e.g. \"nginx:1.27\")"
    );
}

/// A subresource kubectl has and scn does not simulate (`resize`) is refused where it is
/// written, and the hint says it is not simulated and what to write instead.
#[test]
fn an_unsimulated_subresource_is_named_as_such() {
    let e = only(in_scenario(
        "  patch pod/p subresource=resize \"\"\"{\"spec\":{}}\"\"\"",
    ));
    assert_eq!(at(&e), (2, 15));
    let hint = e.hint().unwrap_or_default();
    assert!(
        hint.starts_with("`patch` takes the `status` and `scale` subresources only")
            && hint.contains("`resize`, in-place pod resize")
            && hint.contains("are not simulated by scn"),
        "{hint}"
    );
    // The two it takes still parse.
    for sub in ["status", "scale"] {
        let src =
            format!("scenario \"s\" {{\n  patch statefulset/web subresource={sub} \"{{}}\"\n}}\n");
        assert!(parse(&src).is_ok(), "{src}");
    }
}

/// Hints a student at midnight needs, where the grammar's "expected …, found …" alone
/// does not say what to write.
#[test]
fn hints_for_fractions_variables_filters_and_within_after_expect() {
    let e = only(in_scenario("  wait 1.5s"));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(
        e.hint().as_deref(),
        Some("a duration has no fraction: write `1s500ms`, not `1.5s` (units h, m, s, ms)")
    );
    let e = only(in_scenario("  let a = 3\n  expect $a == absent"));
    assert!(
        e.hint()
            .unwrap()
            .starts_with("a variable is a value, not a query"),
        "{:?}",
        e.hint()
    );
    let e = only(in_scenario("  let n = 3\n  scale statefulset/web to $n"));
    assert!(
        e.hint()
            .unwrap()
            .starts_with("here the count must be a literal number"),
        "{:?}",
        e.hint()
    );
    let e = only(in_scenario(
        "  expect statefulset/web.status.conditions[?(@.type==\"Ready\")] == x",
    ));
    assert!(
        e.hint()
            .unwrap()
            .contains("filters (`[?(@.type==\"Ready\")]`) are not supported; use an index"),
        "{:?}",
        e.hint()
    );
    let e = only(in_scenario("  expect pods == [] within 2m"));
    assert!(
        e.hint().unwrap().contains("`expect … throughout 2m`"),
        "{:?}",
        e.hint()
    );
}

/// `nodes -3` said "expected a value (a word, "string", number, …)".
#[test]
fn a_negative_node_count_says_the_range() {
    let e = only(errors(
        "cluster {\n  nodes -3\n}\nscenario \"t\" {\n  wait 1s\n}\n",
    ));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(
        e.message(),
        "`-3` is not a valid value for `nodes`: expected a number of nodes from 0 to 250 (a cluster has 1 to 250 nodes in all, `node NAME` lines included)"
    );
}

/// Common slips get a hint that shows the right form (before round fifteen each gave the bare
/// "expected …, found …" with no hint).
#[test]
fn common_slips_get_a_hint_with_the_right_form() {
    for (body, hint) in [
        ("  expect pod/web-0 ready", "`await pod/web-0 ready`"),
        (
            "  await pod/web-0 running",
            "`await pod/web-0.status.phase == Running`",
        ),
        ("  expect pods = [web-0]", "`==` (two equals signs)"),
        ("  apply web.yaml", "`apply \"web.yaml\"`"),
        ("  delete web-0", "`pod/web-0`"),
        ("  expect ip(web-0) == x", "`pod/web-0`"),
        ("  expect pods == web-0, web-1", "`[web-0, web-1]`"),
        (
            "  set image statefulset/web nginx:1.10",
            "`nginx=nginx:1.10`",
        ),
        (
            "  expect [web-0] == pods",
            "the expected value goes on the right",
        ),
        (
            "  expect 3 == statefulset/web.spec.replicas",
            "the left side is a query",
        ),
        (
            "  expect pod/web-0.metadata.labels[app] == x",
            "`[\"app\"]`",
        ),
        (
            "  expect pod/web-0.metadata.labels['app'] == x",
            "`[\"app\"]`",
        ),
        (
            "  expect statefulset/web.status.conditions[-1] == x",
            "a negative index",
        ),
        ("  kubectl scale sts/web --replicas=3", "without `kubectl`"),
        // kubectl commands the docs' pages use, which scn has on purpose no statement for:
        // the hint says what to write instead (`get` is not a misspelt `set`).
        ("  get pods", "is an expectation in scn"),
        (
            "  exec web-0 -- hostname",
            "scn runs no command in a container",
        ),
        ("  label nodes node-1 disktype=ssd", "is a patch in scn"),
        ("  taint nodes node-1 k=v:NoSchedule", "is a patch in scn"),
        ("  describe pod/web-0", "scn has no `describe`"),
        ("  logs web-0", "write no logs"),
        ("  run dns-test --image=busybox", "`apply` it"),
        ("  create namespace qos-example", "one namespace"),
        ("  top pods", "no metrics"),
    ] {
        let e = only(in_scenario(body));
        let got = e.hint().unwrap_or_default();
        assert!(got.contains(hint), "{body}: {got:?}");
    }
    let e = only(errors("scenario \"t\" tags (a) {\n  wait 1s\n}\n"));
    assert!(
        e.hint().unwrap_or_default().contains("`tags(a, b)`"),
        "{:?}",
        e.hint()
    );
}

/// A statement cut short at the end of its line is underlined at the line's end, not with a
/// span that runs into the next line (`wait` alone showed a two-line frame).
#[test]
fn a_missing_token_at_the_end_of_a_line_points_at_that_line() {
    for body in ["  wait", "  wait\r"] {
        let e = only(in_scenario(body));
        assert_eq!(at(&e), (2, 7), "{body:?}");
        assert_eq!(e.span.start, e.span.end, "{body:?}: {e:?}");
    }
}

/// `await svc/nginx ready` failed only when the scenario reached it (exit 1, after the
/// statements before it had run); it is now found before anything runs (exit 2), as a
/// query given a kind it does not take.
#[test]
fn await_ready_of_a_kind_without_readiness_is_a_load_error() {
    let e = only(in_scenario("  await svc/nginx ready"));
    assert_eq!(at(&e), (2, 9));
    assert_eq!(e.kind, K::AwaitReadyKind { found: "service" });
    assert!(e.message().contains("not for a service"), "{}", e.message());
    assert!(
        e.hint()
            .unwrap_or_default()
            .contains("`await pvc/www-web-0.status.phase == Bound`"),
        "{:?}",
        e.hint()
    );
    for ok in [
        "  await statefulset/web ready",
        "  await pod/web-0 ready",
        "  await daemonset/agent ready",
        "  await deployment/app ready",
        "  await svc/nginx deleted",
    ] {
        parse(&format!("scenario \"t\" {{\n{ok}\n}}\n")).unwrap_or_else(|e| panic!("{ok}: {e:?}"));
    }
}

/// `let x =` with nothing after it named the grammar rule ("expected let value").
#[test]
fn a_let_without_a_value_says_what_may_follow() {
    let e = only(in_scenario("  let x ="));
    assert!(
        e.message().starts_with("expected a value or a query"),
        "{}",
        e.message()
    );
}

#[test]
fn an_unclosed_scenario_lists_every_statement_add_included() {
    let e = only(errors("scenario \"t\" {\n  wait 1s\n"));
    let text = e.to_string();
    assert!(text.contains("drain, add, wait, await, expect"), "{text}");
}

#[test]
fn a_kubectl_flag_with_dashes_is_shown_without_them() {
    let e = only(in_scenario("  delete statefulset/web --cascade=orphan"));
    assert_eq!(at(&e), (2, 26));
    let hint = e.hint().unwrap_or_default();
    assert!(hint.contains("`cascade=orphan`"), "{hint}");
    // `within`/`throughout` end an await or expect, never a delete.
    let text = e.to_string();
    assert!(!text.contains("within"), "{text}");
    let e = only(in_scenario(
        "  rollout undo statefulset/web --to-revision=2",
    ));
    let hint = e.hint().unwrap_or_default();
    assert!(hint.contains("`to-revision=N`"), "{hint}");
    let e = only(in_scenario("  scale statefulset/web to 3 --replicas=3"));
    let hint = e.hint().unwrap_or_default();
    assert!(hint.contains("no `--` flags"), "{hint}");
}

#[test]
fn fails_with_is_not_offered_after_a_wait() {
    let e = only(in_scenario("  wait 30 now"));
    let text = e.to_string();
    assert!(!text.contains("fails"), "{text}");
    assert!(!text.contains("within"), "{text}");
}

#[test]
fn numbers_and_indices_share_one_bound_which_the_hint_names() {
    // The largest number reads; one more is an error whose hint names the bound.
    assert!(parse("scenario \"t\" {\n  scale statefulset/web to 9223372036854775807\n}\n").is_ok());
    for body in [
        "  scale statefulset/web to 9223372036854775808",
        "  expect pod/web-0.spec.containers[18446744073709551615].image == absent",
    ] {
        let e = only(in_scenario(body));
        assert!(matches!(e.kind, K::InvalidNumber { .. }), "{e:?}");
        let hint = e.hint().unwrap_or_default();
        assert!(hint.contains("at most 9223372036854775807"), "{hint}");
    }
}

#[test]
fn a_variable_of_another_scenario_says_where_it_is_bound() {
    let src = "scenario \"one\" {\n  let a = 1\n}\nscenario \"two\" {\n  expect pods == $a\n}\n";
    let e = only(errors(src));
    assert_eq!(at(&e), (5, 18));
    assert_eq!(
        e.message(),
        "`$a` is bound in another scenario (line 2), not in this one"
    );
    let hint = e.hint().unwrap_or_default();
    assert!(hint.contains("setup {"), "{hint}");
    // Its own `let` on the same line binds nothing yet: plainly unbound.
    let e = only(in_scenario("  let a = $a"));
    assert_eq!(e.kind, K::UnboundVariable { name: "a".into() });
    let e = only(in_scenario("  expect pods == $b\n  let b = 1"));
    assert_eq!(e.message(), "`$b` is used before its `let` (line 3)");
}
