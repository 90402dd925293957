//! Replays the fuzzing regression corpus of delist-core's parsers (fuzz/regressions/TARGET/ for
//! the catalog, policy and OUI targets) through the fuzz targets' own bodies (fuzz/src/catalog.rs,
//! compiled in here), so that a reverted fix fails the ordinary tests. The other targets are
//! replayed by delist-collect's tests.

#[path = "../../../fuzz/src/catalog.rs"]
mod catalog;

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
const MINE: &[&str] = &["catalog_toml", "oui_csv", "policy_toml"];
/// The targets replayed by delist-collect's and delist-server's `tests/fuzz_regressions.rs`.
const OTHER: &[&str] = &[
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
    "server_upload",
];

#[test]
fn catalog_toml() {
    replay("catalog_toml", catalog::catalog_toml::run);
}

#[test]
fn oui_csv() {
    replay("oui_csv", catalog::oui_csv::run);
}

#[test]
fn policy_toml() {
    replay("policy_toml", catalog::policy_toml::run);
}
