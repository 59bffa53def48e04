//! The kind registry (`sim/kinds.rs`) against the language's own word list
//! (`lang/kinds.rs`, `lang/columns.rs`, which may not read the simulation), both ways, and
//! every registry row through the store's and the printers' dispatch. Adding a kind is one
//! registry row; whatever else must follow it fails here until it does.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::query::object_kind;
use crate::kubectl::{client, printers};
use crate::lang::ast::Kind;
use crate::lang::{columns, kinds as lang};
use crate::sim::api::kinds::by_resource;
use crate::sim::kinds::{KindInfo, ObjectKind, KINDS};
use crate::sim::{Config, World};

/// Every kind the language has a word for.
fn language_kinds() -> BTreeSet<Kind> {
    lang::ALIASES.iter().map(|(_, kind)| *kind).collect()
}

fn row_of(kind: Kind) -> &'static KindInfo {
    object_kind(kind)
        .info()
        .unwrap_or_else(|| panic!("{kind:?} has no registry row"))
}

/// Language → registry: every word is a spelling discovery serves for the same kind, or
/// the language's plural of a short name (`pvcs`, the table word).
#[test]
fn every_word_of_the_language_is_a_registry_spelling_of_its_kind() {
    for (word, kind) in lang::ALIASES {
        let row = row_of(*kind);
        let served = by_resource(word).is_some_and(|found| std::ptr::eq(found, row));
        let plural_of_short = word
            .strip_suffix('s')
            .is_some_and(|short| row.short_names.contains(&short));
        assert!(
            served || plural_of_short,
            "`{word}` is not a spelling of {}",
            row.kind
        );
    }
}

/// Registry → language: every spelling of a kind the language knows is a word of the
/// language, and the language's singular is the registry's.
#[test]
fn every_registry_spelling_of_a_language_kind_is_a_word() {
    for kind in language_kinds() {
        let row = row_of(kind);
        for spelling in row.spellings() {
            assert_eq!(lang::by_alias(spelling), Some(kind), "`{spelling}`");
        }
        assert_eq!(lang::singular(kind), row.singular);
        assert_eq!(lang::by_alias(lang::table_name(kind)), Some(kind));
    }
}

/// The kinds with a table are the kinds with a printer, and the columns a table may name
/// are the registry's.
#[test]
fn tables_are_the_kinds_with_columns_and_name_the_registry_columns() {
    let tables: BTreeSet<Kind> = lang::TABLE_KINDS.iter().copied().collect();
    let printed: BTreeSet<Kind> = language_kinds()
        .into_iter()
        .filter(|kind| !row_of(*kind).columns.is_empty())
        .collect();
    assert_eq!(tables, printed);
    for kind in language_kinds() {
        assert_eq!(
            columns::known_columns(kind),
            row_of(kind).columns,
            "{kind:?}"
        );
    }
}

/// A small valid object of every kind of the registry, named `sample`.
fn sample(info: &KindInfo) -> Value {
    let spec = match info.kind {
        "StatefulSet" => json!({"spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "sample"}},
            "template": {
                "metadata": {"labels": {"app": "sample"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}
            }
        }}),
        "DaemonSet" => json!({"spec": {
            "selector": {"matchLabels": {"app": "sample-ds"}},
            "template": {
                "metadata": {"labels": {"app": "sample-ds"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}
            }
        }}),
        "Deployment" | "ReplicaSet" => json!({"spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": "sample"}},
            "template": {
                "metadata": {"labels": {"app": "sample"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]}
            }
        }}),
        "Pod" => json!({"spec": {"containers": [{"name": "c", "image": "nginx"}]}}),
        "PersistentVolumeClaim" => json!({"spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}}
        }}),
        "PersistentVolume" => json!({"spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/data"}
        }}),
        "StorageClass" => json!({"provisioner": "example.com/sample"}),
        "Service" => json!({"spec": {"selector": {"app": "sample"}, "ports": [{"port": 80}]}}),
        "ControllerRevision" => json!({"revision": 1, "data": {}}),
        "EndpointSlice" => json!({"addressType": "IPv4", "endpoints": []}),
        "PriorityClass" => json!({"value": 1}),
        "RuntimeClass" => json!({"handler": "runc"}),
        "HorizontalPodAutoscaler" => json!({"spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "sample"},
            "maxReplicas": 2
        }}),
        "PodDisruptionBudget" => json!({"spec": {
            "minAvailable": 1,
            "selector": {"matchLabels": {"app": "sample"}}
        }}),
        _ => json!({}),
    };
    let mut object = json!({
        "apiVersion": info.api_version,
        "kind": info.kind,
        "metadata": {"name": "sample"}
    });
    if let (Value::Object(object), Value::Object(spec)) = (&mut object, spec) {
        object.extend(spec);
    }
    object
}

/// A cluster holding one `sample` of every kind of the registry.
fn world_with_samples() -> World {
    let mut world = World::new(Config::default()).expect("a cluster");
    for info in KINDS {
        if let Err(error) = client::apply(&mut world, &sample(info), "sample.yaml") {
            panic!("a {} sample is refused: {error:?}", info.kind);
        }
    }
    world
}

/// Every row: created through the API, found by the store's dispatch (exists, names,
/// meta) and returned with its apiVersion and kind, in the namespace when namespaced.
#[test]
fn every_kind_round_trips_through_the_store() {
    let world = world_with_samples();
    for info in KINDS {
        let kind = ObjectKind::from_kind(info.kind);
        let store = &world.store;
        assert!(store.exists(&kind, "sample"), "{}", info.kind);
        assert!(store.names(&kind).contains(&"sample".to_string()));
        let meta = store.meta(&kind, "sample").expect("metadata");
        assert_eq!(meta.name.as_deref(), Some("sample"));
        let json = store.to_json(&kind, "sample").expect("the object");
        assert_eq!(json["apiVersion"], info.api_version, "{}", info.kind);
        assert_eq!(json["kind"], info.kind);
        assert_eq!(json["metadata"]["name"], "sample");
        let namespace = json["metadata"].get("namespace").and_then(Value::as_str);
        let expected = info.namespaced.then_some(world.config.namespace.as_str());
        assert_eq!(namespace, expected, "{}", info.kind);
        assert!(!store.exists(&kind, "absent"));
        assert_eq!(store.to_json(&kind, "absent"), None);
    }
}

/// Every row with columns has a printer that prints exactly those columns, a cell for
/// each, and a row for the sample; every row without columns has none.
#[test]
fn every_kind_with_columns_has_a_printer() {
    let world = world_with_samples();
    for info in KINDS {
        let kind = ObjectKind::from_kind(info.kind);
        match printers::print(&world, &kind) {
            Some(table) => {
                assert_eq!(table.columns, info.columns, "{}", info.kind);
                assert!(table.rows.iter().all(|r| r.len() == info.columns.len()));
                let names: Vec<_> = (0..table.rows.len())
                    .filter_map(|r| table.cell(r, "NAME"))
                    .collect();
                assert!(names.contains(&"sample"), "{}: {names:?}", info.kind);
            }
            None => assert!(info.columns.is_empty(), "{} has no printer", info.kind),
        }
    }
}

/// The project's reference, whose tables of kinds, words and columns are checked here.
const LANGUAGE_MD: &str = include_str!("../../docs/language.md");

/// The table rows (`| … |` lines, header and rule excluded) that follow `header` in the
/// reference, up to the first line that is not a table line.
fn doc_table(header: &str) -> Vec<&'static str> {
    let mut lines = LANGUAGE_MD.lines().skip_while(|l| *l != header);
    assert_eq!(
        lines.next(),
        Some(header),
        "docs/language.md has no `{header}`"
    );
    lines.skip(1).take_while(|l| l.starts_with('|')).collect()
}

fn code(word: &str) -> String {
    format!("`{word}`")
}

/// Prints the table as it should be, so that a failure says what to paste.
fn check_doc_table(header: &str, expected: Vec<String>) {
    let written = doc_table(header);
    assert!(
        written == expected,
        "docs/language.md's table under `{header}` differs from the registry; it should read:\n{header}\n{}",
        expected.join("\n")
    );
}

/// docs/language.md's "kinds the API knows" is the registry, row for row.
#[test]
fn the_reference_lists_the_registry_kinds() {
    let expected = KINDS
        .iter()
        .map(|info| {
            let mut resource = code(info.plural);
            if !info.short_names.is_empty() {
                let short: Vec<String> = info.short_names.iter().map(|s| code(s)).collect();
                resource = format!("{resource} ({})", short.join(", "));
            }
            let yes = |b: bool| if b { "yes" } else { "no" };
            format!(
                "| {} | {} | {resource} | {} | {} |",
                code(info.kind),
                code(info.api_version),
                yes(info.namespaced),
                yes(info.simulated)
            )
        })
        .collect();
    check_doc_table(
        "| Kind | apiVersion | Resource (short names) | Namespaced | Simulated |",
        expected,
    );
}

/// docs/language.md's table of reference words is the language's list (itself checked
/// against the registry above): the singular, then the other words, per kind.
#[test]
fn the_reference_lists_the_words_of_every_kind() {
    let mut expected: Vec<String> = Vec::new();
    let mut seen: Vec<Kind> = Vec::new();
    for (_, kind) in lang::ALIASES {
        if seen.contains(kind) {
            continue;
        }
        seen.push(*kind);
        let singular = lang::singular(*kind);
        let others: Vec<String> = lang::ALIASES
            .iter()
            .filter(|(word, k)| k == kind && *word != singular)
            .map(|(word, _)| code(word))
            .collect();
        expected.push(format!("| {} | {} |", code(singular), others.join(", ")));
    }
    check_doc_table("| Kind | Also |", expected);
}

/// docs/language.md's table of table columns is the registry's columns.
#[test]
fn the_reference_lists_the_columns_of_every_table() {
    let expected = lang::TABLE_KINDS
        .iter()
        .map(|kind| {
            format!(
                "| {} | {} |",
                code(lang::table_name(*kind)),
                row_of(*kind).columns.join(", ")
            )
        })
        .collect();
    check_doc_table("| Table | Columns |", expected);
}

/// Every kind of the language has a field schema, so its paths are checked at load time.
#[test]
fn every_language_kind_has_a_schema() {
    for kind in language_kinds() {
        let name = row_of(kind).kind;
        assert!(super::schema::of_kind(name).is_some(), "{name}");
    }
}
