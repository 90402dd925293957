//! `.app` bundles (macOS `X.app/Contents/Info.plist`, iOS `X.app/Info.plist`) as one artifact:
//! the Info.plist's identity and the main executable's code signature.
//!
//! Owns finding a bundle's Info.plist and main executable and binding them (the signature's
//! Info.plist and CodeResources slots are checked against the files). It reads only through
//! [`Root`] — the Info.plist whole (at most [`MAX_INFO_PLIST`] bytes), the executable by bounded
//! positioned reads — and must never follow a `CFBundleExecutable` out of the bundle, execute
//! anything, or walk the bundle's other files (the walk does that).

use super::super::FileView;
use super::{Slice, add_signatures};
use crate::Root;
use crate::files::plist;
use delist_core::{Artifact, ArtifactKind, IdKind, Role};
use std::fs::{File, OpenOptions};
use std::io;

/// Largest Info.plist read.
pub const MAX_INFO_PLIST: u64 = 4 << 20;
/// Largest `_CodeSignature/CodeResources` read for the signature's resource slot.
pub const MAX_CODE_RESOURCES: u64 = 64 << 20;

/// Reads the `.app` bundle at `bundle_dir` (a `/`-rooted directory path inside `root`, usually
/// ending in `.app`) into one [`ArtifactKind::AppBundle`] artifact: name (`CFBundleDisplayName`,
/// else `CFBundleName`), version (`CFBundleShortVersionString`, else `CFBundleVersion`),
/// `bundle.id` (a `bundle-id` identifier), copyright (text, never evidence) and the main
/// executable's (`Contents/MacOS/<CFBundleExecutable>`, or `<CFBundleExecutable>` for iOS)
/// code-signature signers, whose `digest_ok` also covers the Info.plist and CodeResources
/// hashes the signature binds.
///
/// `Ok(None)` when the directory holds no Info.plist (not a bundle). `Err` when the Info.plist
/// cannot be read or parsed. A main executable that is missing, not Mach-O or broken does not
/// fail the bundle: the artifact carries `bundle.executable_error` instead.
///
/// **For the walk** (`crate::walk`): call this when you meet a directory whose name ends in
/// `.app`, with the directory's `/`-rooted path and the target as given; push the artifact, or
/// the error under the directory's path. Keep walking inside the bundle as usual: nested
/// bundles (helpers, login items, `Contents/Frameworks/*.framework` are not apps but
/// `Contents/Library/LoginItems/*.app` are) are found the same way, and the main executable is
/// then also reported on its own as an `executable` artifact by the Mach-O format.
pub fn inspect_bundle(root: &Root, bundle_dir: &str, target: &str) -> Result<Option<Artifact>, String> {
    let dir = bundle_dir.trim_end_matches('/');
    let dir = if dir.is_empty() { "/" } else { dir };
    let join = |rel: &str| if dir == "/" { format!("/{rel}") } else { format!("{dir}/{rel}") };
    // (Info.plist, directory of the executable, CodeResources)
    let layouts = [
        (join("Contents/Info.plist"), join("Contents/MacOS"), join("Contents/_CodeSignature/CodeResources")),
        (join("Info.plist"), dir.to_string(), join("_CodeSignature/CodeResources")),
    ];
    let Some((plist_path, exe_dir, resources_path)) = layouts.iter().find(|(p, _, _)| root.is_file(p)) else {
        return Ok(None);
    };
    let plist_bytes = root.read(plist_path, MAX_INFO_PLIST).map_err(|e| format!("{plist_path}: {e}"))?;
    let info = plist::bundle_info(&plist_bytes).map_err(|e| format!("{plist_path}: {e}"))?;

    let dir_name = dir.rsplit('/').next().unwrap_or(dir);
    let name = info
        .display_name
        .clone()
        .or_else(|| info.name.clone())
        .or_else(|| info.executable.clone())
        .unwrap_or_else(|| dir_name.strip_suffix(".app").unwrap_or(dir_name).to_string());
    let mut a = Artifact::new(ArtifactKind::AppBundle, name, dir, target)
        .version(info.short_version.clone().or_else(|| info.version.clone()).unwrap_or_default());
    if let Some(id) = &info.identifier {
        a = a.field("bundle.id", id.clone(), Role::Identifier(IdKind::BundleId)).id(id.clone());
    }
    for (field, value) in [("bundle.name", &info.name), ("bundle.display_name", &info.display_name)] {
        if let Some(v) = value {
            a = a.field(field, v.clone(), Role::Name);
        }
    }
    for (field, value) in [("bundle.version", &info.version), ("bundle.executable", &info.executable)] {
        if let Some(v) = value {
            a = a.field(field, v.clone(), Role::Other);
        }
    }
    if let Some(c) = &info.copyright {
        a = a.field("bundle.copyright", c.clone(), Role::Text);
    }

    let Some(exe) = info.executable.as_deref() else {
        return Ok(Some(a.field("bundle.executable_error", "Info.plist names no CFBundleExecutable", Role::Other)));
    };
    if exe.contains('/') || exe == "." || exe == ".." {
        return Ok(Some(a.field(
            "bundle.executable_error",
            format!("CFBundleExecutable {exe:?} is not a file name"),
            Role::Other,
        )));
    }
    let exe_path = format!("{}/{exe}", exe_dir.trim_end_matches('/'));
    let slices = match open(root, &exe_path).and_then(|f| {
        let head = f.read_at(0, 8)?;
        if !super::sniff(&head) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not a Mach-O file"));
        }
        super::read(&f, true).map_err(io::Error::other)
    }) {
        Ok(s) => s,
        Err(e) => return Ok(Some(a.field("bundle.executable_error", format!("{exe_path}: {e}"), Role::Other))),
    };
    let resources = root.read(resources_path, MAX_CODE_RESOURCES).ok();
    let bound = BundleFiles { info_plist: &plist_bytes, code_resources: resources.as_deref() };
    Ok(Some(add_bundle_signatures(a, &slices, &bound)))
}

/// The files outside the executable that its signature binds.
pub struct BundleFiles<'a> {
    pub info_plist: &'a [u8],
    pub code_resources: Option<&'a [u8]>,
}

/// Adds the main executable's signatures, with `digest_ok` lowered to `false` when the
/// signature's Info.plist or CodeResources slot does not match the bundle's files.
pub fn add_bundle_signatures(a: Artifact, slices: &[Slice], files: &BundleFiles<'_>) -> Artifact {
    let mut slices = slices.to_vec();
    for s in slices.iter_mut() {
        if let Some(sig) = s.signature.as_mut() {
            let mismatch = sig.embedded.directories.iter().any(|cd| {
                cd.special_matches(super::codesign::CSSLOT_INFOSLOT, files.info_plist) == Some(false)
                    || cd.special_hash(super::codesign::CSSLOT_RESOURCEDIR).is_some()
                        && files
                            .code_resources
                            .is_none_or(|r| cd.special_matches(super::codesign::CSSLOT_RESOURCEDIR, r) == Some(false))
            });
            if mismatch {
                sig.pages_ok = Some(false);
            }
        }
    }
    let fallback = a.clone();
    add_signatures(a, &slices).unwrap_or(fallback)
}

/// A regular file inside the root, read by position.
struct HostFile {
    file: File,
    len: u64,
}

fn open(root: &Root, path: &str) -> io::Result<HostFile> {
    let host = root.resolve(path)?;
    let md = std::fs::metadata(&host)?;
    if !md.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // As `Root`: no access-time update where allowed, and never block on a FIFO swapped in.
        let mut o = opts.clone();
        o.custom_flags(libc::O_NOATIME | libc::O_NONBLOCK);
        if let Ok(file) = o.open(&host) {
            return checked(file);
        }
        opts.custom_flags(libc::O_NONBLOCK);
    }
    checked(opts.open(&host)?)
}

fn checked(file: File) -> io::Result<HostFile> {
    let md = file.metadata()?;
    if !md.is_file() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(HostFile { len: md.len(), file })
}

impl FileView for HostFile {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        use std::os::unix::fs::FileExt;
        let avail = usize::try_from(self.len.saturating_sub(offset)).unwrap_or(usize::MAX);
        let mut buf = vec![0u8; len.min(avail)];
        let mut done = 0usize;
        while done < buf.len() {
            let at = offset.checked_add(done as u64).ok_or_else(|| io::Error::other("offset overflows"))?;
            match self.file.read_at(buf.get_mut(done..).unwrap_or_default(), at) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(done);
        Ok(buf)
    }
}
