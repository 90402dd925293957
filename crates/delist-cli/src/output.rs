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
    for s in sinks {
        let text = render(s.format);
        match &s.file {
            None => {
                let mut stdout = std::io::stdout().lock();
                if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
                    // A closed pipe (`delist scan | head`) is the reader's choice, not a failure.
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        return Err(e).context("writing to stdout");
                    }
                }
            }
            Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        }
    }
    Ok(())
}
