/// The largest response body read by default (32 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is larger than the cap: reading stopped there.
    #[error(
        "the response body is larger than {cap} bytes (the client's cap); nothing of it was used"
    )]
    TooLarge {
        /// The cap, in bytes.
        cap: usize,
    },
    /// The connection failed while reading.
    #[error("reading the response body failed: {0}")]
    Read(#[source] reqwest::Error),
}

impl BodyError {
    /// Whether the read timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Read(error) if error.is_timeout())
    }
}

/// Reads a response body chunk by chunk, at most `cap` bytes: a declared
/// length over the cap is refused before reading, and a body that grows
/// past it stops the read. Memory never exceeds the cap plus one chunk.
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Vec<u8>, BodyError> {
    let declared = response.content_length();
    if declared.is_some_and(|length| length > cap as u64) {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::with_capacity(declared.map_or(8 * 1024, |l| l as usize).min(cap));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::any;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn serve(body: Vec<u8>) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_bytes(body))
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn a_body_within_the_cap_is_read_whole() {
        let server = serve(vec![b'x'; 1000]).await;
        let response = reqwest::get(server.uri()).await.unwrap();
        assert_eq!(read_capped(response, 1000).await.unwrap().len(), 1000);
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_a_typed_error() {
        let server = serve(vec![b'x'; 1001]).await;
        let response = reqwest::get(server.uri()).await.unwrap();
        let error = read_capped(response, 1000).await.unwrap_err();
        assert!(
            matches!(error, BodyError::TooLarge { cap: 1000 }),
            "{error}"
        );
        assert!(error.to_string().contains("1000 bytes"));
    }
}
