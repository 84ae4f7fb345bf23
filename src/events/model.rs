//! Events: rows, statuses, the organiser's form and its checks, and time-zone conversion.
//! Times are stored in UTC and shown in the event's own time zone.

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{event_organisers, events};
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::{text, FormErrors};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub timezone: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
    pub capacity: Option<i32>,
    pub requires_approval: bool,
    pub status: String,
    #[serde(skip)]
    pub registration_version: i64,
    #[serde(skip)]
    pub waitlist_seq: i32,
    pub sequence: i32,
    #[serde(skip)]
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Draft,
    Published,
    Closed,
    Cancelled,
}

pub const STATUSES: &[(&str, &str)] =
    &[("draft", "Draft"), ("published", "Published"), ("closed", "Closed"), ("cancelled", "Cancelled")];

impl EventStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Self::Draft),
            "published" => Some(Self::Published),
            "closed" => Some(Self::Closed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Closed => "closed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// Whether a person may register now, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationWindow {
    Open,
    NotPublished,
    NotYetOpen(NaiveDateTime),
    Closed,
    EventOver,
    Cancelled,
}

impl Event {
    pub fn status(&self) -> EventStatus {
        EventStatus::parse(&self.status).unwrap_or(EventStatus::Draft)
    }

    pub fn status_label(&self) -> &'static str {
        STATUSES.iter().find(|(c, _)| *c == self.status).map(|(_, l)| *l).unwrap_or("Draft")
    }

    pub fn tz(&self) -> Tz {
        self.timezone.parse().unwrap_or(Tz::UTC)
    }

    /// Visible to everyone (listed, open for viewing); drafts only to organisers.
    pub fn is_public(&self) -> bool {
        self.status() != EventStatus::Draft
    }

    pub fn window(&self, now: NaiveDateTime) -> RegistrationWindow {
        match self.status() {
            EventStatus::Draft => return RegistrationWindow::NotPublished,
            EventStatus::Cancelled => return RegistrationWindow::Cancelled,
            EventStatus::Closed => return RegistrationWindow::Closed,
            EventStatus::Published => {}
        }
        if now >= self.ends_at {
            return RegistrationWindow::EventOver;
        }
        if let Some(opens) = self.registration_opens_at {
            if now < opens {
                return RegistrationWindow::NotYetOpen(opens);
            }
        }
        if now >= self.registration_closes_at.unwrap_or(self.ends_at) {
            return RegistrationWindow::Closed;
        }
        RegistrationWindow::Open
    }

    /// The sentence shown instead of the registration form.
    pub fn window_message(&self, now: NaiveDateTime) -> Option<String> {
        match self.window(now) {
            RegistrationWindow::Open => None,
            RegistrationWindow::NotPublished => Some("This event is not open for registration yet.".into()),
            RegistrationWindow::NotYetOpen(at) => {
                Some(format!("Registration opens on {}.", self.local_datetime_label(at)))
            }
            RegistrationWindow::Closed => Some("Registration for this event is closed.".into()),
            RegistrationWindow::EventOver => Some("This event has taken place; registration is closed.".into()),
            RegistrationWindow::Cancelled => Some("This event has been cancelled.".into()),
        }
    }

    pub fn local(&self, utc: impl std::borrow::Borrow<NaiveDateTime>) -> chrono::DateTime<Tz> {
        self.tz().from_utc_datetime(utc.borrow())
    }

    /// "Tuesday 3 March 2026, 09:00 CET".
    pub fn local_datetime_label(&self, utc: impl std::borrow::Borrow<NaiveDateTime>) -> String {
        self.local(utc).format("%A %-d %B %Y, %H:%M %Z").to_string()
    }

    /// "Tue 3 – Wed 4 March 2026, 09:00–17:30 (Europe/Brussels, CET)": the dates line of a page.
    pub fn when_label(&self) -> String {
        let (s, e) = (self.local(self.starts_at), self.local(self.ends_at));
        let zone = format!("{}, {}", self.timezone, s.format("%Z"));
        if s.date_naive() == e.date_naive() {
            format!("{}, {}–{} ({zone})", s.format("%A %-d %B %Y"), s.format("%H:%M"), e.format("%H:%M"))
        } else {
            format!(
                "{} {} – {} {} ({zone})",
                s.format("%a %-d %B %Y"),
                s.format("%H:%M"),
                e.format("%a %-d %B %Y"),
                e.format("%H:%M")
            )
        }
    }

    /// "3 March 2026": short date for lists.
    pub fn date_label(&self) -> String {
        let (s, e) = (self.local(self.starts_at), self.local(self.ends_at));
        if s.date_naive() == e.date_naive() {
            s.format("%-d %B %Y").to_string()
        } else {
            format!("{} – {}", s.format("%-d %B"), e.format("%-d %B %Y"))
        }
    }

    pub fn place_label(&self) -> String {
        match (self.venue.is_empty(), self.address.is_empty()) {
            (false, false) => format!("{}, {}", self.venue, self.address.replace('\n', ", ")),
            (false, true) => self.venue.clone(),
            (true, false) => self.address.replace('\n', ", "),
            (true, true) => String::new(),
        }
    }

    pub fn capacity_label(&self) -> String {
        match self.capacity {
            Some(n) => n.to_string(),
            None => "unlimited".into(),
        }
    }

    pub fn description_html(&self) -> String {
        crate::web::markdown::to_safe_html(&self.description)
    }

    /// Value for an `<input type="datetime-local">`.
    pub fn input_value(&self, utc: Option<NaiveDateTime>) -> String {
        utc.map(|t| self.local(t).format("%Y-%m-%dT%H:%M").to_string()).unwrap_or_default()
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<Event>, AppError> {
    Ok(events::table.find(id).select(Event::as_select()).first(conn).optional()?)
}

pub fn find_by_slug(conn: &mut DbConn, slug: &str) -> Result<Option<Event>, AppError> {
    // No slug has a control character; a NUL would fail the query on PostgreSQL.
    if slug.chars().any(char::is_control) {
        return Ok(None);
    }
    Ok(events::table.filter(events::slug.eq(slug)).select(Event::as_select()).first(conn).optional()?)
}

pub fn is_organiser(conn: &mut DbConn, event_id: i64, user_id: i64) -> Result<bool, AppError> {
    let n: i64 = event_organisers::table
        .filter(event_organisers::event_id.eq(event_id).and(event_organisers::user_id.eq(user_id)))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

// ---------- the organiser's form ----------

pub const TITLE_MAX: usize = 200;
pub const SLUG_MAX: usize = 80;
pub const DESCRIPTION_MAX: usize = 20_000;
pub const VENUE_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const CAPACITY_MAX: i64 = 100_000;
/// Events, their registration windows and everything inside them lie in these years.
pub const YEAR_MIN: i32 = 2000;
pub const YEAR_MAX: i32 = 2100;
/// The longest event, in days: every export of an event is bounded by it (and by the caps on
/// sessions, rooms and tracks), never by whatever range someone typed.
pub const EVENT_DAYS_MAX: i64 = 31;

/// A message when `t` lies outside the years events may use.
pub fn year_problem(t: NaiveDateTime) -> Option<String> {
    use chrono::Datelike;
    (!(YEAR_MIN..=YEAR_MAX).contains(&t.year()))
        .then(|| format!("Please give a date between the years {YEAR_MIN} and {YEAR_MAX}."))
}

/// The event form as typed: every field a string, so a refused form comes back unchanged.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EventForm {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub timezone: String,
    pub starts_at: String,
    pub ends_at: String,
    pub registration_opens_at: String,
    pub registration_closes_at: String,
    pub capacity: String,
    pub requires_approval: String,
    pub status: String,
}

/// The checked values, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInput {
    pub title: String,
    pub slug: String,
    pub description: String,
    pub venue: String,
    pub address: String,
    pub timezone: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub registration_opens_at: Option<NaiveDateTime>,
    pub registration_closes_at: Option<NaiveDateTime>,
    pub capacity: Option<i32>,
    pub requires_approval: bool,
    pub status: EventStatus,
}

impl EventForm {
    pub fn new_event() -> Self {
        EventForm { timezone: "Europe/Brussels".into(), status: "draft".into(), ..Default::default() }
    }

    pub fn from_event(e: &Event) -> Self {
        EventForm {
            title: e.title.clone(),
            slug: e.slug.clone(),
            description: e.description.clone(),
            venue: e.venue.clone(),
            address: e.address.clone(),
            timezone: e.timezone.clone(),
            starts_at: e.input_value(Some(e.starts_at)),
            ends_at: e.input_value(Some(e.ends_at)),
            registration_opens_at: e.input_value(e.registration_opens_at),
            registration_closes_at: e.input_value(e.registration_closes_at),
            capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
            requires_approval: if e.requires_approval { "on".into() } else { String::new() },
            status: e.status.clone(),
        }
    }

    pub fn approval_checked(&self) -> bool {
        !self.requires_approval.is_empty()
    }

    pub fn validate(&self) -> Result<EventInput, FormErrors> {
        let mut e = FormErrors::default();
        let title = text::required_line(&mut e, "title", &self.title, TITLE_MAX, "Please give the event a title.");
        let slug = self.slug.trim().to_lowercase();
        let slug = if slug.is_empty() { slugify(&title) } else { slug };
        if let Some(msg) = slug_problem(&slug) {
            e.add("slug", msg);
        }
        let description = text::lines(&mut e, "description", &self.description, DESCRIPTION_MAX);
        let venue = text::line(&mut e, "venue", &self.venue, VENUE_MAX);
        let address = text::lines(&mut e, "address", &self.address, ADDRESS_MAX);

        let timezone = self.timezone.trim().to_string();
        let tz = match timezone.parse::<Tz>() {
            Ok(tz) if !timezone.is_empty() => Some(tz),
            _ => {
                e.add("timezone", "Please give a time zone by its IANA name, e.g. Europe/Brussels.");
                None
            }
        };
        let mut time = |field: &str, value: &str, required: bool| -> Option<NaiveDateTime> {
            let value = value.trim();
            if value.is_empty() {
                if required {
                    e.add(field, "Please give a date and time.");
                }
                return None;
            }
            match (parse_local(value), tz) {
                (Err(msg), _) => {
                    e.add(field, msg);
                    None
                }
                (Ok(local), _) if year_problem(local).is_some() => {
                    e.add(field, year_problem(local).unwrap_or_default());
                    None
                }
                (Ok(local), Some(tz)) => match to_utc(tz, local) {
                    Some(t) => Some(t),
                    None => {
                        e.add(field, "This time does not exist in the event's time zone (the clocks change then).");
                        None
                    }
                },
                (Ok(_), None) => None,
            }
        };
        let starts_at = time("starts_at", &self.starts_at, true);
        let ends_at = time("ends_at", &self.ends_at, true);
        let opens = time("registration_opens_at", &self.registration_opens_at, false);
        let closes = time("registration_closes_at", &self.registration_closes_at, false);
        if let (Some(s), Some(en)) = (starts_at, ends_at) {
            if en <= s {
                e.add("ends_at", "The end must be after the start.");
            } else if en - s > chrono::TimeDelta::days(EVENT_DAYS_MAX) {
                e.add(
                    "ends_at",
                    format!("An event can last at most {EVENT_DAYS_MAX} days; split a longer programme into several events."),
                );
            }
        }
        if let (Some(o), Some(c)) = (opens, closes) {
            if c <= o {
                e.add("registration_closes_at", "Registration must close after it opens.");
            }
        }
        if let (Some(c), Some(en)) = (closes, ends_at) {
            if c > en {
                e.add("registration_closes_at", "Registration cannot close after the event has ended.");
            }
        }
        if let (Some(o), Some(en)) = (opens, ends_at) {
            if o >= en {
                e.add("registration_opens_at", "Registration must open before the event ends.");
            }
        }

        let capacity = match self.capacity.trim() {
            "" => None,
            c => match c.parse::<i64>() {
                Ok(n) if n < 0 => {
                    e.add("capacity", "The capacity cannot be below zero. Leave it empty for no limit.");
                    None
                }
                Ok(n) if n > CAPACITY_MAX => {
                    e.add("capacity", format!("The capacity can be at most {CAPACITY_MAX}."));
                    None
                }
                Ok(n) => Some(n as i32),
                Err(_) => {
                    e.add("capacity", "Please give a whole number of seats, or leave it empty for no limit.");
                    None
                }
            },
        };
        let status = EventStatus::parse(self.status.trim());
        if status.is_none() {
            e.add("status", "Please choose a status from the list.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        let (Some(starts_at), Some(ends_at), Some(status)) = (starts_at, ends_at, status) else {
            return Err(e);
        };
        Ok(EventInput {
            title,
            slug,
            description,
            venue,
            address,
            timezone,
            starts_at,
            ends_at,
            registration_opens_at: opens,
            registration_closes_at: closes,
            capacity,
            requires_approval: self.approval_checked(),
            status,
        })
    }
}

/// Parses the `datetime-local` format (with or without seconds) and "YYYY-MM-DD HH:MM".
pub fn parse_local(value: &str) -> Result<NaiveDateTime, &'static str> {
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, fmt) {
            return Ok(t);
        }
    }
    Err("Please give the date and time as YYYY-MM-DD HH:MM.")
}

/// Local wall-clock time to UTC. In the autumn overlap the earlier instant is taken; a time in
/// the spring gap does not exist and gives None.
pub fn to_utc(tz: Tz, local: NaiveDateTime) -> Option<NaiveDateTime> {
    tz.from_local_datetime(&local).earliest().map(|t| t.naive_utc())
}

pub fn slug_problem(slug: &str) -> Option<&'static str> {
    if slug.len() < 3 || slug.len() > SLUG_MAX {
        return Some("The web address must be 3 to 80 characters long.");
    }
    if !slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        return Some("Use lowercase letters, digits and hyphens only, e.g. pharma-meets-academia-2026.");
    }
    if matches!(slug, "new" | "mine") {
        return Some("This web address is reserved; please choose another.");
    }
    None
}

/// "Pharma meets Academia 2026!" → "pharma-meets-academia-2026".
pub fn slugify(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        let c = deunicode_char(c);
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    out.chars().take(SLUG_MAX).collect::<String>().trim_end_matches('-').to_string()
}

/// Common accented Latin letters to their base letter, enough for event titles.
fn deunicode_char(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'a',
        'ç' | 'Ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => 'i',
        'ñ' | 'Ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ß' => 's',
        other => other,
    }
}

/// The regions whose IANA zones the event form offers, in the order shown (most events are in
/// Europe). Names outside them (old aliases such as `US/Eastern`, `Etc/GMT+1`) are still
/// accepted and kept, but not offered.
const ZONE_REGIONS: &[&str] =
    &["Europe", "America", "Africa", "Asia", "Atlantic", "Australia", "Indian", "Pacific", "Antarctica", "Arctic"];

/// One `<optgroup>` of the time-zone picker: the region and its zones (name, label).
#[derive(Debug)]
pub struct ZoneGroup {
    pub region: &'static str,
    pub zones: Vec<(&'static str, String)>,
}

/// Every IANA zone of `ZONE_REGIONS` from chrono-tz's database, grouped by region and sorted
/// by name, then UTC; labels read "America/New York".
pub fn zone_groups() -> &'static [ZoneGroup] {
    static GROUPS: std::sync::OnceLock<Vec<ZoneGroup>> = std::sync::OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut groups: Vec<ZoneGroup> = ZONE_REGIONS
            .iter()
            .map(|region| {
                let mut names: Vec<&'static str> = chrono_tz::TZ_VARIANTS
                    .iter()
                    .map(|tz| tz.name())
                    .filter(|n| n.split_once('/').is_some_and(|(r, _)| r == *region))
                    .collect();
                names.sort_unstable();
                ZoneGroup { region, zones: names.into_iter().map(|n| (n, n.replace('_', " "))).collect() }
            })
            .collect();
        groups.push(ZoneGroup { region: "UTC", zones: vec![("UTC", "UTC".into())] });
        groups
    })
}

/// Whether the picker offers `name`.
pub fn zone_offered(name: &str) -> bool {
    zone_groups().iter().any(|g| g.zones.iter().any(|(n, _)| *n == name))
}

#[cfg(test)]
mod zone_tests {
    use super::*;

    #[test]
    fn the_picker_offers_iana_names_by_region_and_each_parses() {
        let groups = zone_groups();
        assert_eq!(groups[0].region, "Europe");
        assert!(groups.iter().all(|g| !g.zones.is_empty()), "no empty group");
        let all: Vec<&str> = groups.iter().flat_map(|g| g.zones.iter().map(|z| z.0)).collect();
        assert!(all.len() > 300, "{}", all.len());
        for name in &all {
            assert!(name.parse::<Tz>().is_ok(), "{name}");
        }
        assert!(zone_offered("Europe/Brussels") && zone_offered("America/New_York") && zone_offered("UTC"));
        assert!(!zone_offered("US/Eastern") && !zone_offered("Europe/Atlantis") && !zone_offered(""));
        let ny = groups
            .iter()
            .find(|g| g.region == "America")
            .and_then(|g| g.zones.iter().find(|z| z.0 == "America/New_York"));
        assert_eq!(ny.map(|z| z.1.as_str()), Some("America/New York"));
    }
}

#[cfg(test)]
pub mod tests_support {
    use super::*;

    /// Pharma meets Academia, 10–11 March 2026 in Brussels, registration 1 Feb – 9 Mar.
    pub fn event() -> Event {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        Event {
            id: 1,
            slug: "pharma-meets-academia".into(),
            title: "Pharma meets Academia".into(),
            description: String::new(),
            venue: "Square Meeting Centre".into(),
            address: "Mont des Arts, 1000 Brussels".into(),
            timezone: "Europe/Brussels".into(),
            starts_at: t("2026-03-10 08:00"),
            ends_at: t("2026-03-11 16:30"),
            registration_opens_at: Some(t("2026-02-01 00:00")),
            registration_closes_at: Some(t("2026-03-09 00:00")),
            capacity: None,
            requires_approval: false,
            status: "published".into(),
            registration_version: 0,
            waitlist_seq: 0,
            sequence: 0,
            created_by: None,
            created_at: t("2026-01-01 00:00"),
            updated_at: t("2026-01-01 00:00"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> EventForm {
        EventForm {
            title: "Pharma meets Academia".into(),
            timezone: "Europe/Brussels".into(),
            starts_at: "2026-03-10T09:00".into(),
            ends_at: "2026-03-11T17:30".into(),
            capacity: "50".into(),
            status: "published".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_form_gives_utc_times_and_a_slug() {
        let input = form().validate().expect("valid");
        assert_eq!(input.slug, "pharma-meets-academia");
        // Brussels is UTC+1 in March (before the clocks change).
        assert_eq!(input.starts_at.to_string(), "2026-03-10 08:00:00");
        assert_eq!(input.capacity, Some(50));
        assert!(!input.requires_approval);
    }

    #[test]
    fn every_bad_field_gets_a_message() {
        let bad = EventForm {
            title: "".into(),
            slug: "Bad Slug!".into(),
            timezone: "Mars/Olympus".into(),
            starts_at: "tomorrow".into(),
            ends_at: "".into(),
            capacity: "-1".into(),
            status: "open".into(),
            description: "x".repeat(DESCRIPTION_MAX + 1),
            ..Default::default()
        };
        let e = bad.validate().unwrap_err();
        for f in ["title", "slug", "timezone", "ends_at", "capacity", "status", "description"] {
            assert!(e.has(f), "no message for {f}");
        }
        let mut f = form();
        f.timezone = "".into();
        assert!(f.validate().unwrap_err().has("timezone"));
    }

    #[test]
    fn end_before_start_and_window_order_are_refused() {
        let mut f = form();
        f.ends_at = "2026-03-10T08:00".into();
        assert!(f.validate().unwrap_err().has("ends_at"));
        let mut f = form();
        f.registration_opens_at = "2026-02-10T09:00".into();
        f.registration_closes_at = "2026-02-01T09:00".into();
        assert!(f.validate().unwrap_err().has("registration_closes_at"));
        let mut f = form();
        f.registration_closes_at = "2026-03-12T09:00".into();
        assert!(f.validate().unwrap_err().has("registration_closes_at"));
        let mut f = form();
        f.capacity = "ten".into();
        assert!(f.validate().unwrap_err().has("capacity"));
        f.capacity = "".into();
        assert_eq!(f.validate().expect("unlimited").capacity, None);
    }

    #[test]
    fn years_and_length_are_bounded_and_one_line_fields_refuse_line_breaks() {
        let mut f = form();
        f.starts_at = "0001-01-01T09:00".into();
        assert!(f.validate().unwrap_err().get("starts_at").expect("message").contains("2000 and 2100"));
        let mut f = form();
        f.registration_opens_at = "1999-12-31T09:00".into();
        assert!(f.validate().unwrap_err().has("registration_opens_at"));
        let mut f = form();
        // Brussels moves from UTC+1 to UTC+2 in between: 10:00 local on 10 April is 31 days after
        // the start in real time.
        f.ends_at = "2026-04-10T10:01".into();
        assert!(f.validate().unwrap_err().get("ends_at").expect("message").contains("31 days"));
        f.ends_at = "2026-04-10T10:00".into();
        assert!(f.validate().is_ok(), "exactly 31 days");
        for (field, value) in [("title", "Evil\nX-INJECTED:1"), ("venue", "Hall\tB")] {
            let mut f = form();
            if field == "title" {
                f.title = value.into();
            } else {
                f.venue = value.into();
            }
            assert!(f.validate().unwrap_err().has(field), "{field}");
        }
        let mut f = form();
        f.description = "One\r\nTwo\tcolumns".into();
        assert_eq!(f.validate().expect("multi-line").description, "One\nTwo\tcolumns");
    }

    #[test]
    fn nonexistent_local_times_are_refused() {
        let mut f = form();
        // Clocks jump from 02:00 to 03:00 in Brussels on 29 March 2026.
        f.starts_at = "2026-03-29T02:30".into();
        f.ends_at = "2026-03-29T10:00".into();
        assert!(f.validate().unwrap_err().has("starts_at"));
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Pharma × Académie: 2026!"), "pharma-academie-2026");
        assert!(slug_problem("ok-slug-1").is_none());
        assert!(slug_problem("-bad").is_some());
        assert!(slug_problem("ab").is_some());
        assert!(slug_problem("new").is_some());
    }

    #[test]
    fn registration_window() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        let mut ev = tests_support::event();
        assert!(matches!(ev.window(t("2026-01-15 00:00")), RegistrationWindow::NotYetOpen(_)));
        assert_eq!(ev.window(t("2026-02-15 00:00")), RegistrationWindow::Open);
        assert_eq!(ev.window(t("2026-03-09 00:00")), RegistrationWindow::Closed);
        assert_eq!(ev.window(t("2026-03-12 00:00")), RegistrationWindow::EventOver);
        ev.status = "draft".into();
        assert_eq!(ev.window(t("2026-02-15 00:00")), RegistrationWindow::NotPublished);
        ev.status = "cancelled".into();
        assert!(ev.window_message(t("2026-02-15 00:00")).expect("message").contains("cancelled"));
        ev.status = "published".into();
        assert!(ev.when_label().contains("(Europe/Brussels, CET)"), "{}", ev.when_label());
    }
}
