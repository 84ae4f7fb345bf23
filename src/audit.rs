//! The audit log: who changed what, shown to admins (and, later, on event pages).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{audit_log, users};
use crate::db::{now, DbConn};
use crate::error::AppError;

pub fn record(
    conn: &mut DbConn,
    actor: Option<i64>,
    subject_user: Option<i64>,
    action: &str,
    detail: &str,
) -> Result<(), AppError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor),
            audit_log::subject_user_id.eq(subject_user),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// An organiser's action on an event, shown on the event's pages.
pub fn record_event(
    conn: &mut DbConn,
    actor: Option<i64>,
    event_id: i64,
    action: &str,
    detail: &str,
) -> Result<(), AppError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor),
            audit_log::event_id.eq(Some(event_id)),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The newest entries about one event.
pub fn for_event(conn: &mut DbConn, event_id: i64, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows: Vec<(NaiveDateTime, Option<String>, String, String)> = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_id)))
        .filter(audit_log::event_id.eq(Some(event_id)))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((audit_log::created_at, users::name.nullable(), audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, actor, action, detail)| AuditEntry { at, actor, action, detail }).collect())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub at: NaiveDateTime,
    pub actor: Option<String>,
    pub action: String,
    pub detail: String,
}

/// The newest entries, with the actor's name where the actor still exists.
pub fn recent(conn: &mut DbConn, limit: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows: Vec<(NaiveDateTime, Option<String>, String, String)> = audit_log::table
        .left_join(users::table.on(users::id.nullable().eq(audit_log::actor_id)))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((audit_log::created_at, users::name.nullable(), audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, actor, action, detail)| AuditEntry { at, actor, action, detail }).collect())
}

/// Entries about one person (for their data export).
pub fn about_user(conn: &mut DbConn, user_id: i64) -> Result<Vec<AuditEntry>, AppError> {
    let rows: Vec<(NaiveDateTime, String, String)> = audit_log::table
        .filter(audit_log::subject_user_id.eq(user_id).or(audit_log::actor_id.eq(user_id)))
        .order(audit_log::id)
        .select((audit_log::created_at, audit_log::action, audit_log::detail))
        .load(conn)?;
    Ok(rows.into_iter().map(|(at, action, detail)| AuditEntry { at, actor: None, action, detail }).collect())
}
