//! Catalog listings: `delist lists`, `delist vendors`, `delist explain`.

use crate::table::render;
use delist_core::catalog::{Catalog, List, Scope, Vendor};
use jiff::civil::Date;

fn scope_text(l: &List) -> String {
    let mut parts = Vec::new();
    for c in &l.covers {
        let what = match c.scope {
            Scope::All => "all products".to_string(),
            Scope::Products => c.products.join(", "),
            Scope::Categories => c.categories.join(", "),
            Scope::Origin => {
                let mut w = match &c.foreign_to {
                    Some(home) => format!("every vendor not from {home}"),
                    None => format!("every vendor from {}", c.countries.join(", ")),
                };
                if !c.categories.is_empty() {
                    w.push_str(&format!(", for {}", c.categories.join(", ")));
                }
                if !c.exceptions.is_empty() {
                    w.push_str(&format!(", except {}", c.exceptions.join(", ")));
                }
                w
            }
        };
        let who = if c.vendor.is_empty() { String::new() } else { format!("{}: ", c.vendor) };
        parts.push(format!("{who}{what}"));
    }
    parts.join("; ")
}

/// `binding` or `advisory`; `, opt-in` for a list not applied by default; `allow-list` for an
/// approved-vendor list.
fn force(l: &List) -> String {
    let mut f = if l.binding { "binding" } else { "advisory" }.to_string();
    if l.kind == delist_core::catalog::ListKind::Allow {
        f.push_str(", allow-list");
    } else if !l.default && l.binding {
        f.push_str(", opt-in");
    }
    f
}

pub fn lists_table(lists: &[&List]) -> String {
    let rows: Vec<Vec<String>> = lists
        .iter()
        .map(|l| {
            vec![
                l.id.clone(),
                l.authority.clone(),
                l.published.map(|d| d.to_string()).unwrap_or_default(),
                l.final_deadline().map(|d| d.date.to_string()).unwrap_or_default(),
                force(l),
                l.covers
                    .iter()
                    .map(|c| match (&c.foreign_to, c.scope) {
                        (Some(home), Scope::Origin) => format!("origin:not-{home}"),
                        (None, Scope::Origin) => format!("origin:{}", c.countries.join("+")),
                        _ => c.vendor.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            ]
        })
        .collect();
    render(&["ID", "AUTHORITY", "PUBLISHED", "DEADLINE", "FORCE", "VENDORS"], &rows)
}

/// One list in full, with days left to each deadline counted from `today`.
pub fn list_detail(l: &List, today: Date) -> String {
    let mut out = format!("{}\n  {}\n\n", l.id, l.title);
    let mut kv = |k: &str, v: String| {
        if !v.is_empty() {
            out.push_str(&format!("  {k:<13}{v}\n"));
        }
    };
    kv("authority", l.authority.clone());
    kv("instrument", l.instrument.clone());
    kv("jurisdiction", l.jurisdiction.clone());
    kv("binding", if l.binding { "yes".into() } else { "no (advisory)".into() });
    kv(
        "kind",
        if l.kind == delist_core::catalog::ListKind::Allow {
            "approved vendors (allow-list)".into()
        } else {
            "ban".into()
        },
    );
    kv(
        "default",
        if l.default && l.kind != delist_core::catalog::ListKind::Allow {
            "applied when no list is chosen".into()
        } else {
            "applied only when chosen (--lists, policy lists or allow_lists)".into()
        },
    );
    kv("status", serde_json::to_value(l.status).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default());
    kv("published", l.published.map(|d| d.to_string()).unwrap_or_default());
    kv("effective", l.effective.map(|d| d.to_string()).unwrap_or_default());
    kv("applies to", l.applies_to.clone());
    kv("summary", l.summary.clone());
    kv("scope", scope_text(l));
    kv("notes", l.notes.clone());
    if !l.deadlines.is_empty() {
        out.push_str("\n  deadlines\n");
        for d in &l.deadlines {
            let days = today.until(d.date).map(|s| s.get_days()).unwrap_or(0);
            let when = if days >= 0 { format!("{days} days left") } else { format!("passed {} days ago", -days) };
            out.push_str(&format!("    {}  {:<14} {}  ({when})\n", d.date, d.action, d.note));
        }
    }
    out.push_str("\n  covers\n");
    for c in &l.covers {
        let since = c.since.map(|d| format!(" since {d}")).unwrap_or_default();
        let until = c.until.map(|d| format!(" until {d}")).unwrap_or_default();
        let what = match c.scope {
            Scope::All => "all products".to_string(),
            Scope::Products => format!("products: {}", c.products.join(", ")),
            Scope::Categories => format!("categories: {}", c.categories.join(", ")),
            Scope::Origin => {
                let mut w = match &c.foreign_to {
                    Some(home) => format!("origin: every vendor not from {home}"),
                    None => format!("origin: every vendor from {}", c.countries.join(", ")),
                };
                if !c.categories.is_empty() {
                    w.push_str(&format!("; categories: {}", c.categories.join(", ")));
                }
                if !c.exceptions.is_empty() {
                    w.push_str(&format!("; except {}", c.exceptions.join(", ")));
                }
                w
            }
        };
        let who = if c.vendor.is_empty() { "(any vendor)" } else { c.vendor.as_str() };
        out.push_str(&format!("    {who:<30} {what}{since}{until}\n"));
        if !c.qualifier.is_empty() {
            out.push_str(&format!("    {:<30} qualifier: {}\n", "", c.qualifier));
        }
    }
    out.push_str("\n  sources\n");
    for s in &l.sources {
        out.push_str(&format!("    {s}\n"));
    }
    out
}

pub fn vendors_table(vendors: &[&Vendor], catalog: &Catalog) -> String {
    let rows: Vec<Vec<String>> = vendors
        .iter()
        .map(|v| {
            let lists: Vec<&str> = catalog
                .lists
                .iter()
                .filter(|l| l.covers.iter().any(|c| catalog.lineage(&v.id).iter().any(|x| x.id == c.vendor)))
                .map(|l| l.id.as_str())
                .collect();
            vec![v.id.clone(), v.name.clone(), v.country.clone(), v.identifiers.len().to_string(), lists.join(",")]
        })
        .collect();
    render(&["ID", "NAME", "COUNTRY", "IDENTIFIERS", "LISTS"], &rows)
}

pub fn vendor_detail(v: &Vendor, catalog: &Catalog) -> String {
    let mut out = format!("{}\n  {}\n\n", v.id, v.name);
    if !v.aliases.is_empty() {
        out.push_str(&format!("  {:<13}{}\n", "aliases", v.aliases.join("; ")));
    }
    if !v.parent.is_empty() {
        out.push_str(&format!("  {:<13}{}\n", "owned by", v.parent));
    }
    out.push_str(&format!("  {:<13}{}\n", "country", v.country));
    out.push_str(&format!("  {:<13}{}\n", "makes", v.makes.join(", ")));
    let oui = catalog.oui.assignments.iter().filter(|a| a.vendor == v.id).count();
    if oui > 0 {
        out.push_str(&format!(
            "  {:<13}{oui} IEEE assignments (delist vendors {} -o json lists them)\n",
            "MAC OUIs", v.id
        ));
    }
    out.push_str("\n  identifiers\n");
    let rows: Vec<Vec<String>> = v
        .identifiers
        .iter()
        .map(|i| {
            vec![
                match &i.ecosystem {
                    Some(e) => format!("{}.{e}", i.kind.as_str()),
                    None => i.kind.as_str().to_string(),
                },
                i.value.clone(),
                i.product.clone().unwrap_or_default(),
                i.sources.first().cloned().unwrap_or_default(),
            ]
        })
        .collect();
    for line in render(&["KIND", "VALUE", "PRODUCT", "SOURCE"], &rows).lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("\n  sources\n");
    for s in &v.sources {
        out.push_str(&format!("    {s}\n"));
    }
    out
}
