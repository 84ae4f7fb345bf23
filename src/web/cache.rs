//! Rendered public pages and exports (programme, session pages, iCalendar and frab files),
//! kept briefly so a crowd reading the programme costs one rendering, not thousands.
//!
//! Freshness: every state-changing request on this server that can touch a cached page (the
//! organisers' pages, session sign-ups, admin) starts a new generation, which empties the cache
//! at once; sign-ups, logins and registrations do not, so a registration rush does not defeat
//! it. Changes made through another server behind the same database show after at most `ttl`
//! (two seconds). Only pages that are the same for every visitor go in: anonymous views and
//! the exports. `writes` counts every write, for caches of personal data (matchmaking).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

/// Stands for the visitor's CSRF token in a cached page; replaced on every answer.
pub const TOKEN_SLOT: &str = "__liaison_csrf_token_slot__";

/// The cached page for `key` as this visitor's answer, if there is one.
pub fn serve(cache: &PageCache, key: &str, csrf: &str) -> Option<HttpResponse> {
    let page = cache.get(key)?;
    Some(page.response_with_token(csrf))
}

/// Renders `tpl` for a shared view with the token slot, keeps it, and answers with the
/// visitor's own token.
pub fn render_shared<T: askama::Template>(
    cache: &PageCache,
    key: String,
    generation: u64,
    csrf: &str,
    tpl: &T,
) -> Result<HttpResponse, crate::error::AppError> {
    let html = tpl.render()?;
    let page = cache.put(
        key,
        generation,
        CachedPage { content_type: "text/html; charset=utf-8", disposition: None, body: web::Bytes::from(html) },
    );
    Ok(page.response_with_token(csrf))
}

pub struct CachedPage {
    pub content_type: &'static str,
    pub disposition: Option<String>,
    pub body: web::Bytes,
}

impl CachedPage {
    fn response_with_token(&self, csrf: &str) -> HttpResponse {
        match std::str::from_utf8(&self.body) {
            Ok(text) if text.contains(TOKEN_SLOT) => HttpResponse::Ok()
                .content_type(self.content_type)
                .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
                .body(text.replace(TOKEN_SLOT, csrf)),
            _ => self.response(),
        }
    }

    pub fn response(&self) -> HttpResponse {
        let mut r = HttpResponse::Ok();
        r.content_type(self.content_type);
        if let Some(d) = &self.disposition {
            r.insert_header((actix_web::http::header::CONTENT_DISPOSITION, d.clone()));
        }
        r.insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"));
        r.body(self.body.clone())
    }
}

/// Most pages kept; past this the cache starts afresh (a crawler walking every session page
/// of every event must not grow it without bound).
const MAX_ENTRIES: usize = 5_000;

pub struct PageCache {
    ttl: Duration,
    generation: AtomicU64,
    writes: AtomicU64,
    entries: Mutex<HashMap<String, Entry>>,
}

/// The generation it was built in, when, and the page.
type Entry = (u64, Instant, Arc<CachedPage>);

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        PageCache { ttl, generation: AtomicU64::new(0), writes: AtomicU64::new(0), entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let generation = self.generation.load(Ordering::Acquire);
        let map = self.entries.lock().ok()?;
        let (g, at, page) = map.get(key)?;
        (*g == generation && at.elapsed() < self.ttl).then(|| page.clone())
    }

    /// Keeps `page` under `key` if nothing changed since `generation` (taken before the page
    /// was built), and returns it.
    pub fn put(&self, key: String, generation: u64, page: CachedPage) -> Arc<CachedPage> {
        let page = Arc::new(page);
        if self.ttl.is_zero() {
            return page;
        }
        if let Ok(mut map) = self.entries.lock() {
            if self.generation.load(Ordering::Acquire) == generation {
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
                map.insert(key, (generation, Instant::now(), page.clone()));
            }
        }
        page
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// How many writes this server has handled: moves on every one.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Acquire)
    }

    /// Something changed: nothing cached so far may be served again.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut map) = self.entries.lock() {
            map.clear();
        }
    }
}

/// Whether a write to `path` can change a cached page: the organisers' and admins' pages and
/// session sign-ups (the programme shows places taken).
fn touches_cached_pages(path: &str) -> bool {
    path.starts_with("/organise/")
        || path.starts_with("/admin")
        || path.contains("/sessions/")
        || path == "/account/delete"
}

/// Middleware: counts every request that may change state (anything but GET and HEAD) and
/// empties the page cache after those that can touch a cached page.
pub async fn invalidate_on_write(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let pages = touches_cached_pages(req.path());
    let cache = req.app_data::<web::Data<crate::app::AppState>>().map(|s| s.pages.clone());
    let res = next.call(req).await;
    if let (true, Some(c)) = (writes, cache) {
        c.writes.fetch_add(1, Ordering::AcqRel);
        if pages {
            c.invalidate();
        }
    }
    res
}

/// Values per event (e.g. a programme) shared by requests for a moment: valid while nothing was
/// written on this server since and for at most `ttl` (changes made through other servers).
pub struct Recent<T> {
    ttl: Duration,
    entries: Mutex<HashMap<i64, Versioned<T>>>,
}

/// The generation it was built in, when, and the value.
type Versioned<T> = (u64, Instant, Arc<T>);

impl<T> Recent<T> {
    pub fn new(ttl: Duration) -> Self {
        Recent { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get_or<E>(&self, key: i64, generation: u64, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Ok(map) = self.entries.lock() {
            if let Some((g, at, v)) = map.get(&key) {
                if *g == generation && at.elapsed() < self.ttl {
                    return Ok(v.clone());
                }
            }
        }
        let v = Arc::new(build()?);
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, (generation, Instant::now(), v.clone()));
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(s: &'static str) -> CachedPage {
        CachedPage { content_type: "text/plain", disposition: None, body: web::Bytes::from_static(s.as_bytes()) }
    }

    #[test]
    fn pages_are_served_until_a_write_or_the_ttl() {
        let c = PageCache::new(Duration::from_secs(60));
        let g = c.generation();
        c.put("a".into(), g, page("one"));
        assert_eq!(c.get("a").map(|p| p.body.clone()), Some(web::Bytes::from_static(b"one")));
        c.invalidate();
        assert!(c.get("a").is_none());
        // A page built before a write is not kept.
        c.put("b".into(), g, page("stale"));
        assert!(c.get("b").is_none());
        assert!(touches_cached_pages("/organise/events/1/sessions/new"));
        assert!(touches_cached_pages("/events/x/sessions/3/add"));
        assert!(!touches_cached_pages("/events/x/register") && !touches_cached_pages("/signup"));
        let short = PageCache::new(Duration::ZERO);
        let g = short.generation();
        short.put("a".into(), g, page("x"));
        assert!(short.get("a").is_none());
    }
}
