//! nmap XML (`nmap -oX`): every `<host>` with its addresses (the `mac` address and nmap's own
//! vendor guess), hostnames, open ports with their service product/version/extrainfo, script
//! output that carries banners (`http-server-header`, `upnp-info`), and OS matches.
//!
//! Owns reading that document with quick-xml. It treats `Server` headers nmap saw as banners
//! (matched by the catalog), and an OS class vendor of 95% accuracy or more as a maker's name
//! (publisher role, `likely` at most). nmap's own MAC vendor string and service product names
//! are kept for the reader but never matched: the first is a copy of an OUI table delist reads
//! itself, the second is free text ("Hikvision IP camera httpd" names a product family that
//! OEM boxes imitate). It must never follow external entities or DTDs (quick-xml does neither).

use super::{Observed, ParseError};
use crate::Sink;
use delist_core::{Mac, Role};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::path::Path;

/// The largest nmap document read: a /16 scan with scripts is tens of megabytes.
pub const MAX_FILE: u64 = 1 << 30;
/// Nesting deeper than this is no nmap output.
const MAX_DEPTH: usize = 64;

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.local_name().as_ref() == name).map(|a| {
        a.unescape_value().map(|v| v.into_owned()).unwrap_or_else(|_| String::from_utf8_lossy(&a.value).into_owned())
    })
}

/// Whether bytes look like nmap XML.
pub fn sniff(head: &[u8]) -> bool {
    let h = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    h.contains("<nmaprun")
}

#[derive(Default)]
struct Port {
    id: String,
    open: bool,
}

/// Parses an nmap XML document into one observation per host. Pure.
pub fn parse(bytes: &[u8]) -> Result<Vec<Observed>, ParseError> {
    parse_from(bytes)
}

/// [`parse`] from a reader, as it reads: only the element being read is held, not the document
/// (a 295 MB scan read whole took 537 MB for its bytes alone).
pub fn parse_from<R: std::io::BufRead>(input: R) -> Result<Vec<Observed>, ParseError> {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut host: Option<Observed> = None;
    let mut port: Option<Port> = None;
    let mut depth = 0usize;
    let mut saw_root = false;
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| ParseError(format!("byte {pos}: malformed XML, expected nmap -oX output: {e}")))?;
        let (e, empty) = match &ev {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"host" => {
                        if let Some(h) = host.take()
                            && out.len() < super::MAX_DEVICES
                        {
                            out.push(h);
                        }
                    }
                    b"port" => {
                        if let (Some(p), Some(h)) = (port.take(), host.as_mut())
                            && p.open
                        {
                            h.port(&p.id);
                        }
                    }
                    _ => {}
                }
                (None, true)
            }
            Event::Eof => break,
            _ => (None, true),
        };
        let Some(e) = e else {
            buf.clear();
            continue;
        };
        if !empty {
            depth += 1;
            if depth > MAX_DEPTH {
                return Err(ParseError(format!("byte {pos}: elements nest deeper than {MAX_DEPTH}")));
            }
        }
        let name = e.local_name();
        match name.as_ref() {
            b"nmaprun" => saw_root = true,
            b"host" => host = Some(Observed::default()),
            _ if !saw_root => {
                return Err(ParseError(format!("byte {pos}: expected an <nmaprun> root (nmap -oX output)")));
            }
            b"address" => {
                if let Some(h) = host.as_mut() {
                    let addr = attr(e, b"addr").unwrap_or_default();
                    match attr(e, b"addrtype").as_deref() {
                        Some("mac") => {
                            h.mac = Mac::parse(&addr);
                            if let Some(v) = attr(e, b"vendor") {
                                h.field("nmap.mac_vendor", &v, Role::Other);
                            }
                        }
                        _ => h.ip(&addr),
                    }
                }
            }
            b"hostname" => {
                if let (Some(h), Some(n)) = (host.as_mut(), attr(e, b"name")) {
                    h.hostname("nmap.hostname", &n);
                }
            }
            b"port" => {
                let id =
                    format!("{}/{}", attr(e, b"portid").unwrap_or_default(), attr(e, b"protocol").unwrap_or_default());
                port = Some(Port { id, open: false });
            }
            b"state" => {
                if let Some(p) = port.as_mut() {
                    p.open = attr(e, b"state").as_deref() == Some("open");
                }
            }
            b"service" => {
                if let Some(h) = host.as_mut() {
                    for (a, f) in [
                        (&b"product"[..], "nmap.service.product"),
                        (b"version", "nmap.service.version"),
                        (b"extrainfo", "nmap.service.extrainfo"),
                        (b"devicetype", "nmap.service.devicetype"),
                    ] {
                        if let Some(v) = attr(e, a) {
                            h.field(f, &v, Role::Other);
                        }
                    }
                }
            }
            b"script" => {
                if let Some(h) = host.as_mut() {
                    let id = attr(e, b"id").unwrap_or_default();
                    let output = attr(e, b"output").unwrap_or_default();
                    match id.as_str() {
                        "http-server-header" => {
                            for line in output.lines().map(str::trim).filter(|l| !l.is_empty()) {
                                h.banner("nmap.http-server-header", line);
                            }
                        }
                        "upnp-info" => {
                            for line in output.lines().map(str::trim) {
                                if let Some(s) = line.strip_prefix("Server: ") {
                                    h.banner("nmap.upnp-info.server", s);
                                } else if let Some(m) = line.strip_prefix("Manufacturer: ") {
                                    h.field("upnp.manufacturer", m, Role::Publisher);
                                } else if let Some(m) = line.strip_prefix("Model Name: ") {
                                    h.field("upnp.model_name", m, Role::Other);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            b"osmatch" => {
                if let (Some(h), Some(n)) = (host.as_mut(), attr(e, b"name")) {
                    h.field("nmap.os.match", &n, Role::Other);
                }
            }
            b"osclass" => {
                if let Some(h) = host.as_mut() {
                    let accuracy: u32 = attr(e, b"accuracy").and_then(|a| a.parse().ok()).unwrap_or(0);
                    if let Some(v) = attr(e, b"vendor") {
                        let role = if accuracy >= 95 { Role::Publisher } else { Role::Other };
                        h.field("nmap.os.vendor", &v, role);
                    }
                }
            }
            _ => {}
        }
        if empty && name.as_ref() == b"port" {
            port = None;
        }
        buf.clear();
    }
    if !saw_root {
        return Err(ParseError("expected an <nmaprun> root (nmap -oX output), found none".into()));
    }
    if host.is_some() {
        return Err(ParseError("the document ends inside a <host> (truncated nmap output?)".into()));
    }
    Ok(out)
}

/// Reads one nmap XML file into `network-device` artifacts, streamed.
pub fn collect_file(path: &Path, target: &str, out: &mut dyn Sink) {
    use std::io::Read;
    let label = super::file_label(path);
    let file = match super::open_capped(path, MAX_FILE) {
        Ok(f) => f,
        Err(e) => return out.error(&label, e),
    };
    let mut input = std::io::BufReader::with_capacity(1 << 16, file.take(MAX_FILE + 1));
    let parsed = parse_from(&mut input);
    if input.into_inner().limit() == 0 {
        return out.error(&label, format!("file grew over the {MAX_FILE}-byte limit while read"));
    }
    match parsed {
        Ok(hosts) => {
            for h in hosts {
                if let Some(a) = h.into_artifact("nmap.mac", &label, target) {
                    out.push(a);
                }
            }
        }
        Err(e) => out.error(&label, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read as it is read: a reader that hands out one byte at a time gives what the whole
    /// document gives, hosts and errors alike.
    #[test]
    fn parsing_from_a_byte_at_a_time_reader_is_parsing_the_document() {
        let xml = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/network/nmap-loopback.xml"))
            .expect("fixture");
        let whole = parse(&xml).expect("parses");
        assert!(!whole.is_empty());
        let streamed = parse_from(std::io::BufReader::with_capacity(1, &xml[..])).expect("parses");
        assert_eq!(format!("{whole:?}"), format!("{streamed:?}"));
        let cut = &xml[..xml.len() / 2];
        let (a, b) =
            (parse(cut).expect_err("cut"), parse_from(std::io::BufReader::with_capacity(1, cut)).expect_err("cut"));
        assert_eq!(a.0, b.0);
    }
}
