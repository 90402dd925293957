//! launchd jobs: the property lists in `/Library/LaunchDaemons`, `/Library/LaunchAgents`,
//! `/System/Library/LaunchDaemons`, `/System/Library/LaunchAgents` and each user's
//! `~/Library/LaunchAgents` (Label, Program, ProgramArguments, AssociatedBundleIdentifiers).
//!
//! A job is one artifact named by its Label. Its Label and AssociatedBundleIdentifiers are
//! compared with the catalog's bundle ids (vendors label their jobs with their bundle ids), and
//! its program path with the catalog's install paths: a job whose program lies inside a covered
//! product's folder starts that product. A job's text is never evidence.

use super::{MAX_ENTRIES, MAX_PLIST, dict, stem, text};
use crate::files::plist::Value;
use crate::root::join;
use crate::{Collector, Context, Sink};
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

/// (directory, domain) of system-wide jobs.
const SYSTEM_DIRS: &[(&str, &str)] = &[
    ("/Library/LaunchDaemons", "daemon"),
    ("/Library/LaunchAgents", "agent"),
    ("/System/Library/LaunchDaemons", "system daemon"),
    ("/System/Library/LaunchAgents", "system agent"),
];
/// Most program arguments kept.
const MAX_ARGS: usize = 256;

/// What a job definition says, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    pub label: Option<String>,
    /// `Program`, else the first of `ProgramArguments`.
    pub program: Option<String>,
    pub arguments: Vec<String>,
    pub associated_bundle_ids: Vec<String>,
    pub disabled: Option<bool>,
}

/// Reads a job definition. A plist whose root is not a dictionary is an error; every key is
/// optional (launchd refuses a job without a Label, delist still reports its program).
pub fn parse_job(bytes: &[u8]) -> Result<Job, String> {
    let v = dict(bytes)?;
    let strings = |key: &str| -> Vec<String> {
        match v.get(key) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::to_text).take(MAX_ARGS).collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let arguments = strings("ProgramArguments");
    let program =
        text(&v, "Program").or_else(|| arguments.first().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
    Ok(Job {
        label: text(&v, "Label"),
        program,
        arguments,
        associated_bundle_ids: strings("AssociatedBundleIdentifiers"),
        disabled: match v.get("Disabled") {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        },
    })
}

/// The artifact of a job defined at `path`, in `domain` (daemon, agent, user agent, …).
pub fn artifact(j: &Job, file_stem: &str, domain: &str, path: &str, target: &str) -> Artifact {
    let name = j.label.clone().unwrap_or_else(|| file_stem.to_string());
    let mut a = Artifact::new(ArtifactKind::LaunchdJob, name, path, target)
        .field("launchd.label", j.label.clone().unwrap_or_default(), Role::Identifier(IdKind::BundleId))
        .field("launchd.program", j.program.clone().unwrap_or_default(), Role::Identifier(IdKind::InstallPath))
        .field("launchd.arguments", j.arguments.join(" "), Role::Other)
        .field("launchd.domain", domain, Role::Other)
        .field("launchd.disabled", j.disabled.map(|d| d.to_string()).unwrap_or_default(), Role::Other);
    for b in &j.associated_bundle_ids {
        a = a.field("launchd.associated_bundle_id", b, Role::Identifier(IdKind::BundleId));
    }
    match &j.label {
        Some(l) => a.id(l),
        None => a,
    }
}

/// The launchd collector.
pub struct Launchd;

impl Launchd {
    fn dir(cx: &Context<'_>, dir: &str, domain: &str, out: &mut dyn Sink) {
        let entries = match cx.root.read_dir(dir, MAX_ENTRIES) {
            Ok(e) => e,
            Err(e) => {
                out.error(dir, format!("cannot list: {e}"));
                return;
            }
        };
        for e in entries.into_iter().filter(|e| e.is_file && e.name.ends_with(".plist")) {
            let path = join(dir, &e.name);
            match cx
                .root
                .read(&path, MAX_PLIST)
                .map_err(|err| format!("cannot read: {err}"))
                .and_then(|b| parse_job(&b))
            {
                Ok(j) => out.push(artifact(&j, stem(&e.name, ".plist"), domain, &path, cx.target)),
                Err(err) => out.error(&path, err),
            }
        }
    }
}

impl Collector for Launchd {
    fn id(&self) -> &'static str {
        "macos-launchd"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let (homes, errors) = cx.root.homes();
        for (dir, e) in errors {
            out.error(&dir, format!("cannot list: {e}"));
        }
        let mut places: Vec<(String, &str)> = SYSTEM_DIRS.iter().map(|(d, k)| (d.to_string(), *k)).collect();
        places.extend(homes.iter().map(|h| (join(h, "Library/LaunchAgents"), "user agent")));
        let unique = cx.root.unique_dirs(places.iter().map(|(d, _)| d.clone()).collect());
        for (d, domain) in places.iter().filter(|(d, _)| unique.contains(d)) {
            if cx.root.is_dir(d) {
                Self::dir(cx, d, domain, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_in_each_shape() {
        let j = parse_job(
            br#"<plist><dict><key>Label</key><string>com.example.agent</string>
<key>ProgramArguments</key><array><string>/opt/example/agent</string><string>--quiet</string></array>
</dict></plist>"#,
        )
        .expect("valid");
        assert_eq!(j.program.as_deref(), Some("/opt/example/agent"));
        assert_eq!(j.arguments.len(), 2);
        let j = parse_job(b"<plist><dict><key>Program</key><string>/bin/x</string></dict></plist>").expect("no label");
        assert_eq!(artifact(&j, "com.x", "daemon", "/p", "t").name, "com.x");
        for bad in [&b"<plist><string>x</string></plist>"[..], b"<plist><dict><key>Label</key>", b"{}", b"bplist00"] {
            assert!(parse_job(bad).is_err(), "{bad:?}");
        }
    }
}
