//! Command-line definitions: clap types live here and nowhere else.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "delist",
    version,
    about = "Find, track and keep out the products of vendors that governments and companies have banned.",
    long_about = "delist finds where a banned vendor's products are (package databases, and more sources as they land), \
reports each finding with its evidence, its confidence and the official lists that cover it, and exits 1 when it \
finds something at or above --fail-on.\n\nIt reads only; it never executes scanned content and opens no network \
connection.",
    after_help = "Examples:\n  delist scan                         this machine\n  delist scan rootfs:/mnt/disk -o json=report.json\n  delist lists us-bod-17-01\n  delist vendors kaspersky\n  delist explain 2Y8XE5CQ94"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find covered products. No TARGET scans this machine, live.
    Scan(ScanArgs),
    /// List every artifact read, covered or not, with the attributes delist read.
    Inventory(ScanArgs),
    /// The ban lists: authority, instrument, dates, scope, vendors, sources.
    Lists(LookupArgs),
    /// Covered vendors and every identifier delist knows for them.
    Vendors(LookupArgs),
    /// Why a list, vendor, identifier or finding is what it is.
    Explain(ExplainArgs),
    /// Catalog maintenance.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// What was removed, what is new and what remains between two JSON reports (by finding id).
    Diff(DiffArgs),
    /// Blocking and detection rules for other engines, from the lists in force.
    Export(ExportArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// santa, wdac, applocker, fapolicyd, osquery, fleet, yara, hosts, rpz.
    #[arg(long, value_name = "F")]
    pub format: String,
    /// Add the certificates and file hashes a scan saw (a `delist scan -o json` report).
    #[arg(long, value_name = "REPORT.json")]
    pub from: Option<PathBuf>,
    /// Only these lists: ids, or country:US, authority:TEXT, jurisdiction:TEXT (default: every
    /// binding list in force).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub lists: Vec<String>,
    /// Write the rules here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// More catalog files, layered over the built-in one.
    #[arg(long = "catalog", value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// No summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The earlier report (`delist scan -o json=…`).
    pub old: PathBuf,
    /// The later report.
    pub new: PathBuf,
    /// Exit 1 when a new or remaining finding is at or above this level (default likely).
    #[arg(long = "fail-on", value_name = "LEVEL")]
    pub fail_on: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Output FORMAT, or FORMAT=FILE to write it to a file (repeatable): table, json.
    #[arg(short = 'o', long = "output", value_name = "FORMAT[=FILE]")]
    pub output: Vec<String>,
    /// More catalog files (a directory with lists/ and vendors/), layered over the built-in one.
    #[arg(long = "catalog", value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// Less on stderr: no progress bar, no notes.
    #[arg(short, long)]
    pub quiet: bool,
    /// More on stderr: each collector as it runs.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Args, Debug, Clone)]
pub struct ScanArgs {
    /// What to scan: rootfs:DIR, dir:DIR, or a DIR (detected by content). None: this machine.
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    #[command(flatten)]
    pub common: Common,
    /// Exit 1 when a finding is at or above this level: confirmed, likely, possible, never.
    #[arg(long = "fail-on", value_name = "LEVEL")]
    pub fail_on: Option<String>,
    /// Policy file (default: ./delist.toml if present).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Only these lists: ids, or country:US, authority:TEXT, jurisdiction:TEXT (default: every
    /// binding list in force).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub lists: Vec<String>,
    /// Skip paths matching GLOB (repeatable). Applies to file walks.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not cross into other filesystems. Applies to file walks.
    #[arg(long)]
    pub one_file_system: bool,
    /// For inventory files whose headers delist does not know: COLUMN=FIELD (repeatable), FIELD one
    /// of device, name, id, version, publisher, platform.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
    /// Worker threads (default: the number of cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than this many bytes in file walks (default 536870912, 512 MiB); they
    /// are counted, not read.
    #[arg(long = "max-file-size", value_name = "BYTES")]
    pub max_file_size: Option<u64>,
    /// Read installed-package databases only, no file walk (tests, quick inventories).
    #[arg(long = "no-walk", hide = true)]
    pub no_walk: bool,
    /// Where the live machine's /proc is (tests point it at a fixture tree).
    #[arg(long = "proc-root", hide = true, value_name = "DIR")]
    pub proc_root: Option<std::path::PathBuf>,
    /// Where the live machine's /sys is (tests point it at a fixture tree).
    #[arg(long = "sys-root", hide = true, value_name = "DIR")]
    pub sys_root: Option<std::path::PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct LookupArgs {
    /// One id to show in full.
    pub id: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug, Clone)]
pub struct ExplainArgs {
    /// A list id, vendor id, identifier value (e.g. a Team ID or package name) or finding id.
    pub id: String,
    /// The JSON report a finding id comes from.
    #[arg(long, value_name = "REPORT.json")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Validate catalog files (ours or a user's): every problem, with file and line.
    Check {
        /// A catalog directory (with lists/ and vendors/).
        dir: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// Refresh the MAC OUI table from IEEE registry files (oui.csv, mam.csv, oui36.csv).
    ImportOui {
        /// IEEE registry CSV files, e.g. /usr/share/ieee-data/{oui,mam,oui36}.csv.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Where to write the table ("-" for stdout).
        #[arg(long, default_value = "catalog/oui/ieee.csv")]
        out: PathBuf,
        /// The registry's publication date (default: the newest file's modification date).
        #[arg(long, value_name = "YYYY-MM-DD")]
        registry_date: Option<String>,
        /// Where the files came from, recorded in the table's header.
        #[arg(long, value_name = "TEXT")]
        registry_source: Option<String>,
        #[command(flatten)]
        common: Common,
    },
}
