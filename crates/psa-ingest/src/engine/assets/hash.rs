//! The content hash of a snapshot, kept with the mapping so an unchanged
//! device costs no write.

use crate::ClientId;
use crate::contracts::{AgentStatus, NormalizedDevice};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Snapshots hashed between two yields to the executor: about a tenth of a
/// millisecond of work, so a query polled alongside goes out promptly.
const HASH_CHUNK: usize = 32;

/// The content hash of each snapshot (`None` for a deleted or tombstoned
/// device, which is never written), and the time spent hashing. Yields to
/// the executor between chunks so that, joined with the correlation query,
/// the hashing runs while the query does.
///
/// With `derived_status` the agent status is left out of the hash: it
/// follows from the last-seen time and is kept true by the engine's status
/// step, so a device whose status alone moved is not rewritten.
pub(crate) async fn hash_snapshots(
    routed: &mut [(ClientId, NormalizedDevice)],
    derived_status: bool,
) -> (Vec<Option<String>>, Duration) {
    let mut hashes = Vec::with_capacity(routed.len());
    let mut spent = Duration::ZERO;
    let mut json = Vec::new();
    for chunk in routed.chunks_mut(HASH_CHUNK) {
        YieldNow(false).await;
        let started = Instant::now();
        for (client, device) in chunk {
            if device.lifecycle.is_gone() {
                hashes.push(None);
                continue;
            }
            let status = derived_status
                .then(|| std::mem::replace(&mut device.agent_status, AgentStatus::Unknown));
            hashes.push(Some(content_hash(*client, device, &mut json)));
            if let Some(status) = status {
                device.agent_status = status;
            }
        }
        spent += started.elapsed();
    }
    (hashes, spent)
}

/// SHA-256 (hex) of the client and the snapshot as JSON. The client is part
/// of it so a scope remapped to another client moves its assets. The JSON of
/// a snapshot is deterministic (struct field order, sorted `extra` keys).
/// `json` is a scratch buffer: serialized whole, the snapshot is hashed in
/// one call instead of one per JSON token.
pub(crate) fn content_hash(
    client: ClientId,
    device: &NormalizedDevice,
    json: &mut Vec<u8>,
) -> String {
    json.clear();
    serde_json::to_writer(&mut *json, device).expect("a snapshot always serializes");
    let mut hasher = Sha256::new();
    hasher.update(client.0.as_bytes());
    hasher.update(&json);
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).expect("nibble"));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).expect("nibble"));
    }
    hex
}

/// Pending once (after waking its task), then ready: lets the executor poll
/// the futures joined with the current one.
struct YieldNow(bool);

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// A 64-bit fingerprint of an external id, for the set of devices seen in a
/// walk: 8 bytes a device instead of the id itself keeps memory flat.
pub(crate) fn id_fingerprint(external_id: &str) -> u64 {
    let digest = Sha256::digest(external_id.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProviderId;
    use crate::contracts::{AgentStatus, DeviceLifecycle, DeviceType};

    fn device(id: &str, lifecycle: DeviceLifecycle) -> NormalizedDevice {
        NormalizedDevice {
            provider: ProviderId::new("tanium").unwrap(),
            external_id: id.to_owned(),
            scope_id: "g1".to_owned(),
            lifecycle,
            device_type: DeviceType::Workstation,
            name: format!("host-{id}"),
            serial_number: None,
            asset_tag: None,
            agent_status: AgentStatus::Online,
            last_seen_at: None,
            os: Default::default(),
            hardware: Default::default(),
            network: Default::default(),
            users: Default::default(),
            installed_software: vec![],
            extra: Default::default(),
        }
    }

    /// Hashes already stored stay valid: SHA-256 of the client's bytes and
    /// the snapshot's JSON, whatever was hashed before with the same buffer.
    #[test]
    fn the_hash_is_of_the_client_and_the_json_alone() {
        let client = ClientId(uuid::Uuid::from_u128(7));
        let long = device("a-much-longer-device-id", DeviceLifecycle::Active);
        let short = device("d1", DeviceLifecycle::Active);
        let mut json = Vec::new();
        content_hash(client, &long, &mut json);

        let hash = content_hash(client, &short, &mut json);

        let mut expected = Sha256::new();
        expected.update(client.0.as_bytes());
        expected.update(serde_json::to_vec(&short).unwrap());
        let expected: String = expected
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, expected);
        let other_client = ClientId(uuid::Uuid::from_u128(8));
        assert_ne!(content_hash(other_client, &short, &mut json), hash);
    }

    #[tokio::test]
    async fn snapshots_are_hashed_in_order_and_gone_ones_not_at_all() {
        let client = ClientId(uuid::Uuid::from_u128(7));
        let mut routed: Vec<_> = (0..HASH_CHUNK * 2 + 1)
            .map(|i| {
                let lifecycle = if i == 3 {
                    DeviceLifecycle::Deleted
                } else {
                    DeviceLifecycle::Active
                };
                (client, device(&format!("d{i}"), lifecycle))
            })
            .collect();

        let (hashes, _) = hash_snapshots(&mut routed, false).await;

        assert_eq!(hashes.len(), routed.len());
        for (i, ((client, device), hash)) in routed.iter().zip(&hashes).enumerate() {
            let expected = (i != 3).then(|| content_hash(*client, device, &mut Vec::new()));
            assert_eq!(hash, &expected, "device {i}");
        }
    }

    #[tokio::test]
    async fn a_derived_agent_status_is_left_out_of_the_hash_and_kept() {
        let client = ClientId(uuid::Uuid::from_u128(7));
        let mut online = device("d1", DeviceLifecycle::Active);
        online.agent_status = AgentStatus::Online;
        let mut offline = online.clone();
        offline.agent_status = AgentStatus::Offline;
        let mut routed = vec![(client, online), (client, offline)];

        let (derived, _) = hash_snapshots(&mut routed, true).await;
        assert_eq!(derived[0], derived[1], "status alone changes nothing");
        assert_eq!(routed[0].1.agent_status, AgentStatus::Online, "kept");
        assert_eq!(routed[1].1.agent_status, AgentStatus::Offline, "kept");

        let (reported, _) = hash_snapshots(&mut routed, false).await;
        assert_ne!(reported[0], reported[1], "a reported status is content");
    }
}
