ALTER TABLE registrations DROP COLUMN calendar_epoch;
DROP TABLE session_changes;
DROP TABLE session_signups;
DROP TABLE session_speakers;
DROP TABLE agenda_sessions;
DROP TABLE tracks;
DROP TABLE rooms;
