//! MAC addresses: parsing the notations tools write, and the two bits that decide whether an
//! address can name a maker at all.
//!
//! Owns the canonical form delist reports (lower-case, colon-separated) so every input of a scan
//! names the same device the same way. It must never decide attribution: that is the matcher's,
//! through the IEEE table ([`crate::catalog::oui::OuiTable::lookup`]).

use std::fmt;

/// A 48-bit IEEE 802 MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Parses `44:47:cc:01:02:03`, `44-47-CC-01-02-03`, `4447.cc01.0203` and `4447cc010203`.
    /// Single-digit groups (`1:2:3:4:5:6`, as ISC dhcpd and some `arp` tools write) are accepted
    /// in the colon form. Anything else is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let mut out = [0u8; 6];
        let groups: Vec<&str> = if s.contains(':') {
            s.split(':').collect()
        } else if s.contains('-') {
            s.split('-').collect()
        } else if s.contains('.') {
            let parts: Vec<&str> = s.split('.').collect();
            if parts.len() != 3 || parts.iter().any(|p| p.len() != 4) {
                return None;
            }
            return Self::from_hex(&parts.concat());
        } else {
            return Self::from_hex(s);
        };
        if groups.len() != 6 {
            return None;
        }
        for (o, g) in out.iter_mut().zip(&groups) {
            if g.is_empty() || g.len() > 2 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            *o = u8::from_str_radix(g, 16).ok()?;
        }
        Some(Self(out))
    }

    fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 6];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok()?;
        }
        Some(Self(out))
    }

    /// The I/G bit: a group (multicast or broadcast) address, never one device's.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 0x01 != 0
    }

    /// The U/L bit: assigned locally (randomised phone and laptop MACs, VMs, containers), not
    /// by the IEEE, so its prefix names no maker.
    pub fn is_local(self) -> bool {
        self.0[0] & 0x02 != 0
    }

    /// Whether its prefix can name a maker: globally administered and unicast.
    pub fn is_global_unicast(self) -> bool {
        !self.is_multicast() && !self.is_local()
    }

    /// All zeros: what some tools write for "no address" (incomplete ARP entries).
    pub fn is_zero(self) -> bool {
        self.0 == [0; 6]
    }

    pub fn as_u64(self) -> u64 {
        self.0.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notations() {
        let want = Mac([0x44, 0x47, 0xcc, 0x01, 0x02, 0x03]);
        for s in ["44:47:cc:01:02:03", "44-47-CC-01-02-03", "4447.cc01.0203", "4447CC010203", " 44:47:CC:1:2:3 "] {
            assert_eq!(Mac::parse(s), Some(want), "{s}");
        }
        assert_eq!(want.to_string(), "44:47:cc:01:02:03");
        for bad in
            ["", "44:47:cc:01:02", "44:47:cc:01:02:03:04", "44:47:cc:01:02:zz", "444:7:cc:01:02:03", "4447.cc01.02"]
        {
            assert_eq!(Mac::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_two_bits() {
        let m = |s| Mac::parse(s).expect("valid");
        assert!(m("44:47:cc:00:00:01").is_global_unicast());
        assert!(m("46:47:cc:00:00:01").is_local());
        assert!(!m("46:47:cc:00:00:01").is_global_unicast());
        assert!(m("45:47:cc:00:00:01").is_multicast());
        assert!(m("01:00:5e:00:00:fb").is_multicast());
        assert!(m("ff:ff:ff:ff:ff:ff").is_multicast());
        assert!(m("00:00:00:00:00:00").is_zero());
    }
}
