//! android: mobile app packages — Android **APK** and iOS **IPA** files — identified by what they
//! say about themselves: the APK's package id, version and label from its binary
//! `AndroidManifest.xml` and its signer certificates (v1 `META-INF/*.RSA|DSA|EC`, the v2/v3/v3.1
//! APK Signing Block); the IPA's bundle id and version from `Payload/*.app/Info.plist` and its
//! Team ID and team name from `embedded.mobileprovision`.
//!
//! Owns the [`Android`] file format and its submodules: [`zip`] (central directory and member
//! reads), [`axml`] (binary XML), [`apksig`] (signing block) and [`pkcs7`] (BER, CMS and X.509,
//! also used by [`crate::files::msi`]). Plists are read with [`crate::files::plist`]. It must
//! never verify a signature (signers carry `digest_ok: None`), inflate a member past its cap
//! ([`MAX_MANIFEST`], [`MAX_PLIST`], [`MAX_CERT_FILE`]), read members it does not need, or look
//! into the package as an archive — that is [`crate::files::archive`]'s job.
//!
//! **Which zips this format claims.** APKs, IPAs, JARs and plain zips share the `PK\x03\x04`
//! magic, and [`FileFormat::sniff`] sees only the first [`HEAD`](crate::files::HEAD) bytes —
//! usually the first local header or two, since a member's data follows its header. So `sniff`
//! walks the local headers in those bytes and claims the file when one is named like an APK or
//! IPA member only (`AndroidManifest.xml`, `classes*.dex`, `resources.arsc`, `Payload/…`,
//! `iTunesMetadata.plist`), or when the first member is under a directory that APKs often start
//! with but other zips also use (`META-INF/` — every signed JAR starts there too — `res/`,
//! `assets/`, `lib/`, `kotlin/`). `inspect` then decides from the central directory: a zip
//! holding `AndroidManifest.xml` is an APK, one holding `Payload/<name>.app/Info.plist` an IPA,
//! and anything else is handed to [`crate::files::archive`] unchanged, as if this format had
//! never claimed it. Plain zips whose first member is anything else go straight to the archive
//! reader. The cost of a wrong claim is one central-directory read; the cost of a missed APK
//! would be its identity.

pub mod apksig;
pub mod axml;
pub mod ipa;
pub mod pkcs7;
pub mod zip;

use super::{FileFormat, FileView, Place};
use delist_core::catalog::IdKind;
use delist_core::{Artifact, ArtifactKind, Role, Signer};

/// Largest `AndroidManifest.xml` inflated.
pub const MAX_MANIFEST: u64 = 8 << 20;
/// Largest `Info.plist` inflated.
pub const MAX_PLIST: u64 = 4 << 20;
/// Largest signature or provisioning-profile member inflated (`META-INF/*.RSA`,
/// `embedded.mobileprovision`).
pub const MAX_CERT_FILE: u64 = 1 << 20;
/// Most v1 signature files read.
pub const MAX_V1_FILES: usize = 8;

pub struct Android;

/// What the head of a zip says about it.
#[derive(Debug, PartialEq, Eq)]
enum Claim {
    /// A member only APKs or IPAs have.
    Mobile,
    /// A first member that APKs and other zips share.
    Maybe,
    No,
}

fn claim(head: &[u8]) -> Claim {
    if !head.starts_with(b"PK\x03\x04") {
        return Claim::No;
    }
    let names = zip::local_names(head);
    let mobile = names.iter().any(|n| {
        n == "AndroidManifest.xml"
            || n == "resources.arsc"
            || n == "iTunesMetadata.plist"
            || n.starts_with("Payload/")
            || (n.starts_with("classes") && n.ends_with(".dex") && !n.contains('/'))
    });
    if mobile {
        return Claim::Mobile;
    }
    let first = names.first().map(String::as_str).unwrap_or_default();
    if ["META-INF/", "res/", "assets/", "lib/", "kotlin/"].iter().any(|d| first.starts_with(d)) {
        Claim::Maybe
    } else {
        Claim::No
    }
}

impl FileFormat for Android {
    fn id(&self) -> &'static str {
        "android"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        claim(head) != Claim::No
    }

    fn inspect(&self, file: &dyn FileView, place: Place<'_>) -> Result<Vec<Artifact>, String> {
        let head = file.read_at(0, super::HEAD).map_err(|e| format!("cannot read: {e}"))?;
        let sure = claim(&head) == Claim::Mobile;
        let z = match zip::open(file) {
            Ok(z) => z,
            Err(e) if sure => return Err(e),
            Err(_) => return super::archive::Archive.inspect(file, place),
        };
        if z.find("AndroidManifest.xml").is_some() {
            return Ok(vec![apk(file, &z, place)?]);
        }
        if let Some(app) = ipa::app_dir(&z) {
            return Ok(vec![ipa::ipa(file, &z, &app, place)?]);
        }
        if sure {
            return Err("no AndroidManifest.xml and no Payload/*.app/Info.plist".into());
        }
        super::archive::Archive.inspect(file, place)
    }
}

/// Reads an APK into its artifact.
fn apk(file: &dyn FileView, z: &zip::Zip, place: Place<'_>) -> Result<Artifact, String> {
    let entry = z.find("AndroidManifest.xml").ok_or("no AndroidManifest.xml")?;
    let bytes = zip::read(file, entry, MAX_MANIFEST)?;
    let m = axml::parse_manifest(&bytes).map_err(|e| format!("AndroidManifest.xml: {e}"))?;
    let package = m.package.clone().ok_or("AndroidManifest.xml names no package")?;
    let (signers, schemes, errors) = apk_signers(file, z);
    let mut a = Artifact::new(
        ArtifactKind::MobileApp,
        m.label.clone().unwrap_or_else(|| package.clone()),
        place.path,
        place.target,
    )
    .version(m.version_name.clone().or_else(|| m.version_code.clone()).unwrap_or_default())
    .id(package.clone())
    .field("apk.package", package, Role::Identifier(IdKind::AppId))
    .field("apk.label", m.label.unwrap_or_default(), Role::Name)
    .field("apk.version_name", m.version_name.unwrap_or_default(), Role::Other)
    .field("apk.version_code", m.version_code.unwrap_or_default(), Role::Other)
    .field("apk.min_sdk", m.min_sdk.unwrap_or_default(), Role::Other)
    .field("apk.target_sdk", m.target_sdk.unwrap_or_default(), Role::Other)
    .field("apk.signature_schemes", schemes.join(","), Role::Other);
    for e in errors {
        a = a.field("apk.signature_error", e, Role::Other);
    }
    for s in signers {
        a = a.signer(s);
    }
    Ok(a)
}

/// The APK's signers, newest scheme first (v3.1, v3, v2, v1), each certificate once; the
/// schemes present; and what could not be read (a broken signature is reported, not fatal).
fn apk_signers(file: &dyn FileView, z: &zip::Zip) -> (Vec<Signer>, Vec<&'static str>, Vec<String>) {
    let mut found: Vec<(u8, Signer)> = Vec::new();
    let mut schemes = Vec::new();
    let mut errors = Vec::new();
    let v1_files: Vec<&zip::Entry> = z
        .entries
        .iter()
        .filter(|e| {
            let Some(rest) = e.name.strip_prefix("META-INF/") else { return false };
            let upper = rest.to_ascii_uppercase();
            !rest.contains('/') && [".RSA", ".DSA", ".EC"].iter().any(|x| upper.ends_with(x))
        })
        .take(MAX_V1_FILES)
        .collect();
    for e in &v1_files {
        let sd = zip::read(file, e, MAX_CERT_FILE).and_then(|b| {
            let sd = pkcs7::parse_signed_data(&b)?;
            Ok(pkcs7::signers(&sd))
        });
        match sd {
            Ok(signers) => found.extend(signers.into_iter().map(|s| (3, s))),
            Err(err) => errors.push(format!("{}: {err}", e.name)),
        }
    }
    if !v1_files.is_empty() {
        schemes.push("v1");
    }
    match apksig::find_block(file, z.cd_offset).and_then(|b| b.map(|b| apksig::signers(&b)).transpose()) {
        Ok(Some(block)) => {
            for bs in block {
                let name = apksig::scheme_name(bs.scheme);
                if !schemes.contains(&name) {
                    schemes.push(name);
                }
                let certs: Vec<pkcs7::Cert<'_>> =
                    bs.certificates.iter().filter_map(|c| pkcs7::parse_cert(c).ok()).collect();
                match bs.certificates.first().map(|c| pkcs7::parse_cert(c)) {
                    Some(Ok(cert)) => {
                        let rank = match bs.scheme {
                            apksig::V31 => 0,
                            apksig::V3 => 1,
                            _ => 2,
                        };
                        found.push((rank, pkcs7::signer_of(&cert, &certs)));
                    }
                    Some(Err(err)) => errors.push(format!("{name} signer certificate: {err}")),
                    None => errors.push(format!("{name} signer lists no certificate")),
                }
            }
        }
        Ok(None) => {}
        Err(err) => errors.push(format!("APK signing block: {err}")),
    }
    found.sort_by_key(|(rank, _)| *rank);
    let mut signers: Vec<Signer> = Vec::new();
    for (_, s) in found {
        if !signers.iter().any(|o| o.sha256 == s.sha256) {
            signers.push(s);
        }
    }
    (signers, schemes, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::Bytes;

    const PLACE: Place<'static> = Place { path: "/x.apk", target: "dir:/t", depth: 0 };

    #[test]
    fn claims_mobile_zips_and_passes_others_on() {
        let apk = zip::tests::build(&[("AndroidManifest.xml", &axml::tests::manifest(true, "a.b", "L"), true)], b"");
        assert_eq!(claim(&apk), Claim::Mobile);
        let jar = zip::tests::build(&[("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n", true)], b"");
        assert_eq!(claim(&jar), Claim::Maybe);
        let plain = zip::tests::build(&[("readme.txt", b"hi", false)], b"");
        assert_eq!(claim(&plain), Claim::No);
        assert_eq!(claim(b"MZ"), Claim::No);
        // A JAR is not ours: inspect hands it to the archive format.
        assert_eq!(Android.inspect(&Bytes(&jar), PLACE), crate::files::archive::Archive.inspect(&Bytes(&jar), PLACE));
        // A broken zip that only might be an APK is the archive format's to report.
        assert_eq!(
            Android.inspect(&Bytes(&jar[..jar.len() - 3]), PLACE),
            crate::files::archive::Archive.inspect(&Bytes(&jar[..jar.len() - 3]), PLACE)
        );
    }

    #[test]
    fn reads_an_unsigned_apk() {
        let apk = zip::tests::build(
            &[("AndroidManifest.xml", &axml::tests::manifest(false, "com.example.app", "Example"), true)],
            b"",
        );
        let a = Android.inspect(&Bytes(&apk), PLACE).unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].kind, ArtifactKind::MobileApp);
        assert_eq!(a[0].name, "Example");
        assert_eq!(a[0].version.as_deref(), Some("1.2.3"));
        assert_eq!(a[0].ids, vec!["com.example.app"]);
        assert!(a[0].signer.is_none());
        assert!(a[0].fields.iter().any(|f| f.field == "apk.package" && f.role == Role::Identifier(IdKind::AppId)));
        // Truncated anywhere: an error, never a panic.
        for cut in 0..apk.len() {
            assert!(Android.inspect(&Bytes(&apk[..cut]), PLACE).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn a_manifest_bomb_is_refused() {
        let big = vec![0u8; (MAX_MANIFEST + 1) as usize];
        let apk = zip::tests::build(&[("AndroidManifest.xml", &big, true)], b"");
        assert!(Android.inspect(&Bytes(&apk), PLACE).unwrap_err().contains("limit"));
    }
}
