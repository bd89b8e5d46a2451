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

psa_store::backend_tests!(secrets_round_trip_encrypted, a_wrong_key_fails_clearly);
