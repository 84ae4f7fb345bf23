//! Settings: defaults, then environment variables, then flags. `Config::resolve` checks them
//! all at start-up and refuses wrong values with a message that names the setting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use actix_web::cookie::Key;
use clap::Args;

use crate::db::DatabaseUrl;

#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database: sqlite://PATH (embedded, default) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/liaison.db", hide_env_values = true)]
    pub database_url: String,

    /// Maximum number of pooled database connections [default: twice the cores, at least 4].
    #[arg(long, env = "LIAISON_DB_POOL_SIZE")]
    pub db_pool_size: Option<u32>,
}

impl DbArgs {
    /// Twice the cores by default: on a 2-core machine with PostgreSQL beside the server, 10
    /// connections gave the same throughput as 4 with a p99 of 300 ms instead of 7 ms, as more
    /// database processes than cores took turns (BENCHMARKS.md, "Connection pool").
    pub fn pool_size(&self) -> u32 {
        self.db_pool_size.unwrap_or_else(|| {
            let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
            u32::try_from(2 * cores).unwrap_or(u32::MAX).max(4)
        })
    }

    pub fn parsed(&self) -> anyhow::Result<DatabaseUrl> {
        DatabaseUrl::parse(&self.database_url).map_err(anyhow::Error::msg)
    }
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    /// Address and port to listen on.
    #[arg(long, env = "LIAISON_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,

    /// Public address of the site, used for links in e-mails (default: http://ADDR).
    #[arg(long, env = "LIAISON_BASE_URL")]
    pub base_url: Option<String>,

    /// SMTP server in lettre's URL form, e.g. smtp://127.0.0.1:2525 or smtps://user:pass@host.
    /// When unset, e-mails are written as .eml files to the mail folder.
    #[arg(long, env = "LIAISON_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Folder for .eml files when no SMTP server is configured.
    #[arg(long, env = "LIAISON_MAIL_DIR", default_value = "data/mail")]
    pub mail_dir: PathBuf,

    /// Sender of all e-mails.
    #[arg(long, env = "LIAISON_MAIL_FROM", default_value = "Liaison <no-reply@liaison.localhost>")]
    pub mail_from: String,

    /// Cookie signing and encryption key (at least 32 characters). When unset, a random key is
    /// generated once and kept in the data folder.
    #[arg(long, env = "LIAISON_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Folder for the generated secret key (and the default database and mail folder).
    #[arg(long, env = "LIAISON_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "LIAISON_WORKERS")]
    pub workers: Option<usize>,

    /// How many password hashes may run at once (default: one per core).
    #[arg(long, env = "LIAISON_HASH_CONCURRENCY")]
    pub hash_concurrency: Option<usize>,

    /// Rate limits per address and per account on sign-up, login, reset and confirmation
    /// e-mails and meeting requests ("false" turns them off, e.g. for load tests from one host).
    #[arg(long, env = "LIAISON_RATE_LIMITS", default_value_t = true, action = clap::ArgAction::Set)]
    pub rate_limits: bool,

    /// Reverse proxies whose X-Forwarded-For / Forwarded headers are believed: IP addresses or
    /// CIDR ranges, separated by commas (e.g. "127.0.0.1, 10.0.0.0/8"). Empty: the headers are
    /// ignored and every limit counts the connecting address.
    #[arg(long, env = "LIAISON_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Milliseconds a request waits for a free password-hashing slot before it is answered 503
    /// (with Retry-After) instead of piling up.
    #[arg(long, env = "LIAISON_HASH_QUEUE_WAIT_MS", default_value_t = 10_000, hide = true)]
    pub hash_queue_wait_ms: u64,

    /// First retry delay of a failed e-mail in milliseconds; it doubles on each attempt.
    #[arg(long, env = "LIAISON_MAIL_RETRY_MS", default_value_t = 30_000, hide = true)]
    pub mail_retry_ms: u64,

    /// How often the mail worker looks for due messages, in milliseconds.
    #[arg(long, env = "LIAISON_MAIL_POLL_MS", default_value_t = 1_000, hide = true)]
    pub mail_poll_ms: u64,

    /// Seconds a mail worker holds a claimed message before another may take it over.
    #[arg(long, env = "LIAISON_MAIL_LEASE_SECS", default_value_t = 300, hide = true)]
    pub mail_lease_secs: u64,

    /// /healthz reports the outbox as stalled (status "degraded") when a due e-mail has waited
    /// longer than this many seconds.
    #[arg(long, env = "LIAISON_MAIL_STALLED_SECS", default_value_t = 300)]
    pub mail_stalled_secs: u64,

    /// Programme changes are mailed once organisers have made no further change to a session
    /// for this many milliseconds, so a burst of edits becomes one e-mail.
    #[arg(long, env = "LIAISON_CHANGE_QUIET_MS", default_value_t = 300_000, hide = true)]
    pub change_quiet_ms: u64,

    /// Meeting requests still unanswered after this many minutes go into a digest e-mail to
    /// the person who has to answer them.
    #[arg(long, env = "LIAISON_DIGEST_AFTER_MINUTES", default_value_t = 360, hide = true)]
    pub digest_after_minutes: u64,
}

/// Checked, ready-to-use settings.
#[derive(Clone)]
pub struct Settings {
    pub database_url: DatabaseUrl,
    /// The data folder (generated key, default database and mail folder).
    pub data_dir: PathBuf,
    pub db_pool_size: u32,
    pub addr: String,
    pub base_url: String,
    pub secure_cookies: bool,
    pub cookie_key: Key,
    pub mail: MailSettings,
    pub workers: usize,
    pub hash_concurrency: usize,
    pub rate_limits: bool,
    pub trusted_proxies: crate::web::limits::TrustedProxies,
    pub hash_queue_wait: Duration,
    pub change_quiet: Duration,
    pub digest_after: Duration,
}

#[derive(Clone)]
pub struct MailSettings {
    pub from: lettre::message::Mailbox,
    pub transport: MailTransportKind,
    pub retry_base: Duration,
    pub poll_interval: Duration,
    pub lease: Duration,
    pub stalled_after: Duration,
}

#[derive(Clone)]
pub enum MailTransportKind {
    Smtp(String),
    Files(PathBuf),
}

impl Config {
    /// A configuration with every default, as if no variable or flag were given.
    pub fn defaults() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            config: Config,
        }
        // Parsing an empty argument list cannot fail: every field has a default.
        Wrapper::try_parse_from(["liaison"]).map(|w| w.config).unwrap_or_else(|e| panic!("config defaults: {e}"))
    }

    pub fn resolve(&self) -> anyhow::Result<Settings> {
        let database_url = self.db.parsed()?;
        if self.addr.parse::<std::net::SocketAddr>().is_err() && !self.addr.contains(':') {
            anyhow::bail!("LIAISON_ADDR must be HOST:PORT, e.g. 127.0.0.1:8080; got '{}'", self.addr);
        }
        let base_url = match &self.base_url {
            Some(u) => {
                let u = u.trim().trim_end_matches('/').to_string();
                if !(u.starts_with("http://") || u.starts_with("https://")) || u.len() < 10 {
                    anyhow::bail!("LIAISON_BASE_URL must start with http:// or https://; got '{u}'");
                }
                u
            }
            None => format!("http://{}", self.addr),
        };
        let from: lettre::message::Mailbox = self.mail_from.parse().map_err(|e| {
            anyhow::anyhow!("LIAISON_MAIL_FROM must be an address like 'Liaison <no-reply@example.org>': {e}")
        })?;
        crate::ical::set_organizer(from.name.as_deref().unwrap_or("Liaison"), from.email.as_ref());
        let transport = match self.smtp_url.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(url) => {
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    anyhow::bail!("LIAISON_SMTP_URL must start with smtp:// or smtps://");
                }
                lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("LIAISON_SMTP_URL is not a valid SMTP URL: {e}"))?;
                MailTransportKind::Smtp(url.to_string())
            }
            None => MailTransportKind::Files(self.mail_dir.clone()),
        };
        let trusted_proxies = crate::web::limits::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("LIAISON_TRUSTED_PROXIES: {e}"))?;
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Ok(Settings {
            database_url,
            data_dir: self.data_dir.clone(),
            db_pool_size: self.db.pool_size(),
            addr: self.addr.clone(),
            secure_cookies: base_url.starts_with("https://"),
            base_url,
            cookie_key: self.cookie_key()?,
            mail: MailSettings {
                from,
                transport,
                retry_base: Duration::from_millis(self.mail_retry_ms.max(1)),
                poll_interval: Duration::from_millis(self.mail_poll_ms.max(10)),
                lease: Duration::from_secs(self.mail_lease_secs.max(1)),
                stalled_after: Duration::from_secs(self.mail_stalled_secs),
            },
            workers: self.workers.unwrap_or(cores).max(1),
            hash_concurrency: self.hash_concurrency.unwrap_or(cores).max(1),
            rate_limits: self.rate_limits,
            trusted_proxies,
            hash_queue_wait: Duration::from_millis(self.hash_queue_wait_ms.max(1)),
            change_quiet: Duration::from_millis(self.change_quiet_ms),
            digest_after: Duration::from_secs(self.digest_after_minutes * 60),
        })
    }

    fn cookie_key(&self) -> anyhow::Result<Key> {
        match self.secret_key.as_deref() {
            Some(k) if k.len() >= 32 => Ok(Key::derive_from(k.as_bytes())),
            Some(_) => anyhow::bail!("LIAISON_SECRET_KEY must be at least 32 characters long"),
            None => load_or_create_key_file(&self.data_dir.join("secret.key")),
        }
    }
}

/// Makes every file this process creates private to its user (files 0600, folders 0700): the
/// database, the cookie key and `.eml` files hold personal data and live links.
pub fn private_files() {
    // SAFETY: umask only changes the process's file-creation mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

impl Settings {
    /// Creates the data folder 0700, and tightens what other local users could read from an
    /// older installation: the data folder, the SQLite database with its -wal and -shm files,
    /// the generated key and the mail folder inside the data folder. Each change is logged.
    pub fn secure_data_dir(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.data_dir)
            .map_err(|e| anyhow::anyhow!("cannot create the data folder {}: {e}", self.data_dir.display()))?;
        tighten(&self.data_dir, 0o700)?;
        if let MailTransportKind::Files(dir) = &self.mail.transport {
            if dir.starts_with(&self.data_dir) {
                tighten(dir, 0o700)?;
            }
        }
        tighten(&self.data_dir.join("secret.key"), 0o600)?;
        if let DatabaseUrl::Sqlite(path) = &self.database_url {
            for suffix in ["", "-wal", "-shm"] {
                tighten(Path::new(&format!("{path}{suffix}")), 0o600)?;
            }
        }
        Ok(())
    }
}

/// Removes the group and other permissions of `path` if it exists and has any.
fn tighten(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(path) else { return Ok(()) };
    let old = meta.permissions().mode() & 0o777;
    if old & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| anyhow::anyhow!("cannot make {} private: {e}", path.display()))?;
        tracing::warn!(path = %path.display(), old = %format!("{old:o}"), new = %format!("{mode:o}"), "made private: other local users could read it");
    }
    Ok(())
}

/// Reads the key kept in the data folder, or creates it (mode 0600) on first start.
fn load_or_create_key_file(path: &Path) -> anyhow::Result<Key> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim()).map_err(|_| {
                anyhow::anyhow!("{} is not a hex-encoded key; delete it to have a new one made", path.display())
            })?;
            if bytes.len() < 32 {
                anyhow::bail!("{} holds a key that is too short; delete it to have a new one made", path.display());
            }
            Ok(Key::derive_from(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            }
            let mut bytes = [0u8; 64];
            rand::fill(&mut bytes);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
            file.write_all(hex::encode(bytes).as_bytes())?;
            tracing::info!(path = %path.display(), "generated a new cookie key");
            Ok(Key::derive_from(&bytes))
        }
        Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_resolve_and_key_file_is_private_and_stable() {
        let dir = tempfile_dir();
        let mut c = Config::defaults();
        c.data_dir = dir.clone();
        let s1 = c.resolve().expect("defaults resolve");
        assert_eq!(s1.base_url, "http://127.0.0.1:8080");
        assert!(!s1.secure_cookies);
        let meta = std::fs::metadata(dir.join("secret.key")).expect("key file");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let s2 = c.resolve().expect("second resolve");
        assert_eq!(s1.cookie_key.master(), s2.cookie_key.master(), "key must be reused");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn refuses_bad_values_with_the_setting_named() {
        let mut c = Config::defaults();
        c.secret_key = Some("short".into());
        c.db.database_url = "mysql://x".into();
        assert!(c.resolve().err().map(|e| e.to_string()).unwrap_or_default().contains("DATABASE_URL"));
        c.db.database_url = "sqlite://x.db".into();
        assert!(c.resolve().err().map(|e| e.to_string()).unwrap_or_default().contains("LIAISON_SECRET_KEY"));
        c.secret_key = Some("x".repeat(40));
        c.base_url = Some("ftp://example.org".into());
        assert!(c.resolve().err().map(|e| e.to_string()).unwrap_or_default().contains("LIAISON_BASE_URL"));
        c.base_url = Some("https://events.example.org/".into());
        let s = c.resolve().expect("https base");
        assert!(s.secure_cookies);
        assert_eq!(s.base_url, "https://events.example.org");
        c.trusted_proxies = "10.0.0.0/8, proxy.internal".into();
        assert!(c.resolve().err().map(|e| e.to_string()).unwrap_or_default().contains("LIAISON_TRUSTED_PROXIES"));
        c.trusted_proxies = "10.0.0.0/8 ::1".into();
        assert!(!c.resolve().expect("proxies").trusted_proxies.is_empty());
        c.mail_from = "not an address".into();
        assert!(c.resolve().err().map(|e| e.to_string()).unwrap_or_default().contains("LIAISON_MAIL_FROM"));
        c.mail_from = "Liaison <a@b.org>".into();
        c.smtp_url = Some("http://mail".into());
        assert!(c.resolve().err().map(|e| e.to_string()).unwrap_or_default().contains("LIAISON_SMTP_URL"));
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("liaison-cfg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&d).expect("tempdir");
        d
    }
}
