//! Liaison: registration, agendas and matchmaking for consortium networking events.

pub mod accounts;
pub mod admin;
pub mod agenda;
pub mod app;
pub mod audit;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod ical;
pub mod ideas;
pub mod mail;
pub mod matchmaking;
pub mod web;
