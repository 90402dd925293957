//! HTML: one self-contained file for people — summary, a chart, each list with its deadlines and
//! days left, findings grouped by list and vendor with their evidence. No script, no external
//! style sheet, font or image: it opens from a USB stick on an air-gapped machine.

use crate::Context;
use crate::junit::esc;
use delist_core::Finding;
use delist_core::report::Report;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1b1b1b;padding:0 1rem}\
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1.05rem}\
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e3e3;vertical-align:top}\
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;min-width:7rem}\
.card b{display:block;font-size:1.5rem}.confirmed{color:#a40000}.likely{color:#8a4b00}.possible{color:#36538a}\
.passed{color:#a40000;font-weight:600}.waived{color:#555}small{color:#555}code{font-size:.9em}";

fn days_left(cx: &Context<'_>, date: &str) -> String {
    let Ok(d) = date.parse::<jiff::civil::Date>() else { return String::new() };
    let days = cx.today.until(d).map(|s| s.get_days()).unwrap_or(0);
    if days >= 0 { format!("{days} days left") } else { format!("passed {} days ago", -days) }
}

fn chart(counts: &[(String, usize)]) -> String {
    let max = counts.iter().map(|c| c.1).max().unwrap_or(1).max(1);
    let bar_h = 22;
    let h = counts.len() * bar_h + 10;
    let mut s = format!(
        "<svg role=\"img\" aria-label=\"Findings per list\" width=\"640\" height=\"{h}\" viewBox=\"0 0 640 {h}\">"
    );
    for (i, (label, n)) in counts.iter().enumerate() {
        let y = i * bar_h + 5;
        let w = 380 * n / max;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"240\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"#5a6fa8\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{n}</text>",
            y + 13,
            esc(label),
            245 + w,
            y + 13
        );
    }
    s.push_str("</svg>");
    s
}

fn finding_rows(s: &mut dyn fmt::Write, fs: &[&Finding]) {
    let _ = s.write_str(
        "<table><thead><tr><th>Confidence</th><th>Artifact</th><th>Where</th><th>Evidence</th><th>Remediation</th></tr></thead><tbody>",
    );
    for f in fs {
        let evidence: String = f
            .evidence
            .iter()
            .map(|e| {
                format!(
                    "<div><code>{}</code> = {} <small>matches {} ({})</small></div>",
                    esc(&e.field),
                    esc(&e.value),
                    esc(&e.identifier),
                    e.strength
                )
            })
            .collect();
        let conf = match &f.waiver {
            Some(w) => format!(
                "<span class=\"waived\">{} — waived until {} ({})</span>",
                f.confidence,
                esc(&w.expires),
                esc(&w.reason)
            ),
            None => format!("<span class=\"{0}\">{0}</span>", f.confidence),
        };
        let version = f.artifact.version.as_deref().map(|v| format!(" {}", esc(v))).unwrap_or_default();
        let product = f.product.as_deref().map(|p| format!("<br><small>{}</small>", esc(p))).unwrap_or_default();
        let host = f.artifact.host.as_deref().map(|h| format!("{} — ", esc(h))).unwrap_or_default();
        let _ = write!(
            s,
            "<tr><td>{conf}</td><td>{} <b>{}</b>{version}{product}</td><td>{host}<code>{}</code><br><small>{}</small></td><td>{evidence}</td><td>{}</td></tr>",
            f.artifact.kind,
            esc(&f.artifact.name),
            esc(&f.artifact.path),
            esc(&f.artifact.target),
            esc(f.remediation.as_deref().unwrap_or(""))
        );
    }
    let _ = s.write_str("</tbody></table>");
}

/// The HTML report, as a string.
pub fn report(r: &Report, cx: &Context<'_>) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write(r, cx, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Forwards formatted text to an `io::Write`, keeping the first error (`fmt::Error` carries none).
struct Out<'a> {
    w: &'a mut dyn std::io::Write,
    err: Option<std::io::Error>,
}

impl fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.err.is_some() {
            return Err(fmt::Error);
        }
        self.w.write_all(s.as_bytes()).map_err(|e| {
            self.err = Some(e);
            fmt::Error
        })
    }
}

/// The HTML report, written as it is made (as one string, 400,000 findings were 890 MB).
pub fn write(r: &Report, cx: &Context<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = Out { w, err: None };
    body(r, cx, &mut out);
    out.err.map_or(Ok(()), Err)
}

fn body(r: &Report, cx: &Context<'_>, h: &mut dyn fmt::Write) {
    let s = &r.summary;
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>delist report</title><style>{STYLE}</style></head><body><h1>delist report</h1>\
<p><small>{} — catalog {} — as of {} — targets: {}</small></p>",
        esc(&format!("{} {}", r.tool.name, r.tool.version)),
        esc(&r.catalog.version),
        cx.today,
        esc(&r.targets.iter().map(|t| t.input.as_str()).collect::<Vec<_>>().join(", "))
    );
    let _ = write!(
        h,
        "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\
<div class=\"card\"><b>{}</b>findings</div><div class=\"card confirmed\"><b>{}</b>confirmed</div>\
<div class=\"card likely\"><b>{}</b>likely</div><div class=\"card possible\"><b>{}</b>possible</div>\
<div class=\"card\"><b>{}</b>waived</div><div class=\"card\"><b>{}</b>artifacts read</div><div class=\"card\"><b>{}</b>errors</div></div>",
        s.findings, s.confirmed, s.likely, s.possible, s.waived, s.artifacts, s.errors
    );
    // Findings per list, and per list per vendor.
    let mut by_list: BTreeMap<&str, BTreeMap<&str, Vec<&Finding>>> = BTreeMap::new();
    for f in &r.findings {
        for l in &f.lists {
            by_list.entry(l.id.as_str()).or_default().entry(f.vendor.as_str()).or_default().push(f);
        }
    }
    let counts: Vec<(String, usize)> =
        by_list.iter().map(|(l, vs)| (l.to_string(), vs.values().map(Vec::len).sum())).collect();
    if !counts.is_empty() {
        let _ = h.write_str("<h3>Findings per list</h3>");
        let _ = h.write_str(&chart(&counts));
    } else {
        let _ = h.write_str("<p>No covered products were found.</p>");
    }
    let _ = h.write_str("</section>");
    for (list_id, vendors) in &by_list {
        let list = cx.catalog.and_then(|c| c.list(list_id));
        let title = list.map_or_else(
            || {
                r.findings
                    .iter()
                    .flat_map(|f| &f.lists)
                    .find(|l| l.id == *list_id)
                    .map(|l| l.title.clone())
                    .unwrap_or_default()
            },
            |l| l.title.clone(),
        );
        let _ = write!(h, "<section class=\"list\" id=\"list-{0}\"><h2>{0}</h2><p>{1}</p>", esc(list_id), esc(&title));
        if let Some(l) = list {
            let _ = write!(h, "<p><small>{} — {}</small></p>", esc(&l.authority), esc(&l.instrument));
            if !l.deadlines.is_empty() {
                let _ = h.write_str("<table class=\"deadlines\"><thead><tr><th>Deadline</th><th>Action</th><th></th><th></th></tr></thead><tbody>");
                for d in &l.deadlines {
                    let date = d.date.to_string();
                    let left = days_left(cx, &date);
                    let class = if left.starts_with("passed") { " class=\"passed\"" } else { "" };
                    let _ = write!(
                        h,
                        "<tr><td>{date}</td><td>{}</td><td{class}>{left}</td><td><small>{}</small></td></tr>",
                        esc(&d.action),
                        esc(&d.note)
                    );
                }
                let _ = h.write_str("</tbody></table>");
            }
        } else if let Some(d) =
            r.findings.iter().flat_map(|f| &f.lists).find(|l| l.id == *list_id).and_then(|l| l.deadline.clone())
        {
            let _ = write!(h, "<p>Deadline {d} ({})</p>", days_left(cx, &d));
        }
        for (vendor, fs) in vendors {
            let name = fs.first().map(|f| f.vendor_name.as_str()).unwrap_or("");
            let qual = fs
                .iter()
                .flat_map(|f| &f.lists)
                .find(|l| l.id == *list_id)
                .and_then(|l| l.qualifier.clone())
                .map(|q| format!("<p><small>Covered only: {}</small></p>", esc(&q)))
                .unwrap_or_default();
            let _ = write!(h, "<h3>{} <small>({})</small> — {}</h3>{qual}", esc(name), esc(vendor), fs.len());
            finding_rows(h, fs);
        }
        let _ = h.write_str("</section>");
    }
    if !r.errors.is_empty() {
        let _ = h.write_str("<section id=\"errors\"><h2>Errors</h2><table><tbody>");
        for e in &r.errors {
            let _ = write!(h, "<tr><td><code>{}</code></td><td>{}</td></tr>", esc(&e.path), esc(&e.error));
        }
        let _ = h.write_str("</tbody></table></section>");
    }
    if !r.notices.is_empty() {
        let _ = h.write_str("<section id=\"notices\"><h2>Policy notes</h2><ul>");
        for n in &r.notices {
            let _ = write!(h, "<li>{}</li>", esc(&n.message));
        }
        let _ = h.write_str("</ul></section>");
    }
    let _ = h.write_str("</body></html>\n");
}
