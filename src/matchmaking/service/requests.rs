//! Meeting requests: asking, the state of a pair, answering, cancelling, expiry and digests.

use super::*;

// ---------- requests ----------

pub fn find_request(c: &mut DbConn, event_id: i64, id: i64) -> Result<Option<MeetingRequest>, AppError> {
    Ok(mr::table
        .filter(mr::id.eq(id).and(mr::event_id.eq(event_id)))
        .select(MeetingRequest::as_select())
        .first(c)
        .optional()?)
}

/// Requests a person sent or received at an event, newest first.
pub fn requests_of(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Vec<MeetingRequest>, AppError> {
    // Two index searches: `from OR to` makes SQLite read every request of the event.
    let mut all: Vec<MeetingRequest> = mr::table
        .filter(mr::event_id.eq(event_id).and(mr::from_user.eq(user_id)))
        .select(MeetingRequest::as_select())
        .load(c)?;
    all.extend(
        mr::table
            .filter(mr::event_id.eq(event_id).and(mr::to_user.eq(user_id)).and(mr::from_user.ne(user_id)))
            .select(MeetingRequest::as_select())
            .load::<MeetingRequest>(c)?,
    );
    all.sort_by_key(|q| std::cmp::Reverse(q.id));
    Ok(all)
}

/// Sends a meeting request; refusals come back as a message for the person.
pub fn request_meeting(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    from: i64,
    to: i64,
    message: &str,
) -> Result<Result<i64, String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let t0 = now();
        if let Some(msg) = s.booking_problem(event, t0) {
            return Ok(Err(msg));
        }
        if from == to {
            return Ok(Err("You cannot request a meeting with yourself.".into()));
        }
        let me = find_person(c, event.id, from)?.filter(|p| p.matchmaking);
        let Some(me) = me else {
            return Ok(Err(
                "Only confirmed participants who take part in matchmaking can request meetings. Turn it on in your registration."
                    .into(),
            ));
        };
        let Some(other) = find_person(c, event.id, to)?.filter(|p| p.matchmaking) else {
            return Err(AppError::NotFound);
        };
        if !s.allow_same_organisation && same_org(&me, &other) {
            return Ok(Err("Meetings within your own organisation are not part of this event's matchmaking.".into()));
        }
        let open: Vec<MeetingRequest> = mr::table
            .filter(mr::event_id.eq(event.id).and(mr::status.eq_any(["pending", "accepted"])))
            .filter(mr::from_user.eq(from).and(mr::to_user.eq(to)).or(mr::from_user.eq(to).and(mr::to_user.eq(from))))
            .select(MeetingRequest::as_select())
            .load(c)?;
        if let Some(rq) = open.first() {
            return Ok(Err(match (rq.status.as_str(), rq.from_user == from) {
                ("pending", true) => {
                    format!("You have already asked {} for a meeting; they have not answered yet.", other.name)
                }
                ("pending", false) => {
                    format!("{} has already asked you for a meeting: accept their request below.", other.name)
                }
                _ => format!("You and {} already have a meeting.", other.name),
            }));
        }
        let (a, b) = ordered(from, to);
        let met: i64 = m::table
            .filter(m::event_id.eq(event.id).and(m::a_user.eq(a)).and(m::b_user.eq(b)))
            .count()
            .get_result(c)?;
        if met > 0 || published::find_pair(c, event.id, a, b)?.is_some_and(|r| r.active) {
            return Ok(Err(format!("You and {} already have a meeting.", other.name)));
        }
        let occ = occupancy(c, event.id)?;
        if occ.at_cap(&s, from) {
            return Ok(Err(format!(
                "You already have {} meetings, the most you take. Raise your limit on your matchmaking profile{} or cancel a meeting first.",
                occ.cap(&s, from),
                if occ.cap(&s, from) < s.max_meetings { format!(" (up to {})", s.max_meetings) } else { String::new() }
            )));
        }
        if occ.at_cap(&s, to) {
            return Ok(Err(format!("{} already has as many meetings as they take.", other.name)));
        }
        let id: i64 = diesel::insert_into(mr::table)
            .values((
                mr::event_id.eq(event.id),
                mr::from_user.eq(from),
                mr::to_user.eq(to),
                mr::message.eq(message),
                mr::status.eq("pending"),
                mr::created_at.eq(t0),
                mr::expires_at.eq(t0 + s.request_ttl()),
            ))
            .returning(mr::id)
            .get_result(c)?;
        let (email, name) = contact(c, to)?;
        let mail = emails::request_received(base_url, event, &name, &me, message, id, t0 + s.request_ttl());
        crate::mail::enqueue(c, &email, &name, &mail)?;
        Ok(Ok(id))
    })
}

/// Where `me` stands with each of `others`, by user id: a meeting, a request either way, or
/// whether a request may be sent, with the rules of `request_meeting` in its order, so that the
/// pages offer the button only when sending would succeed. A fixed number of queries however
/// many people are listed.
pub fn pair_states(
    c: &mut DbConn,
    event: &Event,
    s: &Settings,
    me: &Person,
    others: &[&Person],
    loads: &Loads,
) -> Result<HashMap<i64, PairState>, AppError> {
    let uid = me.user_id;
    let short = |t: NaiveDateTime| event.local(t).format("%a %-d %b, %H:%M").to_string();
    // Newest first, so the first request of a pair is its latest.
    let requests = requests_of(c, event.id, uid)?;
    // The viewer's own meetings are read now; the others' counts and caps come from the
    // event's snapshot (see `loads`): one index search for the viewer, none per listed person.
    let drafted = draft_pairs_of(c, event.id, &[uid])?;
    let published: HashMap<i64, published::PublishedMeeting> = published::rows_of(c, event.id, uid)?
        .into_iter()
        .filter(|row| row.active)
        .map(|row| (row.partner_of(uid), row))
        .collect();
    let mine = {
        let mut partners: BTreeSet<i64> = drafted.iter().map(|&(a, b)| if a == uid { b } else { a }).collect();
        partners.extend(published.values().filter(|row| row.slot_id.is_some()).map(|row| row.partner_of(uid)));
        partners.len() as i32
    };
    let my_cap: Option<i32> = mp::table
        .filter(mp::event_id.eq(event.id).and(mp::user_id.eq(uid)))
        .select(mp::max_meetings)
        .first::<Option<i32>>(c)
        .optional()?
        .flatten();
    let limit = |own: Option<i32>| own.map_or(s.max_meetings, |n| n.min(s.max_meetings));
    let cap = |u: i64| if u == uid { limit(my_cap) } else { limit(loads.own_cap(u)) };
    let at_cap = |u: i64| if u == uid { mine >= cap(uid) } else { loads.count(u) >= cap(u) };
    let booking = s.booking_problem(event, now());
    let mut out = HashMap::new();
    for other in others {
        let o = other.user_id;
        let between: Vec<&MeetingRequest> = requests
            .iter()
            .filter(|q| (q.from_user == o && q.to_user == uid) || (q.from_user == uid && q.to_user == o))
            .collect();
        let open = between.iter().find(|q| q.status == "pending" || q.status == "accepted");
        let state = if let Some(row) = published.get(&o) {
            PairState::Meet { when: published::when_label(event, row.starts_at, row.ends_at, row.table_no) }
        } else if let Some(q) = open {
            match (q.status.as_str(), q.from_user == uid) {
                ("pending", true) => PairState::Asked { request_id: q.id, on: short(q.created_at) },
                ("pending", false) => PairState::AskedBy { request_id: q.id },
                _ if drafted.contains(&ordered(uid, o)) => PairState::Planned,
                _ => PairState::Waiting { request_id: q.id },
            }
        } else if drafted.contains(&ordered(uid, o)) {
            PairState::Planned
        } else if let Some(why) = booking.clone() {
            PairState::Cannot(why)
        } else if o == uid {
            PairState::Cannot("This is you.".into())
        } else if !me.matchmaking {
            PairState::Cannot("Turn on matchmaking in your profile to request meetings.".into())
        } else if !other.matchmaking {
            PairState::Cannot(format!("{} does not take part in matchmaking.", other.name))
        } else if !s.allow_same_organisation && same_org(me, other) {
            PairState::Cannot("Meetings within your own organisation are not part of this event's matchmaking.".into())
        } else if at_cap(uid) {
            PairState::AtMyLimit(format!(
                "You are at your limit of {} meeting{}: raise it on your profile{} or cancel a meeting to ask for another.",
                cap(uid),
                if cap(uid) == 1 { "" } else { "s" },
                if cap(uid) < s.max_meetings { format!(" (up to {})", s.max_meetings) } else { String::new() }
            ))
        } else if at_cap(o) {
            PairState::Cannot(format!("{} already has as many meetings as they take.", other.name))
        } else {
            let mine = between.iter().find(|q| q.from_user == uid);
            let declined_on =
                mine.filter(|q| q.status == "declined").map(|q| short(q.responded_at.unwrap_or(q.created_at)));
            PairState::CanAsk { declined_on }
        };
        out.insert(o, state);
    }
    Ok(out)
}

/// The draft's pairs that include any of `users`, one index search per side: `a_user IN … OR
/// b_user IN …` makes SQLite read every meeting of the event (measured: 20× slower pages on the
/// 5,000-person event).
fn draft_pairs_of(c: &mut DbConn, event_id: i64, users: &[i64]) -> Result<BTreeSet<(i64, i64)>, AppError> {
    let draft = m::table.filter(m::event_id.eq(event_id));
    let mut pairs: BTreeSet<(i64, i64)> = draft
        .filter(m::a_user.eq_any(users))
        .select((m::a_user, m::b_user))
        .load::<(i64, i64)>(c)?
        .into_iter()
        .collect();
    pairs.extend(draft.filter(m::b_user.eq_any(users)).select((m::a_user, m::b_user)).load::<(i64, i64)>(c)?);
    Ok(pairs)
}

fn same_org(a: &Person, b: &Person) -> bool {
    let (x, y) = (a.organisation.trim().to_lowercase(), b.organisation.trim().to_lowercase());
    !x.is_empty() && x == y
}

pub(super) fn contact(c: &mut DbConn, user_id: i64) -> Result<(String, String), AppError> {
    Ok(users::table.find(user_id).select((users::email, users::name)).first(c)?)
}

pub(super) fn name_of(c: &mut DbConn, user_id: i64) -> Result<String, AppError> {
    Ok(users::table.find(user_id).select(users::name).first(c)?)
}

/// What answering a request led to.
#[derive(Debug)]
pub enum Answer {
    /// Accepted and placed: both have the meeting now.
    Accepted,
    /// Accepted, but no table is free at a time both are free: it waits (the message says why).
    Waiting(String),
    Declined,
    /// Not accepted, the request stays open: the message says why (a cap is reached).
    Refused(String),
    /// Not pending any more (answered, cancelled or expired): the message says which.
    Gone(String),
}

fn cap_refusal(c: &mut DbConn, s: &Settings, occ: &Occupancy, me: i64, other: i64) -> Result<Option<String>, AppError> {
    if occ.at_cap(s, me) {
        let cap = occ.cap(s, me);
        let raise = if cap < s.max_meetings {
            format!(
                "raise your limit on your matchmaking profile (the event allows up to {}) or cancel a meeting",
                s.max_meetings
            )
        } else {
            "cancel one of your meetings first (that is the event's limit)".to_string()
        };
        return Ok(Some(format!("You already have {cap} meetings, the most you take. To accept, {raise}.")));
    }
    if occ.at_cap(s, other) {
        return Ok(Some(format!(
            "{} already has as many meetings as they take. The request stays open: you can accept it if they make room.",
            name_of(c, other)?
        )));
    }
    Ok(None)
}

/// The recipient accepts or declines. An accepted request is placed at once in the best slot
/// where both are free and a table is free, in the draft and the published version; both get
/// the meeting as a calendar invitation. Without a free table it waits and gets one the
/// moment one frees.
pub fn answer_request(
    c: &mut DbConn,
    base_url: &str,
    event: &Event,
    request_id: i64,
    user_id: i64,
    accept: bool,
    pool: Option<&Pool>,
) -> Result<Answer, AppError> {
    crate::db::write_transaction(c, |c| {
        let s = lock_schedule(c, event.id)?;
        let rq = find_request(c, event.id, request_id)?.filter(|q| q.to_user == user_id).ok_or(AppError::NotFound)?;
        let t0 = now();
        if rq.is_pending() && rq.expires_at <= t0 {
            expire_one(c, base_url, event, &rq)?;
            return Ok(Answer::Gone("This request has expired.".into()));
        }
        if !rq.is_pending() {
            return Ok(Answer::Gone(format!("This request is no longer open ({}).", rq.status_label().to_lowercase())));
        }
        let (email, name) = contact(c, rq.from_user)?;
        let other = name_of(c, rq.to_user)?;
        if !accept {
            diesel::update(mr::table.find(rq.id))
                .set((mr::status.eq("declined"), mr::responded_at.eq(Some(t0))))
                .execute(c)?;
            let mail = emails::request_declined(base_url, event, &name, &other);
            crate::mail::enqueue(c, &email, &name, &mail)?;
            return Ok(Answer::Declined);
        }
        let (a, b) = ordered(rq.from_user, rq.to_user);
        if published::find_pair(c, event.id, a, b)?.is_some_and(|r| r.active) {
            // They already meet (a published suggestion made while the request waited).
            diesel::update(mr::table.find(rq.id))
                .set((mr::status.eq("accepted"), mr::responded_at.eq(Some(t0))))
                .execute(c)?;
            return Ok(Answer::Accepted);
        }
        // A suggestion for the pair that is still only in the draft gives way to the request.
        published::drop_from_draft(c, event.id, a, b)?;
        let occ = occupancy(c, event.id)?;
        if let Some(msg) = cap_refusal(c, &s, &occ, rq.to_user, rq.from_user)? {
            return Ok(Answer::Refused(msg));
        }
        diesel::update(mr::table.find(rq.id))
            .set((mr::status.eq("accepted"), mr::responded_at.eq(Some(t0))))
            .execute(c)?;
        // The pair's match score, from the shared snapshot when the caller has one.
        let score = match pool {
            Some(p) => p.matcher.explain(rq.from_user, rq.to_user).map_or(0.0, |x| x.score),
            None => self::pool(c, event.id, &s)?.matcher.explain(rq.from_user, rq.to_user).map_or(0.0, |x| x.score),
        };
        let why = match find_place(c, event.id, &s, &occ, rq.from_user, rq.to_user)? {
            Placement::At(slot, table) => {
                place_request(c, event.id, &rq, &slot, table, score, published::Change::Accepted, Some(user_id))?;
                published::notify(c, base_url, event, None)?;
                return Ok(Answer::Accepted);
            }
            Placement::NoTable => "Every table is taken at the times you are both free.",
            Placement::NoCommonTime => {
                "You have no free time in common yet (meetings, sessions in your agendas or times marked unavailable)."
            }
        };
        let (my_email, my_name) = contact(c, user_id)?;
        for (to, to_name, line) in [
            (&email, &name, format!("{other} accepted your meeting request. {why}")),
            (&my_email, &my_name, format!("You accepted {name}'s meeting request. {why}")),
        ] {
            crate::mail::enqueue(c, to, to_name, &emails::request_waiting(base_url, event, to_name, &line))?;
        }
        Ok(Answer::Waiting(format!(
            "Accepted. {why} The meeting is waiting for a table: it gets one automatically as soon as one frees up, and you will both get an e-mail."
        )))
    })
}

/// The sender withdraws a pending request.
pub fn cancel_request(c: &mut DbConn, event_id: i64, request_id: i64, user_id: i64) -> Result<bool, AppError> {
    let n = diesel::update(
        mr::table.filter(
            mr::id
                .eq(request_id)
                .and(mr::event_id.eq(event_id))
                .and(mr::from_user.eq(user_id))
                .and(mr::status.eq("pending")),
        ),
    )
    .set((mr::status.eq("cancelled"), mr::responded_at.eq(Some(now()))))
    .execute(c)?;
    if n == 0 {
        find_request(c, event_id, request_id)?.filter(|q| q.from_user == user_id).ok_or(AppError::NotFound)?;
    }
    Ok(n == 1)
}

fn expire_one(c: &mut DbConn, base_url: &str, event: &Event, rq: &MeetingRequest) -> Result<(), AppError> {
    let n = diesel::update(mr::table.find(rq.id).filter(mr::status.eq("pending")))
        .set((mr::status.eq("expired"), mr::responded_at.eq(Some(now()))))
        .execute(c)?;
    if n == 1 {
        let (email, name) = contact(c, rq.from_user)?;
        let other = name_of(c, rq.to_user)?;
        crate::mail::enqueue(c, &email, &name, &emails::request_expired(base_url, event, &name, &other))?;
    }
    Ok(())
}

/// Expires unanswered requests whose time is up and tells their senders. Returns how many.
pub fn expire_due(c: &mut DbConn, base_url: &str, at: NaiveDateTime) -> Result<usize, AppError> {
    let due: Vec<MeetingRequest> = mr::table
        .filter(mr::status.eq("pending").and(mr::expires_at.le(at)))
        .order(mr::id)
        .limit(500)
        .select(MeetingRequest::as_select())
        .load(c)?;
    let mut events: HashMap<i64, Option<Event>> = HashMap::new();
    let mut n = 0;
    for rq in due {
        if let std::collections::hash_map::Entry::Vacant(slot) = events.entry(rq.event_id) {
            slot.insert(crate::events::model::find(c, rq.event_id)?);
        }
        let Some(Some(event)) = events.get(&rq.event_id) else { continue };
        crate::db::write_transaction(c, |c| expire_one(c, base_url, event, &rq))?;
        n += 1;
    }
    Ok(n)
}

/// Sends each person one digest of the requests waiting for their answer that arrived before
/// `older_than` and were in no digest yet. Returns how many e-mails.
pub fn send_digests(c: &mut DbConn, base_url: &str, older_than: NaiveDateTime) -> Result<usize, AppError> {
    let due: Vec<MeetingRequest> = mr::table
        .filter(mr::status.eq("pending").and(mr::digest_sent_at.is_null()).and(mr::created_at.le(older_than)))
        .order(mr::id)
        .select(MeetingRequest::as_select())
        .load(c)?;
    let mut per: BTreeMap<(i64, i64), Vec<MeetingRequest>> = BTreeMap::new();
    for rq in due {
        per.entry((rq.to_user, rq.event_id)).or_default().push(rq);
    }
    let mut sent = 0;
    for ((to, event_id), list) in per {
        let Some(event) = crate::events::model::find(c, event_id)? else { continue };
        crate::db::write_transaction(c, |c| {
            let mut claimed = Vec::new();
            for rq in &list {
                let n = diesel::update(mr::table.find(rq.id).filter(mr::digest_sent_at.is_null()))
                    .set(mr::digest_sent_at.eq(Some(now())))
                    .execute(c)?;
                if n == 1 {
                    claimed.push(name_of(c, rq.from_user)?);
                }
            }
            if !claimed.is_empty() {
                let (email, name) = contact(c, to)?;
                crate::mail::enqueue(c, &email, &name, &emails::digest(base_url, &event, &name, &claimed))?;
                sent += 1;
            }
            Ok::<_, AppError>(())
        })?;
    }
    Ok(sent)
}
