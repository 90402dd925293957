//! The documents delist hands out: `delist.report/1` and `delist.inventory/1` (CONTRACT.md).
//!
//! Owns their shape and the summary arithmetic; rendering them (JSON text, tables) belongs to
//! `delist-report`.

use crate::model::{Artifact, ArtifactKind, Confidence, Finding, ScanError};
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
        Self { name: "delist".into(), version: version.into() }
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
    /// For `delist screen`: rows read and findings per vendor and per list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<ScreenSummary>,
    /// Under an approved-vendor policy: the artifacts no catalog vendor could be named as the
    /// maker of (`summary.unattributed` counts them), with the maker as written where there is
    /// one, so that the user can add the vendor to a catalog of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unattributed: Vec<Unattributed>,
}

/// An artifact an approved-vendor policy could not judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unattributed {
    pub kind: ArtifactKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
    pub path: String,
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub publisher: Option<String>,
}

impl From<&Artifact> for Unattributed {
    fn from(a: &Artifact) -> Self {
        Self {
            kind: a.kind,
            name: a.name.clone(),
            version: a.version.clone(),
            path: a.path.clone(),
            target: a.target.clone(),
            publisher: a.publisher.clone(),
        }
    }
}

/// Findings counted by confidence (unwaived) and waived.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub findings: usize,
    pub confirmed: usize,
    pub likely: usize,
    pub possible: usize,
    pub waived: usize,
}

impl Counts {
    fn add(&mut self, f: &Finding) {
        self.findings += 1;
        match (f.waiver.is_some(), f.confidence) {
            (true, _) => self.waived += 1,
            (false, Confidence::Confirmed) => self.confirmed += 1,
            (false, Confidence::Likely) => self.likely += 1,
            (false, Confidence::Possible) => self.possible += 1,
        }
    }
}

/// What a screened feed held: its rows, the rows flagged, and findings per vendor and list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenSummary {
    pub rows: u64,
    pub flagged_rows: usize,
    pub by_vendor: std::collections::BTreeMap<String, Counts>,
    pub by_list: std::collections::BTreeMap<String, Counts>,
}

impl ScreenSummary {
    /// Counts `findings` (after waivers) over `rows` rows.
    pub fn of(rows: u64, findings: &[Finding]) -> Self {
        let mut s = Self { rows, ..Self::default() };
        let mut flagged: std::collections::HashSet<(&str, &str, &str)> = std::collections::HashSet::new();
        for f in findings {
            flagged.insert((&f.artifact.target, &f.artifact.path, &f.artifact.name));
            s.by_vendor.entry(f.vendor.clone()).or_default().add(f);
            for l in &f.lists {
                s.by_list.entry(l.id.clone()).or_default().add(f);
            }
        }
        s.flagged_rows = flagged.len();
        s
    }
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
            summary: Summary { artifacts, errors: errors.len(), ..Summary::default() },
            findings,
            errors,
            notices: Vec::new(),
            screen: None,
            unattributed: Vec::new(),
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
        s.confirmed = live().filter(|f| f.confidence == Confidence::Confirmed).count();
        s.likely = live().filter(|f| f.confidence == Confidence::Likely).count();
        s.possible = live().filter(|f| f.confidence == Confidence::Possible).count();
        s.errors = self.errors.len();
    }

    /// Whether any unwaived finding is at or above `fail_on` (`None` = never fail).
    pub fn fails(&self, fail_on: Option<Confidence>) -> bool {
        fail_on.is_some_and(|level| self.findings.iter().any(|f| f.waiver.is_none() && f.confidence >= level))
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

pub const DIFF_SCHEMA: &str = "delist.diff/1";

/// One list's share of a diff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListDiff {
    pub id: String,
    pub removed: usize,
    pub new: usize,
    pub remaining: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    pub removed: usize,
    pub new: usize,
    pub remaining: usize,
}

/// What changed between two reports of the same estate: what an agency hands in after its
/// deadline. Findings are matched by their stable id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    pub schema: String,
    pub old_targets: Vec<Target>,
    pub new_targets: Vec<Target>,
    pub summary: DiffSummary,
    pub lists: Vec<ListDiff>,
    pub removed: Vec<Finding>,
    pub new: Vec<Finding>,
    pub remaining: Vec<Finding>,
}

impl Diff {
    pub fn between(old: &Report, new: &Report) -> Self {
        use std::collections::{BTreeMap, HashSet};
        let old_ids: HashSet<&str> = old.findings.iter().map(|f| f.id.as_str()).collect();
        let new_ids: HashSet<&str> = new.findings.iter().map(|f| f.id.as_str()).collect();
        let removed: Vec<Finding> = old.findings.iter().filter(|f| !new_ids.contains(f.id.as_str())).cloned().collect();
        let added: Vec<Finding> = new.findings.iter().filter(|f| !old_ids.contains(f.id.as_str())).cloned().collect();
        let remaining: Vec<Finding> =
            new.findings.iter().filter(|f| old_ids.contains(f.id.as_str())).cloned().collect();
        let mut lists: BTreeMap<String, ListDiff> = BTreeMap::new();
        let mut count = |fs: &[Finding], pick: fn(&mut ListDiff) -> &mut usize| {
            for f in fs {
                for l in &f.lists {
                    let e = lists
                        .entry(l.id.clone())
                        .or_insert_with(|| ListDiff { id: l.id.clone(), ..ListDiff::default() });
                    *pick(e) += 1;
                }
            }
        };
        count(&removed, |d| &mut d.removed);
        count(&added, |d| &mut d.new);
        count(&remaining, |d| &mut d.remaining);
        Self {
            schema: DIFF_SCHEMA.into(),
            old_targets: old.targets.clone(),
            new_targets: new.targets.clone(),
            summary: DiffSummary { removed: removed.len(), new: added.len(), remaining: remaining.len() },
            lists: lists.into_values().collect(),
            removed,
            new: added,
            remaining,
        }
    }

    /// Whether anything still present (new or remaining, not waived) is at or above `fail_on`.
    pub fn fails(&self, fail_on: Option<Confidence>) -> bool {
        fail_on.is_some_and(|level| {
            self.new.iter().chain(&self.remaining).any(|f| f.waiver.is_none() && f.confidence >= level)
        })
    }
}
