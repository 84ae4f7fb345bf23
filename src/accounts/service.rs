//! Account operations on the database. Each runs inside one transaction together with the
//! e-mails it causes, so a change and its message are stored together or not at all.

use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;

use super::model::{find_by_email, find_user, ProfileForm, Role, User};
use super::tokens::{self, Purpose, TokenProblem};
use crate::db::schema::{login_attempts, outbox, users};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::mail::{self, messages};

/// At most this many confirmation or reset e-mails per account and hour.
const MAILS_PER_HOUR: i64 = 5;

pub struct Links<'a> {
    pub base_url: &'a str,
}

impl Links<'_> {
    fn confirm(&self, token: &str) -> String {
        format!("{}/confirm/{token}", self.base_url)
    }
    /// The confirmation link that, once used, leads back to `next` (e.g. an event's form).
    fn confirm_then(&self, token: &str, next: &str) -> String {
        match crate::web::safe_next(next) {
            "/" => self.confirm(token),
            next => format!("{}?next={}", self.confirm(token), crate::web::url_encode(next)),
        }
    }
    fn reset(&self, token: &str) -> String {
        format!("{}/password/reset/{token}", self.base_url)
    }
    fn login(&self) -> String {
        format!("{}/login", self.base_url)
    }
    fn forgot(&self) -> String {
        format!("{}/password/forgot", self.base_url)
    }
}

/// Creates an account and sends its confirmation link, or, if the address already has an
/// account, sends that address a note instead. The caller shows the same page either way.
pub fn sign_up(
    conn: &mut DbConn,
    links: &Links,
    name: &str,
    email: &str,
    password_hash: &str,
    next: &str,
) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |c| {
        if let Some(existing) = find_by_email(c, email)? {
            return notify_existing(c, links, &existing);
        }
        let t = now();
        // A savepoint, so a concurrent sign-up with the same address leaves this transaction usable.
        let inserted = crate::db::write_transaction(c, |c| {
            diesel::insert_into(users::table)
                .values((
                    users::email.eq(email),
                    users::name.eq(name),
                    users::password_hash.eq(password_hash),
                    users::role.eq(Role::Attendee.as_str()),
                    users::created_at.eq(t),
                    users::updated_at.eq(t),
                ))
                .returning(users::id)
                .get_result::<i64>(c)
        });
        match inserted {
            Ok(id) => {
                let token = tokens::create(c, id, Purpose::Confirm)?;
                let link = links.confirm_then(&token, next);
                mail::enqueue(c, email, name, &messages::Confirm { name: name.into(), link })?;
                Ok(())
            }
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    })
}

fn notify_existing(c: &mut DbConn, links: &Links, user: &User) -> Result<(), AppError> {
    if user.is_confirmed() {
        mail::enqueue(
            c,
            &user.email,
            &user.name,
            &messages::AlreadyRegistered {
                name: user.name.clone(),
                login_link: links.login(),
                reset_link: links.forgot(),
            },
        )?;
    } else {
        send_confirmation(c, links, user)?;
    }
    Ok(())
}

fn send_confirmation(c: &mut DbConn, links: &Links, user: &User) -> Result<(), AppError> {
    if tokens::recent_count(c, user.id, Purpose::Confirm)? >= MAILS_PER_HOUR {
        tracing::info!(user = user.id, "confirmation e-mail not sent: hourly cap reached");
        return Ok(());
    }
    let token = tokens::create(c, user.id, Purpose::Confirm)?;
    mail::enqueue(
        c,
        &user.email,
        &user.name,
        &messages::Confirm { name: user.name.clone(), link: links.confirm(&token) },
    )?;
    Ok(())
}

/// Sends a new confirmation link if the address has an unconfirmed account; nothing otherwise.
pub fn resend_confirmation(conn: &mut DbConn, links: &Links, email: &str) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |c| match find_by_email(c, email)? {
        Some(u) if !u.is_confirmed() => send_confirmation(c, links, &u),
        _ => Ok(()),
    })
}

/// Uses a confirmation link and marks the address confirmed.
pub fn confirm_email(conn: &mut DbConn, token: &str) -> Result<Result<User, TokenProblem>, AppError> {
    crate::db::write_transaction(conn, |c| {
        let uid = match tokens::consume(c, token, Purpose::Confirm)? {
            Ok(uid) => uid,
            Err(p) => return Ok(Err(p)),
        };
        diesel::update(users::table.find(uid).filter(users::email_confirmed_at.is_null()))
            .set(users::email_confirmed_at.eq(now()))
            .execute(c)?;
        find_user(c, uid)?.map(Ok).ok_or(AppError::NotFound)
    })
}

/// Sends a reset link if the address has an account; nothing otherwise.
pub fn request_reset(conn: &mut DbConn, links: &Links, email: &str) -> Result<(), AppError> {
    crate::db::write_transaction(conn, |c| {
        let Some(u) = find_by_email(c, email)? else { return Ok(()) };
        if tokens::recent_count(c, u.id, Purpose::Reset)? >= MAILS_PER_HOUR {
            tracing::info!(user = u.id, "reset e-mail not sent: hourly cap reached");
            return Ok(());
        }
        let token = tokens::create(c, u.id, Purpose::Reset)?;
        mail::enqueue(
            c,
            &u.email,
            &u.name,
            &messages::ResetPassword { name: u.name.clone(), link: links.reset(&token) },
        )?;
        Ok(())
    })
}

/// Uses a reset link: sets the new password, ends every session of the person, voids other
/// reset links and confirms the address (the link proved the person reads that mailbox).
pub fn reset_password(
    conn: &mut DbConn,
    links: &Links,
    token: &str,
    new_hash: &str,
) -> Result<Result<User, TokenProblem>, AppError> {
    crate::db::write_transaction(conn, |c| {
        let uid = match tokens::consume(c, token, Purpose::Reset)? {
            Ok(uid) => uid,
            Err(p) => return Ok(Err(p)),
        };
        tokens::void_all(c, uid, Purpose::Reset)?;
        diesel::update(users::table.find(uid).filter(users::email_confirmed_at.is_null()))
            .set(users::email_confirmed_at.eq(now()))
            .execute(c)?;
        let user = set_password(c, links, uid, new_hash, None)?;
        Ok(Ok(user))
    })
}

/// Stores a new password hash and ends every session of the person but `keep` (the device
/// that changed it, if any). Run inside a write transaction.
pub fn set_password(
    c: &mut DbConn,
    links: &Links,
    uid: i64,
    new_hash: &str,
    keep: Option<i64>,
) -> Result<User, AppError> {
    super::sessions::end_all(c, uid, keep)?;
    diesel::update(users::table.find(uid))
        .set((
            users::password_hash.eq(new_hash),
            users::session_epoch.eq(users::session_epoch + 1),
            users::updated_at.eq(now()),
        ))
        .execute(c)?;
    let user = find_user(c, uid)?.ok_or(AppError::NotFound)?;
    mail::enqueue(
        c,
        &user.email,
        &user.name,
        &messages::PasswordChanged { name: user.name.clone(), reset_link: links.forgot() },
    )?;
    Ok(user)
}

pub fn update_profile(conn: &mut DbConn, uid: i64, p: &ProfileForm) -> Result<(), AppError> {
    diesel::update(users::table.find(uid))
        .set((
            users::name.eq(&p.name),
            users::organisation.eq(&p.organisation),
            users::sector.eq(&p.sector),
            users::country.eq(&p.country),
            users::job_title.eq(&p.job_title),
            users::bio.eq(&p.bio),
            users::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Why an account cannot be deleted.
#[derive(Debug, PartialEq, Eq)]
pub enum DeleteRefusal {
    LastAdmin,
}

/// Deletes the account and what is stored about the person, then says goodbye by e-mail.
pub fn delete_account(
    conn: &mut DbConn,
    base_url: &str,
    tickets: &crate::events::ticket::TicketKey,
    uid: i64,
) -> Result<Result<(), DeleteRefusal>, AppError> {
    crate::db::write_transaction(conn, |c| {
        let user = find_user(c, uid)?.ok_or(AppError::NotFound)?;
        if user.role() == Role::Admin {
            let admins: i64 = users::table.filter(users::role.eq(Role::Admin.as_str())).count().get_result(c)?;
            if admins <= 1 {
                return Ok(Err(DeleteRefusal::LastAdmin));
            }
        }
        // Their meetings end first: partners are told and their calendars get the cancellation;
        // the freed tables go to waiting requests.
        crate::matchmaking::service::withdraw_everywhere(c, base_url, uid)?;
        // Their applications and places in consortia end; coordinators and members are told.
        crate::ideas::service::leave_everywhere(c, base_url, uid)?;
        // Free their seats, so the waitlist moves up as if they had cancelled.
        // Their calendar loses the event days with the goodbye e-mail below.
        let to = crate::events::emails::To { name: &user.name, email: &user.email };
        let cancels = crate::events::registration::release_all(c, base_url, tickets, uid, to)?;
        diesel::delete(outbox::table.filter(outbox::to_addr.eq(&user.email))).execute(c)?;
        super::erasure::erase_traces(c, &user)?;
        diesel::delete(login_attempts::table.filter(login_attempts::email.eq(&user.email))).execute(c)?;
        diesel::delete(users::table.find(uid)).execute(c)?;
        // No name: the log keeps nothing of a deleted person; it reads "A former participant deleted their account".
        crate::audit::record(c, None, None, "account.deleted", "")?;
        let (events, files): (Vec<String>, Vec<mail::Attachment>) = cancels.into_iter().unzip();
        let goodbye = messages::AccountDeleted { name: user.name.clone(), events };
        mail::enqueue_with_all(c, &user.email, &user.name, &goodbye, files)?;
        Ok(Ok(()))
    })
}

/// Everything stored about the person, as JSON. Later areas add their parts here.
pub fn export(conn: &mut DbConn, uid: i64) -> Result<serde_json::Value, AppError> {
    let user = find_user(conn, uid)?.ok_or(AppError::NotFound)?;
    let logins: Vec<(chrono::NaiveDateTime, String, bool)> = login_attempts::table
        .filter(login_attempts::email.eq(&user.email))
        .order(login_attempts::id)
        .select((login_attempts::created_at, login_attempts::ip, login_attempts::succeeded))
        .load(conn)?;
    let mails: Vec<(chrono::NaiveDateTime, String, String, Option<chrono::NaiveDateTime>)> = outbox::table
        .filter(outbox::to_addr.eq(&user.email))
        .order(outbox::id)
        .select((outbox::created_at, outbox::subject, outbox::status, outbox::sent_at))
        .load(conn)?;
    Ok(json!({
        "format": "liaison-personal-data/1",
        "exported_at": now(),
        "account": {
            "id": user.id,
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "email_confirmed_at": user.email_confirmed_at,
            "created_at": user.created_at,
            "updated_at": user.updated_at,
        },
        "profile": {
            "organisation": user.organisation,
            "sector": user.sector,
            "country": user.country,
            "job_title": user.job_title,
            "bio": user.bio,
        },
        "sessions": super::sessions::list(conn, uid)?.into_iter().map(|s| json!({"device": s.device, "logged_in_at": s.created_at, "last_seen_at": s.last_seen_at})).collect::<Vec<_>>(),
        "login_history": logins.into_iter().map(|(at, ip, ok)| json!({"at": at, "ip": ip, "succeeded": ok})).collect::<Vec<_>>(),
        "emails": mails.into_iter().map(|(at, subject, status, sent)| json!({"created_at": at, "subject": subject, "status": status, "sent_at": sent})).collect::<Vec<_>>(),
        "registrations": crate::events::registrants::export_for_user(conn, uid)?,
        "matchmaking": crate::matchmaking::service::export_for_user(conn, uid)?,
        "project_ideas": crate::ideas::service::export_for_user(conn, uid)?,
        "audit_log": crate::audit::about_user(conn, uid)?,
    }))
}

/// Grants or revokes the organiser role. Admins keep their role.
pub fn set_organiser(
    conn: &mut DbConn,
    actor: i64,
    target: i64,
    organiser: bool,
) -> Result<Result<User, &'static str>, AppError> {
    crate::db::write_transaction(conn, |c| {
        let user = find_user(c, target)?.ok_or(AppError::NotFound)?;
        if user.role() == Role::Admin {
            return Ok(Err("Administrators keep their rights; this page only grants and revokes the organiser role."));
        }
        let role = if organiser { Role::Organiser } else { Role::Attendee };
        diesel::update(users::table.find(target))
            .set((users::role.eq(role.as_str()), users::updated_at.eq(now())))
            .execute(c)?;
        let action = if organiser { "role.organiser.granted" } else { "role.organiser.revoked" };
        crate::audit::record(c, Some(actor), Some(target), action, &format!("{} <{}>", user.name, user.email))?;
        Ok(Ok(User { role: role.as_str().into(), ..user }))
    })
}

/// Creates (or promotes) an administrator with a confirmed address; used by the CLI.
pub fn upsert_admin(conn: &mut DbConn, email: &str, name: &str, password_hash: &str) -> Result<bool, AppError> {
    crate::db::write_transaction(conn, |c| {
        let t = now();
        if let Some(u) = find_by_email(c, email)? {
            diesel::update(users::table.find(u.id))
                .set((
                    users::role.eq(Role::Admin.as_str()),
                    users::password_hash.eq(password_hash),
                    users::session_epoch.eq(users::session_epoch + 1),
                    users::email_confirmed_at.eq(u.email_confirmed_at.unwrap_or(t)),
                    users::updated_at.eq(t),
                ))
                .execute(c)?;
            super::sessions::end_all(c, u.id, None)?;
            crate::audit::record(c, None, Some(u.id), "role.admin.granted", &format!("{} <{}>", u.name, u.email))?;
            return Ok(false);
        }
        let id: i64 = diesel::insert_into(users::table)
            .values((
                users::email.eq(email),
                users::name.eq(name),
                users::password_hash.eq(password_hash),
                users::role.eq(Role::Admin.as_str()),
                users::email_confirmed_at.eq(t),
                users::created_at.eq(t),
                users::updated_at.eq(t),
            ))
            .returning(users::id)
            .get_result(c)?;
        crate::audit::record(c, None, Some(id), "role.admin.granted", &format!("{name} <{email}>"))?;
        Ok(true)
    })
}
