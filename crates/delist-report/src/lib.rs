//! delist's outputs: turn reports, inventories and catalog entries into text for people (tables)
//! and machines (JSON).
//!
//! Owns formatting only: it never decides what is a finding and never touches the filesystem —
//! callers hand it values and get strings back. A new output format is a module here plus a
//! variant of [`Format`].

pub mod catalog;
pub mod table;

use delist_core::report::{Diff, Inventory, Report};
use serde::Serialize;

/// Output formats of `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "csv" | "sarif" | "html" | "junit" => {
                Err(format!("output format {s:?} is not supported by this version of delist yet (table, json)"))
            }
            _ => Err(format!("unknown output format {s:?} (table, json)")),
        }
    }
}

/// Pretty JSON with a final newline. Serializing these types cannot fail (no maps with
/// non-string keys, no foreign Serialize impls), so the fallback is unreachable in practice.
pub fn json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

pub fn report(r: &Report, format: Format) -> String {
    match format {
        Format::Json => json(r),
        Format::Table => table::report(r),
    }
}

pub fn inventory(inv: &Inventory, format: Format) -> String {
    match format {
        Format::Json => json(inv),
        Format::Table => table::inventory(inv),
    }
}

pub fn diff(d: &Diff, format: Format) -> String {
    match format {
        Format::Json => json(d),
        Format::Table => table::diff(d),
    }
}
