//! Secret encryption: AES-256-GCM with a fresh random nonce per write, the
//! tenant and the secret's name bound as associated data (a ciphertext
//! copied to another tenant or name does not decrypt).

use crate::SecretKey;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use psa_ingest::TenantId;
use psa_ingest::ports::{StoreError, StoreResult};
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretString};

/// Versioned so a future format can be told apart.
const AAD_PREFIX: &[u8] = b"psa-store/secret/v1";
const NONCE_LEN: usize = 12;

/// A secret as stored: nonce and ciphertext (with its tag), and the id of
/// the key that sealed it (`None` for rows sealed before ids were kept).
pub(crate) struct Sealed {
    pub(crate) nonce: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
    pub(crate) key_id: Option<String>,
}

fn associated_data(tenant: TenantId, name: &str) -> Vec<u8> {
    // The tenant is fixed-width, so tenant || name is unambiguous.
    let mut aad = Vec::with_capacity(AAD_PREFIX.len() + 16 + name.len());
    aad.extend_from_slice(AAD_PREFIX);
    aad.extend_from_slice(tenant.0.as_bytes());
    aad.extend_from_slice(name.as_bytes());
    aad
}

fn cipher(key: &SecretKey) -> Aes256Gcm {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.bytes()))
}

fn secret_error(message: String) -> StoreError {
    StoreError::Secret { message }
}

/// Encrypts a secret for `(tenant, name)`.
pub(crate) fn seal(
    key: &SecretKey,
    tenant: TenantId,
    name: &str,
    value: &SecretString,
) -> StoreResult<Sealed> {
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = associated_data(tenant, name);
    let ciphertext = cipher(key)
        .encrypt(
            &nonce,
            Payload {
                msg: value.expose_secret().as_bytes(),
                aad: &aad,
            },
        )
        .map_err(|_| secret_error(format!("cannot encrypt secret {name:?}")))?;
    Ok(Sealed {
        nonce: nonce.to_vec(),
        ciphertext,
        key_id: Some(key.id()),
    })
}

/// Decrypts a stored secret with whichever of `keys` sealed it: the one
/// its key id names, or (for a row without one) each in turn.
pub(crate) fn open_with_any(
    keys: &[&SecretKey],
    tenant: TenantId,
    name: &str,
    sealed: &Sealed,
) -> StoreResult<SecretString> {
    if let Some(id) = &sealed.key_id {
        let Some(key) = keys.iter().find(|k| k.id() == *id) else {
            return Err(secret_error(format!(
                "cannot decrypt secret {name:?}: it was sealed with key {id}, which this store \
                 was not given (configure it as a previous key until the rotation is done)"
            )));
        };
        return open(key, tenant, name, sealed);
    }
    let mut last = None;
    for key in keys {
        match open(key, tenant, name, sealed) {
            Ok(value) => return Ok(value),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| secret_error("no secret key configured".to_owned())))
}

/// Decrypts a stored secret; a wrong key or altered row is a clear
/// [`StoreError::Secret`], never garbage.
pub(crate) fn open(
    key: &SecretKey,
    tenant: TenantId,
    name: &str,
    sealed: &Sealed,
) -> StoreResult<SecretString> {
    if sealed.nonce.len() != NONCE_LEN {
        return Err(secret_error(format!(
            "stored secret {name:?} has a {}-byte nonce; expected {NONCE_LEN}",
            sealed.nonce.len()
        )));
    }
    let aad = associated_data(tenant, name);
    let mut plain = cipher(key)
        .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: &aad })
        .map_err(|_| {
            secret_error(format!(
                "cannot decrypt secret {name:?}: the store's secret key is not the one it was written with, \
                 or the stored row was altered"
            ))
        })?;
    match String::from_utf8(std::mem::take(&mut plain)) {
        Ok(text) => Ok(SecretString::from(text)),
        Err(err) => {
            err.into_bytes().zeroize();
            Err(secret_error(format!("stored secret {name:?} is not UTF-8")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces() {
        let key = SecretKey::generate();
        let tenant = TenantId::new();
        let value = SecretString::from("hunter2");
        let a = seal(&key, tenant, "api", &value).unwrap();
        let b = seal(&key, tenant, "api", &value).unwrap();
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        assert!(!a.ciphertext.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(
            open(&key, tenant, "api", &a).unwrap().expose_secret(),
            "hunter2"
        );
    }

    #[test]
    fn wrong_key_tenant_or_name_fails_clearly() {
        let key = SecretKey::generate();
        let tenant = TenantId::new();
        let sealed = seal(&key, tenant, "api", &SecretString::from("hunter2")).unwrap();

        let wrong_key = open(&SecretKey::generate(), tenant, "api", &sealed).unwrap_err();
        assert!(
            matches!(&wrong_key, StoreError::Secret { message } if message.contains("secret key")),
            "{wrong_key}"
        );
        assert!(matches!(
            open(&key, TenantId::new(), "api", &sealed),
            Err(StoreError::Secret { .. })
        ));
        assert!(matches!(
            open(&key, tenant, "other", &sealed),
            Err(StoreError::Secret { .. })
        ));
    }
}
