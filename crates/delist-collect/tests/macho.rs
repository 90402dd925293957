//! Mach-O files, `.app` bundles and `.pkg` installers over the fixtures of `fixtures/macho/`
//! (built with clang + ld64.lld, signed with rcodesign by test certificates; see its README),
//! and over truncated, bit-flipped and tampered copies made here.
//!
//! The expected values are what `rcodesign print-signature-info` reports for the same files
//! (`fixtures/macho/rcodesign-info.yaml`): CDHash = the first 20 bytes of the chosen
//! CodeDirectory's SHA-256, leaf SHA-1 = the `certificate leaf = H"…"` of the designated
//! requirement.

use delist_collect::Root;
use delist_collect::files::{Bytes, FileFormat, Place, macho, xar};
use delist_core::{Artifact, ArtifactKind, IdKind, Role, Signer};
use std::path::{Path, PathBuf};

const KAV_TEAM: &str = "2Y8XE5CQ94";
const KAV_O: &str = "AO Kaspersky Lab";
const KAV_CN: &str = "Developer ID Application: AO Kaspersky Lab (2Y8XE5CQ94)";
const KAV_SUBJECT: &str =
    "C=RU,O=AO Kaspersky Lab,OU=2Y8XE5CQ94,CN=Developer ID Application: AO Kaspersky Lab (2Y8XE5CQ94),UID=2Y8XE5CQ94";
const KAV_LEAF_SHA1: &str = "a75a39853739db2d6b2658a45c03d770e0a3c700";
const ISSUER: &str =
    "C=US,O=delist test,OU=delist Test Certification Authority,CN=delist Test Developer ID Certification Authority";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/macho").join(rel)
}

fn bytes(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).expect("fixture")
}

fn place(path: &str) -> Place<'_> {
    Place { path, target: "dir:/fixtures", depth: 0 }
}

fn inspect_macho(b: &[u8], path: &str) -> Result<Vec<Artifact>, String> {
    macho::MachO.inspect(&Bytes(b), place(path))
}

fn one(r: Result<Vec<Artifact>, String>) -> Artifact {
    let mut v = r.expect("inspect");
    assert_eq!(v.len(), 1, "{v:?}");
    v.remove(0)
}

fn role_of(a: &Artifact, field: &str, value: &str) -> Option<Role> {
    a.fields.iter().find(|f| f.field == field && f.value == value).map(|f| f.role)
}

#[test]
fn kaspersky_signed_thin_binary() {
    let b = bytes("bin/kav-helper");
    assert!(macho::MachO.sniff(&b[..64]));
    let a = one(inspect_macho(&b, "/bin/kav-helper"));
    assert_eq!(a.kind, ArtifactKind::Executable);
    assert_eq!(a.name, "kav-helper");
    let s = *a.signer.clone().expect("signer");
    assert_eq!(
        s,
        Signer {
            subject: Some(KAV_SUBJECT.into()),
            organization: Some(KAV_O.into()),
            common_name: Some(KAV_CN.into()),
            issuer: Some(ISSUER.into()),
            serial: Some("4B41563031".into()),
            sha1: Some(KAV_LEAF_SHA1.into()),
            sha256: Some("3bcbfc3fc61d69407d3ffb0f3bf2b5fa46af0f6e1f040801f05ff39852c07df1".into()),
            issuer_tbs_sha256: Some("852b155398572efe3572b240c36e15098141953e5ad74dcedb0a6aa5f5a9fcda".into()),
            signing_time: Some("2024-06-01T12:00:00Z".into()),
            team_id: Some(KAV_TEAM.into()),
            signing_id: Some("com.kaspersky.kav.helper".into()),
            cdhash: Some("5d8f8c27dea6dd71bc60f07017bd9fac7c79e86c".into()),
            digest_ok: Some(true),
        }
    );
    assert_eq!(role_of(&a, "signer.team_id", KAV_TEAM), Some(Role::Identifier(IdKind::TeamId)));
    assert_eq!(role_of(&a, "signer.organization", KAV_O), Some(Role::Signer));
    assert_eq!(
        role_of(&a, "macho.signing_id", "com.kaspersky.kav.helper"),
        Some(Role::Identifier(IdKind::BundleId)),
        "signed with a Team ID: the signing id identifies"
    );
    assert_eq!(role_of(&a, "macho.arch", "arm64"), Some(Role::Other));
}

#[test]
fn decoy_with_sha1_and_sha256_directories_uses_sha256() {
    let b = bytes("bin/decoy-tool");
    let slices = macho::read(&Bytes(&b), true).expect("read");
    let sig = slices[0].signature.as_ref().expect("signed");
    assert_eq!(sig.embedded.directories.len(), 2);
    let primary = sig.embedded.primary().expect("slot 0");
    assert_eq!(primary.hash_type, macho::codesign::HashType::Sha1);
    assert_eq!(hex(&primary.cdhash), "dd33d91a2b9456bda6c4c4d6fdb060c8dad532a3");
    let best = sig.embedded.best().expect("best");
    assert_eq!(best.hash_type, macho::codesign::HashType::Sha256);
    assert_eq!(best.slot, macho::codesign::CSSLOT_ALTERNATE_CODEDIRECTORIES);
    let a = one(inspect_macho(&b, "/bin/decoy-tool"));
    let s = a.signer.expect("signer");
    assert_eq!(s.cdhash.as_deref(), Some("1002ab2d683fa7dae2df0bc125c1c0476edac751"));
    assert_eq!(s.team_id.as_deref(), Some("ABCDE12345"));
    assert_eq!(s.organization.as_deref(), Some("Example Corp"));
    assert_eq!(s.common_name.as_deref(), Some("Developer ID Application: Example Corp (ABCDE12345)"));
    assert_eq!(s.signing_id.as_deref(), Some("com.example.tool"));
    assert_eq!(s.sha1.as_deref(), Some("d882e1c01234db17f7cea1d779323926836bb958"));
    assert_eq!(s.digest_ok, Some(true), "the CMS digest covers the SHA-1 directory, pages match both");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn unsigned_and_adhoc_binaries_give_no_artifact() {
    let b = bytes("bin/unsigned-tool");
    assert!(macho::read(&Bytes(&b), true).expect("read")[0].signature.is_none());
    assert!(inspect_macho(&b, "/bin/unsigned-tool").expect("inspect").is_empty());

    let b = bytes("bin/adhoc-tool");
    let slices = macho::read(&Bytes(&b), true).expect("read");
    let sig = slices[0].signature.as_ref().expect("linker-signed");
    let cd = sig.embedded.best().expect("cd");
    assert!(cd.is_adhoc());
    assert_eq!(cd.team_id, None);
    assert!(sig.cms.is_none());
    assert_eq!(sig.digest_ok(), Some(true));
    assert!(inspect_macho(&b, "/bin/adhoc-tool").expect("inspect").is_empty());
}

#[test]
fn universal_binary_gives_one_artifact_with_a_signer_per_slice() {
    let b = bytes("bin/kav-universal");
    assert_eq!(&b[..4], &[0xca, 0xfe, 0xba, 0xbe]);
    let a = one(inspect_macho(&b, "/bin/kav-universal"));
    let cdhashes: Vec<_> =
        a.signer.as_deref().into_iter().chain(&a.other_signers).map(|s| s.cdhash.clone().unwrap_or_default()).collect();
    assert_eq!(cdhashes, ["37875ed1c1c54080527fd81e30596ddf2a8a7313", "8812e9e6f93c9baf2e0a8d2b475b9a7a379473c5"]);
    for s in a.signer.as_deref().into_iter().chain(&a.other_signers) {
        assert_eq!(s.team_id.as_deref(), Some(KAV_TEAM));
        assert_eq!(s.signing_id.as_deref(), Some("com.kaspersky.kav.universal"));
        assert_eq!(s.sha1.as_deref(), Some(KAV_LEAF_SHA1));
        assert_eq!(s.digest_ok, Some(true));
    }
    assert!(role_of(&a, "macho.arch", "x86_64").is_some() && role_of(&a, "macho.arch", "arm64").is_some());
    // Each evidence field once, however many slices say it.
    assert_eq!(a.fields.iter().filter(|f| f.field == "signer.team_id").count(), 1);
}

#[test]
fn kaspersky_app_bundle_with_binary_info_plist() {
    let root = Root::new(fixture("root"));
    let dir = "/Applications/Kaspersky Downloader.app";
    let plist = std::fs::read(fixture(&format!("root{dir}/Contents/Info.plist"))).expect("plist");
    assert!(plist.starts_with(b"bplist00"), "made with plistlib FMT_BINARY");
    let a = macho::inspect_bundle(&root, dir, "rootfs:/fixture").expect("read").expect("a bundle");
    assert_eq!(a.kind, ArtifactKind::AppBundle);
    assert_eq!(a.name, "Kaspersky Downloader");
    assert_eq!(a.version.as_deref(), Some("21.1.0"));
    assert_eq!(a.path, dir);
    assert_eq!(a.target, "rootfs:/fixture");
    assert_eq!(a.ids, ["com.kaspersky.kav.downloader"]);
    assert_eq!(role_of(&a, "bundle.id", "com.kaspersky.kav.downloader"), Some(Role::Identifier(IdKind::BundleId)));
    assert_eq!(role_of(&a, "bundle.copyright", "© 2024 AO Kaspersky Lab"), Some(Role::Text));
    assert_eq!(role_of(&a, "bundle.version", "21.1.0.123"), Some(Role::Other));
    let s = a.signer.clone().expect("main executable's signer");
    assert_eq!(s.team_id.as_deref(), Some(KAV_TEAM));
    assert_eq!(s.signing_id.as_deref(), Some("com.kaspersky.kav.downloader"));
    assert_eq!(s.cdhash.as_deref(), Some("ca88f649b8791cb1f423542330b6bd2c7b616a00"));
    assert_eq!(s.subject.as_deref(), Some(KAV_SUBJECT));
    assert_eq!(s.digest_ok, Some(true), "pages, Info.plist and CodeResources all match");
    assert_eq!(role_of(&a, "signer.team_id", KAV_TEAM), Some(Role::Identifier(IdKind::TeamId)));
}

#[test]
fn clean_and_xml_plist_bundles() {
    let root = Root::new(fixture("root"));
    let a = macho::inspect_bundle(&root, "/Applications/Example Notes.app/", "t").expect("read").expect("bundle");
    assert_eq!((a.name.as_str(), a.version.as_deref()), ("Notes", Some("3.2")));
    assert_eq!(a.path, "/Applications/Example Notes.app");
    let s = a.signer.expect("signed");
    assert_eq!(s.team_id.as_deref(), Some("ABCDE12345"));
    assert_eq!(s.organization.as_deref(), Some("Example Corp"));
    assert_eq!(s.digest_ok, Some(true));

    // iOS layout, XML Info.plist, an ad-hoc (linker) signed executable: no signer.
    let a = macho::inspect_bundle(&root, "/Applications/Plain.app", "t").expect("read").expect("bundle");
    assert_eq!((a.name.as_str(), a.version.as_deref()), ("Plain", Some("1.0")));
    assert_eq!(role_of(&a, "bundle.id", "org.example.plain"), Some(Role::Identifier(IdKind::BundleId)));
    assert!(a.signer.is_none());
    assert!(!a.fields.iter().any(|f| f.field == "bundle.executable_error"), "{:?}", a.fields);

    // Not a bundle.
    assert_eq!(macho::inspect_bundle(&root, "/Applications", "t"), Ok(None));
    assert_eq!(macho::inspect_bundle(&root, "/Nowhere.app", "t"), Ok(None));
}

/// Copies a fixture bundle into a temporary root.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

#[test]
fn tampered_bundles_lose_their_signature_evidence() {
    let app = "Applications/Kaspersky Downloader.app";
    for (what, rel) in [
        ("Info.plist", "Contents/Info.plist"),
        ("CodeResources", "Contents/_CodeSignature/CodeResources"),
        ("code", "Contents/MacOS/Kaspersky Downloader"),
    ] {
        let t = tempfile::tempdir().expect("tempdir");
        copy_tree(&fixture(&format!("root/{app}")), &t.path().join(app));
        let file = t.path().join(app).join(rel);
        let mut b = std::fs::read(&file).expect("read");
        // A byte in the middle: the version string of the plist, a resource hash, a code page.
        let at = if what == "code" { 0x100 } else { b.len() / 2 };
        b[at] ^= 0x01;
        std::fs::write(&file, b).expect("write");
        let a = macho::inspect_bundle(&Root::new(t.path()), &format!("/{app}"), "t");
        let a = match a {
            Ok(Some(a)) => a,
            // A flipped Info.plist byte may break the plist itself: an error, not a panic.
            Err(e) if what == "Info.plist" => {
                assert!(e.contains("Info.plist"), "{e}");
                continue;
            }
            other => panic!("{what}: {other:?}"),
        };
        let s = a.signer.clone().expect("signer still reported");
        assert_eq!(s.digest_ok, Some(false), "{what}");
        assert!(
            !a.fields.iter().any(|f| f.role == Role::Identifier(IdKind::TeamId) || f.role == Role::Signer),
            "{what}: a tampered signature is no evidence"
        );
        assert_eq!(role_of(&a, "macho.signing_id", "com.kaspersky.kav.downloader"), Some(Role::Other), "{what}");
    }
    // A missing CodeResources that the signature names.
    let t = tempfile::tempdir().expect("tempdir");
    copy_tree(&fixture(&format!("root/{app}")), &t.path().join(app));
    std::fs::remove_file(t.path().join(app).join("Contents/_CodeSignature/CodeResources")).expect("rm");
    let a = macho::inspect_bundle(&Root::new(t.path()), &format!("/{app}"), "t").expect("read").expect("bundle");
    assert_eq!(a.signer.and_then(|s| s.digest_ok), Some(false));
}

#[test]
fn kaspersky_pkg_signed_by_rcodesign() {
    let b = bytes("pkg/KasperskyDownloader.pkg");
    assert!(xar::Xar.sniff(&b[..32]));
    let mut v = xar::Xar.inspect(&Bytes(&b), place("/pkg/KasperskyDownloader.pkg")).expect("inspect");
    assert_eq!(v.len(), 1);
    let a = v.remove(0);
    assert_eq!(a.kind, ArtifactKind::Installer);
    assert_eq!(a.name, "Kaspersky Downloader");
    assert_eq!(a.version.as_deref(), Some("21.1.0"));
    assert_eq!(a.ids, ["com.kaspersky.kav.downloader", "com.kaspersky.kav.downloader.pkg"]);
    assert_eq!(
        role_of(&a, "pkg.identifier", "com.kaspersky.kav.downloader"),
        Some(Role::Identifier(IdKind::BundleId)),
        "signed with a Team ID"
    );
    let s = a.signer.clone().expect("signer");
    assert_eq!(
        s.subject.as_deref(),
        Some(
            "C=RU,O=AO Kaspersky Lab,OU=2Y8XE5CQ94,CN=Developer ID Installer: AO Kaspersky Lab (2Y8XE5CQ94),UID=2Y8XE5CQ94"
        )
    );
    assert_eq!(s.organization.as_deref(), Some(KAV_O));
    assert_eq!(s.team_id.as_deref(), Some(KAV_TEAM));
    assert_eq!(s.serial.as_deref(), Some("4B41563032"));
    assert_eq!(s.issuer.as_deref(), Some(ISSUER));
    assert_eq!(s.sha1.as_deref(), Some("e6cd2e96db29559f7b52395f368c2c0d73093612"));
    assert_eq!(s.digest_ok, Some(true), "TOC checksum and CMS message digest match");
    assert!(a.other_signers.is_empty(), "the RSA signature's chain is the same certificate");
    assert_eq!(role_of(&a, "signer.team_id", KAV_TEAM), Some(Role::Identifier(IdKind::TeamId)));

    // A TOC whose compressed bytes change no longer matches the signed checksum.
    let pkg = xar::read(&Bytes(&b)).expect("read");
    assert_eq!(pkg.toc.signatures.len(), 2);
    assert!(pkg.toc.signatures.iter().any(|s| s.style == "CMS" && s.element == "x-signature"));
}

#[test]
fn unsigned_pkg_only_claims() {
    let b = bytes("pkg/example-unsigned.pkg");
    let a = xar::Xar.inspect(&Bytes(&b), place("/pkg/example-unsigned.pkg")).expect("inspect").remove(0);
    assert_eq!(a.name, "Example Notes");
    assert!(a.signer.is_none());
    assert_eq!(role_of(&a, "pkg.identifier", "com.example.notes"), Some(Role::Other));
}

const FILES: &[&str] = &[
    "bin/kav-helper",
    "bin/decoy-tool",
    "bin/unsigned-tool",
    "bin/adhoc-tool",
    "bin/kav-universal",
    "pkg/KasperskyDownloader.pkg",
    "pkg/example-unsigned.pkg",
];

fn inspect_any(b: &[u8]) -> Option<Result<Vec<Artifact>, String>> {
    let formats: Vec<Box<dyn FileFormat>> = vec![Box::new(macho::MachO), Box::new(xar::Xar)];
    delist_collect::files::inspect(&formats, &Bytes(b), place("/x"))
}

#[test]
fn truncated_copies_are_errors_never_panics() {
    for f in FILES {
        let b = bytes(f);
        // Every cut of the headers, then about 400 more across the file.
        let cuts = (0..b.len().min(512)).chain((512..b.len()).step_by((b.len() / 400).max(1)));
        for n in cuts {
            match inspect_any(&b[..n]) {
                None | Some(Err(_)) => {}
                Some(Ok(v)) => panic!("{f} cut at {n} of {} read as {v:?}", b.len()),
            }
        }
    }
}

/// The byte ranges a signature covers: each slice's code up to its code limit (Mach-O), the
/// compressed TOC and its checksum (xar).
fn signed_ranges(b: &[u8]) -> Vec<std::ops::Range<usize>> {
    if b.starts_with(b"xar!") {
        let toc = u64::from_be_bytes(b[8..16].try_into().expect("8")) as usize;
        return std::iter::once(28..28 + toc + 20).collect();
    }
    macho::read(&Bytes(b), false)
        .expect("intact")
        .iter()
        .filter_map(|s| {
            let cd = s.signature.as_ref()?.embedded.best()?;
            Some(s.offset as usize..(s.offset + cd.code_limit) as usize)
        })
        .collect()
}

#[test]
fn bit_flipped_copies_never_panic_and_flips_in_signed_bytes_are_caught() {
    for f in FILES {
        let b = bytes(f);
        let signed = signed_ranges(&b);
        // About 200 positions a file, odd strides so they fall on every byte lane (the fuzz
        // targets flip everything; here, time).
        let step = (b.len() / 200).max(1) | 1;
        for at in (0..b.len()).step_by(step) {
            let mut c = b.clone();
            c[at] ^= 0x10;
            let got = inspect_any(&c);
            // Unsigned bytes (padding, a fat header, the CMS blob): only no panic.
            let Some(k) = signed.iter().position(|r| r.contains(&at)) else { continue };
            if let Some(Ok(v)) = got {
                for a in &v {
                    // The k-th signer is the k-th signed slice's (or the package's).
                    let s = a.signer.as_deref().into_iter().chain(&a.other_signers).nth(k);
                    assert_ne!(s.and_then(|s| s.digest_ok), Some(true), "{f}: flip at {at} still reads as intact");
                }
            }
        }
    }
}
