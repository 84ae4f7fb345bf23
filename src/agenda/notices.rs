//! What a programme notice says: the difference between what a person last received about a
//! session (its time, room and whether it takes place) and what is true now, in words and in
//! the event's time zone. Pure: no database, no mail.

use chrono::NaiveDateTime;

use super::model::Session;
use crate::events::model::Event;

/// A session as a person holds it: when, where, and whether it takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    /// The room's name ("" for none): people were told a name, and a renamed room is news.
    pub room: String,
    pub cancelled: bool,
}

impl Held {
    pub fn of(s: &Session, room: &str) -> Held {
        Held { starts_at: s.starts_at, ends_at: s.ends_at, room: room.to_string(), cancelled: s.is_cancelled() }
    }

    /// Whether a person holding `self` needs to hear about `now`. Where and when a cancelled
    /// session would have been is no news to anyone.
    fn same_for_person(&self, now: &Held) -> bool {
        (self.cancelled && now.cancelled) || self == now
    }
}

/// The net change to one session for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    Moved {
        from: Held,
        to: Held,
    },
    /// `was`: what the person held, when known.
    Cancelled {
        was: Option<Held>,
        now: Held,
    },
    Restored {
        now: Held,
    },
    /// What the person held is not known (a change queued before notices were net changes):
    /// they get the session's time and place as it is now.
    Now {
        now: Held,
    },
}

impl News {
    pub fn is_cancellation(&self) -> bool {
        matches!(self, News::Cancelled { .. })
    }

    /// One sentence for the notice.
    pub fn line(&self, event: &Event, title: &str) -> String {
        match self {
            News::Moved { from, to } => {
                format!("\"{title}\" moves from {} to {}.", place_and_time(event, from), place_and_time(event, to))
            }
            News::Cancelled { was, now } => {
                format!("\"{title}\" ({}) is cancelled.", place_and_time(event, was.as_ref().unwrap_or(now)))
            }
            News::Restored { now } => {
                format!("\"{title}\" takes place again, on {}.", place_and_time(event, now))
            }
            News::Now { now } => {
                format!("\"{title}\" has changed: it now takes place on {}.", place_and_time(event, now))
            }
        }
    }
}

/// What `held` (None: not known) misses of `now`; None when nothing.
pub fn news(held: Option<&Held>, now: &Held) -> Option<News> {
    let Some(held) = held else {
        return Some(if now.cancelled {
            News::Cancelled { was: None, now: now.clone() }
        } else {
            News::Now { now: now.clone() }
        });
    };
    if held.same_for_person(now) {
        return None;
    }
    Some(match (held.cancelled, now.cancelled) {
        (false, true) => News::Cancelled { was: Some(held.clone()), now: now.clone() },
        (true, false) => News::Restored { now: now.clone() },
        _ => News::Moved { from: held.clone(), to: now.clone() },
    })
}

/// "Wed 10 Jun 10:00–11:00", in the event's zone; the end gets its own day when it differs.
pub fn span(event: &Event, starts_at: NaiveDateTime, ends_at: NaiveDateTime) -> String {
    let (s, e) = (event.local(starts_at), event.local(ends_at));
    let end = if s.date_naive() == e.date_naive() { e.format("%H:%M") } else { e.format("%a %-d %b %H:%M") };
    format!("{}–{end}", s.format("%a %-d %b %H:%M"))
}

/// "Wed 10 Jun 10:00–11:00 in Room A" (or "…, no room set").
pub fn place_and_time(event: &Event, h: &Held) -> String {
    let when = span(event, h.starts_at, h.ends_at);
    if h.room.is_empty() {
        format!("{when}, no room set")
    } else {
        format!("{when} in {}", h.room)
    }
}

/// The activity-log words for a saved session: "moved "Biomarkers" from … to …", "renamed
/// "A" to "B"", or "edited "Biomarkers"" when neither time, room nor title changed.
pub fn edit_words(event: &Event, old_title: &str, new_title: &str, before: &Held, after: &Held) -> String {
    let mut parts = Vec::new();
    if before.starts_at != after.starts_at || before.ends_at != after.ends_at || before.room != after.room {
        parts.push(format!(
            "moved \"{new_title}\" from {} to {}",
            place_and_time(event, before),
            place_and_time(event, after)
        ));
    }
    if old_title != new_title {
        parts.push(format!("renamed \"{old_title}\" to \"{new_title}\""));
    }
    if parts.is_empty() {
        format!("edited \"{new_title}\"")
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::model::tests_support::event;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time")
    }

    /// Times in UTC; the event is in Brussels (CET, UTC+1, in March 2026).
    fn held(start: &str, end: &str, room: &str, cancelled: bool) -> Held {
        Held { starts_at: t(start), ends_at: t(end), room: room.into(), cancelled }
    }

    #[test]
    fn nothing_new_is_no_news() {
        let a = held("2026-03-10 09:00", "2026-03-10 10:00", "Room A", false);
        assert_eq!(news(Some(&a), &a), None);
        // A cancelled session moved while cancelled: still just cancelled.
        let c1 = held("2026-03-10 09:00", "2026-03-10 10:00", "Room A", true);
        let c2 = held("2026-03-10 11:00", "2026-03-10 12:00", "Room B", true);
        assert_eq!(news(Some(&c1), &c2), None);
    }

    #[test]
    fn a_move_names_the_old_and_the_new_place_in_the_event_zone() {
        let e = event();
        let a = held("2026-03-10 09:00", "2026-03-10 10:00", "Room A", false);
        let b = held("2026-03-10 10:30", "2026-03-10 11:30", "Room B", false);
        let n = news(Some(&a), &b).expect("news");
        assert_eq!(
            n.line(&e, "Biomarkers"),
            "\"Biomarkers\" moves from Tue 10 Mar 10:00–11:00 in Room A to Tue 10 Mar 11:30–12:30 in Room B."
        );
        assert!(!n.is_cancellation());
    }

    #[test]
    fn cancellation_restoration_and_unknown() {
        let e = event();
        let a = held("2026-03-10 09:00", "2026-03-10 10:00", "Room A", false);
        let gone = Held { cancelled: true, ..a.clone() };
        let n = news(Some(&a), &gone).expect("news");
        assert!(n.is_cancellation());
        assert_eq!(n.line(&e, "X"), "\"X\" (Tue 10 Mar 10:00–11:00 in Room A) is cancelled.");
        let back = held("2026-03-11 09:00", "2026-03-11 10:00", "", false);
        assert_eq!(
            news(Some(&gone), &back).expect("news").line(&e, "X"),
            "\"X\" takes place again, on Wed 11 Mar 10:00–11:00, no room set."
        );
        assert_eq!(
            news(None, &a).expect("news").line(&e, "X"),
            "\"X\" has changed: it now takes place on Tue 10 Mar 10:00–11:00 in Room A."
        );
        assert!(news(None, &gone).expect("news").is_cancellation());
    }

    #[test]
    fn spans_over_midnight_name_both_days() {
        let e = event();
        assert_eq!(span(&e, t("2026-03-10 22:00"), t("2026-03-11 00:30")), "Tue 10 Mar 23:00–Wed 11 Mar 01:30");
    }

    #[test]
    fn edit_words_say_what_changed() {
        let e = event();
        let a = held("2026-03-10 09:00", "2026-03-10 10:00", "Room A", false);
        let b = held("2026-03-10 10:30", "2026-03-10 11:30", "Room B", false);
        assert_eq!(
            edit_words(&e, "Biomarkers", "Biomarkers", &a, &b),
            "moved \"Biomarkers\" from Tue 10 Mar 10:00–11:00 in Room A to Tue 10 Mar 11:30–12:30 in Room B"
        );
        assert_eq!(edit_words(&e, "Old", "New", &a, &a), "renamed \"Old\" to \"New\"");
        assert_eq!(edit_words(&e, "Same", "Same", &a, &a), "edited \"Same\"");
    }
}
