//! Windows, offline: the registry hives of a mounted Windows volume (a `rootfs:` whose root holds
//! `Windows/System32/config`).
//!
//! Owns finding the hives (`Windows/System32/config/SOFTWARE` and `SYSTEM`, each user's
//! `Users/*/NTUSER.DAT`, every name matched case-insensitively as Windows would) and turning
//! what they say into artifacts: programs registered for uninstall ([`uninstall`]), services and
//! drivers ([`services`]), and the certificates of the machine's and users' root stores
//! ([`certstore`], one artifact per certificate however many stores hold it). The hive format
//! itself is [`regf`], a pure function of bytes.
//!
//! It must never write to a hive, apply a transaction log (`.LOG1`, `.LOG2` are not opened: a
//! hive is read as last written, so changes still sitting only in its logs are not seen), or stop
//! at a broken hive or entry: each becomes an error in the output and the rest is read. Program
//! Files, ProgramData and each user's AppData are not read here: the file walk that follows every
//! root collector reads their executables and installers.

pub mod certstore;
pub mod regf;
pub mod services;
pub mod uninstall;

use crate::root::join;
use crate::{Collector, Context, Sink};
use regf::Hive;

/// Largest hive read. SOFTWARE hives of long-lived machines reach a few hundred MiB; a hive is
/// read whole because its cells point anywhere in it.
pub const MAX_HIVE: u64 = 1 << 30;
/// Most entries of a directory listed while looking for a name (System32 holds about 5,000).
const MAX_DIR_ENTRIES: usize = 200_000;

/// The Windows registry collector.
pub struct WindowsRegistry;

/// The entry of `dir` whose name is `name` ignoring ASCII case, as a `/`-rooted path.
fn find(cx: &Context<'_>, dir: &str, name: &str, want_dir: bool) -> Option<String> {
    let entries = cx.root.read_dir(dir, MAX_DIR_ENTRIES).ok()?;
    // An exact match first: a case-sensitive copy of a volume may hold both spellings.
    let hit = entries
        .iter()
        .find(|e| e.name == name)
        .or_else(|| entries.iter().find(|e| e.name.eq_ignore_ascii_case(name)))?;
    let ok = if want_dir { hit.is_dir } else { hit.is_file };
    ok.then(|| join(dir, &hit.name))
}

/// A `/`-rooted path found component by component, case-insensitively.
fn find_path(cx: &Context<'_>, parts: &[&str], last_is_dir: bool) -> Option<String> {
    let mut cur = "/".to_string();
    for (i, p) in parts.iter().enumerate() {
        cur = find(cx, &cur, p, i + 1 < parts.len() || last_is_dir)?;
    }
    Some(cur)
}

/// Reads and parses one hive, handing it to `read`; failures become errors on the hive's path.
fn with_hive(cx: &Context<'_>, path: &str, out: &mut dyn Sink, read: &mut dyn FnMut(&Hive<'_>, &mut dyn Sink)) {
    let bytes = match cx.root.read(path, MAX_HIVE) {
        Ok(b) => b,
        Err(e) => return out.error(path, format!("cannot read registry hive: {e}")),
    };
    match Hive::parse(&bytes) {
        Ok(h) => read(&h, out),
        Err(e) => out.error(path, format!("registry hive: {e}")),
    }
}

/// Whether the root is a Windows volume this collector reads.
pub fn applies(cx: &Context<'_>) -> bool {
    find_path(cx, &["Windows", "System32", "config"], true).is_some()
}

impl Collector for WindowsRegistry {
    fn id(&self) -> &'static str {
        "windows-registry"
    }

    fn collect(&self, cx: &Context<'_>, out: &mut dyn Sink) {
        let Some(config) = find_path(cx, &["Windows", "System32", "config"], true) else { return };
        let mut certs = certstore::Certificates::default();
        if let Some(p) = find(cx, &config, "SOFTWARE", false) {
            with_hive(cx, &p, out, &mut |h, out| {
                for view in uninstall::machine_views() {
                    uninstall::collect(h, &view, &p, cx.target, out);
                }
                for store in certstore::machine_stores() {
                    certs.read(h, &store, &p, out);
                }
            });
        }
        if let Some(p) = find(cx, &config, "SYSTEM", false) {
            with_hive(cx, &p, out, &mut |h, out| services::collect(h, &p, cx.target, out));
        }
        if let Some(users) = find(cx, "/", "Users", true) {
            for user in cx.root.read_dir(&users, MAX_DIR_ENTRIES).unwrap_or_default().iter().filter(|e| e.is_dir) {
                let Some(p) = find(cx, &join(&users, &user.name), "NTUSER.DAT", false) else { continue };
                with_hive(cx, &p, out, &mut |h, out| {
                    let view = uninstall::View::user(&user.name);
                    uninstall::collect(h, &view, &p, cx.target, out);
                    for store in certstore::user_stores(&user.name) {
                        certs.read(h, &store, &p, out);
                    }
                });
            }
        }
        certs.finish(cx.target, out);
    }
}
