//! What the API and the dashboard show, computed from stored rows: per list, the hosts affected
//! now, its deadline and the days left, and the trend of hosts affected day by day.
//!
//! Pure functions of rows, the engine and today's date; no queries and no HTTP here, so the
//! arithmetic is tested on its own.

use crate::engine::Engine;
use crate::store::{ListDays, ListPoint, TrackedFinding};
use delist_core::catalog::List;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeadlineView {
    pub date: String,
    pub action: String,
    /// Days from today to the deadline; negative once it has passed.
    pub days_left: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListOverview {
    pub id: String,
    pub title: String,
    pub authority: String,
    /// Hosts with at least one live (unwaived) finding the list covers.
    pub hosts_affected: usize,
    pub findings: usize,
    pub waived: usize,
    /// The final deadline, the one a finding still present has missed or must meet.
    pub deadline: Option<DeadlineView>,
    pub deadlines: Vec<DeadlineView>,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct TrendPoint {
    pub date: Date,
    pub hosts: usize,
}

fn deadline_view(d: &delist_core::catalog::Deadline, today: Date) -> DeadlineView {
    let days = (d.date - today).get_days() as i64;
    DeadlineView { date: d.date.to_string(), action: d.action.clone(), days_left: days }
}

/// Current findings with the policy's waivers applied as of `today`.
pub fn waived_today(engine: &Engine, mut current: Vec<TrackedFinding>, today: Date) -> Vec<TrackedFinding> {
    let mut fs: Vec<delist_core::Finding> = current.iter().map(|t| t.finding.clone()).collect();
    engine.apply_waivers(&mut fs, today);
    for (t, f) in current.iter_mut().zip(fs) {
        t.finding = f;
    }
    current
}

/// One overview per list the engine evaluates, from the current findings (waivers applied).
pub fn overviews(engine: &Engine, current: &[TrackedFinding], today: Date) -> Vec<ListOverview> {
    engine.lists().into_iter().map(|l| overview(l, current, today)).collect()
}

pub fn overview(list: &List, current: &[TrackedFinding], today: Date) -> ListOverview {
    let mut hosts = BTreeSet::new();
    let (mut findings, mut waived) = (0, 0);
    for t in current.iter().filter(|t| t.removed_at.is_none() && t.finding.lists.iter().any(|l| l.id == list.id)) {
        if t.finding.waiver.is_some() {
            waived += 1;
        } else {
            findings += 1;
            hosts.insert(t.host.as_str());
        }
    }
    let mut deadlines: Vec<DeadlineView> = list.deadlines.iter().map(|d| deadline_view(d, today)).collect();
    deadlines.sort_by(|a, b| a.date.cmp(&b.date));
    ListOverview {
        id: list.id.clone(),
        title: list.title.clone(),
        authority: list.authority.clone(),
        hosts_affected: hosts.len(),
        findings,
        waived,
        deadline: list.final_deadline().map(|d| deadline_view(d, today)),
        deadlines,
    }
}

/// Hosts affected by a list at the end of each day, from the first evaluation of any host to
/// `today` (or the last evaluation, if later), from the list's daily rollup: the running sum of
/// its changes. The same figures as [`trend`] computes from every evaluation, at the cost of one
/// row per day.
pub fn trend_of_days(days: &ListDays, today: Date) -> Vec<TrendPoint> {
    let parse = |d: &str| d.parse::<Date>().ok();
    let Some(first) = days.first.as_deref().and_then(parse) else { return Vec::new() };
    let last = days.last.as_deref().and_then(parse).map_or(today, |l| l.max(today));
    let mut changes = days.changes.iter().filter_map(|(d, c)| Some((parse(d)?, *c))).peekable();
    let (mut hosts, mut out, mut day) = (0i64, Vec::new(), first);
    // Changes dated before the first evaluation cannot be; they are counted on the first day.
    // Bounded: one point per day, at most ten years.
    for _ in 0..3660 {
        if day > last {
            break;
        }
        while let Some((_, c)) = changes.next_if(|(d, _)| *d <= day) {
            hosts += c;
        }
        out.push(TrendPoint { date: day, hosts: usize::try_from(hosts).unwrap_or(0) });
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out
}

/// Hosts affected by a list at the end of each day, from the first evaluation to `today`: a host
/// counts while its latest evaluation so far has a live finding under the list. Computed from
/// every evaluation: the reference the rollup ([`trend_of_days`]) is tested against.
pub fn trend(points: &[ListPoint], today: Date) -> Vec<TrendPoint> {
    let mut by_day: BTreeMap<Date, Vec<&ListPoint>> = BTreeMap::new();
    for p in points {
        if let Some(d) = crate::time::date_of(&p.at) {
            by_day.entry(d).or_default().push(p);
        }
    }
    let Some(first) = by_day.keys().next().copied() else { return Vec::new() };
    let mut state: BTreeMap<&str, i64> = BTreeMap::new();
    let mut out = Vec::new();
    let mut day = first;
    // Bounded: one point per day, at most ten years.
    for _ in 0..3660 {
        if day > today && day > *by_day.keys().next_back().unwrap_or(&today) {
            break;
        }
        if let Some(ps) = by_day.get(&day) {
            for p in ps {
                state.insert(p.host.as_str(), p.live);
            }
        }
        out.push(TrendPoint { date: day, hosts: state.values().filter(|v| **v > 0).count() });
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn p(host: &str, at: &str, live: i64) -> ListPoint {
        ListPoint { host: host.into(), at: at.into(), live }
    }

    #[test]
    fn trend_counts_hosts_by_their_latest_evaluation_each_day() {
        let pts = [
            p("a", "2026-11-01T10:00:00.000000Z", 2),
            p("b", "2026-11-01T11:00:00.000000Z", 1),
            p("a", "2026-11-03T09:00:00.000000Z", 0),
            p("b", "2026-11-03T09:30:00.000000Z", 1),
            p("b", "2026-11-04T09:30:00.000000Z", 0),
        ];
        let t = trend(&pts, date(2026, 11, 5));
        let hosts: Vec<usize> = t.iter().map(|x| x.hosts).collect();
        assert_eq!(t[0].date, date(2026, 11, 1));
        assert_eq!(hosts, vec![2, 2, 1, 0, 0]);
        assert!(trend(&[], date(2026, 11, 5)).is_empty());
    }
}
