//! A calendar as a person's calendar application would hold it: built by applying, in order,
//! every iTIP message (RFC 5546) they were mailed, parsed by the `icalendar` crate. It is how
//! the tests check that updates replace entries (same UID, higher SEQUENCE) instead of adding
//! second ones, that cancellations remove them, and that the subscribed feed agrees.

#![allow(dead_code)] // used by the change tests as they land

use std::collections::BTreeMap;

use icalendar::{Component, EventLike};

use crate::support::Mail;

/// One entry as a calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub summary: String,
    pub starts: String,
    pub ends: String,
    pub location: String,
}

/// What one VEVENT of a mailed calendar says.
#[derive(Debug, Clone)]
pub struct Item {
    pub method: String,
    pub uid: String,
    pub sequence: u32,
    pub shown: Shown,
    pub cancelled: bool,
}

fn prop(e: &icalendar::Event, name: &str) -> String {
    e.property_value(name).unwrap_or_default().to_string()
}

/// Every VEVENT of an iCalendar text, with the calendar's METHOD (PUBLISH for a feed).
pub fn items(text: &str) -> Vec<Item> {
    let cal: icalendar::Calendar = text.parse().unwrap_or_else(|e| panic!("calendar parses: {e}\n{text}"));
    let method = cal.property_value("METHOD").unwrap_or("PUBLISH").to_string();
    cal.events()
        .map(|e| Item {
            method: method.clone(),
            uid: e.get_uid().expect("every entry has a UID").to_string(),
            sequence: e.get_sequence().unwrap_or(0),
            shown: Shown {
                summary: e.get_summary().unwrap_or_default().to_string(),
                starts: prop(e, "DTSTART"),
                ends: prop(e, "DTEND"),
                location: e.get_location().unwrap_or_default().to_string(),
            },
            cancelled: e.get_status() == Some(icalendar::EventStatus::Cancelled),
        })
        .collect()
}

/// Every `text/calendar` attachment of a mail, in order.
pub fn calendars_of(mail: &Mail) -> Vec<String> {
    fn walk(p: &mailparse::ParsedMail, out: &mut Vec<String>) {
        if p.subparts.is_empty() {
            if p.ctype.mimetype == "text/calendar" {
                out.push(p.get_body().expect("calendar part decodes"));
            }
            return;
        }
        for s in &p.subparts {
            walk(s, out);
        }
    }
    let mut out = Vec::new();
    walk(&mailparse::parse_mail(mail.raw.as_bytes()).expect("mail parses"), &mut out);
    out
}

/// A calendar application's state: UID → (SEQUENCE, entry).
#[derive(Debug, Default, Clone)]
pub struct Replica {
    pub entries: BTreeMap<String, (u32, Shown)>,
    /// Messages a client would ignore: an update whose SEQUENCE is lower than what it holds.
    pub stale: Vec<String>,
}

impl Replica {
    /// Applies every calendar of every mail, in the order given (the order they were sent).
    pub fn from_mails(mails: &[Mail]) -> Replica {
        let mut r = Replica::default();
        for m in mails {
            for cal in calendars_of(m) {
                r.apply(&cal);
            }
        }
        r
    }

    /// Applies one mailed iCalendar object. A REQUEST adds or replaces (when its SEQUENCE is
    /// not lower than the one held), a CANCEL removes.
    pub fn apply(&mut self, text: &str) {
        for it in items(text) {
            let held = self.entries.get(&it.uid).map(|(s, _)| *s);
            if held.is_some_and(|s| it.sequence < s) {
                self.stale.push(format!("{} {} seq {} < {:?}", it.method, it.uid, it.sequence, held));
                continue;
            }
            match it.method.as_str() {
                "CANCEL" => {
                    self.entries.remove(&it.uid);
                }
                "REQUEST" | "PUBLISH" if !it.cancelled => {
                    self.entries.insert(it.uid, (it.sequence, it.shown));
                }
                "REQUEST" | "PUBLISH" => {
                    self.entries.remove(&it.uid);
                }
                other => panic!("unexpected METHOD {other}"),
            }
        }
    }

    /// The entries of a subscribed feed (PUBLISH), cancelled ones left out.
    pub fn from_feed(text: &str) -> Replica {
        let mut r = Replica::default();
        for it in items(text).into_iter().filter(|i| !i.cancelled) {
            r.entries.insert(it.uid, (it.sequence, it.shown));
        }
        r
    }

    /// Only the entries whose UID starts with `prefix` (e.g. "meeting-").
    pub fn only(&self, prefix: &str) -> BTreeMap<String, (u32, Shown)> {
        self.entries.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}
