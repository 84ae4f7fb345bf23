//! The mail worker: claims due outbox rows with a lease, sends them, records the outcome and
//! retries failures with a doubling delay. Claims are compare-and-set updates, so several
//! servers on one database never send the same row at the same time.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use lettre::message::{header::ContentType, Attachment as MailAttachment, Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::config::{MailSettings, MailTransportKind};
use crate::db::schema::outbox;
use crate::db::{now, Db, DbConn};
use crate::error::AppError;

/// After this many attempts a message is marked failed (about a day with the default delay).
pub const MAX_ATTEMPTS: i32 = 20;
/// A claimed row that was not finished within this time (crashed server) is claimed again.
const BATCH: i64 = 20;
const LONGEST_DELAY: Duration = Duration::from_secs(3600);

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

pub struct MailWorker {
    db: Db,
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
            transport,
            from: settings.from.clone(),
            retry_base: settings.retry_base,
            poll: settings.poll_interval,
            worker_id: uuid::Uuid::new_v4().simple().to_string(),
            lease: TimeDelta::from_std(settings.lease).unwrap_or(TimeDelta::minutes(5)),
            wake,
        })
    }

    /// Runs until the runtime stops: drains due messages, then sleeps until woken or polled.
    pub async fn run(self) {
        let mut last_cleanup = std::time::Instant::now() - Duration::from_secs(7200);
        loop {
            match self.drain_once().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "mail worker could not read the outbox"),
            }
            if last_cleanup.elapsed() > Duration::from_secs(3600) {
                last_cleanup = std::time::Instant::now();
                if let Err(e) = self.db.run(housekeeping).await {
                    tracing::warn!(error = %e, "housekeeping failed");
                }
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    /// Claims and sends one batch of due messages; returns how many were attempted.
    pub async fn drain_once(&self) -> Result<usize, AppError> {
        let (me, lease) = (self.worker_id.clone(), self.lease);
        let rows = self.db.run(move |c| claim(c, &me, BATCH, lease)).await?;
        let n = rows.len();
        for row in rows {
            let outcome = self.send(&row).await;
            let me = self.worker_id.clone();
            let retry_base = self.retry_base;
            let id = row.id;
            let attempts = row.attempts + 1;
            match &outcome {
                Sent::Ok(detail) => {
                    tracing::info!(id, to = %row.to_addr, subject = %row.subject, %detail, "e-mail sent")
                }
                Sent::Retry(e) => tracing::warn!(id, attempts, error = %e, "e-mail not sent; will retry"),
                Sent::Permanent(e) => tracing::error!(id, error = %e, "e-mail refused permanently"),
            }
            self.db.run(move |c| record(c, id, &me, attempts, outcome, retry_base)).await?;
        }
        Ok(n)
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

fn build_message(from: &Mailbox, row: &OutboxRow) -> anyhow::Result<Message> {
    let name = Some(row.to_name.clone()).filter(|n| !n.is_empty());
    let to = Mailbox::new(name, row.to_addr.parse()?);
    let parts = MultiPart::alternative_plain_html(row.text_body.clone(), row.html_body.clone());
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(format!("<{}>", row.message_id)));
    let body = match (&row.attachment_name, &row.attachment_type, &row.attachment_body) {
        (Some(name), Some(ct), Some(content)) => MultiPart::mixed()
            .multipart(parts)
            .singlepart(MailAttachment::new(name.clone()).body(content.clone(), ContentType::parse(ct)?)),
        _ => parts,
    };
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

/// Claims up to `limit` due rows for this worker. Each claim is a conditional update that only
/// one worker can win, on either backend.
fn claim(conn: &mut DbConn, worker: &str, limit: i64, lease: TimeDelta) -> Result<Vec<OutboxRow>, AppError> {
    let candidates: Vec<i64> =
        outbox::table.filter(due!(now())).order(outbox::id).limit(limit).select(outbox::id).load(conn)?;
    let mut claimed = Vec::new();
    for id in candidates {
        let won = diesel::update(outbox::table.find(id).filter(due!(now())))
            .set((outbox::status.eq("sending"), outbox::locked_by.eq(worker), outbox::locked_until.eq(now() + lease)))
            .execute(conn)?;
        if won == 1 {
            claimed.push(id);
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    Ok(outbox::table.filter(outbox::id.eq_any(&claimed)).order(outbox::id).select(OutboxRow::as_select()).load(conn)?)
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
    match outcome {
        Sent::Ok(_) => diesel::update(mine)
            .set((
                outbox::status.eq("sent"),
                outbox::sent_at.eq(t),
                outbox::attempts.eq(attempts),
                outbox::locked_by.eq(None::<String>),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)?,
        Sent::Permanent(e) => diesel::update(mine)
            .set((
                outbox::status.eq("failed"),
                outbox::attempts.eq(attempts),
                outbox::locked_by.eq(None::<String>),
                outbox::locked_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(truncate(&e)),
            ))
            .execute(conn)?,
        Sent::Retry(e) => {
            let status = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
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

/// Drops old login history, ended or expired sessions and old delivered mail.
fn housekeeping(conn: &mut DbConn) -> Result<(), AppError> {
    crate::accounts::throttle::purge_old(conn)?;
    crate::accounts::sessions::purge_old(conn)?;
    diesel::delete(
        outbox::table.filter(outbox::status.eq("sent")).filter(outbox::sent_at.lt(now() - TimeDelta::days(90))),
    )
    .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_secs(30);
        assert_eq!(backoff(b, 1), Duration::from_secs(30));
        assert_eq!(backoff(b, 2), Duration::from_secs(60));
        assert_eq!(backoff(b, 4), Duration::from_secs(240));
        assert_eq!(backoff(b, 19), LONGEST_DELAY);
        assert_eq!(backoff(b, 0), Duration::from_secs(30));
    }

    #[test]
    fn messages_have_both_parts_and_attachments() {
        let row = OutboxRow {
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
        };
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
        let bad = OutboxRow { to_addr: "not an address".into(), ..row };
        assert!(build_message(&from, &bad).is_err());
    }
}
