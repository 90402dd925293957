//! The baseline of `bench/sbom.sh`: parse a JSON file into a `serde_json::Value` and nothing
//! else, the least any JSON-reading tool must do.
//!
//!     cargo run --release --example bare_serde_parse -- FILE [--reader]
//!
//! By default the file is read whole and parsed from the slice (serde_json's fastest path);
//! `--reader` parses from a buffered reader instead, as a streaming reader must. It prints the
//! number of top-level `components` so the parse cannot be optimised away.

use std::io::BufReader;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bare_serde_parse FILE [--reader]");
        return ExitCode::from(2);
    };
    let from_reader = args.next().as_deref() == Some("--reader");
    let parsed: Result<serde_json::Value, String> = if from_reader {
        std::fs::File::open(&path)
            .map_err(|e| e.to_string())
            .and_then(|f| serde_json::from_reader(BufReader::with_capacity(256 * 1024, f)).map_err(|e| e.to_string()))
    } else {
        std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
    };
    match parsed {
        Ok(v) => {
            println!("{}", v["components"].as_array().map_or(0, Vec::len));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::from(2)
        }
    }
}
