//! Pod IP allocation per node (the CNI's host-local IPAM): a node owns the /24 of its
//! `spec.podCIDR` (10.244.N.0/24, N its index) and
//! hands out addresses in order from .2; after .254 it takes the lowest free address, so a
//! re-created pod gets a new IP.

use std::collections::BTreeSet;

#[derive(Debug, Default, Clone)]
pub struct NodeIpam {
    next: u16,
    in_use: BTreeSet<u8>,
}

impl NodeIpam {
    pub fn allocate(&mut self) -> Option<u8> {
        if self.next < 2 {
            self.next = 2;
        }
        if self.next <= 254 {
            let host = self.next as u8;
            self.next += 1;
            self.in_use.insert(host);
            return Some(host);
        }
        let host = (2..=254u8).find(|h| !self.in_use.contains(h))?;
        self.in_use.insert(host);
        Some(host)
    }

    /// The lowest free address, whatever was handed out before (the `ip-reused` mutant).
    pub fn allocate_lowest(&mut self) -> Option<u8> {
        let host = (2..=254u8).find(|h| !self.in_use.contains(h))?;
        self.in_use.insert(host);
        Some(host)
    }

    pub fn release(&mut self, host: u8) {
        self.in_use.remove(&host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_handed_out_in_order_then_reused_lowest_first() {
        let mut ipam = NodeIpam::default();
        assert_eq!(ipam.allocate(), Some(2));
        assert_eq!(ipam.allocate(), Some(3));
        ipam.release(2);
        assert_eq!(
            ipam.allocate(),
            Some(4),
            "a released address is not reused before .254"
        );
        for _ in 5..=254 {
            ipam.allocate();
        }
        assert_eq!(
            ipam.allocate(),
            Some(2),
            "after .254 the lowest free address"
        );
        assert_eq!(ipam.allocate(), None);
    }
}
