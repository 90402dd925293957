//! Delimited text (CSV, TSV, `;` and `|` separated): the export format of Intune's reports,
//! Jamf Pro's and Workspace ONE's consoles, Fleet's query results, and hand-made spreadsheets.
//!
//! Owns the header (which delimiter, which column is which field) and the row loop. Rows are
//! read one at a time with the `csv` crate and handed on; it must never hold the file in memory,
//! and a broken row is reported with its line and skipped, never fatal to the rest.

use super::Mapping;
use super::record::{Columns, Ctx};
use super::text::Track;
use crate::Sink;
use std::io::Read;

/// The longest record read; past it the file is abandoned with an error (see [`Track`]).
const MAX_RECORD: u64 = 1 << 20;

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How a delimited file is laid out: its delimiter and resolved header.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub delimiter: u8,
    pub columns: Columns,
}

/// The first record of `head` split on `delimiter`, its fields trimmed (the end of the head
/// ends it, as the end of a file would).
fn header(head: &str, delimiter: u8) -> Option<Vec<String>> {
    let fields = crate::csv_reader::first_record(head.as_bytes(), delimiter)?;
    Some(fields.into_iter().map(|s| s.trim().to_string()).collect())
}

/// The layout of a delimited inventory from its first bytes (decoded), or why it is not one.
///
/// Each delimiter is tried and the one whose header names the most fields wins, so a `;` file
/// with commas inside its names still reads. Without `--map` the header must name an app and
/// a device, id or publisher ([`Columns::is_inventory`]); with it, an app by name or id.
pub(crate) fn layout(head: &str, map: &Mapping) -> Result<Layout, String> {
    let first = head.trim_start_matches(['\r', '\n']);
    if first.starts_with(['{', '[']) {
        return Err("not delimited text".into());
    }
    let mut best: Option<(usize, usize, Layout)> = None;
    let mut map_error = None;
    for d in DELIMITERS {
        let Some(h) = header(first, d) else { continue };
        if h.len() < 2 {
            continue;
        }
        let refs: Vec<&str> = h.iter().map(String::as_str).collect();
        let columns = match Columns::resolve(&refs, map) {
            Ok(c) => c,
            Err(e) => {
                map_error.get_or_insert(e);
                continue;
            }
        };
        let named = super::fields::Field::ALL.iter().filter(|f| columns.has(**f)).count();
        let candidate = (named, h.len(), Layout { delimiter: d, columns });
        if best.as_ref().is_none_or(|(n, len, _)| (candidate.0, candidate.1) > (*n, *len)) {
            best = Some(candidate);
        }
    }
    let Some((_, _, l)) = best else {
        return Err(map_error.unwrap_or_else(|| "no header of delimited columns".into()));
    };
    let readable = if map.columns.is_empty() {
        l.columns.is_inventory()
    } else {
        l.columns.has(super::fields::Field::Name) || l.columns.has(super::fields::Field::Id)
    };
    if readable {
        Ok(l)
    } else {
        Err(format!(
            "no column names an app (by name or id) together with its device, id or publisher (columns: {}); \
             name them with --map COLUMN=FIELD (fields: device, name, id, version, publisher, platform)",
            l.columns.headers.join(", ")
        ))
    }
}

/// Reads every row after the header into the sink; returns how many artifacts it pushed.
pub(crate) fn read(reader: impl Read, layout: &Layout, path: &str, target: &str, out: &mut dyn Sink) -> usize {
    let (tracked, seen) = Track::new(reader, MAX_RECORD);
    let mut r =
        csv::ReaderBuilder::new().delimiter(layout.delimiter).has_headers(false).flexible(false).from_reader(tracked);
    let ctx = Ctx::default();
    let mut rec = csv::ByteRecord::new();
    let mut pushed = 0;
    let mut first = true;
    loop {
        seen.borrow_mut().reset();
        match r.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| seen.borrow_mut().line_at(p.byte()));
                match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        out.error(path, format!("line {line}: expected {expected_len} fields, found {len}"));
                        continue;
                    }
                    csv::ErrorKind::Io(io) => {
                        out.error(path, format!("line {line}: {io}"));
                        break;
                    }
                    _ => {
                        out.error(path, format!("line {line}: {e}"));
                        continue;
                    }
                }
            }
        }
        if first {
            // The header, already resolved from the head.
            first = false;
            continue;
        }
        let line = rec.position().map_or(0, |p| seen.borrow_mut().line_at(p.byte()));
        let values: Vec<String> = rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
        if values.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let refs: Vec<&str> = values.iter().map(String::as_str).collect();
        match layout.columns.artifact(&refs, &ctx, path, target) {
            Ok(a) => {
                out.push(a);
                pushed += 1;
            }
            Err(e) => out.error(path, format!("line {line}: {e}")),
        }
    }
    pushed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Output;
    use crate::inventory::fields::{Field, Tool};

    #[test]
    fn delimiter_is_the_one_that_names_fields() {
        let l = layout("DeviceName;AppName;AppId;Version\nA;B;c.d;1\n", &Mapping::default()).expect("layout");
        assert_eq!(l.delimiter, b';');
        let l = layout("Device\tApplication\tBundle Identifier\n", &Mapping::default()).expect("layout");
        assert_eq!(l.delimiter, b'\t');
        let l = layout("\"Device Name\",\"App, Name\",\"Package Name\"\r\n", &Mapping::default()).expect("layout");
        assert_eq!(l.delimiter, b',');
        assert!(l.columns.has(Field::Id));
    }

    #[test]
    fn not_an_inventory_says_what_to_do() {
        let e = layout("Date,Amount,Currency\n1,2,3\n", &Mapping::default()).expect_err("not inventory");
        assert!(e.contains("--map") && e.contains("Date, Amount, Currency"), "{e}");
        assert!(layout("{\"a\":1}", &Mapping::default()).is_err());
        assert!(layout("", &Mapping::default()).is_err());
    }

    #[test]
    fn rows_stream_with_line_numbers_for_broken_ones() {
        let text = "DeviceName,AppName,AppId\nD1,TikTok,com.zhiliaoapp.musically\nD2,only two\n\nD3,,\nD4,\"Multi\nLine\",x.y\n";
        let l = layout(text, &Mapping::default()).expect("layout");
        assert_eq!(l.columns.tool, Tool::Generic);
        let mut out = Output::default();
        let n = read(text.as_bytes(), &l, "/inv.csv", "inventory:inv.csv", &mut out);
        assert_eq!(n, 2);
        assert_eq!(out.artifacts[1].name, "Multi\nLine");
        let errors: Vec<&str> = out.errors.iter().map(|e| e.error.as_str()).collect();
        assert_eq!(
            errors,
            vec!["line 3: expected 3 fields, found 2", "line 5: the record has neither an app name nor an app id"]
        );
    }

    #[test]
    fn an_endless_field_stops_the_file_not_the_memory() {
        let mut text = String::from("DeviceName,AppName,AppId\nD,\"");
        text.push_str(&"x".repeat(3 << 20));
        let l = layout(&text, &Mapping::default()).expect("layout");
        let mut out = Output::default();
        assert_eq!(read(text.as_bytes(), &l, "/big.csv", "t", &mut out), 0);
        assert!(out.errors[0].error.contains("longer than 1 MiB"), "{:?}", out.errors);
    }
}
