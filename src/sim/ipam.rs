//! Pod IP allocation per node (the CNI's host-local IPAM, `backend/allocator`): a node owns
//! the /24 of its `spec.podCIDR` (10.244.N.0/24, N its index), whose range is .1 to .254
//! with .1 the gateway, never handed out. The allocator is round-robin (`GetIter`): it
//! starts after the last address it reserved (kept even when that address is released),
//! wraps from .254 back to the start of the range, and takes the first free address; so a
//! re-created pod gets a new IP, and after a wrap the search goes on from where the last
//! one stopped, not from the lowest free address.

use std::collections::BTreeSet;

/// The first and last addresses pods get (`RangeStart` .1 is the gateway; `RangeEnd` is
/// the last before the broadcast address).
const FIRST: u8 = 2;
const LAST: u8 = 254;

#[derive(Debug, Default, Clone)]
pub struct NodeIpam {
    /// `LastReservedIP`: none before the first allocation.
    last: Option<u8>,
    in_use: BTreeSet<u8>,
}

impl NodeIpam {
    /// `IPAllocator.Get` without a requested address: the first free address after the
    /// last reserved one, round the range once.
    pub fn allocate(&mut self) -> Option<u8> {
        let start = match self.last {
            Some(last) if last < LAST => last + 1,
            _ => FIRST,
        };
        let host = (start..=LAST)
            .chain(FIRST..start)
            .find(|h| !self.in_use.contains(h))?;
        self.in_use.insert(host);
        self.last = Some(host);
        Some(host)
    }

    /// The lowest free address, whatever was handed out before (the `ip-reused` mutant).
    pub fn allocate_lowest(&mut self) -> Option<u8> {
        let host = (FIRST..=LAST).find(|h| !self.in_use.contains(h))?;
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
    fn addresses_are_handed_out_round_robin() {
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
        assert_eq!(ipam.allocate(), Some(2), "after .254 the range wraps");
        assert_eq!(ipam.allocate(), None);
        // After the wrap the search goes on from the last reserved address, not from the
        // lowest free one.
        ipam.release(100);
        assert_eq!(ipam.allocate(), Some(100));
        ipam.release(50);
        ipam.release(150);
        assert_eq!(ipam.allocate(), Some(150));
        assert_eq!(ipam.allocate(), Some(50));
    }
}
