//! The active probe of a network range (`delist scan net:CIDR`): only ever when the user names
//! such a target. For each address it asks, over plain TCP and UDP:
//! - each HTTP port (`--ports`, default 80, 8000, 8080): `GET /` for the `Server` header, then
//!   the catalog's known web paths (`http-path` identifiers such as Dahua's `/RPC2_Login`),
//!   each counted only when it answers differently from a path that cannot exist (a web UI that
//!   answers 200 to everything proves nothing);
//! - each TLS port (`--tls-ports`, default 443): a TLS 1.2 ClientHello, reading the server's
//!   certificate subject from its Certificate message, which TLS 1.2 sends in clear (TLS 1.3
//!   servers encrypt it: nothing is learnt from them). No TLS session is completed;
//! - UDP 1900: a unicast SSDP M-SEARCH; a reply's `LOCATION` on the same address is fetched and
//!   read as a UPnP device description (manufacturer, model).
//!
//! Bounds: at most `rate` connection attempts (or datagrams) a second across all workers,
//! `concurrency` hosts at once, `timeout` for every connect, read and reply, 64 KiB read from any
//! answer, and ranges of more than 65,536 addresses refused unless forced. It never sends a
//! credential, never follows a redirect or a `LOCATION` to another address, and never writes to
//! the devices beyond these requests.
//!
//! Owns the probe's requests and its bounds; what an answer means is the matcher's.

use super::Observed;
use crate::Sink;
use delist_core::Role;
use delist_core::catalog::IdKind;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most addresses probed without `--force`: a /16.
pub const MAX_HOSTS: u128 = 1 << 16;
/// The most addresses probed even with `--force`: a /8.
pub const MAX_FORCED: u128 = 1 << 24;
const MAX_ANSWER: u64 = 64 * 1024;

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Connection attempts (and datagrams) per second, across all workers.
    pub rate: u32,
    /// Hosts probed at once.
    pub concurrency: usize,
    /// For every connect, read and reply.
    pub timeout: Duration,
    pub http_ports: Vec<u16>,
    pub tls_ports: Vec<u16>,
    pub upnp: bool,
    /// The known web paths to ask for (the catalog's `http-path` identifiers).
    pub paths: Vec<String>,
    /// Probe ranges larger than [`MAX_HOSTS`] (up to [`MAX_FORCED`]).
    pub force: bool,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            rate: 100,
            concurrency: 32,
            timeout: Duration::from_secs(2),
            http_ports: vec![80, 8000, 8080],
            tls_ports: vec![443],
            upnp: true,
            paths: Vec::new(),
            force: false,
        }
    }
}

/// A network range: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/24`, `fd00::/120`, or a single address (a /32 or /128).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (a, p) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: IpAddr =
            a.parse().map_err(|_| format!("{s:?} is not an address or CIDR range such as 192.168.1.0/24"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("{s:?}: prefix must be 0..={max}"))?
            }
            None => max,
        };
        Ok(Self { addr, prefix })
    }

    fn bits(&self) -> u32 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// How many addresses it holds.
    pub fn size(&self) -> u128 {
        let host_bits = self.bits() - u32::from(self.prefix);
        if host_bits >= 128 { u128::MAX } else { 1u128 << host_bits }
    }

    /// The addresses to probe: every one, less an IPv4 network's network and broadcast
    /// addresses (for prefixes up to /30).
    pub fn hosts(&self) -> impl Iterator<Item = IpAddr> + use<> {
        let bits = self.bits();
        let host_bits = bits - u32::from(self.prefix);
        let base: u128 = match self.addr {
            IpAddr::V4(v) => u128::from(u32::from(v)),
            IpAddr::V6(v) => u128::from(v),
        };
        let mask = if host_bits >= 128 { 0 } else { !((1u128 << host_bits) - 1) };
        let start = base & mask;
        let size = self.size().min(MAX_FORCED);
        let v4 = self.addr.is_ipv4();
        let skip_ends = v4 && host_bits >= 2;
        (0..size).filter(move |i| !(skip_ends && (*i == 0 || *i == size - 1))).map(move |i| {
            let a = start + i;
            if v4 { IpAddr::V4(Ipv4Addr::from(a as u32)) } else { IpAddr::V6(Ipv6Addr::from(a)) }
        })
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Refuses a range larger than the options allow, saying how to go further.
pub fn check(cidr: &Cidr, opts: &ProbeOptions) -> Result<(), String> {
    if opts.rate == 0 || opts.concurrency == 0 || opts.timeout.is_zero() {
        return Err("--rate, --concurrency and --timeout must be above zero".into());
    }
    let n = cidr.size();
    if n > MAX_FORCED {
        return Err(format!("net:{cidr} holds {n} addresses; delist probes at most {MAX_FORCED} (a /8)"));
    }
    if n > MAX_HOSTS && !opts.force {
        return Err(format!(
            "net:{cidr} holds {n} addresses, more than a /16 ({MAX_HOSTS}); narrow the range or pass --force"
        ));
    }
    Ok(())
}

/// Spaces connection attempts `1/rate` seconds apart across every worker.
struct Limiter {
    next: Mutex<Instant>,
    gap: Duration,
}

impl Limiter {
    fn new(rate: u32) -> Self {
        Self { next: Mutex::new(Instant::now()), gap: Duration::from_secs(1) / rate.max(1) }
    }

    fn wait(&self) {
        let at = {
            // A poisoned lock only means another worker panicked; the instant is still valid.
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.gap;
            at
        };
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
    }
}

fn connect(addr: SocketAddr, opts: &ProbeOptions, limiter: &Limiter) -> Option<TcpStream> {
    limiter.wait();
    let s = TcpStream::connect_timeout(&addr, opts.timeout).ok()?;
    s.set_read_timeout(Some(opts.timeout)).ok()?;
    s.set_write_timeout(Some(opts.timeout)).ok()?;
    Some(s)
}

fn read_answer(s: &mut TcpStream, deadline: Instant) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    while (buf.len() as u64) < MAX_ANSWER && Instant::now() < deadline {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n.min(MAX_ANSWER as usize - buf.len())]),
        }
    }
    buf
}

/// One `GET` (HTTP/1.0, connection closed by the server); the status and the whole answer.
fn get(ip: IpAddr, port: u16, path: &str, opts: &ProbeOptions, limiter: &Limiter) -> Option<(u16, Vec<u8>)> {
    let mut s = connect(SocketAddr::new(ip, port), opts, limiter)?;
    let host = match ip {
        IpAddr::V4(v) => v.to_string(),
        IpAddr::V6(v) => format!("[{v}]"),
    };
    let req = format!("GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nUser-Agent: delist-probe\r\nAccept: */*\r\n\r\n");
    s.write_all(req.as_bytes()).ok()?;
    let answer = read_answer(&mut s, Instant::now() + opts.timeout * 2);
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut resp = httparse::Response::new(&mut headers);
    resp.parse(&answer).ok()?;
    Some((resp.code?, answer))
}

/// A TLS 1.2 ClientHello offering common ECDHE and RSA suites, with SNI left out (delist asks
/// an address, not a name).
fn client_hello() -> Vec<u8> {
    let suites: &[u16] = &[0xc02f, 0xc030, 0xc02b, 0xc02c, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
    let mut body = vec![0x03, 0x03];
    body.extend((0..32u8).map(|i| i.wrapping_mul(37)));
    body.push(0);
    body.extend(((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend(s.to_be_bytes());
    }
    body.extend([1, 0]);
    // Extensions: supported_groups (x25519, P-256, P-384), ec_point_formats, signature_algorithms.
    let mut ext = Vec::new();
    ext.extend([0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]);
    ext.extend([0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]);
    let sigs: &[u16] = &[0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0804, 0x0805, 0x0201];
    ext.extend([0x00, 0x0d]);
    ext.extend(((sigs.len() * 2 + 2) as u16).to_be_bytes());
    ext.extend(((sigs.len() * 2) as u16).to_be_bytes());
    for s in sigs {
        ext.extend(s.to_be_bytes());
    }
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut hs = vec![1];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend((hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    rec
}

fn tls(ip: IpAddr, port: u16, o: &mut Observed, opts: &ProbeOptions, limiter: &Limiter) {
    let Some(mut s) = connect(SocketAddr::new(ip, port), opts, limiter) else { return };
    if s.write_all(&client_hello()).is_err() {
        return;
    }
    let deadline = Instant::now() + opts.timeout * 2;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    while (buf.len() as u64) < MAX_ANSWER && Instant::now() < deadline {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        let before = o.fields.len();
        super::pcap::tls_certificate(&buf, o);
        if o.fields.len() > before {
            break;
        }
    }
    if buf.first() == Some(&0x16) {
        o.port(&format!("{port}/tcp"));
    }
}

fn upnp(ip: IpAddr, o: &mut Observed, opts: &ProbeOptions, limiter: &Limiter) {
    let bind: SocketAddr = if ip.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("static address");
    let Ok(sock) = UdpSocket::bind(bind) else { return };
    if sock.set_read_timeout(Some(opts.timeout)).is_err() {
        return;
    }
    let msg = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: upnp:rootdevice\r\n\r\n";
    limiter.wait();
    if sock.send_to(msg.as_bytes(), SocketAddr::new(ip, 1900)).is_err() {
        return;
    }
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + opts.timeout;
    let (n, from) = loop {
        match sock.recv_from(&mut buf) {
            Ok((n, from)) if from.ip() == ip => break (n, from),
            Ok(_) if Instant::now() < deadline => continue,
            _ => return,
        }
    };
    let _ = from;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    let mut location = None;
    for line in text.lines().skip(1) {
        let Some((k, v)) = line.split_once(':') else { continue };
        match k.trim().to_ascii_uppercase().as_str() {
            "SERVER" => o.banner("ssdp.server", v),
            "LOCATION" => {
                o.field("ssdp.location", v, Role::Other);
                location = Some(v.trim().to_string());
            }
            _ => {}
        }
    }
    o.port("1900/udp");
    // Only a description on the address that answered is fetched.
    let Some(loc) = location else { return };
    let Some(rest) = loc.strip_prefix("http://") else { return };
    let (hostport, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let Ok(sa) = hostport.parse::<SocketAddr>().or_else(|_| format!("{hostport}:80").parse::<SocketAddr>()) else {
        return;
    };
    if sa.ip() != ip {
        return;
    }
    if let Some((200, answer)) = get(ip, sa.port(), &path, opts, limiter) {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut resp = httparse::Response::new(&mut headers);
        if let Ok(httparse::Status::Complete(at)) = resp.parse(&answer) {
            super::pcap::upnp_description(&answer[at..], o);
        }
    }
}

/// Probes one address; `None` when nothing answered.
fn probe_host(ip: IpAddr, opts: &ProbeOptions, limiter: &Limiter) -> Option<Observed> {
    let mut o = Observed::of_ip(&ip.to_string());
    for &port in &opts.http_ports {
        let Some((_, root)) = get(ip, port, "/", opts, limiter) else { continue };
        o.port(&format!("{port}/tcp"));
        super::pcap::http_response(&root, &mut o);
        if opts.paths.is_empty() {
            continue;
        }
        let baseline = get(ip, port, "/delist-probe-no-such-path-7f3a", opts, limiter).map(|(c, _)| c);
        for path in &opts.paths {
            if let Some((code, _)) = get(ip, port, path, opts, limiter)
                && code != 404
                && Some(code) != baseline
                && (200..500).contains(&code)
            {
                o.field("http.path", path, Role::Identifier(IdKind::HttpPath));
            }
        }
    }
    for &port in &opts.tls_ports {
        tls(ip, port, &mut o, opts, limiter);
    }
    if opts.upnp {
        upnp(ip, &mut o, opts, limiter);
    }
    (!o.ports.is_empty()).then_some(o)
}

/// Probes every address of the range with `concurrency` workers and pushes what answered.
pub fn collect(cidr: &Cidr, opts: &ProbeOptions, target: &str, out: &mut dyn Sink) {
    let limiter = Limiter::new(opts.rate);
    let hosts = Mutex::new(cidr.hosts());
    let (tx, rx) = std::sync::mpsc::channel::<Observed>();
    std::thread::scope(|s| {
        for _ in 0..opts.concurrency.min(cidr.size().min(1 << 16) as usize).max(1) {
            let tx = tx.clone();
            let (hosts, limiter) = (&hosts, &limiter);
            s.spawn(move || {
                loop {
                    let next = hosts.lock().unwrap_or_else(|e| e.into_inner()).next();
                    let Some(ip) = next else { break };
                    if let Some(o) = probe_host(ip, opts, limiter)
                        && tx.send(o).is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let label = format!("/{cidr}");
        for o in rx {
            if let Some(a) = o.into_artifact("probe.mac", &label, target) {
                out.push(a);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_limits() {
        let c = Cidr::parse("192.168.1.77/24").expect("ok");
        let hosts: Vec<IpAddr> = c.hosts().collect();
        assert_eq!(hosts.len(), 254);
        assert_eq!(hosts[0].to_string(), "192.168.1.1");
        assert_eq!(hosts[253].to_string(), "192.168.1.254");
        assert_eq!(Cidr::parse("127.0.0.2/31").expect("ok").hosts().count(), 2);
        assert_eq!(Cidr::parse("10.0.0.9").expect("ok").hosts().count(), 1);
        assert_eq!(Cidr::parse("fd00::/126").expect("ok").hosts().count(), 4);
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("nope/8").is_err());
        let opts = ProbeOptions::default();
        assert!(check(&Cidr::parse("10.0.0.0/16").expect("ok"), &opts).is_ok());
        let e = check(&Cidr::parse("10.0.0.0/15").expect("ok"), &opts).expect_err("too big");
        assert!(e.contains("--force"), "{e}");
        let forced = ProbeOptions { force: true, ..ProbeOptions::default() };
        assert!(check(&Cidr::parse("10.0.0.0/15").expect("ok"), &forced).is_ok());
        assert!(check(&Cidr::parse("10.0.0.0/7").expect("ok"), &forced).is_err());
        assert!(check(&Cidr::parse("fd00::/64").expect("ok"), &forced).is_err());
    }
}
