//! The estate parsers over malformed input: every fixture of `fixtures/{macos,browser,truststore}`
//! cut at many lengths and bit-flipped, through the receipt, launchd, system-extension,
//! manifest, extensions.json, .xpi, PEM and DER readers. Truncated input must be an error (or,
//! for formats that may legally end early, a smaller result), never a panic or a hang.

use delist_collect::browser::{self, firefox};
use delist_collect::macos::{kext, launchd, receipts};
use delist_collect::truststore;
use std::path::Path;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)).expect(rel)
}

/// Cuts at every length up to 512 and then in steps, and flips one bit at a time in steps.
fn mangled(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let step = (data.len() / 200).max(1);
    for n in (0..data.len().min(512)).chain((512..data.len()).step_by(step)) {
        out.push(data[..n].to_vec());
    }
    for i in (0..data.len()).step_by(step) {
        for bit in [0x01u8, 0x80] {
            let mut d = data.to_vec();
            d[i] ^= bit;
            out.push(d);
        }
    }
    out
}

#[test]
fn plists_cut_or_flipped_are_errors_not_panics() {
    for rel in [
        "macos/covered/private/var/db/receipts/com.kaspersky.kav.core.plist",
        "macos/covered/private/var/db/receipts/com.example.notes.plist",
        "macos/covered/Library/LaunchDaemons/com.kaspersky.kav.plist",
        "macos/covered/Users/ana/Library/LaunchAgents/com.kaspersky.kav.downloader.plist",
        "macos/covered/Library/SystemExtensions/db.plist",
        "macos/covered/Library/Receipts/Core.pkg/Contents/Info.plist",
    ] {
        let data = fixture(rel);
        assert!(
            receipts::parse_receipt(&data).is_ok()
                || launchd::parse_job(&data).is_ok()
                || kext::parse_sysext_db(&data).is_ok()
                || receipts::parse_bundle_receipt(&data).is_ok(),
            "{rel} parses whole"
        );
        for (i, m) in mangled(&data).iter().enumerate() {
            let _ = (receipts::parse_receipt(m), receipts::parse_bundle_receipt(m));
            let _ = (launchd::parse_job(m), kext::parse_sysext_db(m));
            // A plist cut before its end (binary: the trailer; XML: the closing tags) is an error.
            if i > 0 && i < data.len().min(512) && m.len() + 16 < data.len() {
                assert!(launchd::parse_job(m).is_err(), "{rel} cut at {}", m.len());
            }
        }
    }
}

#[test]
fn browser_files_cut_or_flipped_are_errors_not_panics() {
    let manifest = fixture(
        "browser/covered/home/ana/.config/google-chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm/21.0.1_0/manifest.json",
    );
    let messages = fixture(
        "browser/covered/home/ana/.config/google-chrome/Default/Extensions/ahkjpbeeocnddjkakilopmfdlnjdpcdm/21.0.1_0/_locales/en/messages.json",
    );
    let db = fixture("browser/covered/home/ana/.mozilla/firefox/k3xq1b2c.default-release/extensions.json");
    let xpi = fixture(
        "browser/covered/Users/carl/Library/Application Support/Firefox/Profiles/x9f2.default/extensions/{7b1d5c62-0000-4000-8000-000000000003}.xpi",
    );
    assert_eq!(browser::parse_manifest(&manifest).expect("whole").name.as_deref(), Some("__MSG_extName__"));
    assert_eq!(firefox::parse_extensions_json(&db).expect("whole").len(), 3);
    assert_eq!(firefox::read_xpi(&xpi).expect("whole").1.as_deref(), Some("Kaspersky Protection"));
    for (data, what) in [(&manifest, "manifest"), (&messages, "messages"), (&db, "extensions.json")] {
        for m in mangled(data) {
            let _ = (browser::parse_manifest(&m), browser::lookup_message(&m, "extName"));
            let _ = firefox::parse_extensions_json(&m);
        }
        // JSON cut anywhere before its closing brace is an error.
        for n in 0..data.trim_ascii_end().len() {
            assert!(browser::lookup_message(&data[..n], "extName").is_err(), "{what} cut at {n}");
        }
    }
    for m in mangled(&xpi) {
        let r = firefox::read_xpi(&m);
        if m.len() < xpi.len() && xpi.starts_with(&m) {
            assert!(r.is_err(), "xpi cut at {}", m.len());
        }
    }
}

#[test]
fn certificates_cut_or_flipped_are_errors_not_panics() {
    let pem = fixture("truststore/covered/usr/local/share/ca-certificates/kaspersky.crt");
    let der = fixture("truststore/covered/etc/pki/ca-trust/source/anchors/webav.der");
    let bundle = fixture("truststore/covered/etc/ssl/certs/ca-certificates.crt");
    assert_eq!(truststore::certificates(&bundle).expect("bundle").len(), 3);
    let c = truststore::certificates(&pem).expect("pem");
    let facts = truststore::describe(&c[0]).expect("certificate");
    assert_eq!(facts.common_name.as_deref(), Some("Kaspersky Anti-Virus Personal Root Certificate"));
    assert_eq!(facts.organization.as_deref(), Some("AO Kaspersky Lab"));
    assert!(facts.self_issued);
    assert_eq!(truststore::certificates(&der).expect("der")[0], der);
    for data in [&pem, &der, &bundle] {
        for m in mangled(data) {
            if let Ok(certs) = truststore::certificates(&m) {
                for c in certs {
                    let _ = truststore::describe(&c);
                }
            }
        }
    }
    // A DER certificate cut short, and a PEM cut inside its block, are errors.
    for n in [1, 4, 100, der.len() - 1] {
        assert!(truststore::certificates(&der[..n]).is_err(), "der cut at {n}");
    }
    let end = pem.windows(5).position(|w| w == b"-----").expect("begin") + 40;
    assert!(truststore::certificates(&pem[..end]).is_err());
}
