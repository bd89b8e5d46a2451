//! One page of a list, the record that could not be decoded, and the page
//! streams that follow `page_token` without ever looping.

use crate::HuntressError;
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt;

/// One page of a list call.
///
/// A record that could not be decoded does not fail the page: it is kept in
/// [`Page::undecodable`] with its raw JSON, for the caller to report.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The records that decoded, in the server's order.
    pub items: Vec<T>,
    /// The records that did not, with their position in the page.
    pub undecodable: Vec<UndecodableRecord>,
    /// The token of the next page; `None` on the last page.
    pub next_page_token: Option<String>,
    /// The server's URL of the next page, when sent.
    pub next_page_url: Option<String>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            undecodable: Vec::new(),
            next_page_token: None,
            next_page_url: None,
        }
    }
}

impl<T> Page<T> {
    /// A last page holding `items` (handy for mocks).
    pub fn new(items: Vec<T>) -> Self {
        Self {
            items,
            ..Self::default()
        }
    }

    /// The same page pointing at a next page.
    pub fn with_next_page_token(mut self, token: impl Into<String>) -> Self {
        self.next_page_token = Some(token.into());
        self
    }

    /// Whether no page follows.
    pub fn is_last(&self) -> bool {
        self.next_page_token.is_none()
    }

    /// Records on the page, decoded or not.
    pub fn record_count(&self) -> usize {
        self.items.len() + self.undecodable.len()
    }
}

/// A record of a list that could not be decoded, kept as received.
#[derive(Debug, Clone, PartialEq)]
pub struct UndecodableRecord {
    /// The record type, e.g. `incident_report`.
    pub resource: &'static str,
    /// Its position in the page (0-based).
    pub index: usize,
    /// Its `id`, when that much could be read.
    pub id: Option<String>,
    /// Where in the record decoding failed, e.g. `updated_at`.
    pub json_path: String,
    /// What was wrong.
    pub message: String,
    /// The record as received.
    pub raw: Value,
}

impl fmt::Display for UndecodableRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "undecodable Huntress {}", self.resource)?;
        if let Some(id) = &self.id {
            write!(f, " {id}")?;
        }
        write!(
            f,
            " (record {} of its page) at {}: {}",
            self.index, self.json_path, self.message
        )
    }
}

impl std::error::Error for UndecodableRecord {}

/// A query that can be pointed at another page.
pub(crate) trait Paged: Clone + Send + 'static {
    fn set_page_token(&mut self, token: Option<String>);
}

type Fetch<'a, Q, T> =
    Box<dyn Fn(Q) -> BoxFuture<'a, Result<Page<T>, HuntressError>> + Send + Sync + 'a>;

struct Walk<'a, Q, T> {
    query: Option<Q>,
    /// An error to yield after the page that caused it.
    error: Option<HuntressError>,
    seen: HashSet<String>,
    fetch: Fetch<'a, Q, T>,
}

/// Every page of a list from `query` on. Ends after the last page, after the
/// first error, or with [`HuntressError::RepeatedPageToken`] when the server
/// hands back a token it already gave (which would loop forever).
pub(crate) fn page_stream<'a, Q, T>(
    query: Q,
    fetch: Fetch<'a, Q, T>,
) -> BoxStream<'a, Result<Page<T>, HuntressError>>
where
    Q: Paged,
    T: Send + 'a,
{
    let walk = Walk {
        query: Some(query),
        error: None,
        seen: HashSet::new(),
        fetch,
    };
    stream::unfold(walk, |mut walk| async move {
        if let Some(error) = walk.error.take() {
            return Some((Err(error), walk));
        }
        let query = walk.query.take()?;
        match (walk.fetch)(query.clone()).await {
            Err(error) => Some((Err(error), walk)),
            Ok(page) => {
                if let Some(token) = &page.next_page_token {
                    if walk.seen.insert(token.clone()) {
                        let mut next = query;
                        next.set_page_token(Some(token.clone()));
                        walk.query = Some(next);
                    } else {
                        walk.error = Some(HuntressError::RepeatedPageToken {
                            token: token.clone(),
                        });
                    }
                }
                Some((Ok(page), walk))
            }
        }
    })
    .boxed()
}

/// The records of every page, in order. An undecodable record is yielded as
/// [`HuntressError::Undecodable`] in its place and the stream goes on; any
/// other error ends it.
pub(crate) fn item_stream<'a, T: Send + 'a>(
    pages: BoxStream<'a, Result<Page<T>, HuntressError>>,
) -> BoxStream<'a, Result<T, HuntressError>> {
    pages
        .flat_map(|page| {
            let results: Vec<Result<T, HuntressError>> = match page {
                Err(error) => vec![Err(error)],
                Ok(page) => in_page_order(page),
            };
            stream::iter(results)
        })
        .boxed()
}

/// A record of a page: decoded, or kept raw.
pub(crate) enum PageRow<T> {
    Item(T),
    Undecodable(UndecodableRecord),
}

/// A page's records in the server's order.
pub(crate) fn rows_in_order<T>(page: Page<T>) -> Vec<PageRow<T>> {
    let mut out = Vec::with_capacity(page.record_count());
    let mut bad = page.undecodable.into_iter().peekable();
    for item in page.items {
        while let Some(record) = bad.next_if(|record| record.index <= out.len()) {
            out.push(PageRow::Undecodable(record));
        }
        out.push(PageRow::Item(item));
    }
    out.extend(bad.map(PageRow::Undecodable));
    out
}

/// A page's records in the server's order, undecodable ones as errors.
pub(crate) fn in_page_order<T>(page: Page<T>) -> Vec<Result<T, HuntressError>> {
    rows_in_order(page)
        .into_iter()
        .map(|row| match row {
            PageRow::Item(item) => Ok(item),
            PageRow::Undecodable(record) => Err(HuntressError::Undecodable(Box::new(record))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bad(index: usize) -> UndecodableRecord {
        UndecodableRecord {
            resource: "agent",
            index,
            id: Some(index.to_string()),
            json_path: "id".into(),
            message: "nope".into(),
            raw: json!({}),
        }
    }

    #[test]
    fn undecodable_records_keep_their_place() {
        let page = Page {
            items: vec![1, 3],
            undecodable: vec![bad(0), bad(2), bad(4)],
            ..Page::default()
        };
        let order: Vec<String> = in_page_order(page)
            .into_iter()
            .map(|r| match r {
                Ok(n) => format!("ok{n}"),
                Err(HuntressError::Undecodable(record)) => format!("bad{}", record.index),
                Err(other) => panic!("{other}"),
            })
            .collect();
        assert_eq!(order, ["bad0", "ok1", "bad2", "ok3", "bad4"]);
    }

    #[derive(Clone)]
    struct Q(Option<String>);
    impl Paged for Q {
        fn set_page_token(&mut self, token: Option<String>) {
            self.0 = token;
        }
    }

    #[tokio::test]
    async fn a_repeated_token_stops_the_walk() {
        let fetch: Fetch<'_, Q, u32> = Box::new(|q: Q| {
            Box::pin(async move {
                // Page "a" points to "b", "b" points back to "a".
                let next = if q.0.as_deref() == Some("a") {
                    "b"
                } else {
                    "a"
                };
                Ok(Page::new(vec![1]).with_next_page_token(next))
            })
        });
        let results: Vec<_> = page_stream(Q(None), fetch).collect().await;
        assert_eq!(results.len(), 4, "three pages, then the loop error");
        assert!(results[..3].iter().all(Result::is_ok));
        assert!(
            matches!(results[3], Err(HuntressError::RepeatedPageToken { ref token }) if token == "a")
        );
    }
}
