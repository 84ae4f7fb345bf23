//! The mail worker: claims due outbox rows with a lease, sends them, records the outcome and
//! retries failures with a doubling delay. Claims are compare-and-set updates, so several
//! servers on one database never send the same row at the same time.
//!
//! No message can stop the queue: header text is cleaned before lettre sees it, building runs
//! under `catch_unwind`, a message that can never be built or keeps failing is parked as a dead
//! letter (status `failed`, shown to admins at /admin/mail), and `supervise` starts the worker
//! again if it ever dies. Claims and outcomes go through the worker's own database connection,
//! not the requests' pool, so a send is recorded milliseconds after SMTP accepted it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use futures_util::StreamExt;
use lettre::message::{header::ContentType, Attachment as MailAttachment, Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::{MailSettings, MailTransportKind};
use crate::db::schema::outbox;
use crate::db::{now, Db, DbConn};
use crate::error::AppError;

/// After this many attempts a message becomes a dead letter (about a day with the default delay).
pub const MAX_ATTEMPTS: i32 = 20;
/// The status of a dead letter: a message the worker gave up on. The existing `failed` status
/// already meant exactly that, so no new state (and no rebuild of SQLite's CHECK) is needed.
pub const DEAD: &str = "failed";
/// How many due rows one claim takes.
const BATCH: i64 = 40;
/// How many recipients' messages are sent at once, each over its own SMTP connection. It is
/// also the most messages a server killed mid-send can deliver twice (accepted by SMTP, not yet
/// recorded). lettre's connection pool is not used: a pooled connection dropped while the
/// runtime shuts down panics.
pub const IN_FLIGHT: usize = 8;
const LONGEST_DELAY: Duration = Duration::from_secs(3600);
/// Sent mail is deleted after this long (its bodies are blanked at once when it is sent).
const KEEP_SENT: TimeDelta = TimeDelta::days(90);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub message_id: String,
    pub to_addr: String,
    pub to_name: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attachment_name: Option<String>,
    pub attachment_type: Option<String>,
    pub attachment_body: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub more_attachments: Option<String>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Outcome of one delivery attempt.
enum Sent {
    Ok(String),
    Retry(String),
    Permanent(String),
}

/// Set by tests to make the running worker panic once, so that the supervisor is exercised
/// through the real server (tests run the server in their own process).
static PANIC_ONCE: AtomicBool = AtomicBool::new(false);

#[doc(hidden)]
pub fn panic_once_for_tests() {
    PANIC_ONCE.store(true, Ordering::SeqCst);
}

/// Whether the panic asked for has not happened yet.
#[doc(hidden)]
pub fn panic_pending_for_tests() -> bool {
    PANIC_ONCE.load(Ordering::SeqCst)
}

pub struct MailWorker {
    db: Db,
    /// The worker's own connection (made on first use and again after any error).
    conn: Arc<Mutex<Option<DbConn>>>,
    transport: Transport,
    from: Mailbox,
    retry_base: Duration,
    poll: Duration,
    worker_id: String,
    /// How long a claimed message is this worker's: a worker that dies mid-send leaves it to
    /// the others after this.
    lease: TimeDelta,
    wake: Arc<Notify>,
}

impl MailWorker {
    pub fn new(db: Db, settings: &MailSettings, wake: Arc<Notify>) -> anyhow::Result<Self> {
        let transport = match &settings.transport {
            MailTransportKind::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(Duration::from_secs(30))).build(),
            ),
            MailTransportKind::Files(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("cannot create mail folder {}: {e}", dir.display()))?;
                Transport::Files(AsyncFileTransport::new(dir), dir.clone())
            }
        };
        Ok(Self {
            db,
            conn: Arc::default(),
            transport,
            from: settings.from.clone(),
            retry_base: settings.retry_base,
            poll: settings.poll_interval,
            worker_id: uuid::Uuid::new_v4().simple().to_string(),
            lease: TimeDelta::from_std(settings.lease).unwrap_or(TimeDelta::minutes(5)),
            wake,
        })
    }

    /// Runs the worker for as long as the runtime runs, and starts it again (after a second)
    /// whenever it dies: one unforeseen panic must not stop every later e-mail.
    pub async fn supervise(self) {
        let worker = Arc::new(self);
        loop {
            let w = worker.clone();
            match actix_web::rt::spawn(async move { w.run().await }).await {
                Ok(()) => return,
                Err(e) if e.is_cancelled() => return,
                Err(e) => {
                    tracing::error!(error = %e, "the mail worker died; starting it again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }

    /// Drains due messages, then sleeps until woken or polled; never returns.
    async fn run(&self) {
        let mut last_cleanup: Option<Instant> = None;
        loop {
            if PANIC_ONCE.swap(false, Ordering::SeqCst) {
                panic!("mail worker: failure injected by a test");
            }
            match self.drain_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail worker could not read the outbox"),
            }
            if last_cleanup.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                last_cleanup = Some(Instant::now());
                if let Err(e) = self.on_own_conn(housekeeping).await {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Runs `f` on the worker's own connection, off the async threads. A connection that
    /// failed is dropped and a new one made next time.
    async fn on_own_conn<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let (slot, db) = (self.conn.clone(), self.db.clone());
        tokio::task::spawn_blocking(move || {
            let mut guard = slot.lock().unwrap_or_else(|poisoned| {
                slot.clear_poison();
                poisoned.into_inner()
            });
            let mut conn = match guard.take() {
                Some(c) => c,
                None => db.dedicated()?,
            };
            let result = f(&mut conn);
            if result.is_ok() {
                *guard = Some(conn);
            }
            result
        })
        .await
        .map_err(|e| AppError::internal(format!("mail database task failed: {e}")))?
    }

    /// Claims and sends one batch of due messages; returns how many were claimed.
    ///
    /// Messages to different people go out side by side (up to `IN_FLIGHT` at once): a single
    /// SMTP conversation costs about 40 ms however fast both ends are (lettre writes the
    /// end-of-data line separately and it waits for a delayed TCP acknowledgement), so
    /// one at a time a full house of 500 confirmations took half a minute. Messages to one
    /// person keep their order: "registered" is never overtaken by "cancelled".
    pub async fn drain_once(&self) -> Result<usize, AppError> {
        let (me, lease) = (self.worker_id.clone(), self.lease);
        let claimed = self.on_own_conn(move |c| claim(c, &me, BATCH, lease)).await?;
        let n = claimed.len();
        let results: Vec<Result<(), AppError>> = futures_util::stream::iter(by_recipient(claimed))
            .map(|ids| async move {
                for id in ids {
                    self.deliver(id).await?;
                }
                Ok(())
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        results.into_iter().collect::<Result<(), AppError>>()?;
        Ok(n)
    }

    /// Sends one claimed message and records the outcome.
    async fn deliver(&self, id: i64) -> Result<(), AppError> {
        // The batch may have waited: renew the lease right before sending, and skip a row
        // another worker has taken over meanwhile.
        let (me, lease) = (self.worker_id.clone(), self.lease);
        let row = match self.on_own_conn(move |c| take(c, id, &me, lease)).await? {
            Taken::Row(row) => row,
            Taken::Lost => {
                tracing::warn!(id, "e-mail taken over by another worker before it was sent");
                return Ok(());
            }
            Taken::Unreadable { attempts, error } => {
                tracing::error!(id, %error, "e-mail cannot be read from the outbox; parked as a dead letter");
                let me = self.worker_id.clone();
                let retry_base = self.retry_base;
                return self
                    .on_own_conn(move |c| record(c, id, &me, attempts + 1, Sent::Permanent(error), retry_base))
                    .await;
            }
        };
        let outcome = self.send(&row).await;
        let attempts = row.attempts + 1;
        match &outcome {
            Sent::Ok(detail) => {
                tracing::info!(id, to = %row.to_addr, subject = %row.subject, %detail, "e-mail sent")
            }
            Sent::Retry(e) if attempts >= MAX_ATTEMPTS => {
                tracing::error!(id, attempts, error = %e, "e-mail not sent; giving up (dead letter)")
            }
            Sent::Retry(e) => tracing::warn!(id, attempts, error = %e, "e-mail not sent; will retry"),
            Sent::Permanent(e) => tracing::error!(id, error = %e, "e-mail refused permanently (dead letter)"),
        }
        let me = self.worker_id.clone();
        let retry_base = self.retry_base;
        self.on_own_conn(move |c| record(c, id, &me, attempts, outcome, retry_base)).await
    }

    async fn send(&self, row: &OutboxRow) -> Sent {
        let message = match build_message(&self.from, row) {
            Ok(m) => m,
            Err(e) => return Sent::Permanent(format!("cannot build message: {e}")),
        };
        match &self.transport {
            Transport::Smtp(t) => match t.send(message).await {
                Ok(resp) => Sent::Ok(format!("smtp {}", resp.code())),
                Err(e) if e.is_permanent() => Sent::Permanent(e.to_string()),
                Err(e) => Sent::Retry(e.to_string()),
            },
            Transport::Files(t, dir) => match t.send(message).await {
                Ok(id) => Sent::Ok(format!("written to {}", dir.join(format!("{id}.eml")).display())),
                Err(e) => Sent::Retry(e.to_string()),
            },
        }
    }
}

/// Header text on one line: control characters (CR, LF, TAB, …) and Unicode line separators
/// become spaces. Rows may hold such text from before input was checked, or from another
/// version; at the edge it is cleaned again, whatever the forms did.
pub fn one_line(s: &str) -> String {
    let cleaned: String =
        s.chars().map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c }).collect();
    cleaned.trim().to_string()
}

/// Builds the message of `row`. It can fail but never panics: header text is cleaned first,
/// and a panic inside lettre is caught and returned as an error.
fn build_message(from: &Mailbox, row: &OutboxRow) -> anyhow::Result<Message> {
    guarded(|| compose(from, row))
}

fn guarded<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            anyhow::bail!("the mail library panicked: {why}")
        }
    }
}

fn compose(from: &Mailbox, row: &OutboxRow) -> anyhow::Result<Message> {
    let name = Some(one_line(&row.to_name)).filter(|n| !n.is_empty());
    let to = Mailbox::new(name, row.to_addr.trim().parse()?);
    let parts = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
    let message_id = one_line(&row.message_id).replace(['<', '>', ' '], "");
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(one_line(&row.subject))
        .message_id(Some(format!("<{message_id}>")));
    let mut files = Vec::new();
    if let (Some(name), Some(ct), Some(content)) = (&row.attachment_name, &row.attachment_type, &row.attachment_body) {
        files.push(crate::mail::Attachment { filename: name.clone(), content_type: ct.clone(), body: content.clone() });
    }
    files.extend(crate::mail::more_attachments(row.more_attachments.as_deref())?);
    if files.is_empty() {
        return Ok(builder.multipart(parts)?);
    }
    let mut body = MultiPart::mixed().multipart(parts);
    for f in files {
        let (file, ct) = (MailAttachment::new(one_line(&f.filename)), ContentType::parse(&one_line(&f.content_type))?);
        body = body.singlepart(match f.binary_body()? {
            Some(bytes) => file.body(bytes, ct),
            None => file.body(f.body, ct),
        });
    }
    Ok(builder.multipart(body)?)
}

/// Rows ready to send at time `t`: pending and due, or claimed by a worker whose lease ran out.
macro_rules! due {
    ($t:expr) => {
        outbox::status
            .eq("pending")
            .and(outbox::next_attempt_at.le($t))
            .or(outbox::status.eq("sending").and(outbox::locked_until.assume_not_null().lt($t)))
    };
}

/// Claims up to `limit` due rows for this worker; returns their ids. Each claim is a
/// conditional update that only one worker can win, on either backend.
fn claim(conn: &mut DbConn, worker: &str, limit: i64, lease: TimeDelta) -> Result<Vec<(i64, String)>, AppError> {
    let candidates: Vec<(i64, String)> = outbox::table
        .filter(due!(now()))
        .order(outbox::id)
        .limit(limit)
        .select((outbox::id, outbox::to_addr))
        .load(conn)?;
    let mut claimed = Vec::new();
    for (id, to) in candidates {
        let won = diesel::update(outbox::table.find(id).filter(due!(now())))
            .set((outbox::status.eq("sending"), outbox::locked_by.eq(worker), outbox::locked_until.eq(now() + lease)))
            .execute(conn)?;
        if won == 1 {
            claimed.push((id, to));
        }
    }
    Ok(claimed)
}

/// Claimed messages grouped by recipient (case-insensitive), each group in outbox order,
/// groups in the order of their first message.
fn by_recipient(claimed: Vec<(i64, String)>) -> Vec<Vec<i64>> {
    let mut groups: Vec<(String, Vec<i64>)> = Vec::new();
    for (id, to) in claimed {
        let key = to.trim().to_lowercase();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((key, vec![id])),
        }
    }
    groups.into_iter().map(|(_, ids)| ids).collect()
}

enum Taken {
    Row(Box<OutboxRow>),
    /// Another worker holds it now (this one's lease ran out).
    Lost,
    /// The row cannot be loaded (e.g. text that is not valid UTF-8): it can never be sent.
    Unreadable {
        attempts: i32,
        error: String,
    },
}

/// Renews this worker's lease on a claimed row and loads it.
fn take(conn: &mut DbConn, id: i64, worker: &str, lease: TimeDelta) -> Result<Taken, AppError> {
    let mine = outbox::table.find(id).filter(outbox::locked_by.eq(worker)).filter(outbox::status.eq("sending"));
    if diesel::update(mine).set(outbox::locked_until.eq(now() + lease)).execute(conn)? == 0 {
        return Ok(Taken::Lost);
    }
    match outbox::table.find(id).select(OutboxRow::as_select()).first(conn) {
        Ok(row) => Ok(Taken::Row(Box::new(row))),
        Err(e @ diesel::result::Error::DeserializationError(_)) => {
            let attempts = outbox::table.find(id).select(outbox::attempts).first(conn)?;
            Ok(Taken::Unreadable { attempts, error: format!("unreadable row: {e}") })
        }
        Err(e) => Err(e.into()),
    }
}

fn record(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    attempts: i32,
    outcome: Sent,
    retry_base: Duration,
) -> Result<(), AppError> {
    let mine = outbox::table.find(id).filter(outbox::locked_by.eq(worker));
    let t = now();
    let updated = match outcome {
        // Sent: keep who, what and when for the record, but not the bodies: they hold
        // single-use links (confirmation, reset) that must not stay usable at rest.
        Sent::Ok(_) => diesel::update(mine)
            .set((
                outbox::status.eq("sent"),
                outbox::sent_at.eq(t),
                outbox::attempts.eq(attempts),
                outbox::locked_by.eq(None::<String>),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
                outbox::text_body.eq(""),
                outbox::html_body.eq(""),
                outbox::attachment_body.eq(None::<String>),
                outbox::more_attachments.eq(None::<String>),
            ))
            .execute(conn)?,
        Sent::Permanent(e) => diesel::update(mine)
            .set((
                outbox::status.eq(DEAD),
                outbox::attempts.eq(attempts),
                outbox::locked_by.eq(None::<String>),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(truncate(&e)),
            ))
            .execute(conn)?,
        Sent::Retry(e) => {
            let status = if attempts >= MAX_ATTEMPTS { DEAD } else { "pending" };
            let delay = TimeDelta::from_std(backoff(retry_base, attempts)).unwrap_or(TimeDelta::hours(1));
            diesel::update(mine)
                .set((
                    outbox::status.eq(status),
                    outbox::attempts.eq(attempts),
                    outbox::next_attempt_at.eq(t + delay),
                    outbox::locked_by.eq(None::<String>),
                    outbox::locked_until.eq(None::<NaiveDateTime>),
                    outbox::last_error.eq(truncate(&e)),
                ))
                .execute(conn)?
        }
    };
    if updated == 0 {
        tracing::warn!(id, "e-mail outcome not recorded: another worker took the message over");
    }
    Ok(())
}

/// Delay before attempt `attempts + 1`: the base, doubled per attempt, at most an hour.
pub fn backoff(base: Duration, attempts: i32) -> Duration {
    let factor = 2u32.saturating_pow((attempts - 1).clamp(0, 20) as u32);
    base.saturating_mul(factor).min(LONGEST_DELAY)
}

fn truncate(e: &str) -> String {
    e.chars().take(1000).collect()
}

/// Drops old login history, ended or expired sessions and old delivered mail, and blanks the
/// bodies of any sent mail that still has them (rows sent by an older version).
fn housekeeping(conn: &mut DbConn) -> Result<(), AppError> {
    crate::accounts::throttle::purge_old(conn)?;
    crate::accounts::sessions::purge_old(conn)?;
    diesel::delete(outbox::table.filter(outbox::status.eq("sent")).filter(outbox::sent_at.lt(now() - KEEP_SENT)))
        .execute(conn)?;
    blank_sent_bodies(conn)?;
    Ok(())
}

/// Empties the bodies and attachment of sent messages; returns how many rows it changed.
pub fn blank_sent_bodies(conn: &mut DbConn) -> Result<usize, AppError> {
    let n = diesel::update(
        outbox::table.filter(outbox::status.eq("sent")).filter(
            outbox::text_body
                .ne("")
                .or(outbox::html_body.ne(""))
                .or(outbox::attachment_body.is_not_null())
                .or(outbox::more_attachments.is_not_null()),
        ),
    )
    .set((
        outbox::text_body.eq(""),
        outbox::html_body.eq(""),
        outbox::attachment_body.eq(None::<String>),
        outbox::more_attachments.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n)
}

/// What `/healthz` reports about the outbox.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutboxHealth {
    /// "ok", or "stalled" when a due message has waited longer than the threshold.
    pub status: &'static str,
    /// Messages due now (waiting for a worker).
    pub due: i64,
    /// How long the oldest due message has been due, in seconds.
    pub oldest_due_secs: i64,
    /// Messages that failed at least once and wait for another attempt.
    pub retrying: i64,
    /// Dead letters: messages the worker gave up on (see /admin/mail).
    pub dead: i64,
}

pub fn health(conn: &mut DbConn, stalled_after: Duration) -> Result<OutboxHealth, AppError> {
    let t = now();
    let (due, oldest): (i64, Option<NaiveDateTime>) = outbox::table
        .filter(due!(t))
        .select((diesel::dsl::count_star(), diesel::dsl::min(outbox::next_attempt_at)))
        .first(conn)?;
    let oldest_due_secs = oldest.map_or(0, |o| (t - o).num_seconds().max(0));
    let retrying: i64 =
        outbox::table.filter(outbox::status.eq("pending")).filter(outbox::attempts.gt(0)).count().get_result(conn)?;
    let dead: i64 = outbox::table.filter(outbox::status.eq(DEAD)).count().get_result(conn)?;
    let stalled = due > 0 && oldest_due_secs as u64 > stalled_after.as_secs();
    Ok(OutboxHealth { status: if stalled { "stalled" } else { "ok" }, due, oldest_due_secs, retrying, dead })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_persons_messages_stay_in_order_in_one_group() {
        let claimed = vec![(1, "a@x.eu"), (2, "b@x.eu"), (3, " A@X.eu"), (4, "c@x.eu"), (5, "b@x.eu")];
        let groups = by_recipient(claimed.into_iter().map(|(i, t)| (i, t.to_string())).collect());
        assert_eq!(groups, vec![vec![1, 3], vec![2, 5], vec![4]]);
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_secs(30);
        assert_eq!(backoff(b, 1), Duration::from_secs(30));
        assert_eq!(backoff(b, 2), Duration::from_secs(60));
        assert_eq!(backoff(b, 4), Duration::from_secs(240));
        assert_eq!(backoff(b, 19), LONGEST_DELAY);
        assert_eq!(backoff(b, 0), Duration::from_secs(30));
    }

    /// A pending message to Ada with an `.ics` attachment.
    fn row() -> OutboxRow {
        OutboxRow {
            id: 1,
            message_id: "abc@liaison".into(),
            to_addr: "ada@example.org".into(),
            to_name: "Ada".into(),
            subject: "Hello".into(),
            text_body: "plain".into(),
            html_body: "<p>html</p>".into(),
            attachment_name: Some("invite.ics".into()),
            attachment_type: Some("text/calendar; charset=utf-8".into()),
            attachment_body: Some("BEGIN:VCALENDAR".into()),
            status: "pending".into(),
            attempts: 0,
            next_attempt_at: now(),
            last_error: None,
            created_at: now(),
            sent_at: None,
            more_attachments: None,
        }
    }

    #[test]
    fn messages_have_both_parts_and_attachments() {
        let row = row();
        let from: Mailbox = "Liaison <no-reply@example.org>".parse().expect("from");
        let msg = String::from_utf8(build_message(&from, &row).expect("build").formatted()).expect("utf8");
        for needle in [
            "Message-ID: <abc@liaison>",
            "multipart/alternative",
            "text/html",
            "invite.ics",
            "To: Ada <ada@example.org>",
        ] {
            assert!(msg.contains(needle), "missing {needle} in {msg}");
        }
        let bad = OutboxRow { to_addr: "not an address".into(), ..row.clone() };
        assert!(build_message(&from, &bad).is_err());
        let bad = OutboxRow { attachment_type: Some("\r\n".into()), ..row.clone() };
        assert!(build_message(&from, &bad).is_err());
        let two = OutboxRow {
            more_attachments: Some(
                serde_json::json!([{"filename": "cancel.ics", "content_type": "text/calendar; method=CANCEL", "body": "X"}])
                    .to_string(),
            ),
            ..row.clone()
        };
        let msg = String::from_utf8(build_message(&from, &two).expect("build").formatted()).expect("utf8");
        assert!(msg.contains("invite.ics") && msg.contains("cancel.ics") && msg.contains("method=CANCEL"), "{msg}");
        let broken = OutboxRow { more_attachments: Some("[{}]".into()), ..row };
        assert!(build_message(&from, &broken).is_err());
    }

    #[test]
    fn header_text_with_line_breaks_is_cleaned_and_a_lettre_panic_is_an_error() {
        let from: Mailbox = "Liaison <no-reply@example.org>".parse().expect("from");
        let row = OutboxRow {
            to_addr: "inv2@x.org".into(),
            to_name: "Evil\r\nBcc: victim@x.org".into(),
            subject: "Hi\nX-Injected: yes\u{2028}there".into(),
            attachment_name: Some("a\r\nb.ics".into()),
            attachment_type: Some("text/calendar".into()),
            ..row()
        };
        // Unguarded, lettre 0.11 panics on a line break in a display name.
        let raw = guarded(|| {
            let to = Mailbox::new(Some(row.to_name.clone()), row.to_addr.parse()?);
            Ok(Message::builder().from(from.clone()).to(to).subject("x").body(String::new())?)
        });
        assert!(raw.is_err_and(|e| e.to_string().contains("panicked")));
        let msg = String::from_utf8(build_message(&from, &row).expect("builds").formatted()).expect("utf8");
        let headers = msg.split("\r\n\r\n").next().unwrap_or_default();
        for line in headers.lines() {
            assert!(!line.starts_with("Bcc:") && !line.starts_with("X-Injected:"), "injected header: {line}");
        }
        assert!(msg.contains("inv2@x.org"));
        assert_eq!(one_line(" a\tb\r\nc\u{7f}d\u{85} "), "a b  c d");
    }
}
