//! The rendered text of syntax errors (color off), pinned by snapshots.

use kscn::diagnostic::render;
use kscn::lang::parse;

fn rendered(src: &str) -> String {
    let errors = match parse(src) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    };
    let diagnostics: Vec<_> = errors.iter().map(|e| e.to_diagnostic("web.scn")).collect();
    let out = render(&diagnostics, src, false);
    assert!(!out.contains('\u{1b}'), "ANSI codes with color off");
    out
}

#[test]
fn unknown_statement() {
    insta::assert_snapshot!(rendered(
        "scenario \"t\" {\n  scael statefulset/web to 5\n}\n"
    ));
}

#[test]
fn unknown_kind_and_column() {
    insta::assert_snapshot!(rendered(
        "scenario \"t\" {\n  scale statefullset/web to 5\n  expect pvcs {\n    NAME   ACCESS MODE\n    www    RWO\n  }\n}\n"
    ));
}

#[test]
fn unbound_variable_and_fails_with() {
    insta::assert_snapshot!(rendered(
        "scenario \"t\" {\n  expect ip(pod/web-0) != $old\n  wait 5s fails with \"x\"\n}\n"
    ));
}

#[test]
fn unterminated_block() {
    insta::assert_snapshot!(rendered(
        "scenario \"t\" {\n  apply \"\"\"\n    kind: Pod\n}\n"
    ));
}

#[test]
fn missing_to() {
    insta::assert_snapshot!(rendered("scenario \"t\" {\n  scale statefulset/web 5\n}\n"));
}

#[test]
fn colored_output_has_ansi_codes() {
    let src = "scenario \"t\" {\n  wait 5\n}\n";
    let Err(errors) = parse(src) else {
        panic!("expected errors")
    };
    let d: Vec<_> = errors.iter().map(|e| e.to_diagnostic("web.scn")).collect();
    assert!(render(&d, src, true).contains('\u{1b}'));
}
