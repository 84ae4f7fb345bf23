//! The one integration-test binary: real server, real database (SQLite, or PostgreSQL when
//! TEST_DATABASE_URL is set), real SMTP, real Chromium.

mod accessibility;
mod accounts;
mod admin;
mod agenda;
mod browser;
mod calendar;
mod changes_activity;
mod changes_events;
mod changes_meetings;
mod changes_programme;
mod changes_registrations;
mod events_organise;
mod events_registration;
mod hardening_db;
mod hardening_edge;
mod hardening_input;
mod hardening_mail;
mod hardening_privacy;
mod hardening_sessions;
mod ideas;
mod journeys;
mod journeys_desk;
mod journeys_grid;
mod journeys_hub;
mod journeys_ideas;
mod journeys_profile;
mod keyboard;
mod mail;
mod matchmaking;
mod platform;
mod scale_out;
mod security;
mod support;
