//! How kubectl prints the errors of a command (`cmdutil.CheckErr`).

use crate::kubectl::client::{apply_errors, check_err};
use crate::sim::api::field_error::FieldError;
use crate::sim::kinds::ObjectKind;
use crate::sim::server::{ApiError, Reason};

fn port(path: &str) -> FieldError {
    FieldError::invalid(path, "99999", "must be between 1 and 65535, inclusive")
}

#[test]
fn an_invalid_object_prints_its_causes_one_per_line() {
    let e = ApiError::invalid(
        &ObjectKind::Service,
        "bad",
        &[
            port("spec.ports[0].port"),
            port("spec.ports[0].targetPort"),
            port("spec.ports[0].port"),
        ],
    );
    // The server's message: the kind with its group (none for the core group), the causes
    // as an aggregate without repeats.
    assert_eq!(
        e.message,
        "Service \"bad\" is invalid: [spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive, spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and 65535, inclusive]"
    );
    assert_eq!(
        check_err(&[e]),
        [
            "The Service \"bad\" is invalid:",
            "* spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive",
            "* spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and 65535, inclusive",
        ]
    );
}

#[test]
fn one_cause_stays_on_the_line_and_the_message_names_the_group() {
    let e = ApiError::invalid(
        &ObjectKind::StatefulSet,
        "web",
        &[FieldError::invalid(
            "spec.replicas",
            "-1",
            "must be greater than or equal to 0",
        )],
    );
    assert_eq!(
        e.message,
        "StatefulSet.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(
        check_err(std::slice::from_ref(&e)),
        ["The StatefulSet \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"]
    );
    assert_eq!(
        e.message_for_error(),
        "Error from server (Invalid): StatefulSet.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
}

#[test]
fn several_errors_print_one_standard_message_each() {
    let missing = |name: &str| ApiError::not_found(&ObjectKind::Pod, name);
    assert_eq!(check_err(&[]), Vec::<String>::new());
    assert_eq!(
        check_err(&[missing("a"), missing("b")]),
        [
            "Error from server (NotFound): pods \"a\" not found",
            "Error from server (NotFound): pods \"b\" not found",
        ]
    );
}

#[test]
fn the_builders_errors_print_first_as_one_aggregate() {
    let unknown = |kind: &str| ApiError::new(Reason::NoMatch, format!("no kind {kind}"));
    let refused = ApiError::not_found(&ObjectKind::Pod, "p");
    // Alone, the builder's errors are the command's aggregate: one line each, or `error: …`
    // for one.
    assert_eq!(apply_errors(&[unknown("A")], &[]), ["error: no kind A"]);
    assert_eq!(
        apply_errors(&[unknown("A"), unknown("B")], &[]),
        ["no kind A", "no kind B"]
    );
    // Among the requests' errors, they are one error whose text is `[a, b]`.
    assert_eq!(
        apply_errors(
            &[unknown("A"), unknown("B")],
            std::slice::from_ref(&refused)
        ),
        [
            "[no kind A, no kind B]",
            "Error from server (NotFound): pods \"p\" not found"
        ]
    );
    assert_eq!(
        apply_errors(&[unknown("A")], std::slice::from_ref(&refused)),
        [
            "no kind A",
            "Error from server (NotFound): pods \"p\" not found"
        ]
    );
}

/// kubectl's warning handler deduplicates: a warning the command printed is not printed
/// again; each comes before the line of the request that got it.
#[test]
fn warnings_print_once_per_command_before_their_line() {
    use crate::kubectl::client::{print_warnings, unknown_fields_named, Reply};
    let mut printed = Vec::new();
    let reply = Reply {
        lines: vec!["endpoints/a created".into()],
        warnings: vec!["w1".into(), "w1".into()],
        notes: vec!["scn's own note".into()],
        hints: Vec::new(),
    };
    reply.print(&mut printed);
    print_warnings(&mut printed, &["w1".to_string(), "w2".to_string()]);
    assert_eq!(
        printed,
        ["Warning: w1", "endpoints/a created", "Warning: w2"]
    );
    assert_eq!(
        unknown_fields_named(
            "strict decoding error: unknown field \"spec.a\", unknown field \"spec.b[0].c\""
        ),
        ["spec.a", "spec.b[0].c"]
    );
}
