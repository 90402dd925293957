//! The Windows registry collector over the fixture roots (`fixtures/windows`, hives written by
//! hivexsh; see its README) and over broken copies of them: truncated, bit-flipped, and with a
//! subkey list pointing back at the root.

use delist_collect::windows::WindowsRegistry;
use delist_collect::windows::regf::{BASE_BLOCK, Hive};
use delist_collect::{Collector, Context, Output, Root};
use delist_core::{Artifact, ArtifactKind};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const TARGET: &str = "rootfs:/fixture";
const SOFTWARE: &str = "/Windows/System32/config/SOFTWARE";
const SYSTEM: &str = "/Windows/System32/config/SYSTEM";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows")
}

fn collect(base: &Path) -> Output {
    let root = Root::new(base);
    let cx = Context { target: TARGET, root: &root };
    let mut out = Output::default();
    WindowsRegistry.collect(&cx, &mut out);
    out
}

fn field<'a>(a: &'a Artifact, name: &str) -> Vec<&'a str> {
    a.fields.iter().filter(|f| f.field == name).map(|f| f.value.as_str()).collect()
}

fn thumbprint(cert: &str) -> String {
    let der = std::fs::read(fixtures().join("certs").join(cert)).expect("certificate");
    Sha1::digest(&der).iter().map(|b| format!("{b:02x}")).collect()
}

/// Copies a fixture root into a temporary directory, for breaking.
fn copy_root(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("mkdir");
        for e in std::fs::read_dir(from).expect("read_dir") {
            let e = e.expect("entry");
            if e.file_type().expect("type").is_dir() {
                copy(&e.path(), &to.join(e.file_name()));
            } else {
                std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
            }
        }
    }
    let t = tempfile::tempdir().expect("tempdir");
    copy(&fixtures().join(name), t.path());
    t
}

/// Every artifact of the covered root: (kind, name, version, path).
#[test]
fn covered_root_gives_programs_services_drivers_and_certificates() {
    let out = collect(&fixtures().join("covered"));
    assert_eq!(out.errors, vec![]);
    let mut got: Vec<(ArtifactKind, &str, Option<&str>, &str)> =
        out.artifacts.iter().map(|a| (a.kind, a.name.as_str(), a.version.as_deref(), a.path.as_str())).collect();
    got.sort();
    use ArtifactKind::*;
    let mut want = vec![
        (WindowsProgram, "7-Zip 23.01 (x64)", Some("23.01"), SOFTWARE),
        (WindowsProgram, "Office 16 Click-to-Run Extensibility Component", Some("16.0.17928.20114"), SOFTWARE),
        (WindowsProgram, "Migration helper for former Kaspersky customers", Some("2.1"), SOFTWARE),
        (WindowsProgram, "Kaspersky Endpoint Security for Windows", Some("12.5.0.539"), SOFTWARE),
        (WindowsProgram, "Notepad++ (32-bit x86)", Some("8.6.2"), SOFTWARE),
        (WindowsProgram, "Kaspersky Password Manager", Some("24.0.0.427"), "/Users/alice/NTUSER.DAT"),
        (WindowsProgram, "Example Chat", Some("3.4.1"), "/Users/alice/NTUSER.DAT"),
        (WindowsService, "AVP", None, SYSTEM),
        (WindowsService, "Spooler", None, SYSTEM),
        (WindowsDriver, "klif", None, SYSTEM),
        (WindowsDriver, "klflt", None, SYSTEM),
        (WindowsDriver, "disk", None, SYSTEM),
        (Certificate, "Kaspersky Anti-Virus Personal Root Certificate", None, SOFTWARE),
        (Certificate, "Example Root CA", None, SOFTWARE),
        (Certificate, "Beispiel Root CA 2", None, SOFTWARE),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn uninstall_entries_carry_their_values_and_view() {
    let out = collect(&fixtures().join("covered"));
    let kes = out.artifacts.iter().find(|a| a.name == "Kaspersky Endpoint Security for Windows").expect("KES");
    assert_eq!(kes.publisher.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(field(kes, "windows.uninstall.view"), ["32-bit"]);
    assert_eq!(
        field(kes, "windows.uninstall.key"),
        [
            r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\{6E1A9D4B-1F37-4C1B-9E39-2E4B3C1A1F01}"
        ]
    );
    assert_eq!(field(kes, "windows.uninstall.install_location"), [r"C:\Program Files (x86)\Kaspersky Lab\KES.12.5.0\"]);
    assert_eq!(
        field(kes, "windows.uninstall.uninstall_string"),
        ["MsiExec.exe /I{6E1A9D4B-1F37-4C1B-9E39-2E4B3C1A1F01}"]
    );
    assert_eq!(kes.ids, ["{6E1A9D4B-1F37-4C1B-9E39-2E4B3C1A1F01}"]);
    let kpm = out.artifacts.iter().find(|a| a.name == "Kaspersky Password Manager").expect("KPM");
    assert_eq!(field(kpm, "windows.uninstall.view"), ["user:alice"]);
    assert!(field(kpm, "windows.uninstall.key")[0].starts_with(r"HKU\alice\Software\Microsoft\"));
}

#[test]
fn services_and_drivers_name_their_image_files() {
    let out = collect(&fixtures().join("covered"));
    let get = |n: &str| out.artifacts.iter().find(|a| a.name == n).expect(n);
    let avp = get("AVP");
    assert_eq!(field(avp, "windows.service.image_file"), ["avp.exe"]);
    assert_eq!(field(avp, "windows.service.type"), ["0x10"]);
    assert_eq!(field(avp, "windows.service.start"), ["2"]);
    assert_eq!(field(get("klif"), "windows.service.image_file"), ["klif.sys"]);
    // No ImagePath: the driver Windows loads is System32\drivers\<name>.sys.
    assert_eq!(field(get("klflt"), "windows.service.image_file"), ["klflt.sys"]);
    // ControlSet002 (not the current set) holds KAVFS: not reported.
    assert!(out.artifacts.iter().all(|a| a.name != "KAVFS"));
}

#[test]
fn one_certificate_in_three_stores_is_one_artifact() {
    let out = collect(&fixtures().join("covered"));
    let k = out.artifacts.iter().find(|a| a.kind == ArtifactKind::Certificate && a.name.starts_with("Kaspersky"));
    let k = k.expect("Kaspersky root");
    let sha1 = thumbprint("kaspersky-root.der");
    let upper = sha1.to_uppercase();
    assert_eq!(
        field(k, "certificate.store"),
        [
            format!(r"HKLM\SOFTWARE\Microsoft\SystemCertificates\ROOT\Certificates\{upper}"),
            format!(r"HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates\Root\Certificates\{upper}"),
            format!(r"HKU\alice\Software\Microsoft\SystemCertificates\Root\Certificates\{upper}"),
        ]
    );
    let s = k.signer.as_ref().expect("certificate identity");
    assert_eq!(s.sha1.as_deref(), Some(sha1.as_str()));
    assert_eq!(s.organization.as_deref(), Some("AO Kaspersky Lab"));
    assert_eq!(s.subject.as_deref(), Some("CN=Kaspersky Anti-Virus Personal Root Certificate,O=AO Kaspersky Lab,C=RU"));
    assert_eq!(s.issuer, s.subject);
    assert_eq!(k.publisher.as_deref(), Some("AO Kaspersky Lab"));
    // A certificate in a store signed nothing: no signature evidence.
    assert!(k.fields.iter().all(|f| f.role != delist_core::Role::Signer));
}

#[test]
fn clean_root_reads_no_log_and_nothing_of_the_vendor() {
    let out = collect(&fixtures().join("clean"));
    assert_eq!(out.errors, vec![]);
    let names: Vec<&str> = out.artifacts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    // SOFTWARE.LOG1 holds the covered hive's keys: never opened, never replayed.
    assert!(out.artifacts.iter().all(|a| a.publisher.as_deref() != Some("AO Kaspersky Lab")), "{names:?}");
}

#[test]
fn a_root_without_windows_is_not_read() {
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(t.path().join("etc")).expect("mkdir");
    let out = collect(t.path());
    assert!(out.artifacts.is_empty() && out.errors.is_empty());
}

#[test]
fn names_on_disk_are_matched_case_insensitively() {
    let t = copy_root("covered");
    let base = t.path();
    std::fs::rename(base.join("Windows/System32"), base.join("Windows/system32")).expect("rename");
    std::fs::rename(base.join("Windows/system32/config/SOFTWARE"), base.join("Windows/system32/config/software"))
        .expect("rename");
    std::fs::rename(base.join("Users/alice/NTUSER.DAT"), base.join("Users/alice/ntuser.dat")).expect("rename");
    let out = collect(base);
    assert_eq!(out.artifacts.len(), 15);
    assert!(out.artifacts.iter().any(|a| a.path == "/Windows/system32/config/software"));
}

#[test]
fn a_truncated_hive_is_an_error_and_the_others_are_still_read() {
    let t = copy_root("covered");
    let path = t.path().join("Windows/System32/config/SOFTWARE");
    let data = std::fs::read(&path).expect("read");
    std::fs::write(&path, &data[..data.len() - 4096]).expect("truncate");
    let out = collect(t.path());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(out.errors[0].path, SOFTWARE);
    assert!(out.errors[0].error.contains("truncated hive"), "{}", out.errors[0].error);
    // SYSTEM and NTUSER.DAT still give their services, drivers, programs and certificate.
    assert_eq!(out.artifacts.len(), 8);
}

/// Every single-bit flip of the hivex-written SYSTEM hive's cells: an error or a reading, never a
/// panic, and quickly.
#[test]
fn bit_flipped_hives_never_panic() {
    let data = std::fs::read(fixtures().join("covered/Windows/System32/config/SYSTEM")).expect("hive");
    let started = Instant::now();
    let end = data.len().min(BASE_BLOCK + 4096);
    for i in (BASE_BLOCK..end).step_by(3) {
        let mut d = data.clone();
        d[i] ^= 1 << (i % 8);
        if let Ok(h) = Hive::parse(&d) {
            let _ = h.walk(&mut |k| {
                let _ = h.values(k);
            });
        }
    }
    for n in [10, 4095, 4096, 4200, data.len() - 1] {
        assert!(Hive::parse(&data[..n]).is_err(), "truncated to {n}");
    }
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// The Uninstall key's subkey list edited to point at the hive's root: an error, not a hang.
#[test]
fn a_cyclic_subkey_list_is_an_error() {
    let t = copy_root("covered");
    let path = t.path().join("Windows/System32/config/SOFTWARE");
    let mut data = std::fs::read(&path).expect("read");
    let (root, list) = {
        let h = Hive::parse(&data).expect("hive");
        let root = h.root().expect("root");
        let key = h.open(&root, r"Microsoft\Windows\CurrentVersion\Uninstall").expect("read").expect("present");
        // The key node's subkey list offset (cell header 4 bytes, field at 28).
        let at = BASE_BLOCK + key.offset as usize + 4 + 28;
        (root.offset, u32::from_le_bytes(data[at..at + 4].try_into().expect("4 bytes")))
    };
    // The list's first element (after its 4-byte cell size and `lf`/`lh` + count) → the root.
    let first = BASE_BLOCK + list as usize + 4 + 4;
    data[first..first + 4].copy_from_slice(&root.to_le_bytes());
    std::fs::write(&path, &data).expect("write");
    let h = Hive::parse(&data).expect("hive");
    let err = h.walk(&mut |_| {}).expect_err("cycle");
    assert!(err.what.contains("cycle"), "{err}");
    let out = collect(t.path());
    let e = out.errors.iter().find(|e| e.path == SOFTWARE).expect("an error on SOFTWARE");
    assert!(e.error.contains("cycle"), "{}", e.error);
    // The 32-bit view, the stores and the other hives are still read.
    assert!(out.artifacts.iter().any(|a| a.name == "Kaspersky Endpoint Security for Windows"));
}
