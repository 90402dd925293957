//! MSI packages made by wixl and signed by osslsigncode (tests/fixtures/msi/make.sh), read
//! through the `msi` file format, checked against what msiinfo and openssl said about the same
//! files (tests/fixtures/msi/expected/).

use delist_collect::files::msi::Msi;
use delist_collect::files::{Bytes, FileFormat, Place, formats, inspect};
use delist_core::{Artifact, ArtifactKind, Role};
use std::collections::HashMap;
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/msi").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

/// The Property table as `msiinfo export` printed it (after its three header lines).
fn msiinfo_properties(msi: &str) -> HashMap<String, String> {
    text(&format!("expected/{msi}.property.tsv"))
        .lines()
        .skip(3)
        .filter_map(|l| l.split_once('\t'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn expected_signer(msi: &str) -> HashMap<String, String> {
    text(&format!("expected/{msi}.signer.txt"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn place(path: &str) -> Place<'_> {
    Place { path, target: "dir:/downloads", depth: 0 }
}

fn read(name: &str) -> Artifact {
    let bytes = fixture(name);
    assert!(Msi.sniff(&bytes[..4096]), "{name} not sniffed");
    let mut a = Msi.inspect(&Bytes(&bytes), place(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(a.len(), 1);
    a.remove(0)
}

fn field<'a>(a: &'a Artifact, name: &str) -> Option<&'a str> {
    a.fields.iter().find(|f| f.field == name).map(|f| f.value.as_str())
}

fn role(a: &Artifact, name: &str) -> Role {
    a.fields.iter().find(|f| f.field == name).map(|f| f.role).unwrap()
}

/// Every property delist reports is the one msiinfo printed.
fn check_properties(a: &Artifact, msi: &str) {
    let p = msiinfo_properties(msi);
    for (f, key) in [
        ("msi.manufacturer", "Manufacturer"),
        ("msi.product_name", "ProductName"),
        ("msi.product_version", "ProductVersion"),
        ("msi.product_code", "ProductCode"),
        ("msi.upgrade_code", "UpgradeCode"),
        ("msi.product_language", "ProductLanguage"),
        ("msi.url_info_about", "ARPURLINFOABOUT"),
    ] {
        assert_eq!(field(a, f), Some(p[key].as_str()), "{msi} {key}");
    }
    assert_eq!(a.name, p["ProductName"]);
    assert_eq!(a.version.as_deref(), Some(p["ProductVersion"].as_str()));
    assert_eq!(a.publisher.as_deref(), Some(p["Manufacturer"].as_str()));
    assert_eq!(a.ids, vec![p["ProductCode"].clone()]);
}

fn check_signer(a: &Artifact, msi: &str) {
    let want = expected_signer(msi);
    let s = a.signer.as_ref().unwrap_or_else(|| panic!("{msi}: no signer"));
    assert_eq!(s.subject.as_deref(), Some(want["subject"].as_str()), "{msi} subject");
    assert_eq!(s.issuer.as_deref(), Some(want["issuer"].as_str()), "{msi} issuer");
    assert_eq!(s.serial.as_deref(), Some(want["serial"].as_str()), "{msi} serial");
    assert_eq!(s.sha1.as_deref(), Some(want["sha1"].as_str()), "{msi} sha1");
    assert_eq!(s.sha256.as_deref(), Some(want["sha256"].as_str()), "{msi} sha256");
    assert_eq!(s.issuer_tbs_sha256.as_deref(), Some(want["issuer_tbs_sha256"].as_str()), "{msi} issuer TBS");
    assert_eq!(s.signing_time.as_deref(), Some(want["signing_time"].as_str()), "{msi} signing time");
    assert_eq!(s.digest_ok, None, "the digest is not checked");
    assert!(a.other_signers.is_empty());
}

#[test]
fn kaspersky_unsigned() {
    let a = read("kaspersky.msi");
    assert_eq!(a.kind, ArtifactKind::Installer);
    assert_eq!(a.name, "Kaspersky Endpoint Security for Windows");
    assert_eq!(a.version.as_deref(), Some("12.3.0.493"));
    assert_eq!(a.path, "kaspersky.msi");
    assert_eq!(a.target, "dir:/downloads");
    assert_eq!(field(&a, "msi.manufacturer"), Some("AO Kaspersky Lab"));
    assert_eq!(role(&a, "msi.manufacturer"), Role::Publisher);
    assert_eq!(role(&a, "msi.product_code"), Role::Other);
    assert_eq!(role(&a, "msi.url_info_about"), Role::Homepage);
    check_properties(&a, "kaspersky.msi");
    assert!(a.signer.is_none());
    assert_eq!(field(&a, "signer.organization"), None);
}

#[test]
fn kaspersky_signed() {
    let a = read("kaspersky-signed.msi");
    check_properties(&a, "kaspersky-signed.msi");
    check_signer(&a, "kaspersky-signed.msi");
    let s = a.signer.as_ref().unwrap();
    assert_eq!(s.organization.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(s.common_name.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(field(&a, "signer.organization"), Some("AO Kaspersky Lab"));
    assert_eq!(role(&a, "signer.organization"), Role::Signer);
    assert!(text("expected/kaspersky-signed.msi.streams.txt").contains("DigitalSignature"));
}

#[test]
fn clean_non_ascii() {
    let a = read("clean.msi");
    assert_eq!(a.name, "Notizblock Größe Ü");
    check_properties(&a, "clean.msi");
    assert!(a.signer.is_none());
}

#[test]
fn decoy_signed_by_another_company() {
    let a = read("decoy-signed.msi");
    check_properties(&a, "decoy-signed.msi");
    check_signer(&a, "decoy-signed.msi");
    assert_eq!(a.signer.as_ref().unwrap().organization.as_deref(), Some("Example Software Inc."));
}

#[test]
fn the_registry_routes_msis_here() {
    let fs = formats();
    for name in ["kaspersky.msi", "kaspersky-signed.msi", "clean.msi", "decoy-signed.msi"] {
        let bytes = fixture(name);
        let got = inspect(&fs, &Bytes(&bytes), place(name)).unwrap().unwrap();
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(got[0].kind, ArtifactKind::Installer, "{name}");
    }
}

#[test]
fn truncated_and_bit_flipped_copies_never_panic() {
    for name in ["kaspersky.msi", "kaspersky-signed.msi"] {
        let good = fixture(name);
        // Truncated: the directory, the tables or the signature go missing; an error each time
        // the cut removes something read (a cut inside the embedded cabinet may still read).
        let mut errors = 0;
        for cut in (0..good.len()).step_by(61) {
            if Msi.inspect(&Bytes(&good[..cut]), place(name)).is_err() {
                errors += 1;
            }
        }
        assert!(errors > good.len() / 61 / 2, "{name}: only {errors} truncations were errors");
        assert!(Msi.inspect(&Bytes(&good[..600]), place(name)).is_err());
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bad = good.clone();
            let i = (seed as usize) % bad.len();
            bad[i] ^= 1 << ((seed >> 32) % 8);
            let _ = Msi.inspect(&Bytes(&bad), place(name));
        }
        // Every byte of the header, FAT and directory sectors flipped in turn.
        for i in 0..2048.min(good.len()) {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            let _ = Msi.inspect(&Bytes(&bad), place(name));
        }
    }
}
