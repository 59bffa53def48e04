//! A container's environment (`makeEnvironmentVariables` in `pkg/kubelet/kubelet_pods.go`):
//! the ConfigMaps and Secrets that `envFrom` and `env[].valueFrom` read must exist, and a
//! key a variable names must be in the object, unless the reference is `optional: true`.
//! When one is missing the container is not created: `startContainer` records
//! `Warning Failed "Error: <why>"` and the container waits with reason
//! `CreateContainerConfigError` until a later sync finds the object.
//!
//! The values themselves ([`environment`]) are what a volume mount's `subPathExpr` expands
//! (`makeMounts`); no command runs in scn, so nothing else reads them.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, ObjectFieldSelector, Pod, ResourceFieldSelector};

use super::super::api::validation::split_subscripted_path;
use super::super::bootstrap::{kubernetes_service_spec, KUBERNETES_NAMESPACE};
use super::super::world::World;
use super::config_objects::{env_data, Source};

/// Why the container's environment cannot be built, or `Ok` when it can.
pub(crate) fn check(world: &World, pod: &Pod, container: &str) -> Result<(), String> {
    let Some(container) = find(pod, container) else {
        return Ok(());
    };
    // `envFrom` first, then `env`, in the order they are written (upstream's order, which
    // decides which error is told when several are missing).
    for from in container.env_from.iter().flatten() {
        let refs = [
            from.config_map_ref
                .as_ref()
                .map(|r| (Source::ConfigMap, r.name.as_str(), r.optional)),
            from.secret_ref
                .as_ref()
                .map(|r| (Source::Secret, r.name.as_str(), r.optional)),
        ];
        for (source, name, optional) in refs.into_iter().flatten() {
            if env_data(world, source, name).is_none() && optional != Some(true) {
                return Err(source.not_found(name));
            }
        }
    }
    let namespace = pod.metadata.namespace.as_deref().unwrap_or("default");
    for var in container.env.iter().flatten() {
        let Some(from) = var.value_from.as_ref() else {
            continue;
        };
        let refs = [
            from.config_map_key_ref.as_ref().map(|r| {
                (
                    Source::ConfigMap,
                    r.name.as_str(),
                    r.key.as_str(),
                    r.optional,
                )
            }),
            from.secret_key_ref
                .as_ref()
                .map(|r| (Source::Secret, r.name.as_str(), r.key.as_str(), r.optional)),
        ];
        if let Some(r) = &from.file_key_ref {
            file_key_value(world, pod, r)?;
        }
        for (source, name, key, optional) in refs.into_iter().flatten() {
            let optional = optional == Some(true);
            match env_data(world, source, name) {
                None if optional => {}
                None => return Err(source.not_found(name)),
                Some(data) if data.contains_key(key) || optional => {}
                Some(_) => {
                    let kind = match source {
                        Source::ConfigMap => "ConfigMap",
                        Source::Secret => "Secret",
                    };
                    return Err(format!(
                        "couldn't find key {key} in {kind} {namespace}/{name}"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The container's environment by name (`makeEnvironmentVariables`, as
/// `envVarsToMap` reads it): the Service variables, then the `envFrom` sources' keys (with
/// their prefix), then each `env` entry in order, a later one replacing an earlier one. A
/// `value` has its `$(VAR)` references expanded against what is defined so far; a
/// `valueFrom` reads its source (an optional ConfigMap or Secret key that is missing
/// defines nothing). Called once [`check`] has passed: every source it needs
/// exists (an optional one that does not gives nothing).
pub(crate) fn environment(
    world: &World,
    pod: &Pod,
    container: &Container,
) -> BTreeMap<String, String> {
    let service_env = service_env(world, pod);
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for from in container.env_from.iter().flatten() {
        let prefix = from.prefix.as_deref().unwrap_or("");
        let sources = [
            from.config_map_ref
                .as_ref()
                .map(|r| (Source::ConfigMap, r.name.as_str())),
            from.secret_ref
                .as_ref()
                .map(|r| (Source::Secret, r.name.as_str())),
        ];
        for (source, name) in sources.into_iter().flatten() {
            for (key, value) in env_data(world, source, name).unwrap_or_default() {
                env.insert(format!("{prefix}{key}"), value);
            }
        }
    }
    for var in container.env.iter().flatten() {
        let value = match (
            var.value.as_deref().filter(|v| !v.is_empty()),
            &var.value_from,
        ) {
            (Some(value), _) => expand(value, |name| {
                env.get(name)
                    .or_else(|| service_env.get(name))
                    .cloned()
                    .unwrap_or_else(|| format!("$({name})"))
            }),
            (None, Some(from)) => {
                if let Some(fs) = &from.field_ref {
                    field_value(world, pod, fs)
                } else if let Some(rs) = &from.resource_field_ref {
                    // `containerResourceRuntimeValue`: the named container's resource
                    // when `containerName` is set, else this container's.
                    let named = rs.container_name.as_deref().filter(|n| !n.is_empty());
                    match named {
                        None => resource_value(world, pod, container, rs),
                        Some(name) => find(pod, name)
                            .map(|c| resource_value(world, pod, c, rs))
                            .unwrap_or_default(),
                    }
                } else if let Some(r) = &from.config_map_key_ref {
                    // An optional object or key that is missing defines nothing
                    // (`continue`): an `envFrom` value of the name stays.
                    match key_value(world, Source::ConfigMap, &r.name, &r.key) {
                        Some(value) => value,
                        None => continue,
                    }
                } else if let Some(r) = &from.secret_key_ref {
                    match key_value(world, Source::Secret, &r.name, &r.key) {
                        Some(value) => value,
                        None => continue,
                    }
                } else if let Some(r) = &from.file_key_ref {
                    match file_key_value(world, pod, r) {
                        Ok(Some(value)) => value,
                        _ => continue,
                    }
                } else {
                    String::new()
                }
            }
            (None, None) => String::new(),
        };
        env.insert(var.name.clone(), value);
    }
    let mut all = service_env;
    all.extend(env);
    all
}

/// A `fileKeyRef` (EnvFiles, beta and on since v1.35): the value of `key` in the env file at
/// `path` on the pod's volume `volumeName`, as `makeEnvironmentVariables` reads it. Nothing
/// runs in scn, so the file is one a `write` put on the volume (an `emptyDir`). A volume
/// the pod does not have, a file that is missing or that does not parse are errors
/// (`ParseEnv` fails on a file it cannot open, `optional` or not); a key the file does not
/// define (or defines empty) is `Ok(None)` when optional, else an error naming the file's
/// path on the node.
fn file_key_value(
    world: &World,
    pod: &Pod,
    r: &k8s_openapi::api::core::v1::FileKeySelector,
) -> Result<Option<String>, String> {
    let volume = r.volume_name.as_str();
    let defined = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .is_some_and(|v| v.iter().any(|v| v.name == volume));
    if !defined {
        return Err(format!(
            "cannot find the volume {volume:?} referenced by FileKeyRef"
        ));
    }
    let uid = pod.metadata.uid.as_deref().unwrap_or_default();
    let parse_error = || "couldn't parse env file".to_string();
    let content = super::super::volumes::pod_volume_file(world, uid, volume, &r.path)
        .ok_or_else(parse_error)?;
    let value = parse_env_file(&content, &r.key).ok_or_else(parse_error)?;
    if !value.is_empty() {
        return Ok(Some(value));
    }
    if r.optional == Some(true) {
        return Ok(None);
    }
    let relative: Vec<&str> = r
        .path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    Err(format!(
        "environment variable key {:?} not found in file {:?}",
        r.key,
        format!(
            "/var/lib/kubelet/pods/{uid}/volumes/kubernetes.io~empty-dir/{volume}/{}",
            relative.join("/")
        )
    ))
}

/// `pkg/kubelet/util/env` `ParseEnv`: the value of `key` in an env file, `""` when no line
/// defines it, `None` when the file does not parse. Leading blanks are ignored; blank lines
/// and `#` comments are skipped; each declaration is `NAME=VALUE`, blanks around both
/// trimmed; a trailing `\` continues the value on the next line, joined by one space (a
/// blank line or a comment inside a continuation, a line without `=`, an empty name, or a
/// continuation left open at the end do not parse).
fn parse_env_file(content: &str, key: &str) -> Option<String> {
    let mut current = String::new();
    let mut continuing = false;
    for raw in content.lines() {
        let line = raw.trim_start_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            if continuing {
                return None;
            }
            continue;
        }
        let trimmed = line.trim_end_matches([' ', '\t']);
        let joined;
        let line = if let Some(head) = trimmed.strip_suffix('\\') {
            let head = head.trim_end_matches([' ', '\t']);
            if continuing {
                current.push(' ');
                current.push_str(head);
            } else {
                current = head.to_string();
                continuing = true;
            }
            continue;
        } else if continuing {
            current.push(' ');
            current.push_str(trimmed);
            continuing = false;
            joined = std::mem::take(&mut current);
            joined.as_str()
        } else {
            line
        };
        let (name, value) = line.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        if name == key {
            return Some(value.trim().to_string());
        }
    }
    (!continuing).then(String::new)
}

/// `expansion.Expand` (third_party/forked/golang/expansion): `$(NAME)` is replaced by what
/// `mapping` gives for NAME, `$$` is a literal `$`, and anything else (an unclosed `$(`, a
/// `$` before another character) stays as written.
pub(crate) fn expand(input: &str, mut mapping: impl FnMut(&str) -> String) -> String {
    let bytes = input.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            out.extend_from_slice(&bytes[checkpoint..cursor]);
            let rest = &bytes[cursor + 1..];
            let advance = match rest[0] {
                b'$' => {
                    out.push(b'$');
                    1
                }
                b'(' => match rest.iter().position(|&b| b == b')') {
                    Some(close) => {
                        let name = String::from_utf8_lossy(&rest[1..close]);
                        out.extend_from_slice(mapping(&name).as_bytes());
                        close + 1
                    }
                    None => {
                        out.extend_from_slice(b"$(");
                        1
                    }
                },
                other => {
                    out.push(b'$');
                    out.push(other);
                    1
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    out.extend_from_slice(&bytes[checkpoint.min(bytes.len())..]);
    String::from_utf8_lossy(&out).into_owned()
}

/// `podFieldSelectorRuntimeValue` for the fields the environment may read.
fn field_value(world: &World, pod: &Pod, fs: &ObjectFieldSelector) -> String {
    let meta = &pod.metadata;
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    if let Some((head, key)) = split_subscripted_path(&fs.field_path) {
        let map = match head {
            "metadata.labels" => meta.labels.as_ref(),
            "metadata.annotations" => meta.annotations.as_ref(),
            _ => None,
        };
        return map.and_then(|m| m.get(key)).cloned().unwrap_or_default();
    }
    let text = |v: Option<&String>| v.cloned().unwrap_or_default();
    match fs.field_path.as_str() {
        "metadata.name" => text(meta.name.as_ref()),
        "metadata.namespace" => meta
            .namespace
            .clone()
            .unwrap_or_else(|| world.config.namespace.clone()),
        "metadata.uid" => text(meta.uid.as_ref()),
        "spec.nodeName" | "spec.host" => text(spec.and_then(|s| s.node_name.as_ref())),
        "spec.serviceAccountName" => text(spec.and_then(|s| s.service_account_name.as_ref())),
        "status.hostIP" => text(status.and_then(|s| s.host_ip.as_ref())),
        "status.hostIPs" => join_ips(
            status
                .and_then(|s| s.host_ips.as_ref())
                .into_iter()
                .flatten()
                .map(|ip| ip.ip.as_str()),
        ),
        "status.podIP" => text(status.and_then(|s| s.pod_ip.as_ref())),
        "status.podIPs" => join_ips(
            status
                .and_then(|s| s.pod_ips.as_ref())
                .into_iter()
                .flatten()
                .map(|ip| ip.ip.as_str()),
        ),
        _ => String::new(),
    }
}

/// `status.podIPs` and `status.hostIPs` as the downward API gives them: comma-separated.
fn join_ips<'a>(ips: impl Iterator<Item = &'a str>) -> String {
    ips.collect::<Vec<_>>().join(",")
}

/// `containerResourceRuntimeValue`: the container's request or limit of cpu, memory or
/// ephemeral storage, divided by the divisor (1 unless given) and rounded up; a limit the
/// container does not set is the node's allocatable amount.
pub(super) fn resource_value(
    world: &World,
    pod: &Pod,
    c: &Container,
    rs: &ResourceFieldSelector,
) -> String {
    let Some((kind, resource)) = rs.resource.split_once('.') else {
        return String::new();
    };
    let resources = c.resources.as_ref();
    let set = match kind {
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        _ => resources.and_then(|r| r.requests.as_ref()),
    };
    let nanos = match set.and_then(|m| m.get(resource)) {
        Some(q) => crate::quantity::parse(&q.0).ok().map(|q| q.nanos()),
        None if kind == "limits" => {
            let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
            let node = node.and_then(|n| world.store.nodes().get(n));
            let allocatable = node.and_then(|n| n.status.as_ref()?.allocatable.as_ref());
            allocatable
                .and_then(|a| a.get(resource))
                .and_then(|q| crate::quantity::parse(&q.0).ok())
                .map(|q| q.nanos())
        }
        None => Some(0),
    };
    let divisor = rs
        .divisor
        .as_ref()
        .and_then(|d| crate::quantity::parse(&d.0).ok())
        .map(|d| d.nanos())
        .filter(|d| *d > 0);
    let divisor = divisor.unwrap_or(1_000_000_000);
    match nanos {
        Some(n) => {
            let q = n / divisor + i128::from(n % divisor > 0);
            q.to_string()
        }
        None => String::new(),
    }
}

/// A ConfigMap's or Secret's key; `None` when the (optional) object or key is missing.
fn key_value(world: &World, source: Source, name: &str, key: &str) -> Option<String> {
    env_data(world, source, name).and_then(|d| d.get(key).cloned())
}

/// `getServiceEnvVarMap` and `envvars.FromServices`: for every Service with a cluster IP in
/// the pod's namespace (unless `enableServiceLinks: false`) and the `kubernetes` Service,
/// `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` (the first port), one
/// `<NAME>_SERVICE_PORT_<PORT NAME>` per named port, and Docker's link variables.
fn service_env(world: &World, pod: &Pod) -> BTreeMap<String, String> {
    let links = pod
        .spec
        .as_ref()
        .and_then(|s| s.enable_service_links)
        .unwrap_or(true);
    // The `kubernetes` Service of `default` always counts; a Service of the pod's own
    // namespace with that name replaces it (`serviceMap` by name), with links on.
    let own = world.config.namespace.as_str();
    let stored = world.store.services();
    let builtin = (own != KUBERNETES_NAMESPACE && !(links && stored.contains_key("kubernetes")))
        .then(kubernetes_service_spec);
    let mut out = BTreeMap::new();
    let services =
        builtin
            .iter()
            .map(|spec| ("kubernetes", Some(spec)))
            .chain(stored.iter().filter_map(|(name, svc)| {
                let counts = links || (name == "kubernetes" && own == KUBERNETES_NAMESPACE);
                counts.then_some((name.as_str(), svc.spec.as_ref()))
            }));
    for (name, spec) in services {
        let Some(spec) = spec else {
            continue;
        };
        let ip = spec.cluster_ip.as_deref().unwrap_or("");
        let ports = spec.ports.as_deref().unwrap_or_default();
        if ip.is_empty() || ip == "None" || ports.is_empty() {
            continue;
        }
        let prefix = name.replace('-', "_").to_uppercase();
        out.insert(format!("{prefix}_SERVICE_HOST"), ip.to_string());
        let port_var = format!("{prefix}_SERVICE_PORT");
        out.insert(port_var.clone(), ports[0].port.to_string());
        for p in ports {
            if let Some(pn) = p.name.as_deref().filter(|n| !n.is_empty()) {
                let var = format!("{port_var}_{}", pn.replace('-', "_").to_uppercase());
                out.insert(var, p.port.to_string());
            }
        }
        let host = |port: i32| {
            if ip.contains(':') {
                format!("[{ip}]:{port}")
            } else {
                format!("{ip}:{port}")
            }
        };
        for (i, p) in ports.iter().enumerate() {
            let protocol = p
                .protocol
                .as_deref()
                .filter(|p| !p.is_empty())
                .unwrap_or("TCP");
            let lower = protocol.to_lowercase();
            let url = format!("{lower}://{}", host(p.port));
            if i == 0 {
                out.insert(format!("{prefix}_PORT"), url.clone());
            }
            let pp = format!("{prefix}_PORT_{}_{}", p.port, protocol.to_uppercase());
            out.insert(pp.clone(), url);
            out.insert(format!("{pp}_PROTO"), lower);
            out.insert(format!("{pp}_PORT"), p.port.to_string());
            out.insert(format!("{pp}_ADDR"), ip.to_string());
        }
    }
    out
}

fn find<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    let spec = pod.spec.as_ref()?;
    spec.init_containers
        .iter()
        .flatten()
        .chain(spec.containers.iter())
        .find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::{expand, parse_env_file};

    #[test]
    fn env_files_parse_as_upstream_parse_env() {
        let file = "# setup\n  DB_ADDRESS = address \n\nREST=a \\\n  b\nEMPTY=\n";
        assert_eq!(
            parse_env_file(file, "DB_ADDRESS").as_deref(),
            Some("address")
        );
        assert_eq!(parse_env_file(file, "REST").as_deref(), Some("a b"));
        assert_eq!(parse_env_file(file, "EMPTY").as_deref(), Some(""));
        assert_eq!(parse_env_file(file, "MISSING").as_deref(), Some(""));
        assert_eq!(parse_env_file("A=1\nnot a declaration\n", "B"), None);
        assert_eq!(parse_env_file("A=1 \\\n# comment\nB=2\n", "B"), None);
        assert_eq!(parse_env_file("=1\n", "A"), None);
        assert_eq!(parse_env_file("A=1 \\", "B"), None);
    }

    fn with_env(input: &str) -> String {
        expand(input, |name| match name {
            "POD_NAME" => "web-0".to_string(),
            other => format!("$({other})"),
        })
    }

    #[test]
    fn references_escapes_and_unclosed_operators_expand_as_upstream() {
        assert_eq!(with_env("$(POD_NAME)"), "web-0");
        assert_eq!(with_env("logs/$(POD_NAME)/x"), "logs/web-0/x");
        assert_eq!(with_env("$$(POD_NAME)"), "$(POD_NAME)");
        assert_eq!(with_env("$(UNKNOWN)"), "$(UNKNOWN)");
        assert_eq!(with_env("a$(POD_NAME"), "a$(POD_NAME");
        assert_eq!(with_env("$x$"), "$x$");
        assert_eq!(with_env("é$(POD_NAME)é"), "éweb-0é");
    }
}
