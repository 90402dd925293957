//! `delist screen FEED ...`: wires a feed reader to the screening rules and the outputs.
//!
//! Streams: rows go from the reader through the screener to the `-o csv` writer one at a time;
//! only findings are kept for the report. No behaviour of its own beyond that wiring.

use crate::args::ScreenArgs;
use crate::commands::{Setup, VERSION, format_of, mapping, setup};
use crate::output::emit_with;
use anyhow::{Context, Result, anyhow, bail};
use delist_collect::feed::{self, Field, Header, Row, Visitor};
use delist_core::report::{CatalogRef, Report, ScreenSummary, Target, Tool};
use delist_core::screen::{ProductRow, Screener};
use delist_core::{Finding, Matcher, ScanError};
use delist_report::Format;
use delist_report::verdict::VerdictWriter;
use std::fs::File;
use std::io::{IsTerminal, Read, Write};

/// What a screened feed's rows go to.
struct Screening<'s, 'm, 'c> {
    screener: &'s Screener<'m, 'c>,
    policy: Option<&'s delist_core::policy::Policy>,
    today: jiff::civil::Date,
    feed: &'s str,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    csv_out: Option<Box<dyn Write + 's>>,
    csv: Option<VerdictWriter<Box<dyn Write + 's>>>,
    csv_error: Option<std::io::Error>,
    bar: Option<&'s indicatif::ProgressBar>,
}

impl Screening<'_, '_, '_> {
    fn csv_result(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            self.csv_error.get_or_insert(e);
        }
    }
}

impl Visitor for Screening<'_, '_, '_> {
    fn header(&mut self, h: &Header) {
        if let Some(out) = self.csv_out.take() {
            match VerdictWriter::new(out, h.raw.as_deref(), &h.columns, h.delimiter.unwrap_or(b',')) {
                Ok(w) => self.csv = Some(w),
                Err(e) => self.csv_result(Err(e)),
            }
        }
    }

    fn row(&mut self, row: &Row<'_>) {
        let number;
        let name = match row.get(Field::Id).trim() {
            "" => {
                number = format!("row {}", row.number);
                number.as_str()
            }
            id => id,
        };
        let p = ProductRow {
            name,
            brand: row.get(Field::Brand),
            manufacturer: row.get(Field::Manufacturer),
            title: row.get(Field::Title),
            gtin: row.get(Field::Gtin),
            seller: row.get(Field::Seller),
        };
        let mut found = self.screener.screen(&p);
        if let Some(policy) = self.policy {
            // Marks waived findings for the CSV; the report applies the policy again to all.
            policy.apply(&mut found, self.today);
        }
        if let Some(w) = &mut self.csv {
            let r = match row.raw {
                Some(raw) => w.raw_row(raw, &found),
                None => w.fields_row(&row.values, &found),
            };
            self.csv_result(r);
        }
        self.findings.extend(found);
    }

    fn skipped(&mut self, _number: u64, raw: &[u8]) {
        if let Some(w) = &mut self.csv {
            let r = w.raw_row(raw, &[]);
            self.csv_result(r);
        }
    }

    fn error(&mut self, message: String) {
        self.errors.push(ScanError { path: self.feed.to_string(), error: message });
    }

    fn progress(&mut self, bytes: u64) {
        if let Some(b) = self.bar {
            b.set_position(bytes);
        }
    }
}

pub fn screen(a: &ScreenArgs) -> Result<std::process::ExitCode> {
    let outputs = format_of(&a.common)?;
    let Setup { catalog, today, policy, fail_on, selection } = setup(&a.common, &a.judge)?;
    let map = mapping(&a.map)?;
    feed::validate_map(&map).map_err(|e| anyhow!("{e}"))?;
    let csv_sinks: Vec<&crate::output::Sink> = outputs.iter().filter(|s| s.format == Format::Csv).collect();
    if csv_sinks.len() > 1 {
        bail!("-o csv may be given once for screen");
    }
    if csv_sinks.first().is_some_and(|s| s.file.is_none()) && a.feeds.len() > 1 {
        bail!("-o csv to stdout takes one feed; write one file per feed instead");
    }
    let matcher = Matcher::new(&catalog);
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let mut rows = 0u64;
    for input in &a.feeds {
        // The feed is the target; its rows live in it at `/` and its file name (CONTRACT:
        // `artifact.path` is `/`-rooted inside the target).
        let name = std::path::Path::new(input).file_name().map(|n| n.to_string_lossy().into_owned());
        let path = format!("/{}", if input == "-" { "stdin".to_string() } else { name.unwrap_or_default() });
        let screener = Screener::new(&matcher, &selection, today, path, input.as_str());
        let prefilter = screener.prefilter();
        let (reader, len): (Box<dyn Read>, Option<u64>) = if input == "-" {
            (Box::new(std::io::stdin().lock()), None)
        } else {
            let f = File::open(input).with_context(|| format!("cannot read feed {input}"))?;
            let len = f.metadata().ok().map(|m| m.len());
            (Box::new(f), len)
        };
        let bar = (!a.common.quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(len.unwrap_or(0));
            b.set_style(
                indicatif::ProgressStyle::with_template("{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}")
                    .expect("static template"),
            );
            b.set_message(input.clone());
            b
        });
        let csv_out: Option<Box<dyn Write>> = match csv_sinks.first() {
            None => None,
            Some(s) => Some(match &s.file {
                None => Box::new(std::io::stdout().lock()),
                Some(p) if a.feeds.len() > 1 => {
                    let name = std::path::Path::new(input).file_name().map(|n| n.to_string_lossy().into_owned());
                    let p = p.with_file_name(format!(
                        "{}.{}",
                        p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
                        name.unwrap_or_default()
                    ));
                    Box::new(File::create(&p).with_context(|| format!("writing {}", p.display()))?)
                }
                Some(p) => Box::new(File::create(p).with_context(|| format!("writing {}", p.display()))?),
            }),
        };
        let mut v = Screening {
            screener: &screener,
            policy: policy.as_ref(),
            today,
            feed: input,
            findings: Vec::new(),
            errors: Vec::new(),
            csv_out,
            csv: None,
            csv_error: None,
            bar: bar.as_ref(),
        };
        let opts = feed::Options { map: Some(&map), prefilter: (!a.full).then_some(&prefilter) };
        let n = feed::read(reader, opts, &mut v).map_err(|e| anyhow!("{input}: {e}"))?;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        if let Some(w) = v.csv.take() {
            let r = w.finish();
            v.csv_result(r);
        }
        if let Some(e) = v.csv_error.take()
            && e.kind() != std::io::ErrorKind::BrokenPipe
        {
            return Err(e).context("writing -o csv");
        }
        rows += n;
        findings.extend(v.findings);
        errors.extend(v.errors);
    }
    let notices = policy.as_ref().map(|p| p.apply(&mut findings, today)).unwrap_or_default();
    let targets = a.feeds.iter().map(|f| Target { input: f.clone(), kind: "feed".into() }).collect();
    let mut report = Report::new(
        Tool::this(VERSION),
        CatalogRef {
            version: catalog.version.clone(),
            lists: selection.ids(&catalog).into_iter().map(String::from).collect(),
        },
        targets,
        usize::try_from(rows).unwrap_or(usize::MAX),
        findings,
        errors,
    );
    report.notices = notices;
    report.recount();
    report.screen = Some(ScreenSummary::of(rows, &report.findings));
    if !a.common.quiet {
        for n in &report.notices {
            eprintln!("delist: {}", n.message);
        }
    }
    let others: Vec<crate::output::Sink> = outputs.into_iter().filter(|s| s.format != Format::Csv).collect();
    let cx = delist_report::Context { today, fail_on, catalog: Some(&catalog) };
    emit_with(&others, |f, w| delist_report::write_report(&report, f, &cx, w))?;
    Ok(if report.fails(fail_on) { std::process::ExitCode::from(1) } else { std::process::ExitCode::SUCCESS })
}
