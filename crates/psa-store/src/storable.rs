//! What the databases cannot hold, made storable at one place, the same on
//! both backends: NUL bytes are removed from every text and JSON value a
//! write carries (PostgreSQL refuses them in `text` and `jsonb`; SQLite
//! would keep them, so the two would differ), and integers beyond a
//! column's range are stored as null (see
//! [`MAX_STORED_CPU_CORES`](psa_ingest::ports::MAX_STORED_CPU_CORES)).
//! Everything else of the record is kept.

use psa_ingest::ports::{AlertTicketUpdate, AlertUpsert, AssetBatch, NewComment, NewTicket};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::borrow::Cow;

/// `text` without NUL bytes.
pub(crate) fn text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', ""))
    } else {
        Cow::Borrowed(text)
    }
}

/// Cleans a text in place.
fn clean(text: &mut String) {
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
}

fn clean_opt(text: &mut Option<String>) {
    if let Some(text) = text {
        clean(text);
    }
}

/// Cleans every string of a JSON value (keys included) in place.
pub(crate) fn clean_json(value: &mut Value) {
    match value {
        Value::String(s) => clean(s),
        Value::Array(items) => items.iter_mut().for_each(clean_json),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains('\0')) {
                let entries = std::mem::take(map);
                for (mut key, mut item) in entries {
                    clean(&mut key);
                    clean_json(&mut item);
                    map.insert(key, item);
                }
            } else {
                map.values_mut().for_each(clean_json);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// A JSON value without NUL bytes.
pub(crate) fn json(value: Value) -> Value {
    let mut value = value;
    clean_json(&mut value);
    value
}

/// Whether any string `value` serializes holds a NUL byte: serializes into
/// a scanner, no allocation (serde_json writes a NUL as `\u0000`; a text
/// holding that very escape as characters also answers yes, which only
/// costs a clean copy).
fn has_nul<T: Serialize>(value: &T) -> bool {
    struct Scan {
        tail: Vec<u8>,
        found: bool,
    }
    impl std::io::Write for Scan {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if !self.found {
                self.tail.extend_from_slice(buf);
                self.found = self.tail.windows(6).any(|w| w == b"\\u0000");
                let keep = self.tail.len().saturating_sub(5);
                self.tail.drain(..keep);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut scan = Scan {
        tail: Vec::with_capacity(16),
        found: false,
    };
    serde_json::to_writer(&mut scan, value).is_ok() && scan.found
}

/// `value` with NUL bytes removed from all its strings, through its JSON
/// form (only when it holds one).
fn cleaned<T: Serialize + DeserializeOwned + Clone>(value: &T) -> Cow<'_, T> {
    if !has_nul(value) {
        return Cow::Borrowed(value);
    }
    let mut json = serde_json::to_value(value).expect("a contract type serializes");
    clean_json(&mut json);
    match serde_json::from_value(json) {
        Ok(clean) => Cow::Owned(clean),
        // Removing NUL bytes keeps every shape; should a type refuse its
        // cleaned form, the write goes on as given and the database says.
        Err(_) => Cow::Borrowed(value),
    }
}

/// A batch whose devices hold no NUL byte.
pub(crate) fn asset_batch(batch: &AssetBatch) -> Cow<'_, AssetBatch> {
    let dirty = batch
        .creates
        .iter()
        .chain(&batch.updates)
        .any(|w| has_nul(&w.device));
    if !dirty {
        return Cow::Borrowed(batch);
    }
    let mut batch = batch.clone();
    for write in batch.creates.iter_mut().chain(batch.updates.iter_mut()) {
        if let Cow::Owned(mut device) = cleaned(&write.device) {
            // Ids stay as given: they are keys the engine looks up again.
            device.external_id.clone_from(&write.device.external_id);
            device.scope_id.clone_from(&write.device.scope_id);
            write.device = device;
        }
    }
    Cow::Owned(batch)
}

/// Scopes without NUL bytes.
pub(crate) fn scopes(
    scopes: &[psa_ingest::contracts::NormalizedScope],
) -> Cow<'_, [psa_ingest::contracts::NormalizedScope]> {
    if !scopes.iter().any(has_nul) {
        return Cow::Borrowed(scopes);
    }
    Cow::Owned(
        scopes
            .iter()
            .map(|scope| {
                let mut clean = cleaned(scope).into_owned();
                clean.external_id.clone_from(&scope.external_id);
                clean.parent.clone_from(&scope.parent);
                clean
            })
            .collect(),
    )
}

/// An entity mapping without NUL bytes.
pub(crate) fn entity_mapping(
    mapping: psa_ingest::ports::EntityMapping,
) -> psa_ingest::ports::EntityMapping {
    match cleaned(&mapping) {
        Cow::Borrowed(_) => mapping,
        Cow::Owned(mut clean) => {
            clean.external_entity_id = mapping.external_entity_id;
            clean.external_realm_id = mapping.external_realm_id;
            clean
        }
    }
}

// Ids and references (external ids, source references) stay as given
// everywhere: they are keys, looked up again by what the provider sent. One
// holding a NUL byte fails its record alone (PostgreSQL refuses it: a record
// error, not a store failure).

pub(crate) fn alert(mut alert: AlertUpsert) -> AlertUpsert {
    clean(&mut alert.severity);
    clean(&mut alert.status);
    clean(&mut alert.message);
    clean_opt(&mut alert.device_name);
    clean_json(&mut alert.metadata);
    alert
}

pub(crate) fn ticket(mut ticket: NewTicket) -> NewTicket {
    clean(&mut ticket.title);
    clean(&mut ticket.description);
    clean_opt(&mut ticket.source);
    clean_json(&mut ticket.attributes);
    ticket
}

pub(crate) fn comment(mut comment: NewComment) -> NewComment {
    clean(&mut comment.note);
    comment
}

pub(crate) fn comments(comments: &[NewComment]) -> Cow<'_, [NewComment]> {
    if comments.iter().any(|c| c.note.contains('\0')) {
        Cow::Owned(comments.iter().cloned().map(comment).collect())
    } else {
        Cow::Borrowed(comments)
    }
}

pub(crate) fn ticket_update(mut update: AlertTicketUpdate) -> AlertTicketUpdate {
    update.note = update.note.map(comment);
    update.alert = alert(update.alert);
    update
}

pub(crate) fn opt_text(text: Option<String>) -> Option<String> {
    text.map(|mut t| {
        clean(&mut t);
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_bytes_leave_text_and_json_and_nothing_else_changes() {
        assert_eq!(text("a\0b"), "ab");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
        let value = json(serde_json::json!({"k\0": ["x\0y", 1, {"z": "\0"}], "n": null}));
        assert_eq!(
            value,
            serde_json::json!({"k": ["xy", 1, {"z": ""}], "n": null})
        );
        assert!(has_nul(&"a\0"));
        assert!(!has_nul(&serde_json::json!({"a": "no nul", "b": [1, 2]})));
    }
}
