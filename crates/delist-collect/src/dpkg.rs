//! dpkg: `/var/lib/dpkg/status` and the distroless `/var/lib/dpkg/status.d/*` stanzas.
//!
//! Parses the deb822 control format (RFC-822-like stanzas, continuation lines indented) by hand:
//! it is a dozen lines, and the crates that do it pull in far more than it needs. Packages whose
//! status is `not-installed` or `config-files` (removed, configuration left) are not installed
//! and are not artifacts.

use crate::{Collector, Context, Sink, excerpt::excerpt, root::join};
use delist_core::{Artifact, ArtifactKind, Role};

/// The largest status file read (Debian's own with 5,000 packages is about 10 MB).
const MAX_STATUS: u64 = 256 << 20;
const MAX_STATUS_D: usize = 100_000;

/// One stanza: its fields in order, and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    pub line: usize,
    pub fields: Vec<(String, String)>,
}

impl Stanza {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses deb822 text into stanzas. Never fails: a line that is neither a field nor a
/// continuation is returned as a problem with its line number, and parsing goes on.
pub fn parse(text: &str) -> (Vec<Stanza>, Vec<(usize, String)>) {
    let mut stanzas = Vec::new();
    let problems = parse_each(text, &mut |s| stanzas.push(s));
    (stanzas, problems)
}

/// [`parse`], handing each stanza to `each` as it ends rather than keeping them all (a
/// 200,000-package status held 77 MB of stanzas besides its artifacts). Returns the problems.
pub fn parse_each(text: &str, each: &mut dyn FnMut(Stanza)) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let mut cur: Option<Stanza> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            if let Some(s) = cur.take() {
                each(s);
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            match cur.as_mut().and_then(|s| s.fields.last_mut()) {
                Some((_, v)) => {
                    v.push('\n');
                    v.push_str(line.trim());
                }
                None => problems.push((n, "continuation line outside a field".into())),
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.is_empty() && !k.contains(char::is_whitespace) => {
                cur.get_or_insert_with(|| Stanza { line: n, fields: Vec::new() })
                    .fields
                    .push((k.to_string(), v.trim().to_string()));
            }
            _ => problems.push((n, format!("expected `Field: value`, found {:?}", excerpt(line, 60)))),
        }
    }
    if let Some(s) = cur {
        each(s);
    }
    problems
}

/// Whether a stanza describes a package that is on the system.
fn installed(s: &Stanza) -> bool {
    match s.get("Status") {
        // status.d stanzas (distroless images) carry no Status: they are installed.
        None => true,
        Some(st) => {
            let state = st.split_whitespace().nth(2).unwrap_or("");
            !matches!(state, "not-installed" | "config-files")
        }
    }
}

/// Turns one stanza into an artifact.
pub fn artifact(s: &Stanza, path: &str, target: &str) -> Option<Artifact> {
    let name = s.get("Package")?;
    let mut a = Artifact::new(ArtifactKind::Deb, name, path, target)
        .version(s.get("Version").unwrap_or(""))
        .field("deb.package", name, Role::Name)
        .id(format!("pkg:deb/{name}"));
    for (field, key, role) in [
        ("deb.maintainer", "Maintainer", Role::Publisher),
        ("deb.original-maintainer", "Original-Maintainer", Role::Publisher),
        ("deb.homepage", "Homepage", Role::Homepage),
        ("deb.source", "Source", Role::Other),
        ("deb.architecture", "Architecture", Role::Other),
    ] {
        if let Some(v) = s.get(key) {
            a = a.field(field, v, role);
        }
    }
    if let Some(d) = s.get("Description") {
        a = a.field("deb.description", d.lines().next().unwrap_or(""), Role::Text);
    }
    Some(a)
}

/// The dpkg database collector.
pub struct Dpkg;

impl Dpkg {
    fn read_file(cx: &Context<'_>, path: &str, out: &mut dyn Sink) {
        let text = match cx.root.read_text(path, MAX_STATUS) {
            Ok(t) => t,
            Err(e) => return out.error(path, format!("cannot read dpkg status: {e}")),
        };
        // Artifacts go out as their stanzas end; errors after, the file's lines first.
        let mut nameless = Vec::new();
        let problems = parse_each(&text, &mut |s| {
            if installed(&s) {
                match artifact(&s, path, cx.target) {
                    Some(a) => out.push(a),
                    None => nameless.push(s.line),
                }
            }
        });
        for (line, p) in problems {
            out.error(path, format!("line {line}: {p}"));
        }
        for line in nameless {
            out.error(path, format!("line {line}: stanza without a Package field"));
        }
    }
}

impl Collector for Dpkg {
    fn id(&self) -> &'static str {
        "dpkg"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let status = "/var/lib/dpkg/status";
        if cx.root.is_file(status) {
            Self::read_file(cx, status, out);
        }
        let dir = "/var/lib/dpkg/status.d";
        if cx.root.is_dir(dir) {
            match cx.root.read_dir(dir, MAX_STATUS_D) {
                Ok(entries) => {
                    for e in entries.iter().filter(|e| e.is_file && !e.name.ends_with(".md5sums")) {
                        Self::read_file(cx, &join(dir, &e.name), out);
                    }
                }
                Err(e) => out.error(dir, format!("cannot list: {e}")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: kesl\nStatus: install ok installed\nMaintainer: AO Kaspersky Lab <support@kaspersky.com>\nVersion: 12.0.0\nDescription: Kaspersky Endpoint Security\n long text\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n";

    #[test]
    fn stanzas_and_continuations() {
        let (s, p) = parse(STATUS);
        assert!(p.is_empty());
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].get("maintainer"), Some("AO Kaspersky Lab <support@kaspersky.com>"));
        assert_eq!(s[0].get("Description"), Some("Kaspersky Endpoint Security\nlong text"));
        assert_eq!(s[1].line, 8);
        assert!(installed(&s[0]));
        assert!(!installed(&s[1]));
    }

    #[test]
    fn artifact_fields() {
        let (s, _) = parse(STATUS);
        let a = artifact(&s[0], "/var/lib/dpkg/status", "rootfs:/x").expect("package");
        assert_eq!(a.name, "kesl");
        assert_eq!(a.version.as_deref(), Some("12.0.0"));
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab <support@kaspersky.com>"));
        assert!(a.fields.iter().any(|f| f.field == "deb.description" && f.role == Role::Text));
    }

    #[test]
    fn each_record_is_handed_out_as_it_ends_in_order() {
        let text = "Package: a\nnot a field\n\nPackage: b\n\n\nPackage: c\n";
        let mut lines = Vec::new();
        let problems = parse_each(text, &mut |r| lines.push(r.line));
        assert_eq!(lines, vec![1, 4, 7]);
        assert_eq!(problems.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![2]);
        assert_eq!(parse(text).0.iter().map(|r| r.line).collect::<Vec<_>>(), lines);
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let (s, p) = parse(" leading continuation\nno colon here\nPackage: ok\n\u{0}\u{1}:\n");
        assert_eq!(s.len(), 1);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].0, 1);
        for len in 0..STATUS.len() {
            if STATUS.is_char_boundary(len) {
                let _ = parse(&STATUS[..len]);
            }
        }
    }
}
