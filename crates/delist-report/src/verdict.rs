//! `delist screen -o csv`: the feed itself, every row, with verdict columns added.
//!
//! A delimited feed keeps its own columns byte for byte (its delimiter, quoting and header) and
//! gains [`COLUMNS`] at the end, so the file opens in the same spreadsheet or import job as the
//! feed. Other feeds (JSON, XML) are written as CSV of the fields delist read plus the verdict.
//! Rows stream through: nothing is kept. It renders values only; which row is flagged is
//! decided by the caller.

use delist_core::Finding;
use std::io::{self, Write};

/// The verdict columns, after the feed's own.
pub const COLUMNS: [&str; 5] =
    ["delist_vendor", "delist_confidence", "delist_lists", "delist_reason", "delist_finding"];

/// Writes a screened feed with verdict columns.
pub struct VerdictWriter<W: Write> {
    w: io::BufWriter<W>,
    delimiter: u8,
    /// Empty verdict cells for a clean row: the delimiters alone.
    clean: Vec<u8>,
    cell: Vec<u8>,
}

impl<W: Write> VerdictWriter<W> {
    /// Writes the header: the feed's raw header row (delimited feeds) or `columns` as CSV,
    /// followed by the verdict columns.
    pub fn new(w: W, raw_header: Option<&[u8]>, columns: &[String], delimiter: u8) -> io::Result<Self> {
        let mut me = Self {
            w: io::BufWriter::with_capacity(1 << 20, w),
            delimiter,
            clean: vec![delimiter; COLUMNS.len()],
            cell: Vec::new(),
        };
        match raw_header {
            Some(raw) => me.w.write_all(raw)?,
            None => {
                let cells: Vec<&str> = columns.iter().map(String::as_str).collect();
                me.w.write_all(&me.record(&cells))?;
            }
        }
        let v = me.record(&COLUMNS);
        me.w.write_all(&[delimiter])?;
        me.w.write_all(&v)?;
        me.w.write_all(b"\n")?;
        Ok(me)
    }

    /// One record of cells, quoted as needed, without a line ending.
    fn record(&self, cells: &[&str]) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .delimiter(self.delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        // Writing into a Vec cannot fail.
        let _ = w.write_record(cells);
        let mut v = w.into_inner().unwrap_or_default();
        if v.last() == Some(&b'\n') {
            v.pop();
        }
        v
    }

    /// A row as it stands in a delimited feed, with its findings (none for a clean row).
    pub fn raw_row(&mut self, raw: &[u8], findings: &[Finding]) -> io::Result<()> {
        self.w.write_all(raw)?;
        self.verdict(findings)
    }

    /// A row of a feed that has no raw form (JSON, XML): its field values, then the verdict.
    pub fn fields_row(&mut self, values: &[&str], findings: &[Finding]) -> io::Result<()> {
        let r = self.record(values);
        self.w.write_all(&r)?;
        self.verdict(findings)
    }

    fn verdict(&mut self, findings: &[Finding]) -> io::Result<()> {
        if findings.is_empty() {
            self.w.write_all(&self.clean)?;
            return self.w.write_all(b"\n");
        }
        let mut lists: Vec<&str> = findings.iter().flat_map(|f| f.lists.iter().map(|l| l.id.as_str())).collect();
        lists.sort_unstable();
        lists.dedup();
        let confidence = findings.iter().filter(|f| f.waiver.is_none()).map(|f| f.confidence).max();
        let reason: Vec<String> = findings
            .iter()
            .flat_map(|f| {
                f.evidence
                    .iter()
                    .filter(|e| !e.identifier.is_empty())
                    .map(move |e| format!("{}: {}={:?} ({}, {})", f.vendor, e.field, e.value, e.identifier, e.strength))
            })
            .collect();
        let vendors: Vec<&str> = findings.iter().map(|f| f.vendor.as_str()).collect();
        let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
        let confidence = match confidence {
            Some(c) => c.as_str(),
            None => "waived",
        };
        let cells = [vendors.join(";"), confidence.to_string(), lists.join(";"), reason.join("; "), ids.join(";")];
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        self.cell = self.record(&refs);
        self.w.write_all(&[self.delimiter])?;
        self.w.write_all(&self.cell)?;
        self.w.write_all(b"\n")
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.w.flush()
    }
}
