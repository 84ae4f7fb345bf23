//! The one iCalendar (RFC 5545) writer every calendar of Liaison goes through: the programme
//! feed, the personal feed, the registration and meeting attachments. Each TEXT value is escaped
//! here (backslash, `;`, `,`, line ends) and stripped of control characters, every other value
//! is stripped of them too, and every content line is folded at 75 octets without splitting a
//! UTF-8 character. So no stored value, however it got into the database, can add a property.

use chrono::NaiveDateTime;

/// A property value that is not TEXT (a URI, a UID, a number, a code): control characters
/// cannot be escaped there, so they are dropped.
fn raw(value: &str) -> String {
    value.chars().filter(|c| !c.is_control() && !is_separator(*c)).collect()
}

/// A quoted parameter value (RFC 5545 §3.2): no control characters, no double quote.
fn param(value: &str) -> String {
    raw(value).replace('"', "'")
}

/// Unicode line/paragraph separators and bidi controls: some clients break lines on the first
/// and the others make text display as something it is not.
fn is_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes a TEXT value (RFC 5545 §3.3.11). Line ends of any kind become `\n`; a one-line value
/// (a title or name) written with `one_line` gets a space instead.
pub fn escape_text(value: &str, one_line: bool) -> String {
    let value = value.replace("\r\n", "\n");
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                out.push_str(if one_line { " " } else { "\\n" })
            }
            '\t' => out.push(' '),
            c if c.is_control() || is_separator(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line: at most 75 octets per line, continuation lines start with a space,
/// never inside a UTF-8 character (RFC 5545 §3.1). Ends with CRLF.
pub fn fold(line: &str) -> String {
    const LIMIT: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn utc(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Content lines, unfolded, in order.
#[derive(Debug, Default, Clone)]
struct Lines(Vec<String>);

impl Lines {
    fn text(&mut self, name: &str, value: &str, one_line: bool) {
        self.0.push(format!("{name}:{}", escape_text(value, one_line)));
    }
    fn raw(&mut self, name: &str, value: &str) {
        self.0.push(format!("{name}:{}", raw(value)));
    }
}

/// One VEVENT.
#[derive(Debug, Clone)]
pub struct Entry(Lines);

impl Entry {
    /// An entry with its identity: UID, SEQUENCE and DTSTAMP.
    pub fn new(uid: &str, sequence: i64, stamp: NaiveDateTime) -> Entry {
        let mut l = Lines::default();
        l.raw("UID", uid);
        l.raw("SEQUENCE", &sequence.max(0).to_string());
        l.raw("DTSTAMP", &utc(stamp));
        Entry(l)
    }

    /// Start and end, in UTC.
    pub fn times(mut self, starts: NaiveDateTime, ends: NaiveDateTime) -> Entry {
        self.0.raw("DTSTART", &utc(starts));
        self.0.raw("DTEND", &utc(ends));
        self
    }

    /// The title: one line.
    pub fn summary(mut self, value: &str) -> Entry {
        self.0.text("SUMMARY", value, true);
        self
    }

    pub fn description(mut self, value: &str) -> Entry {
        self.0.text("DESCRIPTION", value, false);
        self
    }

    /// The place: one line; left out when empty.
    pub fn location(mut self, value: &str) -> Entry {
        if !value.trim().is_empty() {
            self.0.text("LOCATION", value, true);
        }
        self
    }

    pub fn url(mut self, value: &str) -> Entry {
        self.0.raw("URL", value);
        self
    }

    /// One category, escaped as one item of the list (a comma does not split it).
    pub fn category(mut self, value: &str) -> Entry {
        if !value.trim().is_empty() {
            self.0.text("CATEGORIES", value, true);
        }
        self
    }

    /// Who sends the invitation (iTIP needs one on every REQUEST and CANCEL). Clients send
    /// replies there; Liaison's sender address is the one people can write to.
    pub fn organizer(mut self, name: &str, email: &str) -> Entry {
        self.0 .0.push(format!("ORGANIZER;CN=\"{}\":mailto:{}", param(name), raw(email)));
        self
    }

    /// The person the invitation is for; no reply is asked for (the meeting is agreed already).
    pub fn attendee(mut self, name: &str, email: &str) -> Entry {
        self.0 .0.push(format!(
            "ATTENDEE;CN=\"{}\";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{}",
            param(name),
            raw(email)
        ));
        self
    }

    pub fn cancelled(mut self, cancelled: bool) -> Entry {
        self.0.raw("STATUS", if cancelled { "CANCELLED" } else { "CONFIRMED" });
        self
    }
}

/// A VCALENDAR: its header properties, then entries.
#[derive(Debug, Clone)]
pub struct Calendar {
    head: Lines,
    entries: Vec<Entry>,
}

impl Calendar {
    /// A calendar with METHOD (`PUBLISH`, `CANCEL`, …) and a display name (NAME and the
    /// X-WR-CALNAME most clients read).
    pub fn new(method: &str, name: &str) -> Calendar {
        let mut head = Lines::default();
        head.raw("VERSION", "2.0");
        head.raw("PRODID", "-//Liaison//Liaison//EN");
        head.raw("CALSCALE", "GREGORIAN");
        head.raw("METHOD", method);
        head.text("NAME", name, true);
        head.text("X-WR-CALNAME", name, true);
        Calendar { head, entries: Vec::new() }
    }

    /// The zone clients show times in (the times themselves are UTC).
    pub fn timezone(&mut self, tz: &str) -> &mut Self {
        self.head.raw("X-WR-TIMEZONE", tz);
        self
    }

    /// How often subscribers should fetch the feed again.
    pub fn refresh_hourly(&mut self) -> &mut Self {
        self.head.0.push("REFRESH-INTERVAL;VALUE=DURATION:PT1H".into());
        self
    }

    pub fn push(&mut self, e: Entry) -> &mut Self {
        self.entries.push(e);
        self
    }

    pub fn render(&self) -> String {
        let mut out = String::from("BEGIN:VCALENDAR\r\n");
        for l in &self.head.0 {
            out.push_str(&fold(l));
        }
        for e in &self.entries {
            out.push_str("BEGIN:VEVENT\r\n");
            for l in &e.0 .0 {
                out.push_str(&fold(l));
            }
            out.push_str("END:VEVENT\r\n");
        }
        out.push_str("END:VCALENDAR\r\n");
        out
    }
}

/// The iTIP method of a mailed calendar (RFC 5546): a new or changed entry is a REQUEST, a
/// removed one a CANCEL. One calendar object carries one method, so a notice with both
/// attaches two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// The address calendars see as the organiser of every invitation: the sender of Liaison's
/// e-mails, set once at start (`LIAISON_MAIL_FROM`).
static ORGANIZER: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

pub fn set_organizer(name: &str, email: &str) {
    let _ = ORGANIZER.set((name.to_string(), email.to_string()));
}

pub fn organizer() -> (String, String) {
    ORGANIZER.get().cloned().unwrap_or_else(|| ("Liaison".into(), "no-reply@liaison.localhost".into()))
}

/// A mailed invitation or cancellation: entries (already carrying ATTENDEE) under one method,
/// as a `text/calendar` attachment whose content type names the method, as iMIP (RFC 6047)
/// asks, so mail clients offer to apply it.
pub fn invitation(method: Method, calendar_name: &str, filename: &str, entries: Vec<Entry>) -> crate::mail::Attachment {
    let (name, email) = organizer();
    let mut cal = Calendar::new(method.as_str(), calendar_name);
    for e in entries {
        let e = e.organizer(&name, &email);
        cal.push(if method == Method::Cancel { e.cancelled(true) } else { e });
    }
    crate::mail::Attachment {
        filename: filename.to_string(),
        content_type: format!("text/calendar; charset=utf-8; method={}", method.as_str()),
        body: cal.render(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use icalendar::{Component, EventLike};

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    fn sample(title: &str) -> String {
        let mut cal = Calendar::new("PUBLISH", title);
        cal.timezone("Europe/Brussels\r\nX-INJECTED:1").refresh_hourly();
        cal.push(
            Entry::new("abc@liaison\nATTACH:x", 2, t("2026-01-01 00:00"))
                .times(t("2026-03-10 08:00"), t("2026-03-10 09:00"))
                .summary(title)
                .description("Line one\nLine two; a, b \\ c")
                .location(title)
                .url("https://x.example/e\r\nX-URL:1")
                .category("Data, Ethics")
                .cancelled(false),
        );
        cal.render()
    }

    fn assert_lines(text: &str) {
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
        for line in text.strip_suffix("\r\n").unwrap_or(text).split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
            assert!(!line.contains(['\r', '\n']), "{line:?}");
            assert!(!line.starts_with("X-INJECTED") && !line.starts_with("ATTACH") && !line.starts_with("X-URL"));
        }
    }

    #[test]
    fn text_is_escaped_and_nothing_can_add_a_property() {
        let title = "Evil\nX-INJECTED:1\r\nATTACH:http://x; a,b\\c\u{2028}d\u{202e}";
        let text = sample(title);
        assert_lines(&text);
        let cal: icalendar::Calendar = text.parse().expect("parses");
        assert_eq!(cal.property_value("X-INJECTED"), None);
        let e = cal.events().next().expect("one event");
        assert_eq!(e.get_summary(), Some("Evil X-INJECTED:1 ATTACH:http://x; a,b\\c d"));
        assert_eq!(e.get_description(), Some("Line one\nLine two; a, b \\ c"));
        assert_eq!(e.get_uid(), Some("abc@liaisonATTACH:x"));
        assert_eq!(e.get_categories(), Some(vec!["Data, Ethics".to_string()]));
        assert_eq!(e.get_sequence(), Some(2));
    }

    #[test]
    fn invitations_carry_method_organizer_and_attendee() {
        let e = Entry::new("m-1@liaison", 3, t("2026-01-01 00:00"))
            .times(t("2026-03-10 08:00"), t("2026-03-10 08:20"))
            .summary("Meeting")
            .attendee("Ana \"A\"\r\nX-BAD:1", "ana@example.org");
        let a = invitation(Method::Cancel, "Meetings", "m.ics", vec![e]);
        assert_eq!(a.content_type, "text/calendar; charset=utf-8; method=CANCEL");
        assert_lines(&a.body);
        let cal: icalendar::Calendar = a.body.parse().expect("parses");
        assert_eq!(cal.property_value("METHOD"), Some("CANCEL"));
        let ev = cal.events().next().expect("one event");
        assert_eq!(ev.get_status(), Some(icalendar::EventStatus::Cancelled));
        assert!(ev.property_value("ORGANIZER").is_some_and(|o| o.starts_with("mailto:")));
        let attendees = ev.multi_properties().get("ATTENDEE").cloned().unwrap_or_default();
        assert_eq!(attendees.iter().map(|p| p.value()).collect::<Vec<_>>(), ["mailto:ana@example.org"]);
        assert!(!a.body.contains("X-BAD:1\r\n"));
    }

    #[test]
    fn long_non_ascii_lines_fold_at_75_octets_on_character_boundaries() {
        for title in
            ["é".repeat(200), "日本語".repeat(70), "x".repeat(74), "😀".repeat(60), format!("a{}", "é".repeat(100))]
        {
            let text = sample(&title);
            assert_lines(&text);
            let cal: icalendar::Calendar = text.parse().expect("parses");
            assert_eq!(cal.events().next().and_then(|e| e.get_summary()), Some(title.as_str()));
        }
        assert_eq!(fold(&"a".repeat(75)), format!("{}\r\n", "a".repeat(75)));
        assert_eq!(fold(&"a".repeat(76)), format!("{}\r\n a\r\n", "a".repeat(75)));
    }
}
