//! Events and registration: organisers publish events and manage registrants; attendees
//! register with capacity, waitlist and approval, and are told by e-mail what happened.

pub mod csv;
pub mod emails;
pub mod ics;
pub mod model;
pub mod questions;
pub mod registrants;
pub mod registration;
pub mod service;

use actix_web::web;

pub fn routes(_cfg: &mut web::ServiceConfig) {}
