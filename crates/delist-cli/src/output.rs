//! `-o FORMAT[=FILE]`: where each rendering goes.

use anyhow::{Context, Result, bail};
use delist_report::Format;
use std::io::Write;
use std::path::PathBuf;

/// One requested output.
#[derive(Debug, Clone)]
pub struct Sink {
    pub format: Format,
    pub file: Option<PathBuf>,
}

/// Parses every `-o` (default: a table on stdout). At most one may go to stdout.
pub fn sinks(specs: &[String]) -> Result<Vec<Sink>> {
    if specs.is_empty() {
        return Ok(vec![Sink { format: Format::Table, file: None }]);
    }
    let mut out = Vec::new();
    for s in specs {
        let (fmt, file) = match s.split_once('=') {
            Some((f, p)) if !p.is_empty() => (f, Some(PathBuf::from(p))),
            Some((_, _)) => bail!("-o {s}: the file after '=' is empty"),
            None => (s.as_str(), None),
        };
        let format = Format::parse(fmt).map_err(|e| anyhow::anyhow!("-o {s}: {e}"))?;
        out.push(Sink { format, file });
    }
    if out.iter().filter(|s| s.file.is_none()).count() > 1 {
        bail!("only one -o may write to stdout; give the others a file (-o json=report.json)");
    }
    Ok(out)
}

/// Writes each sink's rendering.
pub fn emit(sinks: &[Sink], render: impl Fn(Format) -> String) -> Result<()> {
    emit_with(sinks, |f, w| w.write_all(render(f).as_bytes()))
}

/// Writes each sink's rendering as `write` produces it (through a buffer), so that a large
/// report is never held whole as text.
pub fn emit_with(sinks: &[Sink], write: impl Fn(Format, &mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    for s in sinks {
        match &s.file {
            None => {
                let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
                if let Err(e) = write(s.format, &mut stdout).and_then(|()| stdout.flush()) {
                    // A closed pipe (`delist scan | head`) is the reader's choice, not a failure.
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        return Err(e).context("writing to stdout");
                    }
                }
            }
            Some(p) => {
                let file = std::fs::File::create(p).with_context(|| format!("writing {}", p.display()))?;
                let mut file = std::io::BufWriter::with_capacity(1 << 16, file);
                write(s.format, &mut file)
                    .and_then(|()| file.flush())
                    .with_context(|| format!("writing {}", p.display()))?;
            }
        }
    }
    Ok(())
}
