//! snap: installed snaps, from snapd's state `/var/lib/snapd/state.json`, each snap's
//! `meta/snap.yaml` under the mount directory (`/snap`, or `/var/lib/snapd/snap` on Fedora and
//! Arch), and the publisher from snapd's assertion database.
//!
//! Owns turning each installed snap into one artifact. What snapd keeps where (learned from
//! snapd's source, `overlord/snapstate`, `snap/info.go`, `asserts/fsbackstore.go`):
//!
//! - `state.json` → `data.snaps.<instance>`: `type`, `current` (the current revision), `channel`
//!   and `sequence[]`, the installed revisions, each with the store's `name`, `snap-id`,
//!   `revision` and the store-edited `title`, `summary` and `links`. Revisions are strings
//!   (`"42"`, `"x1"` for a local install) in current snapd and integers in old ones (negative
//!   for local). There is no version and no publisher in the state.
//! - `meta/snap.yaml` → `name`, `version`, `summary`, `title`, `type`, `website`. It is only
//!   readable where the snap's squashfs is mounted: a live machine, not an offline image.
//! - The publisher: snapd looks it up offline from two assertions (`assertstate.Publisher`): the
//!   `snap-declaration` of the snap-id names a `publisher-id`, whose `account` assertion has
//!   `display-name`, `username` and `validation`. They live in
//!   `/var/lib/snapd/assertions/asserts-v0/<type>/<primary key…>/active[.N]`. A snap installed
//!   from a file (`--dangerous`) has no snap-id and no publisher.
//!
//! A snap the state knows is an artifact of `state.json` (the database record, stable whether or
//! not the image is mounted); a snap found only as a mounted `current` revision, with no state, is
//! an artifact of its `snap.yaml`.
//!
//! YAML: there is no YAML crate in this build, and none is needed. `snap.yaml` is read by hand
//! for top-level `key: value` scalars only — plain, single- or double-quoted, folded over
//! indented continuation lines (PyYAML wraps long lines that way) or `|`/`>` block scalars.
//! Nested mappings, lists and flow collections are skipped, never guessed at.
//!
//! It must never talk to snapd, mount a `.snap` squashfs, or verify assertion signatures (the
//! assertions are read as snapd's own record of what it verified).

use crate::{Collector, Context, Sink, excerpt::excerpt, root::join};
use delist_core::{Artifact, ArtifactKind, Role};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const STATE: &str = "/var/lib/snapd/state.json";
const MOUNTS: [&str; 2] = ["/snap", "/var/lib/snapd/snap"];
const ASSERTS: &str = "/var/lib/snapd/assertions/asserts-v0";
/// The snap series every snapd since 2016 uses in snap-declaration keys.
const SERIES: &str = "16";
/// snapd's state holds changes and tasks too; a busy machine's is tens of megabytes.
const MAX_STATE: u64 = 256 << 20;
const MAX_YAML: u64 = 16 << 20;
const MAX_ASSERTION: u64 = 1 << 20;
const MAX_ENTRIES: usize = 100_000;

// ---------------------------------------------------------------------------------- state.json

/// One installed snap as snapd's state records it (its current revision's side info).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateSnap {
    /// The key in `data.snaps`: the snap name, with `_key` for a parallel instance.
    pub instance: String,
    /// The store name (`sequence[].name`).
    pub name: Option<String>,
    pub snap_id: Option<String>,
    pub revision: Option<String>,
    pub channel: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub website: Option<String>,
}

/// Parses snapd's `state.json` into its installed snaps, sorted by instance name, and the
/// problems with single entries. `Err` when the text is not a snapd state at all.
pub fn parse_state(text: &str) -> Result<(Vec<StateSnap>, Vec<String>), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let data = v.get("data").filter(|d| d.is_object()).ok_or("no `data` object: not a snapd state")?;
    let mut snaps = Vec::new();
    let mut problems = Vec::new();
    let Some(all) = data.get("snaps") else {
        // A snapd that has never installed a snap.
        return Ok((snaps, problems));
    };
    let Some(all) = all.as_object() else {
        return Err("`data.snaps` is not an object".into());
    };
    for (instance, st) in all {
        match state_snap(instance, st) {
            Ok(Some(s)) => snaps.push(s),
            Ok(None) => {}
            Err(e) => problems.push(format!("snap {instance:?}: {e}")),
        }
    }
    snaps.sort_by(|a, b| a.instance.cmp(&b.instance));
    Ok((snaps, problems))
}

/// One `data.snaps` entry; `None` for an entry with no installed revision (mid-install).
fn state_snap(instance: &str, st: &Value) -> Result<Option<StateSnap>, String> {
    let st = st.as_object().ok_or("not an object")?;
    let seq = match st.get("sequence") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("`sequence` is not a list".into()),
    };
    let current = st.get("current").and_then(revision);
    // snapd: "Last is current"; `current` names it exactly when set.
    let side = current
        .as_ref()
        .and_then(|c| seq.iter().rev().find(|s| s.get("revision").and_then(revision).as_ref() == Some(c)))
        .or_else(|| seq.last());
    let Some(side) = side else { return Ok(None) };
    if !side.is_object() {
        return Err("sequence entry is not an object".into());
    }
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let website = side
        .get("links")
        .and_then(|l| l.get("website"))
        .and_then(|w| w.get(0))
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Some(StateSnap {
        instance: instance.to_string(),
        name: text(side, "name"),
        snap_id: text(side, "snap-id"),
        revision: side.get("revision").and_then(revision).or(current),
        channel: st.get("channel").and_then(Value::as_str).map(str::to_string),
        kind: st.get("type").and_then(Value::as_str).map(str::to_string),
        title: text(side, "title"),
        summary: text(side, "summary"),
        website,
    }))
}

/// A revision as snapd writes it: `"42"`/`"x1"`, or an integer (negative = local) in old states.
fn revision(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => match n.as_i64()? {
            0 => None,
            n if n < 0 => Some(format!("x{}", n.unsigned_abs())),
            n => Some(n.to_string()),
        },
        _ => None,
    }
}

// ----------------------------------------------------------------------------------- snap.yaml

/// Top-level `key: value` scalars of a YAML document, in order.
pub type Scalars = Vec<(String, String)>;
/// Problems met while parsing, each with its 1-based line number.
pub type Problems = Vec<(usize, String)>;

/// Parses the top-level `key: value` scalars of a YAML mapping (see the module doc for what is
/// and is not understood). Never fails: a top-level line that is not `key: value`, or a quoted
/// scalar that never closes, is a problem with its line number.
pub fn parse_yaml_scalars(text: &str) -> (Scalars, Problems) {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let n = i + 1;
        i += 1;
        if is_blank_or_comment(line) || continues(line) || is_document_marker(line) {
            continue;
        }
        // The value's continuation: every following indented, blank or sequence-item line.
        let start = i;
        while i < lines.len() && (lines[i].trim().is_empty() || continues(lines[i])) {
            i += 1;
        }
        let Some((key, rest)) = split_key(line) else {
            problems.push((n, format!("expected `key: value`, found {:?}", excerpt(line, 60))));
            continue;
        };
        match scalar(rest, &lines[start..i]) {
            Ok(Some(v)) => out.push((key, v)),
            Ok(None) => {}
            Err(e) => problems.push((n, format!("{key}: {e}"))),
        }
    }
    (out, problems)
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

fn indented(line: &str) -> bool {
    line.starts_with([' ', '\t'])
}

/// A line that belongs to the value above it: indented, or an item of a sequence written at the
/// key's own indentation (PyYAML's default style: `architectures:` then `- amd64`).
fn continues(line: &str) -> bool {
    indented(line) || line == "-" || line.starts_with("- ")
}

fn is_document_marker(line: &str) -> bool {
    line == "---" || line.starts_with("--- ") || line == "..."
}

/// `key: rest` → (`key`, `rest`); the colon must be followed by a space or end the line.
fn split_key(line: &str) -> Option<(String, &str)> {
    let mut from = 0;
    loop {
        let at = from + line[from..].find(':')?;
        let after = &line[at + 1..];
        if after.is_empty() || after.starts_with([' ', '\t']) {
            let key = line[..at].trim();
            let key = unquote_key(key);
            if key.is_empty() || key.starts_with(['-', '[', '{', '?']) {
                return None;
            }
            return Some((key.to_string(), after));
        }
        from = at + 1;
    }
}

fn unquote_key(key: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(k) = key.strip_prefix(q).and_then(|k| k.strip_suffix(q)) {
            return k;
        }
    }
    key
}

/// The value of a top-level key from the rest of its line and its continuation lines; `None`
/// for an empty value, a nested collection or a flow collection.
fn scalar(rest: &str, cont: &[&str]) -> Result<Option<String>, String> {
    let head = rest.trim();
    let v = match head.chars().next() {
        None => return Ok(None),
        Some('[' | '{' | '*') => return Ok(None),
        Some('|' | '>') => block(head, cont),
        Some('"') => double_quoted(&fold(head, cont, true))?,
        Some('\'') => single_quoted(&fold(head, cont, false))?,
        Some(_) => {
            let first = strip_comment(head);
            let lines: Vec<&str> = cont.iter().copied().take_while(|l| !l.trim_start().starts_with('#')).collect();
            fold(first, &lines, false)
        }
    };
    Ok((!v.is_empty() && v != "~" && v != "null").then_some(v))
}

/// A plain scalar ends at ` #` (a comment).
fn strip_comment(s: &str) -> &str {
    match s.find(" #").or_else(|| s.find("\t#")) {
        Some(at) => s[..at].trim_end(),
        None => s,
    }
}

/// YAML line folding: lines joined by a space, a blank line kept as a newline. For a
/// double-quoted scalar a line ending in `\` joins the next without a space (an escaped break).
fn fold(first: &str, cont: &[&str], escapes: bool) -> String {
    let mut out = first.trim().to_string();
    let mut blank = false;
    for l in cont {
        let t = l.trim();
        if t.is_empty() {
            out.push('\n');
            blank = true;
            continue;
        }
        if escapes && out.ends_with('\\') && !out.ends_with("\\\\") {
            out.pop();
        } else if !blank {
            out.push(' ');
        }
        blank = false;
        out.push_str(t);
    }
    out
}

/// A `|` (literal) or `>` (folded) block scalar, chomped of its final line breaks.
fn block(head: &str, cont: &[&str]) -> String {
    let lead = |l: &str| l.len() - l.trim_start().len();
    let indent = cont.iter().find(|l| !l.trim().is_empty()).map_or(0, |l| lead(l));
    // Deeper indentation is content; `get` keeps to char boundaries.
    let lines = cont.iter().map(|l| l.get(lead(l).min(indent)..).unwrap_or_else(|| l.trim_start()).trim_end());
    let out = if head.starts_with('|') {
        lines.collect::<Vec<_>>().join("\n")
    } else {
        // Folded: lines joined by a space, a blank line is a line break.
        let mut out = String::new();
        let mut after_text = false;
        for l in lines {
            if l.is_empty() {
                out.push('\n');
                after_text = false;
            } else {
                if after_text {
                    out.push(' ');
                }
                out.push_str(l);
                after_text = true;
            }
        }
        out
    };
    out.trim_end().to_string()
}

fn double_quoted(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars().skip(1);
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(out),
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some('x') => out.push(hex_char(&mut chars, 2)),
                Some('u') => out.push(hex_char(&mut chars, 4)),
                Some('U') => out.push(hex_char(&mut chars, 8)),
                Some(other) => out.push(other),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("double-quoted scalar never closes".into())
}

/// The character of the next `n` hex digits, or U+FFFD when they are not a character.
fn hex_char(chars: &mut impl Iterator<Item = char>, n: usize) -> char {
    let digits: String = chars.take(n).collect();
    u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn single_quoted(s: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = s.chars().skip(1).peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
                out.push('\'');
                continue;
            }
            return Ok(out);
        }
        out.push(c);
    }
    Err("single-quoted scalar never closes".into())
}

// ---------------------------------------------------------------------------------- assertions

/// The top-level single-line headers of an assertion (`type: account`, `display-name: …`), up to
/// the blank line that ends them. Multi-line headers (lists, maps) are skipped. `Err` when it has
/// no `type` header: then it is not an assertion.
pub fn parse_assertion(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut headers = BTreeMap::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if indented(line) {
            continue;
        }
        if let Some((k, v)) = line.split_once(": ") {
            headers.entry(k.to_string()).or_insert_with(|| v.trim().to_string());
        }
    }
    if headers.contains_key("type") { Ok(headers) } else { Err("no `type` header: not an assertion".into()) }
}

/// The publisher account of a snap, as the assertions give it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub display_name: Option<String>,
    pub username: Option<String>,
    pub validation: Option<String>,
}

/// Snap ids and account ids are alphanumeric; anything else must not become a path component.
fn safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

// ------------------------------------------------------------------------------------ artifact

/// What is known of one installed snap, from wherever it was read.
#[derive(Debug, Clone, Default)]
pub struct Known<'a> {
    pub instance: &'a str,
    pub state: Option<&'a StateSnap>,
    pub yaml: &'a [(String, String)],
    pub publisher: Option<&'a Account>,
}

/// Builds the artifact of one snap. The store's edited title and summary win over
/// `snap.yaml`'s, as in snapd.
pub fn artifact(k: &Known<'_>, path: &str, target: &str) -> Artifact {
    let yaml = |key: &str| k.yaml.iter().find(|(y, _)| y == key).map(|(_, v)| v.as_str());
    let st = |f: fn(&StateSnap) -> &Option<String>| k.state.and_then(|s| f(s).as_deref());
    // A parallel instance `name_key` is installed from the store name `name`.
    let store_name =
        st(|s| &s.name).or(yaml("name")).unwrap_or_else(|| k.instance.split('_').next().unwrap_or(k.instance));
    let mut a = Artifact::new(ArtifactKind::Snap, k.instance, path, target)
        .version(yaml("version").unwrap_or(""))
        .field("snap.name", store_name, Role::Name);
    if let Some(p) = k.publisher {
        a = a
            .field("snap.publisher", p.display_name.as_deref().unwrap_or(""), Role::Publisher)
            .field("snap.publisher-username", p.username.as_deref().unwrap_or(""), Role::Publisher)
            .field("snap.publisher-id", &p.id, Role::Other)
            .field("snap.publisher-validation", p.validation.as_deref().unwrap_or(""), Role::Other);
    }
    let pairs = [
        ("snap.website", st(|s| &s.website).or(yaml("website")), Role::Homepage),
        ("snap.snap-id", st(|s| &s.snap_id), Role::Other),
        ("snap.revision", st(|s| &s.revision), Role::Other),
        ("snap.channel", st(|s| &s.channel), Role::Other),
        ("snap.type", st(|s| &s.kind).or(yaml("type")), Role::Other),
        ("snap.title", st(|s| &s.title).or(yaml("title")), Role::Other),
        ("snap.summary", st(|s| &s.summary).or(yaml("summary")), Role::Text),
    ];
    for (field, value, role) in pairs {
        if let Some(v) = value {
            a = a.field(field, v, role);
        }
    }
    a
}

// ----------------------------------------------------------------------------------- collector

/// The snap collector.
pub struct Snap;

impl Snap {
    /// Reads a `snap.yaml`, reporting problems; `None` when it is absent.
    fn read_yaml(cx: &Context<'_>, path: &str, out: &mut dyn Sink) -> Option<Scalars> {
        if !cx.root.is_file(path) {
            return None;
        }
        let text = match cx.root.read_text(path, MAX_YAML) {
            Ok(t) => t,
            Err(e) => {
                out.error(path, format!("cannot read snap.yaml: {e}"));
                return None;
            }
        };
        let (scalars, problems) = parse_yaml_scalars(&text);
        for (line, p) in problems {
            out.error(path, format!("line {line}: {p}"));
        }
        Some(scalars)
    }

    /// The `snap.yaml` of a state snap's revision, where its squashfs is mounted.
    fn mounted_yaml(cx: &Context<'_>, s: &StateSnap, out: &mut dyn Sink) -> Option<Scalars> {
        // Revisions come from the state file: only plain ones (`42`, `x1`) become paths.
        let rev = s.revision.as_deref().filter(|r| r.bytes().all(|b| b.is_ascii_alphanumeric()));
        for mount in MOUNTS {
            let dir = join(mount, &s.instance);
            for r in rev.into_iter().chain(["current"]) {
                let path = join(&join(&dir, r), "meta/snap.yaml");
                if let Some(y) = Self::read_yaml(cx, &path, out) {
                    return Some(y);
                }
            }
        }
        None
    }

    /// The newest `active*` assertion in an assertion's directory, by its `revision` header.
    fn active_assertion(cx: &Context<'_>, dir: &str, out: &mut dyn Sink) -> Option<BTreeMap<String, String>> {
        if !cx.root.is_dir(dir) {
            return None;
        }
        let entries = match cx.root.read_dir(dir, MAX_ENTRIES) {
            Ok(e) => e,
            Err(e) => {
                out.error(dir, format!("cannot list: {e}"));
                return None;
            }
        };
        let mut best: Option<(i64, BTreeMap<String, String>)> = None;
        for e in entries.iter().filter(|e| e.is_file && e.name.starts_with("active")) {
            let path = join(dir, &e.name);
            let headers = cx
                .root
                .read_text(&path, MAX_ASSERTION)
                .map_err(|e| format!("cannot read assertion: {e}"))
                .and_then(|t| parse_assertion(&t));
            match headers {
                Ok(h) => {
                    let rev = h.get("revision").and_then(|r| r.parse().ok()).unwrap_or(0);
                    if best.as_ref().is_none_or(|(b, _)| rev > *b) {
                        best = Some((rev, h));
                    }
                }
                Err(e) => out.error(&path, e),
            }
        }
        best.map(|(_, h)| h)
    }

    /// The publisher of a snap-id, through its snap-declaration and the account it names.
    fn publisher(cx: &Context<'_>, snap_id: &str, out: &mut dyn Sink) -> Option<Account> {
        if !safe_id(snap_id) {
            return None;
        }
        let decl_dir = format!("{ASSERTS}/snap-declaration/{SERIES}/{snap_id}");
        let decl = Self::active_assertion(cx, &decl_dir, out)?;
        let id = decl.get("publisher-id").filter(|id| safe_id(id))?;
        let account = Self::active_assertion(cx, &format!("{ASSERTS}/account/{id}"), out)?;
        Some(Account {
            id: id.clone(),
            display_name: account.get("display-name").cloned(),
            username: account.get("username").cloned(),
            validation: account.get("validation").cloned(),
        })
    }

    fn from_state(cx: &Context<'_>, out: &mut dyn Sink, done: &mut BTreeSet<String>) {
        let text = match cx.root.read_text(STATE, MAX_STATE) {
            Ok(t) => t,
            Err(e) => return out.error(STATE, format!("cannot read snapd state: {e}")),
        };
        let snaps = match parse_state(&text) {
            Ok((snaps, problems)) => {
                for p in problems {
                    out.error(STATE, p);
                }
                snaps
            }
            Err(e) => return out.error(STATE, e),
        };
        let mut accounts: BTreeMap<String, Option<Account>> = BTreeMap::new();
        for s in &snaps {
            let yaml = Self::mounted_yaml(cx, s, out).unwrap_or_default();
            let publisher = match s.snap_id.as_deref() {
                Some(id) => accounts.entry(id.to_string()).or_insert_with(|| Self::publisher(cx, id, out)).as_ref(),
                None => None,
            };
            let known = Known { instance: &s.instance, state: Some(s), yaml: &yaml, publisher };
            out.push(artifact(&known, STATE, cx.target));
            done.insert(s.instance.clone());
        }
    }

    /// Snaps mounted but absent from the state (a partial image, a state that would not parse).
    fn from_mounts(cx: &Context<'_>, out: &mut dyn Sink, done: &mut BTreeSet<String>) {
        for mount in MOUNTS {
            if !cx.root.is_dir(mount) {
                continue;
            }
            let entries = match cx.root.read_dir(mount, MAX_ENTRIES) {
                Ok(e) => e,
                Err(e) => {
                    out.error(mount, format!("cannot list: {e}"));
                    continue;
                }
            };
            for e in entries.iter().filter(|e| e.is_dir) {
                if done.contains(&e.name) {
                    continue;
                }
                let path = join(&join(mount, &e.name), "current/meta/snap.yaml");
                let Some(yaml) = Self::read_yaml(cx, &path, out) else {
                    continue;
                };
                let known = Known { instance: &e.name, yaml: &yaml, ..Known::default() };
                out.push(artifact(&known, &path, cx.target));
                done.insert(e.name.clone());
            }
        }
    }
}

impl Collector for Snap {
    fn id(&self) -> &'static str {
        "snap"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let mut done = BTreeSet::new();
        if cx.root.is_file(STATE) {
            Self::from_state(cx, out, &mut done);
        }
        Self::from_mounts(cx, out, &mut done);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "name: kesl\nversion: '12.1.0'\nsummary: Kaspersky Endpoint Security for Linux, a long summary\n  wrapped by PyYAML\ntitle: \"Kaspersky \\\"KESL\\\" \\u00e9\" # note\ndescription: |\n  First line.\n\n  Second paragraph.\nfolded: >-\n  one\n  two\nplugs:\n  network: null\napps:\n  kesl:\n    command: bin/kesl\narchitectures:\n- amd64\n- arm64\ntype: app # the default\nempty:\nnull-value: ~\nflow: [a, b]\n";

    #[test]
    fn yaml_top_level_scalars() {
        let (s, p) = parse_yaml_scalars(YAML);
        assert!(p.is_empty(), "{p:?}");
        let get = |k: &str| s.iter().find(|(x, _)| x == k).map(|(_, v)| v.as_str());
        assert_eq!(get("name"), Some("kesl"));
        assert_eq!(get("version"), Some("12.1.0"));
        assert_eq!(get("summary"), Some("Kaspersky Endpoint Security for Linux, a long summary wrapped by PyYAML"));
        assert_eq!(get("title"), Some("Kaspersky \"KESL\" é"));
        assert_eq!(get("description"), Some("First line.\n\nSecond paragraph."));
        assert_eq!(get("folded"), Some("one two"));
        assert_eq!(get("type"), Some("app"));
        for absent in ["plugs", "apps", "command", "network", "empty", "null-value", "flow"] {
            assert_eq!(get(absent), None, "{absent}");
        }
    }

    #[test]
    fn yaml_quoting_and_problems() {
        let (s, p) = parse_yaml_scalars(
            "---\na: 'it''s'\nb: \"x\\\n  y\"\nurl: http://x:80/#frag\nno colon\nc: \"open\n- item\n",
        );
        assert_eq!(
            s,
            [
                ("a".to_string(), "it's".to_string()),
                ("b".to_string(), "xy".to_string()),
                ("url".to_string(), "http://x:80/#frag".to_string()),
            ]
        );
        // `- item` continues `c`'s value, which stays unterminated.
        assert_eq!(p.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [6, 7]);
    }

    const STATE_JSON: &str = r#"{"data":{"snaps":{
        "kesl":{"type":"app","sequence":[
            {"name":"kesl","snap-id":"old","revision":"10"},
            {"name":"kesl","snap-id":"KeslSnapId0000000000000000000001","revision":"12","title":"KESL","summary":"Endpoint security","links":{"website":["https://www.kaspersky.com/"]}}],
            "active":true,"current":"12","channel":"latest/stable"},
        "hello_local":{"type":"app","sequence":[{"name":"hello","revision":-1}],"current":-1},
        "pending":{"sequence":[]},
        "broken":{"sequence":"nope"}
    }},"changes":{}}"#;

    #[test]
    fn state_current_revision_and_side_info() {
        let (snaps, problems) = parse_state(STATE_JSON).expect("state");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("broken"));
        assert_eq!(snaps.len(), 2);
        assert_eq!(snaps[0].instance, "hello_local");
        assert_eq!(snaps[0].name.as_deref(), Some("hello"));
        assert_eq!(snaps[0].revision.as_deref(), Some("x1"));
        let k = &snaps[1];
        assert_eq!(k.snap_id.as_deref(), Some("KeslSnapId0000000000000000000001"));
        assert_eq!(k.revision.as_deref(), Some("12"));
        assert_eq!(k.channel.as_deref(), Some("latest/stable"));
        assert_eq!(k.website.as_deref(), Some("https://www.kaspersky.com/"));
        assert!(parse_state("[]").is_err());
        assert!(parse_state("{\"data\":{}}").expect("empty").0.is_empty());
    }

    #[test]
    fn artifact_roles_and_instance_names() {
        let (snaps, _) = parse_state(STATE_JSON).expect("state");
        let acct = Account {
            id: "kasperskyid".into(),
            display_name: Some("AO Kaspersky Lab".into()),
            username: Some("kaspersky".into()),
            validation: Some("verified".into()),
        };
        let yaml = vec![("version".to_string(), "12.1.0".to_string())];
        let k = Known { instance: "kesl", state: Some(&snaps[1]), yaml: &yaml, publisher: Some(&acct) };
        let a = artifact(&k, STATE, "t");
        assert_eq!(a.version.as_deref(), Some("12.1.0"));
        assert_eq!(a.publisher.as_deref(), Some("AO Kaspersky Lab"));
        let roles: Vec<_> = a.fields.iter().map(|f| (f.field.as_str(), f.role)).collect();
        assert_eq!(
            roles,
            [
                ("snap.name", Role::Name),
                ("snap.publisher", Role::Publisher),
                ("snap.publisher-username", Role::Publisher),
                ("snap.publisher-id", Role::Other),
                ("snap.publisher-validation", Role::Other),
                ("snap.website", Role::Homepage),
                ("snap.snap-id", Role::Other),
                ("snap.revision", Role::Other),
                ("snap.channel", Role::Other),
                ("snap.type", Role::Other),
                ("snap.title", Role::Other),
                ("snap.summary", Role::Text),
            ]
        );
        let bare = artifact(&Known { instance: "foo_bar", ..Known::default() }, "/p", "t");
        assert_eq!(bare.name, "foo_bar");
        assert_eq!(bare.fields[0].value, "foo");
        assert_eq!(bare.publisher, None);
    }

    #[test]
    fn assertion_headers() {
        let h = parse_assertion(
            "type: account\nauthority-id: canonical\naccount-id: abc\ndisplay-name: AO Kaspersky Lab\nlist:\n  - x\nvalidation: verified\n\nBODY: no\n",
        )
        .expect("assertion");
        assert_eq!(h.get("display-name").map(String::as_str), Some("AO Kaspersky Lab"));
        assert_eq!(h.get("validation").map(String::as_str), Some("verified"));
        assert!(!h.contains_key("BODY"));
        assert!(parse_assertion("garbage\n").is_err());
        assert!(safe_id("abcXYZ019"));
        assert!(!safe_id("../x") && !safe_id(""));
    }

    #[test]
    fn truncations_and_garbage_never_panic() {
        for text in [YAML, STATE_JSON] {
            for len in 0..=text.len() {
                if text.is_char_boundary(len) {
                    let _ = parse_yaml_scalars(&text[..len]);
                    let _ = parse_state(&text[..len]);
                    let _ = parse_assertion(&text[..len]);
                }
            }
        }
        for g in ["\"\\", "'", "a: \"\\u12", "a: \"\\U0011FFFF\"", ":", ": x", "a:\n\t|\n", "a: |\n\u{0}é\n  x"] {
            let _ = parse_yaml_scalars(g);
        }
    }
}
