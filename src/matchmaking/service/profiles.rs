//! Participants and their matchmaking profiles: topics, opportunities, availability.

use super::*;

// ---------- participants and profiles ----------

/// A confirmed participant of the event, as others may see them (never their e-mail).
#[derive(Debug, Clone)]
pub struct Person {
    pub user_id: i64,
    pub name: String,
    pub organisation: String,
    pub sector: String,
    pub country: String,
    pub job_title: String,
    pub bio: String,
    pub directory: bool,
    pub matchmaking: bool,
}

impl Person {
    /// Someone whose account is gone: named as others' copies name them.
    pub fn former(user_id: i64) -> Person {
        Person {
            user_id,
            name: "A former participant".into(),
            organisation: String::new(),
            sector: String::new(),
            country: String::new(),
            job_title: String::new(),
            bio: String::new(),
            directory: false,
            matchmaking: false,
        }
    }
    pub fn sector_label(&self) -> &'static str {
        crate::accounts::model::sector_label(&self.sector)
    }
    pub fn country_name(&self) -> &'static str {
        crate::accounts::model::country_name(&self.country)
    }
}

type PersonRow = (i64, String, String, String, String, String, String, bool, bool);

fn person(row: PersonRow) -> Person {
    let (user_id, name, organisation, sector, country, job_title, bio, directory, matchmaking) = row;
    Person { user_id, name, organisation, sector, country, job_title, bio, directory, matchmaking }
}

/// Every confirmed participant of the event, by name.
pub fn people(c: &mut DbConn, event_id: i64) -> Result<Vec<Person>, AppError> {
    confirmed(c, event_id, None)
}

pub fn find_person(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<Option<Person>, AppError> {
    Ok(confirmed(c, event_id, Some(user_id))?.pop())
}

/// The event's confirmed participants (or just `only`), by name.
fn confirmed(c: &mut DbConn, event_id: i64, only: Option<i64>) -> Result<Vec<Person>, AppError> {
    let mut q =
        r::table.inner_join(users::table).filter(r::event_id.eq(event_id).and(r::status.eq("confirmed"))).into_boxed();
    if let Some(u) = only {
        q = q.filter(r::user_id.eq(u));
    }
    let rows: Vec<PersonRow> = q
        .order((users::name, users::id))
        .select((
            users::id,
            users::name,
            users::organisation,
            users::sector,
            users::country,
            users::job_title,
            users::bio,
            r::directory_consent,
            r::matchmaking_consent,
        ))
        .load(c)?;
    Ok(rows.into_iter().map(person).collect())
}

/// A person's matchmaking profile for one event.
#[derive(Debug, Clone, Default)]
pub struct ProfileData {
    pub max_meetings: Option<i32>,
    pub meet_during_sessions: bool,
    pub interests: Vec<i64>,
    pub opportunities: Vec<(Opportunity, Vec<i64>)>,
    pub unavailable: Vec<i64>,
}

pub fn profile(c: &mut DbConn, event_id: i64, user_id: i64) -> Result<ProfileData, AppError> {
    let row: Option<(Option<i32>, bool)> =
        mp::table.find((event_id, user_id)).select((mp::max_meetings, mp::meet_during_sessions)).first(c).optional()?;
    let (max_meetings, meet_during_sessions) = row.unwrap_or_default();
    let interests =
        pi::table.filter(pi::event_id.eq(event_id).and(pi::user_id.eq(user_id))).select(pi::topic_id).load(c)?;
    let unavailable = un::table
        .inner_join(sl::table)
        .filter(sl::event_id.eq(event_id).and(un::user_id.eq(user_id)))
        .select(un::slot_id)
        .load(c)?;
    let opportunities = opportunities_of(c, event_id, &[user_id])?.remove(&user_id).unwrap_or_default();
    Ok(ProfileData { max_meetings, meet_during_sessions, interests, opportunities, unavailable })
}

/// Each person's opportunities with their topic ids.
pub type OpportunitiesByUser = HashMap<i64, Vec<(Opportunity, Vec<i64>)>>;

/// Opportunities (with their topics) of the given people, or of everyone when `users` is empty.
pub(super) fn opportunities_of(
    c: &mut DbConn,
    event_id: i64,
    user_ids: &[i64],
) -> Result<OpportunitiesByUser, AppError> {
    let mut q = op::table.filter(op::event_id.eq(event_id)).into_boxed();
    if !user_ids.is_empty() {
        q = q.filter(op::user_id.eq_any(user_ids.to_vec()));
    }
    let rows: Vec<Opportunity> = q.order(op::id).select(Opportunity::as_select()).load(c)?;
    let ids: Vec<i64> = rows.iter().map(|o| o.id).collect();
    let mut topics: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let links: Vec<(i64, i64)> = ot::table
            .filter(ot::opportunity_id.eq_any(chunk.to_vec()))
            .select((ot::opportunity_id, ot::topic_id))
            .load(c)?;
        for (o, tid) in links {
            topics.entry(o).or_default().push(tid);
        }
    }
    let mut out = OpportunitiesByUser::new();
    for o in rows {
        let ts = topics.remove(&o.id).unwrap_or_default();
        out.entry(o.user_id).or_default().push((o, ts));
    }
    Ok(out)
}

pub struct ProfileInput {
    pub max_meetings: Option<i32>,
    /// The scheduler may place meetings during the sessions in the person's agenda.
    pub meet_during_sessions: bool,
    pub interests: Vec<i64>,
    pub unavailable: Vec<i64>,
}

pub fn save_profile(c: &mut DbConn, event_id: i64, user_id: i64, p: &ProfileInput) -> Result<(), AppError> {
    let known: BTreeSet<i64> = topics(c, event_id)?.into_iter().map(|t| t.id).collect();
    let slot_ids: BTreeSet<i64> = slots(c, event_id)?.into_iter().map(|s| s.id).collect();
    crate::db::write_transaction(c, |c| {
        let exists: i64 = mp::table.find((event_id, user_id)).count().get_result(c)?;
        if exists == 0 {
            diesel::insert_into(mp::table)
                .values((
                    mp::event_id.eq(event_id),
                    mp::user_id.eq(user_id),
                    mp::max_meetings.eq(p.max_meetings),
                    mp::meet_during_sessions.eq(p.meet_during_sessions),
                    mp::updated_at.eq(now()),
                ))
                .execute(c)?;
        } else {
            diesel::update(mp::table.find((event_id, user_id)))
                .set((
                    mp::max_meetings.eq(p.max_meetings),
                    mp::meet_during_sessions.eq(p.meet_during_sessions),
                    mp::updated_at.eq(now()),
                ))
                .execute(c)?;
        }
        diesel::delete(pi::table.filter(pi::event_id.eq(event_id).and(pi::user_id.eq(user_id)))).execute(c)?;
        for tid in p.interests.iter().filter(|t| known.contains(t)).collect::<BTreeSet<_>>() {
            diesel::insert_into(pi::table)
                .values((pi::event_id.eq(event_id), pi::user_id.eq(user_id), pi::topic_id.eq(tid)))
                .execute(c)?;
        }
        let all: Vec<i64> = slot_ids.iter().copied().collect();
        diesel::delete(un::table.filter(un::user_id.eq(user_id).and(un::slot_id.eq_any(all)))).execute(c)?;
        for sid in p.unavailable.iter().filter(|s| slot_ids.contains(s)).collect::<BTreeSet<_>>() {
            diesel::insert_into(un::table).values((un::slot_id.eq(sid), un::user_id.eq(user_id))).execute(c)?;
        }
        Ok(())
    })
}

pub fn add_opportunity(
    c: &mut DbConn,
    event_id: i64,
    user_id: i64,
    o: &OpportunityInput,
) -> Result<Result<(), String>, AppError> {
    crate::db::write_transaction(c, |c| {
        let n: i64 = op::table.filter(op::event_id.eq(event_id).and(op::user_id.eq(user_id))).count().get_result(c)?;
        if n as usize >= OPPORTUNITIES_MAX {
            return Ok(Err(format!("You can describe at most {OPPORTUNITIES_MAX} opportunities; remove one first.")));
        }
        let t0 = now();
        let id: i64 = diesel::insert_into(op::table)
            .values((
                op::event_id.eq(event_id),
                op::user_id.eq(user_id),
                op::kind.eq(o.kind),
                op::title.eq(&o.title),
                op::description.eq(&o.description),
                op::created_at.eq(t0),
                op::updated_at.eq(t0),
            ))
            .returning(op::id)
            .get_result(c)?;
        for tid in &o.topics {
            diesel::insert_into(ot::table).values((ot::opportunity_id.eq(id), ot::topic_id.eq(tid))).execute(c)?;
        }
        Ok(Ok(()))
    })
}

pub fn delete_opportunity(c: &mut DbConn, event_id: i64, user_id: i64, id: i64) -> Result<(), AppError> {
    let n = diesel::delete(op::table.filter(op::id.eq(id).and(op::event_id.eq(event_id)).and(op::user_id.eq(user_id))))
        .execute(c)?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
