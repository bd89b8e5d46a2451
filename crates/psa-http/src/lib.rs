//! The HTTP core every vendor client shares, hardened once:
//!
//! - [`UrlPolicy`]: which vendor URLs a worker may call, decided by the
//!   embedding service (tenants type the URLs): `https` only, no private,
//!   loopback, link-local or cloud-metadata address unless allowed, checked
//!   on the URL and again on every address a host name resolves to
//!   ([`UrlPolicy::resolver`]), so a name that later resolves inward is
//!   refused too.
//! - [`read_capped`]: a response body read in chunks up to a cap; past it
//!   a typed error, never an allocation of the whole body.
//! - [`parse_retry_after`]: `Retry-After` as seconds or an HTTP date,
//!   clamped, never a panic on a hostile value.
//! - [`excerpt`]: the short, sanitized piece of a body that errors and
//!   stored messages may carry.
//! - [`RetryStrategy`] and [`retry`]: the one retry strategy, as data, and
//!   the one retry loop (on `backon`); a provider's quirks go in its
//!   verdict and its `on_retry` hook.

mod body;
mod excerpt;
mod policy;
mod retry;
mod retry_after;

pub use body::{BodyError, DEFAULT_MAX_BODY_BYTES, read_capped};
pub use excerpt::{EXCERPT_CHARS, excerpt, without_user_info};
pub use policy::{UrlPolicy, UrlRefused};
pub use retry::{RetryStrategy, Verdict, retry};
pub use retry_after::{DEFAULT_MAX_RETRY_AFTER, parse_retry_after};
