//! Node shapes in `cluster { }` and `add node/…`: what they parse to, and their errors.

use kscn::lang::ast::*;
use kscn::lang::parse;

fn errors(src: &str) -> Vec<String> {
    match parse(src) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| format!("{}:{}: {}", e.span.line, e.span.col, e.message()))
            .collect(),
    }
}

#[test]
fn the_cluster_block_takes_zones_capacity_and_named_nodes() {
    let file = parse(
        "cluster {\n  nodes 6 zones(a, b, c)\n  node-capacity cpu=2 memory=8Gi pods=50\n  \
         node node-7 zone=c cpu=8 memory=32Gi labels(disktype=ssd, node-role.kubernetes.io/db=) \
         taints(dedicated=db:NoSchedule, spot:PreferNoSchedule)\n}\n\
         scenario \"s\" {\n  add node/node-8 zone=b pods=10\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e:?}"));
    let c = &file.cluster;
    assert_eq!(c.nodes, 6);
    assert_eq!(c.zones, vec!["a", "b", "c"]);
    assert_eq!(c.node_capacity.cpu.as_deref(), Some("2"));
    assert_eq!(c.node_capacity.memory.as_deref(), Some("8Gi"));
    assert_eq!(c.node_capacity.pods, Some(50));
    let (name, node) = &c.node_decls[0];
    assert_eq!(name, "node-7");
    assert_eq!(node.zone.as_deref(), Some("c"));
    assert_eq!(
        node.labels,
        vec![
            ("disktype".to_string(), "ssd".to_string()),
            ("node-role.kubernetes.io/db".to_string(), String::new())
        ]
    );
    assert_eq!(
        node.taints,
        vec![
            (
                "dedicated".to_string(),
                Some("db".to_string()),
                "NoSchedule".to_string()
            ),
            ("spot".to_string(), None, "PreferNoSchedule".to_string()),
        ]
    );
    match &file.scenarios[0].body[0].kind {
        StmtKind::AddNode { target, options } => {
            assert_eq!(target.kind, Kind::Node);
            assert_eq!(options.zone.as_deref(), Some("b"));
            assert_eq!(options.pods, Some(10));
        }
        other => panic!("{other:?}"),
    }
    assert!(file.scenarios[0].body[0].kind.is_cluster_changing());
}

#[test]
fn bad_node_options_are_located_errors() {
    let e =
        errors("cluster {\n  node n1 taints(a=b:NoSchedul)\n}\nscenario \"s\" {\n  wait 1s\n}\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("2:18:"), "{e:?}");
    assert!(e[0].contains("a=b:NoSchedul"), "{e:?}");
    let e = errors("cluster {\n  node-capacity cpu=lots\n}\nscenario \"s\" {\n  wait 1s\n}\n");
    assert!(e[0].starts_with("2:17:") && e[0].contains("cpu"), "{e:?}");
    // A quantity too large to hold (2^63 units) is refused here, not ignored by the cluster.
    let e = errors("cluster {\n  node-capacity memory=8Ei\n}\nscenario \"s\" {\n  wait 1s\n}\n");
    assert!(
        e[0].starts_with("2:17:") && e[0].contains("memory=8Ei"),
        "{e:?}"
    );
    let e = errors("cluster {\n  node n1 cpu=1e19\n}\nscenario \"s\" {\n  wait 1s\n}\n");
    assert!(e[0].contains("cpu=1e19"), "{e:?}");
    assert!(errors("cluster {\n  node n1 cpu=7Ei\n}\nscenario \"s\" {\n  wait 1s\n}\n").is_empty());
    let e = errors("cluster {\n  node-capacity zone=a\n}\nscenario \"s\" {\n  wait 1s\n}\n");
    assert!(e[0].contains("zone=a"), "{e:?}");
    let e = errors("scenario \"s\" {\n  add node/n4 colour=red\n}\n");
    assert!(
        e[0].starts_with("2:15:") && e[0].contains("colour=red"),
        "{e:?}"
    );
    let e = errors("scenario \"s\" {\n  add pod/web-0\n}\n");
    assert!(e[0].starts_with("2:7:") && e[0].contains("add"), "{e:?}");
    let e = errors("cluster {\n  namespace x zones(a)\n}\nscenario \"s\" {\n  wait 1s\n}\n");
    assert!(e[0].contains("zones"), "{e:?}");
}
