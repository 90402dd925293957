//! The MAC address assignments (IEEE MA-L, MA-M, MA-S) that belong to covered vendors.
//!
//! The table is generated from the IEEE registry itself (`delist catalog import-oui`), selecting
//! assignments whose organisation name equals, trimmed and byte for byte, a vendor's `oui-org`
//! identifier: a regex on "Huawei" would also hit "Huawei Road" in an address, and "ZTE" would
//! hit "Aztech". Lookup takes the longest matching prefix and never matches a locally
//! administered or multicast address (randomised phone MACs are not vendors).

use super::{IdKind, Vendor};
use serde::Serialize;
use std::collections::HashMap;

/// One registry assignment attributed to a vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// `MA-L`, `MA-M` or `MA-S`.
    pub registry: String,
    /// Upper-case hex digits of the prefix: 6 (MA-L), 7 (MA-M) or 9 (MA-S).
    pub prefix: String,
    pub organization: String,
    pub vendor: String,
}

impl Assignment {
    pub fn bits(&self) -> u32 {
        self.prefix.len() as u32 * 4
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OuiTable {
    /// The header comment lines of the generated file (registry files and date).
    pub provenance: Vec<String>,
    pub assignments: Vec<Assignment>,
    #[serde(skip)]
    index: HashMap<(u32, u64), usize>,
}

const HEADER: &str = "registry,assignment,organization,vendor";

fn registry_for_len(len: usize) -> Option<&'static str> {
    match len {
        6 => Some("MA-L"),
        7 => Some("MA-M"),
        9 => Some("MA-S"),
        _ => None,
    }
}

fn read_rows(text: &str) -> Result<Vec<(usize, csv::StringRecord)>, (usize, String)> {
    let body: String = text.lines().map(|l| if l.starts_with('#') { "" } else { l }).collect::<Vec<_>>().join("\n");
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| (e.position().map_or(0, |p| p.line() as usize), e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        out.push((line, rec));
    }
    Ok(out)
}

impl OuiTable {
    /// Parses the committed table (`catalog/oui/ieee.csv`). Errors carry the line.
    pub fn parse(text: &str) -> Result<Self, (usize, String)> {
        let mut t = Self {
            provenance: text.lines().filter_map(|l| l.strip_prefix('#')).map(|l| l.trim().to_string()).collect(),
            ..Self::default()
        };
        for (line, rec) in read_rows(text)? {
            if rec.iter().collect::<Vec<_>>().join(",") == HEADER {
                continue;
            }
            let field = |i: usize| rec.get(i).unwrap_or("").trim().to_string();
            let prefix = field(1).to_ascii_uppercase();
            let registry = field(0);
            if rec.len() != 4 {
                return Err((line, format!("expected 4 columns ({HEADER}), found {}", rec.len())));
            }
            if registry_for_len(prefix.len()) != Some(registry.as_str())
                || !prefix.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err((line, format!("assignment {prefix:?} is not a {registry} prefix")));
            }
            t.push(Assignment { registry, prefix, organization: field(2), vendor: field(3) });
        }
        Ok(t)
    }

    fn push(&mut self, a: Assignment) {
        let bits = a.bits();
        if let Ok(v) = u64::from_str_radix(&a.prefix, 16) {
            self.index.insert((bits, v), self.assignments.len());
            self.assignments.push(a);
        }
    }

    pub fn extend(&mut self, other: Self) {
        self.provenance.extend(other.provenance);
        for a in other.assignments {
            self.push(a);
        }
    }

    /// The assignment of a MAC address (any common notation), longest prefix first. Locally
    /// administered and multicast addresses never match.
    pub fn lookup(&self, mac: &str) -> Option<&Assignment> {
        self.lookup_mac(crate::mac::Mac::parse(mac)?)
    }

    /// [`Self::lookup`] of a parsed address.
    pub fn lookup_mac(&self, mac: crate::mac::Mac) -> Option<&Assignment> {
        if !mac.is_global_unicast() {
            return None;
        }
        let value = mac.as_u64();
        [36u32, 28, 24]
            .iter()
            .find_map(|bits| self.index.get(&(*bits, value >> (48 - bits))).map(|i| &self.assignments[*i]))
    }

    /// Selects from IEEE registry CSV files (oui.csv, mam.csv, oui36.csv: `Registry,Assignment,
    /// Organization Name,Organization Address`) every assignment whose organisation equals a
    /// vendor's `oui-org` identifier. Returns the table and, per organisation name, how many.
    pub fn import(files: &[(String, String)], vendors: &[Vendor]) -> Result<(Self, Vec<(String, usize)>), String> {
        let mut wanted: HashMap<&str, &str> = HashMap::new();
        for v in vendors {
            for i in v.identifiers.iter().filter(|i| i.kind == IdKind::OuiOrg) {
                wanted.insert(i.value.trim(), &v.id);
            }
        }
        let mut t = Self::default();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for (name, text) in files {
            let rows = read_rows(text).map_err(|(line, e)| format!("{name}:{line}: {e}"))?;
            let mut saw_header = false;
            for (line, rec) in rows {
                let registry = rec.get(0).unwrap_or("").trim();
                if registry == "Registry" {
                    saw_header = true;
                    continue;
                }
                if !saw_header {
                    return Err(format!(
                        "{name}:{line}: expected the IEEE header `Registry,Assignment,Organization Name,Organization Address`"
                    ));
                }
                let prefix = rec.get(1).unwrap_or("").trim().to_ascii_uppercase();
                let org = rec.get(2).unwrap_or("").trim();
                let Some(reg) = registry_for_len(prefix.len()) else {
                    return Err(format!("{name}:{line}: assignment {prefix:?} has an unexpected length"));
                };
                if let Some(vendor) = wanted.get(org) {
                    *counts.entry(org.to_string()).or_default() += 1;
                    t.push(Assignment {
                        registry: reg.to_string(),
                        prefix,
                        organization: org.to_string(),
                        vendor: vendor.to_string(),
                    });
                }
            }
        }
        t.assignments.sort_by(|a, b| (&a.vendor, &a.registry, &a.prefix).cmp(&(&b.vendor, &b.registry, &b.prefix)));
        t.assignments.dedup_by(|a, b| a.prefix == b.prefix && a.registry == b.registry);
        let sorted = std::mem::take(&mut t.assignments);
        t.index.clear();
        for a in sorted {
            t.push(a);
        }
        let mut counts: Vec<_> = counts.into_iter().collect();
        counts.sort();
        Ok((t, counts))
    }

    /// The committed CSV form, with provenance lines as `#` comments.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for p in &self.provenance {
            out.push_str("# ");
            out.push_str(p);
            out.push('\n');
        }
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        // Writing CSV into a Vec cannot fail.
        w.write_record(HEADER.split(',')).expect("in-memory write");
        for a in &self.assignments {
            w.write_record([&a.registry, &a.prefix, &a.organization, &a.vendor]).expect("in-memory write");
        }
        out.push_str(&String::from_utf8_lossy(&w.into_inner().unwrap_or_default()));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> OuiTable {
        OuiTable::parse(
            "# test\nregistry,assignment,organization,vendor\nMA-L,4447CC,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",hikvision\nMA-M,EC5BCDE,Autel Robotics USA LLC,autel\nMA-L,EC5BCD,Other Org,other\n",
        )
        .expect("valid")
    }

    #[test]
    fn longest_prefix_wins() {
        let t = table();
        assert_eq!(t.lookup("ec:5b:cd:e1:00:01").map(|a| a.vendor.as_str()), Some("autel"));
        assert_eq!(t.lookup("EC-5B-CD-11-00-01").map(|a| a.vendor.as_str()), Some("other"));
        assert_eq!(t.lookup("44:47:cc:00:00:01").map(|a| a.vendor.as_str()), Some("hikvision"));
        assert_eq!(t.lookup("4447.cc00.0001").map(|a| a.vendor.as_str()), Some("hikvision"));
    }

    #[test]
    fn ma_s_beats_ma_m_beats_ma_l() {
        let t = OuiTable::parse(
            "registry,assignment,organization,vendor\nMA-L,70B3D5,IEEE Registration Authority,ieee\n\
             MA-M,70B3D5A,Block Holder,mam\nMA-S,70B3D5A12,Small Holder,mas\n",
        )
        .expect("valid");
        assert_eq!(t.lookup("70:b3:d5:a1:23:45").map(|a| a.vendor.as_str()), Some("mas"));
        assert_eq!(t.lookup("70:b3:d5:a1:33:45").map(|a| a.vendor.as_str()), Some("mam"));
        assert_eq!(t.lookup("70:b3:d5:b1:23:45").map(|a| a.vendor.as_str()), Some("ieee"));
        // The same prefixes with the locally-administered bit (0x72) or the group bit (0x71).
        assert!(t.lookup("72:b3:d5:a1:23:45").is_none());
        assert!(t.lookup("71:b3:d5:a1:23:45").is_none());
    }

    #[test]
    fn local_multicast_and_junk_never_match() {
        let t = table();
        // 0x46 = 0x44 with the locally-administered bit; 0x45 has the multicast bit.
        assert!(t.lookup("46:47:cc:00:00:01").is_none());
        assert!(t.lookup("45:47:cc:00:00:01").is_none());
        assert!(t.lookup("44:47:cc:00:00").is_none());
        assert!(t.lookup("44:47:cc:00:00:zz").is_none());
        assert!(t.lookup("").is_none());
    }

    #[test]
    fn bad_rows_name_their_line() {
        let err = OuiTable::parse("registry,assignment,organization,vendor\nMA-L,4447C,X,y\n").expect_err("bad");
        assert_eq!(err.0, 2);
    }

    #[test]
    fn csv_round_trip() {
        let t = table();
        let again = OuiTable::parse(&t.to_csv()).expect("valid");
        assert_eq!(again.assignments, t.assignments);
        assert_eq!(again.provenance, vec!["test".to_string()]);
    }
}
