//! Rendered public pages and exports (programme, session pages, iCalendar and frab files),
//! kept briefly so a crowd reading the programme costs one rendering, not thousands.
//!
//! Freshness: every state-changing request on this server that can touch a cached page (the
//! organisers' pages, session sign-ups, admin) starts a new generation, which empties the cache
//! at once; sign-ups, logins and registrations do not, so a registration rush does not defeat
//! it. Changes made through another server behind the same database show after `ttl` (two
//! seconds; at most twice that while the first reader after it rebuilds the page). Only pages that are the same for every visitor go in: anonymous views and
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

/// Whether a caller gets the held value (built at `built`): yes while it is younger than
/// `ttl`, and while another caller is building its successor; otherwise this caller is the one
/// to build it (false), and the others are told so through `refreshing`. A builder that has not
/// come back within a `ttl` has failed: the next caller tries instead.
fn held_or_claimed(built: Instant, refreshing: &mut Option<Instant>, ttl: Duration) -> bool {
    if built.elapsed() < ttl {
        return true;
    }
    match refreshing {
        Some(since) if since.elapsed() < ttl => true,
        _ => {
            *refreshing = Some(Instant::now());
            false
        }
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

/// A page, the generation it was built in and when, and since when one request is building
/// its successor.
struct Entry {
    generation: u64,
    built: Instant,
    page: Arc<CachedPage>,
    refreshing: Option<Instant>,
}

impl PageCache {
    pub fn new(ttl: Duration) -> Self {
        PageCache { ttl, generation: AtomicU64::new(0), writes: AtomicU64::new(0), entries: Mutex::new(HashMap::new()) }
    }

    /// The page for `key`, or None when the caller is to build it. When a page has only aged
    /// past `ttl` (nothing was written here since), the first caller builds its successor and
    /// the others get the aged page meanwhile, instead of all building the same page at once.
    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        let generation = self.generation.load(Ordering::Acquire);
        let mut map = self.entries.lock().ok()?;
        let e = map.get_mut(key).filter(|e| e.generation == generation)?;
        held_or_claimed(e.built, &mut e.refreshing, self.ttl).then(|| e.page.clone())
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
                let entry = Entry { generation, built: Instant::now(), page: page.clone(), refreshing: None };
                map.insert(key, entry);
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

/// Values (a programme per event, a session's user) shared by requests for a moment: valid
/// while the generation they were read in is current and for at most `ttl` (changes made
/// through other servers). Callers take the generation before they read the database, so a
/// value read before a write is never served after it.
pub struct Recent<T, K = i64> {
    ttl: Duration,
    entries: Mutex<HashMap<K, Versioned<T>>>,
}

/// The generation it was built in, when, the value, and since when one caller is reading its
/// successor (see `peek_or_claim`).
struct Versioned<T> {
    generation: u64,
    at: Instant,
    value: Arc<T>,
    refreshing: Option<Instant>,
}

impl<T, K: std::hash::Hash + Eq> Recent<T, K> {
    pub fn new(ttl: Duration) -> Self {
        Recent { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The value for `key` if it was read in `generation` less than `ttl` ago.
    pub fn peek(&self, key: &K, generation: u64) -> Option<Arc<T>> {
        let map = self.entries.lock().ok()?;
        let e = map.get(key)?;
        (e.generation == generation && e.at.elapsed() < self.ttl).then(|| e.value.clone())
    }

    /// Like `peek`, but once the value has only aged past `ttl`, the first caller gets None and
    /// reads it again while the others keep the aged value meanwhile: a slow moment of the
    /// database is then felt by one request, not by every request in flight.
    pub fn peek_or_claim(&self, key: &K, generation: u64) -> Option<Arc<T>> {
        let mut map = self.entries.lock().ok()?;
        let e = map.get_mut(key).filter(|e| e.generation == generation)?;
        held_or_claimed(e.at, &mut e.refreshing, self.ttl).then(|| e.value.clone())
    }

    pub fn put(&self, key: K, generation: u64, value: T) -> Arc<T> {
        let v = Arc::new(value);
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(key, Versioned { generation, at: Instant::now(), value: v.clone(), refreshing: None });
        }
        v
    }

    pub fn get_or<E>(&self, key: K, generation: u64, build: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        match self.peek(&key, generation) {
            Some(v) => Ok(v),
            None => Ok(self.put(key, generation, build()?)),
        }
    }
}

/// Snapshots per event that are costly to build (matchmaking: tens of milliseconds for
/// thousands of people) and cheap to check (a fingerprint of what they were built from, one
/// small query). Within `recheck` of a check, and with no write on this server since, a
/// snapshot is used without asking the database; after `ttl` it is built again even if the
/// fingerprint did not change (for changes the fingerprint cannot see).
///
/// One request per event builds at a time: the others wait for its snapshot instead of all
/// building the same one (a cold start under load made every request build it). When only
/// the `ttl` has passed, the others keep using the old snapshot meanwhile.
pub struct Snapshots<T> {
    recheck: Duration,
    ttl: Duration,
    entries: Mutex<HashMap<i64, Snapshot<T>>>,
    builders: Mutex<HashMap<i64, Arc<Mutex<()>>>>,
}

/// A snapshot with when it was built, when it was last found current (and at which
/// generation of this server), and the fingerprint it was built from.
struct Snapshot<T> {
    built: Instant,
    checked: Instant,
    generation: u64,
    fingerprint: String,
    value: Arc<T>,
}

impl<T> Snapshots<T> {
    pub fn new(recheck: Duration, ttl: Duration) -> Self {
        Snapshots { recheck, ttl, entries: Mutex::default(), builders: Mutex::default() }
    }

    /// The event's snapshot if it is known to be current without asking the database.
    pub fn current(&self, key: i64, generation: u64) -> Option<Arc<T>> {
        let map = self.entries.lock().ok()?;
        let s = map.get(&key)?;
        (s.generation == generation && s.checked.elapsed() < self.recheck && s.built.elapsed() < self.ttl)
            .then(|| s.value.clone())
    }

    /// The current snapshot for `key`: `fingerprint` says what it would be built from now,
    /// `build` builds it. `generation` moves on with every write handled by this server.
    pub fn get<E>(
        &self,
        key: i64,
        generation: u64,
        fingerprint: impl FnOnce() -> Result<String, E>,
        build: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(value) = self.current(key, generation) {
            return Ok(value);
        }
        let fp = fingerprint()?;
        // The snapshot for this fingerprint, and whether it is younger than `ttl`.
        let known = || -> Option<(Arc<T>, bool)> {
            let mut map = self.entries.lock().ok()?;
            let s = map.get_mut(&key).filter(|s| s.fingerprint == fp)?;
            let fresh = s.built.elapsed() < self.ttl;
            if fresh {
                s.checked = Instant::now();
                s.generation = generation;
            }
            Some((s.value.clone(), fresh))
        };
        let stale = match known() {
            Some((value, true)) => return Ok(value),
            Some((value, false)) => Some(value),
            None => None,
        };
        let builder = match self.builders.lock() {
            Ok(mut b) => b.entry(key).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let _building = match builder.try_lock() {
            Ok(guard) => guard,
            Err(std::sync::TryLockError::Poisoned(e)) => e.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => match stale {
                // Somebody is rebuilding an expired snapshot: the old one is still right.
                Some(value) => return Ok(value),
                // Somebody is building the missing one: wait for it and use it if it fits.
                None => {
                    let guard = builder.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let Some((value, true)) = known() {
                        return Ok(value);
                    }
                    guard
                }
            },
        };
        let value = Arc::new(build()?);
        if let Ok(mut map) = self.entries.lock() {
            let now = Instant::now();
            let snapshot = Snapshot { built: now, checked: now, generation, fingerprint: fp, value: value.clone() };
            map.insert(key, snapshot);
        }
        Ok(value)
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
        // An aged page: the first reader rebuilds it, the others get it meanwhile.
        let aging = PageCache::new(Duration::from_millis(30));
        let g = aging.generation();
        aging.put("a".into(), g, page("old"));
        std::thread::sleep(Duration::from_millis(40));
        assert!(aging.get("a").is_none(), "the first reader of an aged page builds it");
        assert_eq!(aging.get("a").map(|p| p.body.clone()), Some(web::Bytes::from_static(b"old")));
        aging.put("a".into(), g, page("new"));
        assert_eq!(aging.get("a").map(|p| p.body.clone()), Some(web::Bytes::from_static(b"new")));
        // A builder that never comes back does not keep the aged page forever.
        std::thread::sleep(Duration::from_millis(40));
        assert!(aging.get("a").is_none());
        std::thread::sleep(Duration::from_millis(40));
        assert!(aging.get("a").is_none(), "after a ttl without the builder, another reader builds");
        // A write on this server ends an aged page at once.
        aging.invalidate();
        assert!(aging.get("a").is_none());
        let short = PageCache::new(Duration::ZERO);
        let g = short.generation();
        short.put("a".into(), g, page("x"));
        assert!(short.get("a").is_none());
    }

    #[test]
    fn a_missing_snapshot_is_built_once_however_many_ask_at_once() {
        let cache = Snapshots::<u32>::new(Duration::from_secs(60), Duration::from_secs(60));
        let builds = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = cache
                        .get(
                            1,
                            0,
                            || Ok::<_, ()>("fp".to_string()),
                            || {
                                builds.fetch_add(1, Ordering::SeqCst);
                                std::thread::sleep(Duration::from_millis(50));
                                Ok(7)
                            },
                        )
                        .expect("built");
                    assert_eq!(*v, 7);
                });
            }
        });
        assert_eq!(builds.load(Ordering::SeqCst), 1);
        // Current without a check until a write on this server (a new generation).
        assert_eq!(cache.current(1, 0).as_deref(), Some(&7));
        assert!(cache.current(1, 1).is_none());
    }

    #[test]
    fn a_changed_fingerprint_rebuilds_and_an_expired_snapshot_is_served_while_rebuilt() {
        let fp = |s: &'static str| move || Ok::<_, ()>(s.to_string());
        let cache = Snapshots::<u32>::new(Duration::ZERO, Duration::from_secs(60));
        assert_eq!(*cache.get(1, 0, fp("a"), || Ok(1)).expect("first"), 1);
        assert_eq!(*cache.get(1, 0, fp("a"), || Ok(2)).expect("same data"), 1);
        assert_eq!(*cache.get(1, 0, fp("b"), || Ok(3)).expect("changed data"), 3);

        // Expired at once: one request rebuilds, the others get the old snapshot meanwhile.
        let cache = Snapshots::<u32>::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(*cache.get(1, 0, fp("a"), || Ok(1)).expect("first"), 1);
        let (started, release) = (std::sync::Barrier::new(2), std::sync::Barrier::new(2));
        std::thread::scope(|s| {
            let rebuild = s.spawn(|| {
                cache.get(1, 0, fp("a"), || {
                    started.wait();
                    release.wait();
                    Ok(2)
                })
            });
            started.wait();
            assert_eq!(*cache.get(1, 0, fp("a"), || Ok(9)).expect("during the rebuild"), 1);
            release.wait();
            assert_eq!(*rebuild.join().expect("rebuild thread").expect("rebuilt"), 2);
        });
    }

    #[test]
    fn an_aged_value_is_read_again_by_one_caller_while_the_others_keep_it() {
        let r = Recent::<u32, &str>::new(Duration::from_millis(30));
        r.put("e", 0, 1);
        assert_eq!(r.peek_or_claim(&"e", 0).as_deref(), Some(&1));
        assert!(r.peek_or_claim(&"e", 1).is_none(), "a write on this server ends it");
        std::thread::sleep(Duration::from_millis(40));
        assert!(r.peek(&"e", 0).is_none(), "peek never serves an aged value");
        assert!(r.peek_or_claim(&"e", 0).is_none(), "the first caller reads it again");
        assert_eq!(r.peek_or_claim(&"e", 0).as_deref(), Some(&1), "the others keep the aged value");
        r.put("e", 0, 2);
        assert_eq!(r.peek_or_claim(&"e", 0).as_deref(), Some(&2));
    }
}
