//! Users and their profile: rows, roles, sectors, countries and the checks on profile input.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::{text, FormErrors};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[serde(skip)]
    pub password_hash: String,
    pub role: String,
    pub email_confirmed_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub session_epoch: i32,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    pub job_title: String,
    pub bio: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn role(&self) -> Role {
        Role::parse(&self.role)
    }
    pub fn is_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
    }
    pub fn sector_label(&self) -> &'static str {
        sector_label(&self.sector)
    }
    pub fn country_name(&self) -> &'static str {
        country_name(&self.country)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Attendee,
    Organiser,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Role {
        match s {
            "admin" => Role::Admin,
            "organiser" => Role::Organiser,
            _ => Role::Attendee,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Attendee => "attendee",
            Role::Organiser => "organiser",
            Role::Admin => "admin",
        }
    }
}

/// Sectors of the organisations that take part in consortium events.
pub const SECTORS: &[(&str, &str)] = &[
    ("pharma", "Pharmaceutical company"),
    ("biotech_sme", "Biotech / SME"),
    ("academia", "Academia / research institute"),
    ("hospital", "Hospital / clinical centre"),
    ("patient_org", "Patient organisation"),
    ("regulator", "Regulator / HTA body"),
    ("funder", "Public funder"),
    ("other", "Other"),
];

pub fn sector_label(code: &str) -> &'static str {
    SECTORS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("")
}

/// ISO 3166-1 countries as (alpha-2 code, name), sorted by name.
pub fn countries() -> &'static [(&'static str, &'static str)] {
    use std::sync::OnceLock;
    static LIST: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut v: Vec<_> = isocountry::CountryCode::iter().map(|c| (c.alpha2(), c.name())).collect();
        v.sort_by_key(|(_, name)| *name);
        v
    })
}

pub fn country_name(code: &str) -> &'static str {
    isocountry::CountryCode::for_alpha2(code).map(|c| c.name()).unwrap_or("")
}

pub fn find_user(conn: &mut DbConn, id: i64) -> Result<Option<User>, AppError> {
    Ok(users::table.find(id).select(User::as_select()).first(conn).optional()?)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, AppError> {
    Ok(users::table.filter(users::email.eq(email)).select(User::as_select()).first(conn).optional()?)
}

/// E-mail addresses are compared case-insensitively: stored trimmed and lowercased. Control
/// characters are dropped: no address has them (`check_email` refuses them), and a NUL would
/// fail a PostgreSQL query with a 500 when a typed address is only looked up.
pub fn normalise_email(email: &str) -> String {
    email.trim().chars().filter(|c| !c.is_control()).collect::<String>().to_lowercase()
}

pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;

/// A person's name: one line (it goes into mail headers), at most `NAME_MAX` characters.
pub fn check_name(errors: &mut FormErrors, field: &str, name: &str) -> String {
    text::required_line(errors, field, name, NAME_MAX, "Please enter your name.")
}

pub fn check_email(errors: &mut FormErrors, field: &str, email: &str) {
    let e = normalise_email(email);
    if email.trim().chars().any(char::is_control) {
        errors.add(field, "This does not look like an e-mail address (name@example.org).");
    } else if e.is_empty() {
        errors.add(field, "Please enter your e-mail address.");
    } else if e.len() > EMAIL_MAX {
        errors.add(field, format!("An e-mail address has at most {EMAIL_MAX} characters."));
    } else if e.parse::<lettre::Address>().is_err() || !e.split('@').nth(1).is_some_and(|d| d.contains('.')) {
        errors.add(field, "This does not look like an e-mail address (name@example.org).");
    }
}

/// Checks a new password: its length, and that it is hard to guess (zxcvbn score 3 of 4 or
/// more, i.e. beyond about 10^8 guesses) even for someone who knows the person's name and
/// e-mail address (`personal`: those, as typed).
pub fn check_new_password(errors: &mut FormErrors, field: &str, password: &str, personal: &[&str]) {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        errors.add(field, format!("Please choose a password of at least {PASSWORD_MIN} characters."));
    } else if len > PASSWORD_MAX {
        errors.add(field, format!("A password has at most {PASSWORD_MAX} characters."));
    } else if personal.iter().any(|p| !p.trim().is_empty() && normalise_email(password) == normalise_email(p)) {
        errors.add(field, "Your password must not be your name or your e-mail address.");
    } else if let Some(why) = weak_password(password, personal) {
        errors.add(field, why);
    }
}

/// Why a password is too easy to guess, in words that say how to choose a better one.
fn weak_password(password: &str, personal: &[&str]) -> Option<String> {
    use zxcvbn::feedback::Suggestion;
    // The whole name and address, run together and in parts ("adalovelace", "lovelace").
    let mut inputs: Vec<String> = Vec::new();
    for p in personal {
        let p = p.trim().to_lowercase();
        let local = p.split('@').next().unwrap_or("");
        inputs.push(local.chars().filter(|c| c.is_alphanumeric()).collect());
        inputs.extend(p.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(String::from));
        inputs.push(p);
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let mut msg = String::from("This password is too easy to guess.");
    let feedback = estimate.feedback();
    if let Some(w) = feedback.and_then(|f| f.warning()) {
        msg.push_str(&format!(" {w}"));
    }
    msg.push_str(
        " Use three or four unrelated words (not a saying or a song line) or a long random password from a \
         password manager; your name, e-mail address, dates, keyboard rows and repeated characters are guessed first.",
    );
    let extra = feedback.into_iter().flat_map(|f| f.suggestions()).find(|s| {
        !matches!(
            s,
            Suggestion::UseAFewWordsAvoidCommonPhrases
                | Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters
                | Suggestion::AddAnotherWordOrTwo
        )
    });
    if let Some(s) = extra {
        msg.push_str(&format!(" {s}"));
    }
    Some(msg)
}

/// Profile fields a person edits themselves.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileForm {
    pub name: String,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    pub job_title: String,
    pub bio: String,
}

pub const ORGANISATION_MAX: usize = 200;
pub const JOB_TITLE_MAX: usize = 120;
pub const BIO_MAX: usize = 2000;

impl ProfileForm {
    pub fn from_user(u: &User) -> Self {
        ProfileForm {
            name: u.name.clone(),
            organisation: u.organisation.clone(),
            sector: u.sector.clone(),
            country: u.country.clone(),
            job_title: u.job_title.clone(),
            bio: u.bio.clone(),
        }
    }

    /// Trims the input and checks every field; returns the cleaned form or the messages.
    pub fn validate(&self) -> Result<ProfileForm, FormErrors> {
        let mut e = FormErrors::default();
        let clean = ProfileForm {
            name: check_name(&mut e, "name", &self.name),
            organisation: text::line(&mut e, "organisation", &self.organisation, ORGANISATION_MAX),
            sector: self.sector.trim().to_string(),
            country: self.country.trim().to_uppercase(),
            job_title: text::line(&mut e, "job_title", &self.job_title, JOB_TITLE_MAX),
            bio: text::lines(&mut e, "bio", &self.bio, BIO_MAX),
        };
        if !clean.sector.is_empty() && sector_label(&clean.sector).is_empty() {
            e.add("sector", "Please choose a sector from the list.");
        }
        if !clean.country.is_empty() && country_name(&clean.country).is_empty() {
            e.add("country", "Please choose a country from the list.");
        }
        e.into_result(clean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(normalise_email("  Ada@Example.ORG "), "ada@example.org");
        for bad in ["", "ada", "ada@", "@example.org", "ada@localhost", "a b@example.org"] {
            let mut e = FormErrors::default();
            check_email(&mut e, "email", bad);
            assert!(e.has("email"), "{bad:?} accepted");
        }
        let mut e = FormErrors::default();
        check_email(&mut e, "email", &format!("{}@example.org", "a".repeat(250)));
        assert!(e.has("email"));
        let mut e = FormErrors::default();
        check_email(&mut e, "email", "Ada.Lovelace+events@uni-example.ac.uk");
        assert!(e.is_empty());
    }

    #[test]
    fn passwords_have_limits_and_must_be_hard_to_guess() {
        let check = |p: &str| {
            let mut e = FormErrors::default();
            check_new_password(&mut e, "password", p, &["Ada Lovelace", "ada.lovelace@example.org"]);
            e.get("password").map(str::to_string)
        };
        assert!(check("short").is_some());
        assert!(check(&"x".repeat(129)).is_some());
        assert!(check("ADA.lovelace@example.org").is_some());
        for weak in
            ["password12", "1234567890", "aaaaaaaaaa", "qwertyuiop", "Password2024!", "adalovelace1", "lovelace1815"]
        {
            let msg = check(weak).unwrap_or_else(|| panic!("{weak:?} accepted"));
            assert!(msg.contains("three or four unrelated words"), "{msg}");
        }
        assert!(check("correct horse battery").is_none());
        assert!(check("correct horse battery staple").is_none());
        assert!(check("velvet quarry lantern").is_none());
        // The passwords the integration tests choose through the forms.
        for used in ["another password 123", "a brand new passphrase", "yet another passphrase", "new secret phrase"] {
            assert_eq!(check(used), None, "{used:?}");
        }
    }

    #[test]
    fn profile_validation() {
        let ok = ProfileForm {
            name: " Ada ".into(),
            sector: "academia".into(),
            country: "de".into(),
            bio: "Line\r\nTwo".into(),
            ..Default::default()
        };
        let clean = ok.validate().expect("valid");
        assert_eq!(clean.name, "Ada");
        assert_eq!(clean.country, "DE");
        assert_eq!(clean.bio, "Line\nTwo");
        let bad = ProfileForm {
            name: "".into(),
            sector: "mining".into(),
            country: "XX".into(),
            bio: "b".repeat(BIO_MAX + 1),
            ..Default::default()
        };
        let e = bad.validate().unwrap_err();
        for f in ["name", "sector", "country", "bio"] {
            assert!(e.has(f), "{f}");
        }
    }

    #[test]
    fn country_list_is_complete_and_sorted() {
        let c = countries();
        assert!(c.len() > 240);
        assert!(c.windows(2).all(|w| w[0].1 <= w[1].1));
        assert_eq!(country_name("DE"), "Germany");
    }
}
