//! The one integration-test binary: real server, real database (SQLite, or PostgreSQL when
//! TEST_DATABASE_URL is set), real SMTP, real Chromium.

mod accounts;
mod admin;
mod agenda;
mod browser;
mod events_organise;
mod events_registration;
mod hardening_input;
mod mail;
mod matchmaking;
mod platform;
mod scale_out;
mod security;
mod support;
