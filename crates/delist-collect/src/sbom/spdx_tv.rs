//! SPDX 2.2/2.3 tag-value, read line by line.
//!
//! Owns the tag-value encoding: `Tag: value` lines, multi-line values between `<text>` and
//! `</text>`, `#` comments. A package begins at `PackageName:` and ends at the next package, at
//! a file, snippet or extracted-licence section (whose tags would otherwise overwrite the
//! package's), or at the end; it is pushed then, with the same fields the SPDX JSON reader
//! gives. Lines are capped at [`MAX_LINE`] bytes and multi-line values at `MAX_VALUE`, so
//! memory stays flat whatever the input. It must never hold more than one package and one line.

use super::{Ctx, F, Pos, Record, hash_value, push_capped};
use delist_core::ArtifactKind;
use std::io::BufRead;

/// The longest line kept; the rest of a longer line is skipped with an error.
const MAX_LINE: usize = 1 << 20;

/// Reads a whole document into the context's sink.
pub(super) fn read<R: BufRead>(mut r: R, cx: &mut Ctx<'_>) {
    let mut p = Parser::default();
    let mut buf = Vec::new();
    loop {
        p.line += 1;
        let truncated = match read_line(&mut r, &mut buf) {
            Ok(None) => break,
            Ok(Some(t)) => t,
            Err(e) => {
                cx.problem(format!("cannot read SPDX tag-value at line {}: {e}", p.line));
                break;
            }
        };
        if truncated {
            cx.problem(format!("line {}: longer than {MAX_LINE} bytes; the rest of the line is skipped", p.line));
        }
        let text = String::from_utf8_lossy(&buf);
        p.line_of(text.trim_end_matches(['\n', '\r']), cx);
    }
    if let Some(m) = p.multi.take() {
        cx.problem(format!(
            "SPDX tag-value ends inside the <text> value of {} opened at line {} (truncated?): expected </text>",
            m.tag, m.line
        ));
    }
    if let Some(rec) = p.package.take() {
        cx.push(rec);
    }
}

/// Reads one line (with its newline) into `buf`, keeping at most [`MAX_LINE`] bytes.
/// `None` at the end of input; `Some(true)` when the line was longer and cut.
fn read_line<R: BufRead>(r: &mut R, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut any = false;
    let mut cut = false;
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(any.then_some(cut));
        }
        any = true;
        let (n, done) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&avail[..n.min(room)]);
        cut |= n > room;
        r.consume(n);
        if done {
            return Ok(Some(cut));
        }
    }
}

/// A `<text>` value spanning lines.
struct Multi {
    tag: String,
    line: u64,
    text: String,
}

#[derive(Default)]
struct Parser {
    line: u64,
    package: Option<Record>,
    multi: Option<Multi>,
}

impl Parser {
    fn line_of(&mut self, line: &str, cx: &mut Ctx<'_>) {
        if let Some(m) = &mut self.multi {
            match line.find("</text>") {
                Some(end) => {
                    push_capped(&mut m.text, &line[..end]);
                    if let Some(m) = self.multi.take() {
                        self.value(&m.tag, m.text, cx);
                    }
                }
                None => {
                    push_capped(&mut m.text, line);
                    push_capped(&mut m.text, "\n");
                }
            }
            return;
        }
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            return;
        }
        let Some((tag, value)) = t.split_once(':').filter(|(k, _)| !k.is_empty() && !k.contains(char::is_whitespace))
        else {
            let shown = crate::excerpt::excerpt(t, 60);
            return cx.problem(format!("line {}: expected `Tag: value`, found {shown:?}", self.line));
        };
        let value = value.trim();
        if let Some(rest) = value.strip_prefix("<text>") {
            match rest.find("</text>") {
                Some(end) => self.value(tag, rest[..end].to_string(), cx),
                None => {
                    let mut text = String::new();
                    push_capped(&mut text, rest);
                    if !rest.is_empty() {
                        push_capped(&mut text, "\n");
                    }
                    self.multi = Some(Multi { tag: tag.to_string(), line: self.line, text });
                }
            }
            return;
        }
        self.value(tag, value.to_string(), cx);
    }

    fn value(&mut self, tag: &str, value: String, cx: &mut Ctx<'_>) {
        match tag {
            "SPDXVersion" => {
                if !value.trim().starts_with("SPDX-2.") {
                    cx.problem(format!("line {}: SPDXVersion {value:?} is not SPDX 2.x; read as SPDX-2.3", self.line));
                }
                return;
            }
            "PackageName" => {
                if let Some(rec) = self.package.take() {
                    cx.push(rec);
                }
                let mut rec = Record::new(ArtifactKind::SbomComponent, Pos::Line(self.line));
                rec.set_name(F::SpdxName, value);
                self.package = Some(rec);
                return;
            }
            // A new section: its tags (LicenseConcluded, SPDXID…) belong to a file, snippet or
            // licence, not to the package above it.
            "FileName" | "SnippetSPDXID" | "LicenseID" => {
                if let Some(rec) = self.package.take() {
                    cx.push(rec);
                }
                return;
            }
            _ => {}
        }
        let Some(rec) = self.package.as_mut() else {
            return;
        };
        match tag {
            "SPDXID" => rec.add(F::SpdxId, value),
            "PackageVersion" if !super::is_noassertion(&value) => rec.set_version(value),
            "PackageFileName" => rec.add_spdx(F::SpdxFileName, value),
            "PackageSupplier" => rec.add_actor(F::SpdxSupplier, &value),
            "PackageOriginator" => rec.add_actor(F::SpdxOriginator, &value),
            "PackageDownloadLocation" => rec.add_spdx(F::SpdxDownload, value),
            "PackageHomePage" => rec.add_spdx(F::SpdxHomepage, value),
            "PackageLicenseConcluded" => rec.add_spdx(F::SpdxLicenseConcluded, value),
            "PackageLicenseDeclared" => rec.add_spdx(F::SpdxLicenseDeclared, value),
            "PackageCopyrightText" => rec.add_spdx(F::SpdxCopyright, value),
            "PackageSummary" => rec.add_spdx(F::SpdxSummary, value),
            "PackageDescription" => rec.add_spdx(F::SpdxDescription, value),
            "PackageComment" => rec.add_spdx(F::SpdxComment, value),
            "PrimaryPackagePurpose" => rec.add_spdx(F::SpdxPurpose, value),
            "PackageChecksum" => {
                let (alg, v) = value.split_once(':').map_or((None, value.as_str()), |(a, v)| (Some(a), v));
                rec.add(F::SpdxChecksum, hash_value(alg, v));
            }
            "ExternalRef" => {
                let mut parts = value.split_whitespace();
                let (_category, ty, locator) = (parts.next(), parts.next(), parts.next());
                if let (Some(ty), Some(locator)) = (ty, locator) {
                    rec.add_spdx_ref(ty, locator.to_string());
                } else {
                    cx.problem(format!("line {}: expected `ExternalRef: CATEGORY TYPE LOCATOR`", self.line));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, read_as};
    use crate::Output;

    fn run(text: &str) -> Output {
        let mut out = Output::default();
        read_as(Format::SpdxTagValue, text.as_bytes(), "/x.spdx", "sbom:x.spdx", &mut out);
        out
    }

    #[test]
    fn packages_sections_and_text_blocks() {
        let out = run("SPDXVersion: SPDX-2.2\r\nDataLicense: CC0-1.0\r\n\r\n\
            PackageName: a\nSPDXID: SPDXRef-a\nPackageVersion: 1\n\
            PackageSupplier: Organization: AO Kaspersky Lab\n\
            PackageLicenseConcluded: NOASSERTION\n\
            PackageDescription: <text>first line\nsecond line</text>\n\
            ExternalRef: PACKAGE-MANAGER purl pkg:maven/g/a@1\n\
            PackageChecksum: SHA1: 85ed0817af83a24ad8da68c2b5094de69833983c\n\
            \nFileName: ./x.c\nSPDXID: SPDXRef-file\nLicenseConcluded: MIT\n\
            \nPackageName: b\nPackageComment: <text>one line</text>\n");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.artifacts.len(), 2);
        let a = &out.artifacts[0];
        let fields: Vec<(&str, &str)> = a.fields.iter().map(|f| (f.field.as_str(), f.value.as_str())).collect();
        assert_eq!(
            fields,
            [
                ("spdx.spdxid", "SPDXRef-a"),
                ("spdx.name", "a"),
                ("spdx.supplier", "AO Kaspersky Lab"),
                ("spdx.purl", "pkg:maven/g/a@1"),
                ("spdx.checksum", "SHA1:85ed0817af83a24ad8da68c2b5094de69833983c"),
                ("spdx.description", "first line\nsecond line"),
            ]
        );
        assert_eq!(out.artifacts[1].fields[1].value, "one line");
    }

    #[test]
    fn broken_lines_and_unclosed_text() {
        let out = run(
            "SPDXVersion: SPDX-2.3\nPackageName: a\nthis is not a tag\nPackageName: b\nPackageDescription: <text>never\nclosed",
        );
        assert_eq!(out.artifacts.len(), 2);
        assert!(out.errors[0].error.contains("line 3: expected `Tag: value`"), "{:?}", out.errors);
        assert!(out.errors[1].error.contains("opened at line 5"), "{:?}", out.errors);
    }

    #[test]
    fn long_lines_are_cut() {
        let long =
            format!("SPDXVersion: SPDX-2.3\nPackageName: {}\nPackageVersion: 1\n", "a".repeat(super::MAX_LINE + 10));
        let out = run(&long);
        assert_eq!(out.artifacts.len(), 1);
        assert_eq!(out.artifacts[0].version.as_deref(), Some("1"));
        assert!(out.errors[0].error.contains("longer than"), "{:?}", out.errors);
    }
}
