//! The union of pieces: many items of one commit, push or scan that each hold fewer
//! records than a `records` detector's thresholds (a customer CSV split into 125 files
//! of four rows, 21 notes with 24 addresses between them) are judged together, and
//! fire once when the distinct identifiers they hold between them reach the detector's
//! thresholds (`min_rows`; with `email`, `min_distinct_domains` organisations).
//!
//! Owns the per-rule selection of pieces (in the rule's scope; not in a store the rule
//! allows; not under `allow.paths`; a rule's `exclude_paths` never removes a piece: it
//! is counted and listed, as everywhere) and the finding: at the first piece, listing
//! the pieces, with a digest over the sorted identifier digests so that baselines and
//! `allow.digests` accept it like any other finding. No I/O; values never reach it
//! (pieces carry digests and masked samples only).

use std::collections::{BTreeMap, BTreeSet};

use super::{Engine, ItemMeta};
use crate::detect::records::union::Piece;
use crate::detect::Detector;
use crate::report::Finding;

/// Pieces of records below a detector's thresholds, each with the item it is in.
pub type Pieces = Vec<(ItemMeta, Piece)>;

/// One piece with its item.
type Counted<'a> = &'a (ItemMeta, Piece);

/// Pieces named in a union's evidence; the rest are counted (`+N more`).
const LISTED: usize = 8;

impl Engine<'_> {
    /// Findings for the union of `pieces` (each with the item it is in), gathered over
    /// one `scope` (`of the scan`, `going to refs/heads/main`: a commit or a push).
    pub fn judge_union(&self, scope: &str, pieces: &[(ItemMeta, Piece)]) -> Vec<Finding> {
        // By class, detector and shape: the pieces of one list.
        let mut by_detector: BTreeMap<(&str, usize, &str), Vec<Counted>> = BTreeMap::new();
        for mp in pieces {
            crate::report::log::debug(
                "union.piece",
                &[("path", &mp.1.path), ("class", &mp.1.class), ("shape", &mp.1.shape), ("records", &mp.1.records)],
            );
            by_detector.entry((mp.1.class.as_str(), mp.1.detector, mp.1.shape.as_str())).or_default().push(mp);
        }
        let mut out: Vec<Finding> = Vec::new();
        // Each finding's rule and pieces: a later union of the rule over some of the same
        // pieces (another detector of the class) adds its count to it.
        let mut made: Vec<(&str, BTreeSet<&str>)> = Vec::new();
        for ((class, di, _), mut group) in by_detector {
            let Some(Detector::Records(det)) =
                self.scanner.classes().iter().find(|c| c.id == class).and_then(|c| c.detectors.get(di))
            else {
                continue;
            };
            // One order whatever the order the items were scanned in.
            group.sort_by(|a, b| (&a.1.path, &a.0.destination).cmp(&(&b.1.path, &b.0.destination)));
            for rule in self.policy.rules.iter().filter(|r| r.class == class) {
                let mut seen = BTreeSet::new();
                let counted: Vec<Counted> = group
                    .iter()
                    .copied()
                    .filter(|(meta, p)| {
                        let outer = p.path.split('!').next().unwrap_or(&p.path);
                        rule.in_scope(&p.path)
                            && !self.allowed_here(meta, &rule.allow_in)
                            && !self.policy.allow.path_set.is_match(outer)
                            // A decoded copy of a part is the same piece.
                            && seen.insert(p.path.strip_suffix("!unescaped").unwrap_or(&p.path).to_string())
                    })
                    .collect();
                if counted.len() < 2 {
                    continue;
                }
                let ids: BTreeSet<&str> = counted.iter().flat_map(|(_, p)| p.ids.iter().map(String::as_str)).collect();
                let domains: BTreeSet<&str> =
                    counted.iter().flat_map(|(_, p)| p.domains.iter().map(String::as_str)).collect();
                if ids.len() < det.min_rows || (det.need_email && domains.len() < det.min_distinct_domains) {
                    continue;
                }
                let paths: BTreeSet<&str> = counted.iter().map(|(_, p)| p.path.as_str()).collect();
                let same = made.iter().position(|(r, ps)| *r == rule.id && !ps.is_disjoint(&paths));
                match same.and_then(|i| out.get_mut(i)) {
                    Some(f) => f.evidence.push_str(&format!("; also {} {} records", ids.len(), det.kind())),
                    None => {
                        made.push((rule.id.as_str(), paths));
                        out.push(self.union_finding(scope, rule, det, domains.len(), &counted, &ids));
                    }
                }
            }
        }
        out
    }

    fn union_finding(
        &self,
        scope: &str,
        rule: &crate::policy::Rule,
        det: &crate::detect::records::Records,
        domains: usize,
        counted: &[Counted],
        ids: &BTreeSet<&str>,
    ) -> Finding {
        let (meta, first) = counted[0];
        let records: usize = counted.iter().map(|(_, p)| p.records).sum();
        let mut fields: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, p) in counted {
            for (f, n) in &p.fields {
                *fields.entry(f).or_default() += n;
            }
        }
        let deciding = crate::detect::records::deciding(fields.iter().map(|(f, &n)| (*f, n)), records);
        let mut names: Vec<String> = counted
            .iter()
            .take(LISTED)
            .map(|(_, p)| match rule.excluded_by(&p.path) {
                Some(_) => format!("{} (excluded path, counted)", p.path),
                None => p.path.clone(),
            })
            .collect();
        if counted.len() > LISTED {
            names.push(format!("+{} more", counted.len() - LISTED));
        }
        let across =
            if det.need_email { format!(" on {} domains", crate::detect::group(domains)) } else { String::new() };
        let evidence = format!(
            "{} records{across} across {} files {scope} × {{{}}}, each file below {} records (pieces: {})",
            crate::detect::group(ids.len()),
            crate::detect::group(counted.len()),
            deciding.join(", "),
            det.min_rows,
            names.join(", ")
        );
        let digest = crate::detect::digest(&rule.class, ids.iter().copied());
        let mut f = self.finding(rule, meta, &first.path, &first.first, &digest, &evidence, &first.sample);
        f.suppressed = self.accepted(&f.digest);
        f.pieces = counted.iter().map(|(_, p)| p.path.clone()).collect();
        f
    }
}
