//! A CSV of MAC addresses: what an administrator exports from a switch, a controller or an
//! asset sheet. Read under `leases:` (detected by its header) or forced with `macs:`.
//!
//! The header names a MAC column (`mac`, `mac_address`, `macaddress`, `mac address`, `hwaddr`,
//! `hardware address`, `bssid`; any case) and optionally an IP column (`ip`, `ip_address`,
//! `ipaddress`, `ip address`, `address`, `ipv4`) and a hostname column (`hostname`, `host`,
//! `name`, `device`, `device name`). Comma, semicolon or tab separated. Owns that header rule;
//! it must never attribute anything (the matcher reads the MAC).

use super::{Observed, ParseError};
use delist_core::Mac;

const MAC_COLUMNS: &[&str] = &["mac", "macaddress", "hwaddr", "hardwareaddress", "bssid", "ethernetaddress"];
const IP_COLUMNS: &[&str] = &["ip", "ipaddress", "address", "ipv4", "ipv4address"];
const HOST_COLUMNS: &[&str] = &["hostname", "host", "name", "device", "devicename"];

fn norm(h: &str) -> String {
    h.trim().trim_matches('"').chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

fn delimiter(header: &str) -> u8 {
    [b',', b';', b'\t'].into_iter().max_by_key(|d| header.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

/// Whether a header line names a MAC column.
pub fn has_mac_column(header: &str) -> bool {
    let d = delimiter(header) as char;
    header.split(d).any(|h| MAC_COLUMNS.contains(&norm(h).as_str()))
}

/// Parses the CSV. Rows whose MAC cell is not a MAC address are errors (naming the line): a list
/// the user handed over should be read whole or said to be broken.
pub fn parse(text: &str) -> Result<Vec<Observed>, ParseError> {
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter(first))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> =
        rdr.headers().map_err(|e| ParseError(format!("MAC CSV header: {e}")))?.iter().map(norm).collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let mac_col = find(MAC_COLUMNS).ok_or_else(|| {
        ParseError(format!(
            "expected a CSV header with a MAC column ({}), found {:?}",
            MAC_COLUMNS.join(", "),
            super::clean(first)
        ))
    })?;
    let (ip_col, host_col) = (find(IP_COLUMNS), find(HOST_COLUMNS));
    let mut out: Vec<Observed> = Vec::new();
    let mut index: std::collections::HashMap<Mac, usize> = std::collections::HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ParseError(format!("MAC CSV line {}: {e}", e.position().map_or(0, |p| p.line()))))?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = rec.get(mac_col).unwrap_or("");
        if cell.is_empty() && rec.iter().all(str::is_empty) {
            continue;
        }
        let mac = Mac::parse(cell).ok_or_else(|| {
            ParseError(format!("MAC CSV line {line}: expected a MAC address, found {:?}", super::clean(cell)))
        })?;
        let mut o = Observed::of_mac(mac);
        if let Some(ip) = ip_col.and_then(|i| rec.get(i)) {
            o.ip(ip);
        }
        if let Some(h) = host_col.and_then(|i| rec.get(i)) {
            o.hostname("csv.hostname", h);
        }
        match index.get(&mac) {
            Some(i) => out[*i].absorb(o),
            None if out.len() < super::MAX_DEVICES => {
                index.insert(mac, out.len());
                out.push(o);
            }
            None => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_rows() {
        let d = parse("\u{feff}Hostname;MAC Address;IP Address\ncam1;44-47-CC-01-02-03;10.0.0.5\n;;\n").expect("ok");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].mac.map(|m| m.to_string()).as_deref(), Some("44:47:cc:01:02:03"));
        assert_eq!(d[0].ips, vec!["10.0.0.5"]);
        assert_eq!(d[0].hostname.as_deref(), Some("cam1"));
        assert!(parse("ip,name\n1.2.3.4,x\n").is_err());
        let e = parse("mac\n44:47:cc:01:02:03\nnot-a-mac\n").expect_err("bad row");
        assert!(e.0.contains("line 3"), "{e}");
        // A header line of a megabyte is quoted cut to MAX_VALUE, not whole.
        let e = parse(&"y".repeat(1 << 20)).expect_err("no MAC column");
        assert!(e.0.len() < super::super::MAX_VALUE + 200, "{} bytes", e.0.len());
    }
}
