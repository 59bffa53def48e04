//! Files inside pods, for `write` and `read` (docs/language.md): where a path lives decides how
//! long its content lives. Under a PVC mount it is on the bound PersistentVolume (survives
//! the pod, gone with the PV); under an `emptyDir` (or another pod-scoped volume) it lives
//! as long as the pod object; anywhere else it is the container's own filesystem, which a
//! re-created pod (new UID) does not have. `/etc/hosts` is the kubelet's hosts file,
//! `/etc/resolv.conf` and `/etc/hostname` the runtime's sandbox files (the first from the
//! kubelet's DNS configuration, `kubelet/dns.rs`), until the pod writes its own.
//!
//! Both act in the pod's first container, as `kubectl exec` does without `-c`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{KeyToPath, Pod, Volume, VolumeMount};

use super::podutil;
use super::world::World;

/// Where a file's bytes are kept.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// On a PersistentVolume, by PV name.
    Volume(String),
    /// On a pod-scoped volume (`emptyDir`, ...): pod UID and volume name.
    PodVolume(String, String),
    /// The container's writable layer: pod UID.
    Container(String),
    /// The files the runtime keeps for the pod's sandbox and binds into every container
    /// (`/etc/resolv.conf`, `/etc/hostname`): pod UID. They outlive a container's restart.
    Sandbox(String),
}

/// The sandbox's files, relative to `/`.
const SANDBOX_FILES: [&str; 2] = ["etc/resolv.conf", "etc/hostname"];

impl Place {
    fn pod_uid(&self) -> Option<&str> {
        match self {
            Place::Volume(_) => None,
            Place::PodVolume(uid, _) | Place::Container(uid) | Place::Sandbox(uid) => Some(uid),
        }
    }
}

/// Every file written, by place and then by path relative to that place.
#[derive(Debug, Default)]
pub struct Files {
    files: BTreeMap<Place, BTreeMap<String, String>>,
}

impl Files {
    /// The PV's data goes with it.
    pub fn volume_gone(&mut self, pv: &str) {
        self.files.remove(&Place::Volume(pv.to_string()));
    }

    /// The pod's first container was started again: its writable layer is new.
    pub fn container_restarted(&mut self, uid: &str) {
        self.files.remove(&Place::Container(uid.to_string()));
    }

    /// The pod object is gone: its emptyDir and container files go with it.
    pub fn forget_pod(&mut self, uid: &str) {
        self.files.retain(|place, _| place.pod_uid() != Some(uid));
    }
}

/// Writes `content` to `path` in the pod's first container.
pub fn write(world: &mut World, pod: &str, path: &str, content: &str) -> Result<(), String> {
    let (place, relative, read_only, _) = locate(world, pod, path)?;
    if read_only {
        return Err(format!(
            "cannot write {path} in pod {pod}: Read-only file system"
        ));
    }
    if relative.is_empty() {
        return Err(format!("cannot write {path} in pod {pod}: Is a directory"));
    }
    world
        .files
        .files
        .entry(place)
        .or_default()
        .insert(relative, content.to_string());
    Ok(())
}

/// A file of the pod's first container's own filesystem (not a volume), whatever the pod's
/// state: what the kubelet reads at the container's exit (its termination message).
pub fn container_file(world: &World, pod_uid: &str, path: &str) -> Option<String> {
    let relative = normalize(path)?.join("/");
    world
        .files
        .files
        .get(&Place::Container(pod_uid.to_string()))?
        .get(&relative)
        .cloned()
}

/// A file written on the pod-scoped volume `volume` of the pod with UID `pod_uid`, at
/// `path` relative to the volume's root: what the kubelet reads for a `fileKeyRef`.
pub fn pod_volume_file(world: &World, pod_uid: &str, volume: &str, path: &str) -> Option<String> {
    let relative = normalize(&format!("/{path}"))?.join("/");
    world
        .files
        .files
        .get(&Place::PodVolume(pod_uid.to_string(), volume.to_string()))?
        .get(&relative)
        .cloned()
}

/// Reads the file at `path` in the pod's first container.
/// A file's content, `None` when the pod is reachable but holds no such file; an error when
/// the pod cannot be reached (missing, not Running) or the path is not absolute.
pub fn read(world: &World, pod: &str, path: &str) -> Result<Option<String>, String> {
    let (place, relative, _, projected) = locate(world, pod, path)?;
    if let Some(volume) = projected {
        let Some(p) = world.store.pods().get(pod) else {
            return Ok(None);
        };
        return Ok(projected_file(world, p, &volume, &relative));
    }
    let written = world
        .files
        .files
        .get(&place)
        .and_then(|f| f.get(&relative))
        .cloned();
    if written.is_some() {
        return Ok(written);
    }
    let Some(p) = world.store.pods().get(pod) else {
        return Ok(None);
    };
    Ok(match (&place, relative.as_str()) {
        (Place::Container(_), "etc/hosts") => hosts_file(world, p),
        (Place::Sandbox(_), "etc/resolv.conf") => {
            let (config, _) = crate::sim::kubelet::pod_dns(world, p);
            Some(crate::sim::kubelet::resolv_conf(&config))
        }
        (Place::Sandbox(_), "etc/hostname") => Some(format!(
            "{}\n",
            podutil::kernel_hostname(p, &world.config.namespace, &world.config.domain)
        )),
        // The kubelet creates the termination-message file empty and binds it into the
        // container (`makeMounts`): it is there, empty, until the container writes it.
        (Place::Container(_), rel) if Some(rel) == termination_message_file(p).as_deref() => {
            Some(String::new())
        }
        _ => None,
    })
}

/// The first container's `terminationMessagePath` (defaulted), relative to `/`.
fn termination_message_file(pod: &Pod) -> Option<String> {
    let c = pod.spec.as_ref()?.containers.first()?;
    let path = c
        .termination_message_path
        .as_deref()
        .unwrap_or("/dev/termination-log");
    Some(normalize(path)?.join("/"))
}

/// The localhost lines of a hosts file (`managedHostsFileContent`).
const LOCALHOST_LINES: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";

/// The simulated node's own `/etc/hosts`, as Docker writes it into a kind node's
/// container: its localhost lines (Docker's multicast names are `ff00::0`/`ff02::*`, not
/// the kubelet's `fe00::*`), then the node's address with its name.
fn node_hosts_file(world: &World, node_name: &str) -> Option<String> {
    let node = world.store.nodes().get(node_name)?;
    let ip = node
        .status
        .as_ref()?
        .addresses
        .iter()
        .flatten()
        .find(|a| a.type_ == "InternalIP")?
        .address
        .clone();
    Some(format!(
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n{ip}\t{node_name}\n"
    ))
}

/// The hosts file the kubelet writes into every container (`ensureHostsFile`). Off the
/// host's network (`managedHostsFileContent`): the localhost lines, the pod's IP with its
/// hostname (and, with a subdomain, its FQDN first). On it (`nodeHostsFileContent`): its
/// own header, then the node's hosts file as it is. Either way the `hostAliases` follow,
/// one line per entry.
fn hosts_file(world: &World, pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let mut text;
    if spec.host_network == Some(true) {
        text = String::from("# Kubernetes-managed hosts file (host network).\n");
        text.push_str(&node_hosts_file(world, spec.node_name.as_deref()?)?);
    } else {
        text = String::from("# Kubernetes-managed hosts file.\n");
        text.push_str(LOCALHOST_LINES);
        let hostname = podutil::hostname(pod);
        let subdomain = spec.subdomain.as_deref().filter(|s| !s.is_empty());
        let namespace = pod
            .metadata
            .namespace
            .as_deref()
            .unwrap_or(&world.config.namespace);
        let ips = pod.status.as_ref()?.pod_ips.iter().flatten();
        for ip in ips {
            match subdomain {
                Some(sub) => text.push_str(&format!(
                    "{}\t{hostname}.{sub}.{namespace}.svc.{}\t{hostname}\n",
                    ip.ip, world.config.domain
                )),
                None => text.push_str(&format!("{}\t{hostname}\n", ip.ip)),
            }
        }
    }
    let aliases = spec.host_aliases.iter().flatten();
    let mut first = true;
    for alias in aliases {
        if first {
            text.push_str("\n# Entries added by HostAliases.\n");
            first = false;
        }
        // `hostsEntriesFromHostAliases`: every hostname of one IP on a single line,
        // tab-separated.
        let hostnames: Vec<&str> = alias
            .hostnames
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        text.push_str(&format!("{}\t{}\n", alias.ip, hostnames.join("\t")));
    }
    Some(text)
}

/// The file a `configMap`, `secret`, `downwardAPI` or `projected` volume shows at
/// `relative`: the volume plugins' payload (`MakePayload`, the downward API's
/// `CollectData`; a projected volume's sources in order, a later one's file replacing an
/// earlier one's at the same path); `None` when no file lands there.
fn projected_file(world: &World, pod: &Pod, volume: &Volume, relative: &str) -> Option<String> {
    use crate::sim::kubelet::{config_data, downward_api_files, ConfigSource};
    use k8s_openapi::api::core::v1::DownwardAPIVolumeFile;
    enum Src<'a> {
        Config(ConfigSource, &'a str, Option<&'a [KeyToPath]>),
        Downward(&'a [DownwardAPIVolumeFile]),
    }
    let mut sources: Vec<Src> = Vec::new();
    if let Some(cm) = &volume.config_map {
        sources.push(Src::Config(
            ConfigSource::ConfigMap,
            &cm.name,
            cm.items.as_deref(),
        ));
    }
    if let Some(secret) = &volume.secret {
        let name = secret.secret_name.as_deref().unwrap_or_default();
        sources.push(Src::Config(
            ConfigSource::Secret,
            name,
            secret.items.as_deref(),
        ));
    }
    if let Some(d) = &volume.downward_api {
        sources.push(Src::Downward(d.items.as_deref().unwrap_or_default()));
    }
    for source in volume
        .projected
        .iter()
        .flat_map(|p| p.sources.iter().flatten())
    {
        if let Some(cm) = &source.config_map {
            sources.push(Src::Config(
                ConfigSource::ConfigMap,
                &cm.name,
                cm.items.as_deref(),
            ));
        }
        if let Some(secret) = &source.secret {
            sources.push(Src::Config(
                ConfigSource::Secret,
                &secret.name,
                secret.items.as_deref(),
            ));
        }
        if let Some(d) = &source.downward_api {
            sources.push(Src::Downward(d.items.as_deref().unwrap_or_default()));
        }
    }
    sources.into_iter().rev().find_map(|source| match source {
        Src::Config(source, name, items) => {
            let data = config_data(world, source, name)?;
            match items {
                Some(items) => items
                    .iter()
                    .find(|item| item.path == relative)
                    .and_then(|item| data.get(&item.key).cloned()),
                None => data.get(relative).cloned(),
            }
        }
        Src::Downward(items) => downward_api_files(world, pod, items).ok()?.remove(relative),
    })
}

/// Where a path lives: the place, the path relative to it, whether it is read-only, and
/// the volume when its files come from ConfigMaps, Secrets or the downward API.
type Located = (Place, String, bool, Option<Volume>);

/// The place a path lives in, the path relative to it, and whether it is read-only.
fn locate(world: &World, pod_name: &str, path: &str) -> Result<Located, String> {
    let Some(pod) = world.store.pods().get(pod_name) else {
        // What `kubectl exec` prints for a pod that does not exist.
        return Err(format!(
            "Error from server (NotFound): pods \"{pod_name}\" not found"
        ));
    };
    if !is_running(pod) {
        return Err(format!(
            "pod {pod_name} is not Running (it is {}): its container cannot be reached",
            if podutil::is_terminating(pod) {
                "Terminating"
            } else {
                podutil::phase(pod)
            }
        ));
    }
    let parts = normalize(path)
        .ok_or_else(|| format!("{path}: the path must be absolute (start with /)"))?;
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let spec = pod.spec.as_ref();
    let container = spec.and_then(|s| s.containers.first());
    // The longest mountPath that contains the path wins, as in the container's mount table.
    let mount: Option<(&VolumeMount, Vec<String>)> = container
        .and_then(|c| c.volume_mounts.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|m| {
            let at = normalize(&m.mount_path)?;
            parts.starts_with(&at).then_some((m, at))
        })
        .max_by_key(|(_, at)| at.len());
    let Some((mount, at)) = mount else {
        let relative = parts.join("/");
        if SANDBOX_FILES.contains(&relative.as_str()) {
            return Ok((Place::Sandbox(uid), relative, false, None));
        }
        return Ok((Place::Container(uid), relative, false, None));
    };
    // `subPath` (or `subPathExpr` expanded from the container's environment) is a folder
    // relative to the volume's root; the kubelet refuses one that is absolute or climbs out.
    let sub = match container {
        Some(c) => crate::sim::kubelet::sub_path(world, pod, c, mount)?,
        None => None,
    };
    let mut relative: Vec<String> = sub
        .and_then(|sub| normalize(&format!("/{sub}")))
        .unwrap_or_default();
    relative.extend(parts[at.len()..].iter().cloned());
    let relative = relative.join("/");
    let volume: Option<&Volume> = spec
        .and_then(|s| s.volumes.as_ref())
        .and_then(|v| v.iter().find(|v| v.name == mount.name));
    let Some(volume) = volume else {
        return Err(format!(
            "pod {pod_name} mounts volume \"{}\" that it does not define",
            mount.name
        ));
    };
    let mut read_only = mount.read_only == Some(true);
    let projected = (volume.config_map.is_some()
        || volume.secret.is_some()
        || volume.downward_api.is_some()
        || volume.projected.is_some())
    .then(|| volume.clone());
    let place = if let Some(source) = &volume.persistent_volume_claim {
        read_only |= source.read_only == Some(true);
        let pv = world
            .store
            .claims()
            .get(&source.claim_name)
            .and_then(|c| c.spec.as_ref()?.volume_name.clone())
            .filter(|pv| world.store.volumes().contains_key(pv))
            .ok_or_else(|| {
                format!(
                    "volume \"{}\" of pod {pod_name} is not mounted: claim {} is not bound",
                    volume.name, source.claim_name
                )
            })?;
        Place::Volume(pv)
    } else {
        // The kubelet mounts these read-only: their content is the API object's.
        read_only |= volume.config_map.is_some()
            || volume.secret.is_some()
            || volume.downward_api.is_some()
            || volume.projected.is_some();
        Place::PodVolume(uid, volume.name.clone())
    };
    Ok((place, relative, read_only, projected))
}

/// A running container: phase Running and not stopped by a deletion.
/// Whether `kubectl exec` reaches the pod's first container: the pod is Running, or Pending
/// while that container runs (another one waits: `getPhase` says Pending as long as a
/// container has not started, and kubectl refuses only a finished pod). A terminating pod
/// is not reached (scn's rule, docs/language.md).
fn is_running(pod: &Pod) -> bool {
    if podutil::is_terminating(pod) {
        return false;
    }
    match podutil::phase(pod) {
        "Running" => true,
        "Pending" => {
            let first = pod
                .spec
                .as_ref()
                .and_then(|s| s.containers.first())
                .map(|c| c.name.as_str());
            pod.status
                .as_ref()
                .and_then(|s| s.container_statuses.as_ref())
                .into_iter()
                .flatten()
                .any(|c| {
                    Some(c.name.as_str()) == first
                        && c.state.as_ref().is_some_and(|st| st.running.is_some())
                })
        }
        _ => false,
    }
}

/// `/a//b/./c/../d` → `[a, b, d]`; None for a relative path.
fn normalize(path: &str) -> Option<Vec<String>> {
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other.to_string()),
        }
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn paths_are_normalized_and_must_be_absolute() {
        assert_eq!(
            normalize("/a//b/./c/../d"),
            Some(vec!["a".to_string(), "b".into(), "d".into()])
        );
        assert_eq!(normalize("/"), Some(vec![]));
        assert_eq!(normalize("a/b"), None);
    }
}
