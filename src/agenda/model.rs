//! The programme of an event: rooms, tracks, sessions and speakers; the organisers' forms and
//! their checks; clashes between sessions. Times are stored in UTC and shown in the event's zone.

use std::borrow::Borrow;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{agenda_sessions as s, rooms, session_speakers as sp, tracks};
use crate::db::DbConn;
use crate::error::AppError;
use crate::events::model::{parse_local, to_utc, Event};
use crate::web::text::{self, OneLine};
use crate::web::FormErrors;

pub const KINDS: &[(&str, &str)] = &[
    ("keynote", "Keynote"),
    ("talk", "Talk"),
    ("panel", "Panel"),
    ("workshop", "Workshop"),
    ("break", "Break"),
    ("networking", "Networking"),
];

pub fn kind_label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("")
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = rooms)]
pub struct Room {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub capacity: Option<i32>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tracks)]
pub struct Track {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub colour: String,
    pub position: i32,
}

impl Track {
    /// "oncology-and-rare-diseases": for frab exports and CSS classes.
    pub fn slug(&self) -> String {
        let s = crate::events::model::slugify(&self.name);
        match s.len() {
            0 => format!("track-{}", self.id),
            // frab wants slugs of two characters or more: "A" becomes "track-a".
            1 => format!("track-{s}"),
            _ => s,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = s)]
pub struct Session {
    pub id: i64,
    pub event_id: i64,
    pub guid: String,
    pub title: String,
    pub abstract_text: String,
    pub kind: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub room_id: Option<i64>,
    pub track_id: Option<i64>,
    pub capacity: Option<i32>,
    pub signup_required: bool,
    pub status: String,
    pub sequence: i32,
    #[serde(skip)]
    pub signups_version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Session {
    pub fn is_cancelled(&self) -> bool {
        self.status == "cancelled"
    }
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
    pub fn minutes(&self) -> i64 {
        (self.ends_at - self.starts_at).num_minutes()
    }
    pub fn overlaps(&self, other: &Session) -> bool {
        self.id != other.id && self.starts_at < other.ends_at && other.starts_at < self.ends_at
    }
    /// Sessions people add to their agenda: not breaks.
    pub fn can_be_added(&self) -> bool {
        !self.is_cancelled() && self.kind != "break"
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sp)]
pub struct Speaker {
    pub id: i64,
    pub session_id: i64,
    pub position: i32,
    pub name: String,
    pub affiliation: String,
    pub user_id: Option<i64>,
}

/// Everything the programme pages and exports need, loaded in four queries.
#[derive(Debug, Clone, Default)]
pub struct Programme {
    pub rooms: Vec<Room>,
    pub tracks: Vec<Track>,
    pub sessions: Vec<Session>,
    pub speakers: Vec<Speaker>,
}

impl Programme {
    pub fn load(c: &mut DbConn, event_id: i64) -> Result<Programme, AppError> {
        let rooms = rooms::table
            .filter(rooms::event_id.eq(event_id))
            .order((rooms::position, rooms::id))
            .select(Room::as_select())
            .load(c)?;
        let tracks = tracks::table
            .filter(tracks::event_id.eq(event_id))
            .order((tracks::position, tracks::id))
            .select(Track::as_select())
            .load(c)?;
        let sessions = s::table
            .filter(s::event_id.eq(event_id))
            .order((s::starts_at, s::room_id, s::id))
            .select(Session::as_select())
            .load(c)?;
        let speakers = sp::table
            .inner_join(s::table)
            .filter(s::event_id.eq(event_id))
            .order((sp::session_id, sp::position))
            .select(Speaker::as_select())
            .load(c)?;
        Ok(Programme { rooms, tracks, sessions, speakers })
    }

    // Ids are taken by `Borrow` so templates (which pass references) and code can both call these.
    pub fn room(&self, id: impl Borrow<Option<i64>>) -> Option<&Room> {
        id.borrow().and_then(|id| self.rooms.iter().find(|r| r.id == id))
    }
    pub fn room_name(&self, id: impl Borrow<Option<i64>>) -> &str {
        self.room(id).map(|r| r.name.as_str()).unwrap_or("")
    }
    pub fn track(&self, id: impl Borrow<Option<i64>>) -> Option<&Track> {
        id.borrow().and_then(|id| self.tracks.iter().find(|t| t.id == id))
    }
    pub fn track_name(&self, id: impl Borrow<Option<i64>>) -> &str {
        self.track(id).map(|t| t.name.as_str()).unwrap_or("")
    }
    pub fn speakers_of(&self, session_id: impl Borrow<i64>) -> Vec<&Speaker> {
        let id = *session_id.borrow();
        self.speakers.iter().filter(|s| s.session_id == id).collect()
    }
    pub fn speaker_line(&self, session_id: impl Borrow<i64>) -> String {
        self.speakers_of(session_id)
            .iter()
            .map(|s| if s.affiliation.is_empty() { s.name.clone() } else { format!("{} ({})", s.name, s.affiliation) })
            .collect::<Vec<_>>()
            .join(", ")
    }
    pub fn session(&self, id: impl Borrow<i64>) -> Option<&Session> {
        let id = *id.borrow();
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// Pairs of scheduled sessions that share a room at the same time.
pub fn room_clashes(sessions: &[Session]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let live: Vec<&Session> = sessions.iter().filter(|s| !s.is_cancelled() && s.room_id.is_some()).collect();
    for (i, a) in live.iter().enumerate() {
        for b in &live[i + 1..] {
            if a.room_id == b.room_id && a.overlaps(b) {
                out.push((a.id, b.id));
            }
        }
    }
    out
}

/// Ids of sessions in `chosen` that overlap another chosen session.
pub fn overlapping(chosen: &[&Session]) -> Vec<i64> {
    chosen.iter().filter(|a| chosen.iter().any(|b| a.overlaps(b))).map(|a| a.id).collect()
}

/// Pairs (session id, meeting index) of chosen sessions that take place and meetings (given
/// as start and end) that overlap in time.
pub fn meeting_clashes(chosen: &[&Session], meetings: &[(NaiveDateTime, NaiveDateTime)]) -> Vec<(i64, usize)> {
    let mut out = Vec::new();
    for s in chosen.iter().filter(|s| !s.is_cancelled()) {
        for (i, (starts, ends)) in meetings.iter().enumerate() {
            if s.starts_at < *ends && *starts < s.ends_at {
                out.push((s.id, i));
            }
        }
    }
    out
}

// ---------- forms ----------

pub const TITLE_MAX: usize = 200;
pub const ABSTRACT_MAX: usize = 10_000;
pub const NAME_MAX: usize = 120;
pub const SPEAKERS_MAX: usize = 20;
/// Generous caps per event, so every programme export has a size bound by construction.
pub const ROOMS_MAX: i64 = 100;
pub const TRACKS_MAX: i64 = 50;
pub const SESSIONS_MAX: i64 = 1000;

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct RoomForm {
    pub name: String,
    pub capacity: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoomInput {
    pub name: String,
    pub capacity: Option<i32>,
}

fn optional_count(e: &mut FormErrors, field: &str, value: &str) -> Option<i32> {
    match value.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(n) if (1..=100_000).contains(&n) => Some(n as i32),
            Ok(_) => {
                e.add(field, "Give a number from 1 to 100000, or leave it empty for no limit.");
                None
            }
            Err(_) => {
                e.add(field, "Please give a whole number, or leave it empty for no limit.");
                None
            }
        },
    }
}

fn required_name(e: &mut FormErrors, field: &str, value: &str, what: &str) -> String {
    text::required_line(e, field, value, NAME_MAX, &format!("Please give the {what} a name."))
}

impl RoomForm {
    pub fn validate(&self) -> Result<RoomInput, FormErrors> {
        let mut e = FormErrors::default();
        let name = required_name(&mut e, "name", &self.name, "room");
        let capacity = optional_count(&mut e, "capacity", &self.capacity);
        e.into_result(RoomInput { name, capacity })
    }
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct TrackForm {
    pub name: String,
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrackInput {
    pub name: String,
    pub colour: String,
}

impl TrackForm {
    pub fn validate(&self) -> Result<TrackInput, FormErrors> {
        let mut e = FormErrors::default();
        let name = required_name(&mut e, "name", &self.name, "track");
        let colour = self.colour.trim().to_lowercase();
        let ok = colour.len() == 7 && colour.starts_with('#') && colour[1..].chars().all(|c| c.is_ascii_hexdigit());
        if !ok {
            e.add("colour", "Give the colour as # and six hexadecimal digits, e.g. #1f4e8c.");
        }
        e.into_result(TrackInput { name, colour })
    }
}

/// The session form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct SessionForm {
    pub title: String,
    pub abstract_text: String,
    pub kind: String,
    pub starts_at: String,
    pub ends_at: String,
    pub room_id: String,
    pub track_id: String,
    pub capacity: String,
    pub signup_required: String,
    /// One speaker per line: "Name | Affiliation | participant e-mail (optional)".
    pub speakers: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SpeakerInput {
    pub name: String,
    pub affiliation: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionInput {
    pub title: String,
    pub abstract_text: String,
    pub kind: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub room_id: Option<i64>,
    pub track_id: Option<i64>,
    pub capacity: Option<i32>,
    pub signup_required: bool,
    pub speakers: Vec<SpeakerInput>,
}

impl SessionForm {
    pub fn from_session(event: &Event, session: &Session, speakers: &[&Speaker], emails: &[(i64, String)]) -> Self {
        let email_of = |uid: Option<i64>| {
            uid.and_then(|u| emails.iter().find(|(id, _)| *id == u)).map(|(_, e)| e.clone()).unwrap_or_default()
        };
        SessionForm {
            title: session.title.clone(),
            abstract_text: session.abstract_text.clone(),
            kind: session.kind.clone(),
            starts_at: event.input_value(Some(session.starts_at)),
            ends_at: event.input_value(Some(session.ends_at)),
            room_id: session.room_id.map(|r| r.to_string()).unwrap_or_default(),
            track_id: session.track_id.map(|t| t.to_string()).unwrap_or_default(),
            capacity: session.capacity.map(|c| c.to_string()).unwrap_or_default(),
            signup_required: if session.signup_required { "on".into() } else { String::new() },
            speakers: speakers
                .iter()
                .map(|s| {
                    let email = email_of(s.user_id);
                    match (s.affiliation.is_empty(), email.is_empty()) {
                        (true, true) => s.name.clone(),
                        (false, true) => format!("{} | {}", s.name, s.affiliation),
                        _ => format!("{} | {} | {email}", s.name, s.affiliation),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    pub fn signup_checked(&self) -> bool {
        !self.signup_required.is_empty()
    }

    /// Checks the form against the event (its time zone and dates) and its rooms and tracks.
    pub fn validate(&self, event: &Event, room_ids: &[i64], track_ids: &[i64]) -> Result<SessionInput, FormErrors> {
        let mut e = FormErrors::default();
        let title = text::required_line(&mut e, "title", &self.title, TITLE_MAX, "Please give the session a title.");
        let abstract_text = text::lines(&mut e, "abstract_text", &self.abstract_text, ABSTRACT_MAX);
        let kind = self.kind.trim().to_string();
        if kind_label(&kind).is_empty() {
            e.add("kind", "Please choose a kind of session.");
        }
        let tz = event.tz();
        let mut time = |field: &str, value: &str| -> Option<NaiveDateTime> {
            let value = value.trim();
            if value.is_empty() {
                e.add(field, "Please give a date and time.");
                return None;
            }
            match parse_local(value) {
                Err(msg) => {
                    e.add(field, msg);
                    None
                }
                Ok(local) if crate::events::model::year_problem(local).is_some() => {
                    e.add(field, crate::events::model::year_problem(local).unwrap_or_default());
                    None
                }
                Ok(local) => match to_utc(tz, local) {
                    Some(t) => Some(t),
                    None => {
                        e.add(field, "This time does not exist in the event's time zone (the clocks change then).");
                        None
                    }
                },
            }
        };
        let starts_at = time("starts_at", &self.starts_at);
        let ends_at = time("ends_at", &self.ends_at);
        if let (Some(st), Some(en)) = (starts_at, ends_at) {
            if en <= st {
                e.add("ends_at", "The end must be after the start.");
            } else if st < event.starts_at || en > event.ends_at {
                e.add("starts_at", format!("Sessions must take place during the event: {}.", event.when_label()));
            }
        }
        let pick = |e: &mut FormErrors, field: &str, value: &str, ids: &[i64], what: &str| -> Option<i64> {
            match value.trim() {
                "" => None,
                v => match v.parse::<i64>() {
                    Ok(id) if ids.contains(&id) => Some(id),
                    _ => {
                        e.add(field, format!("Please choose a {what} from the list."));
                        None
                    }
                },
            }
        };
        let room_id = pick(&mut e, "room_id", &self.room_id, room_ids, "room");
        let track_id = pick(&mut e, "track_id", &self.track_id, track_ids, "track");
        let capacity = optional_count(&mut e, "capacity", &self.capacity);
        let speakers = parse_speakers(&mut e, &self.speakers);
        if matches!(kind.as_str(), "keynote" | "talk" | "panel") && speakers.is_empty() && !e.has("speakers") {
            e.add("speakers", "Please name at least one speaker for a keynote, talk or panel.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        let (Some(starts_at), Some(ends_at)) = (starts_at, ends_at) else { return Err(e) };
        Ok(SessionInput {
            title,
            abstract_text,
            kind,
            starts_at,
            ends_at,
            room_id,
            track_id,
            capacity,
            signup_required: self.signup_checked(),
            speakers,
        })
    }
}

fn looks_like_email(s: &str) -> bool {
    s.contains('@') && s.len() <= 254 && !s.contains(|c: char| c.is_whitespace() || c.is_control())
}

pub const AFFILIATION_MAX: usize = 200;

fn parse_speakers(e: &mut FormErrors, raw: &str) -> Vec<SpeakerInput> {
    let mut out = Vec::new();
    // Line ends normalised first, so a lone CR cannot hide inside one speaker's line.
    let all = text::lines(e, "speakers", raw, SPEAKERS_MAX * (NAME_MAX + AFFILIATION_MAX + 260));
    if e.has("speakers") {
        return out;
    }
    for (i, line) in all.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let mut parts = line.split('|').map(str::trim);
        let name = OneLine::parse(parts.next().unwrap_or(""), NAME_MAX);
        let affiliation = OneLine::parse(parts.next().unwrap_or(""), AFFILIATION_MAX);
        let email = parts.next().unwrap_or("").to_lowercase();
        let (name, affiliation) = match (name, affiliation) {
            (Ok(n), Ok(a)) => (n.into_string(), a.into_string()),
            (Err(p), _) | (_, Err(p)) => {
                e.add("speakers", format!("Line {}: {}", i + 1, p.message()));
                continue;
            }
        };
        if parts.next().is_some() {
            e.add("speakers", format!("Line {}: use at most three parts, Name | Affiliation | e-mail.", i + 1));
        } else if name.is_empty() {
            e.add("speakers", format!("Line {}: every speaker needs a name.", i + 1));
        } else if !email.is_empty() && !looks_like_email(&email) {
            e.add("speakers", format!("Line {}: \"{email}\" is not an e-mail address.", i + 1));
        }
        out.push(SpeakerInput { name, affiliation, email });
    }
    if out.len() > SPEAKERS_MAX {
        e.add("speakers", format!("At most {SPEAKERS_MAX} speakers per session."));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        crate::events::model::tests_support::event()
    }

    fn form() -> SessionForm {
        SessionForm {
            title: "Real-world data in oncology".into(),
            kind: "talk".into(),
            starts_at: "2026-03-10T10:00".into(),
            ends_at: "2026-03-10T10:45".into(),
            room_id: "3".into(),
            speakers: "Ada Lovelace | KU Leuven | ada@kuleuven.example\nGrace Hopper".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_session_form() {
        let input = form().validate(&event(), &[3], &[]).expect("valid");
        assert_eq!(input.starts_at.to_string(), "2026-03-10 09:00:00");
        assert_eq!(input.room_id, Some(3));
        assert_eq!(input.speakers.len(), 2);
        assert_eq!(input.speakers[0].email, "ada@kuleuven.example");
        assert_eq!(input.speakers[1].affiliation, "");
    }

    #[test]
    fn bad_session_forms_name_each_field() {
        let mut f = form();
        f.ends_at = "2026-03-10T09:00".into();
        assert!(f.validate(&event(), &[3], &[]).unwrap_err().has("ends_at"));
        let mut f = form();
        f.starts_at = "2026-03-12T10:00".into();
        f.ends_at = "2026-03-12T11:00".into();
        assert!(f.validate(&event(), &[3], &[]).unwrap_err().has("starts_at"));
        let mut f = form();
        f.room_id = "99".into();
        f.kind = "lecture".into();
        f.speakers = " | KU Leuven".into();
        f.capacity = "-2".into();
        let e = f.validate(&event(), &[3], &[]).unwrap_err();
        for field in ["room_id", "kind", "speakers", "capacity"] {
            assert!(e.has(field), "{field}");
        }
        let mut f = form();
        f.speakers = String::new();
        assert!(f.validate(&event(), &[3], &[]).unwrap_err().has("speakers"));
        f.kind = "break".into();
        assert!(f.validate(&event(), &[3], &[]).is_ok());
    }

    #[test]
    fn rooms_and_tracks() {
        assert!(RoomForm { name: "".into(), capacity: "0".into() }.validate().is_err());
        assert_eq!(
            RoomForm { name: " Room A ".into(), capacity: "".into() }.validate().expect("valid"),
            RoomInput { name: "Room A".into(), capacity: None }
        );
        assert!(TrackForm { name: "Oncology".into(), colour: "blue".into() }.validate().unwrap_err().has("colour"));
        assert_eq!(
            TrackForm { name: "AMR".into(), colour: "#A1B2C3".into() }.validate().expect("ok").colour,
            "#a1b2c3"
        );
    }

    fn session(id: i64, room: Option<i64>, start: &str, end: &str) -> Session {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        Session {
            id,
            event_id: 1,
            guid: String::new(),
            title: format!("S{id}"),
            abstract_text: String::new(),
            kind: "talk".into(),
            starts_at: t(start),
            ends_at: t(end),
            room_id: room,
            track_id: None,
            capacity: None,
            signup_required: false,
            status: "scheduled".into(),
            sequence: 0,
            signups_version: 0,
            created_at: t(start),
            updated_at: t(start),
        }
    }

    #[test]
    fn clashes_need_the_same_room_and_overlapping_times() {
        let a = session(1, Some(1), "2026-03-10 09:00", "2026-03-10 10:00");
        let b = session(2, Some(1), "2026-03-10 09:30", "2026-03-10 10:30");
        let c = session(3, Some(2), "2026-03-10 09:30", "2026-03-10 10:30");
        let d = session(4, Some(1), "2026-03-10 10:30", "2026-03-10 11:00");
        assert_eq!(room_clashes(&[a.clone(), b.clone(), c.clone(), d.clone()]), vec![(1, 2)]);
        assert_eq!(overlapping(&[&a, &c, &d]), vec![1, 3]);
    }

    #[test]
    fn meetings_clash_with_sessions_that_take_place_at_the_same_time() {
        let t = |x: &str| NaiveDateTime::parse_from_str(x, "%Y-%m-%d %H:%M").expect("time");
        let a = session(1, Some(1), "2026-03-10 09:00", "2026-03-10 10:00");
        let mut b = session(2, Some(1), "2026-03-10 10:00", "2026-03-10 11:00");
        let meetings = [(t("2026-03-10 09:20"), t("2026-03-10 09:40")), (t("2026-03-10 10:00"), t("2026-03-10 10:20"))];
        assert_eq!(meeting_clashes(&[&a, &b], &meetings), vec![(1, 0), (2, 1)]);
        // Touching is no clash; a cancelled session clashes with nothing.
        let next = [(t("2026-03-10 11:00"), t("2026-03-10 11:20"))];
        assert!(meeting_clashes(&[&a, &b], &next).is_empty());
        b.status = "cancelled".into();
        assert_eq!(meeting_clashes(&[&a, &b], &meetings), vec![(1, 0)]);
    }
}
