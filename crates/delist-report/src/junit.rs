//! JUnit XML: one test case per finding, for CI dashboards. A finding at or above `--fail-on` is
//! a failure, a waived one is skipped (with the waiver as the reason), one below the threshold
//! passes with its evidence in `system-out`. A clean scan is one passing test case, so a
//! dashboard shows that the scan ran.

use delist_core::Confidence;
use delist_core::report::Report;
use std::fmt::Write as _;

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot carry.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn report(r: &Report, fail_on: Option<Confidence>) -> String {
    let failing = |c: Confidence| fail_on.is_some_and(|l| c >= l);
    let failures = r.findings.iter().filter(|f| f.waiver.is_none() && failing(f.confidence)).count();
    let skipped = r.findings.iter().filter(|f| f.waiver.is_some()).count();
    let tests = r.findings.len().max(1);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"delist\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
    );
    let targets: Vec<&str> = r.targets.iter().map(|t| t.input.as_str()).collect();
    let _ = writeln!(
        x,
        "  <testsuite name=\"delist scan {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        esc(&targets.join(" "))
    );
    if r.findings.is_empty() {
        let _ = writeln!(
            x,
            "    <testcase classname=\"delist\" name=\"no covered products in {} artifacts\"/>",
            r.summary.artifacts
        );
    }
    for f in &r.findings {
        let lists: Vec<&str> = f.lists.iter().map(|l| l.id.as_str()).collect();
        let name = format!("{} {} at {}", f.artifact.kind, f.artifact.name, f.artifact.path);
        let evidence: String = f
            .evidence
            .iter()
            .map(|e| format!("{}: {} = {:?} matches {}\n", e.strength, e.field, e.value, e.identifier))
            .collect();
        let _ = writeln!(
            x,
            "    <testcase classname=\"delist.{}\" name=\"{}\" file=\"{}\">",
            esc(&f.vendor),
            esc(&name),
            esc(&f.artifact.path)
        );
        let message =
            format!("{} product of {} ({}), covered by {}", f.confidence, f.vendor_name, f.vendor, lists.join(", "));
        if let Some(w) = &f.waiver {
            let _ = writeln!(x, "      <skipped message=\"waived until {}: {}\"/>", esc(&w.expires), esc(&w.reason));
        } else if failing(f.confidence) {
            let _ = writeln!(
                x,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                esc(&message),
                f.confidence,
                esc(&format!(
                    "{evidence}{}",
                    f.remediation.as_deref().map(|r| format!("remediation: {r}\n")).unwrap_or_default()
                ))
            );
        } else {
            let _ = writeln!(x, "      <system-out>{}</system-out>", esc(&format!("{message}\n{evidence}")));
        }
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(esc("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
