//! Test harness: the real server on a random port with its own database (a fresh SQLite file,
//! or a fresh PostgreSQL database when TEST_DATABASE_URL is set), a real SMTP server in
//! process, and an HTTP client that keeps cookies and does not follow redirects.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use liaison::config::Config;
use liaison::db::{DatabaseUrl, Db};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres"))
}

/// A database of its own for one test: returns its URL and the folder to keep alive.
pub fn fresh_db_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if admin.starts_with("postgres") => {
            use diesel::{Connection, RunQueryDsl};
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut c = diesel::PgConnection::establish(&admin).expect("connect to TEST_DATABASE_URL");
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c).expect("create test database");
            let base = admin.rsplit_once('/').expect("admin url has a database").0;
            (format!("{base}/{name}"), dir)
        }
        _ => {
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, dir)
        }
    }
}

// ---------------------------------------------------------------- SMTP sink

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// The message as received (headers and body).
    pub raw: String,
}

impl Mail {
    fn parse(rcpt: Vec<String>, raw: String) -> Mail {
        let parsed = mailparse::parse_mail(raw.as_bytes()).expect("received mail parses");
        use mailparse::MailHeaderMap;
        let subject = parsed.headers.get_first_value("Subject").unwrap_or_default();
        let message_id = parsed.headers.get_first_value("Message-ID").unwrap_or_default();
        let (mut text, mut html) = (String::new(), String::new());
        collect_parts(&parsed, &mut text, &mut html);
        Mail { to: rcpt, subject, message_id, text, html, raw }
    }

    /// The first link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        let start = self.text.find(prefix).unwrap_or_else(|| panic!("no link {prefix} in:\n{}", self.text));
        self.text[start..].split_whitespace().next().expect("link").to_string()
    }

    /// The body of the first attachment whose file name ends with `name_suffix` (e.g. ".ics"),
    /// as received.
    pub fn attachment(&self, name_suffix: &str) -> Option<String> {
        fn find(p: &mailparse::ParsedMail, suffix: &str) -> Option<String> {
            let disposition = p.get_content_disposition();
            let name = disposition.params.get("filename").or_else(|| p.ctype.params.get("name"));
            if p.subparts.is_empty()
                && disposition.disposition == mailparse::DispositionType::Attachment
                && name.is_some_and(|n| n.ends_with(suffix))
            {
                return Some(p.get_body().expect("attachment body decodes"));
            }
            p.subparts.iter().find_map(|s| find(s, suffix))
        }
        find(&mailparse::parse_mail(self.raw.as_bytes()).expect("received mail parses"), name_suffix)
    }
}

fn collect_parts(p: &mailparse::ParsedMail, text: &mut String, html: &mut String) {
    if p.subparts.is_empty() {
        let body = p.get_body().unwrap_or_default();
        match p.ctype.mimetype.as_str() {
            "text/plain" => text.push_str(&body),
            "text/html" => html.push_str(&body),
            _ => {}
        }
    }
    for s in &p.subparts {
        collect_parts(s, text, html);
    }
}

/// A minimal SMTP server: accepts every message and keeps it in memory.
#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind smtp sink");
        let port = listener.local_addr().expect("addr").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(sock, store).await;
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn all(&self) -> Vec<Mail> {
        self.mails.lock().expect("lock").clone()
    }

    pub fn to(&self, addr: &str) -> Vec<Mail> {
        self.all().into_iter().filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(addr))).collect()
    }

    /// Waits for a message to `addr` whose subject contains `subject`.
    pub async fn wait_for(&self, addr: &str, subject: &str) -> Mail {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self.to(addr).into_iter().rev().find(|m| m.subject.contains(subject)) {
                return m;
            }
            assert!(Instant::now() < deadline, "no mail to {addr} with subject {subject:?}; got {:?}", self.subjects());
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// Waits for the message with this Message-ID, as the outbox records it (without the
    /// angle brackets).
    pub async fn wait_for_id(&self, message_id: &str) -> Mail {
        let wanted = format!("<{}>", message_id.trim_matches(['<', '>']));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // Searched under the lock: tests with hundreds of messages look many up.
            let found = self.mails.lock().expect("lock").iter().find(|m| m.message_id.trim() == wanted).cloned();
            if let Some(m) = found {
                return m;
            }
            assert!(Instant::now() < deadline, "no mail with Message-ID {wanted}; got {:?}", self.subjects());
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    pub fn subjects(&self) -> Vec<(Vec<String>, String)> {
        self.all().into_iter().map(|m| (m.to, m.subject)).collect()
    }
}

async fn session(sock: tokio::net::TcpStream, store: Arc<Mutex<Vec<Mail>>>) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut rcpt = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        if cmd.starts_with("EHLO") {
            w.write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n").await?;
        } else if cmd.starts_with("RCPT TO:") {
            let addr = line.trim_end()[8..].trim().trim_start_matches('<').split('>').next().unwrap_or("").to_string();
            rcpt.push(addr);
            w.write_all(b"250 OK\r\n").await?;
        } else if cmd == "DATA" {
            w.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
            let mut data = String::new();
            loop {
                line.clear();
                if r.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store.lock().expect("lock").push(Mail::parse(std::mem::take(&mut rcpt), data));
            w.write_all(b"250 OK queued\r\n").await?;
        } else if cmd == "QUIT" {
            w.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            // HELO, MAIL FROM, RSET, NOOP …
            w.write_all(b"250 OK\r\n").await?;
        }
    }
}

/// A port with nothing listening on it (for "SMTP is down").
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

// ---------------------------------------------------------------- `liaison serve` processes

/// A `liaison serve` process started by a test, killed when dropped.
pub struct ServeProcess {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `base`'s /healthz answers 2xx; fails after `within`, with `why()` in the message
/// (e.g. the server's log).
pub async fn wait_until_up(base: &str, within: Duration, why: impl Fn() -> String) {
    let probe = Client::new(base);
    let deadline = Instant::now() + within;
    while probe.http.get(format!("{base}/healthz")).send().await.map(|r| r.status().is_success()).ok() != Some(true) {
        assert!(Instant::now() < deadline, "server did not come up: {}", why());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------- the app

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub db_url: String,
    _dir: Arc<tempfile::TempDir>,
}

pub struct Options {
    pub smtp_url: Option<String>,
    pub db_url: Option<(String, Arc<tempfile::TempDir>)>,
    pub base_url: Option<String>,
    pub mail_worker: bool,
    pub rate_limits: bool,
    /// Password-hashing threads and how long a request may wait for one (ms).
    pub hashing: Option<(usize, u64)>,
}

impl Default for Options {
    fn default() -> Self {
        Options { smtp_url: None, db_url: None, base_url: None, mail_worker: true, rate_limits: false, hashing: None }
    }
}

impl TestApp {
    /// A server with a fresh database and its own SMTP sink.
    pub async fn start() -> (TestApp, SmtpSink) {
        let sink = SmtpSink::start().await;
        let app = TestApp::start_with(Options { smtp_url: Some(sink.url()), ..Default::default() }).await;
        (app, sink)
    }

    pub async fn start_with(opts: Options) -> TestApp {
        TestApp::start_configured(opts, |_| {}).await
    }

    /// `start_with`, with a last change to the configuration (a setting no option covers).
    pub async fn start_configured(opts: Options, edit: impl FnOnce(&mut Config)) -> TestApp {
        let (db_url, dir) = match opts.db_url {
            Some(x) => x,
            None => {
                let (u, d) = fresh_db_url();
                (u, Arc::new(d))
            }
        };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind app");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config::defaults();
        config.db.database_url = db_url.clone();
        config.db.db_pool_size = Some(4);
        config.addr = addr.to_string();
        config.base_url = Some(opts.base_url.unwrap_or_else(|| format!("http://{addr}")));
        config.smtp_url = opts.smtp_url;
        config.mail_dir = dir.path().join("mail");
        config.data_dir = dir.path().to_path_buf();
        config.secret_key = Some("test-secret-key-that-is-long-enough-0123456789".into());
        config.workers = Some(2);
        config.hash_concurrency = Some(opts.hashing.map_or(2, |h| h.0));
        if let Some((_, wait)) = opts.hashing {
            config.hash_queue_wait_ms = wait;
        }
        // Tests send hundreds of requests from one address; one test turns the limits on.
        config.rate_limits = opts.rate_limits;
        config.mail_retry_ms = 200;
        config.mail_poll_ms = 50;
        edit(&mut config);
        let settings = config.resolve().expect("test settings");
        let db = Db::connect(&DatabaseUrl::parse(&db_url).expect("url"), 4).expect("connect");
        db.migrate().expect("migrate");
        let running = liaison::app::start(&settings, db.clone(), listener, opts.mail_worker).expect("start app");
        actix_web::rt::spawn(running.server);
        TestApp { base: format!("http://{addr}"), db, db_url, _dir: dir }
    }

    pub fn settings_mail_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("mail")
    }

    /// The database URL and folder, to start a second server on the same database.
    pub fn shared_db(&self) -> Option<(String, Arc<tempfile::TempDir>)> {
        Some((self.db_url.clone(), self._dir.clone()))
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Signs up, confirms through the e-mailed link and logs in; returns the logged-in client.
    pub async fn user(&self, sink: &SmtpSink, name: &str, email: &str, password: &str) -> Client {
        let c = self.client();
        let r = c.post("/signup", &[("name", name), ("email", email), ("password", password)]).await;
        assert_eq!(r.status, 303, "sign-up: {}", r.body);
        let mail = sink.wait_for(email, "Confirm your e-mail").await;
        let link = mail.link(&self.base);
        let path = &link[self.base.len()..];
        assert_eq!(c.get(path).await.status, 200);
        assert_eq!(c.post(path, &[]).await.status, 303);
        let r = c.login(email, password).await;
        assert_eq!(r.status, 303, "login: {}", r.body);
        c
    }

    /// A confirmed account written straight to the database (no sign-up mail), logged in over
    /// HTTP. `role` is "attendee", "organiser" or "admin". Much faster than `user` for tests
    /// that need many people.
    pub async fn quick_user(&self, name: &str, email: &str, role: &str) -> Client {
        self.insert_user(name, email, role, "", "", "");
        let c = self.client();
        let r = c.login(email, PASSWORD).await;
        assert_eq!(r.status, 303, "login of {email}: {}", r.body);
        c
    }

    /// Inserts a confirmed account with password `PASSWORD`; returns its id.
    pub fn insert_user(
        &self,
        name: &str,
        email: &str,
        role: &str,
        organisation: &str,
        sector: &str,
        country: &str,
    ) -> i64 {
        insert_user_with(&self.db, name, email, role, organisation, sector, country)
    }

    /// Makes `user_id` a co-organiser of `event_id` (as an accepted organiser invitation does).
    pub fn insert_co_organiser(&self, event_id: i64, user_id: i64) {
        use diesel::prelude::*;
        use liaison::db::schema::event_organisers as eo;
        self.with_conn(|c| {
            diesel::insert_into(eo::table)
                .values((eo::event_id.eq(event_id), eo::user_id.eq(user_id), eo::created_at.eq(liaison::db::now())))
                .execute(c)
                .expect("co-organiser")
        });
    }

    /// Inserts a confirmed registration of `user_id` for `event_id` with the given consents to
    /// the directory and to matchmaking.
    pub fn insert_registration(&self, event_id: i64, user_id: i64, directory: bool, matchmaking: bool) {
        use diesel::prelude::*;
        use liaison::db::schema::registrations as r;
        let t = liaison::db::now();
        self.with_conn(|c| {
            diesel::insert_into(r::table)
                .values((
                    r::event_id.eq(event_id),
                    r::user_id.eq(user_id),
                    r::status.eq("confirmed"),
                    r::ical_uid.eq(format!("r-{}@test", uuid::Uuid::new_v4().simple())),
                    r::directory_consent.eq(directory),
                    r::matchmaking_consent.eq(matchmaking),
                    r::created_at.eq(t),
                    r::updated_at.eq(t),
                ))
                .execute(c)
                .expect("insert registration")
        });
    }

    /// Runs a query against the test's database.
    pub fn with_conn<T>(&self, f: impl FnOnce(&mut liaison::db::DbConn) -> T) -> T {
        let mut conn = self.db.get().expect("db conn");
        f(&mut conn)
    }
}

// ---------------------------------------------------------------- HTTP client

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> String {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    pub fn has(&self, needle: &str) -> bool {
        self.body.contains(needle)
    }
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            // The server closes idle connections after 5 s; a client that reuses one just as it
            // is closed gets "incomplete message" (seen under load on a busy machine). Let the
            // client drop them first.
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        Client { http, base: base.to_string() }
    }

    async fn page(resp: reqwest::Response) -> Page {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Page { status, headers, body }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(format!("{}{path}", self.base)).send().await.expect("GET")).await
    }

    /// The session's CSRF token, from the page's meta tag.
    pub async fn csrf(&self) -> String {
        let p = self.get("/").await;
        extract(&p.body, "<meta name=\"csrf-token\" content=\"", "\"").expect("csrf meta tag")
    }

    /// POSTs a form with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// POSTs exactly the given fields (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(self.http.post(format!("{}{path}", self.base)).form(fields).send().await.expect("POST")).await
    }

    /// POSTs a multipart upload of one file (field `file`) with the CSRF token in a form
    /// field, as the upload form does.
    pub async fn post_file(&self, path: &str, filename: &str, content: Vec<u8>) -> Page {
        let token = self.csrf().await;
        let boundary = format!("----liaison{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(&content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let url = format!("{}{path}", self.base);
        let resp = self
            .http
            .post(url)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("POST file");
        Self::page(resp).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.post("/login", &[("email", email), ("password", password)]).await
    }

    pub async fn logged_in(&self) -> bool {
        self.get("/account").await.status == 200
    }
}

pub fn extract(body: &str, start: &str, end: &str) -> Option<String> {
    let i = body.find(start)? + start.len();
    let j = body[i..].find(end)? + i;
    Some(body[i..j].to_string())
}

/// A unique e-mail address for one test.
pub fn email(tag: &str) -> String {
    format!("{tag}-{}@example.org", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

pub const PASSWORD: &str = "correct horse battery staple";

/// Inserts a confirmed account with password `PASSWORD` into `db`; returns its id.
pub fn insert_user_with(
    db: &Db,
    name: &str,
    email: &str,
    role: &str,
    organisation: &str,
    sector: &str,
    country: &str,
) -> i64 {
    use diesel::prelude::*;
    use liaison::db::schema::users;
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = HASH.get_or_init(|| liaison::accounts::password::hash_blocking(PASSWORD).expect("hash"));
    let t = liaison::db::now();
    let mut conn = db.get().expect("db conn");
    diesel::insert_into(users::table)
        .values((
            users::email.eq(email),
            users::name.eq(name),
            users::password_hash.eq(hash),
            users::role.eq(role),
            users::email_confirmed_at.eq(Some(t)),
            users::organisation.eq(organisation),
            users::sector.eq(sector),
            users::country.eq(country),
            users::created_at.eq(t),
            users::updated_at.eq(t),
        ))
        .returning(users::id)
        .get_result(&mut conn)
        .expect("insert user")
}

/// The same with no profile, for tests that drive servers of their own.
pub fn insert_user_into(db: &Db, name: &str, email: &str, role: &str) -> i64 {
    insert_user_with(db, name, email, role, "", "", "")
}
