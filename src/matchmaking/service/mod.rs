//! Matchmaking storage and rules: settings, taxonomy, profiles, slots, suggestions, the
//! directory, meeting requests, placing meetings and running the scheduler. Every change to
//! meetings first takes the event's schedule lock (an UPDATE of its settings row as the
//! transaction's first statement), so two placements never race on one slot or table, on
//! one server or several; unique indexes on seats and tables are the last line of defence.
//!
//! One file per area; each uses this module's imports and re-exports its public items, so
//! callers keep writing `service::name`.

mod loads;
mod placing;
mod profiles;
mod requests;
mod scheduling;
mod settings;
mod suggestions;

pub use loads::{LoadCache, Loads};
pub use placing::*;
pub use profiles::*;
pub use requests::*;
pub use scheduling::*;
pub use settings::*;
pub use suggestions::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::*;
use super::{emails, engine, published};
use crate::db::schema::{
    agenda_sessions as ags, match_profiles as mp, match_settings as ms, meeting_requests as mr, meeting_seats as seats,
    meeting_slots as sl, meetings as m, opportunities as op, opportunity_topics as ot, profile_interests as pi,
    published_meetings as pm, registrations as r, session_signups as su, topics as t, unavailability as un, users,
};
use crate::db::{now, DbConn};
use crate::error::AppError;
use crate::events::model::Event;
use crate::web::FormErrors;

/// Most slots an event may have (the engine keeps availability in a 64-bit mask).
pub const MAX_SLOTS: usize = 64;
/// How many suggestions each person's candidate list holds for the scheduler.
const PAIRS_PER_PERSON: usize = 20;
