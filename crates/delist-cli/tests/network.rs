//! End-to-end tests of network evidence: nmap XML, captures, lease files, MAC lists, merging,
//! and the active probe against servers the tests start on loopback.
//!
//! Fixtures live in `crates/delist-collect/tests/fixtures/network/`, with the `make.sh` that
//! made them (nmap and the captures by the real tools).

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn fixture(rel: &str) -> String {
    repo().join("crates/delist-collect/tests/fixtures/network").join(rel).display().to_string()
}

fn delist(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_delist"))
        .args(args)
        .env("DELIST_TODAY", "2026-11-28")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run delist")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (artifact name, vendor, confidence) of every finding, sorted.
fn findings(r: &Value) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["artifact"]["name"].as_str().unwrap_or("").to_string(),
                f["vendor"].as_str().unwrap_or("").to_string(),
                f["confidence"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn t(s: &str, v: &str, c: &str) -> (String, String, String) {
    (s.to_string(), v.to_string(), c.to_string())
}

fn scan(targets: &[String]) -> Value {
    let mut args = vec!["scan", "-o", "json", "--fail-on", "never"];
    args.extend(targets.iter().map(String::as_str));
    let out = delist(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    json(&out)
}

#[test]
fn isc_leases_confirm_by_oui_and_skip_randomised_and_uncovered_macs() {
    let r = scan(&[format!("leases:{}", fixture("dhcpd.leases"))]);
    assert_eq!(findings(&r), vec![t("04:03:12:a1:b2:c3", "hikvision", "confirmed")]);
    let f = &r["findings"][0];
    assert_eq!(f["artifact"]["kind"], "network-device");
    assert_eq!(f["artifact"]["mac"], "04:03:12:a1:b2:c3");
    assert_eq!(f["artifact"]["ip"], "127.0.0.2");
    assert_eq!(f["artifact"]["hostname"], "DS-2CD2042WD");
    assert_eq!(f["evidence"][0]["field"], "leases.hardware");
    assert_eq!(f["evidence"][0]["identifier"], "oui-org:Hangzhou Hikvision Digital Technology Co.,Ltd.");
    assert_eq!(f["evidence"][0]["value"], "04:03:12:a1:b2:c3 (IEEE MA-L 040312)");
    assert_eq!(f["evidence"][0]["strength"], "confirmed");
    assert_eq!(r["summary"]["artifacts"], 3);
    // Detected by content without a scheme, too.
    let r = scan(&[fixture("dhcpd.leases")]);
    assert_eq!(r["targets"][0]["kind"], "leases");
    assert_eq!(findings(&r).len(), 1);
}

#[test]
fn dnsmasq_kea_and_mac_csv() {
    let r = scan(&[fixture("dnsmasq.leases")]);
    assert_eq!(findings(&r), vec![t("08:ed:ed:10:20:30", "dahua", "confirmed")]);
    // Kea: the MA-M block AC64DD5 is ZTE's; its MA-L parent AC64DD belongs to the IEEE's MA-M
    // holders, so ac:64:dd:41:… (another holder) is no finding: the longest prefix wins.
    let r = scan(&[fixture("kea-leases4.csv")]);
    assert_eq!(findings(&r), vec![t("ac:64:dd:51:23:45", "zte", "confirmed")]);
    assert_eq!(r["findings"][0]["evidence"][0]["value"], "ac:64:dd:51:23:45 (IEEE MA-M AC64DD5)");
    assert_eq!(r["findings"][0]["artifact"]["hostname"], "zte-ont, office");
    let r = scan(&[format!("macs:{}", fixture("macs.csv"))]);
    assert_eq!(findings(&r), vec![t("00:18:82:aa:bb:cc", "huawei", "confirmed")]);
    assert_eq!(r["findings"][0]["evidence"][0]["field"], "csv.mac");
}

#[test]
fn nmap_banner_alone_is_likely_and_says_oem() {
    let r = scan(&[format!("nmap:{}", fixture("nmap-loopback.xml"))]);
    assert_eq!(findings(&r), vec![t("127.0.0.2", "hikvision", "likely")]);
    let f = &r["findings"][0];
    assert_eq!(f["artifact"]["banners"], serde_json::json!(["Hikvision-Webs"]));
    assert_eq!(f["artifact"]["ports"], serde_json::json!(["8080/tcp"]));
    assert!(f["artifact"].get("mac").is_none());
    assert_eq!(f["evidence"][0]["identifier"], "banner:Hikvision-Webs");
    assert_eq!(f["evidence"][0]["field"], "nmap.http-server-header");
    assert!(f["notes"][0].as_str().expect("note").contains("OEM equipment"), "{f}");
    assert_eq!(r["summary"]["artifacts"], 2);
}

#[test]
fn one_device_one_finding_across_inputs() {
    let r = scan(&[format!("nmap:{}", fixture("nmap-loopback.xml")), format!("leases:{}", fixture("dhcpd.leases"))]);
    assert_eq!(findings(&r), vec![t("04:03:12:a1:b2:c3", "hikvision", "confirmed")]);
    let f = &r["findings"][0];
    assert_eq!(f["artifact"]["ip"], "127.0.0.2");
    assert_eq!(f["artifact"]["banners"], serde_json::json!(["Hikvision-Webs"]));
    let ids: Vec<&str> =
        f["evidence"].as_array().expect("ev").iter().map(|e| e["identifier"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, vec!["banner:Hikvision-Webs", "oui-org:Hangzhou Hikvision Digital Technology Co.,Ltd."]);
    assert!(f.get("notes").is_none(), "{f}");
    let seen = f["artifact"]["seen_in"].as_array().expect("seen_in");
    assert_eq!(seen.len(), 2);
    // 2 nmap hosts + 3 leases, one of them the same device: 4 artifacts.
    assert_eq!(r["summary"]["artifacts"], 4);
    // The finding id does not depend on which inputs saw the device.
    let alone = scan(&[format!("leases:{}", fixture("dhcpd.leases"))]);
    assert_eq!(alone["findings"][0]["id"], f["id"]);
}

#[test]
fn inventory_lists_devices_with_mac_and_banners() {
    let out = delist(&["inventory", "-o", "json", &format!("nmap:{}", fixture("nmap-loopback.xml"))]);
    assert_eq!(out.status.code(), Some(0));
    let inv = json(&out);
    let arts = inv["artifacts"].as_array().expect("artifacts");
    assert_eq!(arts.len(), 2);
    assert_eq!(arts[1]["name"], "127.0.0.3");
    assert_eq!(arts[1]["banners"], serde_json::json!(["nginx/1.24.0"]));
}

#[test]
fn broken_network_inputs_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("tmp");
    let cases: &[(&str, &[u8])] = &[
        ("nmap", b"<?xml version=\"1.0\"?><nmaprun><host><address addr=\"10.0.0.1\" addrtype=\"ipv4\"/>"),
        ("leases", b"lease 10.0.0.5 {\n  hardware ethernet 44:47:cc;\n}\n"),
        ("macs", b"mac,ip\nnot-a-mac,10.0.0.1\n"),
    ];
    for (scheme, bytes) in cases {
        let p = dir.path().join(format!("bad-{scheme}"));
        std::fs::write(&p, bytes).expect("write");
        let out = delist(&["scan", "-o", "json", &format!("{scheme}:{}", p.display())]);
        assert_eq!(out.status.code(), Some(0), "{scheme}: {}", String::from_utf8_lossy(&out.stderr));
        let r = json(&out);
        assert_eq!(r["summary"]["errors"], 1, "{scheme}: {r}");
        assert!(r["errors"][0]["path"].as_str().expect("path").ends_with(&format!("bad-{scheme}")));
    }
}

#[test]
fn pcap_and_pcapng_find_covered_devices_and_nothing_else() {
    for file in ["capture.pcap", "capture.pcapng"] {
        let r = scan(&[fixture(file)]);
        assert_eq!(r["targets"][0]["kind"], "pcap", "{file}");
        assert_eq!(
            findings(&r),
            vec![
                t("00:18:82:aa:bb:cc", "huawei", "confirmed"),
                t("04:03:12:a1:b2:c3", "hikvision", "confirmed"),
                t("08:ed:ed:10:20:30", "dahua", "confirmed"),
            ],
            "{file}"
        );
        let by_name = |n: &str| {
            r["findings"].as_array().expect("f").iter().find(|f| f["artifact"]["name"] == n).expect("finding").clone()
        };
        let cam = by_name("04:03:12:a1:b2:c3");
        assert_eq!(cam["artifact"]["ip"], "192.168.1.64");
        assert_eq!(cam["artifact"]["hostname"], "DS-2CD2042WD");
        assert_eq!(cam["artifact"]["banners"], serde_json::json!(["App-webs/"]));
        assert_eq!(cam["evidence"][1]["identifier"], "banner:App-webs/");
        let dahua = by_name("08:ed:ed:10:20:30");
        assert_eq!(dahua["evidence"][1]["field"], "upnp.manufacturer");
        assert_eq!(dahua["evidence"][1]["strength"], "likely");
        // The TLS certificate (by IP) joined the router's MAC through its DHCP answer.
        let router = by_name("00:18:82:aa:bb:cc");
        assert_eq!(router["artifact"]["ip"], "192.168.1.1");
        assert_eq!(router["evidence"][1]["field"], "tls.subject.organization");
        // 5 MACs on the wire plus the router of the public server; the public server itself
        // (Server: Hikvision-Webs from 203.0.113.5) is no device, and the randomised MAC with
        // a Hikvision-like prefix (06:03:12:…) is no finding.
        assert_eq!(r["summary"]["artifacts"], 6, "{file}");
        assert_eq!(r["summary"]["errors"], 0, "{file}");
    }
    let out = delist(&["inventory", "-o", "json", &format!("pcap:{}", fixture("capture.pcap"))]);
    let inv = json(&out);
    let phone = inv["artifacts"]
        .as_array()
        .expect("a")
        .iter()
        .find(|a| a["name"] == "06:03:12:a1:b2:c4")
        .expect("phone")
        .clone();
    assert_eq!(phone["hostname"], "Pixel-8");
    assert_eq!(phone["ip"], "192.168.1.77");
}

#[test]
fn broken_captures_keep_what_was_read_and_report_the_break() {
    let dir = tempfile::tempdir().expect("tmp");
    let bytes = std::fs::read(fixture("capture.pcap")).expect("read");
    // Cut inside the last packet record: the first packets are read, the break is reported.
    let cut = dir.path().join("cut.pcap");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).expect("write");
    let out = delist(&["scan", "-o", "json", "--fail-on", "never", &format!("pcap:{}", cut.display())]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["summary"]["errors"], 1);
    assert!(r["errors"][0]["error"].as_str().expect("e").contains("truncated"), "{r}");
    assert_eq!(findings(&r).len(), 3);
    // A record length far past the end of the file (the first record's caplen at byte 32).
    let mut bad = bytes.clone();
    bad[32..36].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let badp = dir.path().join("bad.pcap");
    std::fs::write(&badp, &bad).expect("write");
    let r = json(&delist(&["scan", "-o", "json", "--fail-on", "never", &format!("pcap:{}", badp.display())]));
    assert_eq!(r["summary"]["errors"], 1, "{r}");
    // Not a capture at all.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"this is not a capture").expect("write");
    let r = json(&delist(&["scan", "-o", "json", &format!("pcap:{}", junk.display())]));
    assert!(r["errors"][0]["error"].as_str().expect("e").contains("pcap or pcapng header"), "{r}");
}

/// A tiny HTTP server on a loopback address: `Server:` header, a 200 for `/` and for the paths
/// given, 404 otherwise; serves `/description.xml` when a UPnP manufacturer is given.
fn http_server(
    addr: &str,
    port: u16,
    server: &'static str,
    ok_paths: &'static [&'static str],
    manufacturer: Option<&'static str>,
) {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind((addr, port)).expect("bind loopback");
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).into_owned();
            let path = req.split_whitespace().nth(1).unwrap_or("").to_string();
            let (code, body) = if path == "/description.xml" && manufacturer.is_some() {
                let m = manufacturer.unwrap_or("");
                (
                    200,
                    format!(
                        "<?xml version=\"1.0\"?><root xmlns=\"urn:schemas-upnp-org:device-1-0\"><device><manufacturer>{m}</manufacturer><modelName>M1</modelName></device></root>"
                    ),
                )
            } else if path == "/" || ok_paths.contains(&path.as_str()) {
                (200, "<html></html>".to_string())
            } else {
                (404, "not found".to_string())
            };
            let _ = write!(s, "HTTP/1.0 {code} X\r\nServer: {server}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        }
    });
}

/// Answers an SSDP M-SEARCH on ADDR:1900 with a LOCATION on the same address.
fn ssdp_responder(addr: &'static str, http_port: u16) {
    let sock = std::net::UdpSocket::bind((addr, 1900)).expect("bind udp 1900 on loopback");
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((n, from)) = sock.recv_from(&mut buf) {
            if buf[..n].starts_with(b"M-SEARCH") {
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nST: upnp:rootdevice\r\nSERVER: Linux/3.10 UPnP/1.0 Test/1.0\r\nLOCATION: http://{addr}:{http_port}/description.xml\r\n\r\n"
                );
                let _ = sock.send_to(reply.as_bytes(), from);
            }
        }
    });
}

#[test]
fn net_probe_reads_banners_paths_and_upnp_from_loopback_servers() {
    // A free port, then the same port on the other loopback addresses of the test.
    let port = std::net::TcpListener::bind("127.0.0.13:0").expect("bind").local_addr().expect("addr").port();
    http_server("127.0.0.13", port, "Hikvision-Webs", &[], None);
    http_server("127.0.0.21", port, "nginx/1.24.0", &[], None);
    http_server("127.0.0.14", port, "WebServer", &["/RPC2_Login"], Some("Dahua"));
    ssdp_responder("127.0.0.14", port);
    let ports = port.to_string();
    let out = delist(&[
        "scan",
        "-o",
        "json",
        "--fail-on",
        "never",
        "net:127.0.0.12/30",
        "net:127.0.0.21",
        "--ports",
        &ports,
        "--tls-ports",
        "1",
        "--rate",
        "200",
        "--concurrency",
        "4",
        "--timeout",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let r = json(&out);
    assert_eq!(r["targets"][0]["kind"], "net");
    assert_eq!(findings(&r), vec![t("127.0.0.13", "hikvision", "likely"), t("127.0.0.14", "dahua", "likely")]);
    // .13, .14 (a /30 less its network and broadcast addresses) and .21 answered.
    assert_eq!(r["summary"]["artifacts"], 3);
    let dahua = r["findings"].as_array().expect("f").iter().find(|f| f["vendor"] == "dahua").expect("dahua").clone();
    let ev: Vec<(&str, &str)> = dahua["evidence"]
        .as_array()
        .expect("ev")
        .iter()
        .map(|e| (e["field"].as_str().unwrap_or(""), e["strength"].as_str().unwrap_or("")))
        .collect();
    assert!(ev.contains(&("http.path", "possible")), "{ev:?}");
    assert!(ev.contains(&("upnp.manufacturer", "likely")), "{ev:?}");
    assert_eq!(dahua["artifact"]["banners"], serde_json::json!(["WebServer", "Linux/3.10 UPnP/1.0 Test/1.0"]));
    let hik = r["findings"].as_array().expect("f").iter().find(|f| f["vendor"] == "hikvision").expect("hik").clone();
    assert!(hik["notes"][0].as_str().expect("note").contains("OEM equipment"));
}

#[test]
fn net_probe_refuses_large_ranges_without_force() {
    let out = delist(&["scan", "net:10.0.0.0/15"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    let out = delist(&["scan", "net:10.0.0.0/24", "--rate", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Answers a TLS ClientHello with a TLS 1.2 ServerHello and a Certificate message carrying the
/// fixture certificate (O=Huawei Technologies Co., Ltd.), then closes.
fn tls_responder(addr: &str) -> u16 {
    use std::io::{Read, Write};
    let der = std::fs::read(fixture("tls-cert.der")).expect("cert");
    let l = std::net::TcpListener::bind((addr, 0)).expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 2048];
            if s.read(&mut buf).unwrap_or(0) < 5 || buf[0] != 0x16 {
                continue;
            }
            let mut hello = vec![0x03, 0x03];
            hello.extend([0x11; 32]);
            hello.extend([0x00, 0xc0, 0x2f, 0x00]);
            let u24 = |n: usize| (n as u32).to_be_bytes()[1..].to_vec();
            let mut hs = vec![0x02];
            hs.extend(u24(hello.len()));
            hs.extend(&hello);
            let mut certs = u24(der.len());
            certs.extend(&der);
            let mut body = u24(certs.len());
            body.extend(certs);
            hs.push(0x0b);
            hs.extend(u24(body.len()));
            hs.extend(body);
            let mut rec = vec![0x16, 0x03, 0x03];
            rec.extend((hs.len() as u16).to_be_bytes());
            rec.extend(hs);
            let _ = s.write_all(&rec);
        }
    });
    port
}

#[test]
fn net_probe_reads_a_tls_certificate_subject() {
    let port = tls_responder("127.0.0.31").to_string();
    let out = delist(&[
        "scan",
        "-o",
        "json",
        "--fail-on",
        "never",
        "net:127.0.0.31",
        "--ports",
        "1",
        "--tls-ports",
        &port,
        "--no-upnp",
        "--timeout",
        "1s",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let r = json(&out);
    assert_eq!(findings(&r), vec![t("127.0.0.31", "huawei", "likely")]);
    let f = &r["findings"][0];
    assert_eq!(f["evidence"][0]["field"], "tls.subject.organization");
    assert_eq!(f["evidence"][0]["value"], "Huawei Technologies Co., Ltd.");
    assert_eq!(f["artifact"]["ports"], serde_json::json!([format!("{port}/tcp")]));
}

#[test]
fn banners_match_whole_or_by_product_token_never_inside_other_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let host = |ip: &str, server: &str| {
        format!(
            "<host><address addr=\"{ip}\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>\
             <script id=\"http-server-header\" output=\"{server}\"/></port></ports></host>"
        )
    };
    let xml = format!(
        "<?xml version=\"1.0\"?><nmaprun>{}{}{}{}</nmaprun>",
        host("10.9.0.1", "App-webs/2.1"),
        host("10.9.0.2", "DNVRS-Webs"),
        host("10.9.0.3", "Apache (Hikvision-Webs)"),
        host("10.9.0.4", "hikvision-webs"),
    );
    let p = dir.path().join("scan.xml");
    std::fs::write(&p, xml).expect("write");
    let r = scan(&[p.display().to_string()]);
    assert_eq!(findings(&r), vec![t("10.9.0.1", "hikvision", "likely"), t("10.9.0.2", "hikvision", "likely")]);
    assert_eq!(r["findings"][0]["evidence"][0]["identifier"], "banner:App-webs/");
}
