#![no_main]
//! The text package databases (apk installed, pacman desc, snap state/snap.yaml/assertions,
//! flatpak key files and AppStream XML, Homebrew receipts and cask definitions): every parser
//! sees every input and never panics.
use delist_collect::{apk, flatpak, homebrew, pacman, snap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (records, _) = apk::parse(&text);
    for r in &records {
        let _ = apk::artifact(r, "/lib/apk/db/installed", "fuzz");
    }
    let (desc, _) = pacman::parse_desc(&text);
    let _ = pacman::artifact(&desc, "/var/lib/pacman/local/x/desc", "fuzz");
    let _ = snap::parse_state(&text);
    let _ = snap::parse_yaml_scalars(&text);
    let _ = snap::parse_assertion(&text);
    let _ = flatpak::parse_keyfile(&text);
    let _ = flatpak::parse_appstream(&text);
    let _ = homebrew::parse_receipt(&text);
    let _ = homebrew::parse_cask_json(&text);
    let _ = homebrew::parse_ruby(&text);
});
