//! Project ideas: a participant's idea for a call with open roles, applications for the roles,
//! the consortium that forms, and its eligibility for the call as a checklist in words.

pub mod demo;
pub mod emails;
pub mod model;
pub mod organise;
pub mod public;
pub mod service;
pub mod suggest;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use public as p;
    cfg.route("/events/{slug}/ideas", web::get().to(p::list))
        .route("/events/{slug}/ideas/new", web::get().to(p::new_form))
        .route("/events/{slug}/ideas/new", web::post().to(p::create))
        .route("/events/{slug}/ideas/{id}", web::get().to(p::show))
        .route("/events/{slug}/ideas/{id}/edit", web::get().to(p::edit_form))
        .route("/events/{slug}/ideas/{id}/edit", web::post().to(p::update))
        .route("/events/{slug}/ideas/{id}/roles/{role}/apply", web::get().to(p::apply_form))
        .route("/events/{slug}/ideas/{id}/roles/{role}/apply", web::post().to(p::apply))
        .route("/events/{slug}/ideas/{id}/applications/{app}/accept", web::post().to(p::accept))
        .route("/events/{slug}/ideas/{id}/applications/{app}/decline", web::post().to(p::decline))
        .route("/events/{slug}/ideas/{id}/applications/{app}/withdraw", web::post().to(p::withdraw))
        .route("/events/{slug}/ideas/{id}/roles/{role}/invite", web::post().to(p::invite))
        .route("/events/{slug}/ideas-for-you", web::get().to(p::for_you))
        .route("/events/{slug}/ideas/{id}/leave", web::post().to(p::leave))
        .route("/events/{slug}/ideas/{id}/close", web::post().to(p::close))
        .route("/events/{slug}/ideas/{id}/reopen", web::post().to(p::reopen))
        .route("/events/{slug}/ideas/{id}/hide", web::post().to(p::hide))
        .route("/events/{slug}/ideas/{id}/show", web::post().to(p::unhide))
        .route("/organise/events/{id}/eligibility", web::get().to(organise::page))
        .route("/organise/events/{id}/eligibility", web::post().to(organise::save));
}
