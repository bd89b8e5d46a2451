//! The Tanium API token and the checks made before it is ever sent.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// The prefix every Tanium API token keeps in the `session` header.
pub const TOKEN_PREFIX: &str = "token-";

/// Why an API token was refused before any request was made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is empty.
    #[error("the Tanium API token is empty")]
    Empty,
    /// The token does not start with `token-`.
    #[error(
        "the Tanium API token must start with \"token-\": Tanium sends API tokens in the \
         `session` header with that prefix kept; a value without it is a console session id, \
         a truncated copy or another product's key"
    )]
    MissingPrefix,
    /// Nothing follows the `token-` prefix.
    #[error("the Tanium API token has nothing after its \"token-\" prefix")]
    NothingAfterPrefix,
    /// The token holds whitespace or control characters (usually a copy-paste slip).
    #[error(
        "the Tanium API token contains whitespace or control characters; copy it again without \
         spaces or line breaks"
    )]
    InvalidCharacters,
}

/// A checked Tanium API token. `Debug` never shows the value.
#[derive(Clone)]
pub struct ApiToken(SecretString);

impl ApiToken {
    /// Checks a token: non-empty, `token-` prefix, printable ASCII without spaces.
    ///
    /// ```
    /// use secrecy::SecretString;
    /// use tanium_gateway::{ApiToken, TokenError};
    ///
    /// assert!(ApiToken::new(SecretString::from("token-abc123")).is_ok());
    /// let refused = ApiToken::new(SecretString::from("abc123")).err();
    /// assert_eq!(refused, Some(TokenError::MissingPrefix));
    /// ```
    pub fn new(token: SecretString) -> Result<Self, TokenError> {
        let value = token.expose_secret();
        if value.is_empty() {
            return Err(TokenError::Empty);
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TokenError::InvalidCharacters);
        }
        let Some(rest) = value.strip_prefix(TOKEN_PREFIX) else {
            return Err(TokenError::MissingPrefix);
        };
        if rest.is_empty() {
            return Err(TokenError::NothingAfterPrefix);
        }
        if !value.is_ascii() {
            return Err(TokenError::InvalidCharacters);
        }
        Ok(Self(token))
    }

    /// The `session` header value, marked sensitive so `Debug` hides it.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, TokenError> {
        let mut value = HeaderValue::from_str(self.0.expose_secret())
            .map_err(|_| TokenError::InvalidCharacters)?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str) -> Result<ApiToken, TokenError> {
        ApiToken::new(SecretString::from(value))
    }

    #[test]
    fn accepts_a_prefixed_token() {
        assert!(check("token-0123456789abcdef").is_ok());
    }

    #[test]
    fn names_each_reason_for_refusal() {
        assert_eq!(check("").err(), Some(TokenError::Empty));
        assert_eq!(
            check("0123456789abcdef").err(),
            Some(TokenError::MissingPrefix)
        );
        assert_eq!(
            check("Bearer token-abc").err(),
            Some(TokenError::InvalidCharacters)
        );
        assert_eq!(check("token-").err(), Some(TokenError::NothingAfterPrefix));
        assert_eq!(
            check("token-abc\n").err(),
            Some(TokenError::InvalidCharacters)
        );
        assert_eq!(
            check("token-abcé").err(),
            Some(TokenError::InvalidCharacters)
        );
    }

    #[test]
    fn the_message_says_why() {
        let message = TokenError::MissingPrefix.to_string();
        assert!(message.contains("token-"), "{message}");
        assert!(message.contains("session"), "{message}");
    }

    #[test]
    fn debug_hides_the_value() {
        let token = check("token-supersecret").unwrap();
        assert!(!format!("{token:?}").contains("supersecret"));
        let header = token.header_value().unwrap();
        assert!(header.is_sensitive());
        assert!(!format!("{header:?}").contains("supersecret"));
    }
}
