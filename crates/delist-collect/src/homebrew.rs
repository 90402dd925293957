//! homebrew (macOS and Linux): installed formulae (kegs in the Cellar) and casks (the
//! Caskroom), under every standard prefix: `/opt/homebrew` (Apple silicon), `/usr/local`
//! (Intel macOS), `/home/linuxbrew/.linuxbrew` and a per-user `~/.linuxbrew` (Linux).
//!
//! Owns turning each keg and each installed cask into one artifact. Layout (as Homebrew writes
//! it; `Library/Homebrew/tab.rb`, `cask/metadata.rb`, `cask/installer.rb`):
//!
//! - Formula: `Cellar/<formula>/<version>/` is one keg (several versions can be installed at
//!   once; each is an artifact). `INSTALL_RECEIPT.json` in it is the tab: `source.tap`,
//!   `source.versions.stable`, `homebrew_version`, `installed_on_request`, …; `.brew/<formula>.rb`
//!   is the formula source as installed, with its `desc "…"` and `homepage "…"`.
//! - Cask: `Caskroom/<token>/<version>/` is the staged version; the cask definition as installed
//!   is saved at `Caskroom/<token>/.metadata/<version>/<timestamp>/Casks/<token>.{json,rb}`
//!   (`.internal.json` in some releases), the newest timestamp being the installed one. The JSON
//!   has `name` (a list), `desc`, `homepage`, `tap`, `version`; the Ruby DSL has the same as
//!   `name "…"`, `desc "…"`, `homepage "…"`.
//!
//! Homebrew records no publisher or maintainer: the artifacts have none, and the homepage is the
//! only thing that can tie one to a vendor. Ruby is not parsed: only top-level lines of the form
//! `key "literal"` (or `'literal'`) are read, and an interpolated string (`#{…}`) is kept as
//! written.
//!
//! It must never run `brew`, read the taps under `Library/Taps` (they list what *could* be
//! installed), or treat `opt/` and `var/homebrew/linked` symlinks as more kegs.

use crate::{Collector, Context, Sink, root::join};
use delist_core::{Artifact, ArtifactKind, Role};
use serde_json::Value;

/// Homebrew prefixes whose `Cellar`/`Caskroom` are read.
const PREFIXES: [&str; 3] = ["/opt/homebrew", "/usr/local", "/home/linuxbrew/.linuxbrew"];
const MAX_RECEIPT: u64 = 16 << 20;
const MAX_SOURCE: u64 = 16 << 20;
const MAX_ENTRIES: usize = 100_000;

// ------------------------------------------------------------------------------------- receipts

/// What a formula's `INSTALL_RECEIPT.json` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    pub tap: Option<String>,
    pub stable_version: Option<String>,
    pub homebrew_version: Option<String>,
    pub installed_on_request: Option<bool>,
}

/// Parses an `INSTALL_RECEIPT.json`. `Err` when it is not a JSON object.
pub fn parse_receipt(text: &str) -> Result<Receipt, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let source = v.get("source");
    Ok(Receipt {
        tap: s(source.and_then(|x| x.get("tap"))),
        stable_version: s(source.and_then(|x| x.get("versions")).and_then(|x| x.get("stable"))),
        homebrew_version: s(v.get("homebrew_version")),
        installed_on_request: v.get("installed_on_request").and_then(Value::as_bool),
    })
}

// ------------------------------------------------------------------------------ cask and formula

/// What a formula or cask definition says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Definition {
    pub names: Vec<String>,
    pub desc: Option<String>,
    pub homepage: Option<String>,
    pub tap: Option<String>,
    pub version: Option<String>,
}

/// Parses a cask definition saved as JSON (the API's form). `Err` when it is not a JSON object.
pub fn parse_cask_json(text: &str) -> Result<Definition, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let names = match v.get("name") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(n)) => vec![n.clone()],
        _ => Vec::new(),
    };
    Ok(Definition { names, desc: s("desc"), homepage: s("homepage"), tap: s("tap"), version: s("version") })
}

/// Reads the literal `name`, `desc`, `homepage` and `version` of a formula or cask written in
/// Ruby. Only lines that are exactly `key "literal"` or `key 'literal'` count (blocks such as
/// `on_arm do … end` may repeat a key; the first wins, as the file's own default). Never fails.
pub fn parse_ruby(text: &str) -> Definition {
    let mut d = Definition::default();
    for line in text.lines() {
        let t = line.trim();
        let Some((key, rest)) = t.split_once([' ', '\t']) else {
            continue;
        };
        let Some(value) = ruby_string(rest.trim()) else {
            continue;
        };
        match key {
            "name" => d.names.push(value),
            "desc" if d.desc.is_none() => d.desc = Some(value),
            "homepage" if d.homepage.is_none() => d.homepage = Some(value),
            "version" if d.version.is_none() => d.version = Some(value),
            _ => {}
        }
    }
    d
}

/// A whole Ruby string literal, alone on the rest of the line (a trailing `# comment` allowed).
fn ruby_string(s: &str) -> Option<String> {
    let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut out = String::new();
    let mut chars = s.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == q {
            let tail = s[i + 1..].trim_start();
            return (tail.is_empty() || tail.starts_with('#')).then_some(out);
        }
        if c == '\\' {
            match chars.next() {
                Some((_, 'n')) if q == '"' => out.push('\n'),
                Some((_, 't')) if q == '"' => out.push('\t'),
                Some((_, e)) if e == q || e == '\\' => out.push(e),
                // Single quotes keep any other backslash as written.
                Some((_, e)) => {
                    out.push('\\');
                    out.push(e);
                }
                None => return None,
            }
            continue;
        }
        out.push(c);
    }
    None
}

// ------------------------------------------------------------------------------------ artifacts

/// Builds the artifact of one keg.
pub fn formula_artifact(
    formula: &str,
    version: &str,
    receipt: Option<&Receipt>,
    def: Option<&Definition>,
    path: &str,
    target: &str,
) -> Artifact {
    let mut a = Artifact::new(ArtifactKind::Brew, formula, path, target).version(version).field(
        "brew.formula",
        formula,
        Role::Name,
    );
    if let Some(d) = def {
        a = a.field("brew.homepage", d.homepage.as_deref().unwrap_or(""), Role::Homepage);
    }
    if let Some(r) = receipt {
        a = a.field("brew.tap", r.tap.as_deref().unwrap_or(""), Role::Other);
        if let Some(on_request) = r.installed_on_request {
            a = a.field("brew.installed-on-request", on_request.to_string(), Role::Other);
        }
    }
    if let Some(d) = def {
        a = a.field("brew.desc", d.desc.as_deref().unwrap_or(""), Role::Text);
    }
    a
}

/// Builds the artifact of one installed cask.
pub fn cask_artifact(
    token: &str,
    version: &str,
    def: Option<&Definition>,
    receipt_tap: Option<&str>,
    path: &str,
    target: &str,
) -> Artifact {
    let mut a = Artifact::new(ArtifactKind::BrewCask, token, path, target).version(version).field(
        "brew.cask",
        token,
        Role::Name,
    );
    let empty = Definition::default();
    let d = def.unwrap_or(&empty);
    a = a.field("brew.homepage", d.homepage.as_deref().unwrap_or(""), Role::Homepage);
    a = a.field("brew.tap", d.tap.as_deref().or(receipt_tap).unwrap_or(""), Role::Other);
    for n in &d.names {
        a = a.field("brew.name", n, Role::Other);
    }
    a.field("brew.desc", d.desc.as_deref().unwrap_or(""), Role::Text)
}

// ------------------------------------------------------------------------------------ collector

/// The Homebrew collector.
pub struct Homebrew;

impl Homebrew {
    /// Every prefix in the target: the standard ones and `~/.linuxbrew` of each home, each
    /// directory read once however many names reach it.
    fn prefixes(cx: &Context<'_>, out: &mut dyn Sink) -> Vec<String> {
        let mut dirs: Vec<String> = PREFIXES.iter().map(|p| p.to_string()).collect();
        if cx.root.is_dir("/home") {
            match cx.root.read_dir("/home", MAX_ENTRIES) {
                Ok(entries) => dirs.extend(
                    entries
                        .iter()
                        .filter(|e| e.is_dir && e.name != "linuxbrew")
                        .map(|e| join(&join("/home", &e.name), ".linuxbrew")),
                ),
                Err(e) => out.error("/home", format!("cannot list: {e}")),
            }
        }
        let mut seen = Vec::new();
        dirs.retain(|d| {
            let Ok(host) = cx.root.identity(d) else {
                return true;
            };
            let new = !seen.contains(&host);
            seen.push(host);
            new
        });
        dirs
    }

    fn list(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) -> Vec<crate::root::Entry> {
        match cx.root.read_dir(dir, MAX_ENTRIES) {
            Ok(e) => e,
            Err(e) => {
                out.error(dir, format!("cannot list: {e}"));
                Vec::new()
            }
        }
    }

    fn cellar(cx: &Context<'_>, cellar: &str, out: &mut dyn Sink) {
        for f in Self::list(cx, cellar, out).iter().filter(|e| e.is_dir) {
            let formula_dir = join(cellar, &f.name);
            for v in Self::list(cx, &formula_dir, out).iter().filter(|e| e.is_dir && !e.name.starts_with('.')) {
                Self::keg(cx, &f.name, &v.name, &join(&formula_dir, &v.name), out);
            }
        }
    }

    fn keg(cx: &Context<'_>, formula: &str, version: &str, keg: &str, out: &mut dyn Sink) {
        let receipt_path = join(keg, "INSTALL_RECEIPT.json");
        let source_path = join(keg, &format!(".brew/{formula}.rb"));
        let receipt = if cx.root.is_file(&receipt_path) {
            let r = cx
                .root
                .read_text(&receipt_path, MAX_RECEIPT)
                .map_err(|e| format!("cannot read install receipt: {e}"))
                .and_then(|t| parse_receipt(&t));
            match r {
                Ok(r) => Some(r),
                Err(e) => {
                    out.error(&receipt_path, e);
                    None
                }
            }
        } else {
            None
        };
        let def = if cx.root.is_file(&source_path) {
            match cx.root.read_text(&source_path, MAX_SOURCE) {
                Ok(t) => Some(parse_ruby(&t)),
                Err(e) => {
                    out.error(&source_path, format!("cannot read formula source: {e}"));
                    None
                }
            }
        } else {
            None
        };
        // The receipt names the keg; a keg without one (an interrupted install) is still files
        // on disk and is reported by its directory.
        let path = if cx.root.is_file(&receipt_path) {
            receipt_path
        } else if def.is_some() {
            source_path
        } else {
            keg.to_string()
        };
        out.push(formula_artifact(formula, version, receipt.as_ref(), def.as_ref(), &path, cx.target));
    }

    fn caskroom(cx: &Context<'_>, caskroom: &str, out: &mut dyn Sink) {
        for c in Self::list(cx, caskroom, out).iter().filter(|e| e.is_dir) {
            Self::cask(cx, &c.name, &join(caskroom, &c.name), out);
        }
    }

    /// The installed caskfile: the newest `.metadata/<version>/<timestamp>/Casks/*`, as
    /// Homebrew's own `installed_caskfile` picks it. Returns (version, path).
    fn installed_caskfile(
        cx: &Context<'_>,
        token: &str,
        dir: &str,
        out: &mut dyn Sink,
    ) -> Option<(String, Option<String>)> {
        let meta = join(dir, ".metadata");
        if !cx.root.is_dir(&meta) {
            return None;
        }
        let mut newest: Option<(String, String, String)> = None;
        for v in Self::list(cx, &meta, out).iter().filter(|e| e.is_dir) {
            let vdir = join(&meta, &v.name);
            for ts in Self::list(cx, &vdir, out).iter().filter(|e| e.is_dir) {
                if newest.as_ref().is_none_or(|(t, _, _)| ts.name > *t) {
                    newest = Some((ts.name.clone(), v.name.clone(), join(&vdir, &ts.name)));
                }
            }
        }
        let (_, version, tsdir) = newest?;
        let casks = join(&tsdir, "Casks");
        let file = [format!("{token}.json"), format!("{token}.internal.json"), format!("{token}.rb")]
            .into_iter()
            .map(|f| join(&casks, &f))
            .find(|p| cx.root.is_file(p));
        Some((version, file))
    }

    fn cask(cx: &Context<'_>, token: &str, dir: &str, out: &mut dyn Sink) {
        let receipt_path = join(dir, ".metadata/INSTALL_RECEIPT.json");
        let receipt_tap = if cx.root.is_file(&receipt_path) {
            match cx
                .root
                .read_text(&receipt_path, MAX_RECEIPT)
                .map_err(|e| format!("cannot read install receipt: {e}"))
                .and_then(|t| parse_receipt(&t))
            {
                Ok(r) => r.tap,
                Err(e) => {
                    out.error(&receipt_path, e);
                    None
                }
            }
        } else {
            None
        };
        let Some((version, file)) = Self::installed_caskfile(cx, token, dir, out) else {
            // No metadata: an old or interrupted install. Each staged version directory is
            // what is on disk.
            for v in Self::list(cx, dir, out).iter().filter(|e| e.is_dir && !e.name.starts_with('.')) {
                let path = join(dir, &v.name);
                out.push(cask_artifact(token, &v.name, None, receipt_tap.as_deref(), &path, cx.target));
            }
            return;
        };
        let def = file.as_ref().and_then(|path| {
            let text = match cx.root.read_text(path, MAX_SOURCE) {
                Ok(t) => t,
                Err(e) => {
                    out.error(path, format!("cannot read cask definition: {e}"));
                    return None;
                }
            };
            if path.ends_with(".rb") {
                return Some(parse_ruby(&text));
            }
            match parse_cask_json(&text) {
                Ok(d) => Some(d),
                Err(e) => {
                    out.error(path, e);
                    None
                }
            }
        });
        let path = file.unwrap_or_else(|| join(dir, &version));
        out.push(cask_artifact(token, &version, def.as_ref(), receipt_tap.as_deref(), &path, cx.target));
    }
}

impl Collector for Homebrew {
    fn id(&self) -> &'static str {
        "homebrew"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        for prefix in Self::prefixes(cx, out) {
            let cellar = join(&prefix, "Cellar");
            if cx.root.is_dir(&cellar) {
                Self::cellar(cx, &cellar, out);
            }
            let caskroom = join(&prefix, "Caskroom");
            if cx.root.is_dir(&caskroom) {
                Self::caskroom(cx, &caskroom, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIPT: &str = r#"{"homebrew_version":"4.3.5","used_options":[],"installed_on_request":true,"time":1717000000,"source":{"path":"@@HOMEBREW_PREFIX@@/Library/Taps/homebrew/homebrew-core/Formula/w/wget.rb","tap":"homebrew/core","spec":"stable","versions":{"stable":"1.24.5","head":null,"version_scheme":0}},"arch":"arm64"}"#;

    const FORMULA: &str = "class Wget < Formula\n  desc \"Internet file retriever\"\n  homepage \"https://www.gnu.org/software/wget/\"\n  url \"https://ftp.gnu.org/gnu/wget/wget-1.24.5.tar.gz\"\n  license \"GPL-3.0-or-later\"\n  resource \"x\" do\n    homepage \"https://elsewhere.example/\"\n  end\nend\n";

    const CASK_RB: &str = "cask \"firefox\" do\n  version \"125.0\"\n  sha256 :no_check\n\n  url \"https://download.mozilla.org/?product=firefox-#{version}\"\n  name \"Mozilla Firefox\"\n  name 'Firefox'\n  desc \"Web browser\" # comment\n  homepage \"https://www.mozilla.org/firefox/\"\n\n  app \"Firefox.app\"\nend\n";

    #[test]
    fn receipt_fields() {
        let r = parse_receipt(RECEIPT).expect("receipt");
        assert_eq!(r.tap.as_deref(), Some("homebrew/core"));
        assert_eq!(r.stable_version.as_deref(), Some("1.24.5"));
        assert_eq!(r.homebrew_version.as_deref(), Some("4.3.5"));
        assert_eq!(r.installed_on_request, Some(true));
        assert!(parse_receipt("[]").is_err());
        assert!(parse_receipt("{").is_err());
        assert_eq!(parse_receipt("{}").expect("empty"), Receipt::default());
    }

    #[test]
    fn ruby_literals() {
        let d = parse_ruby(FORMULA);
        assert_eq!(d.desc.as_deref(), Some("Internet file retriever"));
        assert_eq!(d.homepage.as_deref(), Some("https://www.gnu.org/software/wget/"));
        let c = parse_ruby(CASK_RB);
        assert_eq!(c.names, ["Mozilla Firefox", "Firefox"]);
        assert_eq!(c.desc.as_deref(), Some("Web browser"));
        assert_eq!(c.version.as_deref(), Some("125.0"));
        assert_eq!(ruby_string(r#""a \"b\" \\ c""#).as_deref(), Some(r#"a "b" \ c"#));
        assert_eq!(ruby_string(r"'a\n'").as_deref(), Some(r"a\n"));
        assert_eq!(ruby_string("\"x\" + y"), None);
        assert_eq!(ruby_string("\"open"), None);
        assert_eq!(ruby_string(":latest"), None);
    }

    #[test]
    fn cask_json() {
        let d = parse_cask_json(
            r#"{"token":"k","name":["Kaspersky Security Cloud"],"desc":"d","homepage":"https://www.kaspersky.com/","tap":"homebrew/cask","version":"21.3"}"#,
        )
        .expect("json");
        assert_eq!(d.names, ["Kaspersky Security Cloud"]);
        assert_eq!(d.tap.as_deref(), Some("homebrew/cask"));
        assert_eq!(parse_cask_json(r#"{"name":"One"}"#).expect("json").names, ["One"]);
        assert!(parse_cask_json("null").is_err());
    }

    #[test]
    fn artifacts_have_no_publisher() {
        let r = parse_receipt(RECEIPT).expect("receipt");
        let d = parse_ruby(FORMULA);
        let a = formula_artifact("wget", "1.24.5", Some(&r), Some(&d), "/p", "t");
        assert_eq!(a.publisher, None);
        let roles: Vec<_> = a.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            [
                ("brew.formula", Role::Name),
                ("brew.homepage", Role::Homepage),
                ("brew.tap", Role::Other),
                ("brew.installed-on-request", Role::Other),
                ("brew.desc", Role::Text),
            ]
        );
        let c = cask_artifact("firefox", "125.0", Some(&parse_ruby(CASK_RB)), Some("homebrew/cask"), "/p", "t");
        assert_eq!(c.kind, ArtifactKind::BrewCask);
        assert_eq!(c.publisher, None);
        let roles: Vec<_> = c.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            [
                ("brew.cask", Role::Name),
                ("brew.homepage", Role::Homepage),
                ("brew.tap", Role::Other),
                ("brew.name", Role::Other),
                ("brew.name", Role::Other),
                ("brew.desc", Role::Text),
            ]
        );
    }

    #[test]
    fn truncations_and_garbage_never_panic() {
        for text in [RECEIPT, FORMULA, CASK_RB] {
            for len in 0..=text.len() {
                if text.is_char_boundary(len) {
                    let _ = parse_receipt(&text[..len]);
                    let _ = parse_cask_json(&text[..len]);
                    let _ = parse_ruby(&text[..len]);
                }
            }
        }
        for g in ["desc \"\\", "desc '", "name \u{0}é", "homepage \"é\\é\"", "\t\t"] {
            let _ = parse_ruby(g);
        }
    }
}
