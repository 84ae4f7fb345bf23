ALTER TABLE session_signups DROP COLUMN told_sequence;
ALTER TABLE session_signups DROP COLUMN told_cancelled;
ALTER TABLE session_signups DROP COLUMN told_room;
ALTER TABLE session_signups DROP COLUMN told_ends_at;
ALTER TABLE session_signups DROP COLUMN told_starts_at;
