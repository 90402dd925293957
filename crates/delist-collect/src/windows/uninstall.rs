//! Programs registered for uninstall: the `Uninstall` keys of the SOFTWARE hive (the 64-bit view
//! and the 32-bit `WOW6432Node` view) and of each user's NTUSER.DAT — what Settings > Apps lists.
//!
//! Owns reading one entry's values (DisplayName, Publisher, DisplayVersion, InstallLocation,
//! UninstallString) into a `windows-program` artifact. An entry without a DisplayName is not
//! shown by Windows as an installed program (update stubs, leftovers of removed MSI features)
//! and is not an artifact. It must never treat the DisplayName as evidence of a maker: only the
//! Publisher says who made the program.

use super::regf::{self, Hive, Key};
use crate::Sink;
use delist_core::{Artifact, ArtifactKind, Role};

/// Where one view's `Uninstall` key lies in its hive, and how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// The key's path inside the hive.
    pub path: String,
    /// The hive's place in the registry as Windows shows it (`HKLM\SOFTWARE`).
    pub shown: String,
    /// `64-bit`, `32-bit`, or `user:NAME`.
    pub view: String,
}

/// The SOFTWARE hive's two views.
pub fn machine_views() -> Vec<View> {
    [
        ("Microsoft\\Windows\\CurrentVersion\\Uninstall", "64-bit"),
        ("WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall", "32-bit"),
    ]
    .into_iter()
    .map(|(path, view)| View { path: path.into(), shown: "HKLM\\SOFTWARE".into(), view: view.into() })
    .collect()
}

impl View {
    /// A user's NTUSER.DAT view (`HKU\<user>`; the SID is not known offline, the folder is).
    pub fn user(user: &str) -> Self {
        Self {
            path: "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall".into(),
            shown: format!("HKU\\{user}"),
            view: format!("user:{user}"),
        }
    }
}

/// One `Uninstall` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Program {
    /// The entry's key name (an MSI product code or a name the installer chose).
    pub key: String,
    pub display_name: Option<String>,
    pub publisher: Option<String>,
    pub display_version: Option<String>,
    pub install_location: Option<String>,
    pub uninstall_string: Option<String>,
}

/// The text of a string value, trimmed; empty is absent.
pub(crate) fn text(h: &Hive<'_>, key: &Key<'_>, name: &str) -> regf::Result<Option<String>> {
    Ok(h.value_named(key, name)?.and_then(|v| v.string()).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
}

/// Reads one entry.
pub fn program(h: &Hive<'_>, key: &Key<'_>) -> regf::Result<Program> {
    Ok(Program {
        key: key.name.clone(),
        display_name: text(h, key, "DisplayName")?,
        publisher: text(h, key, "Publisher")?,
        display_version: text(h, key, "DisplayVersion")?,
        install_location: text(h, key, "InstallLocation")?,
        uninstall_string: text(h, key, "UninstallString")?,
    })
}

/// The entries of one view, and a line for each entry that could not be read. A missing
/// `Uninstall` key is no entry and no error.
pub fn programs(h: &Hive<'_>, path: &str) -> (Vec<Program>, Vec<String>) {
    let mut errors = Vec::new();
    let entries = match h.root().and_then(|r| h.open(&r, path)) {
        Ok(Some(k)) => match h.subkeys(&k) {
            Ok(e) => e,
            Err(e) => return (Vec::new(), vec![format!("{path}: {e}")]),
        },
        Ok(None) => return (Vec::new(), Vec::new()),
        Err(e) => return (Vec::new(), vec![format!("{path}: {e}")]),
    };
    let mut out = Vec::new();
    for k in &entries {
        match program(h, k) {
            Ok(p) => out.push(p),
            Err(e) => errors.push(format!("{path}\\{}: {e}", k.name)),
        }
    }
    (out, errors)
}

/// The artifact of an entry, or `None` for one Windows does not list (no DisplayName).
pub fn artifact(p: &Program, view: &View, hive_path: &str, target: &str) -> Option<Artifact> {
    let name = p.display_name.as_deref()?;
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    Some(
        Artifact::new(ArtifactKind::WindowsProgram, name, hive_path, target)
            .version(opt(&p.display_version))
            .field("windows.uninstall.publisher", opt(&p.publisher), Role::Publisher)
            .field("windows.uninstall.display_name", name, Role::Name)
            .field("windows.uninstall.key", format!("{}\\{}\\{}", view.shown, view.path, p.key), Role::Other)
            .field("windows.uninstall.view", &view.view, Role::Other)
            .field("windows.uninstall.install_location", opt(&p.install_location), Role::Other)
            .field("windows.uninstall.uninstall_string", opt(&p.uninstall_string), Role::Other)
            .id(&p.key),
    )
}

/// Reads one view into `out`.
pub fn collect(h: &Hive<'_>, view: &View, hive_path: &str, target: &str, out: &mut dyn Sink) {
    let (programs, errors) = programs(h, &view.path);
    for e in errors {
        out.error(hive_path, format!("registry hive: {e}"));
    }
    for p in &programs {
        if let Some(a) = artifact(p, view, hive_path, target) {
            out.push(a);
        }
    }
}
