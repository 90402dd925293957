//! Packet captures: pcap and pcapng (read with `pcap-parser`, packets sliced with
//! `etherparse`), streamed so a capture of any size is read in constant memory per device.
//!
//! What it reads, per device:
//! - every Ethernet source MAC (the device itself; [`Role::Mac`], matched against the IEEE table);
//! - ARP senders, DHCP (options 12 hostname, 55 parameter request list, 60 vendor class, 50
//!   requested address, the server's `yiaddr`), mDNS answers (host names, service types, TXT
//!   `manufacturer`-like keys) and SSDP/UPnP announcements (`SERVER`, `LOCATION`), which tie an
//!   IP to a MAC because they never cross a router;
//! - HTTP responses (`Server` header, and a UPnP device description in the body: manufacturer,
//!   model) and TLS 1.2 Certificate messages (the server certificate's subject), from TCP
//!   streams reassembled in arrival order up to [`MAX_STREAM`] bytes.
//!
//! HTTP and TLS evidence is kept only for servers at private, link-local or loopback addresses:
//! a capture of someone browsing a vendor's website must not make that website a device on the
//! network. It is keyed by IP and joins the device whose MAC the capture (or another input)
//! places at that IP.
//!
//! Owns the small application-layer readers (DHCP options, DNS records, SSDP headers, TLS
//! records), written here because each is a few bounds-checked lines and no maintained crate
//! reads them from a borrowed slice without allocating per packet. It must never attribute
//! anything and never keep packet payloads beyond the per-stream cap.

use super::{Observed, ParseError};
use crate::Sink;
use delist_core::{Mac, Role};
use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::{Linktype, PcapBlockOwned, PcapError, pcapng::Block};
use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;

/// The reader's buffer; it grows for a larger block up to [`MAX_BLOCK`].
const BUFFER: usize = 1 << 20;
/// The largest block (packet record) accepted: snap lengths are 256 KiB at most in practice.
const MAX_BLOCK: usize = 16 << 20;
/// How much of one TCP stream is kept to find an HTTP header or a TLS Certificate.
pub const MAX_STREAM: usize = 64 * 1024;
/// The most TCP streams followed at once.
const MAX_STREAMS: usize = 4096;

/// Whether bytes start like a capture (pcap in either byte order and resolution, or pcapng).
pub fn sniff(head: &[u8]) -> bool {
    matches!(
        head.get(..4),
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4] | [0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d])
            | Some([0x0a, 0x0d, 0x0d, 0x0a])
    )
}

/// What a capture says, accumulated packet by packet.
#[derive(Default)]
pub struct Capture {
    macs: HashMap<Mac, usize>,
    devices: Vec<Observed>,
    /// Evidence about servers known only by IP (HTTP, TLS).
    by_ip: HashMap<String, Observed>,
    ip_order: Vec<String>,
    streams: HashMap<(IpAddr, u16, IpAddr, u16), Vec<u8>>,
    pub packets: u64,
    overflow: bool,
}

type Key = (IpAddr, u16, IpAddr, u16);

fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => v.is_private() || v.is_loopback() || v.is_link_local(),
        IpAddr::V6(v) => {
            v.is_loopback() || (v.segments()[0] & 0xfe00) == 0xfc00 || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

impl Capture {
    fn device(&mut self, mac: Mac) -> Option<&mut Observed> {
        if let Some(i) = self.macs.get(&mac) {
            return self.devices.get_mut(*i);
        }
        if self.devices.len() >= super::MAX_DEVICES {
            self.overflow = true;
            return None;
        }
        self.macs.insert(mac, self.devices.len());
        self.devices.push(Observed::of_mac(mac));
        self.devices.last_mut()
    }

    fn server(&mut self, ip: IpAddr) -> Option<&mut Observed> {
        if !is_local(ip) {
            return None;
        }
        let k = ip.to_string();
        if !self.by_ip.contains_key(&k) {
            if self.by_ip.len() >= super::MAX_DEVICES {
                return None;
            }
            self.ip_order.push(k.clone());
            self.by_ip.insert(k.clone(), Observed::of_ip(&k));
        }
        self.by_ip.get_mut(&k)
    }

    /// One packet of the given link type.
    pub fn packet(&mut self, linktype: Linktype, data: &[u8]) {
        self.packets += 1;
        let (src, sliced) = match linktype {
            Linktype::ETHERNET => {
                let src = data.get(6..12).and_then(|s| <[u8; 6]>::try_from(s).ok()).map(Mac);
                (src, SlicedPacket::from_ethernet(data).ok())
            }
            Linktype::LINUX_SLL => {
                let s = SlicedPacket::from_linux_sll(data).ok();
                // The SLL header says how long the sender address is; only a 6-byte one is a MAC.
                let src = data
                    .get(4..6)
                    .filter(|l| l == &[0, 6])
                    .and(data.get(6..12))
                    .and_then(|s| <[u8; 6]>::try_from(s).ok())
                    .map(Mac);
                (src, s)
            }
            Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => (None, SlicedPacket::from_ip(data).ok()),
            _ => (None, None),
        };
        let src = src.filter(|m| !m.is_multicast() && !m.is_zero());
        if let Some(m) = src {
            self.device(m);
        }
        let Some(p) = sliced else { return };
        let (sip, dip) = match &p.net {
            Some(NetSlice::Ipv4(v4)) => {
                (IpAddr::V4(v4.header().source_addr()), IpAddr::V4(v4.header().destination_addr()))
            }
            Some(NetSlice::Ipv6(v6)) => {
                (IpAddr::V6(v6.header().source_addr()), IpAddr::V6(v6.header().destination_addr()))
            }
            Some(NetSlice::Arp(arp)) => {
                if arp.hw_addr_size() == 6
                    && arp.proto_addr_size() == 4
                    && let (Ok(hw), Ok(ip)) =
                        (<[u8; 6]>::try_from(arp.sender_hw_addr()), <[u8; 4]>::try_from(arp.sender_protocol_addr()))
                    && ip != [0, 0, 0, 0]
                    && let Some(d) = self.device(Mac(hw))
                {
                    d.ip(&std::net::Ipv4Addr::from(ip).to_string());
                }
                return;
            }
            None => return,
        };
        match &p.transport {
            Some(TransportSlice::Udp(u)) => {
                let (sp, dp, payload) = (u.source_port(), u.destination_port(), u.payload());
                if (sp, dp) == (68, 67) || (sp, dp) == (67, 68) {
                    self.dhcp(payload);
                    // A DHCP server (or relay) answers from the link it serves: its IP is at
                    // the frame's source MAC.
                    if sp == 67
                        && let Some(m) = src
                        && let Some(d) = self.device(m)
                    {
                        d.ip(&sip.to_string());
                    }
                } else if let Some(m) = src {
                    if sp == 5353 {
                        self.mdns(m, sip, payload);
                    } else if sp == 1900 || dp == 1900 {
                        self.ssdp(m, sip, payload);
                    }
                }
            }
            Some(TransportSlice::Tcp(t)) => {
                let payload = t.payload();
                if !payload.is_empty() {
                    self.tcp((sip, t.source_port(), dip, t.destination_port()), payload);
                }
            }
            _ => {}
        }
    }

    fn dhcp(&mut self, b: &[u8]) {
        // BOOTP: op, htype, hlen, hops, xid(4), secs(2), flags(2), ciaddr, yiaddr, siaddr,
        // giaddr (4 each), chaddr(16), sname(64), file(128), magic cookie, options.
        if b.len() < 240 || b[1] != 1 || b[2] != 6 || b[236..240] != [99, 130, 83, 99] {
            return;
        }
        let op = b[0];
        let Ok(chaddr) = <[u8; 6]>::try_from(&b[28..34]) else { return };
        let ip4 = |o: usize| std::net::Ipv4Addr::new(b[o], b[o + 1], b[o + 2], b[o + 3]);
        let (ciaddr, yiaddr) = (ip4(12), ip4(16));
        let mut opts: Vec<(u8, &[u8])> = Vec::new();
        let mut i = 240;
        while i < b.len() {
            let code = b[i];
            if code == 0 {
                i += 1;
                continue;
            }
            if code == 255 {
                break;
            }
            let Some(&len) = b.get(i + 1) else { break };
            let Some(v) = b.get(i + 2..i + 2 + len as usize) else { break };
            opts.push((code, v));
            i += 2 + len as usize;
        }
        let opt = |c: u8| opts.iter().find(|(k, _)| *k == c).map(|(_, v)| *v);
        let msg_type = opt(53).and_then(|v| v.first().copied());
        let Some(d) = self.device(Mac(chaddr)) else { return };
        if op == 1 {
            if let Some(h) = opt(12) {
                d.hostname("dhcp.hostname", &String::from_utf8_lossy(h));
            }
            if let Some(v) = opt(60) {
                d.field("dhcp.vendor_class", &String::from_utf8_lossy(v), Role::Other);
            }
            if let Some(p) = opt(55) {
                let list: Vec<String> = p.iter().map(u8::to_string).collect();
                d.field("dhcp.param_list", &list.join(","), Role::Other);
            }
            if let Some(r) = opt(50).filter(|r| r.len() == 4) {
                d.ip(&std::net::Ipv4Addr::new(r[0], r[1], r[2], r[3]).to_string());
            } else if !ciaddr.is_unspecified() {
                d.ip(&ciaddr.to_string());
            }
        } else if op == 2 && msg_type == Some(5) && !yiaddr.is_unspecified() {
            d.ip(&yiaddr.to_string());
        }
    }

    fn mdns(&mut self, mac: Mac, sip: IpAddr, b: &[u8]) {
        let Some(records) = dns_records(b) else { return };
        let Some(d) = self.device(mac) else { return };
        d.ip(&sip.to_string());
        for r in records {
            match r.rtype {
                1 | 28 => {
                    if let Some(h) = r.name.strip_suffix(".local") {
                        d.hostname("mdns.hostname", h);
                    }
                }
                12 => d.field("mdns.service", &r.name, Role::Other),
                16 => {
                    for kv in r.txt {
                        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
                        let role = match k.to_ascii_lowercase().as_str() {
                            "manufacturer" | "mfg" | "usb_mfg" | "vendor" => Role::Publisher,
                            _ => Role::Other,
                        };
                        d.field(&format!("mdns.txt.{k}"), v, role);
                    }
                }
                _ => {}
            }
        }
    }

    fn ssdp(&mut self, mac: Mac, sip: IpAddr, b: &[u8]) {
        let text = String::from_utf8_lossy(&b[..b.len().min(4096)]);
        let first = text.lines().next().unwrap_or("");
        if !(first.starts_with("NOTIFY") || first.starts_with("HTTP/1.") || first.starts_with("M-SEARCH")) {
            return;
        }
        let Some(d) = self.device(mac) else { return };
        d.ip(&sip.to_string());
        for line in text.lines().skip(1) {
            let Some((k, v)) = line.split_once(':') else { continue };
            match k.trim().to_ascii_uppercase().as_str() {
                "SERVER" => d.banner("ssdp.server", v),
                "LOCATION" => d.field("ssdp.location", v, Role::Other),
                "NT" | "ST" if !first.starts_with("M-SEARCH") => d.field("ssdp.type", v, Role::Other),
                _ => {}
            }
        }
    }

    fn tcp(&mut self, key: Key, payload: &[u8]) {
        let starts = payload.starts_with(b"HTTP/1.") || (payload.len() > 5 && payload[0] == 0x16 && payload[1] == 3);
        let follow = starts && is_local(key.0) && self.streams.len() < MAX_STREAMS;
        if !(self.streams.contains_key(&key) || follow) {
            return;
        }
        let buf = self.streams.entry(key).or_default();
        let room = MAX_STREAM.saturating_sub(buf.len());
        buf.extend_from_slice(&payload[..payload.len().min(room)]);
        let full = buf.len() >= MAX_STREAM;
        let done = if buf.starts_with(b"HTTP/1.") { http_done(buf) } else { tls_done(buf) };
        if (done || full)
            && let Some(b) = self.streams.remove(&key)
        {
            self.stream(key, &b);
        }
    }

    fn stream(&mut self, key: Key, b: &[u8]) {
        let (ip, port) = (key.0, key.1);
        let Some(o) = self.server(ip) else { return };
        o.port(&format!("{port}/tcp"));
        if b.starts_with(b"HTTP/1.") {
            http_response(b, o);
        } else {
            tls_certificate(b, o);
        }
    }

    /// Every device seen: MAC-keyed ones first; IP-keyed server evidence joins the device the
    /// capture places at that IP when exactly one is there.
    pub fn finish(mut self) -> (Vec<Observed>, bool) {
        let rest: Vec<(Key, Vec<u8>)> = self.streams.drain().collect();
        for (k, b) in rest {
            self.stream(k, &b);
        }
        let mut at: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, d) in self.devices.iter().enumerate() {
            for ip in &d.ips {
                at.entry(ip.clone()).or_default().push(i);
            }
        }
        let mut leftover = Vec::new();
        for ip in self.ip_order {
            let Some(o) = self.by_ip.remove(&ip) else { continue };
            match at.get(&ip).map(Vec::as_slice) {
                Some([i]) => self.devices[*i].absorb(o),
                _ => leftover.push(o),
            }
        }
        self.devices.extend(leftover);
        (self.devices, self.overflow)
    }
}

/// Whether a buffered HTTP response has its headers and whole (or capped) body.
fn http_done(b: &[u8]) -> bool {
    let Some(end) = b.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    if resp.parse(b).is_err() {
        return true;
    }
    let len = resp
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse::<usize>().ok());
    let xml = resp.headers.iter().any(|h| {
        h.name.eq_ignore_ascii_case("content-type")
            && String::from_utf8_lossy(h.value).to_ascii_lowercase().contains("xml")
    });
    // Only a description (XML) body is worth waiting for.
    !xml || len.is_some_and(|l| b.len() >= end + 4 + l)
}

/// The `Server` header and, for an XML body, a UPnP device description.
pub fn http_response(b: &[u8], o: &mut Observed) {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    let Ok(httparse::Status::Complete(body_at)) = resp.parse(b) else { return };
    for h in resp.headers.iter() {
        if h.name.eq_ignore_ascii_case("server") {
            o.banner("http.server", &String::from_utf8_lossy(h.value));
        }
    }
    if let Some(body) = b.get(body_at..) {
        upnp_description(body, o);
    }
}

/// Reads a UPnP device description (`<root xmlns="urn:schemas-upnp-org:device-1-0">`): the
/// root device's manufacturer (publisher role), model and friendly name.
pub fn upnp_description(xml: &[u8], o: &mut Observed) {
    if !xml.windows(26).any(|w| w == b"urn:schemas-upnp-org:devic") {
        return;
    }
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut current: Option<&'static str> = None;
    let mut devices = 0;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) => {
                current = match e.local_name().as_ref() {
                    b"device" => {
                        devices += 1;
                        None
                    }
                    // Embedded devices repeat these fields; the root device's are the box's.
                    _ if devices > 1 => None,
                    b"manufacturer" => Some("upnp.manufacturer"),
                    b"manufacturerURL" => Some("upnp.manufacturer_url"),
                    b"modelName" => Some("upnp.model_name"),
                    b"modelNumber" => Some("upnp.model_number"),
                    b"friendlyName" => Some("upnp.friendly_name"),
                    _ => None,
                }
            }
            Ok(quick_xml::events::Event::Text(t)) => {
                if let (Some(f), Ok(v)) = (current, t.unescape()) {
                    let role = match f {
                        "upnp.manufacturer" => Role::Publisher,
                        "upnp.manufacturer_url" => Role::Homepage,
                        _ => Role::Other,
                    };
                    o.field(f, &v, role);
                }
            }
            Ok(quick_xml::events::Event::End(_)) => current = None,
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
}

/// Whether a buffered TLS stream holds its Certificate message or has passed the handshake.
fn tls_done(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(h) = b.get(i..i + 5) {
        let len = u16::from_be_bytes([h[3], h[4]]) as usize;
        if h[0] != 0x16 {
            return true;
        }
        let Some(rec) = b.get(i + 5..i + 5 + len) else { return false };
        if rec.first() == Some(&11) {
            return true;
        }
        i += 5 + len;
    }
    false
}

/// The subject of the first certificate of a TLS 1.2 Certificate handshake message found in the
/// stream's handshake records (reassembled across records).
pub fn tls_certificate(b: &[u8], o: &mut Observed) {
    let mut hs: Vec<u8> = Vec::new();
    let mut i = 0;
    while let Some(h) = b.get(i..i + 5) {
        let len = u16::from_be_bytes([h[3], h[4]]) as usize;
        if h[0] != 0x16 {
            break;
        }
        let end = (i + 5 + len).min(b.len());
        hs.extend_from_slice(&b[i + 5..end]);
        i += 5 + len;
    }
    let mut j = 0;
    while let Some(h) = hs.get(j..j + 4) {
        let len = u32::from_be_bytes([0, h[1], h[2], h[3]]) as usize;
        if h[0] == 11 {
            // certificate_list length (3), then the first certificate's length (3) and DER.
            let Some(l) = hs.get(j + 7..j + 10) else { return };
            let clen = u32::from_be_bytes([0, l[0], l[1], l[2]]) as usize;
            let Some(der) = hs.get(j + 10..j + 10 + clen) else { return };
            certificate_subject(der, o);
            return;
        }
        j += 4 + len;
    }
}

fn certificate_subject(der: &[u8], o: &mut Observed) {
    use der::Decode;
    let Ok(cert) = x509_cert::Certificate::from_der(der) else { return };
    let subject = &cert.tbs_certificate.subject;
    o.field("tls.subject", &crate::x509_name::to_string(subject), Role::Other);
    for rdn in subject.0.iter() {
        for atv in rdn.0.iter() {
            let value = der::asn1::Utf8StringRef::try_from(&atv.value)
                .map(|s| s.as_str().to_string())
                .or_else(|_| der::asn1::PrintableStringRef::try_from(&atv.value).map(|s| s.as_str().to_string()));
            let Ok(value) = value else { continue };
            match atv.oid.to_string().as_str() {
                "2.5.4.10" => o.field("tls.subject.organization", &value, Role::Publisher),
                "2.5.4.3" => o.field("tls.subject.common_name", &value, Role::Other),
                _ => {}
            }
        }
    }
}

struct Record {
    name: String,
    rtype: u16,
    txt: Vec<String>,
}

/// A DNS name at `at`, following compression pointers (at most 16 jumps, 255 bytes).
fn dns_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut name = String::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at)? as usize;
        if len == 0 {
            return Some((name, end.unwrap_or(at + 1)));
        }
        if len & 0xc0 == 0xc0 {
            let ptr = ((len & 0x3f) << 8) | *msg.get(at + 1)? as usize;
            end.get_or_insert(at + 2);
            if ptr >= at {
                return None;
            }
            at = ptr;
            continue;
        }
        let label = msg.get(at + 1..at + 1 + len)?;
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(&String::from_utf8_lossy(label));
        if name.len() > 255 {
            return None;
        }
        at += 1 + len;
    }
    None
}

/// The answer, authority and additional records of a DNS message; `None` if malformed.
fn dns_records(msg: &[u8]) -> Option<Vec<Record>> {
    let h = msg.get(..12)?;
    let count = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]) as usize;
    let (qd, rr) = (count(4), count(6) + count(8) + count(10));
    let mut at = 12;
    for _ in 0..qd.min(64) {
        let (_, next) = dns_name(msg, at)?;
        at = next + 4;
    }
    let mut out = Vec::new();
    for _ in 0..rr.min(256) {
        let (name, next) = dns_name(msg, at)?;
        let f = msg.get(next..next + 10)?;
        let rtype = u16::from_be_bytes([f[0], f[1]]);
        let rdlen = u16::from_be_bytes([f[8], f[9]]) as usize;
        let rdata = msg.get(next + 10..next + 10 + rdlen)?;
        let mut txt = Vec::new();
        if rtype == 16 {
            let mut k = 0;
            while let Some(&l) = rdata.get(k) {
                let Some(s) = rdata.get(k + 1..k + 1 + l as usize) else { break };
                txt.push(String::from_utf8_lossy(s).into_owned());
                k += 1 + l as usize;
            }
        }
        out.push(Record { name, rtype, txt });
        at = next + 10 + rdlen;
    }
    Some(out)
}

fn pcap_error(e: &PcapError<&[u8]>, at: u64) -> ParseError {
    ParseError(match e {
        PcapError::HeaderNotRecognized => "not a capture: expected a pcap or pcapng header".into(),
        PcapError::Incomplete(_) | PcapError::UnexpectedEof => {
            format!("capture ends inside a record at byte {at} (truncated file)")
        }
        PcapError::BufferTooSmall => format!("record at byte {at} is larger than {MAX_BLOCK} bytes (bad length)"),
        PcapError::ReadError => format!("read error at byte {at}"),
        other => format!("malformed record at byte {at}: expected a pcap/pcapng block ({other:?})"),
    })
}

/// Whether `data` starts with a pcapng Process Information Block whose Block Total Length is under
/// 12, in either byte order.
///
/// pcap-parser 0.17 checks that block's length against 4 bytes instead of the 12 every pcapng
/// block has (type, length, trailing length), then subtracts 12: a PIB claiming 4 to 11 bytes
/// underflows, a panic where overflow checks are on and a 4 GiB read request elsewhere. The
/// spec makes such a block malformed, so [`read`] refuses it before the parser sees it. Found
/// by the `pcap` fuzz target (`fuzz/regressions/pcap/crash-dc3d0ed0…`). Both byte orders are
/// checked because the type's byte order is the section's: a length under 12 read the other way
/// round is 16 MiB or more, beyond [`MAX_BLOCK`] anyway, so no readable block is refused.
/// Every other block parser of pcap-parser 0.17 checks at least 12 bytes; drop this check when
/// its `ProcessInformationBlock::HDR_SZ` does too.
fn short_process_information_block(data: &[u8]) -> bool {
    let Some(h) = data.get(..8) else { return false };
    let pib = h[..4] == [0x01, 0, 0, 0x80] || h[..4] == [0x80, 0, 0, 0x01];
    let len = [h[4], h[5], h[6], h[7]];
    pib && (u32::from_le_bytes(len) < 12 || u32::from_be_bytes(len) < 12)
}

/// Reads a whole capture from a reader into `cap`. Errors name the byte offset; what was read
/// before an error stays in `cap`.
/// `buffer` is the reader's starting buffer (it grows for larger blocks).
pub fn read(reader: impl Read + Send, buffer: usize, cap: &mut Capture) -> Result<(), ParseError> {
    let mut r = match pcap_parser::create_reader(buffer, reader) {
        Ok(r) => r,
        Err(PcapError::Eof) => return Err(ParseError("empty file: expected a pcap or pcapng header".into())),
        Err(e) => return Err(pcap_error(&e, 0)),
    };
    let mut legacy = Linktype::ETHERNET;
    let mut interfaces: Vec<Linktype> = Vec::new();
    let mut size = buffer;
    // Set by the first Section Header Block: only pcapng has Process Information Blocks (a legacy
    // record could start with the same bytes as a timestamp).
    let mut ng = false;
    loop {
        let at = r.consumed() as u64;
        if ng && short_process_information_block(r.data()) {
            return Err(ParseError(format!(
                "malformed record at byte {at}: a process information block shorter than 12 bytes"
            )));
        }
        match r.next() {
            Ok((n, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => legacy = h.network,
                    PcapBlockOwned::Legacy(b) => {
                        let len = (b.caplen as usize).min(b.data.len());
                        cap.packet(legacy, &b.data[..len]);
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        ng = true;
                        interfaces.clear();
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(i)) => {
                        if interfaces.len() < 65536 {
                            interfaces.push(i.linktype);
                        }
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(p)) => {
                        let lt = interfaces.get(p.if_id as usize).copied().unwrap_or(Linktype(-1));
                        let len = (p.caplen as usize).min(p.data.len());
                        cap.packet(lt, &p.data[..len]);
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(p)) => {
                        let lt = interfaces.first().copied().unwrap_or(Linktype(-1));
                        let len = (p.origlen as usize).min(p.data.len());
                        cap.packet(lt, &p.data[..len]);
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                r.consume(n);
            }
            Err(PcapError::Eof) => return Ok(()),
            Err(PcapError::Incomplete(_)) => {
                if r.reader_exhausted() {
                    return Err(pcap_error(&PcapError::Incomplete(0), at));
                }
                if let Err(e) = r.refill() {
                    return Err(pcap_error(&e, at));
                }
            }
            Err(PcapError::BufferTooSmall) => {
                if size >= MAX_BLOCK || !r.grow(size * 2) {
                    return Err(pcap_error(&PcapError::BufferTooSmall, at));
                }
                size *= 2;
                if let Err(e) = r.refill() {
                    return Err(pcap_error(&e, at));
                }
            }
            Err(e) => return Err(pcap_error(&e, at)),
        }
    }
}

/// Parses a capture held in memory. Pure.
pub fn parse(bytes: &[u8]) -> Result<Vec<Observed>, ParseError> {
    let mut cap = Capture::default();
    // A small starting buffer: most inputs (and every fuzz input) are small.
    read(bytes, 64 * 1024, &mut cap)?;
    Ok(cap.finish().0)
}

/// Reads one capture file into `network-device` artifacts. A capture broken part-way keeps
/// what was read before the break, and reports the break.
pub fn collect_file(path: &Path, target: &str, out: &mut dyn Sink) {
    let label = super::file_label(path);
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return out.error(&label, format!("cannot read capture: {e}")),
    };
    let mut cap = Capture::default();
    let res = read(file, BUFFER, &mut cap);
    let (devices, overflow) = cap.finish();
    for d in devices {
        if let Some(a) = d.into_artifact("eth.src", &label, target) {
            out.push(a);
        }
    }
    if overflow {
        out.error(&label, format!("more than {} devices; the rest were not read", super::MAX_DEVICES));
    }
    if let Err(e) = res {
        out.error(&label, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/network").join(name)).expect("fixture")
    }

    #[test]
    fn every_truncation_and_bit_flip_is_an_error_or_a_value() {
        for name in ["capture.pcap", "capture.pcapng"] {
            let b = fixture(name);
            let whole = parse(&b).expect("whole capture parses");
            assert_eq!(whole.len(), 6, "{name}");
            for n in (0..b.len()).step_by(5) {
                // Cut mid-record: an error (never a panic); on a record boundary: fewer devices.
                let _ = parse(&b[..n]);
            }
            let cut = parse(&b[..b.len() - 3]);
            assert!(cut.is_err(), "{name}: a cut inside the last record is an error");
            for i in (0..b.len()).step_by(7) {
                let mut f = b.clone();
                f[i] ^= 0x5a;
                let _ = parse(&f);
            }
        }
    }

    #[test]
    fn a_process_information_block_shorter_than_its_header_is_an_error_not_a_panic() {
        let mut b = fixture("capture.pcapng");
        let whole = parse(&b).expect("whole capture parses").len();
        // After the section header: a PIB claiming 8 bytes, in the section's byte order (the
        // fixture is little-endian), then the rest of the capture.
        let shb = u32::from_le_bytes(b[4..8].try_into().expect("4 bytes")) as usize;
        let pib = [0x01, 0, 0, 0x80, 8, 0, 0, 0, 8, 0, 0, 0];
        b.splice(shb..shb, pib);
        let e = parse(&b).expect_err("refused");
        assert!(e.0.contains(&format!("byte {shb}")) && e.0.contains("process information"), "{}", e.0);
        assert!(short_process_information_block(&[0x80, 0, 0, 1, 0, 0, 0, 11]));
        assert!(!short_process_information_block(&[0x80, 0, 0, 1, 0, 0, 0, 12]));
        assert!(!short_process_information_block(&[0x01, 0, 0, 0x80, 12, 0, 0, 0]));
        assert!(!short_process_information_block(&[0x06, 0, 0, 0, 8, 0, 0, 0]));
        // A well-formed PIB (a process id, no options) is read past like any other block.
        let mut ok = fixture("capture.pcapng");
        ok.splice(shb..shb, [0x01, 0, 0, 0x80, 16, 0, 0, 0, 7, 0, 0, 0, 16, 0, 0, 0]);
        assert_eq!(parse(&ok).expect("parses").len(), whole);
    }

    #[test]
    fn dns_names_refuse_forward_and_looping_pointers() {
        // A name that points at itself, and one that points forward.
        let mut m = vec![0u8; 12];
        m.extend_from_slice(&[0xc0, 12]);
        assert!(dns_name(&m, 12).is_none());
        let m2 = [0xc0u8, 5, 0, 0, 0, 0];
        assert!(dns_name(&m2, 0).is_none());
        assert!(dns_records(&[0u8; 5]).is_none());
    }
}
