//! Layers of a container image and the merged, read-only view of them.
//!
//! Owns: reading each layer's tar (uncompressed, gzip, zstd or xz — sniffed from the blob's
//! bytes, not trusted from a media type) into a list of [`Change`]s; applying them in order with
//! the OCI whiteout rules (`.wh.NAME` deletes NAME and everything under it from lower layers,
//! `.wh..wh..opq` empties its directory of lower layers' entries, a non-directory replaces a
//! lower directory with everything under it); and serving a [`View`] — path → (layer, where the
//! entry's bytes are) — that [`crate::Root`] reads through.
//!
//! Never extracted to disk: delist is read-only and must not write, and a temporary copy of an
//! image would also be a second copy of whatever the image hides. Memory is bounded instead:
//! the view holds one small record per path (never file contents); a file in an uncompressed
//! layer is read in place by `pread` at its offset in the archive; a file in a compressed layer
//! (gzip/zstd have no random access) is read through one decompressor kept where the last read
//! stopped (restarted from the layer's start only to go back); a miss also reads ahead the small
//! files beside the one asked for (collectors read whole directories: units, `status.d`), and
//! what was read is kept in a bounded cache ([`CACHE_BYTES`]). The file walk does not pay that: it streams each layer
//! once ([`super::walk`]).
//!
//! Hostile layers: an entry with an absolute path or a `..` component, or a hard link to
//! anything but an earlier regular file of the same layer (so a link loop cannot be built),
//! is an error for that entry and is left out; entry counts are capped. Symlinks are resolved
//! inside the view, with a hop limit. It must never write, and never open a host path named by
//! the image.

use crate::files::FileView;
use crate::files::archive::{Codec, TarKind, TarNext, TarSource, ViewReader, discard, is_tar_header, tar_entries};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Entries one layer may hold.
pub const MAX_LAYER_ENTRIES: usize = 2_000_000;
/// Layers one image may have (Docker's own limit is 127).
pub const MAX_LAYERS: usize = 1000;
/// Bytes of files read from compressed layers kept for further reads.
pub const CACHE_BYTES: usize = 64 << 20;
/// Symlink hops while resolving one path.
const MAX_LINK_HOPS: usize = 40;

/// A byte range of a host file (an archive, or a blob of an OCI layout), read by position; or
/// of bytes in memory (tests and fuzzing).
#[derive(Clone)]
pub struct Region {
    file: Backing,
    start: u64,
    len: u64,
}

#[derive(Clone)]
enum Backing {
    File(Arc<File>),
    Memory(Arc<Vec<u8>>),
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Region({}+{})", self.start, self.len)
    }
}

/// Opens a host file read-only, without following a final symlink, blocking on a FIFO or (where
/// allowed) updating its access time.
pub fn open_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let base = libc::O_NONBLOCK | libc::O_NOCTTY;
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    o.custom_flags(base | libc::O_NOATIME);
    let f = match o.open(path) {
        // O_NOATIME needs ownership or CAP_FOWNER.
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => {
            o.custom_flags(base);
            o.open(path)?
        }
        r => r?,
    };
    if !f.metadata()?.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(f)
}

impl Region {
    /// The whole of a regular host file.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = open_file(path)?;
        let len = file.metadata()?.len();
        Ok(Self { file: Backing::File(Arc::new(file)), start: 0, len })
    }

    /// Bytes in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        let len = bytes.len() as u64;
        Self { file: Backing::Memory(Arc::new(bytes)), start: 0, len }
    }

    /// `len` bytes from `start` within this region; an error if they run past its end.
    pub fn sub(&self, start: u64, len: u64) -> io::Result<Self> {
        let end = start.checked_add(len).filter(|e| *e <= self.len);
        if end.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("{len} bytes at {start} run past the end ({} bytes)", self.len),
            ));
        }
        Ok(Self { file: self.file.clone(), start: self.start + start, len })
    }
}

impl FileView for Region {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let n = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX).min(len);
        let file = match &self.file {
            Backing::File(f) => f,
            Backing::Memory(m) => {
                let at = usize::try_from(self.start.saturating_add(offset)).unwrap_or(usize::MAX);
                return Ok(m.get(at..).unwrap_or(&[]).iter().take(n).copied().collect());
            }
        };
        let mut buf = vec![0u8; n];
        let mut got = 0;
        while got < n {
            let Some(rest) = buf.get_mut(got..) else { break };
            match file.read_at(rest, self.start.saturating_add(offset).saturating_add(got as u64)) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        buf.truncate(got);
        Ok(buf)
    }
}

/// Reads a [`Region`] from its start, owning it (so a decoder over it can be kept).
struct OwnedReader {
    region: Region,
    pos: u64,
}

impl Read for OwnedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(64 * 1024);
        let data = self.region.read_at(self.pos, want)?;
        let n = data.len().min(want);
        buf.get_mut(..n).ok_or_else(|| io::Error::other("short buffer"))?.copy_from_slice(data.get(..n).unwrap_or(&[]));
        self.pos += n as u64;
        Ok(n)
    }
}

/// A decompressor left where the last read of a compressed layer stopped: reads in ascending
/// order of offset (the order of a tar, and mostly of a sorted directory) cost one pass over
/// the layer, not one per file.
struct Cursor {
    layer: usize,
    pos: u64,
    reader: Box<dyn Read + Send>,
}

/// One layer: its id (the diff id from the image config where known, else the blob digest),
/// its bytes and their compression.
#[derive(Debug)]
pub struct Layer {
    pub digest: String,
    region: Region,
    codec: Option<Codec>,
}

impl Layer {
    /// A layer over `region`; the compression is sniffed from its first bytes.
    pub fn new(digest: String, region: Region) -> Result<Self, String> {
        let head = region.read_at(0, 512).map_err(|e| format!("layer {digest}: cannot read: {e}"))?;
        let codec = Codec::sniff(&head);
        if codec.is_none() && !head.is_empty() && !is_tar_header(&head) && !head.iter().all(|b| *b == 0) {
            return Err(format!("layer {digest}: not a tar, gzip, zstd or xz stream"));
        }
        Ok(Self { digest, region, codec })
    }

    pub fn compressed(&self) -> bool {
        self.codec.is_some()
    }

    /// The layer's tar as a forward stream.
    pub(crate) fn source(&self) -> io::Result<TarSource<'_>> {
        let raw = ViewReader::new(&self.region, 0, self.region.len);
        Ok(match self.codec {
            None => TarSource::View(raw),
            Some(c) => TarSource::Stream(c.decoder(raw)?),
        })
    }

    /// `size` bytes at `data_at` of an uncompressed layer's tar.
    fn read_plain(&self, data_at: u64, size: u64) -> io::Result<Vec<u8>> {
        self.region.sub(data_at, size)?.read_all(size)
    }

    /// The decompressed tar from its start, owning what it reads (kept between reads).
    fn decoder(&self) -> io::Result<Box<dyn Read + Send>> {
        let c = self.codec.ok_or_else(|| io::Error::other("not a compressed layer"))?;
        c.decoder_send(OwnedReader { region: self.region.clone(), pos: 0 })
    }

    /// The region of an entry of an uncompressed layer (read in place).
    pub(crate) fn region_of(&self, data_at: u64, size: u64) -> Option<Region> {
        if self.codec.is_some() {
            return None;
        }
        self.region.sub(data_at, size).ok()
    }
}

/// What an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A regular file: where its bytes start in the layer's uncompressed tar, and how many.
    File {
        data_at: u64,
        size: u64,
    },
    Dir,
    Symlink(String),
}

/// A path of the merged view: the layer that put it there, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub layer: usize,
    pub kind: NodeKind,
}

/// One change a layer makes, in `/`-rooted paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Put(String, NodeKind),
    /// `.wh.NAME`: the path and everything under it are gone.
    Whiteout(String),
    /// `.wh..wh..opq`: the directory's lower contents are gone.
    Opaque(String),
}

impl Change {
    /// Whether this change can alter what a reader of `path` (a file, or a directory listing)
    /// sees.
    fn touches(&self, path: &str) -> bool {
        let under =
            |a: &str, b: &str| a.len() > b.len() && a.starts_with(b) && a.as_bytes().get(b.len()) == Some(&b'/');
        let under_root = |a: &str, b: &str| b == "/" || under(a, b);
        match self {
            // Listing a parent directory again changes nothing below it.
            Self::Put(p, NodeKind::Dir) => p == path || under_root(p, path),
            Self::Put(p, _) | Self::Whiteout(p) => p == path || under_root(p, path) || under_root(path, p),
            Self::Opaque(d) => d == path || under_root(path, d) || under_root(d, path),
        }
    }
}

/// Problems with single entries: `(path, error)`.
pub type Problems = Vec<(String, String)>;

/// Normalises an archive path to a `/`-rooted one; refuses absolute paths and `..`.
pub fn normalize(raw: &str) -> Result<Option<String>, String> {
    if raw.starts_with('/') {
        return Err(format!("absolute path {raw:?} in a layer: refused"));
    }
    let mut out = String::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(format!("path {raw:?} climbs out of the image with `..`: refused")),
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

fn parent_and_name(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", n)) => ("/", n),
        Some((p, n)) => (p, n),
        None => ("/", path),
    }
}

fn child(dir: &str, name: &str) -> String {
    if dir == "/" { format!("/{name}") } else { format!("{dir}/{name}") }
}

/// Reads a layer's tar into its changes. Problems with single entries come back beside the
/// changes (`(path, error)`); a broken stream is an error for the whole layer.
pub fn index_layer(layer: &Layer) -> Result<(Vec<Change>, Problems), String> {
    let mut changes = Vec::new();
    let mut problems = Vec::new();
    // Regular files of this layer by path: where hard links find their data.
    let mut files: HashMap<String, (u64, u64)> = HashMap::new();
    let mut src = layer.source().map_err(|e| format!("layer {}: {e}", layer.digest))?;
    tar_entries(&mut src, MAX_LAYER_ENTRIES, |e, _| {
        let path = match normalize(&e.raw_name) {
            Ok(Some(p)) => p,
            Ok(None) => return Ok(TarNext::Continue),
            Err(err) => {
                problems.push((format!("/{}", e.raw_name.trim_start_matches('/')), err));
                return Ok(TarNext::Continue);
            }
        };
        let (dir, name) = parent_and_name(&path);
        if name == ".wh..wh..opq" {
            changes.push(Change::Opaque(dir.to_string()));
            return Ok(TarNext::Continue);
        }
        if let Some(gone) = name.strip_prefix(".wh.") {
            changes.push(Change::Whiteout(child(dir, gone)));
            return Ok(TarNext::Continue);
        }
        let kind = match &e.kind {
            TarKind::File => {
                files.insert(path.clone(), (e.data_at, e.size));
                NodeKind::File { data_at: e.data_at, size: e.size }
            }
            TarKind::Dir => NodeKind::Dir,
            TarKind::Symlink(t) => NodeKind::Symlink(t.clone()),
            TarKind::Hardlink(t) => {
                let target = match normalize(t) {
                    Ok(Some(t)) => t,
                    Ok(None) | Err(_) => {
                        problems.push((path, format!("hard link to {t:?}: not a file of this layer")));
                        return Ok(TarNext::Continue);
                    }
                };
                match files.get(&target) {
                    Some(&(data_at, size)) => {
                        files.insert(path.clone(), (data_at, size));
                        NodeKind::File { data_at, size }
                    }
                    None => {
                        problems.push((
                            path,
                            format!("hard link to {target}, which is not an earlier file of this layer (a loop?)"),
                        ));
                        return Ok(TarNext::Continue);
                    }
                }
            }
            TarKind::Other => return Ok(TarNext::Continue),
        };
        changes.push(Change::Put(path, kind));
        Ok(TarNext::Continue)
    })
    .map_err(|e| format!("layer {}: {e}", layer.digest))?;
    Ok((changes, problems))
}

/// Files read from compressed layers, by (layer, offset).
#[derive(Default)]
struct Cache {
    bytes: usize,
    files: HashMap<(usize, u64), Arc<Vec<u8>>>,
}

/// An image: its layers, oldest first, and what each changes.
pub struct Image {
    pub layers: Vec<Layer>,
    pub changes: Vec<Vec<Change>>,
    cache: Mutex<Cache>,
    cursor: Mutex<Option<Cursor>>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image").field("layers", &self.layers).finish_non_exhaustive()
    }
}

impl Image {
    /// Indexes every layer. Problems with entries come back as `(path, error)`; a layer whose
    /// tar is broken is an error for the whole image (what it would have deleted or added is
    /// unknown, so any view of the rest could show what is not there).
    pub fn new(layers: Vec<Layer>) -> Result<(Self, Problems), String> {
        if layers.len() > MAX_LAYERS {
            return Err(format!("{} layers: more than {MAX_LAYERS}, refused", layers.len()));
        }
        let mut changes = Vec::with_capacity(layers.len());
        let mut problems = Vec::new();
        for l in &layers {
            let (c, p) = index_layer(l)?;
            changes.push(c);
            problems.extend(p.into_iter().map(|(path, e)| (path, format!("layer {}: {e}", l.digest))));
        }
        Ok((Self { layers, changes, cache: Mutex::new(Cache::default()), cursor: Mutex::new(None) }, problems))
    }

    fn cached(&self, layer: usize, data_at: u64) -> Option<Arc<Vec<u8>>> {
        self.cache.lock().ok()?.files.get(&(layer, data_at)).cloned()
    }

    fn keep(&self, layer: usize, data_at: u64, b: &Arc<Vec<u8>>) {
        if let Ok(mut c) = self.cache.lock() {
            if c.bytes.saturating_add(b.len()) > CACHE_BYTES {
                c.files.clear();
                c.bytes = 0;
            }
            if b.len() <= CACHE_BYTES {
                c.bytes += b.len();
                c.files.insert((layer, data_at), Arc::clone(b));
            }
        }
    }

    /// Reads files of one compressed layer, `(data_at, size)` in ascending order of offset,
    /// through the kept decompressor (restarted from the layer's start only when asked to go
    /// back), caching each.
    fn read_compressed(&self, layer: usize, files: &[(u64, u64)]) -> io::Result<()> {
        let l = self.layers.get(layer).ok_or_else(|| io::Error::other("no such layer"))?;
        let mut guard = self.cursor.lock().map_err(|_| io::Error::other("layer reader poisoned"))?;
        for &(data_at, size) in files {
            if self.cached(layer, data_at).is_some() {
                continue;
            }
            let reuse = guard.as_ref().is_some_and(|c| c.layer == layer && c.pos <= data_at);
            if !reuse {
                *guard = Some(Cursor { layer, pos: 0, reader: l.decoder()? });
            }
            let Some(c) = guard.as_mut() else { continue };
            // A failed read leaves the decompressor somewhere unknown: start over next time.
            let got = (|| {
                discard(&mut c.reader, data_at - c.pos)?;
                let mut out = Vec::new();
                (&mut c.reader).take(size).read_to_end(&mut out)?;
                if (out.len() as u64) < size {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "layer ends inside the file"));
                }
                Ok(out)
            })();
            match got {
                Ok(out) => {
                    c.pos = data_at + size;
                    self.keep(layer, data_at, &Arc::new(out));
                }
                Err(e) => {
                    *guard = None;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// The bytes of a file node of layer `layer`.
    pub fn read(&self, layer: usize, data_at: u64, size: u64) -> io::Result<Arc<Vec<u8>>> {
        let l = self.layers.get(layer).ok_or_else(|| io::Error::other("no such layer"))?;
        if !l.compressed() {
            return l.read_plain(data_at, size).map(Arc::new);
        }
        if let Some(b) = self.cached(layer, data_at) {
            return Ok(b);
        }
        self.read_compressed(layer, &[(data_at, size)])?;
        // Not kept only when larger than the whole cache: read it for this caller alone.
        match self.cached(layer, data_at) {
            Some(b) => Ok(b),
            None => {
                let mut r = l.decoder()?;
                discard(&mut r, data_at)?;
                let mut out = Vec::new();
                r.take(size).read_to_end(&mut out)?;
                Ok(Arc::new(out))
            }
        }
    }

    /// Reads ahead the small files of a compressed layer that a collector is likely to ask for
    /// next (the siblings of the file it asked for), in one ascending pass.
    pub fn prefetch(&self, layer: usize, mut files: Vec<(u64, u64)>) {
        if !self.layers.get(layer).is_some_and(Layer::compressed) {
            return;
        }
        files.sort_unstable();
        let mut budget = PREFETCH_BYTES;
        files.retain(|(_, size)| {
            let ok = *size <= PREFETCH_FILE && *size <= budget;
            if ok {
                budget -= size;
            }
            ok
        });
        // Errors surface when the file itself is read.
        let _ = self.read_compressed(layer, &files);
    }
}

/// The largest sibling file read ahead.
const PREFETCH_FILE: u64 = 1 << 20;
/// Bytes read ahead for one miss.
const PREFETCH_BYTES: u64 = 16 << 20;

/// The image as it is after layers `0..=upto`: what a container started from it sees.
pub struct View {
    pub image: Arc<Image>,
    pub merged: BTreeMap<String, Node>,
    /// Paths asked about while tracking is on (see [`View::track`]).
    tracked: Mutex<Option<BTreeSet<String>>>,
}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "View({} paths)", self.merged.len())
    }
}

/// Removes `path`'s descendants (not `path`) from the map.
fn remove_under(map: &mut BTreeMap<String, Node>, path: &str) {
    let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
    let keys: Vec<String> =
        map.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()).collect();
    for k in keys {
        map.remove(&k);
    }
}

impl View {
    /// Applies layers `0..=upto` in order.
    pub fn build(image: Arc<Image>, upto: usize) -> Self {
        let mut merged: BTreeMap<String, Node> = BTreeMap::new();
        for (layer, changes) in image.changes.iter().enumerate().take(upto.saturating_add(1)) {
            // Whiteouts apply to lower layers only: all of them before this layer's own entries.
            for c in changes {
                match c {
                    Change::Whiteout(p) => {
                        merged.remove(p);
                        remove_under(&mut merged, p);
                    }
                    Change::Opaque(d) => remove_under(&mut merged, d),
                    Change::Put(..) => {}
                }
            }
            for c in changes {
                if let Change::Put(p, kind) = c {
                    if *kind != NodeKind::Dir {
                        remove_under(&mut merged, p);
                    }
                    merged.insert(p.clone(), Node { layer, kind: kind.clone() });
                }
            }
        }
        Self { image, merged, tracked: Mutex::new(None) }
    }

    /// Starts recording every path asked about (for telling which layer introduced what a
    /// collector found); [`View::untrack`] hands them back.
    pub fn track(&self) {
        if let Ok(mut t) = self.tracked.lock() {
            *t = Some(BTreeSet::new());
        }
    }

    pub fn untrack(&self) -> BTreeSet<String> {
        self.tracked.lock().ok().and_then(|mut t| t.take()).unwrap_or_default()
    }

    fn note(&self, path: &str) {
        if let Ok(mut t) = self.tracked.lock()
            && let Some(set) = t.as_mut()
        {
            set.insert(path.to_string());
        }
    }

    /// Resolves a `/`-rooted path inside the view, following symlinks (absolute ones from the
    /// image's root). `..` never climbs above the root.
    pub fn resolve(&self, path: &str) -> io::Result<String> {
        self.note(if path.is_empty() { "/" } else { path });
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
            let key = format!("/{}", done.iter().chain(std::iter::once(&comp)).cloned().collect::<Vec<_>>().join("/"));
            match self.merged.get(&key) {
                Some(Node { kind: NodeKind::Symlink(target), .. }) => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("too many symlinks resolving {path}"),
                        ));
                    }
                    if target.starts_with('/') {
                        done.clear();
                    }
                    todo.extend(target.split('/').rev().filter(|c| !c.is_empty()).map(String::from));
                }
                _ => done.push(comp),
            }
        }
        let key = format!("/{}", done.join("/"));
        self.note(&key);
        Ok(key)
    }

    /// The node at a resolved key; a directory only implied by its contents counts as one.
    fn node(&self, key: &str) -> Option<NodeKind> {
        if let Some(n) = self.merged.get(key) {
            return Some(n.kind.clone());
        }
        if key == "/" {
            return Some(NodeKind::Dir);
        }
        let prefix = format!("{key}/");
        self.merged.range(prefix.clone()..).next().filter(|(k, _)| k.starts_with(&prefix)).map(|_| NodeKind::Dir)
    }

    /// The regular file at `path`: its layer and location.
    pub fn file(&self, path: &str) -> io::Result<(usize, u64, u64)> {
        let key = self.resolve(path)?;
        match self.merged.get(&key) {
            Some(Node { layer, kind: NodeKind::File { data_at, size } }) => Ok((*layer, *data_at, *size)),
            Some(_) => Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file")),
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("{path}: no such file in the image"))),
        }
    }

    pub fn is_file(&self, path: &str) -> bool {
        self.file(path).is_ok()
    }

    pub fn is_dir(&self, path: &str) -> bool {
        self.resolve(path).is_ok_and(|k| self.node(&k) == Some(NodeKind::Dir))
    }

    /// Reads a whole file of at most `cap` bytes.
    pub fn read(&self, path: &str, cap: u64) -> io::Result<Vec<u8>> {
        let (layer, data_at, size) = self.file(path)?;
        if size > cap {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("file is {size} bytes, over the {cap}-byte limit"),
            ));
        }
        if self.image.layers.get(layer).is_some_and(Layer::compressed) && self.image.cached(layer, data_at).is_none() {
            self.image.prefetch(layer, self.siblings(path, layer, data_at, size));
        }
        self.image.read(layer, data_at, size).map(|b| b.as_ref().clone())
    }

    /// The file itself and the regular files beside it that come from the same layer.
    fn siblings(&self, path: &str, layer: usize, data_at: u64, size: u64) -> Vec<(u64, u64)> {
        let mut out = vec![(data_at, size)];
        let Ok(key) = self.resolve(path) else { return out };
        let dir = match key.rsplit_once('/') {
            Some(("", _)) | None => "/".to_string(),
            Some((d, _)) => format!("{d}/"),
        };
        for (k, n) in self.merged.range(dir.clone()..).take_while(|(k, _)| k.starts_with(&dir)).take(100_000) {
            if k.get(dir.len()..).is_some_and(|rest| !rest.contains('/'))
                && n.layer == layer
                && let NodeKind::File { data_at, size } = n.kind
            {
                out.push((data_at, size));
            }
        }
        out
    }

    /// The names directly inside a directory, sorted, with whether each is a directory or a
    /// regular file (symlinks resolved inside the view). At most `cap` of them.
    pub fn read_dir(&self, path: &str, cap: usize) -> io::Result<Vec<crate::root::Entry>> {
        let key = self.resolve(path)?;
        if self.node(&key) != Some(NodeKind::Dir) {
            return Err(io::Error::new(io::ErrorKind::NotFound, format!("{path}: no such directory in the image")));
        }
        let prefix = if key == "/" { "/".to_string() } else { format!("{key}/") };
        let mut names: BTreeSet<String> = BTreeSet::new();
        for (k, _) in self.merged.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)) {
            let rest = k.get(prefix.len()..).unwrap_or("");
            let name = rest.split('/').next().unwrap_or("");
            if !name.is_empty() && !names.contains(name) {
                if names.len() >= cap {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, format!("more than {cap} entries")));
                }
                names.insert(name.to_string());
            }
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let child = crate::root::join(path, &name);
            let kind = self.resolve(&child).ok().and_then(|k| self.node(&k));
            out.push(crate::root::Entry {
                is_dir: kind == Some(NodeKind::Dir),
                is_file: matches!(kind, Some(NodeKind::File { .. })),
                name,
            });
        }
        Ok(out)
    }

    /// Whether any of `changes` can alter what a reader of any of `paths` saw.
    pub fn touched(changes: &[Change], paths: &BTreeSet<String>) -> bool {
        changes.iter().any(|c| paths.iter().any(|p| c.touches(p)))
    }
}
