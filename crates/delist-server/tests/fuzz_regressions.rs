//! Replays the fuzzing regression corpus of the server's upload parser
//! (fuzz/regressions/server_upload/) through the fuzz target's own body (fuzz/src/server.rs,
//! compiled in here), so that a reverted fix fails the ordinary tests. delist-collect's and
//! delist-core's tests check that every target is replayed by one crate or another.

#[path = "../../../fuzz/src/server.rs"]
mod server;

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

#[test]
fn server_upload() {
    replay("server_upload", server::server_upload::run);
}
