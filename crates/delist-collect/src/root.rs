//! Read-only, bounded access to the files of a target, with paths resolved inside it.
//!
//! Every collector reads through [`Root`]: it resolves `/`-rooted paths *inside* the target —
//! an absolute symlink in an offline root (`/var/lib/rpm -> /usr/lib/sysimage/rpm`) is followed
//! within the target, never out to the host — refuses to open anything but regular files (a
//! FIFO must not block a scan), opens with `O_NOATIME` where the kernel allows so that scanning
//! leaves no trace, and never reads more than the caller's cap.
//!
//! A root is either a host directory or the merged view of a container image's layers
//! ([`crate::container::layers::View`]): collectors read both the same way. Inside an image no
//! host path exists, so [`Root::resolve`] is an error there; [`Root::identity`] tells whether
//! two paths name one file in either.
//!
//! It must never write, create, lock or execute anything.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// Symlink hops allowed while resolving one path (Linux's own limit is 40).
const MAX_LINK_HOPS: usize = 40;

/// The files of one target.
#[derive(Debug, Clone)]
pub struct Root {
    base: PathBuf,
    /// Set for a container image: every read goes to the merged view, never to `base`.
    image: Option<std::sync::Arc<crate::container::layers::View>>,
}

/// A directory entry: its name and whether it is a directory or a regular file (after
/// resolving symlinks inside the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_dir: bool,
    pub is_file: bool,
}

fn io_err(kind: io::ErrorKind, msg: impl Into<String>) -> io::Error {
    io::Error::new(kind, msg.into())
}

impl Root {
    pub fn new(base: impl Into<PathBuf>) -> Self {
        Self { base: base.into(), image: None }
    }

    /// The merged layers of a container image; `archive` (the image's path) only names it.
    pub fn image(archive: impl Into<PathBuf>, view: std::sync::Arc<crate::container::layers::View>) -> Self {
        Self { base: archive.into(), image: Some(view) }
    }

    /// What `path` names after resolving symlinks: the host path, or in an image the resolved
    /// path inside it. Two paths with one identity are one file (read it once).
    pub fn identity(&self, path: &str) -> io::Result<PathBuf> {
        match &self.image {
            Some(v) => v.resolve(path).map(PathBuf::from),
            None => self.resolve(path),
        }
    }

    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The host path of a `/`-rooted path inside the target, with every symlink resolved
    /// relative to the target's root. `..` never climbs above the root.
    pub fn resolve(&self, path: &str) -> io::Result<PathBuf> {
        if self.image.is_some() {
            return Err(io_err(io::ErrorKind::Unsupported, "inside a container image: no host path"));
        }
        let mut done: Vec<String> = Vec::new();
        let mut todo: Vec<String> = path.split('/').rev().filter(|c| !c.is_empty()).map(String::from).collect();
        let mut hops = 0;
        while let Some(comp) = todo.pop() {
            match comp.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            let mut host = self.base.clone();
            host.extend(&done);
            host.push(&comp);
            match std::fs::symlink_metadata(&host) {
                Ok(md) if md.file_type().is_symlink() => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(io_err(io::ErrorKind::InvalidInput, format!("too many symlinks resolving {path}")));
                    }
                    let target = std::fs::read_link(&host)?;
                    let target = target.to_string_lossy().into_owned();
                    if target.starts_with('/') {
                        done.clear();
                    }
                    todo.extend(target.split('/').rev().filter(|c| !c.is_empty()).map(String::from));
                }
                Ok(_) => done.push(comp),
                // A missing component: the caller's open or stat reports it.
                Err(_) => done.push(comp),
            }
        }
        let mut host = self.base.clone();
        for c in &done {
            // Components come from split('/') and are never "..", "." or empty here.
            debug_assert!(Path::new(c).components().all(|x| matches!(x, Component::Normal(_))));
            host.push(c);
        }
        Ok(host)
    }

    /// Metadata of the resolved path.
    pub fn metadata(&self, path: &str) -> io::Result<Metadata> {
        std::fs::metadata(self.resolve(path)?)
    }

    pub fn is_file(&self, path: &str) -> bool {
        if let Some(v) = &self.image {
            return v.is_file(path);
        }
        self.metadata(path).is_ok_and(|m| m.is_file())
    }

    pub fn is_dir(&self, path: &str) -> bool {
        if let Some(v) = &self.image {
            return v.is_dir(path);
        }
        self.metadata(path).is_ok_and(|m| m.is_dir())
    }

    fn open(&self, path: &str) -> io::Result<(File, u64)> {
        let host = self.resolve(path)?;
        let md = std::fs::metadata(&host)?;
        if !md.is_file() {
            return Err(io_err(io::ErrorKind::InvalidInput, "not a regular file"));
        }
        let mut opts = OpenOptions::new();
        opts.read(true);
        #[cfg(target_os = "linux")]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // O_NONBLOCK: a file swapped for a FIFO between stat and open must not block us.
            let mut o = opts.clone();
            o.custom_flags(libc::O_NOATIME | libc::O_NONBLOCK);
            if let Ok(f) = o.open(&host) {
                return Ok((f, md.len()));
            }
            // O_NOATIME needs ownership or CAP_FOWNER; without it, fall back to a plain read.
            opts.custom_flags(libc::O_NONBLOCK);
        }
        let f = opts.open(&host)?;
        let md = f.metadata()?;
        if !md.is_file() {
            return Err(io_err(io::ErrorKind::InvalidInput, "not a regular file"));
        }
        Ok((f, md.len()))
    }

    /// Reads a whole file of at most `cap` bytes; a larger file is an error, not a truncation,
    /// because half a database would be misread.
    pub fn read(&self, path: &str, cap: u64) -> io::Result<Vec<u8>> {
        if let Some(v) = &self.image {
            return v.read(path, cap);
        }
        let (f, len) = self.open(path)?;
        if len > cap {
            return Err(io_err(io::ErrorKind::InvalidData, format!("file is {len} bytes, over the {cap}-byte limit")));
        }
        let mut buf = Vec::new();
        // Read one byte past the cap to notice a file that grew after stat.
        f.take(cap + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > cap {
            return Err(io_err(io::ErrorKind::InvalidData, format!("file grew over the {cap}-byte limit while read")));
        }
        Ok(buf)
    }

    /// Reads a text file (lossy UTF-8) of at most `cap` bytes.
    pub fn read_text(&self, path: &str, cap: u64) -> io::Result<String> {
        self.read(path, cap).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// The entries of a directory, sorted by name, at most `cap` of them.
    pub fn read_dir(&self, path: &str, cap: usize) -> io::Result<Vec<Entry>> {
        if let Some(v) = &self.image {
            return v.read_dir(path, cap);
        }
        let host = self.resolve(path)?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(&host)? {
            let e = e?;
            if out.len() >= cap {
                return Err(io_err(io::ErrorKind::InvalidData, format!("more than {cap} entries")));
            }
            let name = e.file_name().to_string_lossy().into_owned();
            let child = join(path, &name);
            let md = self.metadata(&child);
            out.push(Entry {
                is_dir: md.as_ref().is_ok_and(Metadata::is_dir),
                is_file: md.as_ref().is_ok_and(Metadata::is_file),
                name,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

/// Where users' home directories live in the systems delist reads: Linux and Windows volumes
/// (`/home/*`, `/Users/*`), macOS (`/Users/*`), and the administrators' own.
const HOME_PARENTS: &[&str] = &["/home", "/Users"];
const ADMIN_HOMES: &[&str] = &["/root", "/var/root"];
/// Most homes listed under one parent directory.
const MAX_HOMES: usize = 100_000;

impl Root {
    /// The users' home directories of the target, `/`-rooted: `/root` and `/var/root` (macOS),
    /// then every directory under `/home` and `/Users` (macOS, and a Windows volume's
    /// `C:\Users`), each home once however many names reach it ([`Root::unique_dirs`]). A parent
    /// that exists but cannot be listed is returned with its error, for the caller to report.
    pub fn homes(&self) -> (Vec<String>, Vec<(String, io::Error)>) {
        let mut dirs: Vec<String> = ADMIN_HOMES.iter().filter(|d| self.is_dir(d)).map(|d| d.to_string()).collect();
        let mut errors = Vec::new();
        for parent in HOME_PARENTS {
            if !self.is_dir(parent) {
                continue;
            }
            match self.read_dir(parent, MAX_HOMES) {
                Ok(entries) => dirs.extend(entries.iter().filter(|e| e.is_dir).map(|e| join(parent, &e.name))),
                Err(e) => errors.push((parent.to_string(), e)),
            }
        }
        (self.unique_dirs(dirs), errors)
    }

    /// The paths in order, keeping the first of each set that resolves to the same place: one
    /// directory reached by two names (a symlinked home, `/home/linuxbrew` listed and named) is
    /// read once. Paths that cannot be resolved are kept (their reader reports them).
    pub fn unique_dirs(&self, mut dirs: Vec<String>) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        dirs.retain(|d| match self.identity(d) {
            Ok(host) => seen.insert(host),
            Err(_) => true,
        });
        dirs
    }
}

/// Joins a `/`-rooted directory path and a name.
pub fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') { format!("{dir}{name}") } else { format!("{dir}/{name}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn absolute_symlinks_resolve_inside_the_root() {
        let t = tempfile::tempdir().expect("tempdir");
        let base = t.path();
        std::fs::create_dir_all(base.join("usr/lib/sysimage/rpm")).expect("mkdir");
        std::fs::write(base.join("usr/lib/sysimage/rpm/x"), b"inside").expect("write");
        std::fs::create_dir_all(base.join("var/lib")).expect("mkdir");
        symlink("/usr/lib/sysimage/rpm", base.join("var/lib/rpm")).expect("symlink");
        let root = Root::new(base);
        assert_eq!(root.read("/var/lib/rpm/x", 100).expect("read"), b"inside");
        // `..` cannot climb out of the root.
        assert_eq!(root.resolve("/../../etc/passwd").expect("resolve"), base.join("etc/passwd"));
    }

    #[test]
    fn symlink_loops_and_caps_are_errors() {
        let t = tempfile::tempdir().expect("tempdir");
        let base = t.path();
        symlink("/b", base.join("a")).expect("symlink");
        symlink("/a", base.join("b")).expect("symlink");
        std::fs::write(base.join("big"), vec![0u8; 100]).expect("write");
        let root = Root::new(base);
        assert!(root.read("/a", 10).is_err());
        assert!(root.read("/big", 99).is_err());
        assert_eq!(root.read("/big", 100).expect("read").len(), 100);
    }

    #[test]
    fn homes_are_listed_once_each() {
        let t = tempfile::tempdir().expect("tempdir");
        let base = t.path();
        for d in ["root", "home/ana", "home/bo", "Users/carl", "Users/Shared"] {
            std::fs::create_dir_all(base.join(d)).expect("mkdir");
        }
        std::fs::write(base.join("home/notes.txt"), b"x").expect("write");
        // A second name for ana's home, absolute as a real system would write it.
        symlink("/home/ana", base.join("Users/ana")).expect("symlink");
        let root = Root::new(base);
        let (homes, errors) = root.homes();
        assert!(errors.is_empty());
        assert_eq!(homes, vec!["/root", "/home/ana", "/home/bo", "/Users/Shared", "/Users/carl"]);
        let dirs = root.unique_dirs(vec!["/home/ana/x".into(), "/Users/ana/x".into(), "/nope".into()]);
        assert_eq!(dirs, vec!["/home/ana/x", "/nope"]);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let t = tempfile::tempdir().expect("tempdir");
        let fifo = t.path().join("fifo");
        // mkfifo(1) rather than libc::mkfifo: this crate forbids unsafe code.
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        assert!(made, "mkfifo failed");
        let root = Root::new(t.path());
        assert!(root.read("/fifo", 10).is_err());
    }
}
