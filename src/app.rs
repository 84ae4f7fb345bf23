//! Builds the application: state, middleware, routes and the mail worker. `main` and the
//! tests both start the server through `start`, so tests exercise exactly what runs in production.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::SameSite;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use askama::Template;
use tokio::sync::Notify;

use crate::accounts::password::Passwords;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::mail::worker::MailWorker;
use crate::web::{render, PageCtx};

pub const SESSION_COOKIE: &str = "liaison_session";

/// Shared by every request handler.
pub struct AppState {
    pub db: Db,
    pub base_url: String,
    pub passwords: Passwords,
    /// Key for the secret addresses of personal calendar feeds (derived from the cookie key).
    pub feed_key: Vec<u8>,
    /// Key of the personal tickets shown at the registration desk (derived from the cookie key).
    pub tickets: crate::events::ticket::TicketKey,
    pub limits: Arc<crate::web::limits::RateLimits>,
    /// Whose forwarding headers name the client (see `web::client_ip`).
    pub trusted_proxies: crate::web::limits::TrustedProxies,
    /// Matchmaking snapshots per event (see `matchmaking::service::PoolCache`).
    pub pools: Arc<crate::matchmaking::service::PoolCache>,
    /// Meetings held and caps per event (see `matchmaking::service::LoadCache`).
    pub loads: Arc<crate::matchmaking::service::LoadCache>,
    pub pages: Arc<crate::web::cache::PageCache>,
    /// Programmes per event, shared by the personal pages for a moment (see `web::cache`).
    pub programmes: Arc<crate::web::cache::Recent<crate::agenda::model::Programme>>,
    /// The people behind sessions, for a moment (see `web::load_session_user`).
    pub session_users: Arc<crate::web::cache::Recent<crate::web::KnownSession, String>>,
    /// Events by slug and who organises them, for a moment, for pages that only read (see
    /// `events::public::visible_event`).
    pub events: Arc<crate::web::cache::Recent<crate::events::model::Event, String>>,
    pub organisers: Arc<crate::web::cache::Recent<bool, (i64, i64)>>,
    mail_wake: Arc<Notify>,
    /// A due message waiting longer than this makes /healthz report a stalled outbox.
    mail_stalled_after: Duration,
}

impl AppState {
    /// Tells this server's mail worker that new messages wait (others find them by polling).
    pub fn wake_mailer(&self) {
        self.mail_wake.notify_one();
    }
}

/// A started server: await `server` (or spawn it) to serve.
pub struct Running {
    pub server: actix_web::dev::Server,
    pub addr: std::net::SocketAddr,
}

/// Starts the HTTP server on `listener` and, if asked, the mail worker.
pub fn start(settings: &Settings, db: Db, listener: TcpListener, mail_worker: bool) -> anyhow::Result<Running> {
    let wake = Arc::new(Notify::new());
    if mail_worker {
        let worker = MailWorker::new(db.clone(), &settings.mail, wake.clone())?;
        actix_web::rt::spawn(worker.supervise());
        let w = wake.clone();
        actix_web::rt::spawn(crate::agenda::notify_changes(
            db.clone(),
            settings.base_url.clone(),
            settings.change_quiet,
            move || w.notify_one(),
        ));
        let w = wake.clone();
        actix_web::rt::spawn(crate::matchmaking::housekeeping(
            db.clone(),
            settings.base_url.clone(),
            settings.digest_after,
            move || w.notify_one(),
        ));
    }
    let state = web::Data::new(AppState {
        db,
        base_url: settings.base_url.clone(),
        passwords: Passwords::new(settings.hash_concurrency, settings.hash_queue_wait)?,
        feed_key: settings.cookie_key.signing().to_vec(),
        tickets: crate::events::ticket::TicketKey::derive(settings.cookie_key.master()),
        limits: Arc::new(crate::web::limits::RateLimits::new(settings.rate_limits)),
        trusted_proxies: settings.trusted_proxies.clone(),
        pools: Arc::default(),
        loads: Arc::default(),
        pages: Arc::new(crate::web::cache::PageCache::new(Duration::from_secs(2))),
        programmes: Arc::new(crate::web::cache::Recent::new(Duration::from_secs(2))),
        session_users: Arc::new(crate::web::cache::Recent::new(crate::web::SESSION_LOOKUP_TTL)),
        events: Arc::new(crate::web::cache::Recent::new(Duration::from_secs(2))),
        organisers: Arc::new(crate::web::cache::Recent::new(Duration::from_secs(2))),
        mail_wake: wake,
        mail_stalled_after: settings.mail.stalled_after,
    });
    let limits = state.limits.clone();
    actix_web::rt::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(600)).await;
            limits.retain_recent();
        }
    });
    let key = settings.cookie_key.clone();
    let secure = settings.secure_cookies;
    let addr = listener.local_addr()?;
    let server = HttpServer::new(move || {
        let session = SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
            .cookie_name(SESSION_COOKIE.into())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .build();
        App::new()
            .app_data(state.clone())
            .app_data(form_config())
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| AppError::BadRequest(format!("Malformed address: {e}")).into()),
            )
            .wrap(from_fn(crate::web::cache::invalidate_on_write))
            .wrap(from_fn(crate::web::csrf::guard))
            .wrap(session)
            .wrap(tracing_actix_web::TracingLogger::<crate::web::security::RedactedRootSpan>::new())
            // Outermost, so that errors from every layer inside get the headers too.
            .wrap(from_fn(crate::web::security::headers))
            .configure(routes)
            .default_service(web::to(not_found))
    })
    .workers(settings.workers)
    // Blocking work is database calls: more threads than connections would only wait (and
    // each thread keeps allocator memory of its own).
    .worker_max_blocking_threads(settings.db_pool_size as usize + 2)
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    Ok(Running { server, addr })
}

fn form_config() -> web::FormConfig {
    web::FormConfig::default().limit(crate::web::csrf::FORM_LIMIT).error_handler(|err, _| {
        use actix_web::error::UrlencodedError;
        match err {
            UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge.into(),
            other => AppError::BadRequest(format!("The form could not be read: {other}")).into(),
        }
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/healthz", web::get().to(healthz))
        .route("/static/{path:.*}", web::get().to(crate::web::assets::serve))
        .configure(crate::accounts::routes)
        .configure(crate::admin::routes)
        .configure(crate::events::routes)
        .configure(crate::agenda::routes)
        .configure(crate::matchmaking::routes)
        .configure(crate::ideas::routes);
}

#[derive(Template)]
#[template(path = "pages/home.html")]
struct HomePage {
    ctx: PageCtx,
}

async fn home(ctx: PageCtx) -> AppResult<HttpResponse> {
    render(&HomePage { ctx })
}

async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// 200 while the database answers, with the outbox's state ("degraded" when mail is stalled:
/// a load balancer must not take every server out because mail is slow); 503 when it does not.
async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend().name();
    if let Err(e) = state.db.ping(Duration::from_secs(2)).await {
        tracing::warn!(error = %e, "health check: database unavailable");
        return HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "unavailable", "database": backend }));
    }
    let stalled_after = state.mail_stalled_after;
    let outbox = match state.db.run(move |c| crate::mail::worker::health(c, stalled_after)).await {
        Ok(h) => serde_json::to_value(h).unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: outbox unreadable");
            serde_json::json!({ "status": "unknown" })
        }
    };
    let status = if outbox["status"] == "ok" { "ok" } else { "degraded" };
    HttpResponse::Ok().json(serde_json::json!({ "status": status, "database": backend, "outbox": outbox }))
}
