//! The key that encrypts secrets at rest, given by the embedding service.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{KeyInit, OsRng};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use secrecy::zeroize::Zeroize;
use secrecy::{ExposeSecret, SecretBox};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Environment variable holding the key as base64 of 32 bytes.
pub const SECRET_KEY_ENV: &str = "PSA_SECRET_KEY";
/// Environment variable holding the path of a key file (used when
/// [`SECRET_KEY_ENV`] is unset).
pub const SECRET_KEY_FILE_ENV: &str = "PSA_SECRET_KEY_FILE";

/// Why a secret key could not be loaded. Never contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretKeyError {
    /// Neither `PSA_SECRET_KEY` nor `PSA_SECRET_KEY_FILE` is set.
    #[error(
        "no secret key configured: set {SECRET_KEY_ENV} (base64 of 32 bytes) or {SECRET_KEY_FILE_ENV} (a key file path)"
    )]
    NotConfigured,
    /// The text is not valid base64.
    #[error("secret key from {origin} is not valid base64")]
    NotBase64 {
        /// Where the key came from (an env var name or a file path).
        origin: String,
    },
    /// The key does not decode to exactly 32 bytes.
    #[error("secret key from {origin} is {len} bytes long; AES-256 needs exactly 32")]
    WrongLength {
        /// Where the key came from.
        origin: String,
        /// The decoded length.
        len: usize,
    },
    /// The key file could not be read or written.
    #[error("secret key file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
}

/// A 256-bit AES-GCM key. Its `Debug` is redacted and its memory is zeroed
/// when the last clone is dropped.
///
/// ```
/// use psa_store::SecretKey;
/// let key = SecretKey::generate();
/// let again = SecretKey::from_base64(&key.to_base64_unprotected()).unwrap();
/// assert_eq!(format!("{again:?}"), "SecretKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct SecretKey(Arc<SecretBox<[u8; 32]>>);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl SecretKey {
    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Arc::new(SecretBox::new(Box::new(bytes))))
    }

    /// The key's id, stored with each secret it seals: `k` and the first 8
    /// bytes of the SHA-256 of the key, in hex (it tells keys apart and
    /// reveals nothing of the key).
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.bytes());
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        format!("k{hex}")
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        let mut key = Aes256Gcm::generate_key(OsRng);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&key);
        key.as_mut_slice().zeroize();
        let secret = Self::from_bytes(bytes);
        bytes.zeroize();
        secret
    }

    /// Parses base64 (standard alphabet, padded) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, SecretKeyError> {
        Self::decode(text, "the given text")
    }

    /// Reads the key from `PSA_SECRET_KEY` (base64), or else from the file
    /// named by `PSA_SECRET_KEY_FILE`.
    pub fn from_env() -> Result<Self, SecretKeyError> {
        if let Ok(mut text) = std::env::var(SECRET_KEY_ENV) {
            let key = Self::decode(&text, SECRET_KEY_ENV);
            text.zeroize();
            return key;
        }
        match std::env::var_os(SECRET_KEY_FILE_ENV) {
            Some(path) => Self::from_file(path),
            None => Err(SecretKeyError::NotConfigured),
        }
    }

    /// Reads a key file: base64 of 32 bytes, surrounding whitespace ignored.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SecretKeyError> {
        let path = path.as_ref();
        let mut text = std::fs::read_to_string(path).map_err(|source| SecretKeyError::Io {
            path: path.to_owned(),
            source,
        })?;
        let key = Self::decode(&text, &path.display().to_string());
        text.zeroize();
        key
    }

    /// Zero-setup local use (examples, a developer's SQLite file): reads the
    /// key file at `path`, or when it does not exist generates a key and
    /// writes it there (mode 0600 on Unix). Production services should pass
    /// their own key instead.
    pub fn load_or_create_file(path: impl AsRef<Path>) -> Result<Self, SecretKeyError> {
        let path = path.as_ref();
        match Self::from_file(path) {
            Err(SecretKeyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            other => return other,
        }
        let key = Self::generate();
        let mut text = key.to_base64_unprotected();
        let written = write_new_private_file(path, text.as_bytes());
        text.zeroize();
        match written {
            Ok(()) => Ok(key),
            // Another process created it first: use theirs.
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Self::from_file(path),
            Err(source) => Err(SecretKeyError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// The key for the database `url` names, with no setup on SQLite: the
    /// key [`from_env`](Self::from_env) when `PSA_SECRET_KEY` or
    /// `PSA_SECRET_KEY_FILE` is set; else a SQLite file keeps its key in the
    /// file beside it ([`load_or_create_file`](Self::load_or_create_file) of
    /// [`key_file_beside`](Self::key_file_beside)) and an in-memory database
    /// gets a fresh key; any other database (PostgreSQL) needs the
    /// variables.
    ///
    /// ```
    /// use psa_store::SecretKey;
    /// assert!(SecretKey::for_url("sqlite::memory:").is_ok());
    /// ```
    pub fn for_url(url: &str) -> Result<Self, SecretKeyError> {
        if std::env::var_os(SECRET_KEY_ENV).is_some()
            || std::env::var_os(SECRET_KEY_FILE_ENV).is_some()
        {
            return Self::from_env();
        }
        let sqlite = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"));
        match sqlite.map(|path| path.split('?').next().unwrap_or(path)) {
            Some(":memory:" | "") => Ok(Self::generate()),
            Some(path) => Self::load_or_create_file(Self::key_file_beside(path)),
            None => Self::from_env(),
        }
    }

    /// The conventional key file for a SQLite database file: the same path
    /// with `.key` appended (`data/psa.db` -> `data/psa.db.key`).
    pub fn key_file_beside(database_path: impl AsRef<Path>) -> PathBuf {
        let mut name = database_path.as_ref().as_os_str().to_owned();
        name.push(".key");
        PathBuf::from(name)
    }

    /// The key as base64, for writing a key file or a secret manager entry.
    /// The caller becomes responsible for keeping the text secret.
    pub fn to_base64_unprotected(&self) -> String {
        BASE64.encode(self.0.expose_secret())
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        self.0.expose_secret()
    }

    fn decode(text: &str, origin: &str) -> Result<Self, SecretKeyError> {
        let mut decoded = BASE64
            .decode(text.trim())
            .map_err(|_| SecretKeyError::NotBase64 {
                origin: origin.to_owned(),
            })?;
        let result = match <[u8; 32]>::try_from(decoded.as_slice()) {
            Ok(mut bytes) => {
                let key = Self::from_bytes(bytes);
                bytes.zeroize();
                Ok(key)
            }
            Err(_) => Err(SecretKeyError::WrongLength {
                origin: origin.to_owned(),
                len: decoded.len(),
            }),
        };
        decoded.zeroize();
        result
    }
}

fn write_new_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_file_keeps_its_key_beside_it_and_memory_needs_none() {
        if std::env::var_os(SECRET_KEY_ENV).is_some()
            || std::env::var_os(SECRET_KEY_FILE_ENV).is_some()
        {
            return; // The variables win; nothing here to check.
        }
        let path =
            std::env::temp_dir().join(format!("psa-key-{}.db", uuid::Uuid::now_v7().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let first = SecretKey::for_url(&url).unwrap();
        let again = SecretKey::for_url(&url).unwrap();
        assert_eq!(first.bytes(), again.bytes());
        assert!(SecretKey::key_file_beside(&path).exists());
        let _ = std::fs::remove_file(SecretKey::key_file_beside(&path));
        assert!(SecretKey::for_url("sqlite::memory:").is_ok());
        assert!(matches!(
            SecretKey::for_url("postgres://localhost/psa"),
            Err(SecretKeyError::NotConfigured)
        ));
    }

    #[test]
    fn base64_round_trip_and_length_check() {
        let key = SecretKey::generate();
        let parsed = SecretKey::from_base64(&key.to_base64_unprotected()).unwrap();
        assert_eq!(parsed.bytes(), key.bytes());

        let short = BASE64.encode([7u8; 16]);
        assert!(matches!(
            SecretKey::from_base64(&short),
            Err(SecretKeyError::WrongLength { len: 16, .. })
        ));
        assert!(matches!(
            SecretKey::from_base64("not base64!"),
            Err(SecretKeyError::NotBase64 { .. })
        ));
    }

    #[test]
    fn debug_is_redacted() {
        let key = SecretKey::from_bytes([0x41; 32]);
        let debug = format!("{key:?}");
        assert_eq!(debug, "SecretKey(<redacted>)");
        assert!(!debug.contains(&key.to_base64_unprotected()));
    }

    #[test]
    fn key_file_is_created_once_then_reused() {
        let dir = std::env::temp_dir().join(format!("psa-store-key-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = SecretKey::key_file_beside(dir.join("psa.db"));
        assert_eq!(path, dir.join("psa.db.key"));

        let first = SecretKey::load_or_create_file(&path).unwrap();
        let second = SecretKey::load_or_create_file(&path).unwrap();
        assert_eq!(first.bytes(), second.bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "key file must not be readable by others");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_key_file_names_the_path() {
        let err = SecretKey::from_file("/nonexistent/psa.key").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/psa.key"), "{err}");
    }
}
