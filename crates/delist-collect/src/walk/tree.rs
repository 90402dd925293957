//! The parallel traversal under the walk: every directory of a tree listed once, on as many
//! threads as asked, each entry handed to a [`Visitor`] with the descriptor of the directory it
//! is in. It owns descriptors, listing and the work queue; what an entry means (formats,
//! excludes, pseudo filesystems) is the visitor's.
//!
//! Written here rather than taken from a crate (the walk used `ignore`'s parallel walker before)
//! because the walk's cost on a warm tree is system calls, and a walker that hands out paths
//! makes more of them: `ignore` opens each directory by its whole path (the kernel resolves
//! every component again) and its visitor then needs a second descriptor of the directory to
//! open files relative to it. Here a directory is opened once, relative to its parent's
//! descriptor (one component to resolve), listed with `getdents64` into a buffer each thread
//! reuses, and its files are opened relative to it; no path is built for an entry unless the
//! visitor asks for one.
//!
//! It never follows a symlink: an entry's type comes from the listing (or `fstatat` without
//! following, where the filesystem does not give one), and a directory is opened with
//! `O_NOFOLLOW | O_DIRECTORY`, so one swapped for a link after the listing is refused, not
//! entered. The tree is walked depth first (a stack), so the directories waiting hold
//! few descriptors; past [`MAX_HELD`] waiting directories are opened by their whole path instead.
//! It must never write, and never open anything but directories itself.

use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{FileType, Mode, OFlags};
use std::ffi::{CStr, OsStr};
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

/// How many parent directories' descriptors the waiting directories may hold. Depth first, a walk
/// of /usr holds a few dozen; a tree built to hold more (very wide and deep) falls back to opening
/// by path rather than running out of descriptors.
const MAX_HELD: usize = 256;

/// The listing buffer of each thread: `getdents64` fills it with as many entries as fit.
const LIST_BUFFER: usize = 32 * 1024;

/// What a non-directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A regular file.
    File,
    /// A symlink, FIFO, socket or device: never opened.
    Special,
}

/// The directory an entry was listed in.
pub(crate) struct Dir<'a> {
    /// Its descriptor (`O_RDONLY | O_DIRECTORY`): open the entry relative to it.
    pub fd: BorrowedFd<'a>,
    /// Its path on the host.
    pub host: &'a Path,
    /// Which directory this is, unique within a walk (a visitor may keep per-directory state).
    pub id: u64,
}

/// What the traversal tells, per thread.
pub(crate) trait Visitor {
    /// A subdirectory at `host`, `depth` levels below the base: whether to enter it.
    fn enter(&mut self, host: &Path, depth: usize) -> bool;
    /// A non-directory entry of `dir`.
    fn entry(&mut self, dir: &Dir<'_>, name: &OsStr, kind: Kind);
    /// A directory that could not be opened or listed (the base included).
    fn error(&mut self, host: &Path, e: io::Error);
}

/// A descriptor of a directory whose subdirectories wait in the queue.
struct Held {
    fd: OwnedFd,
    count: Arc<AtomicUsize>,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A directory to list.
struct Job {
    /// Its parent's descriptor, to open it relative to; `None`: by its whole path.
    parent: Option<Arc<Held>>,
    host: PathBuf,
    depth: usize,
}

struct Queue {
    jobs: Vec<Job>,
    /// Threads listing a directory now (each may add more jobs).
    busy: usize,
    /// A thread panicked: the others stop rather than wait for it (the scope re-raises the
    /// panic), so that a bug in a visitor is a crash, never a hung scan.
    abandoned: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
    held: Arc<AtomicUsize>,
    /// The base's device, with `--one-file-system`.
    device: Option<u64>,
    next_id: AtomicUsize,
}

/// Walks the tree under `base` on `threads` threads, each with the visitor `make` gives it.
/// Returns when every directory has been listed.
pub(crate) fn walk<V: Visitor>(base: &Path, threads: usize, one_file_system: bool, make: impl Fn() -> V + Sync) {
    let device = if one_file_system {
        match rustix::fs::stat(base) {
            Ok(st) => Some(st.st_dev),
            Err(e) => {
                make().error(base, e.into());
                return;
            }
        }
    } else {
        None
    };
    let shared = Shared {
        queue: Mutex::new(Queue {
            jobs: vec![Job { parent: None, host: base.to_path_buf(), depth: 0 }],
            busy: 0,
            abandoned: false,
        }),
        ready: Condvar::new(),
        held: Arc::new(AtomicUsize::new(0)),
        device,
        next_id: AtomicUsize::new(0),
    };
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| work(&shared, make()));
        }
    });
}

/// Tells the other threads to stop when the one holding it unwinds.
struct Abandon<'a>(&'a Shared);

impl Drop for Abandon<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let mut q = self.0.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            q.abandoned = true;
            drop(q);
            self.0.ready.notify_all();
        }
    }
}

/// One thread: takes directories from the queue until none is left and no thread can add more.
fn work<V: Visitor>(shared: &Shared, mut visitor: V) {
    let _abandon = Abandon(shared);
    let mut buf = vec![MaybeUninit::<u8>::uninit(); LIST_BUFFER];
    let mut children = Vec::new();
    loop {
        let job = {
            // A poisoned lock means another thread panicked: the scope re-raises it; stop here.
            let Ok(mut q) = shared.queue.lock() else { return };
            loop {
                if q.abandoned {
                    return;
                }
                if let Some(j) = q.jobs.pop() {
                    q.busy += 1;
                    break j;
                }
                if q.busy == 0 {
                    shared.ready.notify_all();
                    return;
                }
                q = match shared.ready.wait(q) {
                    Ok(q) => q,
                    Err(_) => return,
                };
            }
        };
        list(shared, job, &mut visitor, &mut buf, &mut children);
        let Ok(mut q) = shared.queue.lock() else { return };
        q.busy -= 1;
        let added = children.len();
        q.jobs.append(&mut children);
        drop(q);
        match added {
            0 => shared.ready.notify_all(), // the last busy thread may have just finished
            1 => shared.ready.notify_one(),
            _ => shared.ready.notify_all(),
        }
    }
}

/// Opens a directory: relative to its parent where it can, never through a symlink, and where
/// the kernel allows without updating its access time.
fn open_dir(job: &Job) -> io::Result<OwnedFd> {
    let how = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    // The base may be reached through a symlink (a `dir:` the user named); nothing under it is.
    let how = if job.depth == 0 { how } else { how | OFlags::NOFOLLOW };
    let open = |flags: OFlags| match (&job.parent, job.host.file_name()) {
        (Some(p), Some(leaf)) => rustix::fs::openat(&p.fd, leaf, flags, Mode::empty()),
        _ => rustix::fs::open(&job.host, flags, Mode::empty()),
    };
    match open(how | OFlags::NOATIME) {
        // O_NOATIME needs ownership or CAP_FOWNER.
        Err(rustix::io::Errno::PERM) => open(how),
        r => r,
    }
    .map_err(io::Error::from)
}

/// Lists one directory: its files to the visitor now, its subdirectories to `children`.
fn list<V: Visitor>(shared: &Shared, job: Job, visitor: &mut V, buf: &mut [MaybeUninit<u8>], children: &mut Vec<Job>) {
    let fd = match open_dir(&job) {
        Ok(fd) => fd,
        Err(e) => {
            visitor.error(&job.host, e);
            return;
        }
    };
    drop(job.parent);
    if let Some(dev) = shared.device {
        match rustix::fs::fstat(&fd) {
            Ok(st) if st.st_dev != dev => return,
            Ok(_) => {}
            Err(e) => {
                visitor.error(&job.host, e.into());
                return;
            }
        }
    }
    let dir = Dir { fd: fd.as_fd(), host: &job.host, id: shared.next_id.fetch_add(1, Ordering::Relaxed) as u64 };
    let mut subdirs: Vec<PathBuf> = Vec::new();
    let mut entries = rustix::fs::RawDir::new(fd.as_fd(), buf);
    while let Some(next) = entries.next() {
        let entry = match next {
            Ok(e) => e,
            Err(e) => {
                visitor.error(&job.host, e.into());
                break;
            }
        };
        let name = entry.file_name();
        if matches!(name.to_bytes(), b"." | b"..") {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => type_at(dir.fd, name),
            t => Some(t),
        };
        let os = OsStr::from_bytes(name.to_bytes());
        match kind {
            Some(FileType::Directory) => {
                let host = job.host.join(os);
                if visitor.enter(&host, job.depth + 1) {
                    subdirs.push(host);
                }
            }
            Some(FileType::RegularFile) => visitor.entry(&dir, os, Kind::File),
            // Gone between the listing and the `fstatat`: nothing to report.
            None => {}
            Some(_) => visitor.entry(&dir, os, Kind::Special),
        }
    }
    if subdirs.is_empty() {
        return;
    }
    let held = if shared.held.fetch_add(1, Ordering::Relaxed) < MAX_HELD {
        Some(Arc::new(Held { fd, count: shared.held.clone() }))
    } else {
        shared.held.fetch_sub(1, Ordering::Relaxed);
        None
    };
    // Pushed in reverse, so that they are taken from the stack in the order they were listed.
    children.extend(subdirs.into_iter().rev().map(|host| Job { parent: held.clone(), host, depth: job.depth + 1 }));
}

/// An entry's type, asked of the filesystem when the listing does not say (without following a
/// symlink). `None` when it is gone.
fn type_at(dir: BorrowedFd<'_>, name: &CStr) -> Option<FileType> {
    rustix::fs::statat(dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
        .ok()
        .map(|st| FileType::from_raw_mode(st.st_mode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::sync::Mutex as StdMutex;

    #[derive(Default)]
    struct Seen {
        files: BTreeSet<String>,
        special: BTreeSet<String>,
        errors: Vec<String>,
    }

    struct Collect<'a> {
        base: &'a Path,
        seen: &'a StdMutex<Seen>,
        skip: &'a str,
    }

    impl Visitor for Collect<'_> {
        fn enter(&mut self, host: &Path, _: usize) -> bool {
            host.file_name() != Some(OsStr::new(self.skip))
        }
        fn entry(&mut self, dir: &Dir<'_>, name: &OsStr, kind: Kind) {
            let rel = dir.host.join(name).strip_prefix(self.base).expect("under base").display().to_string();
            let mut s = self.seen.lock().expect("lock");
            match kind {
                Kind::File => s.files.insert(rel),
                Kind::Special => s.special.insert(rel),
            };
        }
        fn error(&mut self, host: &Path, e: io::Error) {
            self.seen.lock().expect("lock").errors.push(format!("{}: {e}", host.display()));
        }
    }

    fn walk_all(base: &Path, threads: usize, skip: &str) -> Seen {
        let seen = StdMutex::new(Seen::default());
        walk(base, threads, false, || Collect { base, seen: &seen, skip });
        seen.into_inner().expect("lock")
    }

    #[test]
    fn every_file_once_no_link_followed_skipped_directories_left_out() {
        let t = tempfile::tempdir().expect("tempdir");
        let b = t.path();
        let mut expect = BTreeSet::new();
        for d in 0..20 {
            let dir = b.join(format!("d{d}")).join("sub");
            std::fs::create_dir_all(&dir).expect("mkdir");
            for f in 0..30 {
                std::fs::write(dir.join(format!("f{f}")), b"x").expect("write");
                expect.insert(format!("d{d}/sub/f{f}"));
            }
        }
        std::fs::create_dir(b.join("skipme")).expect("mkdir");
        std::fs::write(b.join("skipme/hidden"), b"x").expect("write");
        std::os::unix::fs::symlink(".", b.join("loop")).expect("symlink");
        std::os::unix::fs::symlink("/etc", b.join("out")).expect("symlink");
        for threads in [1, 2, 8] {
            let s = walk_all(b, threads, "skipme");
            assert_eq!(s.files, expect, "{threads} threads");
            assert_eq!(s.special, BTreeSet::from(["loop".to_string(), "out".to_string()]));
            assert!(s.errors.is_empty(), "{:?}", s.errors);
        }
    }

    #[test]
    fn a_visitor_that_panics_ends_the_walk_with_its_panic_not_a_hang() {
        let t = tempfile::tempdir().expect("tempdir");
        for d in 0..50 {
            std::fs::create_dir(t.path().join(format!("d{d}"))).expect("mkdir");
            std::fs::write(t.path().join(format!("d{d}/f")), b"x").expect("write");
        }
        struct Bomb;
        impl Visitor for Bomb {
            fn enter(&mut self, _: &Path, _: usize) -> bool {
                true
            }
            fn entry(&mut self, dir: &Dir<'_>, _: &OsStr, _: Kind) {
                assert!(!dir.host.ends_with("d7"), "boom");
            }
            fn error(&mut self, _: &Path, _: io::Error) {}
        }
        let base = t.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let r = std::panic::catch_unwind(|| walk(&base, 2, false, || Bomb));
            let _ = tx.send(r.is_err());
        });
        let panicked = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("the walk hung");
        assert!(panicked);
    }

    #[test]
    fn a_base_that_is_not_a_directory_is_an_error() {
        let t = tempfile::tempdir().expect("tempdir");
        let s = walk_all(&t.path().join("nope"), 2, "");
        assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
        assert!(s.files.is_empty());
    }

    #[test]
    fn a_tree_deeper_than_the_held_descriptors_is_walked_whole() {
        // Wide at every level, so that many directories wait at once.
        let t = tempfile::tempdir().expect("tempdir");
        let mut dir = t.path().to_path_buf();
        let mut count = 0;
        for level in 0..300 {
            for sib in 0..3 {
                let s = dir.join(format!("s{sib}"));
                std::fs::create_dir(&s).expect("mkdir");
                std::fs::write(s.join("f"), b"x").expect("write");
                count += 1;
            }
            dir = dir.join(format!("s{}", level % 3));
        }
        let s = walk_all(t.path(), 2, "");
        assert_eq!(s.files.len(), count);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
    }
}
