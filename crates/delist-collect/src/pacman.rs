//! pacman (Arch, Manjaro, EndeavourOS, SteamOS): the local database
//! `/var/lib/pacman/local/<name>-<version>/desc`, one directory per installed package.
//!
//! Owns reading each `desc` into one artifact. The format is libalpm's: sections opened by a
//! `%NAME%`-style header line, one value per following line, closed by a blank line (`%LICENSE%`
//! and the dependency lists hold several values). The `files` and `mtree` beside `desc` list the
//! package's files and are not read.
//!
//! It must never run pacman, take pacman's lock (`db.lck`), read the sync databases (they list
//! what *could* be installed), or honour a `DBPath` from the target's `pacman.conf`: a
//! relocated database is rare and reading the target's configuration to find files is a way to be
//! pointed anywhere.

use crate::{Collector, Context, Sink, excerpt::excerpt, root::join};
use delist_core::{Artifact, ArtifactKind, Role};

const LOCAL: &str = "/var/lib/pacman/local";
/// The largest `desc` read: a real one is under 2 KB even with long dependency lists.
const MAX_DESC: u64 = 16 << 20;
/// The most package directories listed (a large desktop has about 2,000).
const MAX_PACKAGES: usize = 200_000;

/// A parsed `desc`: its sections in order, each with its values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Desc {
    pub sections: Vec<(String, Vec<String>)>,
}

impl Desc {
    /// The first value of a section (`NAME`, not `%NAME%`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.all(name).first().map(String::as_str)
    }

    /// Every value of a section, empty when it is absent.
    pub fn all(&self, name: &str) -> &[String] {
        self.sections.iter().find(|(k, _)| k == name).map_or(&[], |(_, v)| v.as_slice())
    }
}

/// Parses a `desc` file. Never fails: a value line outside any section is returned as a problem
/// with its line number, and parsing goes on.
pub fn parse_desc(text: &str) -> (Desc, Vec<(usize, String)>) {
    let mut desc = Desc::default();
    let mut problems = Vec::new();
    // Whether the last header's section is still open (no blank line since).
    let mut open = false;
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            open = false;
            continue;
        }
        if let Some(name) = header(line) {
            desc.sections.push((name.to_string(), Vec::new()));
            open = true;
            continue;
        }
        match desc.sections.last_mut() {
            Some((_, values)) if open => values.push(line.to_string()),
            _ => problems.push((i + 1, format!("value outside a %SECTION%: {:?}", excerpt(line, 60)))),
        }
    }
    (desc, problems)
}

/// `%NAME%` → `NAME`: upper-case letters, digits and `_` between two `%`.
fn header(line: &str) -> Option<&str> {
    let name = line.strip_prefix('%')?.strip_suffix('%')?;
    let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some(name)
}

/// Turns a parsed `desc` into an artifact, or `None` when it names no package.
pub fn artifact(d: &Desc, path: &str, target: &str) -> Option<Artifact> {
    let name = d.get("NAME").filter(|n| !n.is_empty())?;
    let mut a = Artifact::new(ArtifactKind::Pacman, name, path, target)
        .version(d.get("VERSION").unwrap_or(""))
        .field("pacman.package", name, Role::Name)
        .id(format!("pkg:alpm/{name}"));
    for (field, key, role) in [
        ("pacman.packager", "PACKAGER", Role::Publisher),
        ("pacman.url", "URL", Role::Homepage),
        ("pacman.base", "BASE", Role::Other),
        ("pacman.architecture", "ARCH", Role::Other),
    ] {
        if let Some(v) = d.get(key) {
            a = a.field(field, v, role);
        }
    }
    for licence in d.all("LICENSE") {
        a = a.field("pacman.license", licence, Role::Other);
    }
    if let Some(v) = d.get("DESC") {
        a = a.field("pacman.description", v, Role::Text);
    }
    Some(a)
}

/// The pacman local database collector.
pub struct Pacman;

impl Collector for Pacman {
    fn id(&self) -> &'static str {
        "pacman"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        if !cx.root.is_dir(LOCAL) {
            return;
        }
        let entries = match cx.root.read_dir(LOCAL, MAX_PACKAGES) {
            Ok(e) => e,
            Err(e) => return out.error(LOCAL, format!("cannot list: {e}")),
        };
        // Files beside the package directories (ALPM_DB_VERSION) are not packages.
        for e in entries.iter().filter(|e| e.is_dir) {
            let path = join(&join(LOCAL, &e.name), "desc");
            let text = match cx.root.read_text(&path, MAX_DESC) {
                Ok(t) => t,
                Err(err) => {
                    out.error(&path, format!("cannot read pacman package record: {err}"));
                    continue;
                }
            };
            let (desc, problems) = parse_desc(&text);
            for (line, p) in problems {
                out.error(&path, format!("line {line}: {p}"));
            }
            match artifact(&desc, &path, cx.target) {
                Some(a) => out.push(a),
                None => out.error(&path, "package record without a %NAME%"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESC: &str = "%NAME%\nkesl\n\n%VERSION%\n1:12.1.0-1\n\n%DESC%\nKaspersky Endpoint Security\n\n%URL%\nhttps://www.kaspersky.com/\n\n%PACKAGER%\nAO Kaspersky Lab <support@kaspersky.com>\n\n%LICENSE%\nMIT\nApache-2.0\n\n%VALIDATION%\nnone\n\n";

    #[test]
    fn sections_and_lists() {
        let (d, p) = parse_desc(DESC);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(d.get("NAME"), Some("kesl"));
        assert_eq!(d.get("VERSION"), Some("1:12.1.0-1"));
        assert_eq!(d.all("LICENSE"), ["MIT", "Apache-2.0"]);
        assert!(d.all("DEPENDS").is_empty());
        assert_eq!(header("%NAME%"), Some("NAME"));
        assert_eq!(header("%%"), None);
        assert_eq!(header("%name%"), None);
        assert_eq!(header("%"), None);
    }

    #[test]
    fn artifact_fields_and_roles() {
        let (d, _) = parse_desc(DESC);
        let a = artifact(&d, "/var/lib/pacman/local/kesl-1:12.1.0-1/desc", "t").expect("package");
        assert_eq!(a.name, "kesl");
        assert_eq!(a.version.as_deref(), Some("1:12.1.0-1"));
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab <support@kaspersky.com>"));
        let roles: Vec<_> = a.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            [
                ("pacman.package", Role::Name),
                ("pacman.packager", Role::Publisher),
                ("pacman.url", Role::Homepage),
                ("pacman.license", Role::Other),
                ("pacman.license", Role::Other),
                ("pacman.description", Role::Text),
            ]
        );
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let (d, p) = parse_desc("stray\n%NAME%\nx\n\nafter blank\n%%\n\u{0}\n");
        assert_eq!(d.get("NAME"), Some("x"));
        assert_eq!(p.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 5, 6, 7]);
        assert!(artifact(&parse_desc("%NAME%\n\n").0, "/p", "t").is_none());
        for len in 0..=DESC.len() {
            if DESC.is_char_boundary(len) {
                let (d, _) = parse_desc(&DESC[..len]);
                let _ = artifact(&d, "/p", "t");
            }
        }
    }
}
