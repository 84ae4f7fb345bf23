DROP INDEX audit_log_event;
ALTER TABLE audit_log DROP COLUMN event_id;
DROP TABLE registration_answers;
DROP TABLE registrations;
DROP TABLE registration_questions;
DROP TABLE event_invitations;
DROP TABLE event_organisers;
DROP TABLE events;
