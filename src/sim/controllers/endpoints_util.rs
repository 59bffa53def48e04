//! `SortSubsets` of `pkg/api/v1/endpoints/util.go`, the order the Endpoints controller's
//! `RepackSubsets` leaves: each subset's ports sorted by the MD5 of their dump, then the
//! subsets by the MD5 of theirs (`portsByHash`, `subsetsByHash`, through
//! `pkg/util/hash.DeepHashObject`). The dump is apimachinery's `dump.ForHash`: go-spew's
//! `%#v` with `SortKeys`, `DisableMethods`, `SpewKeys`, `DisablePointerAddresses` and
//! `DisableCapacities` (vendor/github.com/davecgh/go-spew/spew/format.go): the top value
//! with its type in parentheses, every struct field as `Name:(type)value`, strings bare, a
//! nil pointer or slice as `<nil>`, a non-nil pointer as `(*T)` then the value, slice
//! elements without their type, separated by spaces.

use k8s_openapi::api::core::v1::{EndpointAddress, EndpointPort, EndpointSubset};
use md5::{Digest, Md5};

/// `%#v` of a `*string` field.
fn string_ptr(out: &mut String, value: Option<&str>) {
    out.push_str("(*string)");
    out.push_str(value.unwrap_or("<nil>"));
}

/// A `v1.EndpointPort`'s fields: `{Name:… Port:… Protocol:… AppProtocol:…}`.
fn port_fields(out: &mut String, p: &EndpointPort) {
    out.push_str("{Name:(string)");
    out.push_str(p.name.as_deref().unwrap_or(""));
    out.push_str(" Port:(int32)");
    out.push_str(&p.port.to_string());
    out.push_str(" Protocol:(v1.Protocol)");
    out.push_str(p.protocol.as_deref().unwrap_or(""));
    out.push_str(" AppProtocol:");
    string_ptr(out, p.app_protocol.as_deref());
    out.push('}');
}

/// `dump.ForHash(port)`.
pub fn port_dump(p: &EndpointPort) -> String {
    let mut out = String::from("(v1.EndpointPort)");
    port_fields(&mut out, p);
    out
}

/// A `v1.EndpointAddress`'s fields, with its `*v1.ObjectReference` target.
fn address_fields(out: &mut String, a: &EndpointAddress) {
    out.push_str("{IP:(string)");
    out.push_str(&a.ip);
    out.push_str(" Hostname:(string)");
    out.push_str(a.hostname.as_deref().unwrap_or(""));
    out.push_str(" NodeName:");
    string_ptr(out, a.node_name.as_deref());
    out.push_str(" TargetRef:(*v1.ObjectReference)");
    match &a.target_ref {
        None => out.push_str("<nil>"),
        Some(r) => {
            let s = |v: &Option<String>| v.clone().unwrap_or_default();
            out.push_str(&format!(
                "{{Kind:(string){} Namespace:(string){} Name:(string){} UID:(types.UID){} APIVersion:(string){} ResourceVersion:(string){} FieldPath:(string){}}}",
                s(&r.kind),
                s(&r.namespace),
                s(&r.name),
                s(&r.uid),
                s(&r.api_version),
                s(&r.resource_version),
                s(&r.field_path),
            ));
        }
    }
    out.push('}');
}

/// A slice field: `([]T)<nil>` or `([]T)[e1 e2]`.
fn slice<T>(out: &mut String, ty: &str, items: Option<&[T]>, each: fn(&mut String, &T)) {
    out.push_str("([]");
    out.push_str(ty);
    out.push(')');
    match items {
        None => out.push_str("<nil>"),
        Some(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                each(out, item);
            }
            out.push(']');
        }
    }
}

/// `dump.ForHash(subset)`.
pub fn subset_dump(s: &EndpointSubset) -> String {
    let mut out = String::from("(v1.EndpointSubset){Addresses:");
    slice(
        &mut out,
        "v1.EndpointAddress",
        s.addresses.as_deref(),
        address_fields,
    );
    out.push_str(" NotReadyAddresses:");
    slice(
        &mut out,
        "v1.EndpointAddress",
        s.not_ready_addresses.as_deref(),
        address_fields,
    );
    out.push_str(" Ports:");
    slice(&mut out, "v1.EndpointPort", s.ports.as_deref(), port_fields);
    out.push('}');
    out
}

fn md5(text: &str) -> [u8; 16] {
    Md5::digest(text.as_bytes()).into()
}

/// `SortSubsets` for subsets whose addresses are already sorted: ports by hash, then
/// subsets by hash.
pub fn sort_by_hash(subsets: &mut [EndpointSubset]) {
    for subset in subsets.iter_mut() {
        if let Some(ports) = subset.ports.as_mut() {
            ports.sort_by_cached_key(|p| md5(&port_dump(p)));
        }
    }
    subsets.sort_by_cached_key(|s| md5(&subset_dump(s)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ObjectReference;

    fn port(name: &str, number: i32, protocol: &str) -> EndpointPort {
        EndpointPort {
            name: (!name.is_empty()).then(|| name.to_string()),
            port: number,
            protocol: Some(protocol.to_string()),
            app_protocol: None,
        }
    }

    fn hex(bytes: [u8; 16]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The dump of a port, and its MD5, computed by hand from go-spew's format (and
    /// Python's hashlib on the same text).
    #[test]
    fn a_port_dumps_and_hashes_as_go_spew_and_md5() {
        let https = port("https", 443, "TCP");
        assert_eq!(
            port_dump(&https),
            "(v1.EndpointPort){Name:(string)https Port:(int32)443 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}"
        );
        assert_eq!(
            hex(md5(&port_dump(&https))),
            "9b812254c483d72210c747708df106ac"
        );
        assert_eq!(
            hex(md5(&port_dump(&port("http", 80, "TCP")))),
            "a0afc9289a5b862f31961966cd661a6e"
        );
        let mut unnamed = port("", 80, "UDP");
        unnamed.app_protocol = Some("h2c".into());
        assert_eq!(
            port_dump(&unnamed),
            "(v1.EndpointPort){Name:(string) Port:(int32)80 Protocol:(v1.Protocol)UDP AppProtocol:(*string)h2c}"
        );
        assert_eq!(
            hex(md5(&port_dump(&unnamed))),
            "a931cc875f1dc1506253d6b0dc625d99"
        );
    }

    /// https (9b81…) sorts before http (a0af…).
    #[test]
    fn ports_sort_by_their_hash() {
        let mut subsets = vec![EndpointSubset {
            addresses: None,
            not_ready_addresses: None,
            ports: Some(vec![port("http", 80, "TCP"), port("https", 443, "TCP")]),
        }];
        sort_by_hash(&mut subsets);
        let names: Vec<_> = subsets[0]
            .ports
            .iter()
            .flatten()
            .map(|p| p.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["https", "http"]);
    }

    #[test]
    fn a_subset_dumps_every_field() {
        let subset = EndpointSubset {
            addresses: Some(vec![EndpointAddress {
                ip: "10.244.1.2".into(),
                hostname: None,
                node_name: Some("node-1".into()),
                target_ref: Some(ObjectReference {
                    kind: Some("Pod".into()),
                    namespace: Some("default".into()),
                    name: Some("web-0".into()),
                    uid: Some("u1".into()),
                    ..Default::default()
                }),
            }]),
            not_ready_addresses: None,
            ports: Some(vec![port("web", 80, "TCP")]),
        };
        assert_eq!(
            subset_dump(&subset),
            "(v1.EndpointSubset){Addresses:([]v1.EndpointAddress)[{IP:(string)10.244.1.2 Hostname:(string) NodeName:(*string)node-1 TargetRef:(*v1.ObjectReference){Kind:(string)Pod Namespace:(string)default Name:(string)web-0 UID:(types.UID)u1 APIVersion:(string) ResourceVersion:(string) FieldPath:(string)}}] NotReadyAddresses:([]v1.EndpointAddress)<nil> Ports:([]v1.EndpointPort)[{Name:(string)web Port:(int32)80 Protocol:(v1.Protocol)TCP AppProtocol:(*string)<nil>}]}"
        );
    }
}
