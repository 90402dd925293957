//! Embeds every file under the repository's `catalog/` into the binary: the built-in catalog must
//! travel with the executable, because delist runs on machines that cannot fetch anything.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, base, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "csv")) {
            let rel = path.strip_prefix(base).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            out.push((rel, path));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let catalog = manifest.join("../../catalog");
    println!("cargo:rerun-if-changed={}", catalog.display());
    for sub in ["lists", "vendors", "oui"] {
        println!("cargo:rerun-if-changed={}", catalog.join(sub).display());
    }
    let mut files = Vec::new();
    collect(&catalog, &catalog, &mut files);
    let mut src = String::from(
        "/// Every built-in catalog file: (path relative to `catalog/`, contents).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let abs = path.canonicalize().expect("catalog file exists");
        writeln!(src, "    ({rel:?}, include_str!({:?})),", abs.display().to_string()).expect("write to String");
    }
    src.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("builtin_catalog.rs");
    std::fs::write(out, src).expect("write OUT_DIR file");
}
