//! Matchmaking: interest profiles and cooperation opportunities, explained suggestions, the
//! participant directory, meeting requests, and the meeting scheduler. `engine` is pure (no
//! web, no database); the rest stores, checks and shows.

pub mod demo;
pub mod emails;
pub use liaison_engine as engine;
pub mod grid;
pub mod model;
pub mod organise;
pub mod public;
pub mod published;
pub mod service;

use std::time::Duration;

use actix_web::web;

use crate::db::Db;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use organise as o;
    use public as p;
    cfg.route("/events/{slug}/profile", web::get().to(p::profile))
        .route("/events/{slug}/profile", web::post().to(p::save_profile))
        .route("/events/{slug}/profile/opportunities", web::post().to(p::add_opportunity))
        .route("/events/{slug}/profile/opportunities/{id}/delete", web::post().to(p::delete_opportunity))
        // The matchmaking profile's old addresses: bookmarks and forms open in old tabs.
        .route("/events/{slug}/matchmaking", web::get().to(p::old_profile))
        .route("/events/{slug}/matchmaking", web::post().to(p::save_profile))
        .route("/events/{slug}/matchmaking/opportunities", web::post().to(p::add_opportunity))
        .route("/events/{slug}/matchmaking/opportunities/{id}/delete", web::post().to(p::delete_opportunity))
        .route("/events/{slug}/matches", web::get().to(p::matches))
        .route("/events/{slug}/directory", web::get().to(p::directory))
        .route("/events/{slug}/people/{uid}", web::get().to(p::person))
        .route("/events/{slug}/people/{uid}/request", web::post().to(p::request))
        .route("/events/{slug}/meetings", web::get().to(p::my_meetings))
        .route("/events/{slug}/meetings/{id}/cancel", web::post().to(p::cancel_meeting))
        .route("/events/{slug}/requests/{id}", web::get().to(p::request_page))
        .route("/events/{slug}/requests/{id}/accept", web::post().to(p::accept))
        .route("/events/{slug}/requests/{id}/decline", web::post().to(p::decline))
        .route("/events/{slug}/requests/{id}/withdraw", web::post().to(p::withdraw))
        .route("/organise/events/{id}/matchmaking", web::get().to(o::settings))
        .route("/organise/events/{id}/matchmaking", web::post().to(o::save_settings))
        .route("/organise/events/{id}/matchmaking/slots", web::post().to(o::add_window))
        .route("/organise/events/{id}/matchmaking/slots/{slot}/delete", web::post().to(o::delete_slot))
        .route("/organise/events/{id}/matchmaking/topics", web::post().to(o::add_topic))
        .route("/organise/events/{id}/matchmaking/topics/{topic}", web::post().to(o::rename_topic))
        .route("/organise/events/{id}/matchmaking/topics/{topic}/delete", web::post().to(o::delete_topic))
        .route("/organise/events/{id}/meetings", web::get().to(o::meetings))
        .route("/organise/events/{id}/meetings.csv", web::get().to(o::meetings_csv))
        .route("/organise/events/{id}/meetings/schedule", web::post().to(o::schedule_all))
        .route("/organise/events/{id}/meetings/review", web::get().to(o::review))
        .route("/organise/events/{id}/meetings/publish", web::post().to(o::publish))
        .route("/organise/events/{id}/meetings/top-matches", web::post().to(o::top_matches))
        .route("/organise/events/{id}/meetings/{meeting}/lock", web::post().to(o::lock))
        .route("/organise/events/{id}/meetings/{meeting}/move", web::post().to(o::move_meeting))
        .route("/organise/events/{id}/meetings/{meeting}/cancel", web::post().to(o::cancel));
}

/// Expires unanswered requests and sends digests of waiting ones. Both claim rows with
/// conditional updates, so several servers may run this loop on one database.
pub async fn housekeeping(db: Db, base_url: String, digest_after: Duration, wake: impl Fn()) {
    let digest_after = chrono::TimeDelta::from_std(digest_after).unwrap_or(chrono::TimeDelta::hours(6));
    loop {
        let base = base_url.clone();
        let done = db
            .run(move |c| {
                let t = crate::db::now();
                Ok(service::expire_due(c, &base, t)? + service::send_digests(c, &base, t - digest_after)?)
            })
            .await;
        match done {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(mails = n, "meeting request expiries and digests queued");
                wake();
            }
            Err(e) => tracing::warn!(error = %e, "matchmaking housekeeping failed; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
}
