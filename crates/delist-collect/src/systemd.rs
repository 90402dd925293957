//! systemd units: the unit files of `/etc/systemd/system`, `/lib/systemd/system` and
//! `/usr/lib/systemd/system`.
//!
//! Each service unit becomes a `systemd-unit` artifact carrying what can identify its product:
//! the executable of every `Exec*=` line (matched against the catalog's `install-path`s: a
//! program under a covered product's install directory) and the unit's name without its suffix
//! (matched against the catalog's `service` names). `Description=` is kept as text, never
//! evidence. Units reached by two names (a link in `/etc` to a file in `/lib`, `/lib` linked to
//! `/usr/lib`) are read once; a masked unit (a link to `/dev/null`) is not a file and is skipped.
//! The parser is a pure function of the unit's text (fuzz target `live`). It never starts,
//! stops or asks systemd anything.

use crate::{Collector, Context, Sink, root::join};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

const DIRS: &[&str] = &["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];
/// Entries listed per directory.
const MAX_ENTRIES: usize = 20_000;
/// The largest unit file read.
const MAX_UNIT: u64 = 1 << 20;
/// Unit suffixes read: the ones whose units run programs.
const SUFFIXES: &[&str] = &[".service", ".socket", ".timer", ".path", ".mount"];

/// What a unit file says: its description and the executables its `Exec*=` lines run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Unit {
    pub description: Option<String>,
    pub exec: Vec<String>,
}

/// Parses a unit file (INI-like; continuation lines end in `\`). Never fails: what is not a
/// `Key=Value` line is ignored, as systemd itself warns and goes on.
pub fn parse(text: &str) -> Unit {
    let mut unit = Unit::default();
    let mut logical = String::new();
    for line in text.lines() {
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let l = std::mem::take(&mut logical);
        let l = l.trim();
        if l.starts_with('#') || l.starts_with(';') || l.starts_with('[') {
            continue;
        }
        let Some((k, v)) = l.split_once('=') else { continue };
        let (k, v) = (k.trim(), v.trim());
        if k == "Description" && unit.description.is_none() && !v.is_empty() {
            unit.description = Some(v.to_string());
        } else if k.starts_with("Exec")
            && let Some(exe) = executable(v)
            && !unit.exec.contains(&exe)
            && unit.exec.len() < 64
        {
            unit.exec.push(exe);
        }
    }
    unit
}

/// The program of an `Exec*=` value: without systemd's prefixes (`@-:+!`), the first word,
/// unquoted.
fn executable(v: &str) -> Option<String> {
    let v = v.trim_start_matches(['@', '-', ':', '+', '!']).trim_start();
    let word = match v.strip_prefix('"') {
        Some(rest) => rest.split('"').next().unwrap_or(""),
        None => v.split_whitespace().next().unwrap_or(""),
    };
    (!word.is_empty()).then(|| word.to_string())
}

/// The unit's name without its suffix (`kesl.service` → `kesl`; a template's `@` kept off).
fn service_name(file: &str) -> &str {
    let stem = SUFFIXES.iter().find_map(|s| file.strip_suffix(s)).unwrap_or(file);
    stem.strip_suffix('@').unwrap_or(stem)
}

/// The systemd unit collector.
pub struct Systemd;

impl Collector for Systemd {
    fn id(&self) -> &'static str {
        "systemd"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let mut units: Vec<(String, String, Option<std::path::PathBuf>)> = Vec::new();
        for dir in DIRS {
            if !cx.root.is_dir(dir) {
                continue;
            }
            match cx.root.read_dir(dir, MAX_ENTRIES) {
                Ok(entries) => {
                    for e in entries.into_iter().filter(|e| e.is_file && SUFFIXES.iter().any(|s| e.name.ends_with(s))) {
                        let path = join(dir, &e.name);
                        let id = cx.root.identity(&path).ok();
                        units.push((path, e.name, id));
                    }
                }
                Err(e) => out.error(dir, format!("cannot list: {e}")),
            }
        }
        // A unit where it lives, under its own name, before the links (aliases, enablement in
        // /etc) that point to it: one artifact, named and placed as the file is.
        units.sort_by_key(|(path, _, id)| !id.as_ref().is_some_and(|i| i.ends_with(path.trim_start_matches('/'))));
        // A set: up to MAX_ENTRIES units a folder, and a list made this quadratic (20,000 units
        // took 9 s, nearly all of it comparing paths).
        let mut seen = std::collections::HashSet::new();
        for (path, name, id) in units {
            if let Some(id) = id
                && !seen.insert(id)
            {
                continue;
            }
            let text = match cx.root.read_text(&path, MAX_UNIT) {
                Ok(t) => t,
                Err(err) => {
                    out.error(&path, format!("cannot read unit: {err}"));
                    continue;
                }
            };
            out.push(artifact(&name, &parse(&text), &path, cx.target));
        }
    }
}

fn artifact(file: &str, unit: &Unit, path: &str, target: &str) -> Artifact {
    let mut a = Artifact::new(ArtifactKind::SystemdUnit, file, path, target).field(
        "systemd.unit",
        service_name(file),
        Role::Identifier(IdKind::Service),
    );
    for exe in &unit.exec {
        a = a.field("systemd.exec", exe, Role::Identifier(IdKind::InstallPath));
    }
    if let Some(d) = &unit.description {
        a = a.field("systemd.description", d, Role::Text);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_lines_and_prefixes() {
        let u = parse(
            "[Unit]\nDescription=Kaspersky thing\n[Service]\nExecStartPre=-/bin/mkdir -p /run/x\n\
             ExecStart=@/opt/kaspersky/kesl/bin/kesl \\\n  --daemon\nExecStop=\"/opt/a b/stop\" now\nExecReload=\n",
        );
        assert_eq!(u.description.as_deref(), Some("Kaspersky thing"));
        assert_eq!(u.exec, ["/bin/mkdir", "/opt/kaspersky/kesl/bin/kesl", "/opt/a b/stop"]);
        assert_eq!(service_name("getty@.service"), "getty");
        assert_eq!(service_name("kesl.service"), "kesl");
        let _ = parse("\\\n\\");
        let _ = parse("ExecStart=\"");
        assert_eq!(parse("garbage\n=\n[x").exec, Vec::<String>::new());
    }
}
