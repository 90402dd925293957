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
    memo: Mutex<Memo>,
}

/// The matches remembered and what they weigh.
#[derive(Default)]
struct Memo {
    map: HashMap<(String, Date), Arc<Matched>>,
    bytes: usize,
}

/// How many distinct inventories (per day) the engine remembers at most.
const MEMO_CAPACITY: usize = 20_000;

/// How much the remembered matches may weigh in all, measured as their findings' JSON (see
/// [`weight`]). A count alone does not bound the memo: an entry holds its inventory's findings,
/// each with its artifact and evidence, and one inventory may hold thousands. A host with one
/// covered package weighs ~2.6 KB (`tests/memo_memory.rs`), so the count is reached first on an
/// ordinary fleet.
const MEMO_BYTES: usize = 64 << 20;

/// A match heavier than this is not remembered: matching it again is cheaper than letting one
/// upload empty the memo for everyone else.
const MEMO_ENTRY_MAX: usize = MEMO_BYTES / 64;

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
        Ok(Self { compiled, policy, selection, fingerprint, memo: Mutex::new(Memo::default()) })
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
        if let Some(m) = self.memo.lock().unwrap_or_else(|e| e.into_inner()).map.get(&key) {
            return Ok(m.clone());
        }
        let m = Arc::new(compute()?);
        let w = weight(&m);
        if w > MEMO_ENTRY_MAX {
            return Ok(m);
        }
        let mut memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        // Bounded: forgetting everything at once is crude but cheap, and the next uploads refill it.
        if memo.map.len() >= MEMO_CAPACITY || memo.bytes + w > MEMO_BYTES {
            memo.map.clear();
            memo.bytes = 0;
        }
        if memo.map.insert(key, m.clone()).is_none() {
            memo.bytes += w;
        }
        Ok(m)
    }

    /// What the memo holds: (matches, their weight).
    pub fn memo_size(&self) -> (usize, usize) {
        let memo = self.memo.lock().unwrap_or_else(|e| e.into_inner());
        (memo.map.len(), memo.bytes)
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

/// What a match weighs in the memo: the length of its findings as JSON, counted without writing
/// them out. In memory a remembered match takes about three times as much (its strings' own
/// allocations, the key, the map: 31 MB for 10.5 MB of weight in `tests/memo_memory.rs`); the
/// measure needs no upkeep when `Finding` gains a field.
fn weight(m: &Matched) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut c = Count(0);
    // Findings serialize (they are the report's), and a writer that never fails cannot make the
    // serializer fail: the count is complete.
    let _ = serde_json::to_writer(&mut c, &m.findings);
    c.0 + m.tool_version.len() + std::mem::size_of::<Matched>() + 64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn engine() -> Engine {
        Engine::build(&Sources { catalog: catalog::builtin_files(), policy: None }).expect("built-in catalog")
    }

    /// A match weighing about `bytes`.
    fn heavy(bytes: usize) -> Matched {
        Matched { tool_version: "v".repeat(bytes), ..Matched::default() }
    }

    #[test]
    fn the_memo_is_bounded_by_weight_as_well_as_count() {
        let (e, day) = (engine(), jiff::civil::date(2026, 11, 28));
        let computed = Cell::new(0);
        let compute = |bytes| {
            computed.set(computed.get() + 1);
            Ok::<_, ()>(heavy(bytes))
        };
        for i in 0..300 {
            e.matched(&format!("{i:064x}"), day, || compute(MEMO_ENTRY_MAX / 2)).expect("matched");
            let (n, bytes) = e.memo_size();
            assert!(bytes <= MEMO_BYTES && n <= 2 * MEMO_BYTES / MEMO_ENTRY_MAX, "{n} matches, {bytes} bytes");
        }
        // Remembered: the same inventory on the same day is not matched again.
        let before = computed.get();
        e.matched(&format!("{:064x}", 299), day, || compute(MEMO_ENTRY_MAX / 2)).expect("matched");
        assert_eq!(computed.get(), before);
        // Too heavy to remember: matched each time, and the memo keeps what it had.
        let held = e.memo_size();
        for _ in 0..2 {
            e.matched(&"f".repeat(64), day, || compute(MEMO_ENTRY_MAX + 1)).expect("matched");
        }
        assert_eq!(computed.get(), before + 2);
        assert_eq!(e.memo_size(), held);
    }

    #[test]
    fn a_match_weighs_its_findings() {
        assert!(weight(&heavy(1000)) >= 1000);
        assert!(weight(&heavy(0)) < 1000);
    }
}
