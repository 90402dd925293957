//! Plain-text tables for terminals: aligned columns, no colour (meaning is never carried by
//! colour alone), wide cells cut with an ellipsis.

use delist_core::Finding;
use delist_core::report::{Diff, Inventory, Report};
use unicode_width::UnicodeWidthStr;

const MAX_CELL: usize = 48;

fn cut(s: &str) -> String {
    let s = s.lines().next().unwrap_or("");
    if s.width() <= MAX_CELL {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if out.width() + 2 > MAX_CELL {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Renders rows under a header with columns padded to their widest cell.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.iter().map(|c| cut(c)).collect()).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.width());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            s.push_str(c);
            if i + 1 < cells.len() {
                s.push_str(&" ".repeat(widths[i].saturating_sub(c.width()) + 2));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

pub fn report(r: &Report) -> String {
    let mut out = String::new();
    if r.findings.is_empty() {
        out.push_str("No covered products found.\n");
    } else {
        let rows: Vec<Vec<String>> = r
            .findings
            .iter()
            .map(|f| {
                let lists: Vec<&str> = f.lists.iter().map(|l| l.id.as_str()).collect();
                vec![
                    if f.waiver.is_some() { format!("{} (waived)", f.confidence) } else { f.confidence.to_string() },
                    f.vendor.clone(),
                    f.product.clone().unwrap_or_default(),
                    format!("{} {}", f.artifact.kind, f.artifact.name),
                    f.artifact.version.clone().unwrap_or_default(),
                    // An app inventory's finding is on a device: name it, `DEVICE:/file`.
                    match &f.artifact.host {
                        Some(h) => format!("{h}:{}", f.artifact.path),
                        None => f.artifact.path.clone(),
                    },
                    lists.join(","),
                ]
            })
            .collect();
        out.push_str(&render(&["CONFIDENCE", "VENDOR", "PRODUCT", "ARTIFACT", "VERSION", "PATH", "LISTS"], &rows));
    }
    let s = &r.summary;
    out.push_str(&format!(
        "\n{} artifacts, {} findings ({} confirmed, {} likely, {} possible, {} waived), {} errors; targets: {}\n",
        s.artifacts,
        s.findings,
        s.confirmed,
        s.likely,
        s.possible,
        s.waived,
        s.errors,
        r.targets.iter().map(|t| t.input.as_str()).collect::<Vec<_>>().join(", ")
    ));
    if s.unattributed > 0 {
        out.push_str(&format!(
            "{} artifact(s) unattributed: no catalog vendor is named as their maker, so the approved-vendor policy \
             could not judge them (-o json lists them)\n",
            s.unattributed
        ));
    }
    for e in &r.errors {
        out.push_str(&format!("error: {}: {}\n", e.path, e.error));
    }
    for n in &r.notices {
        out.push_str(&format!("note: {}\n", n.message));
    }
    out
}

fn finding_rows(fs: &[Finding], state: &str) -> Vec<Vec<String>> {
    fs.iter()
        .map(|f| {
            vec![
                state.to_string(),
                f.confidence.to_string(),
                f.vendor.clone(),
                format!("{} {}", f.artifact.kind, f.artifact.name),
                f.artifact.host.clone().unwrap_or_else(|| f.artifact.target.clone()),
                f.artifact.path.clone(),
                f.id.clone(),
            ]
        })
        .collect()
}

pub fn diff(d: &Diff) -> String {
    let mut rows = finding_rows(&d.removed, "removed");
    rows.extend(finding_rows(&d.new, "new"));
    rows.extend(finding_rows(&d.remaining, "remaining"));
    let mut out = if rows.is_empty() {
        "No findings in either report.\n".to_string()
    } else {
        render(&["STATE", "CONFIDENCE", "VENDOR", "ARTIFACT", "WHERE", "PATH", "ID"], &rows)
    };
    if !d.lists.is_empty() {
        out.push('\n');
        let rows: Vec<Vec<String>> = d
            .lists
            .iter()
            .map(|l| vec![l.id.clone(), l.removed.to_string(), l.new.to_string(), l.remaining.to_string()])
            .collect();
        out.push_str(&render(&["LIST", "REMOVED", "NEW", "REMAINING"], &rows));
    }
    out.push_str(&format!(
        "\n{} removed, {} new, {} remaining\n",
        d.summary.removed, d.summary.new, d.summary.remaining
    ));
    out
}

pub fn inventory(inv: &Inventory) -> String {
    let rows: Vec<Vec<String>> = inv
        .artifacts
        .iter()
        .map(|a| {
            vec![
                a.kind.to_string(),
                a.name.clone(),
                a.version.clone().unwrap_or_default(),
                a.publisher.clone().unwrap_or_default(),
                a.path.clone(),
            ]
        })
        .collect();
    let mut out = render(&["KIND", "NAME", "VERSION", "PUBLISHER", "PATH"], &rows);
    out.push_str(&format!("\n{} artifacts, {} errors\n", inv.artifacts.len(), inv.errors.len()));
    for e in &inv.errors {
        out.push_str(&format!("error: {}: {}\n", e.path, e.error));
    }
    out
}

/// The per-vendor and per-list counts of a screened feed.
pub fn screen_summary(s: &delist_core::report::ScreenSummary) -> String {
    let row = |name: &str, c: &delist_core::report::Counts| {
        vec![
            name.to_string(),
            c.findings.to_string(),
            c.confirmed.to_string(),
            c.likely.to_string(),
            c.possible.to_string(),
            c.waived.to_string(),
        ]
    };
    let mut out = format!("\n{} rows screened, {} flagged\n", s.rows, s.flagged_rows);
    if !s.by_vendor.is_empty() {
        let rows: Vec<Vec<String>> = s.by_vendor.iter().map(|(v, c)| row(v, c)).collect();
        out.push('\n');
        out.push_str(&render(&["VENDOR", "FINDINGS", "CONFIRMED", "LIKELY", "POSSIBLE", "WAIVED"], &rows));
        let rows: Vec<Vec<String>> = s.by_list.iter().map(|(l, c)| row(l, c)).collect();
        out.push('\n');
        out.push_str(&render(&["LIST", "FINDINGS", "CONFIRMED", "LIKELY", "POSSIBLE", "WAIVED"], &rows));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_long_cells_are_cut() {
        let long = "x".repeat(100);
        let t = render(&["A", "B"], &[vec!["1".into(), long], vec!["22".into(), "y".into()]]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "A   B");
        assert!(lines[1].ends_with('…'));
        assert_eq!(lines[2], "22  y");
    }
}
