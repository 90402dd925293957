//! Services and drivers: the `Services` key of the SYSTEM hive's current control set.
//!
//! Owns choosing the control set (`Select\Current`, as Windows does at boot; `CurrentControlSet`
//! is a link that exists only on a running system), and reading each entry's name, DisplayName,
//! ImagePath, Type, Start and ObjectName into a `windows-service` or `windows-driver` artifact.
//! The service name is matched against the catalog's `service` identifiers; a driver's file (the
//! ImagePath's file name, or `<name>.sys` where Windows would load that) against its `driver`
//! identifiers; a service's executable against its `process` identifiers. An entry without a
//! Type is not a service (some products keep settings there) and is not an artifact. It must
//! never take the DisplayName or Description as evidence: they are free text.

use super::regf::{self, Hive, Key};
use super::uninstall::text;
use crate::Sink;
use delist_core::{Artifact, ArtifactKind, IdKind, Role};

/// One `Services` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub display_name: Option<String>,
    pub image_path: Option<String>,
    /// SERVICE_KERNEL_DRIVER (1), SERVICE_FILE_SYSTEM_DRIVER (2), … SERVICE_WIN32_OWN_PROCESS
    /// (0x10), SERVICE_WIN32_SHARE_PROCESS (0x20), with flag bits above.
    pub kind: Option<u32>,
    pub start: Option<u32>,
    pub object_name: Option<String>,
}

impl Service {
    /// Drivers have a type in the low nibble (kernel, file system, adapter, recognizer).
    pub fn is_driver(&self) -> bool {
        self.kind.is_some_and(|k| k & 0xf != 0)
    }

    /// The file the entry runs: the ImagePath's file name, or for a driver without one the
    /// `<name>.sys` that Windows loads from `System32\drivers`.
    pub fn image_file(&self) -> Option<String> {
        match self.image_path.as_deref() {
            Some(p) => image_file(p),
            None if self.is_driver() => Some(format!("{}.sys", self.name)),
            None => None,
        }
    }
}

/// The file name of the program an ImagePath runs: the quoted path, or up to the first `.exe`
/// / `.sys` (unquoted paths may hold spaces), or the first word; without its folders.
pub fn image_file(image_path: &str) -> Option<String> {
    let p = image_path.trim();
    let program = if let Some(rest) = p.strip_prefix('"') {
        rest.split('"').next().unwrap_or(rest)
    } else {
        let lower = p.to_ascii_lowercase();
        match [".exe", ".sys"].iter().filter_map(|ext| lower.find(ext).map(|i| i + ext.len())).min() {
            // `find` on the ASCII-lowered copy gives byte offsets valid in `p` (same lengths).
            Some(end) => p.get(..end).unwrap_or(p),
            None => p.split_whitespace().next().unwrap_or(p),
        }
    };
    let file = program.rsplit(['\\', '/']).next().unwrap_or(program).trim();
    (!file.is_empty()).then(|| file.to_string())
}

fn dword(h: &Hive<'_>, key: &Key<'_>, name: &str) -> regf::Result<Option<u32>> {
    Ok(h.value_named(key, name)?.and_then(|v| v.dword()))
}

/// The control set Windows boots: `Select\Current`, else `Select\Default`, else 1.
pub fn control_set(h: &Hive<'_>) -> regf::Result<String> {
    let root = h.root()?;
    let mut n = None;
    if let Some(select) = h.open(&root, "Select")? {
        n = match dword(h, &select, "Current")? {
            Some(c) => Some(c),
            None => dword(h, &select, "Default")?,
        };
    }
    Ok(format!("ControlSet{:03}", n.unwrap_or(1)))
}

/// The services of the current control set, and a line for each entry that could not be read.
pub fn services(h: &Hive<'_>) -> (Vec<Service>, Vec<String>) {
    let set = match control_set(h) {
        Ok(s) => s,
        Err(e) => return (Vec::new(), vec![format!("Select: {e}")]),
    };
    let path = format!("{set}\\Services");
    let entries = match h.root().and_then(|r| h.open(&r, &path)) {
        Ok(Some(k)) => match h.subkeys(&k) {
            Ok(e) => e,
            Err(e) => return (Vec::new(), vec![format!("{path}: {e}")]),
        },
        Ok(None) => return (Vec::new(), Vec::new()),
        Err(e) => return (Vec::new(), vec![format!("{path}: {e}")]),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for k in &entries {
        let read = || -> regf::Result<Service> {
            Ok(Service {
                name: k.name.clone(),
                display_name: text(h, k, "DisplayName")?,
                image_path: text(h, k, "ImagePath")?,
                kind: dword(h, k, "Type")?,
                start: dword(h, k, "Start")?,
                object_name: text(h, k, "ObjectName")?,
            })
        };
        match read() {
            Ok(s) => out.push(s),
            Err(e) => errors.push(format!("{path}\\{}: {e}", k.name)),
        }
    }
    (out, errors)
}

/// The artifact of an entry, or `None` for one without a Type.
pub fn artifact(s: &Service, hive_path: &str, target: &str) -> Option<Artifact> {
    let kind = s.kind?;
    let driver = s.is_driver();
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut a = Artifact::new(
        if driver { ArtifactKind::WindowsDriver } else { ArtifactKind::WindowsService },
        &s.name,
        hive_path,
        target,
    )
    .id(&s.name);
    a = if driver {
        a.field("windows.service.name", &s.name, Role::Name).field(
            "windows.service.image_file",
            s.image_file().unwrap_or_default(),
            Role::Identifier(IdKind::Driver),
        )
    } else {
        a.field("windows.service.name", &s.name, Role::Identifier(IdKind::Service)).field(
            "windows.service.image_file",
            s.image_file().unwrap_or_default(),
            Role::Identifier(IdKind::Process),
        )
    };
    Some(
        a.field("windows.service.display_name", opt(&s.display_name), Role::Other)
            .field("windows.service.image_path", opt(&s.image_path), Role::Other)
            .field("windows.service.type", format!("0x{kind:x}"), Role::Other)
            .field("windows.service.start", s.start.map(|v| v.to_string()).unwrap_or_default(), Role::Other)
            .field("windows.service.object_name", opt(&s.object_name), Role::Other),
    )
}

/// Reads the SYSTEM hive's services into `out`.
pub fn collect(h: &Hive<'_>, hive_path: &str, target: &str, out: &mut dyn Sink) {
    let (services, errors) = services(h);
    for e in errors {
        out.error(hive_path, format!("registry hive: {e}"));
    }
    for s in &services {
        if let Some(a) = artifact(s, hive_path, target) {
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_files_of_quoted_unquoted_and_driver_paths() {
        let f = |p: &str| image_file(p);
        assert_eq!(f(r#""C:\Program Files (x86)\Kaspersky Lab\KES\avp.exe" -r"#).as_deref(), Some("avp.exe"));
        assert_eq!(f(r"C:\Program Files\Example Agent\agent.exe -k svc").as_deref(), Some("agent.exe"));
        assert_eq!(f(r"%SystemRoot%\System32\svchost.exe -k netsvcs -p").as_deref(), Some("svchost.exe"));
        assert_eq!(f(r"\SystemRoot\System32\DRIVERS\K4W-21-25\klif.sys").as_deref(), Some("klif.sys"));
        assert_eq!(f(r"system32\drivers\disk.sys").as_deref(), Some("disk.sys"));
        assert_eq!(f("").as_deref(), None);
        let d = Service { name: "klflt".into(), kind: Some(1), ..Service::default() };
        assert_eq!(d.image_file().as_deref(), Some("klflt.sys"));
        let s = Service { name: "AVP".into(), kind: Some(0x10), ..Service::default() };
        assert!(!s.is_driver());
        assert_eq!(s.image_file(), None);
    }
}
