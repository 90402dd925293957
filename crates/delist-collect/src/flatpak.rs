//! flatpak: installed applications of every flatpak installation in the target — the system one
//! (`/var/lib/flatpak`), extra system ones declared in `/etc/flatpak/installations.d/*.conf`, and
//! the per-user ones (`/root/.local/share/flatpak`, `/home/*/.local/share/flatpak`).
//!
//! Owns turning each deployed application into one artifact. Layout (as `flatpak install`
//! writes it): `<installation>/app/<app-id>/<arch>/<branch>/active/` is the deployment in use
//! (`active` links to the commit directory; `<app-id>/current` links to the default
//! `<arch>/<branch>`; several branches may be deployed at once and each is an artifact). Inside it:
//!
//! - `metadata`, a GLib key file: `[Application] name=…, runtime=…`.
//! - the AppStream metainfo the developer ships, `files/share/metainfo/<app-id>.metainfo.xml`
//!   (or `.appdata.xml`, or the legacy `files/share/appdata/`): `<name>`, `<summary>`,
//!   `<developer><name>` (AppStream 1.0) or `<developer_name>` (older), `<url type="homepage">`,
//!   `<project_license>` and `<releases>`, the first release being the newest.
//!
//! XML: no XML crate is in this build. AppStream metainfo is small and regular, so it is read by
//! a careful hand tokenizer (elements, attributes, text, entities, comments, CDATA; no DTDs, no
//! namespaces beyond the literal `xml:lang`), of which only the component's own direct children
//! listed above are used; translated (`xml:lang`) variants are skipped.
//!
//! Runtimes (`<installation>/runtime/`) are platforms and extensions, not applications, and are
//! not collected. The binary `deploy` file (a GVariant with the origin remote) is not read.
//!
//! It must never run flatpak or bubblewrap, or read the installation's OSTree repository.

use crate::{Collector, Context, Sink, excerpt::excerpt, root::join};
use delist_core::{Artifact, ArtifactKind, Role};

const SYSTEM: &str = "/var/lib/flatpak";
const INSTALLATIONS_D: &str = "/etc/flatpak/installations.d";
const USER_DIR: &str = ".local/share/flatpak";
const MAX_METADATA: u64 = 1 << 20;
const MAX_METAINFO: u64 = 16 << 20;
const MAX_CONF: u64 = 1 << 20;
const MAX_ENTRIES: usize = 100_000;
/// Nesting beyond this in a metainfo file is not AppStream; the tokenizer stops there.
const MAX_DEPTH: usize = 256;

// ------------------------------------------------------------------------------------ key file

/// One `key=value` of a GLib key file, with its `[group]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub group: String,
    pub key: String,
    pub value: String,
}

/// Parses a GLib key file (`metadata`, `installations.d/*.conf`). Never fails: a line that is
/// neither a `[group]`, a `key=value` in a group, a comment nor blank is a problem with its line
/// number.
pub fn parse_keyfile(text: &str) -> (Vec<KeyValue>, Vec<(usize, String)>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut group: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(g) = t.strip_prefix('[').and_then(|g| g.strip_suffix(']')) {
            group = Some(g.to_string());
            continue;
        }
        match (&group, t.split_once('=')) {
            (Some(g), Some((k, v))) if !k.trim().is_empty() => {
                out.push(KeyValue { group: g.clone(), key: k.trim().to_string(), value: unescape_keyfile(v.trim()) })
            }
            _ => problems.push((i + 1, format!("expected `[group]` or `key=value`, found {:?}", excerpt(t, 60)))),
        }
    }
    (out, problems)
}

/// GLib key-file escapes: `\s` space, `\n`, `\t`, `\r`, `\\`.
fn unescape_keyfile(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('s') => out.push(' '),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

fn get<'a>(kv: &'a [KeyValue], group: &str, key: &str) -> Option<&'a str> {
    kv.iter().find(|e| e.group == group && e.key == key).map(|e| e.value.as_str())
}

// ------------------------------------------------------------------------------------------ XML

/// One piece of an XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Start { name: String, attrs: Vec<(String, String)> },
    End { name: String },
    Text(String),
}

/// Tokenizes XML into start tags (a self-closing tag gives a start and an end), end tags and
/// decoded text. Comments, processing instructions and `<!DOCTYPE>` are dropped; CDATA is text.
/// `Err` on a construct that never closes.
pub fn xml_events(text: &str) -> Result<Vec<Event>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = after(r, "-->").ok_or("comment never closes")?;
        } else if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").ok_or("CDATA section never closes")?;
            out.push(Event::Text(r[..end].to_string()));
            rest = &r[end + 3..];
        } else if let Some(r) = rest.strip_prefix("<?") {
            rest = after(r, "?>").ok_or("processing instruction never closes")?;
        } else if let Some(r) = rest.strip_prefix("<!") {
            rest = after(r, ">").ok_or("declaration never closes")?;
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').ok_or("end tag never closes")?;
            out.push(Event::End { name: r[..end].trim().to_string() });
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            let end = tag_end(r).ok_or("start tag never closes")?;
            let (body, self_closing) = match r[..end].strip_suffix('/') {
                Some(b) => (b, true),
                None => (&r[..end], false),
            };
            let (name, attrs) = tag(body)?;
            out.push(Event::Start { name: name.clone(), attrs });
            if self_closing {
                out.push(Event::End { name });
            }
            rest = &r[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            out.push(Event::Text(decode_entities(&rest[..end])));
            rest = &rest[end..];
        }
    }
    Ok(out)
}

fn after<'a>(s: &'a str, pat: &str) -> Option<&'a str> {
    s.find(pat).map(|at| &s[at + pat.len()..])
}

/// The byte index of the `>` that ends a start tag, skipping quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// A start tag's name and attributes (`name="value"` or `name='value'`).
fn tag(body: &str) -> Result<(String, Vec<(String, String)>), String> {
    let body = body.trim();
    let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
    let name = &body[..name_end];
    if name.is_empty() {
        return Err("tag without a name".into());
    }
    let mut attrs = Vec::new();
    let mut rest = body[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or_else(|| format!("attribute without a value in <{name}>"))?;
        let key = rest[..eq].trim().to_string();
        let v = rest[eq + 1..].trim_start();
        let q = v
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
            .ok_or_else(|| format!("unquoted attribute value in <{name}>"))?;
        let close = v[1..].find(q).ok_or_else(|| format!("attribute value never closes in <{name}>"))?;
        attrs.push((key, decode_entities(&v[1..1 + close])));
        rest = v[1 + close + 1..].trim_start();
    }
    Ok((name.to_string(), attrs))
}

/// Decodes the five predefined entities and character references; anything else stays as
/// written.
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let r = &rest[at..];
        let decoded = r.find(';').filter(|end| *end <= 12).and_then(|end| {
            let ent = &r[1..end];
            let c = match ent {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => ent
                    .strip_prefix("#x")
                    .or_else(|| ent.strip_prefix("#X"))
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| ent.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &r[end + 1..];
            }
            None => {
                out.push('&');
                rest = &r[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------------------------------------ AppStream

/// What an AppStream metainfo file says about its component.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppStream {
    pub id: Option<String>,
    pub name: Option<String>,
    pub summary: Option<String>,
    /// `<developer><name>` first, then `<developer_name>` when it differs.
    pub developers: Vec<String>,
    pub developer_id: Option<String>,
    pub homepage: Option<String>,
    pub license: Option<String>,
    pub version: Option<String>,
}

/// The untranslated text elements of a component that are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Id,
    Name,
    Summary,
    DeveloperName,
    LegacyDeveloperName,
    Homepage,
    License,
}

/// Reads an AppStream metainfo/appdata document. `Err` when it is not XML this reader
/// understands or holds no `<component>` (or legacy `<application>`).
pub fn parse_appstream(text: &str) -> Result<AppStream, String> {
    let events = xml_events(text)?;
    let mut out = AppStream::default();
    let mut developer = None;
    let mut legacy_developer = None;
    let mut stack: Vec<&str> = Vec::new();
    // The depth of the component element once found, and whether it has ended.
    let mut comp: Option<usize> = None;
    let mut done = false;
    // The slot being captured, the depth it was opened at, and its text so far.
    let mut capture: Option<(Slot, usize, String)> = None;
    for ev in &events {
        match ev {
            Event::Start { name, attrs } => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(name);
                if done {
                    continue;
                }
                let Some(c) = comp else {
                    if name == "component" || name == "application" {
                        comp = Some(stack.len());
                    }
                    continue;
                };
                let attr = |k: &str| attrs.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
                let translated = attr("xml:lang").is_some_and(|l| !l.is_empty() && l != "C");
                let rel = &stack[c..];
                let slot = match rel {
                    ["id"] => Some(Slot::Id),
                    ["name"] if !translated => Some(Slot::Name),
                    ["summary"] if !translated => Some(Slot::Summary),
                    ["developer_name"] if !translated => Some(Slot::LegacyDeveloperName),
                    ["developer", "name"] if !translated => Some(Slot::DeveloperName),
                    ["url"] if attr("type") == Some("homepage") => Some(Slot::Homepage),
                    ["project_license"] => Some(Slot::License),
                    ["developer"] => {
                        if out.developer_id.is_none() {
                            out.developer_id = attr("id").map(str::to_string);
                        }
                        None
                    }
                    ["releases", "release"] => {
                        if out.version.is_none() {
                            out.version = attr("version").map(str::to_string);
                        }
                        None
                    }
                    _ => None,
                };
                if let (Some(s), None) = (slot, &capture) {
                    capture = Some((s, stack.len(), String::new()));
                }
            }
            Event::Text(t) => {
                if let Some((_, _, buf)) = capture.as_mut() {
                    buf.push_str(t);
                }
            }
            Event::End { name } => {
                // Tolerate a stray or mismatched end tag: close back to its start if open.
                let Some(at) = stack.iter().rposition(|s| s == name) else {
                    continue;
                };
                if let Some((slot, _, buf)) = capture.take_if(|(_, d, _)| *d > at) {
                    let text = collapse(&buf);
                    let target = match slot {
                        Slot::Id => &mut out.id,
                        Slot::Name => &mut out.name,
                        Slot::Summary => &mut out.summary,
                        Slot::DeveloperName => &mut developer,
                        Slot::LegacyDeveloperName => &mut legacy_developer,
                        Slot::Homepage => &mut out.homepage,
                        Slot::License => &mut out.license,
                    };
                    if target.is_none() && !text.is_empty() {
                        *target = Some(text);
                    }
                }
                stack.truncate(at);
                if comp.is_some_and(|c| at < c) {
                    done = true;
                }
            }
        }
    }
    if comp.is_none() {
        return Err("no <component> element: not AppStream metainfo".into());
    }
    for d in [developer, legacy_developer].into_iter().flatten() {
        if !out.developers.contains(&d) {
            out.developers.push(d);
        }
    }
    Ok(out)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ------------------------------------------------------------------------------------- artifact

/// One deployed application, and what its files said.
#[derive(Debug, Clone, Default)]
pub struct Deployment<'a> {
    pub app_id: &'a str,
    pub arch: &'a str,
    pub branch: &'a str,
    pub metadata: &'a [KeyValue],
    pub appstream: Option<&'a AppStream>,
}

/// Builds the artifact of one deployment: named by its app id, versioned by its newest
/// AppStream release.
pub fn artifact(d: &Deployment<'_>, path: &str, target: &str) -> Artifact {
    let empty = AppStream::default();
    let s = d.appstream.unwrap_or(&empty);
    let mut a = Artifact::new(ArtifactKind::Flatpak, d.app_id, path, target)
        .version(s.version.as_deref().unwrap_or(""))
        .field("flatpak.app-id", d.app_id, Role::Name)
        .id(d.app_id);
    for dev in &s.developers {
        a = a.field("flatpak.developer", dev, Role::Publisher);
    }
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    a.field("flatpak.developer-id", opt(&s.developer_id), Role::Other)
        .field("flatpak.homepage", opt(&s.homepage), Role::Homepage)
        .field("flatpak.name", opt(&s.name), Role::Other)
        .field("flatpak.license", opt(&s.license), Role::Other)
        .field("flatpak.arch", d.arch, Role::Other)
        .field("flatpak.branch", d.branch, Role::Other)
        .field("flatpak.runtime", get(d.metadata, "Application", "runtime").unwrap_or(""), Role::Other)
        .field("flatpak.summary", opt(&s.summary), Role::Text)
}

// ------------------------------------------------------------------------------------ collector

/// The flatpak collector.
pub struct Flatpak;

impl Flatpak {
    /// Every installation directory in the target, `/`-rooted, system ones first.
    fn installations(cx: &Context<'_>, out: &mut dyn Sink) -> Vec<String> {
        let mut dirs = vec![SYSTEM.to_string()];
        if cx.root.is_dir(INSTALLATIONS_D) {
            match cx.root.read_dir(INSTALLATIONS_D, MAX_ENTRIES) {
                Ok(entries) => {
                    for e in entries.iter().filter(|e| e.is_file && e.name.ends_with(".conf")) {
                        let path = join(INSTALLATIONS_D, &e.name);
                        match cx.root.read_text(&path, MAX_CONF) {
                            Ok(t) => {
                                let (kv, problems) = parse_keyfile(&t);
                                for (line, p) in problems {
                                    out.error(&path, format!("line {line}: {p}"));
                                }
                                dirs.extend(
                                    kv.into_iter()
                                        .filter(|k| {
                                            k.group.starts_with("Installation ")
                                                && k.key == "Path"
                                                && k.value.starts_with('/')
                                        })
                                        .map(|k| k.value),
                                );
                            }
                            Err(err) => out.error(&path, format!("cannot read: {err}")),
                        }
                    }
                }
                Err(e) => out.error(INSTALLATIONS_D, format!("cannot list: {e}")),
            }
        }
        let (homes, errors) = cx.root.homes();
        for (dir, e) in errors {
            out.error(&dir, format!("cannot list: {e}"));
        }
        dirs.extend(homes.iter().map(|h| join(h, USER_DIR)));
        // One directory reached by two names (a symlinked home) is read once.
        cx.root.unique_dirs(dirs)
    }

    /// Subdirectories of a directory, reporting a listing that fails.
    fn subdirs(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) -> Vec<String> {
        match cx.root.read_dir(dir, MAX_ENTRIES) {
            Ok(entries) => entries
                .into_iter()
                // `.removed` and flatpak's temporary directories start with a dot.
                .filter(|e| e.is_dir && !e.name.starts_with('.'))
                .map(|e| e.name)
                .collect(),
            Err(e) => {
                out.error(dir, format!("cannot list: {e}"));
                Vec::new()
            }
        }
    }

    /// The deployment's AppStream file, if it ships one.
    fn appstream(cx: &Context<'_>, active: &str, app_id: &str, out: &mut dyn Sink) -> Option<AppStream> {
        let candidates = [
            format!("files/share/metainfo/{app_id}.metainfo.xml"),
            format!("files/share/metainfo/{app_id}.appdata.xml"),
            format!("files/share/appdata/{app_id}.appdata.xml"),
            format!("files/share/appdata/{app_id}.metainfo.xml"),
        ];
        let path = candidates.iter().map(|c| join(active, c)).find(|p| cx.root.is_file(p))?;
        let parsed = cx
            .root
            .read_text(&path, MAX_METAINFO)
            .map_err(|e| format!("cannot read AppStream metainfo: {e}"))
            .and_then(|t| parse_appstream(&t));
        match parsed {
            Ok(s) => Some(s),
            Err(e) => {
                out.error(&path, e);
                None
            }
        }
    }

    fn deployment(cx: &Context<'_>, app_id: &str, arch: &str, branch: &str, dir: &str, out: &mut dyn Sink) {
        let active = join(dir, "active");
        if !cx.root.is_dir(&active) {
            // A branch directory with no active deployment is being installed or removed.
            return;
        }
        let path = join(&active, "metadata");
        let metadata = match cx.root.read_text(&path, MAX_METADATA) {
            Ok(t) => {
                let (kv, problems) = parse_keyfile(&t);
                for (line, p) in problems {
                    out.error(&path, format!("line {line}: {p}"));
                }
                kv
            }
            Err(e) => {
                // Still an installed application: say so, with what the path tells.
                out.error(&path, format!("cannot read flatpak metadata: {e}"));
                Vec::new()
            }
        };
        let appstream = Self::appstream(cx, &active, app_id, out);
        let d = Deployment { app_id, arch, branch, metadata: &metadata, appstream: appstream.as_ref() };
        out.push(artifact(&d, &path, cx.target));
    }
}

impl Collector for Flatpak {
    fn id(&self) -> &'static str {
        "flatpak"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        for inst in Self::installations(cx, out) {
            let apps = join(&inst, "app");
            if !cx.root.is_dir(&apps) {
                continue;
            }
            for app_id in Self::subdirs(cx, &apps, out) {
                let app_dir = join(&apps, &app_id);
                // `current` links to the default `<arch>/<branch>`, which is listed anyway.
                for arch in Self::subdirs(cx, &app_dir, out).into_iter().filter(|a| a != "current") {
                    let arch_dir = join(&app_dir, &arch);
                    for branch in Self::subdirs(cx, &arch_dir, out) {
                        let dir = join(&arch_dir, &branch);
                        Self::deployment(cx, &app_id, &arch, &branch, &dir, out);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const METAINFO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Copyright: <someone> -->
<component type="desktop-application">
  <id>com.hikvision.iVMS4200</id>
  <metadata_license>CC0-1.0</metadata_license>
  <project_license>LicenseRef-proprietary</project_license>
  <name xml:lang="de">iVMS-4200 (de)</name>
  <name>iVMS-4200</name>
  <summary>Video &amp; device
     management client</summary>
  <developer id="com.hikvision">
    <name xml:lang="zh_CN">海康威视</name>
    <name>Hangzhou Hikvision Digital Technology Co.,Ltd.</name>
  </developer>
  <developer_name>Hikvision</developer_name>
  <url type="bugtracker">https://bugs.example/</url>
  <url type='homepage'>https://www.hikvision.com/</url>
  <provides><name>not-the-name</name></provides>
  <description><p>Text with <em>markup</em> &#x263A;</p></description>
  <releases>
    <release version="3.10.0" date="2024-05-01"/>
    <release version="3.9.1" date="2023-11-02"><description><p>old</p></description></release>
  </releases>
</component>
"#;

    #[test]
    fn appstream_component_children() {
        let s = parse_appstream(METAINFO).expect("metainfo");
        assert_eq!(s.id.as_deref(), Some("com.hikvision.iVMS4200"));
        assert_eq!(s.name.as_deref(), Some("iVMS-4200"));
        assert_eq!(s.summary.as_deref(), Some("Video & device management client"));
        assert_eq!(s.developers, ["Hangzhou Hikvision Digital Technology Co.,Ltd.", "Hikvision"]);
        assert_eq!(s.developer_id.as_deref(), Some("com.hikvision"));
        assert_eq!(s.homepage.as_deref(), Some("https://www.hikvision.com/"));
        assert_eq!(s.license.as_deref(), Some("LicenseRef-proprietary"));
        assert_eq!(s.version.as_deref(), Some("3.10.0"));
    }

    #[test]
    fn xml_tokens_entities_and_errors() {
        let ev = xml_events("<a x='1 > 2' y=\"&lt;&#65;&#x42;&bogus;\"/><![CDATA[<raw>]]>t&amp;").expect("xml");
        assert_eq!(
            ev,
            [
                Event::Start {
                    name: "a".into(),
                    attrs: vec![("x".into(), "1 > 2".into()), ("y".into(), "<AB&bogus;".into())],
                },
                Event::End { name: "a".into() },
                Event::Text("<raw>".into()),
                Event::Text("t&".into()),
            ]
        );
        for bad in ["<!-- open", "<a", "<a x=1>", "<a x>", "</a", "<![CDATA[x", "<?pi", "< >"] {
            assert!(xml_events(bad).is_err(), "{bad}");
        }
        assert!(parse_appstream("<root/>").is_err());
        // Mismatched and stray end tags are tolerated.
        let s = parse_appstream("</x><component><name>A</b></name></component>").expect("lenient");
        assert_eq!(s.name.as_deref(), Some("A"));
    }

    #[test]
    fn keyfile_groups_and_escapes() {
        let (kv, p) = parse_keyfile(
            "# c\n[Application]\nname=org.x.App\nruntime=org.x.Platform/x86_64/1\n\n[Installation \"extra\"]\nPath=/opt/flatpak\nDisplayName=Extra\\sone\nstray\n",
        );
        assert_eq!(get(&kv, "Application", "name"), Some("org.x.App"));
        assert_eq!(get(&kv, "Installation \"extra\"", "DisplayName"), Some("Extra one"));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, 9);
        assert_eq!(parse_keyfile("k=v\n").1.len(), 1);
    }

    #[test]
    fn artifact_fields_and_roles() {
        let s = parse_appstream(METAINFO).expect("metainfo");
        let (kv, _) =
            parse_keyfile("[Application]\nname=com.hikvision.iVMS4200\nruntime=org.x.Platform/x86_64/23.08\n");
        let d = Deployment {
            app_id: "com.hikvision.iVMS4200",
            arch: "x86_64",
            branch: "stable",
            metadata: &kv,
            appstream: Some(&s),
        };
        let a = artifact(&d, "/m", "t");
        assert_eq!(a.version.as_deref(), Some("3.10.0"));
        assert_eq!(a.publisher.as_deref(), Some("Hangzhou Hikvision Digital Technology Co.,Ltd."));
        assert_eq!(a.ids, ["com.hikvision.iVMS4200"]);
        let roles: Vec<_> = a.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            [
                ("flatpak.app-id", Role::Name),
                ("flatpak.developer", Role::Publisher),
                ("flatpak.developer", Role::Publisher),
                ("flatpak.developer-id", Role::Other),
                ("flatpak.homepage", Role::Homepage),
                ("flatpak.name", Role::Other),
                ("flatpak.license", Role::Other),
                ("flatpak.arch", Role::Other),
                ("flatpak.branch", Role::Other),
                ("flatpak.runtime", Role::Other),
                ("flatpak.summary", Role::Text),
            ]
        );
    }

    #[test]
    fn truncations_and_garbage_never_panic() {
        for len in 0..=METAINFO.len() {
            if METAINFO.is_char_boundary(len) {
                let _ = parse_appstream(&METAINFO[..len]);
                let _ = parse_keyfile(&METAINFO[..len]);
            }
        }
        let deep = "<component>".to_string() + &"<a>".repeat(MAX_DEPTH + 1);
        assert!(parse_appstream(&deep).is_err());
        for g in ["&", "&#;", "&#x110000;", "&#99999999999;", "<a b='&'>", "\u{0}<é é='é'>", "<a/ >", "<=>"] {
            let _ = parse_appstream(g);
            let _ = decode_entities(g);
        }
    }
}
