//! The evaluation engine the server holds: the catalog compiled into delist-core's `Matcher`
//! (the very engine `delist scan` uses), the server-side policy and the lists it selects.
//!
//! Owns turning a stored or uploaded inventory into findings and per-list counts. It never reads
//! files: the CLI hands it catalog and policy texts ([`Sources`]), so that the server can reload
//! them (a new ban announced) and re-evaluate every host from its last inventory.

use delist_core::catalog::{self, Catalog, List, SourceFile};
use delist_core::policy::Policy;
use delist_core::report::Inventory;
use delist_core::{Finding, Matcher, Selection};
use jiff::civil::Date;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

self_cell::self_cell!(
    /// A catalog and its compiled matcher, which borrows it.
    struct Compiled {
        owner: Catalog,
        #[covariant]
        dependent: Matcher,
    }
);

/// What the engine is built from: catalog files (built-in plus the user's) and the policy text.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub catalog: Vec<SourceFile>,
    /// (file name for messages, text) of the server's `delist.toml`.
    pub policy: Option<(String, String)>,
}

pub struct Engine {
    compiled: Compiled,
    policy: Option<Policy>,
    selection: Selection,
    /// Changes whenever the catalog or policy text changes: stored evaluations made with another
    /// fingerprint are stale.
    pub fingerprint: String,
    /// Inventories already matched, by content and day (see [`Engine::matched`]). It lives and
    /// dies with the engine, so a reload of the catalog or policy starts it afresh.
    memo: Mutex<HashMap<(String, Date), Arc<Matched>>>,
}

/// How many distinct inventories (per day) the engine remembers. Each entry is small (the few
/// findings of one inventory, not the inventory), so even a full memo is a few megabytes.
const MEMO_CAPACITY: usize = 20_000;

/// An inventory matched against the catalog: what does not depend on the host that sent it or on
/// the policy's waivers. Host and waivers are applied by [`Engine::finish`].
#[derive(Debug, Clone, Default)]
pub struct Matched {
    /// Sorted and deduplicated by id; `artifact.host` as the inventory gave it.
    pub findings: Vec<Finding>,
    /// What the inventory says of itself, kept so that a remembered one need not be parsed.
    pub artifacts: usize,
    pub errors: usize,
    pub tool_version: String,
}

/// One inventory evaluated: its findings (waivers applied as of the evaluation date) and, per
/// selected list, the live and waived findings it covers.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub lists: BTreeMap<String, ListCount>,
    pub live: usize,
    pub waived: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCount {
    pub live: usize,
    pub waived: usize,
}

impl Engine {
    /// Loads and checks the catalog and policy; every problem is reported at once.
    pub fn build(sources: &Sources) -> Result<Self, String> {
        let join = |d: Vec<catalog::Diagnostic>| d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n");
        let cat = catalog::load(&sources.catalog).map_err(join)?;
        let policy = match &sources.policy {
            Some((name, text)) => Some(Policy::parse(name, text, &cat).map_err(join)?),
            None => None,
        };
        let selection = match policy.as_ref().and_then(|p| p.lists.clone()) {
            Some(ids) => {
                Selection::of_ids(&cat, &ids).map_err(|u| format!("policy lists: unknown list(s): {}", u.join(", ")))?
            }
            None => Selection::default_for(&cat),
        };
        let mut h = Sha256::new();
        for f in &sources.catalog {
            for part in [f.rel.as_bytes(), f.text.as_bytes()] {
                h.update((part.len() as u64).to_le_bytes());
                h.update(part);
            }
        }
        if let Some((_, text)) = &sources.policy {
            h.update(b"policy");
            h.update(text.as_bytes());
        }
        let fingerprint = format!("{}:{}", cat.version, hex(&h.finalize()[..8]));
        let compiled = Compiled::new(cat, |c| Matcher::new(c));
        Ok(Self { compiled, policy, selection, fingerprint, memo: Mutex::new(HashMap::new()) })
    }

    pub fn catalog(&self) -> &Catalog {
        self.compiled.borrow_owner()
    }

    /// The lists the server evaluates against, in catalog order.
    pub fn lists(&self) -> Vec<&List> {
        let c = self.catalog();
        self.selection.ids(c).into_iter().filter_map(|id| c.list(id)).collect()
    }

    pub fn policy(&self) -> Option<&Policy> {
        self.policy.as_ref()
    }

    /// Evaluates an inventory of `host` on `today`, exactly as `delist scan` would have.
    pub fn evaluate(&self, inventory: &Inventory, host: &str, today: Date) -> Evaluation {
        self.finish(&self.match_inventory(inventory, today), host, today)
    }

    /// Matches every artifact of an inventory (the costly part of an evaluation).
    pub fn match_inventory(&self, inventory: &Inventory, today: Date) -> Matched {
        let matcher = self.compiled.borrow_dependent();
        let mut findings: Vec<Finding> =
            inventory.artifacts.iter().flat_map(|a| matcher.evaluate(a, &self.selection, today)).collect();
        // One artifact read twice (two targets of one host) is one finding.
        findings.sort_by(|a, b| a.id.cmp(&b.id));
        findings.dedup_by(|a, b| a.id == b.id);
        Matched {
            findings,
            artifacts: inventory.artifacts.len(),
            errors: inventory.errors.len(),
            tool_version: inventory.tool.version.chars().take(64).collect(),
        }
    }

    /// The match of the inventory whose SHA-256 is `sha256` on `today`, computed by `compute` the
    /// first time only. A fleet uploads the same inventories again and again (a host unchanged
    /// since its last scan, a thousand identical servers); matching is a pure function of the
    /// inventory's bytes, the engine and the day, so those uploads cost a hash and a lookup.
    pub fn matched<E>(
        &self,
        sha256: &str,
        today: Date,
        compute: impl FnOnce() -> Result<Matched, E>,
    ) -> Result<Arc<Matched>, E> {
        let key = (sha256.to_string(), today);
        if let Some(m) = self.memo.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(m.clone());
        }
        let m = Arc::new(compute()?);
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: forgetting everything at once is crude but cheap, and the next uploads refill it.
        if memo.len() >= MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, m.clone());
        Ok(m)
    }

    /// A match made an evaluation of `host`: the host named on each finding, the policy's waivers
    /// applied as of `today`, the counts per list.
    pub fn finish(&self, matched: &Matched, host: &str, today: Date) -> Evaluation {
        let mut findings = matched.findings.clone();
        for f in &mut findings {
            if f.artifact.host.is_none() {
                f.artifact.host = Some(host.to_string());
            }
        }
        self.apply_waivers(&mut findings, today);
        let mut e = Evaluation::default();
        for f in &findings {
            let waived = f.waiver.is_some();
            if waived {
                e.waived += 1;
            } else {
                e.live += 1;
            }
            for l in &f.lists {
                let c = e.lists.entry(l.id.clone()).or_default();
                if waived {
                    c.waived += 1;
                } else {
                    c.live += 1;
                }
            }
        }
        e.findings = findings;
        e
    }

    /// Marks the findings the policy's live waivers cover (waivers are stored nowhere else:
    /// views apply them on the day they are shown).
    pub fn apply_waivers(&self, findings: &mut [Finding], today: Date) {
        if let Some(p) = &self.policy {
            for f in findings.iter_mut() {
                f.waiver = None;
            }
            let _ = p.apply(findings, today);
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
