//! The programme for other software: iCalendar feeds (RFC 5545), frab/Pentabarf
//! `schedule.xml` and `schedule.json` (validated in CI against ../shared/schemas), and CSV.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{NaiveDate, TimeZone};
use serde_json::json;

use super::model::{Programme, Session};
use crate::events::model::Event;
use crate::ical::{Calendar, Entry};

pub fn session_url(base_url: &str, event: &Event, s: &Session) -> String {
    format!("{base_url}/events/{}/sessions/{}", event.slug, s.id)
}

/// The name of a person's calendar of their agenda, in the feed and in programme notices.
pub fn personal_calendar_name(event: &Event) -> String {
    format!("{} — my agenda", event.title)
}

/// One VEVENT per session, without STATUS (the caller says whether it takes place). UID from
/// the session's guid, SEQUENCE from its change counter, DTSTAMP from its last change (so an
/// unchanged feed is byte-for-byte the same). The feeds and the mailed invitations both build
/// their entries here, so they agree on UID and SEQUENCE.
pub fn session_entry(base_url: &str, event: &Event, p: &Programme, s: &Session) -> Entry {
    let speakers = p.speaker_line(s.id);
    let mut description = String::new();
    if !speakers.is_empty() {
        let _ = writeln!(description, "{speakers}\n");
    }
    if !s.abstract_text.is_empty() {
        let _ = writeln!(description, "{}\n", s.abstract_text);
    }
    description.push_str(&session_url(base_url, event, s));
    let room = p.room_name(s.room_id);
    let location = match (room.is_empty(), event.venue.is_empty()) {
        (false, false) => format!("{room}, {}", event.venue),
        (false, true) => room.to_string(),
        _ => event.venue.clone(),
    };
    Entry::new(&format!("{}@liaison", s.guid), i64::from(s.sequence), s.updated_at)
        .summary(&s.title)
        .times(s.starts_at, s.ends_at)
        .description(&description)
        .url(&session_url(base_url, event, s))
        .location(&location)
        .category(p.track_name(s.track_id))
}

/// The public programme, or (with `only`) a person's chosen sessions; `extra` adds further
/// entries such as meetings.
pub fn calendar(
    base_url: &str,
    event: &Event,
    p: &Programme,
    name: &str,
    only: Option<&[i64]>,
    extra: Vec<Entry>,
) -> String {
    let mut cal = Calendar::new("PUBLISH", name);
    cal.timezone(&event.timezone).refresh_hourly();
    for s in &p.sessions {
        if only.is_none_or(|ids| ids.contains(&s.id)) {
            cal.push(session_entry(base_url, event, p, s).cancelled(s.is_cancelled()));
        }
    }
    for e in extra {
        cal.push(e);
    }
    cal.render()
}

// ---------- frab ----------

/// frab's acronym allows no hyphens in its main part.
fn acronym(event: &Event) -> String {
    let a: String = event.slug.chars().map(|c| if c == '-' { '_' } else { c }).collect();
    if a.len() < 4 {
        format!("{a}_event")
    } else {
        a
    }
}

fn session_slug(event: &Event, s: &Session) -> String {
    let title = crate::events::model::slugify(&s.title);
    let title = if title.is_empty() { "session".to_string() } else { title };
    format!("{}-{}-{title}", acronym(event), s.id)
}

fn duration(s: &Session) -> String {
    let m = s.minutes().max(0);
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn room_guid(base_url: &str, event: &Event, room: &str) -> String {
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("{base_url}/events/{}/rooms/{room}", event.slug).as_bytes())
        .to_string()
}

/// Room name used in exports for sessions without a room.
fn room_label<'a>(event: &'a Event, p: &'a Programme, s: &Session) -> &'a str {
    match p.room_name(s.room_id) {
        "" if event.venue.is_empty() => "Main venue",
        "" => &event.venue,
        r => r,
    }
}

/// Scheduled sessions grouped by local day and room, in time order.
fn by_day<'a>(event: &Event, p: &'a Programme) -> BTreeMap<NaiveDate, BTreeMap<String, Vec<&'a Session>>> {
    let mut days: BTreeMap<NaiveDate, BTreeMap<String, Vec<&Session>>> = BTreeMap::new();
    // Every day of the event appears, even without sessions; at most EVENT_DAYS_MAX + 1 of
    // them, so a range stored before events were bounded cannot make the export unbounded.
    let (first, last) = (event.local(event.starts_at).date_naive(), event.local(event.ends_at).date_naive());
    let mut d = first;
    for _ in 0..=crate::events::model::EVENT_DAYS_MAX {
        days.entry(d).or_default();
        match d.succ_opt() {
            Some(next) if next <= last => d = next,
            _ => break,
        }
    }
    for s in p.sessions.iter().filter(|s| !s.is_cancelled()) {
        let day = event.local(s.starts_at).date_naive();
        days.entry(day).or_default().entry(room_label(event, p, s).to_string()).or_default().push(s);
    }
    days
}

fn day_bounds(event: &Event, day: NaiveDate) -> (String, String) {
    let tz = event.tz();
    let start = day.and_hms_opt(0, 0, 0).and_then(|t| tz.from_local_datetime(&t).earliest());
    let end = day.and_hms_opt(23, 59, 59).and_then(|t| tz.from_local_datetime(&t).latest());
    match (start, end) {
        (Some(s), Some(e)) => (s.to_rfc3339(), e.to_rfc3339()),
        _ => (format!("{day}T00:00:00Z"), format!("{day}T23:59:59Z")),
    }
}

/// A version string that changes whenever the programme does.
fn version(p: &Programme) -> String {
    let newest = p.sessions.iter().map(|s| s.updated_at).max();
    let changes: i64 = p.sessions.iter().map(|s| i64::from(s.sequence) + 1).sum();
    match newest {
        Some(t) => format!("{}.{changes}", t.format("%Y-%m-%d %H:%M:%S")),
        None => "empty".into(),
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if ((c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t')) || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

pub fn schedule_xml(base_url: &str, event: &Event, p: &Programme) -> String {
    let mut x = String::with_capacity(4096 + p.sessions.len() * 1024);
    let ev_url = format!("{base_url}/events/{}", event.slug);
    let _ = writeln!(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    let _ = writeln!(x, "<schedule>");
    let _ = writeln!(x, "  <generator name=\"Liaison\" version=\"{}\"/>", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(x, "  <url>{}</url>", xml_escape(&format!("{ev_url}/schedule.xml")));
    let _ = writeln!(x, "  <version>{}</version>", xml_escape(&version(p)));
    let _ = writeln!(x, "  <conference>");
    let _ = writeln!(x, "    <title>{}</title>", xml_escape(&event.title));
    let _ = writeln!(x, "    <acronym>{}</acronym>", acronym(event));
    let _ = writeln!(x, "    <start>{}</start>", event.local(event.starts_at).to_rfc3339());
    let _ = writeln!(x, "    <end>{}</end>", event.local(event.ends_at).to_rfc3339());
    let days = by_day(event, p);
    let _ = writeln!(x, "    <days>{}</days>", days.len());
    let _ = writeln!(x, "    <timeslot_duration>00:15</timeslot_duration>");
    let _ = writeln!(x, "    <base_url>{}</base_url>", xml_escape(&format!("{base_url}/")));
    let _ = writeln!(x, "    <url>{}</url>", xml_escape(&ev_url));
    let _ = writeln!(x, "    <time_zone_name>{}</time_zone_name>", xml_escape(&event.timezone));
    for t in &p.tracks {
        let _ = writeln!(
            x,
            "    <track name=\"{}\" color=\"{}\" slug=\"{}\"/>",
            xml_escape(&t.name),
            xml_escape(&t.colour),
            xml_escape(&frab_track_slug(&t.slug()))
        );
    }
    let _ = writeln!(x, "  </conference>");
    for (i, (day, rooms)) in days.iter().enumerate() {
        let (start, end) = day_bounds(event, *day);
        let _ = writeln!(x, "  <day index=\"{}\" date=\"{day}\" start=\"{start}\" end=\"{end}\">", i + 1);
        for (room, sessions) in rooms {
            let _ =
                writeln!(x, "    <room name=\"{}\" guid=\"{}\">", xml_escape(room), room_guid(base_url, event, room));
            for s in sessions {
                let local = event.local(s.starts_at);
                let _ = writeln!(x, "      <event id=\"{}\" guid=\"{}\">", s.id, xml_escape(&s.guid));
                let _ = writeln!(x, "        <room>{}</room>", xml_escape(room));
                let _ = writeln!(x, "        <title>{}</title>", xml_escape(&s.title));
                let _ = writeln!(x, "        <subtitle></subtitle>");
                let _ = writeln!(x, "        <type>{}</type>", xml_escape(&s.kind));
                let _ = writeln!(x, "        <date>{}</date>", local.to_rfc3339());
                let _ = writeln!(x, "        <start>{}</start>", local.format("%H:%M"));
                let _ = writeln!(x, "        <duration>{}</duration>", duration(s));
                let _ = writeln!(x, "        <abstract>{}</abstract>", xml_escape(&s.abstract_text));
                let _ = writeln!(x, "        <slug>{}</slug>", xml_escape(&session_slug(event, s)));
                let _ = writeln!(x, "        <track>{}</track>", xml_escape(p.track_name(s.track_id)));
                let _ = writeln!(x, "        <language>en</language>");
                let _ = writeln!(x, "        <description></description>");
                let _ = writeln!(x, "        <persons>");
                for sp in p.speakers_of(s.id) {
                    let _ = writeln!(x, "          <person id=\"{}\">{}</person>", sp.id, xml_escape(&sp.name));
                }
                let _ = writeln!(x, "        </persons>");
                let _ = writeln!(x, "        <links></links>");
                let _ = writeln!(x, "        <url>{}</url>", xml_escape(&session_url(base_url, event, s)));
                let _ = writeln!(x, "      </event>");
            }
            let _ = writeln!(x, "    </room>");
        }
        let _ = writeln!(x, "  </day>");
    }
    let _ = writeln!(x, "</schedule>");
    x
}

/// Track slugs in frab must start with a letter.
fn frab_track_slug(slug: &str) -> String {
    if slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug.to_string()
    } else {
        format!("t-{slug}")
    }
}

pub fn schedule_json(base_url: &str, event: &Event, p: &Programme) -> serde_json::Value {
    let ev_url = format!("{base_url}/events/{}", event.slug);
    let days = by_day(event, p);
    let room_names: Vec<String> = {
        let mut names: Vec<String> = p.rooms.iter().map(|r| r.name.clone()).collect();
        for s in &p.sessions {
            let r = room_label(event, p, s).to_string();
            if !names.contains(&r) {
                names.push(r);
            }
        }
        names
    };
    let rooms: Vec<serde_json::Value> = room_names
        .iter()
        .map(|name| {
            let capacity = p.rooms.iter().find(|r| &r.name == name).and_then(|r| r.capacity);
            json!({ "name": name, "guid": room_guid(base_url, event, name), "capacity": capacity })
        })
        .collect();
    let days_json: Vec<serde_json::Value> = days
        .iter()
        .enumerate()
        .map(|(i, (day, rooms))| {
            let (start, end) = day_bounds(event, *day);
            let rooms: serde_json::Map<String, serde_json::Value> = rooms
                .iter()
                .map(|(room, sessions)| {
                    let list: Vec<serde_json::Value> = sessions
                        .iter()
                        .map(|s| {
                            let local = event.local(s.starts_at);
                            let track = p.track_name(s.track_id);
                            json!({
                                "guid": s.guid,
                                "id": s.id,
                                "date": local.to_rfc3339(),
                                "start": local.format("%H:%M").to_string(),
                                "duration": duration(s),
                                "room": room,
                                "slug": session_slug(event, s),
                                "url": session_url(base_url, event, s),
                                "title": s.title,
                                "subtitle": null,
                                "track": if track.is_empty() { serde_json::Value::Null } else { json!(track) },
                                "type": s.kind,
                                "language": "en",
                                "abstract": s.abstract_text,
                                "description": null,
                                "persons": p.speakers_of(s.id).iter().map(|sp| {
                                    let mut person = json!({ "name": sp.name });
                                    if !sp.affiliation.is_empty() {
                                        person["biography"] = json!(sp.affiliation);
                                    }
                                    person
                                }).collect::<Vec<_>>(),
                                "links": [],
                            })
                        })
                        .collect();
                    (room.clone(), json!(list))
                })
                .collect();
            json!({ "index": i + 1, "date": day.to_string(), "day_start": start, "day_end": end, "rooms": rooms })
        })
        .collect();
    json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": { "name": "Liaison", "version": env!("CARGO_PKG_VERSION") },
        "schedule": {
            "version": version(p),
            "base_url": format!("{base_url}/"),
            "conference": {
                "acronym": acronym(event),
                "title": event.title,
                "start": event.local(event.starts_at).date_naive().to_string(),
                "end": event.local(event.ends_at).date_naive().to_string(),
                "daysCount": days.len(),
                "timeslot_duration": "00:15",
                "time_zone_name": event.timezone,
                "url": ev_url,
                "tracks": p.tracks.iter().map(|t| json!({ "name": t.name, "slug": t.slug(), "color": t.colour })).collect::<Vec<_>>(),
                "rooms": rooms,
                "days": days_json,
            }
        }
    })
}

/// The programme as CSV for organisers (one row per session, times in the event's zone).
pub fn programme_csv(event: &Event, p: &Programme, signups: &[(i64, i64)]) -> Result<Vec<u8>, csv::Error> {
    let header: Vec<String> = [
        "Day",
        "Start",
        "End",
        "Title",
        "Kind",
        "Room",
        "Track",
        "Speakers",
        "Capacity",
        "Sign-up required",
        "Chosen by",
        "Status",
        "Abstract",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let rows: Vec<Vec<String>> = p
        .sessions
        .iter()
        .map(|s| {
            let (st, en) = (event.local(s.starts_at), event.local(s.ends_at));
            vec![
                st.format("%Y-%m-%d").to_string(),
                st.format("%H:%M").to_string(),
                en.format("%H:%M").to_string(),
                s.title.clone(),
                s.kind_label().to_string(),
                p.room_name(s.room_id).to_string(),
                p.track_name(s.track_id).to_string(),
                p.speaker_line(s.id),
                s.capacity.map(|c| c.to_string()).unwrap_or_default(),
                if s.signup_required { "yes" } else { "no" }.to_string(),
                signups.iter().find(|(id, _)| *id == s.id).map(|(_, n)| n.to_string()).unwrap_or_else(|| "0".into()),
                if s.is_cancelled() { "cancelled" } else { "scheduled" }.to_string(),
                s.abstract_text.clone(),
            ]
        })
        .collect();
    crate::events::csv::write(&header, &rows)
}
