//! The PE format on real files: programs built by mingw-w64 with a windres VERSIONINFO, signed
//! by osslsigncode with a test PKI (`tests/fixtures/pe/make.sh`). Every signer field is compared
//! with what openssl says about the same certificate (`expected.txt`, written by make.sh).

use delist_collect::files::pe::{self, Pe};
use delist_collect::files::{self, Bytes, FileFormat, Place};
use delist_core::{Artifact, Role, Signer};
use std::collections::HashMap;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pe")
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn place(name: &str) -> String {
    format!("/{name}")
}

fn inspect(name: &str) -> Vec<Artifact> {
    let data = bytes(name);
    let path = place(name);
    Pe.inspect(&Bytes(&data), Place { path: &path, target: "dir:fixtures", depth: 0 })
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn one(name: &str) -> Artifact {
    let mut a = inspect(name);
    assert_eq!(a.len(), 1, "{name}: {a:?}");
    a.remove(0)
}

/// `expected.txt`: `[section]` then `key=value` lines.
fn expected() -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(dir().join("expected.txt")).expect("expected.txt");
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.entry(section.clone()).or_default().insert(k.to_string(), v.to_string());
        }
    }
    out
}

/// The signer a certificate of the test PKI gives, as openssl reads it.
fn signer_of(cert: &str, signing_time: &str, digest_ok: bool) -> Signer {
    let e = expected();
    let c = &e[cert];
    let inter = &e["inter"];
    let org_cn = |key: &str| c["subject"].split(',').find_map(|rdn| rdn.strip_prefix(key)).map(|v| v.replace('\\', ""));
    Signer {
        subject: Some(c["subject"].clone()),
        organization: org_cn("O="),
        common_name: org_cn("CN="),
        issuer: Some(c["issuer"].clone()),
        serial: Some(c["serial"].clone()),
        sha1: Some(c["sha1"].clone()),
        sha256: Some(c["sha256"].clone()),
        issuer_tbs_sha256: Some(inter["tbs_sha256"].clone()),
        signing_time: Some(signing_time.to_string()),
        digest_ok: Some(digest_ok),
        ..Signer::default()
    }
}

const SIGNED_AT: &str = "2026-06-01T12:00:00Z";

fn fields<'a>(a: &'a Artifact, name: &str) -> Vec<&'a str> {
    a.fields.iter().filter(|f| f.field == name).map(|f| f.value.as_str()).collect()
}

fn role_of(a: &Artifact, name: &str) -> Role {
    a.fields.iter().find(|f| f.field == name).map(|f| f.role).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn kaspersky_signed_reads_every_signer_field() {
    let a = one("kaspersky-signed.exe");
    assert_eq!(a.kind.as_str(), "executable");
    assert_eq!(a.name, "kaspersky-signed.exe");
    assert_eq!(a.path, "/kaspersky-signed.exe");
    assert_eq!(a.target, "dir:fixtures");
    assert_eq!(a.version.as_deref(), Some("21.3.10.391"));
    assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
    // Both string tables: English first, then Russian.
    assert_eq!(fields(&a, "pe.company_name"), vec!["AO Kaspersky Lab", "АО Лаборатория Касперского"]);
    assert_eq!(
        fields(&a, "pe.product_name"),
        vec!["Kaspersky Endpoint Security for Windows", "Kaspersky Endpoint Security для Windows"]
    );
    assert_eq!(fields(&a, "pe.file_description"), vec!["Kaspersky Endpoint Security"]);
    assert_eq!(fields(&a, "pe.original_filename"), vec!["avp.exe"]);
    assert_eq!(fields(&a, "pe.legal_copyright"), vec!["© 2026 AO Kaspersky Lab"]);
    assert_eq!(fields(&a, "pe.file_version"), vec!["21.3.10.391"]);
    assert_eq!(fields(&a, "pe.product_version"), vec!["21.3.10.391"]);
    assert_eq!(fields(&a, "pe.machine"), vec!["x86-64"]);
    assert_eq!(role_of(&a, "pe.company_name"), Role::Publisher);
    assert_eq!(role_of(&a, "pe.product_name"), Role::Other);
    assert_eq!(role_of(&a, "pe.file_description"), Role::Text);
    assert_eq!(role_of(&a, "pe.original_filename"), Role::Other);
    assert_eq!(role_of(&a, "pe.legal_copyright"), Role::Text);
    assert_eq!(a.signer.as_deref(), Some(&signer_of("kaspersky", SIGNED_AT, true)));
    assert!(a.other_signers.is_empty());
    assert_eq!(fields(&a, "signer.organization"), vec!["AO Kaspersky Lab"]);
    assert_eq!(role_of(&a, "signer.organization"), Role::Signer);
    assert!(fields(&a, "pe.signed").is_empty());
    assert!(fields(&a, "pe.error").is_empty(), "{:?}", fields(&a, "pe.error"));
}

#[test]
fn the_fixture_signer_is_the_expected_certificate() {
    // Spelled out once, so a regenerated PKI that changed shape shows up here.
    let s = one("kaspersky-signed.exe").signer.expect("signer");
    assert_eq!(s.subject.as_deref(), Some("CN=AO Kaspersky Lab,O=AO Kaspersky Lab,L=Moscow,C=RU"));
    assert_eq!(s.organization.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(s.common_name.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(s.issuer.as_deref(), Some("CN=Delist Test Code Signing CA,O=Delist Test,C=XX"));
    assert_eq!(s.serial.as_deref(), Some("3001"));
    assert_eq!(s.signing_time.as_deref(), Some(SIGNED_AT));
}

#[test]
fn unsigned_claiming_kaspersky_is_marked_unsigned() {
    let a = one("kaspersky-claiming.exe");
    assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(a.signer, None);
    assert_eq!(fields(&a, "pe.signed"), vec!["no"]);
    assert!(fields(&a, "signer.organization").is_empty());
}

#[test]
fn tampered_signature_proves_nothing() {
    let a = one("kaspersky-tampered.exe");
    assert_eq!(a.signer.as_deref(), Some(&signer_of("kaspersky", SIGNED_AT, false)));
    assert!(fields(&a, "signer.organization").is_empty());
    assert_eq!(fields(&a, "pe.signed"), vec!["digest-mismatch"]);
    assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
}

#[test]
fn example_corp_decoy_and_contradiction() {
    let decoy = one("example-decoy.exe");
    assert_eq!(decoy.signer.as_deref(), Some(&signer_of("example", SIGNED_AT, true)));
    // The escaped comma of `OU=Tools\, Imaging`, exactly as openssl writes RFC 2253.
    assert_eq!(
        decoy.signer.as_ref().and_then(|s| s.subject.as_deref()),
        Some(r"CN=Example Corp,OU=Tools\, Imaging,O=Example Corp,C=US")
    );
    assert_eq!(fields(&decoy, "pe.file_description"), vec!["Viewer for Hikvision cameras"]);
    assert_eq!(decoy.publisher.as_deref(), Some("Example Corp"));

    let claims = one("example-claims-kaspersky.exe");
    assert_eq!(claims.publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(claims.signer.as_deref(), Some(&signer_of("example", SIGNED_AT, true)));
    assert_eq!(fields(&claims, "signer.organization"), vec!["Example Corp"]);
}

#[test]
fn dual_signed_reads_both_signatures() {
    let a = one("tencent-dual.exe");
    assert_eq!(a.version.as_deref(), Some("3.9.8.25"));
    assert_eq!(a.publisher.as_deref(), Some("Tencent Technology(Shenzhen) Company Limited"));
    // SHA-1 primary, SHA-256 nested: both match the file, each under its own algorithm.
    assert_eq!(a.signer.as_deref(), Some(&signer_of("tencent", SIGNED_AT, true)));
    assert_eq!(a.other_signers, vec![signer_of("tencent", SIGNED_AT, true)]);
    assert_eq!(fields(&a, "signer.organization").len(), 2);
}

#[test]
fn thirty_two_bit_signed_with_a_timestamp() {
    let a = one("tencent-x86.exe");
    assert_eq!(fields(&a, "pe.machine"), vec!["x86"]);
    assert_eq!(a.signer.as_deref(), Some(&signer_of("tencent", SIGNED_AT, true)));
    assert_eq!(
        a.signer.as_ref().and_then(|s| s.subject.as_deref()),
        Some(
            "CN=Tencent Technology(Shenzhen) Company Limited,O=Tencent Technology(Shenzhen) Company Limited,L=Shenzhen,ST=Guangdong,C=CN"
        )
    );
}

#[test]
fn rfc_3161_timestamps_are_read() {
    // The timestamp's genTime is used only when a signature has no signingTime of its own;
    // osslsigncode always writes one, so the table is read directly here.
    for name in ["tencent-x86.exe", "tencent-dual.exe"] {
        let data = bytes(name);
        let h = pe::parse_headers(&data).expect("headers");
        let (off, size) = h.security.expect("signed");
        let table = &data[off as usize..(off + size) as usize];
        let (sigs, errors) = pe::authenticode::parse_table(table);
        assert!(errors.is_empty(), "{errors:?}");
        let stamped: Vec<_> = sigs.iter().filter_map(|s| s.timestamp.as_deref()).collect();
        assert_eq!(stamped, vec!["2026-06-02T08:15:00Z"], "{name}");
        let mut no_time = sigs.last().expect("sig").clone();
        no_time.signer.signing_time = None;
        assert_eq!(no_time.verdict(None).signing_time.as_deref(), Some("2026-06-02T08:15:00Z"));
    }
}

#[test]
fn clean_and_plain() {
    let clean = one("clean.exe");
    assert_eq!(clean.publisher.as_deref(), Some("Example Corp"));
    assert_eq!(clean.version.as_deref(), Some("1.2.3.4"));
    assert_eq!(fields(&clean, "pe.signed"), vec!["no"]);
    // No version information and no signature: nothing to say about a maker.
    assert!(inspect("plain.exe").is_empty());
}

#[test]
fn signatures_match_osslsigncode_verify() {
    // osslsigncode's own verdict, recorded by make.sh, agrees with digest_ok.
    let e = expected();
    for name in [
        "kaspersky-signed.exe",
        "kaspersky-tampered.exe",
        "example-decoy.exe",
        "example-claims-kaspersky.exe",
        "tencent-dual.exe",
        "tencent-x86.exe",
    ] {
        let a = one(name);
        let ok = a.signer.as_deref().into_iter().chain(&a.other_signers).all(|s| s.digest_ok == Some(true));
        let verify = &e[name]["verify"];
        assert_eq!(ok, !verify.contains("failed"), "{name}: {verify}");
    }
}

#[test]
fn the_walk_sniffs_every_fixture_as_pe() {
    let formats = files::formats();
    for entry in std::fs::read_dir(dir()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "exe") {
            let data = std::fs::read(&path).expect("read");
            let p = format!("/{}", path.file_name().and_then(|n| n.to_str()).unwrap_or(""));
            let got = files::inspect(&formats, &Bytes(&data), Place { path: &p, target: "t", depth: 0 });
            assert!(matches!(got, Some(Ok(_))), "{p}: {got:?}");
        }
    }
}

/// Every truncation and many bit flips of every fixture: an error or a (partial) result,
/// never a panic, and never a signature that still matches after a signed byte changed.
#[test]
fn truncated_and_bit_flipped_copies_never_panic() {
    for entry in std::fs::read_dir(dir()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "exe") {
            continue;
        }
        let data = std::fs::read(&path).expect("read");
        let run = |d: &[u8]| Pe.inspect(&Bytes(d), Place { path: "/x.exe", target: "t", depth: 0 });
        // Every cut inside the headers (cheap: they fail early), then a spread over the rest.
        let step = (data.len() / 250).max(1);
        for cut in (0..data.len().min(1024)).chain((1024..data.len()).step_by(step)) {
            let _ = run(&data[..cut]);
        }
        let h = pe::parse_headers(&data).expect("headers");
        for i in (0..data.len()).step_by(step) {
            for bit in [0x01u8, 0x80] {
                let mut bad = data.clone();
                bad[i] ^= bit;
                let Ok(artifacts) = run(&bad) else { continue };
                // A flipped byte the image hash covers can never leave a matching signature.
                let Some((off, _)) = h.security else { continue };
                let skipped = (h.checksum..h.checksum + 4).contains(&i)
                    || h.security_entry.is_some_and(|e| (e..e + 8).contains(&i))
                    || i >= off as usize;
                if !skipped {
                    for a in &artifacts {
                        for s in a.signer.as_deref().into_iter().chain(&a.other_signers) {
                            assert_ne!(s.digest_ok, Some(true), "{}: byte {i} ^ {bit:#x}", path.display());
                        }
                    }
                }
            }
        }
    }
}

/// A signed file cut short keeps its artifact (its version resource is still there) and says,
/// under `errors`, that its certificate table is gone: without it the report would show a
/// "likely" finding and no reason why it is not "confirmed". Sound fixtures give no error.
#[test]
fn a_cut_signed_file_is_read_and_its_lost_signature_reported() {
    let parts = |data: &[u8], path: &str| {
        Pe.inspect_parts(&Bytes(data), Place { path, target: "dir:fixtures", depth: 0 }).expect("a PE")
    };
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".exe") || n.ends_with(".dll"))
        .collect();
    names.sort();
    assert!(names.len() > 5, "{names:?}");
    for name in &names {
        let ins = parts(&bytes(name), &place(name));
        assert!(ins.errors.is_empty(), "{name}: {:?}", ins.errors);
    }
    let data = bytes("kaspersky-signed.exe");
    let ins = parts(&data[..data.len() / 2], "/cut.exe");
    assert_eq!(ins.artifacts.len(), 1, "the version resource is still read");
    assert_eq!(fields(&ins.artifacts[0], "pe.signed"), ["unreadable"]);
    assert_eq!(
        ins.errors,
        [("/cut.exe".to_string(), "pe: certificate table runs past the end of the file".to_string())]
    );
}
