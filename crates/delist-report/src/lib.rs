//! delist's outputs: turn reports, inventories and catalog entries into text for people (tables)
//! and machines (JSON).
//!
//! Owns formatting only: it never decides what is a finding and never touches the filesystem —
//! callers hand it values and get strings back, or hand it a writer ([`write_report`]: a large
//! report's JSON is written as it is serialized, never held whole). A new output format is a module here plus a
//! variant of [`Format`].

pub mod catalog;
pub mod csv;
pub mod export;
pub mod html;
pub mod junit;
pub mod sarif;
pub mod table;
pub mod verdict;

use delist_core::report::{Diff, Inventory, Report};
use delist_core::{Catalog, Confidence};
use serde::Serialize;

/// What renderers may need beyond the report: the date deadlines are counted from, the
/// `--fail-on` level (JUnit failures), and the catalog (every deadline of a list).
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub today: jiff::civil::Date,
    pub fail_on: Option<Confidence>,
    pub catalog: Option<&'a Catalog>,
}

/// Output formats of `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Csv,
    Sarif,
    Junit,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "sarif" => Ok(Self::Sarif),
            "junit" => Ok(Self::Junit),
            "html" => Ok(Self::Html),
            _ => Err(format!("unknown output format {s:?} (table, json, csv, sarif, junit, html)")),
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

/// Pretty JSON with a final newline, written as it is serialized: the JSON of 400,000 findings
/// is near a gigabyte, and as one string it was the largest allocation of a scan.
pub fn write_json<T: Serialize>(value: &T, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, value)?;
    w.write_all(b"\n")
}

/// [`report`], written to `w`; JSON, SARIF, CSV and HTML streamed (the table and JUnit are built,
/// then written).
pub fn write_report(r: &Report, format: Format, cx: &Context<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Json => write_json(r, w),
        Format::Sarif => sarif::write(r, w),
        Format::Csv => csv::write(r, w),
        Format::Html => html::write(r, cx, w),
        _ => w.write_all(report(r, format, cx).as_bytes()),
    }
}

/// [`inventory`], written to `w`; JSON streamed.
pub fn write_inventory(inv: &Inventory, format: Format, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    match format {
        Format::Table => w.write_all(table::inventory(inv).as_bytes()),
        _ => write_json(inv, w),
    }
}

pub fn report(r: &Report, format: Format, cx: &Context<'_>) -> String {
    match format {
        Format::Json => json(r),
        Format::Table => match &r.screen {
            Some(s) => table::report(r) + &table::screen_summary(s),
            None => table::report(r),
        },
        Format::Csv => csv::report(r),
        Format::Sarif => sarif::report(r),
        Format::Junit => junit::report(r, cx.fail_on),
        Format::Html => html::report(r, cx),
    }
}

/// Inventories have table and JSON forms; the other formats are for findings.
pub fn inventory(inv: &Inventory, format: Format) -> String {
    match format {
        Format::Table => table::inventory(inv),
        _ => json(inv),
    }
}

/// Diffs have table and JSON forms.
pub fn diff(d: &Diff, format: Format) -> String {
    match format {
        Format::Table => table::diff(d),
        _ => json(d),
    }
}
