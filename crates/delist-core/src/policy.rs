//! The user's policy (`delist.toml`): lists in force, `fail_on`, approved vendors and waivers.
//!
//! Parsing reports every problem at once with file, line and column; applying waivers is pure
//! (the date is passed in). This module never reads the file itself.
//!
//! Approved vendors ("only these vendors here"): `allow_only` (vendor ids) and `allow_lists`
//! (catalog lists of `kind = "allow"`) at the top level apply to every artifact; under
//! `[allow.<category>]` they apply to artifacts of that category only (a processor, an
//! operating system). Each becomes one [`AllowRule`]; the matcher turns an artifact of a vendor
//! no rule admits into a finding whose list is the policy itself.

use crate::catalog::{Catalog, Diagnostic};
use crate::lines::Lines;
use crate::model::{Confidence, Finding, WaiverRef};
use crate::report::Notice;
use globset::{Glob, GlobMatcher};
use jiff::civil::Date;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize, Default)]
struct RawPolicy {
    lists: Option<Vec<Spanned<String>>>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    allow_only: Vec<Spanned<String>>,
    #[serde(default)]
    allow_lists: Vec<Spanned<String>>,
    #[serde(default)]
    allow: std::collections::BTreeMap<String, Spanned<RawAllow>>,
    #[serde(default)]
    waiver: Vec<Spanned<RawWaiver>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    #[serde(default)]
    allow_only: Vec<Spanned<String>>,
    #[serde(default)]
    allow_lists: Vec<Spanned<String>>,
}

/// One approved-vendor rule: within `category` (or for every artifact), only the vendors named
/// (with their subsidiaries) and those an allow-list admits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowRule {
    /// `None`: every artifact; else only artifacts in this category.
    pub category: Option<String>,
    pub vendors: Vec<String>,
    pub lists: Vec<String>,
    /// The policy file, shown as the finding's authority.
    pub source: String,
}

impl AllowRule {
    /// The id a finding's list takes: `policy:allow`, or `policy:allow.<category>`.
    pub fn id(&self) -> String {
        match &self.category {
            Some(c) => format!("policy:allow.{c}"),
            None => "policy:allow".into(),
        }
    }

    /// What the rule admits, in words.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.vendors.is_empty() {
            parts.push(format!("vendors {}", self.vendors.join(", ")));
        }
        if !self.lists.is_empty() {
            parts.push(format!("lists {}", self.lists.join(", ")));
        }
        let what = match &self.category {
            Some(c) => format!("{c}: "),
            None => String::new(),
        };
        format!("{what}approved {}", parts.join(" and "))
    }
}

#[derive(Deserialize, Default)]
struct RawWaiver {
    finding: Option<String>,
    vendor: Option<String>,
    list: Option<String>,
    path: Option<String>,
    purl: Option<String>,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    approver: String,
    #[serde(default)]
    reason: String,
    expires: Option<toml::Value>,
}

/// A waiver: an approved exception that stops a finding from failing the scan until it expires.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub finding: Option<String>,
    pub vendor: Option<String>,
    pub list: Option<String>,
    pub path: Option<GlobMatcher>,
    pub purl: Option<String>,
    pub owner: String,
    pub approver: String,
    pub reason: String,
    pub expires: Date,
    pub line: usize,
}

impl Waiver {
    fn matches(&self, f: &Finding) -> bool {
        self.finding.as_ref().is_none_or(|id| *id == f.id)
            && self.vendor.as_ref().is_none_or(|v| *v == f.vendor)
            && self.list.as_ref().is_none_or(|l| f.lists.iter().any(|x| x.id == *l))
            && self.path.as_ref().is_none_or(|g| g.is_match(&f.artifact.path))
            && self.purl.as_ref().is_none_or(|p| f.evidence.iter().any(|e| e.value == *p))
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [("finding", &self.finding), ("vendor", &self.vendor), ("list", &self.list), ("purl", &self.purl)]
        {
            if let Some(v) = v {
                parts.push(format!("{k} = {v:?}"));
            }
        }
        if let Some(g) = &self.path {
            parts.push(format!("path = {:?}", g.glob().glob()));
        }
        parts.join(", ")
    }
}

/// A validated policy.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The file it came from, for messages.
    pub file: String,
    pub lists: Option<Vec<String>>,
    /// `None` inside means `never`.
    pub fail_on: Option<Option<Confidence>>,
    pub allow_only: Vec<String>,
    pub allow_lists: Vec<String>,
    /// `allow_only`/`allow_lists` and every `[allow.<category>]`, as rules for the matcher.
    pub allow: Vec<AllowRule>,
    pub waivers: Vec<Waiver>,
}

/// Parses `--fail-on` / `fail_on` values: `never` is `None`.
pub fn parse_fail_on(s: &str) -> Result<Option<Confidence>, String> {
    match s {
        "never" => Ok(None),
        other => Confidence::parse(other)
            .map(Some)
            .ok_or_else(|| format!("{other:?} is not one of confirmed, likely, possible, never")),
    }
}

impl Policy {
    /// Parses and checks a policy against the catalog.
    pub fn parse(file: &str, text: &str, catalog: &Catalog) -> Result<Self, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let lines = Lines::new(text);
        let mut at = |offset: usize, message: String| {
            let (line, column) = lines.position(text, offset);
            diags.push(Diagnostic { file: file.to_string(), line, column, message });
        };
        let raw: RawPolicy = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                at(e.span().map_or(0, |s| s.start), format!("not a delist policy: {}", e.message()));
                return Err(diags);
            }
        };
        let mut p = Policy { file: file.to_string(), ..Self::default() };
        if let Some(lists) = raw.lists {
            for l in &lists {
                if crate::matcher::Selection::select(catalog, l.get_ref()).is_empty() {
                    at(
                        l.span().start,
                        format!(
                            "unknown list {:?} in `lists` (a list id, or country:, authority:, jurisdiction:)",
                            l.get_ref()
                        ),
                    );
                }
            }
            p.lists = Some(lists.into_iter().map(Spanned::into_inner).collect());
        }
        if let Some(f) = raw.fail_on {
            match parse_fail_on(f.get_ref()) {
                Ok(level) => p.fail_on = Some(level),
                Err(e) => at(f.span().start, format!("fail_on: {e}")),
            }
        }
        let check_allow =
            |at: &mut dyn FnMut(usize, String), vendors: &[Spanned<String>], lists: &[Spanned<String>], place: &str| {
                for v in vendors {
                    if catalog.vendor(v.get_ref()).is_none() {
                        at(v.span().start, format!("unknown vendor {:?} in {place}`allow_only`", v.get_ref()));
                    }
                }
                for l in lists {
                    match catalog.list(l.get_ref()) {
                        None => at(l.span().start, format!("unknown list {:?} in {place}`allow_lists`", l.get_ref())),
                        Some(list) if list.kind != crate::catalog::ListKind::Allow => at(
                            l.span().start,
                            format!(
                                "list {:?} in {place}`allow_lists` is a ban list; `allow_lists` takes approved-vendor \
                             lists (kind = \"allow\")",
                                l.get_ref()
                            ),
                        ),
                        Some(_) => {}
                    }
                }
            };
        check_allow(&mut at, &raw.allow_only, &raw.allow_lists, "");
        for (cat, rule) in &raw.allow {
            if !crate::catalog::CATEGORIES.contains(&cat.as_str()) {
                at(
                    rule.span().start,
                    format!("[allow.{cat}]: unknown category (known: {})", crate::catalog::CATEGORIES.join(", ")),
                );
            }
            let r = rule.get_ref();
            if r.allow_only.is_empty() && r.allow_lists.is_empty() {
                at(rule.span().start, format!("[allow.{cat}] needs `allow_only` or `allow_lists`"));
            }
            check_allow(&mut at, &r.allow_only, &r.allow_lists, &format!("[allow.{cat}] "));
        }
        let names = |v: Vec<Spanned<String>>| v.into_iter().map(Spanned::into_inner).collect::<Vec<_>>();
        p.allow_only = names(raw.allow_only);
        p.allow_lists = names(raw.allow_lists);
        if !p.allow_only.is_empty() || !p.allow_lists.is_empty() {
            p.allow.push(AllowRule {
                category: None,
                vendors: p.allow_only.clone(),
                lists: p.allow_lists.clone(),
                source: file.to_string(),
            });
        }
        for (cat, rule) in raw.allow {
            let r = rule.into_inner();
            p.allow.push(AllowRule {
                category: Some(cat),
                vendors: names(r.allow_only),
                lists: names(r.allow_lists),
                source: file.to_string(),
            });
        }
        for sw in raw.waiver {
            let start = sw.span().start;
            let line = lines.line(start.min(text.len()));
            let w = sw.into_inner();
            if w.finding.is_none() && w.vendor.is_none() && w.list.is_none() && w.path.is_none() && w.purl.is_none() {
                at(start, "a [[waiver]] needs at least one of finding, vendor, list, path, purl".into());
            }
            for (field, value) in [("owner", &w.owner), ("approver", &w.approver), ("reason", &w.reason)] {
                if value.trim().is_empty() {
                    at(start, format!("a [[waiver]] needs `{field}`"));
                }
            }
            if let Some(v) = &w.vendor
                && catalog.vendor(v).is_none()
            {
                at(start, format!("waiver names unknown vendor {v:?}"));
            }
            if let Some(l) = &w.list
                && catalog.list(l).is_none()
            {
                at(start, format!("waiver names unknown list {l:?}"));
            }
            let path = match w.path.as_deref().map(Glob::new) {
                None => None,
                Some(Ok(g)) => Some(g.compile_matcher()),
                Some(Err(e)) => {
                    at(start, format!("waiver path: {e}"));
                    None
                }
            };
            let expires = match &w.expires {
                Some(toml::Value::Datetime(dt)) if dt.time.is_none() => {
                    dt.date.and_then(|d| Date::new(d.year as i16, d.month as i8, d.day as i8).ok())
                }
                _ => None,
            };
            let Some(expires) = expires else {
                at(start, "a [[waiver]] needs `expires`, a date such as 2027-06-30 (unquoted)".into());
                continue;
            };
            p.waivers.push(Waiver {
                finding: w.finding,
                vendor: w.vendor,
                list: w.list,
                path,
                purl: w.purl,
                owner: w.owner,
                approver: w.approver,
                reason: w.reason,
                expires,
                line,
            });
        }
        if diags.is_empty() { Ok(p) } else { Err(diags) }
    }

    /// Applies waivers to findings. A live waiver (expiring after `today`) marks the findings it
    /// matches; an expired one waives nothing and is reported; one that matches nothing is
    /// reported too, so stale exceptions don't pile up.
    pub fn apply(&self, findings: &mut [Finding], today: Date) -> Vec<Notice> {
        let mut notices = Vec::new();
        for w in &self.waivers {
            let live = w.expires > today;
            let mut matched = 0;
            for f in findings.iter_mut().filter(|f| w.matches(f)) {
                matched += 1;
                if live && f.waiver.is_none() {
                    f.waiver = Some(WaiverRef {
                        reason: w.reason.clone(),
                        owner: w.owner.clone(),
                        approver: w.approver.clone(),
                        expires: w.expires.to_string(),
                    });
                }
            }
            let place = format!("{}:{}", self.file, w.line);
            if !live {
                notices.push(Notice {
                    kind: "expired-waiver".into(),
                    message: format!(
                        "{place}: waiver ({}) expired on {}; it no longer waives {matched} finding(s)",
                        w.describe(),
                        w.expires
                    ),
                });
            } else if matched == 0 {
                notices.push(Notice {
                    kind: "unused-waiver".into(),
                    message: format!("{place}: waiver ({}) matches no finding", w.describe()),
                });
            }
        }
        notices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{SourceFile, load};
    use crate::model::{ArtifactKind, ArtifactRef, Evidence, ListRef};

    fn catalog() -> Catalog {
        let f = |rel: &str, text: &str| SourceFile { name: rel.into(), rel: rel.into(), text: text.into() };
        load(&[
            f("vendors/acme.toml", "[vendor]\nid = \"acme\"\nname = \"Acme\"\nsources = [\"https://example.org\"]\n"),
            f("vendors/other.toml", "[vendor]\nid = \"other\"\nname = \"Other\"\nsources = [\"https://example.org\"]\n"),
            f(
                "lists/ban.toml",
                "[list]\nid = \"ban\"\ntitle = \"T\"\nauthority = \"A\"\nbinding = true\nsources = [\"https://example.org\"]\n[[covers]]\nvendor = \"acme\"\nscope = \"all\"\n",
            ),
        ])
        .expect("valid")
    }

    fn finding(id: &str, vendor: &str, path: &str, value: &str) -> Finding {
        Finding {
            id: id.into(),
            vendor: vendor.into(),
            vendor_name: vendor.into(),
            product: None,
            confidence: Confidence::Likely,
            lists: vec![std::sync::Arc::new(ListRef {
                id: "ban".into(),
                title: "T".into(),
                authority: "A".into(),
                deadline: None,
                binding: true,
                qualifier: None,
            })],
            artifact: ArtifactRef {
                kind: ArtifactKind::SbomComponent,
                name: "x".into(),
                version: None,
                path: path.into(),
                target: "t".into(),
                host: None,
                signer: None,
                sha256: None,
                device: Default::default(),
                layer: None,
            },
            evidence: vec![Evidence {
                field: "cyclonedx.purl".into(),
                value: value.into(),
                identifier: "x".into(),
                strength: Confidence::Likely,
                note: None,
            }],
            waiver: None,
            remediation: None,
            notes: Vec::new(),
        }
    }

    const W: &str = "owner = \"o\"\napprover = \"a\"\nreason = \"r\"\n";

    #[test]
    fn each_matcher_kind_waives_only_what_it_names() {
        let c = catalog();
        let today = Date::constant(2026, 11, 28);
        for (matcher, waived) in [
            ("finding = \"00000000000000a1\"", vec!["00000000000000a1"]),
            ("vendor = \"acme\"", vec!["00000000000000a1", "00000000000000a2"]),
            ("list = \"ban\"", vec!["00000000000000a1", "00000000000000a2", "00000000000000a3"]),
            ("path = \"/opt/legacy/**\"", vec!["00000000000000a2"]),
            ("purl = \"pkg:npm/left-pad@1.0.0\"", vec!["00000000000000a3"]),
        ] {
            let p = Policy::parse("p.toml", &format!("[[waiver]]\n{matcher}\n{W}expires = 2027-01-01\n"), &c)
                .expect("valid policy");
            let mut fs = vec![
                finding("00000000000000a1", "acme", "/usr/bin/a", "pkg:npm/a@1"),
                finding("00000000000000a2", "acme", "/opt/legacy/b", "pkg:npm/b@1"),
                finding("00000000000000a3", "other", "/srv/c", "pkg:npm/left-pad@1.0.0"),
            ];
            let notices = p.apply(&mut fs, today);
            assert!(notices.is_empty(), "{matcher}: {notices:?}");
            let got: Vec<&str> = fs.iter().filter(|f| f.waiver.is_some()).map(|f| f.id.as_str()).collect();
            assert_eq!(got, waived, "{matcher}");
        }
    }

    #[test]
    fn expired_and_unused_waivers_are_reported() {
        let c = catalog();
        let today = Date::constant(2026, 11, 28);
        let text = format!(
            "[[waiver]]\nvendor = \"acme\"\n{W}expires = 2026-11-28\n\n[[waiver]]\nvendor = \"other\"\n{W}expires = 2027-01-01\n"
        );
        let p = Policy::parse("p.toml", &text, &c).expect("valid");
        let mut fs = vec![finding("00000000000000a1", "acme", "/a", "v")];
        let notices = p.apply(&mut fs, today);
        assert!(fs[0].waiver.is_none(), "a waiver expiring today no longer waives");
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[0].kind, "expired-waiver");
        assert!(notices[0].message.starts_with("p.toml:1:"), "{}", notices[0].message);
        assert_eq!(notices[1].kind, "unused-waiver");
        assert!(notices[1].message.starts_with("p.toml:8:"), "{}", notices[1].message);
    }

    #[test]
    fn every_error_has_its_position() {
        let c = catalog();
        let text = "lists = [\"ban\", \"nope\"]\nfail_on = \"often\"\nallow_only = [\"ghost\"]\n\n[[waiver]]\nreason = \"r\"\n\n[[waiver]]\nvendor = \"acme\"\n{W}path = \"[\"\nexpires = 2027-01-01\n"
            .replace("{W}", W);
        let diags = Policy::parse("p.toml", &text, &c).expect_err("invalid");
        let at: Vec<(usize, usize, &str)> =
            diags.iter().map(|d| (d.line, d.column, d.message.split(' ').next().unwrap_or(""))).collect();
        assert!(at.contains(&(1, 17, "unknown")), "{at:?}");
        assert!(at.contains(&(2, 11, "fail_on:")), "{at:?}");
        assert!(at.contains(&(3, 15, "unknown")), "{at:?}");
        assert!(diags.iter().any(|d| d.line == 5 && d.message.contains("at least one of")), "{diags:?}");
        assert!(diags.iter().any(|d| d.line == 5 && d.message.contains("needs `expires`")), "{diags:?}");
        assert!(diags.iter().any(|d| d.line == 8 && d.message.contains("waiver path")), "{diags:?}");
        assert!(Policy::parse("p.toml", "fail_on = ", &c).is_err_and(|d| d[0].line == 1));
    }
}
