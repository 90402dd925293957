//! DHCP lease files: ISC dhcpd (`dhcpd.leases`), dnsmasq (`dnsmasq.leases`) and Kea's memfile
//! CSV (`kea-leases4.csv`, `kea-leases6.csv`), told apart by content. A plain CSV of MAC
//! addresses (a `mac` column, optional `ip` and `hostname`) is read here too ([`super::macs`]),
//! so `leases:` takes whatever list of addresses an administrator exports.
//!
//! Owns the lease-file grammars: each lease becomes one observation of its client's MAC, with
//! the IP it was given, the hostname it sent and (ISC) its vendor class. Several leases of one
//! MAC are one device. It must never attribute a device by its hostname or vendor class: those
//! are written by the client and kept for the reader, not matched.
//!
//! The ISC grammar is read by a small tokenizer written here: no crate reads dhcpd.leases, and
//! the part delist needs (`lease ADDR { … }` blocks of `;`-terminated statements with quoted
//! strings) is a few dozen lines.

use super::{Observed, ParseError};
use crate::Sink;
use delist_core::{Mac, Role};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// The largest lease file read: a busy server's file is megabytes, not gigabytes.
pub const MAX_FILE: u64 = 256 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Isc,
    Dnsmasq,
    Kea,
    /// A CSV with a MAC column ([`super::macs`]).
    MacCsv,
}

/// The format of a lease file from its first bytes, or `None`.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(&head[..head.len().min(64 * 1024)]);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if first.starts_with("address,") && (first.contains(",hwaddr") || first.contains(",duid")) {
        return Some(Format::Kea);
    }
    if text.lines().any(|l| {
        let l = l.trim_start();
        (l.starts_with("lease ") && l.trim_end().ends_with('{'))
            || l.starts_with("server-duid ")
            || l.starts_with("authoring-byte-order ")
    }) {
        return Some(Format::Isc);
    }
    let toks: Vec<&str> = first.split_whitespace().collect();
    if (toks.len() == 5 && toks[0].bytes().all(|b| b.is_ascii_digit())) || (toks.len() == 2 && toks[0] == "duid") {
        return Some(Format::Dnsmasq);
    }
    if super::macs::has_mac_column(first) {
        return Some(Format::MacCsv);
    }
    None
}

/// One device per MAC, in the order first seen; leases without an Ethernet address are skipped.
fn by_mac(leases: Vec<Observed>) -> Vec<Observed> {
    let mut order: Vec<Observed> = Vec::new();
    let mut index: HashMap<Mac, usize> = HashMap::new();
    for l in leases {
        let Some(m) = l.mac else { continue };
        match index.get(&m) {
            Some(i) => order[*i].absorb(l),
            None => {
                if order.len() >= super::MAX_DEVICES {
                    break;
                }
                index.insert(m, order.len());
                order.push(l);
            }
        }
    }
    order
}

/// Parses a lease file of any known format. Pure.
pub fn parse(bytes: &[u8]) -> Result<(Format, Vec<Observed>), ParseError> {
    let format = detect(bytes).ok_or_else(|| {
        ParseError(
            "not a lease file delist reads: expected ISC dhcpd.leases (`lease ADDR {` blocks), dnsmasq leases \
             (`EXPIRY MAC IP HOSTNAME CLIENT-ID` lines), Kea memfile CSV (`address,hwaddr,…` header) or a CSV with \
             a mac column"
                .into(),
        )
    })?;
    let text =
        std::str::from_utf8(bytes).map_err(|e| ParseError(format!("not UTF-8 text at byte {}", e.valid_up_to())))?;
    let obs = match format {
        Format::Isc => parse_isc(text)?,
        Format::Dnsmasq => parse_dnsmasq(text)?,
        Format::Kea => parse_kea(text)?,
        Format::MacCsv => return super::macs::parse(text).map(|o| (format, o)),
    };
    Ok((format, by_mac(obs)))
}

/// One token of the ISC grammar: its line, its text (borrowed unless a quoted string held an
/// escape), and whether it was quoted (a quoted `"{"` is a value, not a brace).
type Token<'a> = (usize, Cow<'a, str>, bool);

/// Tokens of the ISC grammar: words, quoted strings (with `\"` escapes), `{`, `}` and `;`.
///
/// An iterator, not a list: a 58 MB file holds ~14 million tokens, and a list of them took
/// 671 MB; the parser holds only the statement it is reading.
struct IscTokens<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> IscTokens<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, pos: 0, line: 1 }
    }
}

impl<'a> Iterator for IscTokens<'a> {
    type Item = Result<Token<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        loop {
            // The grammar's delimiters are all ASCII, so byte positions at them are char boundaries.
            let c = *bytes.get(self.pos)?;
            match c {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b'#' => match memchr_newline(bytes, self.pos) {
                    Some(n) => {
                        self.pos = n + 1;
                        self.line += 1;
                    }
                    None => self.pos = bytes.len(),
                },
                b'{' | b'}' | b';' => {
                    let t = &self.text[self.pos..self.pos + 1];
                    self.pos += 1;
                    return Some(Ok((self.line, Cow::Borrowed(t), false)));
                }
                b'"' => return Some(self.quoted()),
                _ => {
                    let rest = &self.text[self.pos..];
                    let ch = rest.chars().next()?;
                    if ch.is_whitespace() {
                        self.pos += ch.len_utf8();
                        continue;
                    }
                    let len = rest
                        .char_indices()
                        .find(|&(_, n)| n.is_whitespace() || matches!(n, '{' | '}' | ';' | '"'))
                        .map_or(rest.len(), |(i, _)| i);
                    self.pos += len;
                    return Some(Ok((self.line, Cow::Borrowed(&rest[..len]), false)));
                }
            }
        }
    }
}

impl<'a> IscTokens<'a> {
    /// A quoted string from the `"` at `pos`: borrowed whole unless it holds a `\` escape.
    fn quoted(&mut self) -> Result<Token<'a>, ParseError> {
        let start = self.line;
        let body = &self.text[self.pos + 1..];
        let mut owned: Option<String> = None;
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += 1 + i + 1;
                    let s = owned.map_or(Cow::Borrowed(&body[..i]), Cow::Owned);
                    return Ok((start, s, true));
                }
                '\\' => {
                    let s = owned.get_or_insert_with(|| body[..i].to_string());
                    if let Some((_, n)) = chars.next() {
                        if n == '\n' {
                            self.line += 1;
                        }
                        s.push(n);
                    }
                }
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    if let Some(s) = owned.as_mut() {
                        s.push(c);
                    }
                }
            }
        }
        // Nothing follows an unterminated string: the iterator ends after this error.
        self.pos = self.text.len();
        Err(ParseError(format!("line {start}: unterminated quoted string")))
    }
}

/// The position of the next `\n` at or after `from`.
fn memchr_newline(bytes: &[u8], from: usize) -> Option<usize> {
    bytes.get(from..)?.iter().position(|&b| b == b'\n').map(|i| from + i)
}

fn parse_isc(text: &str) -> Result<Vec<Observed>, ParseError> {
    let mut toks = IscTokens::new(text);
    let mut out = Vec::new();
    // The top-level statement read so far (up to its `;` or `{`).
    let mut head: Vec<Token<'_>> = Vec::new();
    while let Some(t) = toks.next() {
        let t = t?;
        match (t.1.as_ref(), t.2) {
            (";", false) | ("}", false) => head.clear(),
            ("{", false) => {
                if let [(line, lease, false), (_, addr, _)] = head.as_slice()
                    && lease == "lease"
                {
                    out.push(isc_lease(&mut toks, *line, addr)?);
                } else {
                    // Any other block (`host`, `failover peer`, …): skipped whole.
                    let mut depth = 1usize;
                    while depth > 0 {
                        let Some(t) = toks.next() else { break };
                        match t? {
                            (_, b, false) if b == "{" => depth += 1,
                            (_, b, false) if b == "}" => depth -= 1,
                            _ => {}
                        }
                    }
                }
                head.clear();
            }
            _ => head.push(t),
        }
    }
    Ok(out)
}

/// The statements of one `lease ADDR { … }` block, after its `{`.
fn isc_lease(toks: &mut IscTokens<'_>, line: usize, addr: &str) -> Result<Observed, ParseError> {
    let mut o = Observed::default();
    o.ip(addr);
    let mut stmt: Vec<Token<'_>> = Vec::new();
    let mut depth = 1usize;
    loop {
        let Some(t) = toks.next() else {
            return Err(ParseError(format!("line {line}: lease {addr} has no closing `}}`")));
        };
        let t = t?;
        match (t.1.as_ref(), t.2) {
            ("{", false) => depth += 1,
            ("}", false) => {
                depth -= 1;
                stmt.clear();
                if depth == 0 {
                    return Ok(o);
                }
            }
            (";", false) => {
                isc_statement(&stmt, &mut o, t.0)?;
                stmt.clear();
            }
            _ => stmt.push(t),
        }
    }
}

fn isc_statement(stmt: &[Token<'_>], o: &mut Observed, line: usize) -> Result<(), ParseError> {
    let words: Vec<&str> = stmt.iter().map(|t| t.1.as_ref()).collect();
    match words.as_slice() {
        ["hardware", "ethernet", mac] => {
            let m = Mac::parse(mac).ok_or_else(|| {
                ParseError(format!(
                    "line {line}: expected a MAC address after `hardware ethernet`, found {:?}",
                    super::clean(mac)
                ))
            })?;
            o.mac = Some(m);
        }
        ["client-hostname", name] => o.hostname("leases.hostname", name),
        ["set", "vendor-class-identifier", "=", v] | ["option", "vendor-class-identifier", v] => {
            o.field("dhcp.vendor_class", v, Role::Other)
        }
        _ => {}
    }
    Ok(())
}

fn parse_dnsmasq(text: &str) -> Result<Vec<Observed>, ParseError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let toks: Vec<&str> = line.split_whitespace().collect();
        match toks.as_slice() {
            [] | ["duid", _] => {}
            [expiry, mac, ip, host, _client] if expiry.bytes().all(|b| b.is_ascii_digit()) => {
                // DHCPv6 lines carry an IAID where v4 lines carry a MAC: no device address.
                let Some(m) = Mac::parse(mac) else { continue };
                let mut o = Observed::of_mac(m);
                o.ip(ip);
                o.hostname("leases.hostname", host);
                out.push(o);
            }
            _ => {
                return Err(ParseError(format!(
                    "line {}: expected `EXPIRY MAC IP HOSTNAME CLIENT-ID` (dnsmasq leases), found {:?}",
                    n + 1,
                    super::clean(line)
                )));
            }
        }
    }
    Ok(out)
}

fn parse_kea(text: &str) -> Result<Vec<Observed>, ParseError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|e| ParseError(format!("Kea CSV header: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (addr, hw, host) = (col("address"), col("hwaddr"), col("hostname"));
    let Some(hw) = hw else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ParseError(format!("Kea CSV line {}: {e}", e.position().map_or(0, |p| p.line()))))?;
        let Some(m) = rec.get(hw).and_then(Mac::parse) else { continue };
        let mut o = Observed::of_mac(m);
        if let Some(ip) = addr.and_then(|i| rec.get(i)) {
            o.ip(ip);
        }
        // Kea escapes commas in its CSV values as `&#x2c`.
        if let Some(h) = host.and_then(|i| rec.get(i)) {
            o.hostname("leases.hostname", &h.replace("&#x2c", ","));
        }
        out.push(o);
    }
    Ok(out)
}

/// Reads one lease file into `network-device` artifacts.
pub fn collect_file(path: &Path, target: &str, out: &mut dyn Sink) {
    let label = super::file_label(path);
    let bytes = match super::read_capped(path, MAX_FILE) {
        Ok(b) => b,
        Err(e) => return out.error(&label, e),
    };
    match parse(&bytes) {
        Ok((format, devices)) => {
            let field = if format == Format::MacCsv { "csv.mac" } else { "leases.hardware" };
            for d in devices {
                if let Some(a) = d.into_artifact(field, &label, target) {
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

    #[test]
    fn isc_blocks_statements_and_quotes() {
        let text = "# comment\nauthoring-byte-order little-endian;\nserver-duid \"\\000\\001\";\n\
            lease 10.0.0.5 {\n  starts 4 2026/11/26 10:00:00;\n  binding state active;\n  hardware ethernet 44:47:cc:1:2:3;\n  \
            uid \"\\001DG\\314\\001\\002\\003\";\n  set vendor-class-identifier = \"udhcp 1.19\";\n  client-hostname \"cam;1\";\n}\n\
            lease 10.0.0.6 {\n  hardware ethernet 44:47:cc:01:02:03;\n}\nhost x { fixed-address 1.2.3.4; }\n";
        let (f, devs) = parse(text.as_bytes()).expect("parses");
        assert_eq!(f, Format::Isc);
        assert_eq!(devs.len(), 1);
        assert_eq!(devs[0].ips, vec!["10.0.0.5", "10.0.0.6"]);
        assert_eq!(devs[0].hostname.as_deref(), Some("cam;1"));
        assert!(devs[0].fields.iter().any(|f| f.field == "dhcp.vendor_class" && f.value == "udhcp 1.19"));
    }

    #[test]
    fn isc_tokens_borrow_the_text_unless_a_quote_holds_an_escape() {
        let toks: Vec<Token<'_>> = IscTokens::new("lease 10.0.0.5 { # note\n uid \"a\\\"b\"; x \"plain\";\n}")
            .map(|t| t.expect("token"))
            .collect();
        let shown: Vec<(usize, &str, bool, bool)> =
            toks.iter().map(|(l, t, q)| (*l, t.as_ref(), *q, matches!(t, Cow::Borrowed(_)))).collect();
        assert_eq!(
            shown,
            vec![
                (1, "lease", false, true),
                (1, "10.0.0.5", false, true),
                (1, "{", false, true),
                (2, "uid", false, true),
                (2, "a\"b", true, false),
                (2, ";", false, true),
                (2, "x", false, true),
                (2, "plain", true, true),
                (2, ";", false, true),
                (3, "}", false, true),
            ]
        );
        let mut cut = IscTokens::new("x \"open");
        assert!(matches!(cut.next(), Some(Ok(_))));
        assert!(matches!(cut.next(), Some(Err(_))));
        assert!(cut.next().is_none(), "an unterminated string ends the tokens");
        // A quoted `{` is a value: the block is not opened by it.
        let (_, devs) = parse(b"lease 10.0.0.5 {\n client-hostname \"{\";\n hardware ethernet 44:47:cc:01:02:03;\n}\n")
            .expect("parses");
        assert_eq!(devs[0].hostname.as_deref(), Some("{"));
    }

    #[test]
    fn malformed_leases_are_errors() {
        assert!(parse(b"lease 10.0.0.5 {\n hardware ethernet 44:47:cc;\n}\n").is_err());
        // A megabyte MAC token is quoted cut to MAX_VALUE, not whole.
        let long = format!("lease 10.0.0.5 {{\n hardware ethernet {};\n}}\n", "a".repeat(1 << 20));
        let e = parse(long.as_bytes()).expect_err("bad MAC");
        assert!(e.0.len() < super::super::MAX_VALUE + 200, "{} bytes", e.0.len());
        assert!(parse(b"lease 10.0.0.5 {\n hardware ethernet 44:47:cc:01:02:03;\n").is_err());
        assert!(parse(b"lease 10.0.0.5 {\n client-hostname \"x;\n}\n").is_err());
        assert!(parse(b"1764000000 44:47:cc:01:02:03 10.0.0.5 cam1 *\n1764000000 junk\n").is_err());
        assert!(parse(b"hello world\n").is_err());
        assert!(parse(b"").is_err());
    }
}
