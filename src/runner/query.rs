//! Evaluating queries against the simulated cluster (docs/language.md "Expectations").

use serde_json::Value;

use super::answer::Answer;
use crate::lang::ast::{Function, Kind, Name, PathSegment, Query, Ref};
use crate::sim::dns::{self, DnsAnswer};
use crate::sim::kinds::ObjectKind;
use crate::sim::podutil::{self, natural_cmp};
use crate::sim::World;

/// The simulation's kind for a reference's kind: the registry row (`sim/kinds.rs`) whose
/// singular is the language's word for it (`runner/kinds_check.rs` checks that every kind
/// of the language has one).
pub fn object_kind(kind: Kind) -> ObjectKind {
    let singular = crate::lang::kinds::singular(kind);
    match crate::sim::kinds::by_singular(singular) {
        Some(info) => ObjectKind::from_kind(info.kind),
        None => ObjectKind::Other(singular.to_string()),
    }
}

/// Why a query could not be answered; the statement fails with this text.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryError(pub String);

/// The most ordinals `images(statefulset/x)` lists: a list no one writes by hand, and a
/// bound on what a diff of it costs.
pub const MAX_IMAGES: i64 = 10_000;

/// What a query needs from the scenario besides the cluster.
pub struct Context<'a> {
    pub world: &'a World,
    /// Index into the world's pod log where `created`/`deleted` start.
    pub mark: usize,
    /// Warnings the API server returned for the last action.
    pub warnings: &'a [String],
    /// The lines kubectl printed for the last action (`output`).
    pub output: &'a [String],
    pub resolve_name: &'a dyn Fn(&Name) -> Result<String, QueryError>,
    pub evaluate: &'a dyn Fn(&crate::lang::ast::Value) -> Result<Answer, QueryError>,
}

pub fn evaluate(ctx: &Context, query: &Query) -> Result<Answer, QueryError> {
    let world = ctx.world;
    match query {
        Query::Pods => Ok(Answer::List(all_pods(world))),
        Query::Created | Query::Deleted => {
            let created = matches!(query, Query::Created);
            Ok(Answer::List(
                world.pod_log[ctx.mark.min(world.pod_log.len())..]
                    .iter()
                    .filter(|e| e.created == created)
                    .map(|e| e.name.clone())
                    .collect(),
            ))
        }
        Query::Warnings => Ok(Answer::List(ctx.warnings.to_vec())),
        Query::Output => Ok(Answer::List(ctx.output.to_vec())),
        Query::Field { target, path } => {
            let name = (ctx.resolve_name)(&target.name)?;
            let kind = object_kind(target.kind);
            // A path into `status` or `metadata` needs only that part as JSON, not the
            // whole object (a pod's spec is most of its text).
            if let Some(PathSegment::Field(first)) = path.first() {
                let part = match first.as_str() {
                    "status" => Some(world.store.status_json(&kind, &name)),
                    "metadata" => Some(
                        world
                            .store
                            .meta(&kind, &name)
                            .map(|m| serde_json::to_value(m).ok()),
                    ),
                    _ => None,
                };
                if let Some(part) = part {
                    let Some(part) = part else {
                        return Ok(Answer::Absent);
                    };
                    return Ok(part
                        .as_ref()
                        .and_then(|v| walk(v, &path[1..]))
                        .map(to_answer)
                        .unwrap_or(Answer::Absent));
                }
            }
            let Some(object) = world.store.to_json(&kind, &name) else {
                return Ok(Answer::Absent);
            };
            Ok(walk(&object, path).map(to_answer).unwrap_or(Answer::Absent))
        }
        Query::Call { function, args, .. } => call(ctx, *function, args),
    }
}

fn all_pods(world: &World) -> Vec<String> {
    let mut names: Vec<String> = world.store.pods().keys().cloned().collect();
    names.sort_by(|a, b| natural_cmp(a, b));
    names
}

pub fn walk<'v>(value: &'v Value, path: &[PathSegment]) -> Option<&'v Value> {
    let mut at = value;
    for segment in path {
        at = match segment {
            PathSegment::Field(key) | PathSegment::Key(key) => at.get(key.as_str())?,
            PathSegment::Index(i) => at.get(*i)?,
        };
    }
    if at.is_null() {
        return None;
    }
    Some(at)
}

/// A field's value as an answer: scalars by their text, lists element by element.
pub fn to_answer(value: &Value) -> Answer {
    match value {
        Value::Array(items) => Answer::List(items.iter().map(scalar_text).collect()),
        other => Answer::Text(scalar_text(other)),
    }
}

pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        other => other.to_string(),
    }
}

fn ref_arg(
    args: &[crate::lang::ast::Value],
    function: Function,
    kind: Option<Kind>,
) -> Result<Ref, QueryError> {
    match args.first() {
        Some(crate::lang::ast::Value::Query(q)) => match q.as_ref() {
            Query::Field { target, path } if path.is_empty() => {
                if let Some(kind) = kind {
                    if target.kind != kind {
                        return Err(QueryError(format!(
                            "{}() takes a {} reference",
                            function_name(function),
                            kind_word(kind)
                        )));
                    }
                }
                Ok(target.clone())
            }
            _ => Err(QueryError(format!(
                "{}() takes a kind/name reference",
                function_name(function)
            ))),
        },
        _ => Err(QueryError(format!(
            "{}() takes a kind/name reference",
            function_name(function)
        ))),
    }
}

/// The single text argument of `dns()`, `srv()` and `ptr()`, evaluated as a value.
fn text_arg(
    ctx: &Context,
    function: Function,
    args: &[crate::lang::ast::Value],
) -> Result<String, QueryError> {
    let usage = || {
        QueryError(format!(
            "{name}() takes one name or address: {name}(\"web-0.nginx\")",
            name = function_name(function)
        ))
    };
    let [arg] = args else {
        return Err(usage());
    };
    match (ctx.evaluate)(arg)? {
        Answer::Text(text) => Ok(text),
        Answer::Absent => Err(QueryError(format!(
            "{}() got an absent value (does the object exist?)",
            function_name(function)
        ))),
        _ => Err(usage()),
    }
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Pod => "pod/NAME",
        Kind::StatefulSet => "statefulset/NAME",
        Kind::PersistentVolumeClaim => "pvc/NAME",
        _ => "kind/NAME",
    }
}

pub fn function_name(function: Function) -> &'static str {
    match function {
        Function::Pods => "pods",
        Function::Ip => "ip",
        Function::Hostname => "hostname",
        Function::Node => "node",
        Function::Image => "image",
        Function::Images => "images",
        Function::Dns => "dns",
        Function::Srv => "srv",
        Function::Ptr => "ptr",
        Function::Claim => "claim",
        Function::Volume => "volume",
        Function::Read => "read",
        Function::Events => "events",
        Function::Rollout => "rollout",
        Function::Revisions => "revisions",
        Function::Restarts => "restarts",
        Function::Zone => "zone",
        Function::Zones => "zones",
        Function::Nodes => "nodes",
    }
}

fn call(
    ctx: &Context,
    function: Function,
    args: &[crate::lang::ast::Value],
) -> Result<Answer, QueryError> {
    let world = ctx.world;
    let pod_of = |r: &Ref| -> Result<Option<&k8s_openapi::api::core::v1::Pod>, QueryError> {
        let name = (ctx.resolve_name)(&r.name)?;
        Ok(world.store.pods().get(&name))
    };
    match function {
        Function::Pods => {
            let target = ref_arg(args, function, None)?;
            let name = (ctx.resolve_name)(&target.name)?;
            // The owners whose pods count: the set itself, or a Deployment's ReplicaSets.
            let owners: Vec<String> =
                match target.kind {
                    Kind::StatefulSet => match world.store.statefulsets().get(&name) {
                        Some(set) => set.metadata.uid.clone().into_iter().collect(),
                        None => return Ok(Answer::Absent),
                    },
                    Kind::DaemonSet => match world.store.daemonsets().get(&name) {
                        Some(ds) => ds.metadata.uid.clone().into_iter().collect(),
                        None => return Ok(Answer::Absent),
                    },
                    Kind::ReplicaSet | Kind::Deployment => {
                        use crate::sim::controllers::replicaset;
                        let kind = object_kind(target.kind);
                        let Some(uid) = world.store.meta(&kind, &name).and_then(|m| m.uid.clone())
                        else {
                            return Ok(Answer::Absent);
                        };
                        if target.kind == Kind::ReplicaSet {
                            vec![uid]
                        } else {
                            let rs_kind = replicaset::kind();
                            replicaset::names(world)
                                .iter()
                                .filter_map(|n| world.store.meta(&rs_kind, n))
                                .filter(|m| {
                                    m.owner_references
                                        .iter()
                                        .flatten()
                                        .any(|r| r.controller == Some(true) && r.uid == uid)
                                })
                                .filter_map(|m| m.uid.clone())
                                .collect()
                        }
                    }
                    _ => return Err(QueryError(
                        "pods() takes a statefulset, daemonset, deployment or replicaset reference"
                            .into(),
                    )),
                };
            let mut names: Vec<String> = world
                .store
                .pods()
                .iter()
                .filter(|(_, p)| {
                    podutil::controller_uid(p).is_some_and(|u| owners.iter().any(|o| o == u))
                })
                .map(|(n, _)| n.clone())
                .collect();
            names.sort_by(|a, b| natural_cmp(a, b));
            Ok(Answer::List(names))
        }
        Function::Ip => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            Ok(pod
                .and_then(|p| p.status.as_ref()?.pod_ip.clone())
                .map(Answer::Text)
                .unwrap_or(Answer::Absent))
        }
        Function::Hostname => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            Ok(pod
                .map(|p| {
                    Answer::Text(podutil::kernel_hostname(
                        p,
                        &ctx.world.config.namespace,
                        &ctx.world.config.domain,
                    ))
                })
                .unwrap_or(Answer::Absent))
        }
        Function::Node => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            Ok(pod
                .and_then(|p| p.spec.as_ref()?.node_name.clone())
                .map(Answer::Text)
                .unwrap_or(Answer::Absent))
        }
        Function::Restarts => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            Ok(pod
                .map(|p| Answer::Text(crate::kubectl::printers::pod_restarts(p).to_string()))
                .unwrap_or(Answer::Absent))
        }
        Function::Image => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            Ok(pod
                .and_then(|p| p.spec.as_ref()?.containers.first()?.image.clone())
                .map(Answer::Text)
                .unwrap_or(Answer::Absent))
        }
        Function::Images => {
            let target = ref_arg(args, function, Some(Kind::StatefulSet))?;
            let name = (ctx.resolve_name)(&target.name)?;
            let Some((start, replicas)) = ordinal_range(world, &name) else {
                return Ok(Answer::Absent);
            };
            if replicas > MAX_IMAGES {
                return Err(QueryError(format!(
                    "images(statefulset/{name}) lists one image per ordinal, at most {MAX_IMAGES}; the set has {replicas} replicas (compare `image(pod/...)` of a few pods instead)"
                )));
            }
            Ok(Answer::List(
                (start..start + replicas)
                    .map(|ordinal| {
                        world
                            .store
                            .pods()
                            .get(&format!("{name}-{ordinal}"))
                            .and_then(|p| p.spec.as_ref()?.containers.first()?.image.clone())
                            .unwrap_or_else(|| "-".into())
                    })
                    .collect(),
            ))
        }
        Function::Zone => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            Ok(pod
                .and_then(|p| zone_of(world, p))
                .map(Answer::Text)
                .unwrap_or(Answer::Absent))
        }
        Function::Zones | Function::Nodes => {
            let target = ref_arg(args, function, Some(Kind::StatefulSet))?;
            let name = (ctx.resolve_name)(&target.name)?;
            let Some((start, replicas)) = ordinal_range(world, &name) else {
                return Ok(Answer::Absent);
            };
            Ok(Answer::List(
                (start..start + replicas)
                    .map(|ordinal| {
                        let pod = world.store.pods().get(&format!("{name}-{ordinal}"));
                        let found = if function == Function::Zones {
                            pod.and_then(|p| zone_of(world, p))
                        } else {
                            pod.and_then(|p| p.spec.as_ref()?.node_name.clone())
                        };
                        found.unwrap_or_else(|| "-".into())
                    })
                    .collect(),
            ))
        }
        Function::Claim => {
            let pod = pod_of(&ref_arg(args, function, Some(Kind::Pod))?)?;
            let volume = match args.get(1) {
                Some(v) => match (ctx.evaluate)(v)? {
                    Answer::Text(t) => t,
                    other => {
                        return Err(QueryError(format!(
                            "claim() takes a volume name as its second argument, not {other}"
                        )))
                    }
                },
                None => {
                    return Err(QueryError(
                        "claim() takes a pod and a volume name: claim(pod/web-0, \"www\")".into(),
                    ))
                }
            };
            Ok(pod
                .and_then(|p| {
                    p.spec
                        .as_ref()?
                        .volumes
                        .as_ref()?
                        .iter()
                        .find(|v| v.name == volume)?
                        .persistent_volume_claim
                        .as_ref()
                        .map(|c| c.claim_name.clone())
                })
                .map(Answer::Text)
                .unwrap_or(Answer::Absent))
        }
        Function::Volume => {
            let target = ref_arg(args, function, Some(Kind::PersistentVolumeClaim))?;
            let name = (ctx.resolve_name)(&target.name)?;
            Ok(world
                .store
                .claims()
                .get(&name)
                .and_then(|c| c.spec.as_ref()?.volume_name.clone())
                .map(Answer::Text)
                .unwrap_or(Answer::Absent))
        }
        Function::Events => {
            let target = ref_arg(args, function, None)?;
            let name = (ctx.resolve_name)(&target.name)?;
            let kind = object_kind(target.kind);
            Ok(Answer::List(
                world
                    .events
                    .about(&kind, &name, world.now)
                    .map(|e| format!("{}: {}", e.reason, e.message))
                    .collect(),
            ))
        }
        Function::Revisions => {
            let target = ref_arg(args, function, None)?;
            let name = (ctx.resolve_name)(&target.name)?;
            if target.kind == Kind::Deployment {
                // The Deployment's ReplicaSets by revision (`kubectl rollout history`).
                use crate::sim::controllers::{deployment, replicaset};
                let Some(d) = deployment::get(world, &name) else {
                    return Ok(Answer::Absent);
                };
                let uid = d.metadata.uid.clone().unwrap_or_default();
                let mut sets: Vec<(i64, String)> = replicaset::controlled_by(world, &uid)
                    .into_iter()
                    .map(|rs| {
                        (
                            deployment::util::revision(&rs).unwrap_or(0),
                            rs.metadata.name.clone().unwrap_or_default(),
                        )
                    })
                    .collect();
                sets.sort();
                return Ok(Answer::List(sets.into_iter().map(|(_, n)| n).collect()));
            }
            // A StatefulSet's or a DaemonSet's ControllerRevisions, which it owns.
            let meta = match target.kind {
                Kind::StatefulSet => world.store.statefulsets().get(&name).map(|s| &s.metadata),
                Kind::DaemonSet => world.store.daemonsets().get(&name).map(|s| &s.metadata),
                _ => {
                    return Err(QueryError(
                        "revisions() takes a statefulset, daemonset or deployment reference".into(),
                    ))
                }
            };
            let Some(meta) = meta else {
                return Ok(Answer::Absent);
            };
            let uid = meta.uid.clone().unwrap_or_default();
            let mut revisions: Vec<(i64, String)> = world
                .store
                .revisions()
                .iter()
                .filter(|(_, r)| {
                    r.metadata
                        .owner_references
                        .iter()
                        .flatten()
                        .any(|o| o.uid == uid)
                })
                .map(|(n, r)| (r.revision, n.clone()))
                .collect();
            revisions.sort();
            Ok(Answer::List(
                revisions.into_iter().map(|(_, n)| n).collect(),
            ))
        }
        Function::Rollout => {
            let target = ref_arg(args, function, None)?;
            let name = (ctx.resolve_name)(&target.name)?;
            // `kubectl rollout status` reads its argument with the resource builder, which
            // refuses an empty name before any request.
            if let Err(e) = crate::kubectl::client::resource_args([name.as_str()]) {
                return Ok(Answer::Text(e.to_string()));
            }
            if target.kind == Kind::DaemonSet {
                let Some(ds) = world.store.daemonsets().get(&name) else {
                    return Ok(Answer::Text(format!(
                        "Error from server (NotFound): daemonsets.apps \"{name}\" not found"
                    )));
                };
                return Ok(Answer::Text(
                    match crate::kubectl::rollout_status::daemonset_status(ds) {
                        Ok((message, _)) => message,
                        Err(error) => format!("error: {error}"),
                    },
                ));
            }
            if target.kind == Kind::Deployment {
                let Some(d) = crate::sim::controllers::deployment::get(world, &name) else {
                    return Ok(Answer::Text(format!(
                        "Error from server (NotFound): deployments.apps \"{name}\" not found"
                    )));
                };
                return Ok(Answer::Text(
                    match crate::kubectl::rollout_status::deployment_status(&d) {
                        Ok((message, _)) => message,
                        Err(error) => format!("error: {error}"),
                    },
                ));
            }
            if target.kind != Kind::StatefulSet {
                return Err(QueryError(
                    "rollout() takes a statefulset, daemonset or deployment reference".into(),
                ));
            }
            let Some(set) = world.store.statefulsets().get(&name) else {
                return Ok(Answer::Text(format!(
                    "Error from server (NotFound): statefulsets.apps \"{name}\" not found"
                )));
            };
            Ok(Answer::Text(
                match crate::kubectl::rollout_status::status(set) {
                    Ok((message, _)) => message,
                    Err(error) => format!("error: {error}"),
                },
            ))
        }
        Function::Read => {
            let target = ref_arg(args, function, Some(Kind::Pod))?;
            let name = (ctx.resolve_name)(&target.name)?;
            let path = match args.get(1).map(|v| (ctx.evaluate)(v)).transpose()? {
                Some(Answer::Text(path)) => path,
                _ => {
                    return Err(QueryError(
                        "read() takes a pod and a path: read(pod/web-0, \"/data/file\")".into(),
                    ))
                }
            };
            // LANGUAGE.md: reading a missing file is an error that fails the statement, as
            // `kubectl exec … -- cat` fails.
            match crate::sim::volumes::read(world, &name, &path).map_err(QueryError)? {
                Some(content) => Ok(Answer::Text(content)),
                None => Err(QueryError(format!(
                    "pod/{name} has no file {path} (`kubectl exec {name} -- cat {path}` would print \"cat: can't open '{path}': No such file or directory\" and exit 1)"
                ))),
            }
        }
        Function::Dns | Function::Srv | Function::Ptr => {
            let argument = text_arg(ctx, function, args)?;
            // An address that is none (a name, a typo) is the author's mistake, not an
            // empty answer. (An IPv6 address is an address: no record in this cluster.)
            if function == Function::Ptr
                && dns::parse_ptr_target(&argument).is_none()
                && argument.trim().parse::<std::net::IpAddr>().is_err()
            {
                return Err(QueryError(format!(
                    "ptr() takes an IP address, like ptr(\"10.244.1.2\") or ptr(ip(pod/web-0)): \"{argument}\" is not an IP address"
                )));
            }
            let answer = match function {
                Function::Dns => dns::a(world, &argument),
                Function::Srv => dns::srv(world, &argument),
                _ => dns::ptr(world, &argument),
            };
            Ok(match answer {
                DnsAnswer::Records(records) => Answer::Set(records),
                // ptr() answers a set: no name is the empty set (docs/language.md "Queries").
                DnsAnswer::NxDomain if function == Function::Ptr => Answer::Set(Vec::new()),
                DnsAnswer::NxDomain => Answer::NxDomain,
            })
        }
    }
}

/// The zone label of the node a pod is bound to.
fn zone_of(world: &crate::sim::World, pod: &k8s_openapi::api::core::v1::Pod) -> Option<String> {
    let node = pod.spec.as_ref()?.node_name.as_ref()?;
    crate::sim::nodes::zone(world.store.nodes().get(node)?).map(str::to_string)
}

/// The ordinals a set's spec asks for, as `(start, replicas)` (`ordinals.start` defaults to
/// 0, `replicas` to 1): what `images()`, `zones()` and `nodes()` list one entry for.
fn ordinal_range(world: &World, set: &str) -> Option<(i64, i64)> {
    let spec = world.store.statefulsets().get(set)?.spec.as_ref()?;
    let start = spec.ordinals.as_ref().and_then(|o| o.start).unwrap_or(0) as i64;
    let replicas = spec.replicas.unwrap_or(1).max(0) as i64;
    Some((start, replicas))
}
