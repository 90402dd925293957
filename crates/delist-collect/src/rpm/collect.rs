//! The rpm database collector: finds the database under a root and turns its headers into
//! artifacts. The format readers beside it do the parsing; this file only knows where rpm keeps
//! its database on the distributions that use it.

use super::{RpmPackage, read_any};
use crate::{Collector, Context, Sink};
use delist_core::{Artifact, ArtifactKind, Role};
use std::collections::HashSet;

/// Where rpm keeps its database: Fedora ≥ 36 and RHEL 9 in /usr/lib/sysimage (with /var/lib/rpm
/// often a symlink to it), SUSE's NDB `Packages.db`, and the classic BerkeleyDB `Packages`.
const LOCATIONS: &[&str] = &[
    "/usr/lib/sysimage/rpm/rpmdb.sqlite",
    "/var/lib/rpm/rpmdb.sqlite",
    "/usr/lib/sysimage/rpm/Packages.db",
    "/var/lib/rpm/Packages.db",
    "/usr/lib/sysimage/rpm/Packages",
    "/var/lib/rpm/Packages",
];

/// rpm databases of real systems are tens of MB; far above that is not an rpm database.
const MAX_DB: u64 = 2 << 30;

/// Turns one package record into an artifact.
pub fn artifact(p: &RpmPackage, path: &str, target: &str) -> Artifact {
    let version = match p.epoch {
        Some(e) if e > 0 => format!("{e}:{}-{}", p.version, p.release),
        _ => format!("{}-{}", p.version, p.release),
    };
    let mut a = Artifact::new(ArtifactKind::Rpm, &p.name, path, target)
        .version(version)
        .field("rpm.name", &p.name, Role::Name)
        .id(format!("pkg:rpm/{}", p.name));
    for (field, value, role) in [
        ("rpm.vendor", &p.vendor, Role::Publisher),
        ("rpm.packager", &p.packager, Role::Publisher),
        ("rpm.url", &p.url, Role::Homepage),
        ("rpm.distribution", &p.distribution, Role::Other),
        ("rpm.arch", &p.arch, Role::Other),
        ("rpm.license", &p.license, Role::Other),
        ("rpm.summary", &p.summary, Role::Text),
    ] {
        if let Some(v) = value {
            a = a.field(field, v, role);
        }
    }
    a
}

/// The rpm database collector.
pub struct Rpm;

impl Collector for Rpm {
    fn id(&self) -> &'static str {
        "rpm"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let mut seen = HashSet::new();
        for path in LOCATIONS {
            if !cx.root.is_file(path) {
                continue;
            }
            // /var/lib/rpm is often a symlink to /usr/lib/sysimage/rpm: read each file once.
            if let Ok(host) = cx.root.identity(path)
                && !seen.insert(host)
            {
                continue;
            }
            let bytes = match cx.root.read(path, MAX_DB) {
                Ok(b) => b,
                Err(e) => {
                    out.error(path, format!("cannot read rpm database: {e}"));
                    continue;
                }
            };
            let (packages, errors) = read_any(&bytes);
            for e in errors {
                out.error(path, e);
            }
            // gpg-pubkey entries are the keys rpm trusts, not software.
            for p in packages.iter().filter(|p| p.name != "gpg-pubkey") {
                out.push(artifact(p, path, cx.target));
            }
        }
    }
}
