//! The server's memory while it remembers matched inventories (the engine's memo): a fleet of
//! distinct hosts, each running a covered product, must cost the memo's entries and no more.
//!
//! Alone in its file, so that its process holds no other test's allocations while it reads its
//! own resident size. Before `store::pack` reused one compressor a thread, the heap grew ~300 KB
//! for each inventory remembered (the compressor's tables could not be handed back between the
//! memo's small entries): 4,000 uploads took 1.25 GB here, against 31 MB since. The `server_upload` fuzz target found
//! it as an out-of-memory after ~7,000 distinct inventories.

use delist_core::report::INVENTORY_SCHEMA;
use delist_core::{Artifact, ArtifactKind, Role};
use delist_server::engine::{Engine, Sources};
use delist_server::ingest::{UPLOAD_SCHEMA, prepare};
use delist_server::time::Clock;

/// Resident memory in KiB (Linux; `None` elsewhere).
fn rss_kib() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

/// One host's upload: a covered package among ordinary ones, and a host-specific package so
/// that no two inventories are the same bytes.
fn upload(host: usize) -> Vec<u8> {
    let mut artifacts = vec![
        Artifact::new(ArtifactKind::Deb, "kesl", "/var/lib/dpkg/status", "live:/").field(
            "deb.maintainer",
            "AO Kaspersky Lab",
            Role::Publisher,
        ),
        Artifact::new(ArtifactKind::Deb, format!("host-tools-{host}"), "/var/lib/dpkg/status", "live:/"),
    ];
    for p in ["bash", "coreutils", "openssl", "systemd"] {
        artifacts.push(Artifact::new(ArtifactKind::Deb, p, "/var/lib/dpkg/status", "live:/"));
    }
    serde_json::to_vec(&serde_json::json!({
        "schema": UPLOAD_SCHEMA, "upload_id": format!("memo-test-{host}"), "scanned_at": "2026-11-20T09:00:00Z",
        "inventory": {"schema": INVENTORY_SCHEMA, "tool": {"name": "delist", "version": "t"},
                      "targets": [], "artifacts": artifacts, "errors": []},
    }))
    .expect("json")
}

#[test]
fn remembering_distinct_inventories_costs_their_findings_not_the_heap() {
    let engine = Engine::build(&Sources { catalog: delist_core::catalog::builtin_files(), policy: None })
        .expect("the built-in catalog loads");
    let clock = Clock { today: Some(jiff::civil::date(2026, 11, 28)) };
    // Warm up (catalog, allocator arenas) before the baseline.
    for host in 0..50 {
        prepare(&upload(host), "h", &engine, &clock).expect("valid");
    }
    let Some(before) = rss_kib() else { return };
    let hosts = 4_000;
    for host in 50..50 + hosts {
        let p = prepare(&upload(host), "h", &engine, &clock).expect("valid");
        assert!(p.packed.is_some(), "a new inventory each time");
        assert_eq!(p.evaluation.live, 1);
    }
    let (remembered, weight) = engine.memo_size();
    assert_eq!(remembered, hosts + 50);
    let grown = rss_kib().expect("read before").saturating_sub(before);
    eprintln!("{grown} KiB for {remembered} inventories remembered ({weight} bytes of findings)");
    // ~8 KB an entry in all (findings, key, allocator overhead): 31 MB; the fault made 1.25 GB.
    assert!(grown < 160 * 1024, "{grown} KiB for {remembered} inventories remembered ({weight} bytes of findings)");
}
