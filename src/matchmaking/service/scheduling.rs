//! Running the scheduler, the participant's schedule, top-match mails, the organiser's
//! dashboard and the personal data export.

use super::*;

/// What "schedule all" did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub kept: usize,
    pub requested_placed: usize,
    pub requested_total: usize,
    pub suggested: usize,
    pub quality: f64,
    pub without_meeting: usize,
}

impl RunSummary {
    pub fn sentence(&self) -> String {
        format!(
            "Kept {} meetings; placed {} of {} accepted requests waiting for a slot; added {} suggested meetings. \
             The schedule is at least {:.1} % of the best possible. {} participants with a possible partner have no meeting.",
            self.kept,
            self.requested_placed,
            self.requested_total,
            self.suggested,
            (self.quality * 1000.0).floor() / 10.0,
            self.without_meeting
        )
    }
}

/// Runs the scheduler: keeps locked meetings and the meetings of accepted requests (people
/// already know their times), places every accepted request still waiting for a slot, and,
/// when the organisers allow it, fills free time with the best suggestions. Earlier suggested
/// meetings that are not locked are replaced.
pub fn schedule_all(c: &mut DbConn, event: &Event, actor: i64) -> Result<Result<RunSummary, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let slot_list = slots(c, event.id)?;
        if slot_list.is_empty() {
            return Ok(Err("Add meeting slots first: the scheduler has no time to fill.".into()));
        }
        // Suggested meetings participants already hold stay; unlocked ones only in the draft
        // are the scheduler's to replace.
        let shown: BTreeSet<(i64, i64)> =
            published::active(c, event.id)?.into_iter().map(|r| (r.a_user, r.b_user)).collect();
        let stale: Vec<i64> = m::table
            .filter(m::event_id.eq(event.id).and(m::origin.eq("suggested")).and(m::locked.eq(false)))
            .select((m::id, m::a_user, m::b_user))
            .load::<(i64, i64, i64)>(c)?
            .into_iter()
            .filter(|(_, a, b)| !shown.contains(&(*a, *b)))
            .map(|(id, _, _)| id)
            .collect();
        for chunk in stale.chunks(500) {
            diesel::delete(seats::table.filter(seats::meeting_id.eq_any(chunk.to_vec()))).execute(c)?;
            diesel::delete(m::table.filter(m::id.eq_any(chunk.to_vec()))).execute(c)?;
        }
        let kept = meetings(c, event.id)?;
        let pool = pool(c, event.id, &s)?;
        let occ = occupancy(c, event.id)?;
        let slot_index: HashMap<i64, u32> = slot_list.iter().enumerate().map(|(i, sl)| (sl.id, i as u32)).collect();
        let key = |u: i64| u.to_string();
        let in_pool: BTreeSet<i64> = pool.people.iter().map(|p| p.user_id).collect();
        let mut ids: BTreeSet<i64> = in_pool.clone();
        for mt in &kept {
            ids.insert(mt.a_user);
            ids.insert(mt.b_user);
        }
        let participants: Vec<engine::Participant> = ids
            .iter()
            .map(|&u| engine::Participant {
                id: key(u),
                max_meetings: occ.cap(&s, u).max(0) as u32,
                available_slots: slot_list
                    .iter()
                    .enumerate()
                    .filter(|(_, sl)| !occ.unavailable.contains(&(sl.id, u)) && !occ.in_session.contains(&(sl.id, u)))
                    .map(|(i, _)| i as u32)
                    .collect(),
            })
            .collect();
        let met: BTreeSet<(i64, i64)> = kept.iter().map(|mt| (mt.a_user, mt.b_user)).collect();
        let waiting: Vec<MeetingRequest> = mr::table
            .filter(mr::event_id.eq(event.id).and(mr::status.eq("accepted")))
            .select(MeetingRequest::as_select())
            .load(c)?
            .into_iter()
            .filter(|q| !met.contains(&ordered(q.from_user, q.to_user)))
            .filter(|q| ids.contains(&q.from_user) && ids.contains(&q.to_user))
            .collect();
        let mut pairs: BTreeMap<(i64, i64), (f64, bool)> = BTreeMap::new();
        if s.allow_suggested {
            for sp in engine::scored_pairs(&pool.profiles, &pool.params, PAIRS_PER_PERSON) {
                let k = ordered(sp.a, sp.b);
                if !met.contains(&k) {
                    pairs.insert(k, (sp.score, false));
                }
            }
        }
        let mut request_of: HashMap<(i64, i64), i64> = HashMap::new();
        for q in &waiting {
            let k = ordered(q.from_user, q.to_user);
            let w = pairs.get(&k).map_or(0.0, |p| p.0);
            pairs.insert(k, (w, true));
            request_of.insert(k, q.id);
        }
        let typical = {
            let mut w: Vec<f64> = pairs.values().map(|p| p.0).filter(|w| *w > 0.0).collect();
            w.sort_by(f64::total_cmp);
            w.get(w.len() / 2).copied().unwrap_or(1.0)
        };
        let inst = engine::Instance {
            slots: slot_list.len() as u32,
            tables_per_slot: s.tables_count as u32,
            fairness_bonus: typical,
            participants,
            pairs: pairs
                .iter()
                .map(|((a, b), (w, req))| engine::PairIn { a: key(*a), b: key(*b), weight: *w, requested: *req })
                .collect(),
            locked: kept
                .iter()
                .filter_map(|mt| {
                    Some(engine::LockedMeeting {
                        a: key(mt.a_user),
                        b: key(mt.b_user),
                        slot: *slot_index.get(&mt.slot_id)?,
                        table: mt.table_no as u32,
                    })
                })
                .collect(),
            // Group meetings and rooms come with the web side of group meetings.
            rooms: Vec::new(),
            groups: Vec::new(),
            locked_groups: Vec::new(),
        };
        let tt = engine::schedule(&inst).map_err(|e| AppError::internal(format!("scheduler: {e}")))?;
        let kept_pairs: BTreeSet<(String, String)> = inst.locked.iter().map(|l| (l.a.clone(), l.b.clone())).collect();
        let mut suggested = 0;
        let mut requested_placed = 0;
        for mtg in &tt.meetings {
            if kept_pairs.contains(&(mtg.a.clone(), mtg.b.clone()))
                || kept_pairs.contains(&(mtg.b.clone(), mtg.a.clone()))
            {
                continue;
            }
            let (Ok(a), Ok(b)) = (mtg.a.parse::<i64>(), mtg.b.parse::<i64>()) else { continue };
            let slot = &slot_list[mtg.slot as usize];
            let k = ordered(a, b);
            let (origin, rid) = match request_of.get(&k) {
                Some(rid) => {
                    requested_placed += 1;
                    ("request", Some(*rid))
                }
                None => {
                    suggested += 1;
                    ("suggested", None)
                }
            };
            insert_meeting(c, event.id, slot.id, mtg.table as i32, a, b, origin, rid, mtg.weight, false)?;
        }
        let summary = RunSummary {
            kept: kept.len(),
            requested_placed,
            requested_total: waiting.len(),
            suggested,
            quality: tt.quality,
            without_meeting: tt.participants_without_meeting,
        };
        diesel::update(ms::table.find(event.id))
            .set((ms::last_run_at.eq(Some(now())), ms::last_run_summary.eq(summary.sentence())))
            .execute(c)?;
        crate::audit::record_event(c, Some(actor), event.id, "matchmaking.scheduled", &summary.sentence())?;
        Ok(Ok(summary))
    })
}

/// One meeting in a person's schedule.
#[derive(Debug, Clone)]
pub struct ScheduleEntry {
    pub meeting: published::PublishedMeeting,
    pub slot: Slot,
    pub partner: Person,
    pub when: String,
}

impl ScheduleEntry {
    pub fn line(&self) -> String {
        let org = if self.partner.organisation.is_empty() {
            String::new()
        } else {
            format!(", {}", self.partner.organisation)
        };
        format!("{}: {}{}", self.when, self.partner.name, org)
    }
}

/// The meetings a person sees now: the published version.
pub fn visible_entries(c: &mut DbConn, event: &Event, user_id: i64) -> Result<Vec<ScheduleEntry>, AppError> {
    published::entries_of(c, event, user_id)
}

/// Mails every matchmaking participant their top five matches. Returns how many e-mails.
pub fn send_top_matches(c: &mut DbConn, base_url: &str, event: &Event, actor: i64) -> Result<usize, AppError> {
    let s = settings(c, event.id)?;
    let pool = pool(c, event.id, &s)?;
    // Nobody is recommended someone they already meet or have a request with (either way).
    let mut params = pool.params.clone();
    params.excluded.extend(
        mr::table
            .filter(mr::event_id.eq(event.id).and(mr::status.eq_any(["pending", "accepted"])))
            .select((mr::from_user, mr::to_user))
            .load::<(i64, i64)>(c)?,
    );
    params
        .excluded
        .extend(m::table.filter(m::event_id.eq(event.id)).select((m::a_user, m::b_user)).load::<(i64, i64)>(c)?);
    params.excluded.extend(
        pm::table.filter(pm::event_id.eq(event.id).and(pm::active.eq(true))).select((pm::a_user, pm::b_user)).load::<(
            i64,
            i64,
        )>(
            c
        )?,
    );
    crate::db::write_transaction(c, |c| {
        let mut sent = 0;
        for (uid, list) in engine::suggest_all(&pool.profiles, &params, 5) {
            let Some(me) = pool.person(uid) else { continue };
            if list.is_empty() {
                continue;
            }
            let lines: Vec<String> = list
                .iter()
                .filter_map(|sg| {
                    let other = pool.person(sg.other)?;
                    let why = reason_words(&pool, me, other, &sg.reasons).into_iter().next().unwrap_or_default();
                    let org = if other.organisation.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", other.organisation)
                    };
                    let strength = Strength::of(sg.score).label().to_lowercase();
                    Some(format!("{}{org}, {strength}: {why}", other.name))
                })
                .collect();
            let (email, name) = contact(c, uid)?;
            crate::mail::enqueue(c, &email, &name, &emails::top_matches(base_url, event, &name, &lines))?;
            sent += 1;
        }
        crate::audit::record_event(
            c,
            Some(actor),
            event.id,
            "matchmaking.top_matches_sent",
            &format!("{sent} people"),
        )?;
        Ok(sent)
    })
}

/// Figures for the organisers' dashboard.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub participants: usize,
    pub requests: Vec<(&'static str, i64)>,
    pub meetings_total: usize,
    pub meetings_by_origin: Vec<(&'static str, usize)>,
    pub sector_pairs: Vec<(String, usize)>,
    pub without_meetings: Vec<Person>,
}

pub fn dashboard(c: &mut DbConn, event_id: i64) -> Result<Dashboard, AppError> {
    let people: Vec<Person> = people(c, event_id)?.into_iter().filter(|p| p.matchmaking).collect();
    let counts: Vec<(String, i64)> = mr::table
        .filter(mr::event_id.eq(event_id))
        .group_by(mr::status)
        .select((mr::status, diesel::dsl::count_star()))
        .load(c)?;
    let count_of = |s: &str| counts.iter().find(|(k, _)| k == s).map_or(0, |(_, n)| *n);
    let requests = vec![
        ("Sent", counts.iter().map(|(_, n)| n).sum()),
        ("Waiting for an answer", count_of("pending")),
        ("Accepted", count_of("accepted")),
        ("Accepted, waiting for a table", waiting_requests(c, event_id)?.len() as i64),
        ("Declined", count_of("declined")),
        ("Expired", count_of("expired")),
        ("Cancelled", count_of("cancelled")),
    ];
    let all = meetings(c, event_id)?;
    let sector: HashMap<i64, &str> = people.iter().map(|p| (p.user_id, p.sector_label())).collect();
    let mut pairs: BTreeMap<String, usize> = BTreeMap::new();
    let mut with: BTreeSet<i64> = BTreeSet::new();
    for mt in &all {
        with.insert(mt.a_user);
        with.insert(mt.b_user);
        let mut two = [
            nonempty(sector.get(&mt.a_user).copied().unwrap_or(""), "Unknown"),
            nonempty(sector.get(&mt.b_user).copied().unwrap_or(""), "Unknown"),
        ];
        two.sort_unstable();
        *pairs.entry(format!("{} ↔ {}", two[0], two[1])).or_default() += 1;
    }
    let mut sector_pairs: Vec<(String, usize)> = pairs.into_iter().collect();
    sector_pairs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let by = |o: &str| all.iter().filter(|mt| mt.origin == o).count();
    Ok(Dashboard {
        participants: people.len(),
        requests,
        meetings_total: all.len(),
        meetings_by_origin: vec![
            ("From requests", by("request")),
            ("Suggested", by("suggested")),
            ("Set by organisers", by("organiser")),
        ],
        sector_pairs,
        without_meetings: people.into_iter().filter(|p| !with.contains(&p.user_id)).collect(),
    })
}

/// A person's matchmaking data for the data export.
pub fn export_for_user(c: &mut DbConn, user_id: i64) -> Result<serde_json::Value, AppError> {
    use serde_json::json;
    let event_ids: Vec<i64> = mp::table.filter(mp::user_id.eq(user_id)).select(mp::event_id).load(c)?;
    let mut events: BTreeSet<i64> = event_ids.into_iter().collect();
    let more: Vec<i64> =
        mr::table.filter(mr::from_user.eq(user_id).or(mr::to_user.eq(user_id))).select(mr::event_id).load(c)?;
    events.extend(more);
    let mut out = Vec::new();
    for event_id in events {
        let Some(event) = crate::events::model::find(c, event_id)? else { continue };
        let p = profile(c, event_id, user_id)?;
        let names: HashMap<i64, String> = topics(c, event_id)?.into_iter().map(|t| (t.id, t.name)).collect();
        let topic_names = |ids: &[i64]| ids.iter().filter_map(|i| names.get(i).cloned()).collect::<Vec<_>>();
        let requests: Vec<serde_json::Value> = requests_of(c, event_id, user_id)?
            .into_iter()
            .map(|q| {
                json!({ "direction": if q.from_user == user_id { "sent" } else { "received" }, "message": q.message,
                        "status": q.status, "created_at": q.created_at, "responded_at": q.responded_at })
            })
            .collect();
        let meetings: Vec<serde_json::Value> = visible_entries(c, &event, user_id)?
            .into_iter()
            .map(|e| json!({ "when": e.when, "partner": e.partner.name, "origin": e.meeting.origin }))
            .collect();
        out.push(json!({
            "event": event.title,
            "max_meetings": p.max_meetings,
            "interests": topic_names(&p.interests),
            "opportunities": p.opportunities.iter().map(|(o, ts)| json!({ "kind": o.kind, "title": o.title, "description": o.description, "topics": topic_names(ts) })).collect::<Vec<_>>(),
            "unavailable_slots": p.unavailable.len(),
            "requests": requests,
            "meetings": meetings,
        }));
    }
    Ok(serde_json::Value::Array(out))
}
