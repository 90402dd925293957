//! One function per command; each returns the exit code or an error (exit 2).

use crate::args::{
    AgentArgs, CatalogCommand, Cli, Command, Common, DiffArgs, ExplainArgs, ExportArgs, Judge, LookupArgs, ScanArgs,
    ServeArgs, ServeCommand, TokenCommand,
};
use crate::output::{emit, emit_with, sinks};
use anyhow::{Context, Result, anyhow, bail};
use delist_collect::target::Target;
use delist_core::catalog::{self, Catalog, SourceFile, oui::OuiTable};
use delist_core::policy::{Policy, parse_fail_on};
use delist_core::report::{CatalogRef, Diff, INVENTORY_SCHEMA, Inventory, Report, Tool};
use delist_core::{Confidence, Matcher, Selection};
use delist_report::Format;
use jiff::civil::Date;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(a) => scan(&a, false),
        Command::Inventory(a) => scan(&a, true),
        Command::Lists(a) => lists(&a),
        Command::Vendors(a) => vendors(&a),
        Command::Screen(a) => crate::screen::screen(&a),
        Command::Explain(a) => explain(&a),
        Command::Diff(a) => diff(&a),
        Command::Export(a) => export(&a),
        Command::Serve(a) => serve(&a),
        Command::Agent(a) => agent(&a),
        Command::Catalog(CatalogCommand::Check { dir, common }) => catalog_check(&dir, &common),
        Command::Catalog(CatalogCommand::ImportOui { files, out, registry_date, registry_source, common }) => {
            import_oui(&files, &out, registry_date.as_deref(), registry_source.as_deref(), &common)
        }
    }
}

/// Today's date, for deadlines and waiver expiry. `DELIST_TODAY` pins it (tests, reproducible
/// reports of a past day).
pub(crate) fn today() -> Result<Date> {
    match std::env::var("DELIST_TODAY") {
        Ok(s) => s.parse().with_context(|| format!("DELIST_TODAY={s:?} is not a date such as 2026-11-28")),
        Err(_) => Ok(jiff::Zoned::now().date()),
    }
}

/// Every .toml and .csv under a directory, as catalog source files relative to it.
fn read_catalog_dir(dir: &Path) -> Result<Vec<SourceFile>> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<SourceFile>, depth: usize) -> Result<()> {
        if depth > 8 {
            bail!("{}: catalog directories nest at most 8 deep", dir.display());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read catalog directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, base, out, depth + 1)?;
            } else if matches!(p.extension().and_then(|e| e.to_str()), Some("toml" | "csv")) {
                let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
                let rel = p.strip_prefix(base).unwrap_or(&p).to_string_lossy().replace('\\', "/");
                out.push(SourceFile { name: p.display().to_string(), rel, text });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out, 0)?;
    Ok(out)
}

fn diagnostics_error(diags: &[catalog::Diagnostic]) -> anyhow::Error {
    for d in diags {
        eprintln!("{d}");
    }
    anyhow!("{} problem(s) in catalog or policy files (listed above)", diags.len())
}

/// The built-in catalog with the user's directories layered over it.
fn load_catalog(extra: &[PathBuf]) -> Result<Catalog> {
    let mut files = catalog::builtin_files();
    for dir in extra {
        files.extend(read_catalog_dir(dir)?);
    }
    catalog::load(&files).map_err(|d| diagnostics_error(&d))
}

pub(crate) fn format_of(common: &Common) -> Result<Vec<crate::output::Sink>> {
    sinks(&common.output)
}

/// What `scan` and `screen` share: the catalog, date, policy, `--fail-on` and lists.
pub(crate) struct Setup {
    pub(crate) catalog: Catalog,
    pub(crate) today: Date,
    pub(crate) policy: Option<Policy>,
    pub(crate) fail_on: Option<Confidence>,
    pub(crate) selection: Selection,
}

pub(crate) fn setup(common: &Common, judge: &Judge) -> Result<Setup> {
    let (policy, fail_on, lists) = (judge.policy.as_deref(), judge.fail_on.as_deref(), &judge.lists[..]);
    let catalog = load_catalog(&common.catalog)?;
    let today = today()?;
    let policy = match policy {
        Some(p) => Some(read_policy(p, &catalog)?),
        None if Path::new("delist.toml").is_file() => Some(read_policy(Path::new("delist.toml"), &catalog)?),
        None => None,
    };
    let fail_on = match (fail_on, policy.as_ref().and_then(|p| p.fail_on)) {
        (Some(s), _) => parse_fail_on(s).map_err(|e| anyhow!("--fail-on: {e}"))?,
        (None, Some(level)) => level,
        (None, None) => Some(Confidence::Likely),
    };
    // An approved-vendor list bans nothing: named as a ban list it would pass everything silently.
    for id in lists.iter().chain(policy.as_ref().and_then(|p| p.lists.as_ref()).into_iter().flatten()) {
        if catalog.list(id).is_some_and(|l| l.kind == catalog::ListKind::Allow) {
            bail!(
                "{id} is an approved-vendor list (kind = \"allow\"): apply it with `allow_lists = [\"{id}\"]` in \
                 delist.toml, not as a ban list"
            );
        }
    }
    let selection = if !lists.is_empty() {
        Selection::of_ids(&catalog, lists).map_err(|u| anyhow!("--lists: unknown list(s): {}", u.join(", ")))?
    } else if let Some(ids) = policy.as_ref().and_then(|p| p.lists.clone()) {
        Selection::of_ids(&catalog, &ids).map_err(|u| anyhow!("policy lists: unknown list(s): {}", u.join(", ")))?
    } else {
        Selection::default_for(&catalog)
    };
    Ok(Setup { catalog, today, policy, fail_on, selection })
}

/// `--map COLUMN=FIELD` arguments as a mapping (fields are checked by whoever reads it).
pub(crate) fn mapping(args: &[String]) -> Result<delist_collect::inventory::Mapping> {
    let mut mapping = delist_collect::inventory::Mapping::default();
    for m in args {
        let (col, field) = m
            .split_once('=')
            .ok_or_else(|| anyhow!("--map {m}: expected COLUMN=FIELD, e.g. --map 'Device Name=device'"))?;
        mapping.columns.push((col.to_string(), field.to_string()));
    }
    Ok(mapping)
}

fn scan(a: &ScanArgs, inventory_only: bool) -> Result<ExitCode> {
    let outputs = format_of(&a.common)?;
    let Setup { catalog, today, policy, fail_on, selection } = setup(&a.common, &a.judge)?;
    let matcher = Matcher::new(&catalog);
    let allow: &[delist_core::policy::AllowRule] = policy.as_ref().map_or(&[], |p| &p.allow);
    let keep = inventory_only || a.upload.is_some();
    let mut sink = if keep {
        ScanSink::Keep(delist_collect::Output::default())
    } else {
        ScanSink::Evaluate {
            matcher: &matcher,
            selection: &selection,
            allow,
            today,
            findings: Vec::new(),
            artifacts: 0,
            errors: Vec::new(),
            unattributed: Vec::new(),
        }
    };
    let report_targets = collect(a, &catalog, &mut sink)?;
    let tool = Tool::this(VERSION);
    let mut unattributed: Vec<delist_core::report::Unattributed> = Vec::new();
    let (artifacts, mut findings, errors) = match sink {
        ScanSink::Keep(out) => {
            let inv = Inventory {
                schema: INVENTORY_SCHEMA.into(),
                tool: tool.clone(),
                targets: report_targets.clone(),
                artifacts: out.artifacts,
                errors: out.errors,
            };
            // `--upload`: the server gets the whole inventory; this run reports as usual.
            if let Some(server) = &a.upload {
                let token = read_token(a.token_file.as_deref())?;
                let done = upload(server, &token, &inv, a.common.quiet)?;
                if !a.common.quiet {
                    eprintln!("delist: uploaded to {server} as {} ({})", done.host, done.upload_id);
                }
            }
            if inventory_only {
                emit_with(&outputs, |f, w| delist_report::write_inventory(&inv, f, w))?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut findings = Vec::new();
            for x in &inv.artifacts {
                let e = matcher.evaluate_with(x, &selection, allow, today);
                findings.extend(e.findings);
                if !allow.is_empty() && !e.attributed {
                    unattributed.push(x.into());
                }
            }
            (inv.artifacts.len(), findings, inv.errors)
        }
        ScanSink::Evaluate { findings, artifacts, errors, unattributed: u, .. } => {
            unattributed = u;
            (artifacts, findings, errors)
        }
    };
    let notices = policy.as_ref().map(|p| p.apply(&mut findings, today)).unwrap_or_default();
    let mut report = Report::new(
        tool,
        CatalogRef {
            version: catalog.version.clone(),
            lists: selection.ids(&catalog).into_iter().map(String::from).collect(),
        },
        report_targets,
        artifacts,
        findings,
        errors,
    );
    report.notices = notices;
    report.summary.unattributed = unattributed.len();
    report.unattributed = unattributed;
    report.recount();
    if !a.common.quiet {
        for n in &report.notices {
            eprintln!("delist: {}", n.message);
        }
    }
    let cx = delist_report::Context { today, fail_on, catalog: Some(&catalog) };
    emit_with(&outputs, |f, w| delist_report::write_report(&report, f, &cx, w))?;
    Ok(if report.fails(fail_on) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Runs the collectors of every target of `a` into `sink`, with the progress bar and notes on
/// stderr. Returns the targets as reports name them.
fn collect(a: &ScanArgs, catalog: &Catalog, sink: &mut ScanSink<'_>) -> Result<Vec<delist_core::report::Target>> {
    let targets: Vec<Target> = if a.targets.is_empty() {
        vec![Target::live()]
    } else {
        a.targets.iter().map(|t| Target::parse(t).map_err(|e| anyhow!("{e}"))).collect::<Result<_>>()?
    };
    let mut targets = targets;
    let walk = delist_collect::walk::WalkOptions {
        exclude: a.exclude.clone(),
        one_file_system: a.one_file_system,
        max_file_size: a.max_file_size.unwrap_or(delist_collect::walk::DEFAULT_MAX_FILE_SIZE),
        threads: a.threads.unwrap_or(0),
        enabled: !a.no_walk,
    };
    walk.check().map_err(|e| anyhow!("{e}"))?;
    for t in &mut targets {
        t.walk = walk.clone();
        if let Some(p) = &a.proc_root {
            t.live.proc = p.clone();
        }
        if let Some(s) = &a.sys_root {
            t.live.sys = s.clone();
        }
    }
    if targets.iter().any(|t| t.kind == delist_collect::target::TargetKind::Net) {
        let probe = delist_collect::network::probe::ProbeOptions {
            rate: a.rate,
            concurrency: a.concurrency,
            timeout: parse_duration(&a.timeout)
                .ok_or_else(|| anyhow!("--timeout {}: expected e.g. 2s or 500ms", a.timeout))?,
            http_ports: a.ports.clone(),
            tls_ports: a.tls_ports.clone(),
            upnp: !a.no_upnp,
            paths: catalog
                .vendors
                .iter()
                .flat_map(|v| &v.identifiers)
                .filter(|i| i.kind == delist_core::IdKind::HttpPath)
                .map(|i| i.value.clone())
                .collect(),
            force: a.force,
        };
        for t in targets.iter_mut().filter(|t| t.kind == delist_collect::target::TargetKind::Net) {
            if let Some(cidr) = &t.net {
                delist_collect::network::probe::check(cidr, &probe).map_err(|e| anyhow!("{e}"))?;
            }
            t.probe = probe.clone();
        }
    }
    if !a.map.is_empty() {
        let mapping = mapping(&a.map)?;
        mapping.validate().map_err(|e| anyhow!("{e}"))?;
        for t in &mut targets {
            t.mapping = mapping.clone();
        }
    }

    let bar = (!a.common.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("static template"));
        b.enable_steady_tick(std::time::Duration::from_millis(120));
        b
    });
    let verbose = a.common.verbose;
    let mut walk_notes = Vec::new();
    // Network devices are held to the end of the scan so that what several inputs say about
    // one device becomes one artifact (one finding).
    let mut merged = delist_collect::network::device::MergeDevices::new(sink);
    for t in &targets {
        // The walk reports its file count a few times a second: the bar shows each, -v one
        // every few seconds.
        let last_count = std::cell::Cell::new(None::<std::time::Instant>);
        let progress = |step: &str| {
            if let Some(b) = &bar {
                b.set_message(format!("{}: {step}", t.input));
            } else if verbose {
                if step.starts_with("files: ") {
                    if last_count.get().is_some_and(|l| l.elapsed() < std::time::Duration::from_secs(5)) {
                        return;
                    }
                    last_count.set(Some(std::time::Instant::now()));
                }
                eprintln!("delist: {}: {step}", t.input);
            }
        };
        let stats = t.collect(&mut merged, &progress);
        if stats.too_large > 0 {
            walk_notes.push(format!(
                "delist: {}: {} file(s) of a format delist reads over --max-file-size ({} bytes) not read (listed under errors)",
                t.input, stats.too_large, walk.max_file_size
            ));
        }
    }
    merged.finish();
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if !a.common.quiet {
        for n in &walk_notes {
            eprintln!("{n}");
        }
    }
    let report_targets: Vec<delist_core::report::Target> = targets
        .iter()
        .map(|t| delist_core::report::Target { input: t.input.clone(), kind: t.kind.as_str().into() })
        .collect();
    Ok(report_targets)
}

/// `2s`, `500ms`, `1.5s` or bare seconds.
fn parse_duration(s: &str) -> Option<std::time::Duration> {
    let s = s.trim();
    let (num, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1.0)
    } else {
        (s, 1.0)
    };
    let secs = num.trim().parse::<f64>().ok()? * scale;
    (secs.is_finite() && secs > 0.0 && secs <= 3600.0).then(|| std::time::Duration::from_secs_f64(secs))
}

/// Where a scan's artifacts go: evaluated as they arrive (only findings are kept), or kept
/// whole for `delist inventory`.
enum ScanSink<'m> {
    Keep(delist_collect::Output),
    Evaluate {
        matcher: &'m Matcher<'m>,
        selection: &'m Selection,
        /// The policy's approved-vendor rules (empty: none).
        allow: &'m [delist_core::policy::AllowRule],
        today: Date,
        findings: Vec<delist_core::Finding>,
        artifacts: usize,
        errors: Vec<delist_core::ScanError>,
        /// Under approved-vendor rules: artifacts no catalog vendor was named the maker of.
        unattributed: Vec<delist_core::report::Unattributed>,
    },
}

impl delist_collect::Sink for ScanSink<'_> {
    fn push(&mut self, artifact: delist_core::Artifact) {
        match self {
            Self::Keep(out) => out.artifacts.push(artifact),
            Self::Evaluate { matcher, selection, allow, today, findings, artifacts, unattributed, .. } => {
                *artifacts += 1;
                let e = matcher.evaluate_with(&artifact, selection, allow, *today);
                findings.extend(e.findings);
                if !allow.is_empty() && !e.attributed {
                    unattributed.push((&artifact).into());
                }
            }
        }
    }

    fn push_error(&mut self, error: delist_core::ScanError) {
        match self {
            Self::Keep(out) => out.errors.push(error),
            Self::Evaluate { errors, .. } => errors.push(error),
        }
    }
}

fn read_report(path: &Path) -> Result<Report> {
    // A report of a large estate is big but not unbounded: refuse anything over 1 GiB.
    let md = std::fs::metadata(path).with_context(|| format!("cannot read report {}", path.display()))?;
    if md.len() > 1 << 30 {
        bail!("{}: {} bytes is too large for a report", path.display(), md.len());
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read report {}", path.display()))?;
    let report: Report =
        serde_json::from_str(&text).with_context(|| format!("{} is not a delist.report/1 document", path.display()))?;
    if report.schema != delist_core::report::REPORT_SCHEMA {
        bail!("{}: schema {:?} is not delist.report/1", path.display(), report.schema);
    }
    Ok(report)
}

fn diff(a: &DiffArgs) -> Result<ExitCode> {
    let outputs = format_of(&a.common)?;
    let fail_on = match &a.fail_on {
        Some(s) => parse_fail_on(s).map_err(|e| anyhow!("--fail-on: {e}"))?,
        None => Some(Confidence::Likely),
    };
    let d = Diff::between(&read_report(&a.old)?, &read_report(&a.new)?);
    emit(&outputs, |f| delist_report::diff(&d, f))?;
    Ok(if d.fails(fail_on) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn export(a: &ExportArgs) -> Result<ExitCode> {
    use delist_report::export::{Engine, Input, render};
    let engine = Engine::parse(&a.format).map_err(|e| anyhow!("--format: {e}"))?;
    let catalog = load_catalog(&a.catalog)?;
    let selection = if a.lists.is_empty() {
        Selection::default_for(&catalog)
    } else {
        Selection::of_ids(&catalog, &a.lists).map_err(|u| anyhow!("--lists: unknown list(s): {}", u.join(", ")))?
    };
    let from = a.from.as_deref().map(read_report).transpose()?;
    let matcher = Matcher::new(&catalog);
    let identifiers = matcher.identifiers_in_force(&selection, today()?);
    let lists: Vec<String> = selection.ids(&catalog).into_iter().map(String::from).collect();
    let out = render(
        engine,
        &Input { identifiers: &identifiers, from: from.as_ref(), catalog_version: &catalog.version, lists: &lists },
    );
    match &a.out {
        Some(p) => std::fs::write(p, &out.text).with_context(|| format!("writing {}", p.display()))?,
        None => emit(&[crate::output::Sink { format: Format::Table, file: None }], |_| out.text.clone())?,
    }
    if !a.quiet {
        eprintln!(
            "delist: {} rules from {} identifiers in force; {} not expressible in {} (listed in the output)",
            a.format,
            identifiers.len() - out.unexpressed.len(),
            out.unexpressed.len(),
            a.format
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn read_policy(path: &Path, catalog: &Catalog) -> Result<Policy> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read policy {}", path.display()))?;
    Policy::parse(&path.display().to_string(), &text, catalog).map_err(|d| diagnostics_error(&d))
}

fn lists(a: &LookupArgs) -> Result<ExitCode> {
    let outputs = format_of(&a.common)?;
    let catalog = load_catalog(&a.common.catalog)?;
    let today = today()?;
    let chosen: Vec<_> = match &a.id {
        Some(id) => vec![catalog.list(id).ok_or_else(|| anyhow!("no list {id:?}; `delist lists` shows them all"))?],
        None => catalog.lists.iter().collect(),
    };
    emit(&outputs, |f| match (f, &a.id) {
        (Format::Table, Some(_)) => delist_report::catalog::list_detail(chosen[0], today),
        (Format::Table, None) => delist_report::catalog::lists_table(&chosen),
        (_, Some(_)) => delist_report::json(chosen[0]),
        (_, None) => delist_report::json(&chosen),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// A vendor as `delist vendors -o json` shows it: the catalog entry plus its MAC assignments.
#[derive(serde::Serialize)]
struct VendorView<'a> {
    #[serde(flatten)]
    vendor: &'a catalog::Vendor,
    /// The owner's country, for a subsidiary (origin rules count the owner's too).
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_country: Option<&'a str>,
    oui: Vec<&'a catalog::oui::Assignment>,
}

fn vendors(a: &LookupArgs) -> Result<ExitCode> {
    let outputs = format_of(&a.common)?;
    let catalog = load_catalog(&a.common.catalog)?;
    let chosen: Vec<_> = match &a.id {
        Some(id) => {
            vec![catalog.vendor(id).ok_or_else(|| anyhow!("no vendor {id:?}; `delist vendors` shows them all"))?]
        }
        None => catalog.vendors.iter().collect(),
    };
    let views: Vec<VendorView> = chosen
        .iter()
        .map(|v| VendorView {
            vendor: v,
            parent_country: catalog.vendor(&v.parent).map(|p| p.country.as_str()).filter(|c| !c.is_empty()),
            oui: catalog.oui.assignments.iter().filter(|o| o.vendor == v.id).collect(),
        })
        .collect();
    emit(&outputs, |f| match (f, &a.id) {
        (Format::Table, Some(_)) => delist_report::catalog::vendor_detail(chosen[0], &catalog),
        (Format::Table, None) => delist_report::catalog::vendors_table(&chosen, &catalog),
        (_, Some(_)) => delist_report::json(&views[0]),
        (_, None) => delist_report::json(&views),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn explain(a: &ExplainArgs) -> Result<ExitCode> {
    let outputs = format_of(&a.common)?;
    let catalog = load_catalog(&a.common.catalog)?;
    let today = today()?;
    let id = a.id.trim();
    if let Some(l) = catalog.list(id) {
        emit(&outputs, |f| match f {
            Format::Table => delist_report::catalog::list_detail(l, today),
            _ => delist_report::json(l),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(v) = catalog.vendor(id) {
        emit(&outputs, |f| match f {
            Format::Table => delist_report::catalog::vendor_detail(v, &catalog),
            _ => delist_report::json(v),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &a.report {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read report {}", path.display()))?;
        let report: Report = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a delist.report/1 document", path.display()))?;
        if let Some(finding) = report.findings.iter().find(|f| f.id == id) {
            emit(&outputs, |f| match f {
                Format::Table => explain_finding(finding),
                _ => delist_report::json(finding),
            })?;
            return Ok(ExitCode::SUCCESS);
        }
    }
    // An identifier value: which vendor it belongs to and why.
    let hits: Vec<(&catalog::Vendor, &catalog::Identifier)> = catalog
        .vendors
        .iter()
        .flat_map(|v| v.identifiers.iter().map(move |i| (v, i)))
        .filter(|(_, i)| i.value.eq_ignore_ascii_case(id))
        .collect();
    let matcher = Matcher::new(&catalog);
    let named = matcher.vendors_named(id);
    if hits.is_empty() && named.is_empty() {
        let hint = if a.report.is_none() && id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            " (for a finding id, pass the report it comes from with --report REPORT.json)"
        } else {
            ""
        };
        bail!("{id:?} is no list, vendor, identifier, name or finding delist knows{hint}");
    }
    emit(&outputs, |f| match f {
        Format::Table => {
            let mut s = String::new();
            for (v, i) in &hits {
                s.push_str(&format!("{} is a {} identifier of {} ({})\n", i.value, i.label(), v.id, v.name));
                if let Some(p) = &i.product {
                    s.push_str(&format!("  product: {p}\n"));
                }
                if !i.note.is_empty() {
                    s.push_str(&format!("  note: {}\n", i.note));
                }
                for src in &i.sources {
                    s.push_str(&format!("  source: {src}\n"));
                }
            }
            for v in &named {
                s.push_str(&format!(
                    "{id:?} names {} ({}): in a vendor, maintainer or publisher field it is `likely` evidence\n",
                    v.id, v.name
                ));
            }
            s
        }
        _ => delist_report::json(&serde_json::json!({
            "identifiers": hits.iter().map(|(v, i)| serde_json::json!({"vendor": v.id, "identifier": i})).collect::<Vec<_>>(),
            "names": named.iter().map(|v| &v.id).collect::<Vec<_>>(),
        })),
    })?;
    Ok(ExitCode::SUCCESS)
}

fn explain_finding(f: &delist_core::Finding) -> String {
    let mut s = format!(
        "finding {}: {} {} is {} a product of {} ({})\n",
        f.id, f.artifact.kind, f.artifact.name, f.confidence, f.vendor, f.vendor_name
    );
    s.push_str(&format!("  at {} in {}\n\n  evidence\n", f.artifact.path, f.artifact.target));
    for e in &f.evidence {
        s.push_str(&format!("    {:<10} {} = {:?} matches {}\n", e.strength, e.field, e.value, e.identifier));
    }
    s.push_str("\n  covered by\n");
    for l in &f.lists {
        s.push_str(&format!("    {}  {}", l.id, l.title));
        if let Some(d) = &l.deadline {
            s.push_str(&format!(" (deadline {d})"));
        }
        s.push('\n');
        if let Some(q) = &l.qualifier {
            s.push_str(&format!("      qualifier: {q}\n"));
        }
    }
    if let Some(r) = &f.remediation {
        s.push_str(&format!("\n  remove with: {r}\n"));
    }
    s
}

fn catalog_check(dir: &Path, common: &Common) -> Result<ExitCode> {
    let outputs = format_of(common)?;
    let own = read_catalog_dir(dir)?;
    if own.is_empty() {
        bail!("{}: no catalog files (*.toml under lists/ and vendors/)", dir.display());
    }
    // A complete catalog (ours) stands alone; a user's additions are checked over the built-in
    // one, since they may extend its vendors.
    let standalone = own.iter().any(|f| f.rel == "catalog.toml");
    let files: Vec<SourceFile> =
        if standalone { own } else { catalog::builtin_files().into_iter().chain(own).collect() };
    match catalog::load(&files) {
        Ok(c) => {
            let idents: usize = c.vendors.iter().map(|v| v.identifiers.len()).sum();
            emit(&outputs, |f| match f {
                Format::Table => format!(
                    "{}: ok: {} lists, {} vendors, {} identifiers, {} MAC assignments\n",
                    dir.display(),
                    c.lists.len(),
                    c.vendors.len(),
                    idents,
                    c.oui.assignments.len()
                ),
                _ => delist_report::json(&serde_json::json!({
                    "ok": true, "lists": c.lists.len(), "vendors": c.vendors.len(),
                    "identifiers": idents, "oui": c.oui.assignments.len(), "problems": [],
                })),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Err(diags) => {
            emit(&outputs, |f| match f {
                Format::Table => diags.iter().map(|d| format!("{d}\n")).collect(),
                _ => delist_report::json(&serde_json::json!({
                    "ok": false,
                    "problems": diags.iter().map(|d| serde_json::json!({
                        "file": d.file, "line": d.line, "column": d.column, "message": d.message,
                    })).collect::<Vec<_>>(),
                })),
            })?;
            eprintln!("delist: error: {} problem(s) in {}", diags.len(), dir.display());
            Ok(ExitCode::from(2))
        }
    }
}

fn import_oui(
    files: &[PathBuf],
    out: &Path,
    registry_date: Option<&str>,
    registry_source: Option<&str>,
    common: &Common,
) -> Result<ExitCode> {
    let catalog = load_catalog(&common.catalog)?;
    let mut inputs = Vec::new();
    let mut newest: Option<std::time::SystemTime> = None;
    for f in files {
        // The registry files are a few MB each; 64 MiB is far above any real one.
        let md = std::fs::metadata(f).with_context(|| format!("cannot read {}", f.display()))?;
        if md.len() > 64 << 20 {
            bail!("{}: {} bytes is not an IEEE registry file", f.display(), md.len());
        }
        newest = newest.max(md.modified().ok());
        let text = std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        inputs.push((f.display().to_string(), text));
    }
    let date = match registry_date {
        Some(d) => d.parse::<Date>().with_context(|| format!("--registry-date {d:?} is not a date"))?.to_string(),
        None => newest
            .and_then(|t| jiff::Timestamp::try_from(t).ok())
            .map(|t| format!("{} (file modification date)", t.to_zoned(jiff::tz::TimeZone::UTC).date()))
            .unwrap_or_else(|| "unknown".into()),
    };
    let (mut table, counts) = OuiTable::import(&inputs, &catalog.vendors).map_err(|e| anyhow!(e))?;
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned()))
        .collect();
    table.provenance = vec![
        "Generated by `delist catalog import-oui`; do not edit by hand.".into(),
        format!("source: IEEE Registration Authority registry files {}", names.join(", ")),
        format!("registry-from: {}", registry_source.unwrap_or("unspecified")),
        format!("registry-date: {date}"),
        "selection: assignments whose organisation equals a vendor's `oui-org` identifier (trimmed, byte for byte)"
            .into(),
    ];
    if !common.quiet {
        for (org, n) in &counts {
            eprintln!("{n:>6}  {org}");
        }
        eprintln!("{:>6}  assignments in all", table.assignments.len());
    }
    let csv = table.to_csv();
    if out == Path::new("-") {
        print!("{csv}");
    } else {
        std::fs::write(out, csv).with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The enrolment token: `--token-file`, else `DELIST_TOKEN`.
fn read_token(file: Option<&Path>) -> Result<String> {
    let token = match file {
        Some(f) => std::fs::read_to_string(f).with_context(|| format!("cannot read token file {}", f.display()))?,
        None => std::env::var("DELIST_TOKEN")
            .map_err(|_| anyhow!("an enrolment token is needed: --token-file FILE or DELIST_TOKEN"))?,
    };
    let token = token.trim().to_string();
    if token.is_empty() || token.len() > 256 || token.contains(char::is_whitespace) {
        bail!("the enrolment token is empty or malformed");
    }
    Ok(token)
}

/// When this scan ran: now, or noon of `DELIST_TODAY` when it pins the date.
fn scanned_at() -> Result<String> {
    Ok(match std::env::var("DELIST_TODAY") {
        Ok(_) => format!("{}T12:00:00Z", today()?),
        Err(_) => jiff::Timestamp::now().to_string(),
    })
}

fn upload(server: &str, token: &str, inv: &Inventory, quiet: bool) -> Result<delist_server::agent::Uploaded> {
    let id = delist_server::agent::new_upload_id();
    let note = |m: &str| {
        if !quiet {
            eprintln!("delist: {m}");
        }
    };
    delist_server::agent::upload(server, token, inv, &id, &scanned_at()?, &Default::default(), &note)
        .map_err(|e| anyhow!("upload failed: {e}"))
}

fn agent(a: &AgentArgs) -> Result<ExitCode> {
    let token = read_token(a.scan.token_file.as_deref())?;
    delist_server::agent::reports_url(&a.server).map_err(|e| anyhow!(e))?;
    loop {
        let catalog = load_catalog(&a.scan.common.catalog)?;
        let mut sink = ScanSink::Keep(delist_collect::Output::default());
        let targets = collect(&a.scan, &catalog, &mut sink)?;
        let ScanSink::Keep(out) = sink else { unreachable!("a Keep sink stays one") };
        let inv = Inventory {
            schema: INVENTORY_SCHEMA.into(),
            tool: Tool::this(VERSION),
            targets,
            artifacts: out.artifacts,
            errors: out.errors,
        };
        match upload(&a.server, &token, &inv, a.scan.common.quiet) {
            Ok(u) => {
                if !a.scan.common.quiet {
                    eprintln!(
                        "delist: uploaded {} artifacts as {} (upload {}): {} finding(s), {} waived",
                        inv.artifacts.len(),
                        u.host,
                        u.upload_id,
                        u.findings,
                        u.waived
                    );
                }
            }
            Err(e) if a.once => return Err(e),
            // A long-running agent keeps going: the next round retries with a fresh scan.
            Err(e) => eprintln!("delist: {e:#}"),
        }
        if a.once {
            return Ok(ExitCode::SUCCESS);
        }
        std::thread::sleep(std::time::Duration::from_secs(a.interval.max(60)));
    }
}

fn serve(a: &ServeArgs) -> Result<ExitCode> {
    match &a.command {
        Some(ServeCommand::Token(TokenCommand::Create { host, database })) => {
            let t = delist_server::enrol::create(database, host)?;
            eprintln!("delist: token {} for host {} (shown once; give it to the agent as --token-file)", t.id, t.host);
            println!("{}", t.token);
            return Ok(ExitCode::SUCCESS);
        }
        Some(ServeCommand::Token(TokenCommand::Revoke { id, database })) => {
            let n = delist_server::enrol::revoke(database, id)?;
            if n == 0 {
                bail!("no live token with id or host {id:?}");
            }
            eprintln!("delist: revoked {n} token(s)");
            return Ok(ExitCode::SUCCESS);
        }
        Some(ServeCommand::Token(TokenCommand::List { database })) => {
            for t in delist_server::enrol::list(database)? {
                println!(
                    "{}  {:<30}  created {}  {}",
                    t.id,
                    t.host,
                    t.created_at,
                    t.revoked_at.map(|r| format!("revoked {r}")).unwrap_or_default()
                );
            }
            return Ok(ExitCode::SUCCESS);
        }
        None => {}
    }
    let admin = match &a.admin_token_file {
        Some(f) => std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
        None => std::env::var("DELIST_ADMIN_TOKEN").map_err(|_| {
            anyhow!("the dashboard and API need an admin secret: --admin-token-file FILE or DELIST_ADMIN_TOKEN")
        })?,
    };
    let admin = admin.trim().to_string();
    if admin.len() < 16 {
        bail!("the admin secret must be at least 16 characters");
    }
    let database = delist_server::db::DatabaseUrl::parse(&a.database).map_err(|e| anyhow!("--database {e}"))?;
    let (dirs, policy) = (a.catalog.clone(), a.policy.clone());
    // Read again on every reload, so a new ban in a catalog file reaches every host.
    let sources: delist_server::server::SourceLoader = std::sync::Arc::new(move || {
        let mut catalog = catalog::builtin_files();
        for d in &dirs {
            catalog.extend(read_catalog_dir(d).map_err(|e| format!("{e:#}"))?);
        }
        let policy = match &policy {
            Some(p) => Some((
                p.display().to_string(),
                std::fs::read_to_string(p).map_err(|e| format!("cannot read policy {}: {e}", p.display()))?,
            )),
            None => None,
        };
        Ok(delist_server::engine::Sources { catalog, policy })
    });
    let today = match std::env::var("DELIST_TODAY") {
        Ok(_) => Some(today()?),
        Err(_) => None,
    };
    let read = |p: &std::path::Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(delist_server::tls::TlsPem { cert_chain: read(c)?, key: read(k)? }),
        _ => None,
    };
    delist_server::serve(delist_server::Config {
        listen: a.listen.clone(),
        database,
        admin_secret: admin,
        sources,
        clock: delist_server::time::Clock { today },
        max_body_bytes: a.max_upload_bytes,
        queue: delist_server::Config::DEFAULT_QUEUE,
        cookie_secure: a.cookie_secure,
        tls,
    })?;
    Ok(ExitCode::SUCCESS)
}
