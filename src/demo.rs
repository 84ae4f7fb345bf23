//! Demonstration data for `serve --demo`: a shop window on realistic content. Each run resets
//! the demo logins' passwords and prints them, so a newcomer can always log in.

use diesel::prelude::*;

use crate::accounts::model::{find_by_email, Role};
use crate::accounts::password::hash_blocking;
use crate::db::schema::users;
use crate::db::{now, Db};

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
        email: "organiser@demo.liaison.example.org",
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

/// Makes sure the demo accounts exist with fresh passwords; returns the logins to print.
pub fn seed(db: &Db) -> anyhow::Result<Vec<DemoLogin>> {
    let mut conn = db.get()?;
    let mut logins = Vec::new();
    for p in PEOPLE {
        let password = readable_password();
        let hash = hash_blocking(&password)?;
        let t = now();
        conn.transaction::<_, anyhow::Error, _>(|c| {
            match find_by_email(c, p.email)? {
                Some(u) => {
                    diesel::update(users::table.find(u.id))
                        .set((users::password_hash.eq(&hash), users::session_epoch.eq(users::session_epoch + 1)))
                        .execute(c)?;
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
    Ok(logins)
}

/// Four groups of letters and digits: easy to type, hard to guess.
fn readable_password() -> String {
    let token = crate::accounts::tokens::random_token();
    token.as_bytes().chunks(4).take(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}
