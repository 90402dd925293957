//! The documents delist hands out: `delist.report/1` and `delist.inventory/1` (CONTRACT.md).
//!
//! Owns their shape and the summary arithmetic; rendering them (JSON text, tables) belongs to
//! `delist-report`.

use crate::model::{Artifact, Confidence, Finding, ScanError};
use serde::{Deserialize, Serialize};

pub const REPORT_SCHEMA: &str = "delist.report/1";
pub const INVENTORY_SCHEMA: &str = "delist.inventory/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this(version: &str) -> Self {
        Self {
            name: "delist".into(),
            version: version.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogRef {
    pub version: String,
    pub lists: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    pub input: String,
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub artifacts: usize,
    pub findings: usize,
    pub confirmed: usize,
    pub likely: usize,
    pub possible: usize,
    pub waived: usize,
    pub unattributed: usize,
    pub errors: usize,
}

/// A policy message that belongs in the report: an expired waiver, a waiver that matched
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub catalog: CatalogRef,
    pub targets: Vec<Target>,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<Notice>,
}

impl Report {
    /// Builds a report; findings are sorted (strongest first, then by vendor, kind, name, path)
    /// so that two runs over the same target print the same document.
    pub fn new(
        tool: Tool,
        catalog: CatalogRef,
        targets: Vec<Target>,
        artifacts: usize,
        mut findings: Vec<Finding>,
        errors: Vec<ScanError>,
    ) -> Self {
        findings.sort_by(|a, b| {
            b.confidence
                .cmp(&a.confidence)
                .then_with(|| a.vendor.cmp(&b.vendor))
                .then_with(|| a.artifact.kind.cmp(&b.artifact.kind))
                .then_with(|| a.artifact.name.cmp(&b.artifact.name))
                .then_with(|| a.artifact.path.cmp(&b.artifact.path))
                .then_with(|| a.artifact.target.cmp(&b.artifact.target))
        });
        let mut r = Self {
            schema: REPORT_SCHEMA.into(),
            tool,
            catalog,
            targets,
            summary: Summary {
                artifacts,
                errors: errors.len(),
                ..Summary::default()
            },
            findings,
            errors,
            notices: Vec::new(),
        };
        r.recount();
        r
    }

    /// Recomputes the finding counts (after waivers are applied).
    pub fn recount(&mut self) {
        let s = &mut self.summary;
        s.findings = self.findings.len();
        s.waived = self.findings.iter().filter(|f| f.waiver.is_some()).count();
        let live = || self.findings.iter().filter(|f| f.waiver.is_none());
        s.confirmed = live()
            .filter(|f| f.confidence == Confidence::Confirmed)
            .count();
        s.likely = live()
            .filter(|f| f.confidence == Confidence::Likely)
            .count();
        s.possible = live()
            .filter(|f| f.confidence == Confidence::Possible)
            .count();
        s.errors = self.errors.len();
    }

    /// Whether any unwaived finding is at or above `fail_on` (`None` = never fail).
    pub fn fails(&self, fail_on: Option<Confidence>) -> bool {
        fail_on.is_some_and(|level| {
            self.findings
                .iter()
                .any(|f| f.waiver.is_none() && f.confidence >= level)
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub schema: String,
    pub tool: Tool,
    pub targets: Vec<Target>,
    pub artifacts: Vec<Artifact>,
    pub errors: Vec<ScanError>,
}
