use crate::support::raw;
use psa_ingest::ports::{SecretStore as _, StoreError};
use psa_store::test_util::TestStore;
use psa_store::{OpenOptions, PsaStore, SecretKey};
use secrecy::{ExposeSecret as _, SecretString};

const PLAINTEXT: &str = "tanium-api-token-0123456789";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn secrets_round_trip_encrypted(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    store
        .put_secret(tenant, "tanium/api", &SecretString::from(PLAINTEXT))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_secret(tenant, "tanium/api")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        PLAINTEXT
    );

    // The raw row holds neither the plaintext nor its bytes.
    let rows = raw(
        &store,
        "SELECT name, encode(nonce, 'hex'), encode(ciphertext, 'hex') FROM secrets",
        "SELECT name, lower(hex(nonce)), lower(hex(ciphertext)) FROM secrets",
        &[],
    )
    .await;
    assert_eq!(rows.len(), 1);
    let stored = rows[0]
        .iter()
        .map(|c| c.clone().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        !stored.contains(PLAINTEXT) && !stored.contains(&hex(PLAINTEXT.as_bytes())),
        "plaintext stored: {stored}"
    );
    assert_eq!(
        rows[0][1].as_deref().map(str::len),
        Some(24),
        "12-byte nonce"
    );

    // Replace, then delete.
    store
        .put_secret(tenant, "tanium/api", &SecretString::from("rotated"))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_secret(tenant, "tanium/api")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "rotated"
    );
    assert!(store.delete_secret(tenant, "tanium/api").await.unwrap());
    assert!(!store.delete_secret(tenant, "tanium/api").await.unwrap());
    assert!(
        store
            .get_secret(tenant, "tanium/api")
            .await
            .unwrap()
            .is_none()
    );

    let bad_name = store
        .put_secret(tenant, "", &SecretString::from("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(bad_name, StoreError::InvalidInput { .. }),
        "{bad_name}"
    );
}

/// A key rotation: the new key writes, the old one is still read, a
/// rotation re-seals every secret in batches (resumable: a second call has
/// nothing left), and afterwards the old key is no longer needed. Rows
/// sealed before key ids were kept are rotated too.
async fn secrets_rotate_to_a_new_key_in_batches(store: TestStore) {
    let old = store.secret_key().clone();
    let (a, b) = (
        store.create_tenant("A").await.unwrap(),
        store.create_tenant("B").await.unwrap(),
    );
    for (tenant, name) in [(a, "tanium/api"), (a, "huntress/key"), (b, "huntress/key")] {
        store
            .put_secret(
                tenant,
                name,
                &SecretString::from(format!("{name} of {tenant}")),
            )
            .await
            .unwrap();
    }
    // One row as an earlier version wrote it: no key id.
    let legacy = raw(
        &store,
        "UPDATE secrets SET key_id = NULL WHERE name = 'tanium/api' RETURNING name",
        "UPDATE secrets SET key_id = NULL WHERE name = 'tanium/api' RETURNING name",
        &[],
    )
    .await;
    assert_eq!(legacy.len(), 1);

    let new = SecretKey::generate();
    assert_ne!(new.id(), old.id());
    let rotating = store
        .store()
        .clone()
        .with_secret_key(new.clone())
        .with_previous_secret_keys(vec![old.clone()]);
    let value = |tenant, name: &'static str| format!("{name} of {tenant}");
    assert_eq!(
        rotating
            .get_secret(a, "huntress/key")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        value(a, "huntress/key"),
        "the old key is still read"
    );

    // Tenant B alone first, then everyone, two at a time.
    let only_b = rotating.rotate_secrets(Some(b), 2).await.unwrap();
    assert_eq!(only_b.resealed, 1);
    let rest = rotating.rotate_secrets(None, 2).await.unwrap();
    assert_eq!((rest.resealed, rest.batches), (2, 1));
    assert_eq!(
        rotating.rotate_secrets(None, 2).await.unwrap().resealed,
        0,
        "nothing left"
    );

    let new_only = store.store().clone().with_secret_key(new.clone());
    for (tenant, name) in [(a, "tanium/api"), (a, "huntress/key"), (b, "huntress/key")] {
        assert_eq!(
            new_only
                .get_secret(tenant, name)
                .await
                .unwrap()
                .unwrap()
                .expose_secret(),
            value(tenant, name)
        );
    }
    let old_only = store.store().clone().with_secret_key(old);
    let error = old_only.get_secret(a, "huntress/key").await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::Secret { .. }), "{message}");
    assert!(
        message.contains(&new.id()),
        "names the key it needs: {message}"
    );
}

async fn a_wrong_key_fails_clearly(store: TestStore) {
    let tenant = store.create_tenant("T").await.unwrap();
    store
        .put_secret(tenant, "huntress/key", &SecretString::from(PLAINTEXT))
        .await
        .unwrap();

    let wrong = store.store().clone().with_secret_key(SecretKey::generate());
    let err = wrong.get_secret(tenant, "huntress/key").await.unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StoreError::Secret { .. }), "{message}");
    assert!(
        message.contains("huntress/key") && message.contains("key"),
        "{message}"
    );
    assert!(!message.contains(PLAINTEXT));

    let keyless = PsaStore::open_with(store.url(), OpenOptions::new().run_migrations(false))
        .await
        .unwrap();
    let err = keyless
        .get_secret(tenant, "huntress/key")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Secret { message } if message.contains("PSA_SECRET_KEY")),
        "{err}"
    );
    assert!(
        !format!("{keyless:?} {store:?}").contains(&store.secret_key().to_base64_unprotected())
    );
    keyless.close().await;
}

psa_store::backend_tests!(
    secrets_rotate_to_a_new_key_in_batches,
    secrets_round_trip_encrypted,
    a_wrong_key_fails_clearly
);
