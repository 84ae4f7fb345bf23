//! Session agendas: organisers build the programme (rooms, tracks, sessions, speakers);
//! attendees build a personal agenda and take it to their calendars and conference apps.

pub mod demo;
pub mod emails;
pub mod exports;
pub mod grid;
pub mod model;
pub mod notices;
pub mod organise;
pub mod public;
pub mod service;

use std::time::Duration;

use actix_web::web;

use crate::db::Db;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use organise as o;
    use public as p;
    cfg.route("/events/{slug}/agenda", web::get().to(p::agenda))
        .route("/events/{slug}/agenda.ics", web::get().to(p::programme_ics))
        .route("/events/{slug}/schedule.xml", web::get().to(p::schedule_xml))
        .route("/events/{slug}/schedule.json", web::get().to(p::schedule_json))
        .route("/events/{slug}/tracks.css", web::get().to(p::track_css))
        .route("/events/{slug}/sessions/{id}", web::get().to(p::session_page))
        .route("/events/{slug}/sessions/{id}/add", web::post().to(p::add))
        .route("/events/{slug}/sessions/{id}/remove", web::post().to(p::remove))
        .route("/events/{slug}/my-agenda", web::get().to(p::my_agenda))
        .route("/events/{slug}/my-agenda/feed/reset", web::post().to(p::reset_feed))
        .route("/events/{slug}/calendar/{registration}/{file}", web::get().to(p::personal_ics))
        .route("/organise/events/{id}/agenda", web::get().to(o::agenda))
        .route("/organise/events/{id}/agenda.csv", web::get().to(o::programme_csv))
        .route("/organise/events/{id}/rooms", web::post().to(o::add_room))
        .route("/organise/events/{id}/rooms/{room}", web::post().to(o::update_room))
        .route("/organise/events/{id}/rooms/{room}/delete", web::post().to(o::delete_room))
        .route("/organise/events/{id}/tracks", web::post().to(o::add_track))
        .route("/organise/events/{id}/tracks/{track}", web::post().to(o::update_track))
        .route("/organise/events/{id}/tracks/{track}/delete", web::post().to(o::delete_track))
        .route("/organise/events/{id}/sessions/new", web::get().to(o::new_session))
        .route("/organise/events/{id}/sessions/new", web::post().to(o::create_session))
        .route("/organise/events/{id}/sessions/{session}/edit", web::get().to(o::edit_session))
        .route("/organise/events/{id}/sessions/{session}/edit", web::post().to(o::update_session))
        .route("/organise/events/{id}/sessions/{session}/cancel", web::post().to(o::cancel_session));
}

/// Sends programme notices, and notices of an event's new dates or place, once an event's
/// organisers have paused editing for `quiet`.
pub async fn notify_changes(db: Db, base_url: String, quiet: Duration, wake: impl Fn()) {
    let quiet_delta = chrono::TimeDelta::from_std(quiet).unwrap_or(chrono::TimeDelta::minutes(5));
    let every = (quiet / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
    loop {
        let base = base_url.clone();
        match db.run(move |c| service::send_due_changes(c, &base, quiet_delta)).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(mails = n, "programme change notices queued");
                wake();
            }
            Err(e) => tracing::warn!(error = %e, "programme change notices failed; retrying"),
        }
        // Changes to an event's dates or place, on the same quiet period.
        let base = base_url.clone();
        match db.run(move |c| crate::events::notices::send_due(c, &base, quiet_delta)).await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(mails = n, "event change notices queued");
                wake();
            }
            Err(e) => tracing::warn!(error = %e, "event change notices failed; retrying"),
        }
        tokio::time::sleep(every).await;
    }
}
