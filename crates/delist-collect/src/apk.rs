//! apk (Alpine, Wolfi, Chainguard, postmarketOS): the installed database `/lib/apk/db/installed`,
//! or `/usr/lib/apk/db/installed` on a merged `/usr` (apk-tools 2.14 and later).
//!
//! Owns reading that file into one artifact per package. The format is apk-tools' own: stanzas of
//! `X:value` lines (one letter, a colon, the value) separated by blank lines; `P` name, `V`
//! version, `A` architecture, `m` maintainer, `o` origin (source package), `U` url, `T`
//! description, `L` licence. The per-file lines (`F`, `R`, `a`, `M`, `Z`) of each package are
//! skipped: they are most of the file and say nothing about the maker.
//!
//! It must never run apk, follow the repositories in `/etc/apk`, or read anything but the
//! database file; the scripts tarball (`scripts.tar`) and triggers beside it are not its business.

use crate::{Collector, Context, Sink, excerpt::excerpt};
use delist_core::{Artifact, ArtifactKind, Role};

/// The largest database read. Alpine's with 1,000 packages and their file lists is about 5 MB.
const MAX_INSTALLED: u64 = 256 << 20;

/// Where apk keeps its database: the classic path first, then the merged-`/usr` one (often the
/// same file through the `/lib -> usr/lib` symlink, read once).
const PATHS: [&str; 2] = ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"];

/// Per-file and per-directory lines: skipped, they describe the package's files, not its maker.
const FILE_FIELDS: &[char] = &['F', 'M', 'R', 'a', 'Z'];

/// One package stanza: its package-level fields in order, and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub fields: Vec<(char, String)>,
}

impl Record {
    /// The first value of a field letter (a package-level letter appears once per package; a
    /// repeat only happens in a damaged file, where any choice is a guess).
    pub fn get(&self, key: char) -> Option<&str> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str())
    }
}

/// Parses the installed database into package records. Never fails: a line that is not
/// `X:value` is returned as a problem with its line number, and parsing goes on.
pub fn parse(text: &str) -> (Vec<Record>, Vec<(usize, String)>) {
    let mut records = Vec::new();
    let problems = parse_each(text, &mut |r| records.push(r));
    (records, problems)
}

/// [`parse`], handing each record to `each` as it ends rather than keeping them all (200,000
/// records held 150 MB besides their artifacts). Returns the problems.
pub fn parse_each(text: &str, each: &mut dyn FnMut(Record)) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let mut cur: Option<Record> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() {
            if let Some(r) = cur.take() {
                each(r);
            }
            continue;
        }
        let mut chars = line.chars();
        match (chars.next(), chars.next()) {
            (Some(key), Some(':')) if key.is_ascii_alphabetic() => {
                let rec = cur.get_or_insert_with(|| Record { line: n, fields: Vec::new() });
                if !FILE_FIELDS.contains(&key) {
                    rec.fields.push((key, chars.as_str().trim().to_string()));
                }
            }
            _ => problems.push((n, format!("expected `X:value`, found {:?}", excerpt(line, 60)))),
        }
    }
    if let Some(r) = cur {
        each(r);
    }
    problems
}

/// Turns one record into an artifact, or `None` when it has no package name.
pub fn artifact(r: &Record, path: &str, target: &str) -> Option<Artifact> {
    let name = r.get('P').filter(|n| !n.is_empty())?;
    let mut a = Artifact::new(ArtifactKind::Apk, name, path, target)
        .version(r.get('V').unwrap_or(""))
        .field("apk.package", name, Role::Name)
        .id(format!("pkg:apk/{name}"));
    for (field, key, role) in [
        ("apk.maintainer", 'm', Role::Publisher),
        ("apk.url", 'U', Role::Homepage),
        ("apk.origin", 'o', Role::Other),
        ("apk.architecture", 'A', Role::Other),
        ("apk.license", 'L', Role::Other),
        ("apk.description", 'T', Role::Text),
    ] {
        if let Some(v) = r.get(key) {
            a = a.field(field, v, role);
        }
    }
    Some(a)
}

/// The apk database collector.
pub struct Apk;

impl Apk {
    fn read_file(cx: &Context<'_>, path: &str, out: &mut dyn Sink) {
        let text = match cx.root.read_text(path, MAX_INSTALLED) {
            Ok(t) => t,
            Err(e) => return out.error(path, format!("cannot read apk database: {e}")),
        };
        // Artifacts go out as their records end; errors after, the file's lines first.
        let mut nameless = Vec::new();
        let problems = parse_each(&text, &mut |r| match artifact(&r, path, cx.target) {
            Some(a) => out.push(a),
            None => nameless.push(r.line),
        });
        for (line, p) in problems {
            out.error(path, format!("line {line}: {p}"));
        }
        for line in nameless {
            out.error(path, format!("line {line}: package record without a P: name"));
        }
    }
}

impl Collector for Apk {
    fn id(&self) -> &'static str {
        "apk"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let mut seen = Vec::new();
        for path in PATHS {
            if !cx.root.is_file(path) {
                continue;
            }
            // `/lib` is a symlink to `usr/lib` on a merged `/usr`: one file, read once.
            if let Ok(host) = cx.root.identity(path) {
                if seen.contains(&host) {
                    continue;
                }
                seen.push(host);
            }
            Self::read_file(cx, path, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nT:the musl c library\nU:https://musl.libc.org/\nL:MIT\no:musl\nm:Timo Teräs <timo.teras@iki.fi>\nF:lib\nR:libc.musl-x86_64.so.1\na:0:0:755\nZ:Q1xyz=\n\nP:hostguard\nV:3.2-r1\nm:Huawei Technologies Co., Ltd. <support@huawei.com>\n";

    #[test]
    fn stanzas_and_fields() {
        let (r, p) = parse(DB);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].get('P'), Some("musl"));
        assert_eq!(r[0].get('m'), Some("Timo Teräs <timo.teras@iki.fi>"));
        // File lines are skipped; package-level ones kept in order.
        assert!(r[0].fields.iter().all(|(k, _)| !FILE_FIELDS.contains(k)));
        assert_eq!(r[0].fields[0], ('C', "Q1abc=".to_string()));
        assert_eq!(r[1].line, 15);
    }

    #[test]
    fn artifact_fields_and_roles() {
        let (r, _) = parse(DB);
        let a = artifact(&r[1], "/lib/apk/db/installed", "t").expect("package");
        assert_eq!(a.name, "hostguard");
        assert_eq!(a.version.as_deref(), Some("3.2-r1"));
        assert_eq!(a.publisher.as_deref(), Some("Huawei Technologies Co., Ltd. <support@huawei.com>"));
        assert_eq!(a.ids, ["pkg:apk/hostguard"]);
        let a = artifact(&r[0], "/lib/apk/db/installed", "t").expect("package");
        let roles: Vec<_> = a.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            [
                ("apk.package", Role::Name),
                ("apk.maintainer", Role::Publisher),
                ("apk.url", Role::Homepage),
                ("apk.origin", Role::Other),
                ("apk.architecture", Role::Other),
                ("apk.license", Role::Other),
                ("apk.description", Role::Text),
            ]
        );
    }

    #[test]
    fn each_record_is_handed_out_as_it_ends_in_order() {
        let text = "P:a\nnot a field\n\nP:b\n\n\nP:c\n";
        let mut lines = Vec::new();
        let problems = parse_each(text, &mut |r| lines.push(r.line));
        assert_eq!(lines, vec![1, 4, 7]);
        assert_eq!(problems.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![2]);
        assert_eq!(parse(text).0.iter().map(|r| r.line).collect::<Vec<_>>(), lines);
    }

    #[test]
    fn garbage_is_reported_not_fatal() {
        let (r, p) = parse("no colon\n:x\nPP:y\nP:ok\n\u{0}\u{1}\nV\n\nm:orphan\n");
        assert_eq!(r.len(), 2);
        assert_eq!(p.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [1, 2, 3, 5, 6]);
        assert!(artifact(&r[1], "/p", "t").is_none());
        for len in 0..=DB.len() {
            if DB.is_char_boundary(len) {
                let (r, _) = parse(&DB[..len]);
                for rec in &r {
                    let _ = artifact(rec, "/p", "t");
                }
            }
        }
    }
}
