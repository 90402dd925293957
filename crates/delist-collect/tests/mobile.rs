//! APK and IPA files made by aapt, apksigner and openssl (tests/fixtures/mobile/make.sh), read
//! through the `android` file format, checked against what openssl and apksigner said about
//! the same files (tests/fixtures/mobile/expected/).

use delist_collect::files::android::Android;
use delist_collect::files::{Bytes, FileFormat, Place, formats, inspect};
use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Role};
use std::collections::HashMap;
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mobile").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `key=value` lines that make.sh recorded from openssl.
fn expected(name: &str) -> HashMap<String, String> {
    String::from_utf8(fixture(&format!("expected/{name}.txt")))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn place(path: &str) -> Place<'_> {
    Place { path, target: "dir:/share", depth: 0 }
}

fn read(name: &str) -> Artifact {
    let bytes = fixture(name);
    assert!(Android.sniff(&bytes[..bytes.len().min(4096)]), "{name} not sniffed");
    let mut a = Android.inspect(&Bytes(&bytes), place(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(a.len(), 1);
    a.remove(0)
}

fn field<'a>(a: &'a Artifact, name: &str) -> Option<&'a str> {
    a.fields.iter().find(|f| f.field == name).map(|f| f.value.as_str())
}

fn role(a: &Artifact, name: &str) -> Role {
    a.fields.iter().find(|f| f.field == name).map(|f| f.role).unwrap()
}

fn check_signer(a: &Artifact, fixture: &str) {
    let want = expected(fixture);
    let s = a.signer.as_ref().unwrap_or_else(|| panic!("{fixture}: no signer"));
    assert_eq!(s.subject.as_deref(), Some(want["subject"].as_str()), "{fixture} subject");
    assert_eq!(s.issuer.as_deref(), Some(want["issuer"].as_str()), "{fixture} issuer");
    assert_eq!(s.serial.as_deref(), Some(want["serial"].as_str()), "{fixture} serial");
    assert_eq!(s.sha1.as_deref(), Some(want["sha1"].as_str()), "{fixture} sha1");
    assert_eq!(s.sha256.as_deref(), Some(want["sha256"].as_str()), "{fixture} sha256");
    assert_eq!(s.digest_ok, None, "signatures are read, not verified");
    // apksigner's own report names the same certificate.
    let apksigner = String::from_utf8(self::fixture(&format!("expected/{fixture}.apksigner.txt"))).unwrap();
    assert!(apksigner.contains(&format!("Signer #1 certificate SHA-256 digest: {}", want["sha256"])));
    assert!(apksigner.contains("Number of signers: 1"));
}

#[test]
fn tiktok_apk_v1_v2_v3() {
    let a = read("tiktok.apk");
    assert_eq!(a.kind, ArtifactKind::MobileApp);
    assert_eq!(a.name, "TikTok");
    assert_eq!(a.version.as_deref(), Some("34.5.3"));
    assert_eq!(a.path, "tiktok.apk");
    assert_eq!(a.target, "dir:/share");
    assert_eq!(a.ids, vec!["com.zhiliaoapp.musically"]);
    assert_eq!(field(&a, "apk.package"), Some("com.zhiliaoapp.musically"));
    assert_eq!(role(&a, "apk.package"), Role::Identifier(IdKind::AppId));
    assert_eq!(field(&a, "apk.version_code"), Some("2023405030"));
    assert_eq!(field(&a, "apk.min_sdk"), Some("21"));
    assert_eq!(field(&a, "apk.target_sdk"), Some("33"));
    assert_eq!(field(&a, "apk.signature_schemes"), Some("v1,v2,v3"));
    assert_eq!(field(&a, "apk.signature_error"), None);
    check_signer(&a, "tiktok.apk");
    // v1, v2 and v3 name the same certificate: one signer.
    assert!(a.other_signers.is_empty());
    let s = a.signer.as_ref().unwrap();
    assert_eq!(s.organization.as_deref(), Some("TikTok Pte. Ltd."));
    assert_eq!(s.common_name.as_deref(), Some("delist test signer (com.zhiliaoapp.musically)"));
    assert_eq!(field(&a, "signer.organization"), Some("TikTok Pte. Ltd."));
    assert_eq!(role(&a, "signer.organization"), Role::Signer);
}

#[test]
fn tiktok_apk_signed_by_someone_else() {
    let a = read("tiktok-resigned.apk");
    assert_eq!(a.ids, vec!["com.zhiliaoapp.musically"]);
    assert_eq!(field(&a, "apk.signature_schemes"), Some("v1,v2"));
    check_signer(&a, "tiktok-resigned.apk");
    assert!(a.other_signers.is_empty());
    assert_eq!(field(&a, "signer.organization"), Some("Delist Test Fixtures"));
    assert_ne!(a.signer.as_ref().unwrap().sha256, read("tiktok.apk").signer.unwrap().sha256);
}

#[test]
fn lookalike_apk_v2_with_chain() {
    let a = read("ttdownloader.apk");
    assert_eq!(a.name, "TikTok Video Downloader");
    assert_eq!(a.version.as_deref(), Some("1.0.7"));
    assert_eq!(a.ids, vec!["com.example.ttdownloader"]);
    assert_eq!(field(&a, "apk.label"), Some("TikTok Video Downloader"));
    assert_eq!(role(&a, "apk.label"), Role::Name);
    assert_eq!(field(&a, "apk.signature_schemes"), Some("v2"));
    check_signer(&a, "ttdownloader.apk");
    let s = a.signer.as_ref().unwrap();
    assert_eq!(s.organization.as_deref(), Some("Example Downloader Apps, Inc."));
    assert_eq!(s.common_name.as_deref(), Some("ttdownloader"));
    // The block carries the test CA too: its TBS hash is the issuer's.
    assert_eq!(s.issuer_tbs_sha256.as_deref(), Some(expected("ttdownloader.apk")["ca_tbs_sha256"].as_str()));
}

#[test]
fn clean_apk_v3_only_utf8_subject() {
    let a = read("clean.apk");
    assert_eq!(a.name, "Zażółć Notes");
    assert_eq!(a.version.as_deref(), Some("3.1"));
    assert_eq!(a.ids, vec!["org.example.notes"]);
    assert_eq!(field(&a, "apk.signature_schemes"), Some("v3"));
    check_signer(&a, "clean.apk");
    assert_eq!(a.signer.as_ref().unwrap().organization.as_deref(), Some("Zażółć Notes Sp. z o.o."));
}

#[test]
fn tiktok_ipa_binary_plist_and_profile() {
    let a = read("tiktok.ipa");
    assert_eq!(a.kind, ArtifactKind::MobileApp);
    assert_eq!(a.name, "TikTok");
    assert_eq!(a.version.as_deref(), Some("34.5.0"));
    assert_eq!(a.ids, vec!["com.ss.iphone.ugc.Ame"]);
    assert_eq!(field(&a, "ipa.bundle_id"), Some("com.ss.iphone.ugc.Ame"));
    assert_eq!(role(&a, "ipa.bundle_id"), Role::Identifier(IdKind::BundleId));
    assert_eq!(field(&a, "ipa.build"), Some("345012"));
    assert_eq!(field(&a, "ipa.team_id"), Some("TESTTEAM01"));
    assert_eq!(role(&a, "ipa.team_id"), Role::Identifier(IdKind::TeamId));
    assert_eq!(field(&a, "ipa.team_name"), Some("Delist Fixture Team"));
    assert_eq!(a.publisher.as_deref(), Some("Delist Fixture Team"));
    assert_eq!(field(&a, "ipa.application_identifier"), Some("TESTTEAM01.com.ss.iphone.ugc.Ame"));
    assert_eq!(field(&a, "ipa.profile_error"), None);
    // The profile's CMS signer stands in for Apple: it is not the app's signer.
    assert!(a.signer.is_none());
    let profile = String::from_utf8(fixture("expected/tiktok.ipa.profile.txt")).unwrap();
    assert!(profile.contains("<string>Delist Fixture Team</string>"));
}

#[test]
fn clean_ipa_xml_plist_without_profile() {
    let a = read("clean.ipa");
    assert_eq!(a.name, "Notes");
    assert_eq!(a.version.as_deref(), Some("3.1"));
    assert_eq!(a.ids, vec!["org.example.notes"]);
    assert_eq!(field(&a, "ipa.copyright"), Some("© 2025 Example Notes"));
    assert_eq!(role(&a, "ipa.copyright"), Role::Text);
    assert_eq!(field(&a, "ipa.team_id"), None);
    assert_eq!(a.publisher, None);
}

#[test]
fn the_registry_routes_mobile_zips_here() {
    let fs = formats();
    for name in ["tiktok.apk", "tiktok-resigned.apk", "ttdownloader.apk", "clean.apk", "tiktok.ipa", "clean.ipa"] {
        let bytes = fixture(name);
        let got = inspect(&fs, &Bytes(&bytes), place(name)).unwrap().unwrap();
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(got[0].kind, ArtifactKind::MobileApp, "{name}");
    }
    // A plain zip is not claimed by this format (the archive format reads it).
    let plain = fixture("plain.zip");
    assert!(!Android.sniff(&plain));
}

#[test]
fn truncated_and_bit_flipped_copies_never_panic() {
    for name in ["tiktok.apk", "ttdownloader.apk", "clean.apk", "tiktok.ipa", "clean.ipa"] {
        let good = fixture(name);
        // Truncated: the end record is gone, so every cut is an error.
        for cut in (0..good.len()).step_by(97) {
            assert!(Android.inspect(&Bytes(&good[..cut]), place(name)).is_err(), "{name} cut at {cut}");
        }
        // Bit-flipped: any result, or an error, never a panic.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut bad = good.clone();
            let i = (seed as usize) % bad.len();
            bad[i] ^= 1 << ((seed >> 32) % 8);
            let _ = Android.inspect(&Bytes(&bad), place(name));
        }
        // Every byte of the manifest/plist region flipped in turn.
        for i in 0..good.len().min(1500) {
            let mut bad = good.clone();
            bad[i] ^= 0xff;
            let _ = Android.inspect(&Bytes(&bad), place(name));
        }
    }
}
