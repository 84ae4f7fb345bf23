//! Events and registration: organisers publish events and manage registrants; attendees
//! register with capacity, waitlist and approval, and are told by e-mail what happened.

pub mod csv;
pub mod desk;
pub mod emails;
pub mod hub;
pub mod ics;
pub mod model;
pub mod notices;
pub mod organise;
pub mod print;
pub mod public;
pub mod questions;
pub mod registrants;
pub mod registration;
pub mod service;
pub mod ticket;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use organise as o;
    use public as p;
    cfg.route("/events", web::get().to(p::list))
        .route("/events/{slug}", web::get().to(p::show))
        .route("/events/{slug}/register", web::get().to(p::register_page))
        .route("/events/{slug}/register", web::post().to(p::register_submit))
        .route("/events/{slug}/invitation/{token}", web::get().to(p::invitation))
        .route("/my/registrations", web::get().to(p::mine))
        .route("/my/registrations/{id}/cancel", web::post().to(p::cancel))
        .route("/organiser-invitations/{token}", web::get().to(p::organiser_invitation))
        .route("/organiser-invitations/{token}", web::post().to(p::accept_organiser_invitation))
        .route("/organise", web::get().to(o::index))
        .route("/organise/events/new", web::get().to(o::new_page))
        .route("/organise/events/new", web::post().to(o::create))
        .route("/organise/events/{id}", web::get().to(o::overview))
        .route("/organise/events/{id}/edit", web::get().to(o::edit_page))
        .route("/organise/events/{id}/edit", web::post().to(o::update))
        .route("/organise/events/{id}/organisers", web::get().to(o::organisers))
        .route("/organise/events/{id}/organisers", web::post().to(o::invite_organiser))
        .route("/organise/events/{id}/organisers/{user_id}/remove", web::post().to(o::remove_organiser))
        .route("/organise/events/{id}/questions", web::get().to(o::questions))
        .route("/organise/events/{id}/questions", web::post().to(o::add_question))
        .route("/organise/events/{id}/questions/{qid}", web::post().to(o::update_question))
        .route("/organise/events/{id}/questions/{qid}/delete", web::post().to(o::delete_question))
        .route("/organise/events/{id}/questions/{qid}/move", web::post().to(o::move_question))
        .route("/organise/events/{id}/registrants", web::get().to(o::registrants))
        .route("/organise/events/{id}/registrants", web::post().to(o::registrant_action))
        .route("/organise/events/{id}/registrants.csv", web::get().to(o::export_csv))
        .route("/organise/events/{id}/desk", web::get().to(desk::desk))
        .route("/organise/events/{id}/desk/check-in", web::post().to(desk::check_in))
        .route("/organise/events/{id}/print", web::get().to(print::index))
        .route("/organise/events/{id}/print/badges", web::get().to(print::badges_page))
        .route("/organise/events/{id}/print/plans", web::get().to(print::plans_page))
        .route("/organise/events/{id}/print/tables", web::get().to(print::tables_page))
        .route("/organise/events/{id}/import", web::get().to(o::import_page))
        .route("/organise/events/{id}/import", web::post().to(o::import))
        .route("/organise/events/{id}/announce", web::get().to(o::announce_page))
        .route("/organise/events/{id}/announce", web::post().to(o::announce))
        .route("/organise/events/{id}/stats", web::get().to(o::stats));
}
