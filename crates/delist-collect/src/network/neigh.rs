//! The live machine's neighbour table: `/proc/net/arp` (IPv4). Part of the live scan only; an
//! offline root has no live table.
//!
//! Owns reading that file through [`crate::Root`]. Incomplete entries (flags without ATF_COM,
//! all-zero addresses) are skipped: they name no device. IPv6 neighbours are kept by the kernel
//! behind netlink only, not in /proc, and delist runs no command (`ip neigh`) to get them.

use super::{Observed, ParseError};
use crate::Context;
use crate::Sink;
use delist_core::Mac;

pub const PATH: &str = "/proc/net/arp";
const MAX_FILE: u64 = 16 << 20;
/// ATF_COM: the entry is complete (the kernel has the neighbour's address).
const ATF_COM: u32 = 0x02;

/// Parses `/proc/net/arp`. Pure.
pub fn parse(text: &str) -> Result<Vec<Observed>, ParseError> {
    let mut lines = text.lines();
    match lines.next() {
        Some(h) if h.starts_with("IP address") => {}
        other => {
            return Err(ParseError(format!(
                "expected the /proc/net/arp header `IP address  HW type …`, found {:?}",
                other.map(super::clean)
            )));
        }
    }
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let toks: Vec<&str> = line.split_whitespace().collect();
        if toks.is_empty() {
            continue;
        }
        let [ip, _hw_type, flags, hw, _mask, dev] = toks.as_slice() else {
            return Err(ParseError(format!("line {}: expected 6 columns, found {}", n + 2, toks.len())));
        };
        let flags = u32::from_str_radix(flags.trim_start_matches("0x"), 16)
            .map_err(|_| ParseError(format!("line {}: flags {flags:?} are not hex", n + 2)))?;
        let Some(mac) = Mac::parse(hw) else { continue };
        if flags & ATF_COM == 0 || mac.is_zero() {
            continue;
        }
        let mut o = Observed::of_mac(mac);
        o.ip(ip);
        o.field("arp.device", dev, delist_core::Role::Other);
        out.push(o);
    }
    Ok(out)
}

/// Reads this machine's neighbour table.
pub fn collect(cx: &Context<'_>, out: &mut dyn Sink) {
    let text = match cx.root.read_text(PATH, MAX_FILE) {
        Ok(t) => t,
        // No /proc (a container without it, another OS): nothing to read, not an error.
        Err(_) => return,
    };
    match parse(&text) {
        Ok(devs) => {
            for d in devs {
                if let Some(a) = d.into_artifact("arp.hw_address", PATH, cx.target) {
                    out.push(a);
                }
            }
        }
        Err(e) => out.error(PATH, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_entries_only() {
        let t = "IP address       HW type     Flags       HW address            Mask     Device\n\
                 10.0.0.5         0x1         0x2         44:47:cc:01:02:03     *        eth0\n\
                 10.0.0.7         0x1         0x0         00:00:00:00:00:00     *        eth0\n\
                 10.0.0.8         0x1         0x6         02:00:00:00:00:08     *        eth0\n";
        let d = parse(t).expect("ok");
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].ips, vec!["10.0.0.5"]);
        assert!(parse("junk\n").is_err());
        // The first line is the input's: it is quoted cut to MAX_VALUE, not whole.
        let e = parse(&"x".repeat(1 << 20)).expect_err("no header");
        assert!(e.0.len() < super::super::MAX_VALUE + 200, "{} bytes", e.0.len());
        // Through a root, as the live scan reads it: artifacts named by MAC, with the IP.
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("proc/net")).expect("mkdir");
        std::fs::write(dir.path().join("proc/net/arp"), t).expect("write");
        let root = crate::Root::new(dir.path());
        let mut out = crate::Output::default();
        collect(&Context { target: "live", root: &root }, &mut out);
        let got: Vec<(&str, Option<&str>)> =
            out.artifacts.iter().map(|a| (a.name.as_str(), a.device.ip.as_deref())).collect();
        assert_eq!(got, vec![("44:47:cc:01:02:03", Some("10.0.0.5")), ("02:00:00:00:00:08", Some("10.0.0.8"))]);
        assert_eq!(out.artifacts[0].fields[0].role, delist_core::Role::Mac);
        assert!(parse("IP address x\n10.0.0.5 0x1 zz 44:47:cc:01:02:03 * eth0\n").is_err());
    }
}
