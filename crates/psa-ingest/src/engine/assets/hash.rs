//! The content hash of a snapshot, kept with the mapping so an unchanged
//! device costs no write.

use crate::ClientId;
use crate::contracts::NormalizedDevice;
use sha2::{Digest, Sha256};
use std::io;

/// Feeds serialized bytes straight into the hasher: no intermediate buffer.
struct HashWriter<'a>(&'a mut Sha256);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// SHA-256 (hex) of the client and the snapshot as JSON. The client is part
/// of it so a scope remapped to another client moves its assets. The JSON of
/// a snapshot is deterministic (struct field order, sorted `extra` keys).
pub(crate) fn content_hash(client: ClientId, device: &NormalizedDevice) -> String {
    let mut hasher = Sha256::new();
    hasher.update(client.0.as_bytes());
    serde_json::to_writer(HashWriter(&mut hasher), device).expect("a snapshot always serializes");
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).expect("nibble"));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).expect("nibble"));
    }
    hex
}

/// A 64-bit fingerprint of an external id, for the set of devices seen in a
/// walk: 8 bytes a device instead of the id itself keeps memory flat.
pub(crate) fn id_fingerprint(external_id: &str) -> u64 {
    let digest = Sha256::digest(external_id.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}
