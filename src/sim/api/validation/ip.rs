//! IP addresses as the API server reads them: apimachinery's `util/validation/ip.go`
//! (`IsValidIP` through `netutils.ParseIPSloppy`, `GetWarningsForIP`) and core validation's
//! `ValidateNonSpecialIP`, shared by the kinds that hold addresses (Service external IPs,
//! EndpointSlice and Endpoints addresses).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::super::field_error::{quote, FieldError};

/// `IsValidIP`'s message.
pub(crate) const INVALID_IP: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

/// An address as Go's `net.IP` holds it: IPv4 (also an IPv4-mapped IPv6 address, which
/// `To4` gives back) or IPv6.
#[derive(Clone, Copy)]
pub(crate) enum GoIp {
    V4(Ipv4Addr),
    V6(Ipv6Addr),
}

impl GoIp {
    pub(crate) fn to_v4(self) -> Option<Ipv4Addr> {
        match self {
            GoIp::V4(v4) => Some(v4),
            GoIp::V6(v6) => v6.to_ipv4_mapped(),
        }
    }
}

/// `netutils.ParseIPSloppy`: as `net.ParseIP`, but an IPv4 octet may have leading zeros,
/// as many as it likes (Go 1.16's `dtoi`; read as decimal, at most 255).
pub(crate) fn parse_ip_sloppy(s: &str) -> Option<GoIp> {
    let octets: Vec<&str> = s.split('.').collect();
    if octets.len() == 4
        && octets
            .iter()
            .all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
    {
        let mut bytes = [0u8; 4];
        for (b, o) in bytes.iter_mut().zip(&octets) {
            *b = o.parse().ok()?;
        }
        return Some(GoIp::V4(Ipv4Addr::from(bytes)));
    }
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if !s.contains('%') => Some(GoIp::V6(v6)),
        _ => None,
    }
}

/// `netutils.IsIPv6String`: the address parses (sloppily) and is no IPv4 one (an
/// IPv4-mapped IPv6 address counts as IPv4).
pub(crate) fn is_ipv6_string(s: &str) -> bool {
    parse_ip_sloppy(s).is_some_and(|ip| ip.to_v4().is_none())
}

/// `ValidateNonSpecialIP`: not unspecified, loopback, link-local or link-local multicast.
pub(crate) fn non_special_ip_errors(address: &str, path: &str) -> Vec<FieldError> {
    let Some(ip) = parse_ip_sloppy(address) else {
        return vec![FieldError::invalid_str(
            path,
            address,
            "must be a valid IP address",
        )];
    };
    let (unspecified, loopback, link_local, link_local_multicast) = match ip.to_v4() {
        Some(v4) => {
            let o = v4.octets();
            (
                v4.is_unspecified(),
                o[0] == 127,
                o[0] == 169 && o[1] == 254,
                o[0] == 224 && o[1] == 0 && o[2] == 0,
            )
        }
        None => {
            let GoIp::V6(v6) = ip else {
                return Vec::new();
            };
            let s = v6.segments();
            (
                v6.is_unspecified(),
                v6.is_loopback(),
                s[0] & 0xffc0 == 0xfe80,
                s[0] & 0xff0f == 0xff02,
            )
        }
    };
    let mut errs = Vec::new();
    if unspecified {
        errs.push(FieldError::invalid_str(
            path,
            address,
            format!("may not be unspecified ({address})"),
        ));
    }
    if loopback {
        errs.push(FieldError::invalid_str(
            path,
            address,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ));
    }
    if link_local {
        errs.push(FieldError::invalid_str(
            path,
            address,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ));
    }
    if link_local_multicast {
        errs.push(FieldError::invalid_str(
            path,
            address,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ));
    }
    errs
}

impl GoIp {
    /// `net.IP.String()`: dotted IPv4 for an IPv4 (or IPv4-mapped) address, else RFC 5952.
    fn go_string(self) -> String {
        match (self.to_v4(), self) {
            (Some(v4), _) => v4.to_string(),
            (None, GoIp::V6(v6)) => v6.to_string(),
            (None, GoIp::V4(v4)) => v4.to_string(),
        }
    }
}

/// `GetWarningsForIP`: an address `ParseIPSloppy` takes but `netip.ParseAddr` does not
/// (IPv4 leading zeros) or an IPv4-mapped IPv6 one is non-standard; an IPv6 address not
/// in RFC 5952 form should be. Nothing for an address that does not parse (validation
/// refused it).
pub(crate) fn warnings_for_ip(path: &str, value: &str) -> Vec<String> {
    let Some(ip) = parse_ip_sloppy(value) else {
        return Vec::new();
    };
    let strict = value.parse::<IpAddr>();
    let non_standard = match strict {
        Err(_) => true,
        Ok(IpAddr::V6(v6)) => v6.to_ipv4_mapped().is_some(),
        Ok(IpAddr::V4(_)) => false,
    };
    if non_standard {
        return vec![format!(
            "{path}: non-standard IP address {} will be considered invalid in a future Kubernetes release: use {}",
            quote(value),
            quote(&ip.go_string())
        )];
    }
    match strict {
        Ok(IpAddr::V6(v6)) if v6.to_string() != value => vec![format!(
            "{path}: IPv6 address {} should be in RFC 5952 canonical format ({})",
            quote(value),
            quote(&v6.to_string())
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::warnings_for_ip;

    /// `GetWarningsForIP`'s cases (apimachinery `ip_test.go`).
    #[test]
    fn non_standard_addresses_are_warned_about() {
        assert!(warnings_for_ip("p", "10.0.0.1").is_empty());
        assert!(warnings_for_ip("p", "2001:db8::1").is_empty());
        assert!(warnings_for_ip("p", "bogus").is_empty());
        assert_eq!(
            warnings_for_ip("p", "010.000.001.002"),
            ["p: non-standard IP address \"010.000.001.002\" will be considered invalid in a future Kubernetes release: use \"10.0.1.2\""]
        );
        assert_eq!(
            warnings_for_ip("p", "::ffff:1.2.3.4"),
            ["p: non-standard IP address \"::ffff:1.2.3.4\" will be considered invalid in a future Kubernetes release: use \"1.2.3.4\""]
        );
        assert_eq!(
            warnings_for_ip("p", "2001:DB8:0:0::1"),
            ["p: IPv6 address \"2001:DB8:0:0::1\" should be in RFC 5952 canonical format (\"2001:db8::1\")"]
        );
    }
}
