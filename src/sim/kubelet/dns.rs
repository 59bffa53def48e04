//! The kubelet's DNS configurer (`pkg/kubelet/network/dns/dns.go`) and the container
//! runtime's rendering of what it decides (containerd's `parseDNSOptions`): the pod's
//! `/etc/resolv.conf`.
//!
//! `GetPodDNS` starts from the node's own resolver configuration (the kubelet's
//! `--resolv-conf`, parsed by `parseResolvConf`), picks the base by the pod's DNS type
//! (`getPodDNSType`): `None` starts empty; `ClusterFirst` (without `hostNetwork`) and
//! `ClusterFirstWithHostNet` use the cluster DNS Service as the only nameserver, the
//! search list `<ns>.svc.<domain> svc.<domain> <domain>` followed by the node's own search
//! paths, and `options ndots:5`; `Default`, and `ClusterFirst` with `hostNetwork`, keep the
//! node's configuration. The pod's `dnsConfig` is then appended (`appendDNSConfig`):
//! nameservers and searches added without duplicates, options merged by name. Last, the
//! result is cut to the resolver's limits (`formDNSConfigFitsLimits`), each cut told by a
//! `DNSConfigForming` Warning event on the pod.
//!
//! The simulated nodes' own `/etc/resolv.conf` is [`HOST_RESOLV_CONF`]: one nameserver, the
//! gateway of the nodes' network (`172.18.0.1`, where kind's node entrypoint points the
//! node's resolver), no search path and no option. What a real node holds depends on its
//! distribution and its network (kind adds `options ndots:0` from Docker's embedded DNS and
//! the host machine's search domains; a kubeadm node on systemd-resolved lists its DHCP
//! servers and domain), so scn takes the simplest: only a `Default` pod (or a
//! `ClusterFirst` pod on the host network) sees it, and a `ClusterFirst` pod's search line
//! is exactly the three cluster paths.

use k8s_openapi::api::core::v1::{Pod, PodDNSConfig};

use crate::sim::dns::KUBE_DNS_IP;
use crate::sim::world::World;

/// The simulated nodes' own `/etc/resolv.conf` (the kubelet's `--resolv-conf`).
pub const HOST_RESOLV_CONF: &str = "nameserver 172.18.0.1\n";

/// `MaxDNSNameservers` (pkg/apis/core/validation): glibc reads at most three.
const MAX_NAMESERVERS: usize = 3;
/// `MaxDNSSearchPaths` (the expanded limits, GA since v1.28).
const MAX_SEARCH_PATHS: usize = 32;
/// `MaxDNSSearchListChars`: the search paths joined by spaces.
const MAX_SEARCH_LIST_CHARS: usize = 2048;
/// `DNS1123SubdomainMaxLength`: a longer search path makes some resolvers abort.
const MAX_SEARCH_PATH_LENGTH: usize = 253;

/// The CRI `DNSConfig` the kubelet hands the runtime with the sandbox.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsConfig {
    pub servers: Vec<String>,
    pub searches: Vec<String>,
    pub options: Vec<String>,
}

/// `podDNSType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DnsType {
    Cluster,
    Host,
    None,
}

/// `getPodDNSType`: `ClusterFirst` falls back to the node's configuration for a pod on the
/// host's network; `ClusterFirstWithHostNet` is the cluster's either way. An unknown
/// or missing policy (which the API server never stores) is `ClusterFirst`, whatever the
/// network.
fn pod_dns_type(pod: &Pod) -> DnsType {
    let spec = pod.spec.as_ref();
    let host_network = spec.and_then(|s| s.host_network) == Some(true);
    match spec.and_then(|s| s.dns_policy.as_deref()) {
        Some("None") => DnsType::None,
        Some("Default") => DnsType::Host,
        Some("ClusterFirst") if host_network => DnsType::Host,
        _ => DnsType::Cluster,
    }
}

/// `parseResolvConf` of the node's file: `nameserver` lines accumulate, the last `search`
/// and `options` lines win, a search path loses its trailing dot.
fn host_dns_config() -> DnsConfig {
    let mut config = DnsConfig::default();
    for line in HOST_RESOLV_CONF.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.split_first() {
            Some((&"nameserver", [server, ..])) => config.servers.push((*server).to_string()),
            Some((&"search", rest)) => {
                config.searches = rest
                    .iter()
                    .map(|s| s.strip_suffix('.').unwrap_or(s).to_string())
                    .collect();
            }
            Some((&"options", rest)) => {
                config.options = rest.iter().map(|s| (*s).to_string()).collect();
            }
            _ => {}
        }
    }
    config
}

/// `omitDuplicates`: the first of each value, in order.
fn omit_duplicates(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

/// `generateSearchesForDNSClusterFirst`: the cluster's three paths, then the node's.
fn cluster_first_searches(host: Vec<String>, namespace: &str, domain: &str) -> Vec<String> {
    if domain.is_empty() {
        return host;
    }
    let mut searches = vec![
        format!("{namespace}.svc.{domain}"),
        format!("svc.{domain}"),
        domain.to_string(),
    ];
    searches.extend(host);
    omit_duplicates(searches)
}

/// `mergeDNSOptions`: options by name (`name:value` or `name`), the pod's replacing the
/// base's of the same name; an empty value is the name alone. Upstream gathers them in a Go
/// map, so a real kubelet writes them in an order that varies from pod to pod; scn keeps
/// the order in which each name first appears (the base's, then the pod's).
fn merge_options(existing: &[String], config: &PodDNSConfig) -> Vec<String> {
    let mut merged: Vec<(String, String)> = Vec::new();
    let mut set = |name: &str, value: &str| match merged.iter_mut().find(|(n, _)| n == name) {
        Some(entry) => entry.1 = value.to_string(),
        None => merged.push((name.to_string(), value.to_string())),
    };
    for option in existing {
        match option.split_once(':') {
            Some((name, value)) => set(name, value),
            None => set(option, ""),
        }
    }
    for option in config.options.iter().flatten() {
        let name = option.name.as_deref().unwrap_or_default();
        set(name, option.value.as_deref().unwrap_or_default());
    }
    merged
        .into_iter()
        .map(|(name, value)| {
            if value.is_empty() {
                name
            } else {
                format!("{name}:{value}")
            }
        })
        .collect()
}

/// `appendDNSConfig`.
fn append_dns_config(mut base: DnsConfig, config: &PodDNSConfig) -> DnsConfig {
    base.servers
        .extend(config.nameservers.iter().flatten().cloned());
    base.servers = omit_duplicates(base.servers);
    base.searches
        .extend(config.searches.iter().flatten().cloned());
    base.searches = omit_duplicates(base.searches);
    base.options = merge_options(&base.options, config);
    base
}

/// `formDNSNameserversFitsLimits` and `formDNSSearchFitsLimits`: the configuration the
/// resolver can take, and the message of each cut (the `DNSConfigForming` events, in that
/// order).
fn fit_limits(mut config: DnsConfig) -> (DnsConfig, Vec<String>) {
    let mut messages = Vec::new();
    if config.servers.len() > MAX_NAMESERVERS {
        config.servers.truncate(MAX_NAMESERVERS);
        messages.push(format!(
            "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {}",
            config.servers.join(" ")
        ));
    }
    let mut exceeded = false;
    if config.searches.len() > MAX_SEARCH_PATHS {
        config.searches.truncate(MAX_SEARCH_PATHS);
        exceeded = true;
    }
    let before = config.searches.len();
    config
        .searches
        .retain(|s| s.len() <= MAX_SEARCH_PATH_LENGTH);
    exceeded |= config.searches.len() != before;
    let line_length = config.searches.join(" ").len();
    if line_length > MAX_SEARCH_LIST_CHARS {
        // Whole paths are cut from the end until the line fits.
        let mut cut = 0;
        let mut cut_length = 0;
        for search in config.searches.iter().rev() {
            cut_length += search.len() + 1;
            cut += 1;
            if line_length.saturating_sub(cut_length) <= MAX_SEARCH_LIST_CHARS {
                break;
            }
        }
        let keep = config.searches.len().saturating_sub(cut);
        config.searches.truncate(keep);
        exceeded = true;
    }
    if exceeded {
        messages.push(format!(
            "Search Line limits were exceeded, some search paths have been omitted, the applied search line is: {}",
            config.searches.join(" ")
        ));
    }
    (config, messages)
}

/// `GetPodDNS`: the pod's DNS configuration, and the `DNSConfigForming` messages of what
/// did not fit.
pub(crate) fn pod_dns(world: &World, pod: &Pod) -> (DnsConfig, Vec<String>) {
    let mut config = host_dns_config();
    match pod_dns_type(pod) {
        DnsType::None => config = DnsConfig::default(),
        DnsType::Cluster => {
            let namespace = pod
                .metadata
                .namespace
                .as_deref()
                .unwrap_or(&world.config.namespace);
            config.servers = vec![KUBE_DNS_IP.to_string()];
            config.searches =
                cluster_first_searches(config.searches, namespace, &world.config.domain);
            config.options = vec!["ndots:5".to_string()];
        }
        DnsType::Host => {}
    }
    if let Some(dns_config) = pod.spec.as_ref().and_then(|s| s.dns_config.as_ref()) {
        config = append_dns_config(config, dns_config);
    }
    fit_limits(config)
}

/// The sandbox's `/etc/resolv.conf` as containerd writes it (`parseDNSOptions`): the
/// `search` line, one `nameserver` line per server, the `options` line, each only when it
/// has something; with nothing at all, a copy of the node's own file.
pub(crate) fn resolv_conf(config: &DnsConfig) -> String {
    let mut text = String::new();
    if !config.searches.is_empty() {
        text.push_str(&format!("search {}\n", config.searches.join(" ")));
    }
    for server in &config.servers {
        text.push_str(&format!("nameserver {server}\n"));
    }
    if !config.options.is_empty() {
        text.push_str(&format!("options {}\n", config.options.join(" ")));
    }
    if text.is_empty() {
        return HOST_RESOLV_CONF.to_string();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::PodDNSConfigOption;

    fn option(name: &str, value: Option<&str>) -> PodDNSConfigOption {
        PodDNSConfigOption {
            name: Some(name.into()),
            value: value.map(Into::into),
        }
    }

    #[test]
    fn the_policy_and_the_host_network_pick_the_base() {
        use k8s_openapi::api::core::v1::PodSpec;
        let pod = |policy: Option<&str>, host_network: bool| Pod {
            spec: Some(PodSpec {
                dns_policy: policy.map(Into::into),
                host_network: Some(host_network),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            pod_dns_type(&pod(Some("ClusterFirst"), false)),
            DnsType::Cluster
        );
        assert_eq!(
            pod_dns_type(&pod(Some("ClusterFirst"), true)),
            DnsType::Host
        );
        assert_eq!(
            pod_dns_type(&pod(Some("ClusterFirstWithHostNet"), true)),
            DnsType::Cluster
        );
        assert_eq!(pod_dns_type(&pod(Some("Default"), false)), DnsType::Host);
        assert_eq!(pod_dns_type(&pod(Some("None"), true)), DnsType::None);
        // No policy at all: getPodDNSType's error path, ClusterFirst even on the host.
        assert_eq!(pod_dns_type(&pod(None, true)), DnsType::Cluster);
    }

    #[test]
    fn the_host_file_parses_to_one_nameserver() {
        assert_eq!(
            host_dns_config(),
            DnsConfig {
                servers: vec!["172.18.0.1".into()],
                ..Default::default()
            }
        );
    }

    #[test]
    fn options_merge_by_name_in_first_appearance_order() {
        let config = PodDNSConfig {
            options: Some(vec![
                option("edns0", None),
                option("ndots", Some("2")),
                option("timeout", Some("")),
            ]),
            ..Default::default()
        };
        assert_eq!(
            merge_options(&["ndots:5".into(), "rotate".into()], &config),
            vec!["ndots:2", "rotate", "edns0", "timeout"]
        );
    }

    #[test]
    fn limits_cut_nameservers_and_searches_with_messages() {
        let config = DnsConfig {
            servers: (1..=5).map(|i| format!("192.0.2.{i}")).collect(),
            searches: (0..40).map(|i| format!("s{i}.example")).collect(),
            options: vec![],
        };
        let (fitted, messages) = fit_limits(config);
        assert_eq!(fitted.servers.len(), 3);
        assert_eq!(fitted.searches.len(), 32);
        assert_eq!(messages.len(), 2);
        assert!(messages[0].ends_with("line is: 192.0.2.1 192.0.2.2 192.0.2.3"));
        assert!(messages[1].ends_with("s30.example s31.example"));
    }

    #[test]
    fn a_long_search_line_loses_whole_paths_from_its_end() {
        let long = "a".repeat(200);
        let config = DnsConfig {
            searches: (0..12).map(|i| format!("{long}{i}")).collect(),
            ..Default::default()
        };
        let (fitted, messages) = fit_limits(config);
        // 12 paths of 201-202 characters: 10 of them and their spaces fit in 2048.
        assert_eq!(fitted.searches.len(), 10);
        assert!(fitted.searches.join(" ").len() <= MAX_SEARCH_LIST_CHARS);
        assert_eq!(messages.len(), 1);
        let too_long = DnsConfig {
            searches: vec!["b".repeat(254), "ok.example".into()],
            ..Default::default()
        };
        let (fitted, messages) = fit_limits(too_long);
        assert_eq!(fitted.searches, vec!["ok.example"]);
        assert_eq!(messages.len(), 1);
    }

    #[test]
    fn containerd_writes_search_then_nameservers_then_options() {
        let config = DnsConfig {
            servers: vec!["10.96.0.10".into(), "192.0.2.1".into()],
            searches: vec!["default.svc.cluster.local".into()],
            options: vec!["ndots:5".into()],
        };
        assert_eq!(
            resolv_conf(&config),
            "search default.svc.cluster.local\nnameserver 10.96.0.10\nnameserver 192.0.2.1\noptions ndots:5\n"
        );
        assert_eq!(resolv_conf(&DnsConfig::default()), HOST_RESOLV_CONF);
    }
}
