//! Matchmaking rows and the checks on organisers' and participants' input. Pure apart from the
//! row types: validation here, storage in `service`.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use crate::db::schema::{match_settings, meeting_requests, meeting_slots, meetings, opportunities, topics};
use crate::events::model::{parse_local, to_utc, Event};
use crate::web::form::FormData;
use crate::web::{text, FormErrors};

/// The taxonomy every event starts with; organisers edit it per event.
pub const DEFAULT_TOPICS: &[(&str, &[&str])] = &[
    (
        "area",
        &[
            "Oncology",
            "Paediatric cancers",
            "Haematological malignancies",
            "Neurodegeneration",
            "Alzheimer's disease",
            "Parkinson's disease",
            "Infectious diseases",
            "Antimicrobial resistance",
            "Vaccines",
            "Tuberculosis",
            "Immunology and inflammation",
            "Autoimmune diseases",
            "Metabolic diseases",
            "Diabetes and obesity",
            "Cardiovascular diseases",
            "Rare diseases",
            "Mental health",
            "Respiratory diseases",
            "Dermatology",
            "Ophthalmology",
            "Pain",
            "Women's health",
            "Ageing and frailty",
        ],
    ),
    (
        "capability",
        &[
            "Real-world data",
            "Hospital cohorts",
            "Disease registries",
            "Biobanks",
            "Biomarkers",
            "Clinical trial design",
            "Clinical trial sites",
            "Decentralised trials",
            "Digital health and AI",
            "Machine learning",
            "Medical imaging",
            "Genomics",
            "Proteomics",
            "Multi-omics",
            "Regulatory science",
            "Health technology assessment",
            "Drug safety and toxicology",
            "Pharmacovigilance",
            "Preclinical models",
            "Organoids",
            "Animal models",
            "Compound libraries",
            "Medicinal chemistry",
            "Manufacturing",
            "Sustainability",
            "Patient engagement",
            "Patient-reported outcomes",
            "Health economics",
            "Data standards and FAIR data",
            "Cell and gene therapy",
        ],
    ),
];

pub const TOPIC_NAME_MAX: usize = 80;
pub const TITLE_MAX: usize = 150;
pub const DESCRIPTION_MAX: usize = 2_000;
pub const MESSAGE_MAX: usize = 1_000;
pub const OPPORTUNITIES_MAX: usize = 12;
pub const TOPICS_PER_ITEM_MAX: usize = 12;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = match_settings)]
pub struct Settings {
    pub event_id: i64,
    pub enabled: bool,
    pub meeting_minutes: i32,
    pub tables_count: i32,
    pub max_meetings: i32,
    pub cross_sector_bonus: f64,
    pub allow_same_organisation: bool,
    pub request_ttl_hours: i32,
    pub booking_opens_at: Option<NaiveDateTime>,
    pub booking_closes_at: Option<NaiveDateTime>,
    pub allow_suggested: bool,
    pub published_at: Option<NaiveDateTime>,
    pub schedule_version: i64,
    pub last_run_at: Option<NaiveDateTime>,
    pub last_run_summary: String,
    pub updated_at: NaiveDateTime,
}

impl Settings {
    /// What an event has before its organisers save anything.
    pub fn defaults(event_id: i64) -> Self {
        Settings {
            event_id,
            enabled: false,
            meeting_minutes: 20,
            tables_count: 20,
            max_meetings: 8,
            cross_sector_bonus: 1.0,
            allow_same_organisation: false,
            request_ttl_hours: 72,
            booking_opens_at: None,
            booking_closes_at: None,
            allow_suggested: true,
            published_at: None,
            schedule_version: 0,
            last_run_at: None,
            last_run_summary: String::new(),
            updated_at: chrono::DateTime::UNIX_EPOCH.naive_utc(),
        }
    }

    /// Why people cannot request meetings now, if they cannot.
    pub fn booking_problem(&self, event: &Event, now: NaiveDateTime) -> Option<String> {
        if !self.enabled {
            return Some("Matchmaking is not open for this event.".into());
        }
        if now >= event.ends_at {
            return Some("This event has taken place; meetings can no longer be requested.".into());
        }
        if let Some(at) = self.booking_opens_at.filter(|at| now < *at) {
            return Some(format!("Meeting requests open on {}.", event.local_datetime_label(at)));
        }
        if self.booking_closes_at.is_some_and(|at| now >= at) {
            return Some("Meeting requests are closed for this event.".into());
        }
        None
    }

    pub fn request_ttl(&self) -> TimeDelta {
        TimeDelta::hours(i64::from(self.request_ttl_hours.max(1)))
    }
}

/// The settings form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub enabled: bool,
    pub meeting_minutes: String,
    pub tables_count: String,
    pub max_meetings: String,
    pub cross_sector_bonus: String,
    pub allow_same_organisation: bool,
    pub request_ttl_hours: String,
    pub booking_opens_at: String,
    pub booking_closes_at: String,
    pub allow_suggested: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SettingsInput {
    pub enabled: bool,
    pub meeting_minutes: i32,
    pub tables_count: i32,
    pub max_meetings: i32,
    pub cross_sector_bonus: f64,
    pub allow_same_organisation: bool,
    pub request_ttl_hours: i32,
    pub booking_opens_at: Option<NaiveDateTime>,
    pub booking_closes_at: Option<NaiveDateTime>,
    pub allow_suggested: bool,
}

fn int_field(e: &mut FormErrors, field: &str, value: &str, min: i32, max: i32, what: &str) -> i32 {
    match value.trim().parse::<i32>() {
        Ok(n) if (min..=max).contains(&n) => n,
        Ok(_) => {
            e.add(field, format!("{what} must be between {min} and {max}."));
            min
        }
        Err(_) => {
            e.add(field, format!("{what} must be a whole number."));
            min
        }
    }
}

impl SettingsForm {
    pub fn from_form(f: &FormData) -> Self {
        SettingsForm {
            enabled: f.get("enabled") == "on",
            meeting_minutes: f.get("meeting_minutes").to_string(),
            tables_count: f.get("tables_count").to_string(),
            max_meetings: f.get("max_meetings").to_string(),
            cross_sector_bonus: f.get("cross_sector_bonus").to_string(),
            allow_same_organisation: f.get("allow_same_organisation") == "on",
            request_ttl_hours: f.get("request_ttl_hours").to_string(),
            booking_opens_at: f.get("booking_opens_at").to_string(),
            booking_closes_at: f.get("booking_closes_at").to_string(),
            allow_suggested: f.get("allow_suggested") == "on",
        }
    }

    pub fn from_settings(s: &Settings, event: &Event) -> Self {
        SettingsForm {
            enabled: s.enabled,
            meeting_minutes: s.meeting_minutes.to_string(),
            tables_count: s.tables_count.to_string(),
            max_meetings: s.max_meetings.to_string(),
            cross_sector_bonus: format!("{}", s.cross_sector_bonus),
            allow_same_organisation: s.allow_same_organisation,
            request_ttl_hours: s.request_ttl_hours.to_string(),
            booking_opens_at: event.input_value(s.booking_opens_at),
            booking_closes_at: event.input_value(s.booking_closes_at),
            allow_suggested: s.allow_suggested,
        }
    }

    pub fn validate(&self, event: &Event) -> Result<SettingsInput, FormErrors> {
        let mut e = FormErrors::default();
        let meeting_minutes = int_field(&mut e, "meeting_minutes", &self.meeting_minutes, 5, 240, "Meeting length");
        let tables_count = int_field(&mut e, "tables_count", &self.tables_count, 1, 5000, "The number of tables");
        let max_meetings = int_field(&mut e, "max_meetings", &self.max_meetings, 1, 200, "Meetings per person");
        let request_ttl_hours =
            int_field(&mut e, "request_ttl_hours", &self.request_ttl_hours, 1, 2160, "The answer time");
        let cross_sector_bonus = match self.cross_sector_bonus.trim().replace(',', ".").parse::<f64>() {
            Ok(b) if b.is_finite() && (0.0..=100.0).contains(&b) => b,
            Ok(_) => {
                e.add("cross_sector_bonus", "The cross-sector bonus must be between 0 and 100.");
                0.0
            }
            Err(_) => {
                e.add("cross_sector_bonus", "The cross-sector bonus must be a number, e.g. 1.5.");
                0.0
            }
        };
        let mut time = |field: &str, value: &str| -> Option<NaiveDateTime> {
            if value.trim().is_empty() {
                return None;
            }
            local_time(event, &mut e, field, value)
        };
        let booking_opens_at = time("booking_opens_at", &self.booking_opens_at);
        let booking_closes_at = time("booking_closes_at", &self.booking_closes_at);
        if let (Some(o), Some(c)) = (booking_opens_at, booking_closes_at) {
            if c <= o {
                e.add("booking_closes_at", "Booking must close after it opens.");
            }
        }
        e.into_result(SettingsInput {
            enabled: self.enabled,
            meeting_minutes,
            tables_count,
            max_meetings,
            cross_sector_bonus,
            allow_same_organisation: self.allow_same_organisation,
            request_ttl_hours,
            booking_opens_at,
            booking_closes_at,
            allow_suggested: self.allow_suggested,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = topics)]
pub struct Topic {
    pub id: i64,
    pub event_id: i64,
    pub name: String,
    pub category: String,
    pub position: i32,
}

/// A topic category's heading on the pages.
pub fn category_label(category: &str) -> String {
    match category {
        "area" => "Therapeutic areas".into(),
        "capability" => "Capabilities".into(),
        "" => "Other topics".into(),
        other => {
            let mut c = other.chars();
            c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
        }
    }
}

/// The topics by category, categories in order of first appearance, topics in their order.
pub fn group_topics(topics: &[Topic]) -> Vec<(String, Vec<&Topic>)> {
    let mut out: Vec<(String, Vec<&Topic>)> = Vec::new();
    for t in topics {
        match out.iter_mut().find(|(c, _)| *c == t.category) {
            Some((_, list)) => list.push(t),
            None => out.push((t.category.clone(), vec![t])),
        }
    }
    out.into_iter().map(|(c, list)| (category_label(&c), list)).collect()
}

/// The topic a person typed by name (as the "add a topic" field's list offers them): case and
/// repeated spaces do not matter.
pub fn topic_by_name<'a>(topics: &'a [Topic], typed: &str) -> Option<&'a Topic> {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let want = norm(typed);
    topics.iter().find(|t| norm(&t.name) == want)
}

/// The topic's name, checked as a one-line text.
pub fn check_topic_name(e: &mut FormErrors, field: &str, name: &str) -> String {
    text::required_line(e, field, name, TOPIC_NAME_MAX, "Please give the topic a name.")
}

pub fn topic_category(code: &str) -> Option<&'static str> {
    match code {
        "area" => Some("area"),
        "capability" => Some("capability"),
        _ => None,
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = opportunities)]
pub struct Opportunity {
    pub id: i64,
    pub event_id: i64,
    pub user_id: i64,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Opportunity {
    pub fn is_offer(&self) -> bool {
        self.kind == "offer"
    }
    pub fn kind_label(&self) -> &'static str {
        if self.is_offer() {
            "Offer"
        } else {
            "Request"
        }
    }
}

/// A cooperation opportunity as typed.
#[derive(Debug, Clone, Default)]
pub struct OpportunityForm {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub topics: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpportunityInput {
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub topics: Vec<i64>,
}

impl OpportunityForm {
    pub fn from_form(f: &FormData) -> Self {
        OpportunityForm {
            kind: f.get("kind").to_string(),
            title: f.get("title").to_string(),
            description: f.get("description").to_string(),
            topics: f.ids("topics"),
        }
    }

    /// `known` are the event's topic ids: anything else is not a topic of this event.
    pub fn validate(&self, known: &[i64]) -> Result<OpportunityInput, FormErrors> {
        let mut e = FormErrors::default();
        let kind = match self.kind.as_str() {
            "offer" => "offer",
            "request" => "request",
            _ => {
                e.add("kind", "Choose whether you offer this or are looking for it.");
                "offer"
            }
        };
        let title = text::required_line(
            &mut e,
            "title",
            &self.title,
            TITLE_MAX,
            "Please give a short title, e.g. \"Paediatric oncology cohort of 2,000 patients\".",
        );
        let description = text::lines(&mut e, "description", &self.description, DESCRIPTION_MAX);
        let mut topics: Vec<i64> = self.topics.iter().copied().filter(|t| known.contains(t)).collect();
        topics.sort_unstable();
        topics.dedup();
        if topics.len() != self.topics.iter().collect::<std::collections::BTreeSet<_>>().len() {
            e.add("topics", "Choose topics from the list.");
        } else if topics.is_empty() {
            e.add("topics", "Choose at least one topic, so the right people find it.");
        } else if topics.len() > TOPICS_PER_ITEM_MAX {
            e.add("topics", format!("Choose at most {TOPICS_PER_ITEM_MAX} topics."));
        }
        e.into_result(OpportunityInput { kind, title, description, topics })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meeting_slots)]
pub struct Slot {
    pub id: i64,
    pub event_id: i64,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
}

/// Cuts the window [start, end) into back-to-back meetings of `minutes`; a remainder too short
/// for a meeting is left out.
pub fn slots_in_window(start: NaiveDateTime, end: NaiveDateTime, minutes: i32) -> Vec<(NaiveDateTime, NaiveDateTime)> {
    let len = TimeDelta::minutes(i64::from(minutes.max(1)));
    let mut out = Vec::new();
    let mut t = start;
    while t + len <= end && out.len() < 200 {
        out.push((t, t + len));
        t += len;
    }
    out
}

/// A time typed in the event's time zone, in UTC; a message beside `field` when it is malformed
/// or falls into a clock change.
fn local_time(event: &Event, e: &mut FormErrors, field: &str, value: &str) -> Option<NaiveDateTime> {
    match parse_local(value.trim()).map(|t| to_utc(event.tz(), t)) {
        Ok(Some(t)) if crate::events::model::year_problem(t).is_some() => {
            e.add(field, crate::events::model::year_problem(t).unwrap_or_default());
            None
        }
        Ok(Some(t)) => Some(t),
        Ok(None) => {
            e.add(field, "That time does not exist in the event's time zone (clock change).");
            None
        }
        Err(msg) => {
            e.add(field, msg);
            None
        }
    }
}

/// A window of meeting time typed by an organiser, in the event's time zone.
pub fn parse_window(event: &Event, start: &str, end: &str) -> Result<(NaiveDateTime, NaiveDateTime), FormErrors> {
    let mut e = FormErrors::default();
    let mut one = |field: &str, v: &str| local_time(event, &mut e, field, v);
    let (s, en) = (one("window_start", start), one("window_end", end));
    if let (Some(s), Some(en)) = (s, en) {
        if en <= s {
            e.add("window_end", "The window must end after it starts.");
        } else if s < event.starts_at || en > event.ends_at {
            e.add("window_start", "Meeting time must lie within the event's dates.");
        }
        if e.is_empty() {
            return Ok((s, en));
        }
    }
    Err(e)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meeting_requests)]
pub struct MeetingRequest {
    pub id: i64,
    pub event_id: i64,
    pub from_user: i64,
    pub to_user: i64,
    pub message: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub responded_at: Option<NaiveDateTime>,
    pub digest_sent_at: Option<NaiveDateTime>,
}

impl MeetingRequest {
    pub fn is_pending(&self) -> bool {
        self.status == "pending"
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" => "Waiting for an answer",
            "accepted" => "Accepted",
            "declined" => "Declined",
            "cancelled" => "Cancelled",
            "expired" => "Expired",
            _ => "",
        }
    }
}

/// The note sent with a meeting request, checked as a multi-line text.
pub fn check_message(e: &mut FormErrors, message: &str) -> String {
    text::lines(e, "message", message, MESSAGE_MAX)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: i64,
    pub event_id: i64,
    pub slot_id: i64,
    pub table_no: i32,
    pub a_user: i64,
    pub b_user: i64,
    pub request_id: Option<i64>,
    pub origin: String,
    pub locked: bool,
    pub score: f64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Meeting {
    pub fn partner_of(&self, user_id: i64) -> i64 {
        if self.a_user == user_id {
            self.b_user
        } else {
            self.a_user
        }
    }
    pub fn origin_label(&self) -> &'static str {
        match self.origin.as_str() {
            "request" => "Requested",
            "suggested" => "Suggested",
            _ => "Set by the organisers",
        }
    }
}

/// How well two people match, in words people understand instead of the engine's raw score.
///
/// The score is a sum of `3 × rarity` for each topic one seeks and the other offers, `1 × rarity`
/// per shared interest and the organisers' cross-sector bonus (rarity is about 1.5–3 per topic),
/// so it grows with how many complementary topics a pair has. On the demo event (153 profiles)
/// the top-25 lists run from about 7 to 29; of the pairs the scheduler chose, the top 10–15 %
/// score 18 or more (several complementary topics, usually both ways), the middle half 10 to 18
/// (one clear complementarity plus shared interests), and below 10 a pair shares interests or a
/// single, common topic. Hence: strong from 18, good from 10, possible below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strength {
    Strong,
    Good,
    Possible,
}

pub const STRONG_FROM: f64 = 18.0;
pub const GOOD_FROM: f64 = 10.0;

impl Strength {
    pub fn of(score: f64) -> Strength {
        if score >= STRONG_FROM {
            Strength::Strong
        } else if score >= GOOD_FROM {
            Strength::Good
        } else {
            Strength::Possible
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Strength::Strong => "Strong match",
            Strength::Good => "Good match",
            Strength::Possible => "Possible match",
        }
    }
    /// The CSS class suffix.
    pub fn code(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Good => "good",
            Strength::Possible => "possible",
        }
    }
}

/// Where a person stands with another at an event, as the pages show it instead of (or next to)
/// the "Request a meeting" button. Computed by `service::pair_states` with exactly the rules of
/// `service::request_meeting`, so the button shows only when sending would succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum PairState {
    /// A published, active meeting: `when` is "Tuesday 3 March, 10:00–10:20 (…), table 4".
    Meet { when: String },
    /// A meeting the organisers have placed but not published yet.
    Planned,
    /// An accepted request still waiting for a table.
    Waiting { request_id: i64 },
    /// The viewer asked; no answer yet.
    Asked { request_id: i64, on: String },
    /// The other person asked; the viewer should answer.
    AskedBy { request_id: i64 },
    /// A request may be sent. `declined_on` says the other person declined an earlier one
    /// (the product lets people ask again).
    CanAsk { declined_on: Option<String> },
    /// No request is possible now; the sentence says why.
    Cannot(String),
    /// The viewer has as many meetings as they take: the same for everyone, so lists say it once.
    AtMyLimit(String),
}

impl PairState {
    pub fn can_ask(&self) -> bool {
        matches!(self, PairState::CanAsk { .. })
    }
    /// The state in words (empty when a request may simply be sent).
    pub fn sentence(&self, name: &str) -> String {
        match self {
            PairState::Meet { when } => format!("You meet {name} on {when}."),
            PairState::Planned => {
                format!("The organisers have planned a meeting with {name}; you will see it when they publish the schedule.")
            }
            PairState::Waiting { .. } => {
                format!("You and {name} agreed to meet; the meeting is waiting for a table and gets one as soon as one frees up.")
            }
            PairState::Asked { on, .. } => format!("You asked {name} on {on}, waiting for an answer."),
            PairState::AskedBy { .. } => format!("{name} asked you for a meeting: answer their request."),
            PairState::CanAsk { declined_on: Some(on) } => {
                format!("{name} declined your request of {on}. You may ask again.")
            }
            PairState::CanAsk { declined_on: None } => String::new(),
            PairState::Cannot(why) | PairState::AtMyLimit(why) => why.clone(),
        }
    }
    /// Where the state's link goes, under the event's URL (the request or one's meetings).
    pub fn link(&self) -> Option<(String, &'static str)> {
        match self {
            PairState::Meet { .. } => Some(("/meetings".into(), "See my meetings")),
            PairState::Waiting { request_id } => Some((format!("/requests/{request_id}"), "See the request")),
            PairState::Asked { request_id, .. } => Some((format!("/requests/{request_id}"), "See my request")),
            PairState::AskedBy { request_id } => Some((format!("/requests/{request_id}"), "Answer the request")),
            _ => None,
        }
    }
    /// The CSS class suffix and the id-friendly code.
    pub fn code(&self) -> &'static str {
        match self {
            PairState::Meet { .. } => "meet",
            PairState::Planned => "planned",
            PairState::Waiting { .. } => "waiting",
            PairState::Asked { .. } => "asked",
            PairState::AskedBy { .. } => "asked-by",
            PairState::CanAsk { .. } => "can-ask",
            PairState::Cannot(_) => "cannot",
            PairState::AtMyLimit(_) => "at-limit",
        }
    }
}

/// Orders a pair the way the meetings table stores it.
pub fn ordered(a: i64, b: i64) -> (i64, i64) {
    (a.min(b), a.max(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        crate::events::model::tests_support::event()
    }

    fn form() -> SettingsForm {
        SettingsForm {
            enabled: true,
            meeting_minutes: "20".into(),
            tables_count: "30".into(),
            max_meetings: "8".into(),
            cross_sector_bonus: "1,5".into(),
            allow_same_organisation: false,
            request_ttl_hours: "48".into(),
            booking_opens_at: String::new(),
            booking_closes_at: String::new(),
            allow_suggested: true,
        }
    }

    #[test]
    fn default_taxonomy_has_40_to_60_distinct_topics() {
        let names: Vec<&str> = DEFAULT_TOPICS.iter().flat_map(|(_, t)| t.iter().copied()).collect();
        assert!((40..=60).contains(&names.len()), "{}", names.len());
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
    }

    #[test]
    fn settings_are_checked_with_a_message_per_field() {
        let ok = form().validate(&event()).expect("valid");
        assert_eq!((ok.tables_count, ok.cross_sector_bonus), (30, 1.5));
        let mut bad = form();
        bad.meeting_minutes = "2".into();
        bad.tables_count = "many".into();
        bad.cross_sector_bonus = "-1".into();
        bad.max_meetings = "".into();
        bad.request_ttl_hours = "999999".into();
        bad.booking_opens_at = "2030-13-01T10:00".into();
        let e = bad.validate(&event()).unwrap_err();
        for f in ["meeting_minutes", "tables_count", "cross_sector_bonus", "max_meetings", "request_ttl_hours"] {
            assert!(e.has(f), "{f}");
        }
        assert!(e.has("booking_opens_at"));
    }

    #[test]
    fn windows_are_cut_into_whole_meetings() {
        let t = |h: u32, m: u32| {
            chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect("valid time").and_hms_opt(h, m, 0).expect("valid time")
        };
        let s = slots_in_window(t(9, 0), t(10, 10), 20);
        assert_eq!(s.len(), 3);
        assert_eq!(s[2], (t(9, 40), t(10, 0)));
        assert!(slots_in_window(t(9, 0), t(9, 10), 20).is_empty());
    }

    #[test]
    fn opportunities_need_a_kind_a_title_and_known_topics() {
        let f = OpportunityForm {
            kind: "offer".into(),
            title: " Cohort ".into(),
            description: "".into(),
            topics: vec![1, 2, 2],
        };
        let ok = f.validate(&[1, 2, 3]).expect("valid");
        assert_eq!((ok.kind, ok.title.as_str(), ok.topics), ("offer", "Cohort", vec![1, 2]));
        let bad =
            OpportunityForm { kind: "sell".into(), title: "".into(), description: "x".repeat(3000), topics: vec![9] };
        let e = bad.validate(&[1, 2, 3]).unwrap_err();
        for f in ["kind", "title", "description", "topics"] {
            assert!(e.has(f), "{f}");
        }
        let none =
            OpportunityForm { kind: "request".into(), title: "Data".into(), description: "".into(), topics: vec![] };
        assert!(none.validate(&[1]).unwrap_err().has("topics"));
    }

    #[test]
    fn scores_read_as_words_at_the_documented_thresholds() {
        assert_eq!(Strength::of(29.2), Strength::Strong);
        assert_eq!(Strength::of(STRONG_FROM), Strength::Strong);
        assert_eq!(Strength::of(17.9), Strength::Good);
        assert_eq!(Strength::of(GOOD_FROM), Strength::Good);
        assert_eq!(Strength::of(9.99), Strength::Possible);
        assert_eq!(Strength::of(0.0), Strength::Possible);
        assert_eq!(Strength::of(12.0).label(), "Good match");
    }

    #[test]
    fn pair_states_say_what_is_going_on_and_only_can_ask_offers_the_button() {
        let asked = PairState::Asked { request_id: 7, on: "Mon 1 June".into() };
        assert_eq!(asked.sentence("Ada"), "You asked Ada on Mon 1 June, waiting for an answer.");
        assert_eq!(asked.link(), Some(("/requests/7".into(), "See my request")));
        assert!(!asked.can_ask());
        assert!(PairState::AskedBy { request_id: 3 }.sentence("Bo").starts_with("Bo asked you"));
        assert!(PairState::Meet { when: "Tuesday, table 4".into() }.sentence("Cy").contains("table 4"));
        assert!(PairState::CanAsk { declined_on: None }.can_ask());
        assert_eq!(PairState::CanAsk { declined_on: None }.sentence("Di"), "");
        assert!(!PairState::Cannot("Full.".into()).can_ask());
        let limit = PairState::AtMyLimit("You are at your limit of 2 meetings.".into());
        assert!(!limit.can_ask() && limit.code() == "at-limit" && limit.sentence("Ed").contains("limit of 2"));
    }

    #[test]
    fn topics_group_by_category_and_are_found_by_their_typed_name() {
        let t = |id: i64, name: &str, category: &str| Topic {
            id,
            event_id: 1,
            name: name.into(),
            category: category.into(),
            position: id as i32,
        };
        let topics = vec![t(1, "Oncology", "area"), t(2, "Biobanks", "capability"), t(3, "Vaccines", "area")];
        let groups = group_topics(&topics);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "Therapeutic areas");
        assert_eq!(groups[0].1.iter().map(|x| x.id).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(groups[1].0, "Capabilities");
        assert_eq!(category_label("devices"), "Devices");
        assert_eq!(topic_by_name(&topics, "  oncology ").map(|x| x.id), Some(1));
        assert_eq!(topic_by_name(&topics, "BIOBANKS").map(|x| x.id), Some(2));
        assert!(topic_by_name(&topics, "Oncol").is_none());
    }
}
