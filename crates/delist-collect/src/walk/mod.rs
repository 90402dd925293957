//! The file walk: every regular file of a `dir:` or `rootfs:` target or of the live machine,
//! sniffed by its magic bytes and handed to the per-file format that claims it
//! ([`crate::files`]).
//!
//! Owns the rules of what is opened: the walk runs in parallel ([`tree`], which lists every
//! directory by descriptor; no ignore-file or hidden-file filter exists, so nothing can hide a
//! file from it), never follows a symlink (no loops, no escape from the target), never opens a
//! FIFO, socket or device (the entry's type decides, and `fstat` after an `O_NONBLOCK` open
//! checks again), skips pseudo filesystems (`/proc`, `/sys`, `/dev`, and `/run` on the live
//! machine, by path and by `statfs` magic), honours `--exclude` globs, `--one-file-system` and a
//! per-file size cap, and opens with `O_NOATIME` so that scanning leaves no access times behind.
//! A file that cannot be read (permissions, vanished mid-walk) becomes an error in the output,
//! never the end of the scan.
//!
//! Artifacts and errors travel from the worker threads to the calling thread over a bounded
//! channel and are pushed to the [`Sink`] there. It must never write, lock or execute anything,
//! and never read more of a file than its format asks for.

use crate::Sink;
use crate::files::{self, FileFormat, FileView, Place};
use crate::target::TargetKind;
use delist_core::{Artifact, ScanError};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod tree;

/// The default per-file size cap: larger files are skipped (and counted), not read.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 512 << 20;

/// How often the progress callback is told the count.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// Artifacts and errors in flight between the workers and the calling thread.
const CHANNEL: usize = 4096;

/// Top-level directories of a root that are pseudo filesystems (on a live machine, or bind
/// mounts in a chroot), never walked.
const PSEUDO_ROOTFS: &[&str] = &["/proc", "/sys", "/dev"];
const PSEUDO_LIVE: &[&str] = &["/proc", "/sys", "/dev", "/run"];

/// `statfs` magic numbers of kernel pseudo filesystems (linux/magic.h). tmpfs is not among
/// them: /tmp and /dev/shm hold real files.
const PSEUDO_MAGIC: &[i128] = &[
    0x9fa0,      // proc
    0x6265_6572, // sysfs
    0x1cd1,      // devpts
    0x0027_e0eb, // cgroup
    0x6367_7270, // cgroup2
    0x6462_6720, // debugfs
    0x7472_6163, // tracefs
    0x7363_6673, // securityfs
    0xcafe_4a11, // bpf
    0x6165_676c, // pstore
    0x6265_6570, // configfs
    0x6573_5543, // fusectl
    0x1980_0202, // mqueue
    0x4249_4e4d, // binfmt_misc
    0x9584_58f6, // hugetlbfs
    0x6e73_6673, // nsfs
    0x0187,      // autofs: looking inside triggers mounts
    0xde5e_81e4, // efivarfs
    0xf97c_ff8c, // selinuxfs
    0x4341_5d53, // smackfs
    0x6759_6969, // rpc_pipefs
];

/// What the walk may read, from `--exclude`, `--one-file-system`, `--max-file-size`, `--threads`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkOptions {
    /// Globs of paths not to read. A glob with a `/` is matched against the `/`-rooted path
    /// inside the target (`/home/*/Downloads`, `/var/cache/**`); one without is matched against
    /// each file or directory name (`*.iso`, `node_modules`). A matching directory is not
    /// entered.
    pub exclude: Vec<String>,
    /// Stay on the filesystem the target starts on.
    pub one_file_system: bool,
    /// Files larger than this many bytes are skipped and counted.
    pub max_file_size: u64,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    /// `false`: no walk at all (installed-package databases only, for `rootfs:` and live).
    pub enabled: bool,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            exclude: Vec::new(),
            one_file_system: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            threads: 0,
            enabled: true,
        }
    }
}

impl WalkOptions {
    /// Checks the globs; the CLI calls this before scanning so that a typo is a usage error.
    pub fn check(&self) -> Result<(), String> {
        Excludes::new(&self.exclude).map(|_| ())
    }
}

/// What a walk saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkStats {
    /// Regular files seen.
    pub files: u64,
    /// Regular files over the size cap, not read.
    pub too_large: u64,
    /// Symlinks, FIFOs, sockets and devices: never opened.
    pub special: u64,
}

/// Compiled `--exclude` globs.
pub(crate) struct Excludes {
    paths: GlobSet,
    names: GlobSet,
}

impl Excludes {
    pub(crate) fn new(globs: &[String]) -> Result<Self, String> {
        let mut paths = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        for g in globs {
            let trimmed = if g.len() > 1 { g.trim_end_matches('/') } else { g.as_str() };
            let (set, pattern) = if trimmed.contains('/') {
                let rooted = if trimmed.starts_with('/') || trimmed.starts_with('*') {
                    trimmed.to_string()
                } else {
                    format!("/{trimmed}")
                };
                (&mut paths, rooted)
            } else {
                (&mut names, trimmed.to_string())
            };
            let glob = GlobBuilder::new(&pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| format!("--exclude {g}: {e}"))?;
            set.add(glob);
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| format!("--exclude: {e}"));
        Ok(Self { paths: build(paths)?, names: build(names)? })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_empty() && self.names.is_empty()
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        self.paths.is_match(path) || self.names.is_match(name)
    }
}

/// One message from a worker.
enum Msg {
    // Boxed: an artifact is hundreds of bytes, an error a few dozen, and the channel holds many.
    Artifact(Box<Artifact>),
    Error(ScanError),
}

/// A regular file opened for reading, as the formats see it.
///
/// Reads are positioned (`pread`) and served from two small caches where they can be: the first
/// read at offset 0 (the sniffed head, which headers are then read from again), and a window of
/// [`WINDOW`] bytes around the last read elsewhere (an archive's members, read in order, cost one
/// system call per window rather than two per member).
struct DiskFile {
    file: File,
    len: u64,
    head: RefCell<Vec<u8>>,
    window: RefCell<(u64, Vec<u8>)>,
    /// The next window's size: it starts small and doubles with each window read, so that a
    /// format reading a few headers (an ELF's section table, a PE's resources) copies kilobytes,
    /// and one reading an archive's members in order soon reads [`WINDOW`] at a time.
    window_size: std::cell::Cell<usize>,
}

/// The largest read-ahead window of a [`DiskFile`].
const WINDOW: usize = 256 * 1024;
/// Its first size.
const FIRST_WINDOW: usize = 16 * 1024;

impl DiskFile {
    fn new(file: File, len: u64) -> Self {
        Self::with_head(file, len, Vec::new())
    }

    /// A file whose first bytes were already read (and are kept: formats read them again).
    fn with_head(file: File, len: u64, head: Vec<u8>) -> Self {
        Self {
            file,
            len,
            head: RefCell::new(head),
            window: RefCell::new((0, Vec::new())),
            window_size: std::cell::Cell::new(FIRST_WINDOW),
        }
    }

    fn pread(&self, offset: u64, n: usize) -> io::Result<Vec<u8>> {
        let n = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX).min(n);
        let mut buf = vec![0u8; n];
        let got = self.pread_into(offset, &mut buf)?;
        buf.truncate(got);
        Ok(buf)
    }

    /// Fills as much of `buf` as the file holds from `offset` (up to its length when opened);
    /// how many bytes that was.
    fn pread_into(&self, offset: u64, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let n = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX).min(buf.len());
        let mut got = 0;
        while got < n {
            let Some(rest) = buf.get_mut(got..n) else { break };
            match self.file.read_at(rest, offset.saturating_add(got as u64)) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(got)
    }
}

/// `len` bytes at `offset` from a buffer holding the file from `start`, if it holds them all
/// (or all there are before the end of the file).
fn cached(buf: &[u8], start: u64, offset: u64, len: usize, file_len: u64) -> Option<Vec<u8>> {
    let end = offset.checked_add(len as u64)?.min(file_len);
    let from = usize::try_from(offset.checked_sub(start)?).ok()?;
    let to = usize::try_from(end.checked_sub(start)?).ok()?;
    buf.get(from..to.max(from)).map(<[u8]>::to_vec)
}

impl FileView for DiskFile {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        {
            let head = self.head.borrow();
            if let Some(b) = cached(&head, 0, offset, len, self.len) {
                return Ok(b);
            }
            let win = self.window.borrow();
            if let Some(b) = cached(&win.1, win.0, offset, len, self.len) {
                return Ok(b);
            }
        }
        if offset == 0 && self.head.borrow().is_empty() && len <= WINDOW {
            let b = self.pread(0, len)?;
            *self.head.borrow_mut() = b.clone();
            return Ok(b);
        }
        let size = self.window_size.get();
        if len >= size {
            return self.pread(offset, len);
        }
        self.window_size.set(size.saturating_mul(2).min(WINDOW));
        // The window's buffer is reused: zeroing a fresh 256 KiB for each window cost more than
        // reading into it.
        let mut win = self.window.borrow_mut();
        let (start, buf) = &mut *win;
        buf.resize(size, 0);
        let got = self.pread_into(offset, buf)?;
        buf.truncate(got);
        *start = offset;
        Ok(buf.get(..len.min(got)).unwrap_or(&[]).to_vec())
    }
}

/// Opens a file read-only without following a symlink, without blocking on a FIFO and, where
/// the kernel allows, without updating its access time.
fn open(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let base = libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY;
    let mut o = OpenOptions::new();
    o.read(true);
    #[cfg(target_os = "linux")]
    {
        o.custom_flags(base | libc::O_NOATIME);
        match o.open(path) {
            // O_NOATIME needs ownership or CAP_FOWNER.
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => {}
            r => return r,
        }
    }
    o.custom_flags(base);
    o.open(path)
}

/// Opens a file of a listed directory, relative to it: read-only, never through a symlink,
/// without blocking on a FIFO and, unless `O_NOATIME` was refused in this directory already,
/// without updating its access time.
fn open_at(dir: &tree::Dir<'_>, name: &std::ffi::OsStr, noatime_refused: &mut Option<u64>) -> io::Result<File> {
    use rustix::fs::{Mode, OFlags, openat};
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW | OFlags::NOCTTY | OFlags::CLOEXEC;
    let r = if *noatime_refused == Some(dir.id) {
        openat(dir.fd, name, flags, Mode::empty())
    } else {
        match openat(dir.fd, name, flags | OFlags::NOATIME, Mode::empty()) {
            // O_NOATIME needs ownership or CAP_FOWNER: a user scanning others' files would
            // otherwise pay two opens for each.
            Err(rustix::io::Errno::PERM) => {
                *noatime_refused = Some(dir.id);
                openat(dir.fd, name, flags, Mode::empty())
            }
            r => r,
        }
    };
    r.map(File::from).map_err(io::Error::from)
}

/// Says what went wrong reading a file, in words for the `errors` list.
fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => format!("vanished during the scan ({e})"),
        io::ErrorKind::PermissionDenied => format!("permission denied ({e})"),
        _ if e.raw_os_error() == Some(libc::ELOOP) => "replaced by a symlink during the scan: not followed".into(),
        _ => e.to_string(),
    }
}

/// How a file went.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Read,
    TooLarge,
    Special,
}

/// Opens and inspects one regular file; sends what it gave.
///
/// Most files are no format delist reads, so the common path is three system calls: open, one
/// read of the head, close. The file is asked its length and type only once a format claims
/// its head; the size cap applies to those files alone (a big log is sniffed, not read).
///
/// `head` is the caller's buffer for the sniffed bytes, reused from file to file: most files are
/// sniffed and dropped, and a fresh zeroed 4 KiB for each cost more than the read into it.
fn inspect_file(
    head_buf: &mut Vec<u8>,
    opened: io::Result<File>,
    path: &InnerPath<'_>,
    target: &str,
    max_size: u64,
    formats: &[Box<dyn FileFormat>],
    send: &mut dyn FnMut(Msg),
) -> Outcome {
    let error = |e: String| Msg::Error(ScanError { path: path.get().to_string(), error: e });
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            send(error(format!("cannot open: {}", describe(&e))));
            return Outcome::Read;
        }
    };
    // No `posix_fadvise(RANDOM)` here: a first 4 KiB read at offset 0 makes the kernel read
    // ahead only 16 KiB (its initial window is four times a small request), one I/O either way on
    // a cold disk, while the advice cost a system call per file, a tenth of the walk's.
    let view = DiskFile::new(file, u64::MAX);
    let mut buf = std::mem::take(head_buf);
    buf.resize(files::FIRST, 0);
    // One read: a regular file gives all it has up to the request (a short count is its end),
    // and asking again to learn that would double the system calls of most files, which are
    // smaller than the head.
    let read_once = |buf: &mut [u8]| loop {
        use std::os::unix::fs::FileExt;
        match view.file.read_at(buf, 0) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => break r,
        }
    };
    let mut got = read_once(&mut buf);
    if got.as_ref().is_ok_and(|n| *n == files::FIRST && files::needs_full_head(&buf)) {
        buf.resize(files::HEAD, 0);
        got = read_once(&mut buf);
    }
    let claimed = got.as_ref().ok().and_then(|n| {
        let head = buf.get(..*n).unwrap_or_default();
        formats.iter().find(|f| f.sniff(head)).map(|f| (f, head.to_vec()))
    });
    *head_buf = buf;
    let (format, head) = match (got, claimed) {
        (_, Some(c)) => c,
        (Ok(_), None) => return Outcome::Read,
        // A FIFO or socket swapped in after the listing cannot be read at an offset.
        (Err(e), _) if e.raw_os_error() == Some(libc::ESPIPE) => return Outcome::Special,
        (Err(e), _) => {
            send(error(format!("cannot read: {}", describe(&e))));
            return Outcome::Read;
        }
    };
    let md = match view.file.metadata() {
        Ok(m) => m,
        Err(e) => {
            send(error(format!("cannot stat: {}", describe(&e))));
            return Outcome::Read;
        }
    };
    if !md.is_file() {
        // Swapped for a device between the directory listing and the open.
        return Outcome::Special;
    }
    if md.len() > max_size {
        // Listed, not only counted: a report that says what it did not read is evidence of
        // what it did; the operator raises the cap for these or reads them apart.
        send(error(format!("{} bytes, larger than the {max_size}-byte cap (--max-file-size): not read", md.len())));
        return Outcome::TooLarge;
    }
    let view = DiskFile::with_head(view.file, md.len(), head);
    match format.inspect_parts(&view, Place { path: path.get(), target, depth: 0 }) {
        Ok(ins) => {
            for a in ins.artifacts {
                send(Msg::Artifact(Box::new(a)));
            }
            for (p, e) in ins.errors {
                send(Msg::Error(ScanError { path: p, error: e }));
            }
        }
        Err(e) => send(error(format!("{}: {e}", format.id()))),
    }
    Outcome::Read
}

/// A file's `/`-rooted path inside the target, made only when something is reported or matched
/// against it: most files are sniffed and dropped, and building each one's path was a few
/// percent of a walk.
struct InnerPath<'a> {
    base: &'a Path,
    dir: &'a Path,
    name: &'a std::ffi::OsStr,
    path: std::cell::OnceCell<String>,
}

impl<'a> InnerPath<'a> {
    /// The entry `name` of the host directory `dir`.
    fn new(base: &'a Path, dir: &'a Path, name: &'a std::ffi::OsStr) -> Self {
        Self { base, dir, name, path: std::cell::OnceCell::new() }
    }

    fn known(host: &'a Path, path: String) -> Self {
        Self { base: host, dir: host, name: std::ffi::OsStr::new(""), path: std::cell::OnceCell::from(path) }
    }

    fn get(&self) -> &str {
        self.path.get_or_init(|| {
            let mut p = inner_path(self.base, self.dir);
            if !p.ends_with('/') {
                p.push('/');
            }
            p.push_str(&self.name.to_string_lossy());
            p
        })
    }
}

/// The `/`-rooted path of a host path inside the target.
fn inner_path(base: &Path, host: &Path) -> String {
    match host.strip_prefix(base) {
        Ok(rel) => format!("/{}", rel.to_string_lossy()),
        Err(_) => host.to_string_lossy().into_owned(),
    }
}

/// The mount points of this process's mount namespace, from `/proc/self/mountinfo`: only these
/// directories can start another filesystem, so only they are asked their `statfs` magic. `None`
/// when the table cannot be read (no `/proc`): then every directory is asked.
fn mount_points() -> Option<std::collections::HashSet<PathBuf>> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    Some(text.lines().filter_map(|l| l.split(' ').nth(4)).map(|p| PathBuf::from(unescape_mount(p))).collect())
}

/// A mountinfo path field: space, tab, newline and backslash are written as `\ooo`.
fn unescape_mount(field: &str) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    let b = field.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let code = b.get(i + 1..i + 4).filter(|d| c == b'\\' && d.iter().all(|x| (b'0'..=b'7').contains(x)));
        match code {
            Some(d) => {
                out.push(d.iter().fold(0u8, |v, x| v.wrapping_mul(8).wrapping_add(x - b'0')));
                i += 4;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    std::ffi::OsString::from_vec(out)
}

/// Whether a directory is a kernel pseudo filesystem, by its `statfs` magic.
fn is_pseudo_fs(host: &Path) -> bool {
    rustix::fs::statfs(host).is_ok_and(|st| PSEUDO_MAGIC.contains(&i128::from(st.f_type)))
}

/// Shared, read-only state of one walk.
struct Walk<'a> {
    base: &'a Path,
    /// The same directory, for what reads a few named files at once (app bundles).
    root: crate::Root,
    target: &'a str,
    pseudo: &'a [&'a str],
    excludes: Excludes,
    /// See [`mount_points`].
    mounts: Option<std::collections::HashSet<PathBuf>>,
    max_size: u64,
    files: AtomicU64,
    too_large: AtomicU64,
    special: AtomicU64,
}

/// One walking thread's side of the walk: what the traversal meets, judged and read.
struct Worker<'w, 'a> {
    walk: &'w Walk<'a>,
    formats: Vec<Box<dyn FileFormat>>,
    /// The head buffer, reused for every file (see [`inspect_file`]).
    head: Vec<u8>,
    /// The directory in which `O_NOATIME` was last refused (see [`open_at`]).
    noatime_refused: Option<u64>,
    tx: mpsc::SyncSender<Msg>,
}

impl Worker<'_, '_> {
    fn send(&self, m: Msg) {
        // The receiver lives until every sender is gone: a send cannot fail.
        let _ = self.tx.send(m);
    }
}

impl tree::Visitor for Worker<'_, '_> {
    fn enter(&mut self, host: &Path, depth: usize) -> bool {
        let w = self.walk;
        let path = inner_path(w.base, host);
        let pseudo = depth == 1 && w.pseudo.contains(&path.as_str());
        let mount = w.mounts.as_ref().is_none_or(|m| m.contains(host));
        if pseudo || w.excludes.matches(&path) || (mount && is_pseudo_fs(host)) {
            return false;
        }
        if path.ends_with(".app") {
            // A bundle is a directory: the walk meets it before its files. Its Info.plist
            // and main executable make one `app-bundle` artifact; the walk goes on inside.
            match crate::files::macho::inspect_bundle(&w.root, &path, w.target) {
                Ok(Some(a)) => self.send(Msg::Artifact(Box::new(a))),
                Ok(None) => {}
                Err(e) => self.send(Msg::Error(ScanError { path, error: format!("app bundle: {e}") })),
            }
        }
        true
    }

    fn entry(&mut self, dir: &tree::Dir<'_>, name: &std::ffi::OsStr, kind: tree::Kind) {
        let w = self.walk;
        let path = InnerPath::new(w.base, dir.host, name);
        if !w.excludes.is_empty() && w.excludes.matches(path.get()) {
            return;
        }
        if kind == tree::Kind::Special {
            w.special.fetch_add(1, Ordering::Relaxed);
            return;
        }
        w.files.fetch_add(1, Ordering::Relaxed);
        let opened = open_at(dir, name, &mut self.noatime_refused);
        let tx = &self.tx;
        let mut send = |m: Msg| {
            let _ = tx.send(m);
        };
        match inspect_file(&mut self.head, opened, &path, w.target, w.max_size, &self.formats, &mut send) {
            Outcome::Read => {}
            Outcome::TooLarge => {
                w.too_large.fetch_add(1, Ordering::Relaxed);
            }
            Outcome::Special => {
                w.special.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn error(&mut self, host: &Path, e: io::Error) {
        let path = inner_path(self.walk.base, host);
        self.send(Msg::Error(ScanError { path, error: format!("cannot read directory: {}", describe(&e)) }));
    }
}

/// Walks `base` (a `dir:` folder, an offline root, or `/` for the live machine), pushing every
/// artifact and error into `out` on the calling thread. `progress` is told the number of files
/// seen so far, a few times a second and once at the end.
pub fn walk(
    base: &Path,
    target: &str,
    kind: TargetKind,
    opts: &WalkOptions,
    out: &mut dyn Sink,
    progress: &dyn Fn(u64),
) -> WalkStats {
    let excludes = match Excludes::new(&opts.exclude) {
        Ok(e) => e,
        Err(e) => {
            out.error("/", e);
            return WalkStats::default();
        }
    };
    let pseudo: &[&str] = match kind {
        TargetKind::Live => PSEUDO_LIVE,
        TargetKind::Rootfs => PSEUDO_ROOTFS,
        _ => &[],
    };
    let threads = match opts.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let w = Walk {
        base,
        root: crate::Root::new(base),
        target,
        pseudo,
        excludes,
        mounts: mount_points(),
        max_size: opts.max_file_size,
        files: AtomicU64::new(0),
        too_large: AtomicU64::new(0),
        special: AtomicU64::new(0),
    };
    let (tx, rx) = mpsc::sync_channel::<Msg>(CHANNEL);
    std::thread::scope(|s| {
        let w = &w;
        s.spawn(move || {
            tree::walk(base, threads, opts.one_file_system, || Worker {
                walk: w,
                formats: files::formats(),
                head: Vec::new(),
                noatime_refused: None,
                tx: tx.clone(),
            });
            // `tx` is dropped here, after the workers' clones: the loop below then ends.
        });
        let mut last = Instant::now();
        loop {
            match rx.recv_timeout(PROGRESS_EVERY) {
                Ok(Msg::Artifact(a)) => out.push(*a),
                Ok(Msg::Error(e)) => out.push_error(e),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if last.elapsed() >= PROGRESS_EVERY {
                progress(w.files.load(Ordering::Relaxed));
                last = Instant::now();
            }
        }
    });
    let stats = WalkStats {
        files: w.files.load(Ordering::Relaxed),
        too_large: w.too_large.load(Ordering::Relaxed),
        special: w.special.load(Ordering::Relaxed),
    };
    progress(stats.files);
    stats
}

/// Reads one file (a `file:` target) as the walk reads each file it meets: sniffed by its
/// magic, read by the format that claims it, within the size cap. Its path in the report is
/// `/` and its file name.
pub fn walk_file(host: &Path, target: &str, opts: &WalkOptions, out: &mut dyn Sink) -> WalkStats {
    let name = host.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let path = format!("/{name}");
    let formats = files::formats();
    let mut send = |m: Msg| match m {
        Msg::Artifact(a) => out.push(*a),
        Msg::Error(e) => out.push_error(e),
    };
    let mut stats = WalkStats { files: 1, ..WalkStats::default() };
    let inner = InnerPath::known(host, path.clone());
    match inspect_file(&mut Vec::new(), open(host), &inner, target, opts.max_file_size, &formats, &mut send) {
        Outcome::Read => {}
        Outcome::TooLarge => stats.too_large = 1,
        Outcome::Special => stats.special = 1,
    }
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_match_paths_and_names() {
        let e = Excludes::new(&["/var/cache/**".into(), "*.iso".into(), "node_modules".into(), "home/*/x/".into()])
            .expect("globs");
        assert!(e.matches("/var/cache/apt/a.deb"));
        assert!(!e.matches("/var/cached"));
        assert!(e.matches("/srv/big.iso"));
        assert!(e.matches("/src/app/node_modules"));
        assert!(e.matches("/home/ann/x"));
        assert!(!e.matches("/home/ann/y/x/z"));
        assert!(Excludes::new(&["a[".into()]).is_err());
    }

    #[test]
    fn disk_reads_are_the_same_through_the_caches() {
        let t = tempfile::tempdir().expect("tempdir");
        let data: Vec<u8> = (0..700_000u32).map(|i| (i * 7 % 253) as u8).collect();
        let p = t.path().join("f");
        std::fs::write(&p, &data).expect("write");
        let f = DiskFile::new(File::open(&p).expect("open"), data.len() as u64);
        let len = data.len() as u64;
        for (off, n) in [
            (0u64, 4096usize),
            (10, 20),
            (4000, 200),
            (300_000, 10),
            (300_100, 5000),
            (699_990, 100),
            (0, 700_000),
            (800_000, 10),
            (5, 0),
        ] {
            let want = data.get(off.min(len) as usize..(off + n as u64).min(len) as usize).unwrap_or(&[]);
            assert_eq!(f.read_at(off, n).expect("read"), want, "{off}+{n}");
        }
    }

    #[test]
    fn a_file_that_vanished_is_an_error() {
        let t = tempfile::tempdir().expect("tempdir");
        let mut got = Vec::new();
        let p = &mut Vec::new();
        let o = inspect_file(
            p,
            open(&t.path().join("gone")),
            &InnerPath::known(Path::new("/gone"), "/gone".into()),
            "dir:x",
            100,
            &files::formats(),
            &mut |m| got.push(m),
        );
        assert_eq!(o, Outcome::Read);
        match got.as_slice() {
            [Msg::Error(e)] => assert!(e.error.contains("vanished"), "{}", e.error),
            _ => panic!("one error expected"),
        }
    }

    #[test]
    fn mount_points_are_read_with_their_escapes() {
        assert_eq!(unescape_mount("/mnt/my\\040disk\\134x"), std::ffi::OsString::from("/mnt/my disk\\x"));
        assert_eq!(unescape_mount("/a\\04"), std::ffi::OsString::from("/a\\04"));
        // This process's own table holds the root, and /proc where it is mounted.
        if let Some(m) = mount_points() {
            assert!(m.contains(Path::new("/")));
            assert!(m.contains(Path::new("/proc")));
        }
    }

    #[test]
    fn a_pe_header_past_the_first_read_is_still_sniffed() {
        // A DOS stub long enough to put the PE header past the first 1 KiB read; the header is
        // cut short, so the PE reader reports an error, which proves it was claimed.
        let t = tempfile::tempdir().expect("tempdir");
        let mut pe = vec![0u8; 0x600];
        pe[..2].copy_from_slice(b"MZ");
        pe[0x3c..0x40].copy_from_slice(&0x5f0u32.to_le_bytes());
        pe[0x5f0..0x5f4].copy_from_slice(b"PE\0\0");
        std::fs::write(t.path().join("far.exe"), &pe).expect("write");
        let mut got = Vec::new();
        let o = inspect_file(
            &mut Vec::new(),
            open(&t.path().join("far.exe")),
            &InnerPath::known(Path::new("/far.exe"), "/far.exe".into()),
            "dir:x",
            1 << 20,
            &files::formats(),
            &mut |m| got.push(m),
        );
        assert_eq!(o, Outcome::Read);
        match got.as_slice() {
            [Msg::Error(e)] => assert!(e.error.starts_with("pe:"), "{}", e.error),
            _ => panic!("the PE reader's error expected"),
        }
        assert!(files::needs_full_head(b"MZ\x90\0") && !files::needs_full_head(b"\x7fELF"));
    }

    #[test]
    fn big_files_and_symlinks_are_not_read() {
        let t = tempfile::tempdir().expect("tempdir");
        std::fs::write(t.path().join("big"), vec![1u8; 100]).expect("write");
        std::os::unix::fs::symlink("big", t.path().join("link")).expect("symlink");
        let mut got = Vec::new();
        let f = files::formats();
        let p = &mut Vec::new();
        // Over the cap: a file no format claims is sniffed and let be; one a format claims is
        // not read further.
        assert_eq!(
            inspect_file(
                p,
                open(&t.path().join("big")),
                &InnerPath::known(Path::new("/big"), "/big".into()),
                "x",
                99,
                &f,
                &mut |m| got.push(m)
            ),
            Outcome::Read
        );
        let mut zip = b"PK\x03\x04".to_vec();
        zip.resize(100, 0);
        std::fs::write(t.path().join("big.zip"), zip).expect("write");
        assert_eq!(
            inspect_file(
                p,
                open(&t.path().join("big.zip")),
                &InnerPath::known(Path::new("/big.zip"), "/big.zip".into()),
                "x",
                99,
                &f,
                &mut |m| got.push(m)
            ),
            Outcome::TooLarge
        );
        inspect_file(
            p,
            open(&t.path().join("link")),
            &InnerPath::known(Path::new("/link"), "/link".into()),
            "x",
            1000,
            &f,
            &mut |m| got.push(m),
        );
        match got.as_slice() {
            [Msg::Error(big), Msg::Error(link)] => {
                assert_eq!(big.path, "/big.zip");
                assert_eq!(big.error, "100 bytes, larger than the 99-byte cap (--max-file-size): not read");
                assert!(link.error.contains("symlink"), "{}", link.error);
            }
            _ => panic!("two errors expected: the file over the cap and the symlink"),
        }
    }
}
