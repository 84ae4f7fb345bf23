//! `liaison copy-db`: copies a whole Liaison database into an empty one on the other (or the
//! same) backend, e.g. from the embedded SQLite default to PostgreSQL when an event outgrows one
//! machine. Every table is copied row by row in foreign-key order inside one transaction on the
//! target, ids included, so links, tokens and calendar UIDs keep working.
//!
//! The row types below mirror `schema.rs` (generated from it once; keep them in step when a
//! migration adds a column: the copy test compares every table's row count).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{backend, DbConn};

macro_rules! tables {
    ($($name:ident { $($col:ident : $ty:ty),+ $(,)? }),+ $(,)?) => {
        $(
            #[allow(non_snake_case, dead_code)]
            mod $name {
                use super::*;

                #[derive(Queryable, Selectable, Insertable)]
                #[diesel(table_name = crate::db::schema::$name)]
                pub struct Row { $(pub $col: $ty),+ }

                pub fn copy(from: &mut DbConn, to: &mut DbConn) -> QueryResult<usize> {
                    let rows: Vec<Row> = crate::db::schema::$name::table.select(Row::as_select()).load(from)?;
                    for r in &rows {
                        diesel::insert_into(crate::db::schema::$name::table).values(r).execute(to)?;
                    }
                    Ok(rows.len())
                }

                pub fn count(c: &mut DbConn) -> QueryResult<i64> {
                    crate::db::schema::$name::table.count().get_result(c)
                }
            }
        )+

        /// Every table in foreign-key order, with its copy and count functions.
        pub const TABLES: &[(&str, CopyFn, CountFn)] = &[$((stringify!($name), $name::copy, $name::count)),+];
    };
}

type CopyFn = fn(&mut DbConn, &mut DbConn) -> QueryResult<usize>;
type CountFn = fn(&mut DbConn) -> QueryResult<i64>;

/// Tables whose `id` the database numbers itself (identity columns on PostgreSQL).
pub const NUMBERED: &[&str] = &[
    "users",
    "email_tokens",
    "outbox",
    "login_attempts",
    "user_sessions",
    "audit_log",
    "events",
    "event_invitations",
    "registration_questions",
    "registrations",
    "rooms",
    "tracks",
    "agenda_sessions",
    "session_speakers",
    "session_changes",
    "topics",
    "opportunities",
    "meeting_slots",
    "meeting_requests",
    "meetings",
    "published_meetings",
];

tables! {
    users { id: i64, email: String, name: String, password_hash: String, role: String, email_confirmed_at: Option<NaiveDateTime>, session_epoch: i32, organisation: String, sector: String, country: String, job_title: String, bio: String, created_at: NaiveDateTime, updated_at: NaiveDateTime },
    email_tokens { id: i64, user_id: i64, purpose: String, token_hash: String, expires_at: NaiveDateTime, used_at: Option<NaiveDateTime>, created_at: NaiveDateTime },
    outbox { id: i64, message_id: String, to_addr: String, to_name: String, subject: String, text_body: String, html_body: String, attachment_name: Option<String>, attachment_type: Option<String>, attachment_body: Option<String>, status: String, attempts: i32, next_attempt_at: NaiveDateTime, locked_by: Option<String>, locked_until: Option<NaiveDateTime>, last_error: Option<String>, created_at: NaiveDateTime, sent_at: Option<NaiveDateTime>, more_attachments: Option<String> },
    login_attempts { id: i64, email: String, ip: String, succeeded: bool, created_at: NaiveDateTime },
    user_sessions { id: i64, user_id: i64, token_hash: String, device: String, created_at: NaiveDateTime, last_seen_at: NaiveDateTime, ended_at: Option<NaiveDateTime> },
    audit_log { id: i64, actor_id: Option<i64>, subject_user_id: Option<i64>, action: String, detail: String, created_at: NaiveDateTime, event_id: Option<i64> },
    events { id: i64, slug: String, title: String, description: String, venue: String, address: String, timezone: String, starts_at: NaiveDateTime, ends_at: NaiveDateTime, registration_opens_at: Option<NaiveDateTime>, registration_closes_at: Option<NaiveDateTime>, capacity: Option<i32>, requires_approval: bool, status: String, registration_version: i64, waitlist_seq: i32, sequence: i32, created_by: Option<i64>, created_at: NaiveDateTime, updated_at: NaiveDateTime },
    event_organisers { event_id: i64, user_id: i64, created_at: NaiveDateTime },
    event_invitations { id: i64, event_id: i64, kind: String, email: String, name: String, organisation: String, token_hash: String, invited_by: Option<i64>, created_at: NaiveDateTime, accepted_at: Option<NaiveDateTime> },
    registration_questions { id: i64, event_id: i64, position: i32, kind: String, label: String, help: String, options: String, required: bool, created_at: NaiveDateTime },
    registrations { id: i64, event_id: i64, user_id: i64, status: String, waitlist_number: Option<i32>, ical_uid: String, ical_sequence: i32, directory_consent: bool, matchmaking_consent: bool, attended_at: Option<NaiveDateTime>, created_at: NaiveDateTime, updated_at: NaiveDateTime, calendar_epoch: i32 },
    registration_answers { registration_id: i64, question_id: i64, value: String },
    rooms { id: i64, event_id: i64, name: String, capacity: Option<i32>, position: i32 },
    tracks { id: i64, event_id: i64, name: String, colour: String, position: i32 },
    agenda_sessions { id: i64, event_id: i64, guid: String, title: String, abstract_text: String, kind: String, starts_at: NaiveDateTime, ends_at: NaiveDateTime, room_id: Option<i64>, track_id: Option<i64>, capacity: Option<i32>, signup_required: bool, status: String, sequence: i32, signups_version: i64, created_at: NaiveDateTime, updated_at: NaiveDateTime },
    session_speakers { id: i64, session_id: i64, position: i32, name: String, affiliation: String, user_id: Option<i64> },
    session_signups { session_id: i64, user_id: i64, created_at: NaiveDateTime, told_starts_at: Option<NaiveDateTime>, told_ends_at: Option<NaiveDateTime>, told_room: String, told_cancelled: bool, told_sequence: Option<i32> },
    session_changes { id: i64, session_id: i64, description: String, created_at: NaiveDateTime, sent_at: Option<NaiveDateTime> },
    match_settings { event_id: i64, enabled: bool, meeting_minutes: i32, tables_count: i32, max_meetings: i32, cross_sector_bonus: f64, allow_same_organisation: bool, request_ttl_hours: i32, booking_opens_at: Option<NaiveDateTime>, booking_closes_at: Option<NaiveDateTime>, allow_suggested: bool, published_at: Option<NaiveDateTime>, schedule_version: i64, last_run_at: Option<NaiveDateTime>, last_run_summary: String, updated_at: NaiveDateTime },
    topics { id: i64, event_id: i64, name: String, category: String, position: i32 },
    match_profiles { event_id: i64, user_id: i64, max_meetings: Option<i32>, updated_at: NaiveDateTime, meet_during_sessions: bool },
    profile_interests { event_id: i64, user_id: i64, topic_id: i64 },
    opportunities { id: i64, event_id: i64, user_id: i64, kind: String, title: String, description: String, created_at: NaiveDateTime, updated_at: NaiveDateTime },
    opportunity_topics { opportunity_id: i64, topic_id: i64 },
    meeting_slots { id: i64, event_id: i64, starts_at: NaiveDateTime, ends_at: NaiveDateTime },
    unavailability { slot_id: i64, user_id: i64 },
    meeting_requests { id: i64, event_id: i64, from_user: i64, to_user: i64, message: String, status: String, created_at: NaiveDateTime, expires_at: NaiveDateTime, responded_at: Option<NaiveDateTime>, digest_sent_at: Option<NaiveDateTime> },
    meetings { id: i64, event_id: i64, slot_id: i64, table_no: i32, a_user: i64, b_user: i64, request_id: Option<i64>, origin: String, locked: bool, score: f64, created_at: NaiveDateTime, updated_at: NaiveDateTime },
    meeting_seats { slot_id: i64, user_id: i64, meeting_id: i64 },
    published_meetings { id: i64, event_id: i64, a_user: i64, b_user: i64, active: bool, slot_id: Option<i64>, starts_at: NaiveDateTime, ends_at: NaiveDateTime, table_no: i32, origin: String, sequence: i32, change_kind: String, changed_by: Option<i64>, changed_at: NaiveDateTime, told_active: bool, told_starts_at: Option<NaiveDateTime>, told_ends_at: Option<NaiveDateTime>, told_table_no: Option<i32>, told_sequence: i32 },
    schedule_versions { event_id: i64, version: i32, published_at: NaiveDateTime, published_by: Option<i64>, added: i32, moved: i32, removed: i32, notified: i32 }
}

/// Row counts of every table, in copy order.
pub fn counts(c: &mut DbConn) -> QueryResult<Vec<(&'static str, i64)>> {
    TABLES.iter().map(|(name, _, count)| Ok((*name, count(c)?))).collect()
}

/// Copies everything from `from` into `to`, which must be migrated and empty. Returns the
/// rows copied per table.
pub fn copy_all(from: &mut DbConn, to: &mut DbConn) -> anyhow::Result<Vec<(&'static str, usize)>> {
    let non_empty: Vec<&str> = counts(to)?.into_iter().filter(|(_, n)| *n > 0).map(|(t, _)| t).collect();
    if !non_empty.is_empty() {
        anyhow::bail!(
            "the target database is not empty (it has rows in {}); copy into a new database",
            non_empty.join(", ")
        );
    }
    let copied = super::write_transaction(to, |to| {
        backend::before_copy_into(to, NUMBERED)?;
        let mut copied = Vec::new();
        for (name, copy, _) in TABLES {
            let n = copy(from, to).map_err(|e| anyhow::anyhow!("copying {name}: {e}"))?;
            copied.push((*name, n));
        }
        backend::after_copy_into(to, NUMBERED)?;
        Ok::<_, anyhow::Error>(copied)
    })?;
    Ok(copied)
}
