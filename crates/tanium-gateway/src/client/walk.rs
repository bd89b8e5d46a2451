//! A page walk over a Gateway connection that recovers on its own:
//! transient failures are retried with backoff, a timed-out page is asked
//! again at half the size, and an expired cursor restarts the walk from the
//! first page while records already yielded are skipped.

use crate::models::{ComputerGroup, Cursor, Endpoint, Page, WalkPage};
use crate::{GatewayError, RetryPolicy};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};

/// A record with a stable key, so a restarted walk can skip what it yielded.
pub(crate) trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for Endpoint {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for ComputerGroup {
    fn key(&self) -> &str {
        &self.id
    }
}

/// Fetches one page: `(page size, after)`. One try; the walk retries.
pub(crate) type FetchPage<'a, T> =
    Box<dyn FnMut(u32, Option<Cursor>) -> BoxFuture<'a, Result<Page<T>, GatewayError>> + Send + 'a>;

/// How a walk behaves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalkOptions {
    pub(crate) operation: &'static str,
    pub(crate) page_size: u32,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_restarts: u32,
}

struct WalkState<'a, T> {
    fetch: FetchPage<'a, T>,
    options: WalkOptions,
    page_size: u32,
    after: Option<Cursor>,
    /// Keys yielded so far, across restarts.
    seen: HashSet<String>,
    /// Cursors followed since the last (re)start: a repeat means a loop.
    cursors: HashSet<Cursor>,
    restarts: u32,
    yielded: u64,
    done: bool,
}

/// Walks every page; the stream ends after the last page or the first error.
pub(crate) fn walk<'a, T>(
    fetch: FetchPage<'a, T>,
    options: WalkOptions,
) -> BoxStream<'a, Result<WalkPage<T>, GatewayError>>
where
    T: Keyed + Send + 'a,
{
    let state = WalkState {
        fetch,
        page_size: options.page_size.max(1),
        options,
        after: None,
        seen: HashSet::new(),
        cursors: HashSet::new(),
        restarts: 0,
        yielded: 0,
        done: false,
    };
    stream::unfold(state, |mut state| async move {
        state.next_page().await.map(|item| (item, state))
    })
    .boxed()
}

impl<T: Keyed> WalkState<'_, T> {
    async fn next_page(&mut self) -> Option<Result<WalkPage<T>, GatewayError>> {
        while !self.done {
            let page = match self.fetch_with_recovery().await {
                Ok(page) => page,
                Err(GatewayError::CursorExpired { .. })
                    if self.after.is_some() && self.restarts < self.options.max_restarts =>
                {
                    self.restarts += 1;
                    tracing::warn!(
                        operation = self.options.operation,
                        restarts = self.restarts,
                        yielded = self.yielded,
                        "page cursor expired; restarting the walk and skipping records already yielded"
                    );
                    self.after = None;
                    self.cursors.clear();
                    continue;
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            };
            if let Err(error) = self.advance(&page) {
                self.done = true;
                return Some(Err(error));
            }
            let fresh: Vec<T> = page
                .items
                .into_iter()
                .filter(|item| self.seen.insert(item.key().to_owned()))
                .collect();
            if fresh.is_empty() {
                // A page of records yielded before a restart: keep going.
                continue;
            }
            self.yielded += fresh.len() as u64;
            return Some(Ok(WalkPage {
                items: fresh,
                total_records: page.total_records,
                yielded: self.yielded,
                page_size: self.page_size,
                restarts: self.restarts,
            }));
        }
        None
    }

    /// Moves the cursor forward, or ends the walk after the last page.
    fn advance(&mut self, page: &Page<T>) -> Result<(), GatewayError> {
        if !page.has_next_page {
            self.done = true;
            return Ok(());
        }
        let operation = self.options.operation;
        let Some(cursor) = page.end_cursor.clone() else {
            return Err(GatewayError::Paging {
                operation,
                message: "the server reported a next page but sent no end cursor".to_owned(),
            });
        };
        if !self.cursors.insert(cursor.clone()) {
            return Err(GatewayError::Paging {
                operation,
                message: format!("the server sent cursor {cursor} twice"),
            });
        }
        self.after = Some(cursor);
        Ok(())
    }

    /// One page, retrying transient failures; a timeout halves the page size.
    async fn fetch_with_recovery(&mut self) -> Result<Page<T>, GatewayError> {
        let policy = self.options.retry;
        let operation = self.options.operation;
        let page_size = AtomicU32::new(self.page_size);
        let after = self.after.clone();
        let fetch = &mut self.fetch;
        let result = psa_http::retry(
            &policy,
            || fetch(page_size.load(Ordering::Relaxed), after.clone()),
            crate::client::http::verdict,
            |error, _| {
                let current = page_size.load(Ordering::Relaxed);
                if error.is_timeout() && current > 1 {
                    let smaller = (current / 2).max(1);
                    tracing::warn!(
                        operation,
                        from = current,
                        to = smaller,
                        "page timed out; asking again at half the page size"
                    );
                    page_size.store(smaller, Ordering::Relaxed);
                } else {
                    tracing::warn!(operation, %error, "retrying page");
                }
            },
        )
        .await;
        self.page_size = page_size.into_inner();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    fn group(id: &str) -> ComputerGroup {
        ComputerGroup {
            id: id.to_owned(),
            name: None,
            group_type: None,
            management_rights_enabled: None,
            filter_enabled: None,
            expression: None,
        }
    }

    fn options() -> WalkOptions {
        WalkOptions {
            operation: "Test",
            page_size: 4,
            retry: RetryPolicy::immediate(3),
            max_restarts: 2,
        }
    }

    /// The (first, after) of each call.
    type CallLog = Arc<Mutex<Vec<(u32, Option<String>)>>>;

    /// A scripted server: each call pops the next answer and records (first, after).
    fn scripted(
        answers: Vec<Result<Page<ComputerGroup>, GatewayError>>,
    ) -> (FetchPage<'static, ComputerGroup>, CallLog) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let answers = Arc::new(Mutex::new(answers.into_iter()));
        let log = calls.clone();
        let fetch: FetchPage<'static, ComputerGroup> = Box::new(move |first, after| {
            log.lock().unwrap().push((first, after.map(|c| c.0)));
            let next = answers
                .lock()
                .unwrap()
                .next()
                .expect("no scripted answer left");
            Box::pin(async move { next })
        });
        (fetch, calls)
    }

    fn page(ids: &[&str], next: Option<&str>) -> Result<Page<ComputerGroup>, GatewayError> {
        Ok(Page {
            items: ids.iter().map(|id| group(id)).collect(),
            end_cursor: next.map(|c| Cursor(c.to_owned())),
            has_next_page: next.is_some(),
            total_records: Some(5),
        })
    }

    fn expired() -> Result<Page<ComputerGroup>, GatewayError> {
        Err(GatewayError::CursorExpired {
            operation: "Test",
            message: "expired".into(),
        })
    }

    fn keys(pages: &[WalkPage<ComputerGroup>]) -> Vec<String> {
        pages
            .iter()
            .flat_map(|p| p.items.iter().map(|g| g.id.clone()))
            .collect()
    }

    #[tokio::test]
    async fn restarts_after_an_expired_cursor_without_duplicates() {
        let (fetch, calls) = scripted(vec![
            page(&["a", "b"], Some("c1")),
            expired(),
            page(&["a", "b"], Some("c2")),
            page(&["c", "d"], Some("c3")),
            page(&["e"], None),
        ]);
        let pages: Vec<_> = walk(fetch, options()).try_collect().await.unwrap();
        assert_eq!(keys(&pages), ["a", "b", "c", "d", "e"]);
        assert_eq!(pages.last().unwrap().restarts, 1);
        assert_eq!(pages.last().unwrap().yielded, 5);
        let afters: Vec<_> = calls.lock().unwrap().iter().map(|c| c.1.clone()).collect();
        assert_eq!(
            afters,
            [
                None,
                Some("c1".into()),
                None,
                Some("c2".into()),
                Some("c3".into())
            ]
        );
    }

    #[tokio::test]
    async fn gives_up_after_max_restarts() {
        let (fetch, _) = scripted(vec![
            page(&["a"], Some("1")),
            expired(),
            page(&["a"], Some("2")),
            expired(),
            page(&["a"], Some("3")),
            expired(),
        ]);
        let result: Result<Vec<_>, _> = walk(fetch, options()).try_collect().await;
        assert!(matches!(result, Err(GatewayError::CursorExpired { .. })));
    }

    #[tokio::test]
    async fn halves_the_page_size_after_a_timeout() {
        let timeout = || {
            Err(GatewayError::Timeout {
                operation: "Test",
                timeout: Duration::from_millis(1),
            })
        };
        let (fetch, calls) = scripted(vec![timeout(), page(&["a", "b"], None)]);
        let pages: Vec<_> = walk(fetch, options()).try_collect().await.unwrap();
        assert_eq!(pages[0].page_size, 2);
        let sizes: Vec<u32> = calls.lock().unwrap().iter().map(|c| c.0).collect();
        assert_eq!(sizes, [4, 2]);
    }

    #[tokio::test]
    async fn retries_server_errors_then_reports_them() {
        let server = || {
            Err(GatewayError::Server {
                status: 502,
                body: String::new(),
            })
        };
        let (fetch, calls) = scripted(vec![server(), server(), server()]);
        let result: Result<Vec<_>, _> = walk(fetch, options()).try_collect().await;
        assert!(matches!(
            result,
            Err(GatewayError::Server { status: 502, .. })
        ));
        assert_eq!(calls.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_repeated_cursor_stops_the_walk() {
        let (fetch, _) = scripted(vec![page(&["a"], Some("same")), page(&["b"], Some("same"))]);
        let result: Result<Vec<_>, _> = walk(fetch, options()).try_collect().await;
        assert!(matches!(result, Err(GatewayError::Paging { .. })));
    }

    #[tokio::test]
    async fn an_empty_collection_yields_no_page() {
        let (fetch, _) = scripted(vec![page(&[], None)]);
        let pages: Vec<_> = walk(fetch, options()).try_collect().await.unwrap();
        assert!(pages.is_empty());
    }
}
