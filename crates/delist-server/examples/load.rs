//! Load generator for `bench/server.sh`: enrols hosts through the admin API, then sends uploads
//! of a synthetic but typical inventory from several client threads and reports sustained
//! uploads per second and the latency distribution.
//!
//! Usage: load BASE-URL ADMIN-TOKEN HOSTS UPLOADS CONCURRENCY ARTIFACTS

use delist_core::report::{INVENTORY_SCHEMA, Inventory, Target, Tool};
use delist_core::{Artifact, ArtifactKind, Role};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Stands for the host's number in the serialised inventory (see [`inventory`]).
const HOST_MARK: &str = "HOSTNUMBER";

/// An inventory like a Debian server's: ARTIFACTS packages with maintainer, homepage and summary
/// fields, one of them a Kaspersky product (a finding on every upload) and one named after the
/// host (`hostpkg-HOSTNUMBER`, replaced per host), so that every host's inventory is its own and
/// stays the same from one of its uploads to the next, as a fleet's do between changes.
fn inventory(artifacts: usize) -> Inventory {
    let mut v: Vec<Artifact> = (0..artifacts.saturating_sub(2))
        .map(|i| {
            Artifact::new(ArtifactKind::Deb, format!("libexample{i}"), "/var/lib/dpkg/status", "live:/")
                .version(format!("1.{i}.0-1"))
                .field("deb.maintainer", "Debian Example Maintainers <pkg@example.org>", Role::Publisher)
                .field("deb.homepage", format!("https://example.org/p{i}"), Role::Homepage)
                .field("deb.description", "an example library for tests", Role::Text)
                .id(format!("pkg:deb/debian/libexample{i}@1.{i}.0-1"))
        })
        .collect();
    v.push(
        Artifact::new(ArtifactKind::Deb, format!("hostpkg-{HOST_MARK}"), "/var/lib/dpkg/status", "live:/")
            .version("1.0")
            .field("deb.maintainer", "Site Admins <root@example.org>", Role::Publisher),
    );
    v.push(Artifact::new(ArtifactKind::Deb, "kesl", "/var/lib/dpkg/status", "live:/").version("12.0.0.6672").field(
        "deb.maintainer",
        "AO Kaspersky Lab <support@kaspersky.com>",
        Role::Publisher,
    ));
    Inventory {
        schema: INVENTORY_SCHEMA.into(),
        tool: Tool::this("bench"),
        targets: vec![Target { input: "live:/".into(), kind: "live".into() }],
        artifacts: v,
        errors: Vec::new(),
    }
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 6 {
        eprintln!("usage: load BASE-URL ADMIN-TOKEN HOSTS UPLOADS CONCURRENCY ARTIFACTS");
        std::process::exit(2);
    }
    let (base, admin) = (a[0].clone(), a[1].clone());
    let n = |i: usize| a[i].parse::<usize>().expect("a number");
    let (hosts, uploads, conc, artifacts) = (n(2), n(3), n(4), n(5));
    let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut tokens = Vec::new();
    for h in 0..hosts {
        let mut r = http
            .post(format!("{base}/api/v1/tokens"))
            .header("Authorization", format!("Bearer {admin}"))
            .header("Content-Type", "application/json")
            .send(format!("{{\"host\":\"bench-{h:05}\"}}").as_bytes())
            .expect("enrol");
        let v: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json");
        tokens.push(v["token"].as_str().expect("token").to_string());
    }
    // Serialised once: the generator shares the machine with the server and must not spend its
    // CPU building the same JSON again for every request.
    let inv: Arc<str> = serde_json::to_string(&inventory(artifacts)).expect("inventory").into();
    let body_len = inv.len();
    let next = Arc::new(Mutex::new(0usize));
    let lat = Arc::new(Mutex::new(Vec::<Duration>::with_capacity(uploads)));
    let failures = Arc::new(Mutex::new(0usize));
    let start = Instant::now();
    let threads: Vec<_> = (0..conc)
        .map(|_| {
            let (base, tokens, inv, next, lat, failures) =
                (base.clone(), tokens.clone(), inv.clone(), next.clone(), lat.clone(), failures.clone());
            std::thread::spawn(move || {
                let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
                loop {
                    let i = {
                        let mut g = next.lock().expect("next");
                        if *g >= uploads {
                            return;
                        }
                        *g += 1;
                        *g - 1
                    };
                    let host = i % tokens.len();
                    let body = format!(
                        "{{\"schema\":\"delist.upload/1\",\"upload_id\":\"bench-upload-{i:08}\",\
                         \"scanned_at\":\"2026-11-27T10:00:00Z\",\"inventory\":{}}}",
                        inv.replace(HOST_MARK, &format!("{host:05}"))
                    );
                    let t = Instant::now();
                    let r = http
                        .post(format!("{base}/api/v1/reports"))
                        .header("Authorization", format!("Bearer {}", tokens[host]))
                        .header("Content-Type", "application/json")
                        .send(body.as_bytes());
                    let ok = matches!(&r, Ok(r) if r.status().as_u16() == 201);
                    if let Ok(mut r) = r {
                        let _ = r.body_mut().read_to_string();
                    }
                    if ok {
                        lat.lock().expect("lat").push(t.elapsed());
                    } else {
                        *failures.lock().expect("failures") += 1;
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
    let secs = start.elapsed().as_secs_f64();
    let mut l = lat.lock().expect("lat").clone();
    l.sort();
    let pct = |p: f64| {
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1))).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{} uploads ({} failed) from {hosts} hosts, {artifacts} artifacts ({} KB) each, {conc} clients: {:.0} uploads/s, p50 {:.1} ms, p99 {:.1} ms",
        l.len(),
        failures.lock().expect("failures"),
        body_len / 1024,
        l.len() as f64 / secs,
        pct(0.50),
        pct(0.99)
    );
}
