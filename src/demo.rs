//! Demonstration data for `serve --demo`: a shop window on realistic content. On an empty
//! database it adds a published two-day "Pharma meets Academia" with 200 registrations (a full
//! house, a waitlist and a few cancellations), a past AMR partnering day and a draft, all run
//! by the demo organiser. Each run resets the demo logins' passwords and prints them, so a
//! newcomer can always log in.

mod content;
pub(crate) mod people;
pub mod scaled;

use std::time::Instant;

use diesel::prelude::*;

use crate::accounts::model::{find_by_email, Role};
use crate::accounts::password::hash_blocking;
use crate::db::schema::{events, users};
use crate::db::{now, Db, DbConn};

pub struct DemoLogin {
    pub role: &'static str,
    pub email: &'static str,
    pub password: String,
}

struct DemoPerson {
    email: &'static str,
    name: &'static str,
    role: Role,
    organisation: &'static str,
    sector: &'static str,
    country: &'static str,
    job_title: &'static str,
    bio: &'static str,
}

const PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        email: "admin@demo.liaison.example.org",
        name: "Aino Virtanen",
        role: Role::Admin,
        organisation: "Liaison Events Office",
        sector: "other",
        country: "FI",
        job_title: "Platform administrator",
        bio: "Runs the Liaison installation for the consortium-building programme.",
    },
    DemoPerson {
        email: ORGANISER_EMAIL,
        name: "Dr. Marta Kowalska",
        role: Role::Organiser,
        organisation: "European Translational Research Partnership",
        sector: "funder",
        country: "BE",
        job_title: "Scientific programme manager",
        bio: "Organises the \"Pharma meets Academia\" brokerage days that bring universities, \
              pharmaceutical companies, SMEs, hospitals and patient organisations together to \
              build consortia for public-private calls.",
    },
];

/// Makes sure the demo accounts exist with fresh passwords and, when the database is empty,
/// adds the demo events and participants; returns the logins to print.
pub fn seed(db: &Db) -> anyhow::Result<Vec<DemoLogin>> {
    let mut conn = db.get()?;
    let empty = is_empty(&mut conn)?;
    let mut logins = Vec::new();
    for p in PEOPLE {
        let password = readable_password();
        let hash = hash_blocking(&password)?;
        let t = now();
        crate::db::write_transaction::<_, anyhow::Error, _>(&mut conn, |c| {
            match find_by_email(c, p.email)? {
                Some(u) => {
                    diesel::update(users::table.find(u.id))
                        .set((users::password_hash.eq(&hash), users::session_epoch.eq(users::session_epoch + 1)))
                        .execute(c)?;
                    crate::accounts::sessions::end_all(c, u.id, None)?;
                }
                None => {
                    diesel::insert_into(users::table)
                        .values((
                            users::email.eq(p.email),
                            users::name.eq(p.name),
                            users::password_hash.eq(&hash),
                            users::role.eq(p.role.as_str()),
                            users::email_confirmed_at.eq(t),
                            users::organisation.eq(p.organisation),
                            users::sector.eq(p.sector),
                            users::country.eq(p.country),
                            users::job_title.eq(p.job_title),
                            users::bio.eq(p.bio),
                            users::created_at.eq(t),
                            users::updated_at.eq(t),
                        ))
                        .execute(c)?;
                }
            }
            Ok(())
        })?;
        logins.push(DemoLogin { role: p.role.as_str(), email: p.email, password });
    }

    // The participants share one password: hashing hundreds would take far too long.
    if !empty && find_by_email(&mut conn, people::FEATURED_EMAIL)?.is_none() {
        return Ok(logins);
    }
    let password = readable_password();
    let hash = hash_blocking(&password)?;
    let participants = if empty {
        let started = Instant::now();
        let organiser = find_by_email(&mut conn, ORGANISER_EMAIL)?
            .ok_or_else(|| anyhow::anyhow!("the demo organiser account is missing"))?;
        let s = crate::db::write_transaction(&mut conn, |c| {
            let s = content::seed(c, organiser.id, &hash)?;
            // The demo team has been using the platform for a while.
            let emails: Vec<&str> = PEOPLE.iter().map(|p| p.email).collect();
            let since = now() - chrono::TimeDelta::days(150);
            diesel::update(users::table.filter(users::email.eq_any(emails)))
                .set((users::created_at.eq(since), users::email_confirmed_at.eq(Some(since))))
                .execute(c)?;
            Ok::<_, anyhow::Error>(s)
        })?;
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "demo content added");
        println!(
            "\nDemo content: \"{}\" ({} confirmed, {} on the waitlist, {} cancelled), \"{}\" (past, {} registrations) \
             and the draft \"{}\".",
            s.main_title, s.confirmed, s.waitlisted, s.cancelled, s.past_title, s.past_registrations, s.draft_title
        );
        let m = &s.matchmaking;
        println!(
            "Its programme has {} sessions; {} participants have matchmaking profiles, sent {} meeting requests, and the \
             published schedule holds {} one-to-one meetings (at least {:.1} % of the best possible).",
            s.sessions,
            m.profiles,
            m.requests,
            m.meetings,
            (m.quality * 1000.0).floor() / 10.0
        );
        s.participants
    } else {
        // Content from an earlier run stays as it is; only the shared password is renewed.
        let emails: Vec<String> = people::participants(content::PARTICIPANTS).into_iter().map(|p| p.email).collect();
        let n = diesel::update(users::table.filter(users::email.eq_any(&emails)))
            .set((users::password_hash.eq(&hash), users::session_epoch.eq(users::session_epoch + 1)))
            .execute(&mut conn)?;
        crate::accounts::sessions::end_all_for_emails(&mut conn, &emails)?;
        println!();
        n
    };
    println!(
        "All {participants} demo participants (addresses under .example, which no real person receives) \
         share the attendee password below."
    );
    logins.push(DemoLogin { role: Role::Attendee.as_str(), email: people::FEATURED_EMAIL, password });
    Ok(logins)
}

const ORGANISER_EMAIL: &str = "organiser@demo.liaison.example.org";
/// Links in e-mails the demo queues (and deletes before the worker starts).
const MAIL_BASE: &str = "http://demo.invalid";

/// The demo organiser's id, creating the account (with a password nobody knows) if needed.
fn ensure_organiser(c: &mut DbConn) -> anyhow::Result<i64> {
    if let Some(u) = find_by_email(c, ORGANISER_EMAIL)? {
        return Ok(u.id);
    }
    let p = PEOPLE.iter().find(|p| p.email == ORGANISER_EMAIL).ok_or_else(|| anyhow::anyhow!("no demo organiser"))?;
    let t = now();
    Ok(diesel::insert_into(users::table)
        .values((
            users::email.eq(p.email),
            users::name.eq(p.name),
            users::password_hash.eq(hash_blocking(&readable_password())?),
            users::role.eq(p.role.as_str()),
            users::email_confirmed_at.eq(Some(t)),
            users::organisation.eq(p.organisation),
            users::created_at.eq(t),
            users::updated_at.eq(t),
        ))
        .returning(users::id)
        .get_result(c)?)
}

/// Nothing but (perhaps) the demo team's own accounts: no events, no other people.
fn is_empty(c: &mut DbConn) -> anyhow::Result<bool> {
    let events: i64 = events::table.count().get_result(c)?;
    let emails: Vec<&str> = PEOPLE.iter().map(|p| p.email).collect();
    let others: i64 = users::table.filter(users::email.ne_all(emails)).count().get_result(c)?;
    Ok(events == 0 && others == 0)
}

/// Four groups of letters and digits: easy to type, hard to guess.
fn readable_password() -> String {
    let token = crate::accounts::tokens::random_token();
    token.as_bytes().chunks(4).take(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_passwords_pass_the_password_policy() {
        for _ in 0..50 {
            let p = super::readable_password();
            let mut e = crate::web::FormErrors::default();
            crate::accounts::model::check_new_password(
                &mut e,
                "password",
                &p,
                &["Demo Person", super::ORGANISER_EMAIL],
            );
            assert!(e.is_empty(), "{p}: {:?}", e.get("password"));
        }
    }
}
