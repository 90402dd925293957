//! Network evidence: devices seen on a network, from nmap XML, packet captures, DHCP lease files,
//! a CSV of MAC addresses, the live machine's neighbour table and (only when asked) an active
//! probe.
//!
//! Owns turning each of those inputs into `network-device` artifacts ([`Observed`] →
//! [`Observed::into_artifact`]) and merging what several inputs of one scan say about the same
//! device into one artifact ([`device`]). One module per input; each parser is a pure function
//! of bytes (fuzzed under `fuzz/`), and the file readers around them cap what they read.
//!
//! It must never attribute anything: a MAC address goes out as a [`Role::Mac`] field and the
//! matcher looks it up in the IEEE table; a `Server` header goes out as a banner identifier and
//! the catalog decides whose it is. It must never open a network connection except in
//! [`probe`], which runs only for a `net:` target the user named.

pub mod device;
pub mod leases;
pub mod macs;
pub mod neigh;
pub mod nmap;
pub mod pcap;
pub mod probe;

use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Device, Field, Mac, Role};

/// The longest value kept for one field, in bytes (cut at a character boundary).
pub const MAX_VALUE: usize = 1024;
/// The most fields kept for one device from one input.
pub const MAX_FIELDS: usize = 128;
/// The most devices read from one input: a capture of a /8 full of spoofed MACs stops here.
pub const MAX_DEVICES: usize = 1 << 20;

/// What one input says about one device, before merging.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Observed {
    pub mac: Option<Mac>,
    pub ips: Vec<String>,
    pub hostname: Option<String>,
    pub banners: Vec<String>,
    pub ports: Vec<String>,
    pub fields: Vec<Field>,
}

/// A value cut to [`MAX_VALUE`] bytes at a character boundary, control characters dropped.
pub fn clean(value: &str) -> String {
    // Stops at MAX_VALUE rather than filtering the whole value first: a hostile value (or a line
    // quoted in an error) may be megabytes, and only its start is kept.
    let t = value.trim();
    let mut v = String::with_capacity(t.len().min(MAX_VALUE));
    for c in t.chars().filter(|c| !c.is_control()) {
        if v.len() + c.len_utf8() > MAX_VALUE {
            break;
        }
        v.push(c);
    }
    v
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) && list.len() < MAX_FIELDS {
        list.push(value);
    }
}

impl Observed {
    pub fn of_mac(mac: Mac) -> Self {
        Self { mac: Some(mac), ..Self::default() }
    }

    pub fn of_ip(ip: &str) -> Self {
        let mut o = Self::default();
        o.ip(ip);
        o
    }

    /// Records a field once (same name and value), within the caps; empty values are dropped.
    pub fn field(&mut self, field: &str, value: &str, role: Role) {
        let value = clean(value);
        if value.is_empty()
            || self.fields.len() >= MAX_FIELDS
            || self.fields.iter().any(|f| f.field == field && f.value == value)
        {
            return;
        }
        self.fields.push(Field { field: field.to_string(), value, role });
    }

    pub fn ip(&mut self, ip: &str) {
        push_unique(&mut self.ips, clean(ip));
    }

    pub fn hostname(&mut self, field: &str, name: &str) {
        let name = clean(name);
        if name.is_empty() || name == "*" {
            return;
        }
        if self.hostname.is_none() {
            self.hostname = Some(name.clone());
        }
        self.field(field, &name, Role::Other);
    }

    /// A `Server`-like header as the device sent it: shown among its banners, and matched
    /// against the catalog's `banner` identifiers.
    pub fn banner(&mut self, field: &str, value: &str) {
        let v = clean(value);
        if v.is_empty() {
            return;
        }
        push_unique(&mut self.banners, v.clone());
        self.field(field, &v, Role::Identifier(IdKind::Banner));
    }

    pub fn port(&mut self, port: &str) {
        push_unique(&mut self.ports, clean(port));
    }

    /// Takes in what another observation of the same device says.
    pub fn absorb(&mut self, other: Observed) {
        if self.mac.is_none() {
            self.mac = other.mac;
        }
        for ip in other.ips {
            push_unique(&mut self.ips, ip);
        }
        if self.hostname.is_none() {
            self.hostname = other.hostname;
        }
        for b in other.banners {
            push_unique(&mut self.banners, b);
        }
        for p in other.ports {
            push_unique(&mut self.ports, p);
        }
        for f in other.fields {
            self.field(&f.field, &f.value, f.role);
        }
    }

    /// The `network-device` artifact: named by its MAC in lower-case colon form, or its IP
    /// where no MAC is known; `None` when it has neither. `mac_field` names where the MAC was
    /// read (`eth.src`, `leases.hardware`), which is the field the matcher's OUI evidence shows.
    pub fn into_artifact(self, mac_field: &str, path: &str, target: &str) -> Option<Artifact> {
        let name = match (self.mac, self.ips.first()) {
            (Some(m), _) => m.to_string(),
            (None, Some(ip)) => ip.clone(),
            (None, None) => return None,
        };
        let mut a = Artifact::new(ArtifactKind::NetworkDevice, name, path, target);
        if let Some(m) = self.mac {
            a.fields.push(Field { field: mac_field.to_string(), value: m.to_string(), role: Role::Mac });
        }
        a.fields.extend(self.fields);
        a.publisher = a.fields.iter().find(|f| f.role == Role::Publisher).map(|f| f.value.clone());
        a.device = Device {
            mac: self.mac.map(|m| m.to_string()),
            ip: self.ips.first().cloned(),
            ips: self.ips,
            hostname: self.hostname,
            banners: self.banners,
            ports: self.ports,
            seen_in: vec![target.to_string()],
        };
        Some(a)
    }
}

/// Why a network input could not be read: what was expected, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads a whole input file of at most `cap` bytes (lease files, nmap XML, MAC lists).
pub(crate) fn read_capped(path: &std::path::Path, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = open_capped(path, cap)?;
    let mut buf = Vec::new();
    // The size it has now (under the cap), so the buffer is not doubled past it while read.
    let len = f.metadata().map_or(0, |m| m.len());
    buf.try_reserve_exact(usize::try_from(len).unwrap_or(0).saturating_add(1))
        .map_err(|e| format!("cannot read {len} bytes: {e}"))?;
    f.take(cap + 1).read_to_end(&mut buf).map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > cap {
        return Err(format!("file grew over the {cap}-byte limit while read"));
    }
    Ok(buf)
}

/// Opens an input file that must be a regular file of at most `cap` bytes.
pub(crate) fn open_capped(path: &std::path::Path, cap: u64) -> Result<std::fs::File, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let md = f.metadata().map_err(|e| format!("cannot read: {e}"))?;
    if !md.is_file() {
        return Err("cannot read: not a regular file".into());
    }
    if md.len() > cap {
        return Err(format!("file is {} bytes, over the {cap}-byte limit", md.len()));
    }
    Ok(f)
}

/// The artifact path of an input file: `/` and its file name, as SBOM and inventory files do.
pub(crate) fn file_label(path: &std::path::Path) -> String {
    format!("/{}", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::{MAX_VALUE, clean};

    /// `clean` as first written: filter the whole value, then cut at a character boundary.
    fn clean_whole(value: &str) -> String {
        let v: String = value.trim().chars().filter(|c| !c.is_control()).collect();
        let mut end = v.len().min(MAX_VALUE);
        while !v.is_char_boundary(end) {
            end -= 1;
        }
        v[..end].to_string()
    }

    #[test]
    fn clean_stops_at_max_value_with_the_same_text() {
        let long_ascii = "a".repeat(MAX_VALUE * 3);
        let straddle = format!("{}é€\u{1F600}tail", "b".repeat(MAX_VALUE - 2));
        let controls = format!(" \t\u{1}x\u{7f}y \u{2}{}\n", "z\u{0}".repeat(MAX_VALUE));
        for v in ["", "  ", " a \u{1}", "cam1\r\n", "ééé", &long_ascii, &straddle, &controls] {
            let got = clean(v);
            assert_eq!(got, clean_whole(v), "{:?}", &v[..v.len().min(40)]);
            assert!(got.len() <= MAX_VALUE);
        }
        assert_eq!(clean(&straddle).len(), MAX_VALUE - 2 + 'é'.len_utf8());
    }
}
