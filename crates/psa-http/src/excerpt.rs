use reqwest::Url;

/// Characters of a response body an error keeps.
pub const EXCERPT_CHARS: usize = 300;

/// The start of a response body as errors and stored messages may carry
/// it: at most [`EXCERPT_CHARS`] characters (cut on a character boundary,
/// marked with `…`), invalid UTF-8 replaced, control characters (a NUL, an
/// escape sequence) shown as spaces, whitespace runs folded.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(EXCERPT_CHARS.min(text.len()) + 3);
    let mut taken = 0;
    let mut last_space = true;
    for c in text.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        if taken == EXCERPT_CHARS {
            out.truncate(out.trim_end().len());
            out.push('…');
            return out;
        }
        last_space = c == ' ';
        out.push(c);
        taken += 1;
    }
    out.truncate(out.trim_end().len());
    out
}

/// The URL without its user name and password, for messages.
pub fn without_user_info(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_short_and_plain() {
        assert_eq!(
            excerpt(b"  {\"error\":\n\n \"bad\"}\x00\x1b[31m "),
            "{\"error\": \"bad\"} [31m"
        );
        let long = "é".repeat(1000);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt(&[0xff, b'o', b'k']), "\u{fffd}ok");
        assert_eq!(
            excerpt(br#"{"error":"nope"}"#),
            r#"{"error":"nope"}"#,
            "short bodies stay whole"
        );
        assert_eq!(excerpt(b"  a \n\n b  "), "a b");
    }

    #[test]
    fn user_info_never_reaches_a_message() {
        let url = Url::parse("https://user:hunter2@api.example.com/v1?x=1").unwrap();
        let shown = without_user_info(&url);
        assert_eq!(shown, "https://api.example.com/v1?x=1");
    }
}
