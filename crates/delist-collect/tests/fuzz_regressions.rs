//! Replays the fuzzing regression corpus (fuzz/regressions/TARGET/: every crash, hang or
//! out-of-memory input fuzzing found, plus a few minimized inputs per target) through the fuzz
//! targets' own bodies (fuzz/src/collect.rs, compiled in here), so that a reverted fix fails the
//! ordinary tests. The catalog and policy targets are replayed by delist-core's tests.

#[path = "../../../fuzz/src/collect.rs"]
mod collect;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Longest one input may take in a debug build: a fix that bounds a loop must stay bounded here.
const SLOW: Duration = Duration::from_secs(20);

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

/// Standard base64, whitespace ignored. The corpus is stored encoded (`NAME.b64`) because some
/// inputs are cut from covered fixtures, and a scan of this repository must not report them
/// (`delists_own_repository_gives_no_finding`).
fn base64(text: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for v in text.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// Feeds every input of fuzz/regressions/TARGET/ (decoded) to `run`, the fuzz target's own body. A panic
/// fails the test (the panic message names the file on stderr first); so does an input that
/// takes longer than [`SLOW`].
fn replay(target: &str, run: fn(&[u8])) {
    let dir = regressions().join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no inputs", dir.display());
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let data = base64(&text);
        eprintln!("{target}: {}", path.display());
        let start = Instant::now();
        run(&data);
        let took = start.elapsed();
        assert!(took < SLOW, "{}: took {took:?}", path.display());
    }
}

/// Every directory of the regression corpus is replayed by a test here or in the other crate's.
#[test]
fn every_corpus_directory_is_replayed() {
    let mut dirs: Vec<String> = std::fs::read_dir(regressions())
        .expect("fuzz/regressions")
        .map(|e| e.expect("directory entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let known: Vec<&str> = MINE.iter().chain(OTHER).copied().collect();
    for d in &dirs {
        assert!(known.contains(&d.as_str()), "fuzz/regressions/{d} is replayed by no test");
    }
}

/// Every fuzz target registered in fuzz/Cargo.toml is replayed by a test here or in the other
/// crate's, so a new target cannot skip the regression corpus.
#[test]
fn every_fuzz_target_is_replayed() {
    let manifest = regressions().join("../Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("fuzz/Cargo.toml");
    let bins: Vec<&str> = text
        .split("[[bin]]")
        .skip(1)
        .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"')))
        .collect();
    assert!(bins.len() >= MINE.len(), "no [[bin]] read from {}", manifest.display());
    let known: Vec<&str> = MINE.iter().chain(OTHER).copied().collect();
    for b in &bins {
        assert!(known.contains(b), "fuzz target {b} is replayed by no test");
    }
}

/// The targets replayed here.
const MINE: &[&str] = &[
    "android",
    "archive",
    "authenticode",
    "browser_manifest",
    "container",
    "deflate_peek",
    "dpkg_status",
    "elf",
    "feed",
    "hardware",
    "inventory",
    "leases",
    "live",
    "macho",
    "macos_plists",
    "msi",
    "nmap_xml",
    "package_dbs",
    "pcap",
    "pe",
    "pem_bundle",
    "pkgfile",
    "plist",
    "regf",
    "rpm_db",
    "sbom",
    "xar",
];
/// The targets replayed by delist-core's and delist-server's `tests/fuzz_regressions.rs`.
const OTHER: &[&str] = &["catalog_toml", "oui_csv", "policy_toml", "server_upload"];

#[test]
fn android() {
    replay("android", collect::android::run);
}

#[test]
fn archive() {
    replay("archive", collect::archive::run);
}

#[test]
fn authenticode() {
    replay("authenticode", collect::authenticode::run);
}

#[test]
fn browser_manifest() {
    replay("browser_manifest", collect::browser_manifest::run);
}

#[test]
fn container() {
    replay("container", collect::container::run);
}

#[test]
fn deflate_peek() {
    replay("deflate_peek", collect::deflate_peek::run);
}

#[test]
fn dpkg_status() {
    replay("dpkg_status", collect::dpkg_status::run);
}

#[test]
fn elf() {
    replay("elf", collect::elf::run);
}

#[test]
fn feed() {
    replay("feed", collect::feed::run);
}

#[test]
fn hardware() {
    replay("hardware", collect::hardware::run);
}

#[test]
fn inventory() {
    replay("inventory", collect::inventory::run);
}

#[test]
fn leases() {
    replay("leases", collect::leases::run);
}

#[test]
fn live() {
    replay("live", collect::live::run);
}

#[test]
fn macho() {
    replay("macho", collect::macho::run);
}

#[test]
fn macos_plists() {
    replay("macos_plists", collect::macos_plists::run);
}

#[test]
fn msi() {
    replay("msi", collect::msi::run);
}

#[test]
fn nmap_xml() {
    replay("nmap_xml", collect::nmap_xml::run);
}

#[test]
fn package_dbs() {
    replay("package_dbs", collect::package_dbs::run);
}

#[test]
fn pcap() {
    replay("pcap", collect::pcap::run);
}

#[test]
fn pe() {
    replay("pe", collect::pe::run);
}

#[test]
fn pem_bundle() {
    replay("pem_bundle", collect::pem_bundle::run);
}

#[test]
fn pkgfile() {
    replay("pkgfile", collect::pkgfile::run);
}

#[test]
fn plist() {
    replay("plist", collect::plist::run);
}

#[test]
fn regf() {
    replay("regf", collect::regf::run);
}

#[test]
fn rpm_db() {
    replay("rpm_db", collect::rpm_db::run);
}

#[test]
fn sbom() {
    replay("sbom", collect::sbom::run);
}

#[test]
fn xar() {
    replay("xar", collect::xar::run);
}
