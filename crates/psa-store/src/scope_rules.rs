//! Backend-neutral scope logic: duplicate removal, what an upsert changed,
//! and how a finished walk moves a scope's state.

use chrono::{DateTime, Utc};
use psa_ingest::contracts::NormalizedScope;
use psa_ingest::ports::{ScopeUpsertOutcome, ScopeWalk, WalkKind, WalkOutcome};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// The scopes without repeated external ids; the last one listed wins.
pub(crate) fn dedupe(scopes: &[NormalizedScope]) -> Vec<&NormalizedScope> {
    let mut seen = HashSet::new();
    let mut kept: Vec<_> = scopes
        .iter()
        .rev()
        .filter(|s| seen.insert(s.external_id.as_str()))
        .collect();
    kept.reverse();
    kept
}

/// Facts about the scope kept in the mapping's metadata, merged into it on
/// every upsert (other keys, such as `auto_matched`, are left alone).
pub(crate) fn facts(scope: &NormalizedScope) -> Value {
    json!({ "scope_kind": scope.kind.as_str(), "parent_external_id": scope.parent })
}

/// Compares the input with the names stored before the upsert.
pub(crate) fn outcome(
    scopes: &[&NormalizedScope],
    before: &HashMap<String, String>,
) -> ScopeUpsertOutcome {
    let mut outcome = ScopeUpsertOutcome::default();
    for scope in scopes {
        match before.get(&scope.external_id) {
            None => outcome.created.push(scope.external_id.clone()),
            Some(old) if *old != scope.name => {
                outcome
                    .renamed
                    .push((scope.external_id.clone(), old.clone(), scope.name.clone()));
            }
            Some(_) => {}
        }
    }
    outcome
}

/// The `(full_walk_at, device_watermark)` a finished walk sets; `None`
/// keeps the stored value. Only a completed walk moves either.
pub(crate) fn walk_moves(walk: &ScopeWalk) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    match (walk.outcome, walk.kind) {
        (WalkOutcome::Completed, WalkKind::Full) => (Some(walk.started_at), Some(walk.started_at)),
        (WalkOutcome::Completed, WalkKind::Incremental) => (None, Some(walk.started_at)),
        (WalkOutcome::Failed | WalkOutcome::Guarded, _) => (None, None),
    }
}
