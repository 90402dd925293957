//! One device, one artifact: merging what several inputs of a scan say about the same device.
//!
//! Owns the rule for "the same device": the same MAC address; an input that knows only an IP
//! (nmap on a routed network, an HTTP banner in a capture) joins the device that the scan's
//! other inputs place at that IP, when exactly one MAC is known there (a DHCP pool hands an IP
//! to several devices over time: then the IP stays a device of its own). It must never drop
//! evidence: a merged artifact carries every field of every part.
//!
//! [`MergeDevices`] wraps a [`Sink`]: it passes every other artifact through as it arrives and
//! holds `network-device` artifacts until [`MergeDevices::finish`], because the input that
//! names a device's MAC may come after the one that saw its banner.

use crate::Sink;
use delist_core::{Artifact, ArtifactKind, ScanError};
use std::collections::HashMap;

/// Merges `network-device` artifacts by MAC (or IP where no MAC is known), keeping the order in
/// which devices were first seen. Other artifacts are returned unchanged.
pub fn merge(devices: Vec<Artifact>) -> Vec<Artifact> {
    merge_in_place(devices).into_iter().flatten().collect()
}

/// [`merge`] without a second list: each artifact merged into an earlier one leaves `None` in
/// its place. (Two lists of 200,000 leases' devices were 386 MB at once.)
fn merge_in_place(devices: Vec<Artifact>) -> Vec<Option<Artifact>> {
    let mut ip_macs: HashMap<String, Vec<String>> = HashMap::new();
    for a in &devices {
        if let Some(mac) = &a.device.mac {
            for ip in &a.device.ips {
                let macs = ip_macs.entry(ip.clone()).or_default();
                if !macs.contains(mac) {
                    macs.push(mac.clone());
                }
            }
        }
    }
    let mut slots: Vec<Option<Artifact>> = devices.into_iter().map(Some).collect();
    let mut index: HashMap<String, usize> = HashMap::new();
    for i in 0..slots.len() {
        let Some(a) = &slots[i] else { continue };
        if a.kind != ArtifactKind::NetworkDevice {
            continue;
        }
        let key = match (&a.device.mac, a.device.ips.first()) {
            (Some(mac), _) => mac.clone(),
            (None, Some(ip)) => match ip_macs.get(ip).map(Vec::as_slice) {
                Some([mac]) => mac.clone(),
                _ => format!("ip:{ip}"),
            },
            (None, None) => format!("name:{}", a.name),
        };
        match index.get(&key) {
            // `j < i`: the first artifact of a key stays in its slot, so it is `Some`.
            Some(&j) => {
                if let Some(from) = slots[i].take()
                    && let Some(Some(into)) = slots.get_mut(j)
                {
                    absorb(into, from);
                }
            }
            None => {
                index.insert(key, i);
            }
        }
    }
    slots
}

fn union(into: &mut Vec<String>, from: Vec<String>) {
    for v in from {
        if !into.contains(&v) {
            into.push(v);
        }
    }
}

fn absorb(into: &mut Artifact, from: Artifact) {
    let d = &mut into.device;
    if d.mac.is_none() && from.device.mac.is_some() {
        d.mac = from.device.mac.clone();
        into.name = from.name.clone();
    }
    if d.hostname.is_none() {
        d.hostname = from.device.hostname;
    }
    union(&mut d.ips, from.device.ips);
    if d.ip.is_none() {
        d.ip = d.ips.first().cloned();
    }
    union(&mut d.banners, from.device.banners);
    union(&mut d.ports, from.device.ports);
    union(&mut d.seen_in, from.device.seen_in);
    for f in from.fields {
        if !into.fields.iter().any(|g| g.field == f.field && g.value == f.value) {
            into.fields.push(f);
        }
    }
    if into.publisher.is_none() {
        into.publisher = from.publisher;
    }
}

/// A sink that holds network devices until the end of a scan and merges them.
pub struct MergeDevices<'a> {
    inner: &'a mut dyn Sink,
    devices: Vec<Artifact>,
}

impl<'a> MergeDevices<'a> {
    pub fn new(inner: &'a mut dyn Sink) -> Self {
        Self { inner, devices: Vec::new() }
    }

    /// Hands the merged devices to the wrapped sink.
    pub fn finish(self) {
        for d in merge_in_place(self.devices).into_iter().flatten() {
            self.inner.push(d);
        }
    }
}

impl Sink for MergeDevices<'_> {
    fn push(&mut self, artifact: Artifact) {
        if artifact.kind == ArtifactKind::NetworkDevice {
            self.devices.push(artifact);
        } else {
            self.inner.push(artifact);
        }
    }

    fn push_error(&mut self, error: ScanError) {
        self.inner.push_error(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Observed;
    use delist_core::{Mac, Role};

    fn dev(mac: Option<&str>, ip: Option<&str>, target: &str) -> Observed {
        let mut o = Observed { mac: mac.and_then(Mac::parse), ..Observed::default() };
        if let Some(ip) = ip {
            o.ip(ip);
        }
        let _ = target;
        o
    }

    #[test]
    fn same_mac_and_known_ip_merge() {
        let mut banner = dev(None, Some("10.0.0.5"), "nmap:a.xml");
        banner.banner("nmap.http-server-header", "Hikvision-Webs");
        banner.port("80/tcp");
        let mut lease = dev(Some("44:47:CC:01:02:03"), Some("10.0.0.5"), "leases:l");
        lease.hostname("leases.hostname", "cam1");
        let arp = dev(Some("44-47-cc-01-02-03"), Some("10.0.0.5"), "live");
        let other = dev(Some("00:11:22:33:44:55"), Some("10.0.0.6"), "live");
        let arts = vec![
            banner.into_artifact("x", "/a.xml", "nmap:a.xml").expect("ip"),
            lease.into_artifact("leases.hardware", "/l", "leases:l").expect("mac"),
            arp.into_artifact("arp.hw_address", "/proc/net/arp", "live").expect("mac"),
            other.into_artifact("arp.hw_address", "/proc/net/arp", "live").expect("mac"),
        ];
        let merged = merge(arts);
        assert_eq!(merged.len(), 2);
        let cam = &merged[0];
        assert_eq!(cam.name, "44:47:cc:01:02:03");
        assert_eq!(cam.device.mac.as_deref(), Some("44:47:cc:01:02:03"));
        assert_eq!(cam.device.ip.as_deref(), Some("10.0.0.5"));
        assert_eq!(cam.device.hostname.as_deref(), Some("cam1"));
        assert_eq!(cam.device.banners, vec!["Hikvision-Webs"]);
        assert_eq!(cam.device.seen_in, vec!["nmap:a.xml", "leases:l", "live"]);
        // Both MAC sources stay as evidence; the duplicate value under another field is kept.
        let macs: Vec<&str> = cam.fields.iter().filter(|f| f.role == Role::Mac).map(|f| f.field.as_str()).collect();
        assert_eq!(macs, vec!["leases.hardware", "arp.hw_address"]);
        assert_eq!(merged[1].name, "00:11:22:33:44:55");
    }

    #[test]
    fn a_merged_device_leaves_its_slot_empty_and_others_pass_in_order() {
        let a = dev(Some("44:47:cc:01:02:03"), Some("10.0.0.5"), "leases:l");
        let b = dev(Some("00:11:22:33:44:55"), Some("10.0.0.6"), "leases:l");
        let again = dev(Some("44:47:cc:01:02:03"), Some("10.0.0.7"), "leases:l");
        let slots = merge_in_place(vec![
            a.into_artifact("m", "/l", "leases:l").expect("mac"),
            b.into_artifact("m", "/l", "leases:l").expect("mac"),
            again.into_artifact("m", "/l", "leases:l").expect("mac"),
        ]);
        let shown: Vec<Option<Vec<&str>>> =
            slots.iter().map(|s| s.as_ref().map(|a| a.device.ips.iter().map(String::as_str).collect())).collect();
        assert_eq!(shown, vec![Some(vec!["10.0.0.5", "10.0.0.7"]), Some(vec!["10.0.0.6"]), None]);
    }

    #[test]
    fn an_ip_held_by_two_macs_stays_apart() {
        let ip_only = dev(None, Some("10.0.0.9"), "nmap:a.xml");
        let a = dev(Some("44:47:cc:01:02:03"), Some("10.0.0.9"), "leases:l");
        let b = dev(Some("00:11:22:33:44:55"), Some("10.0.0.9"), "leases:l");
        let merged = merge(vec![
            ip_only.into_artifact("x", "/a", "nmap:a.xml").expect("ip"),
            a.into_artifact("m", "/l", "leases:l").expect("mac"),
            b.into_artifact("m", "/l", "leases:l").expect("mac"),
        ]);
        let names: Vec<&str> = merged.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, vec!["10.0.0.9", "44:47:cc:01:02:03", "00:11:22:33:44:55"]);
    }
}
