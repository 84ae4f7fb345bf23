-- What each person was last told about a session they chose: its time, room and whether it
-- takes place, as of their last programme notice or, before any, of the moment they added it.
-- Notices tell the difference between this and the session now, so intermediate edits and a
-- move undone before the notice goes out never reach anyone. A NULL start means "not known":
-- a change was still queued (as a description) when this migration ran; the next notice for
-- such a person gives the session's current time and place.
ALTER TABLE session_signups ADD COLUMN told_starts_at TIMESTAMP;
ALTER TABLE session_signups ADD COLUMN told_ends_at TIMESTAMP;
ALTER TABLE session_signups ADD COLUMN told_room TEXT NOT NULL DEFAULT '';
ALTER TABLE session_signups ADD COLUMN told_cancelled BOOLEAN NOT NULL DEFAULT FALSE;
-- The SEQUENCE of the last invitation mailed to the person for the session; NULL when none was.
ALTER TABLE session_signups ADD COLUMN told_sequence INTEGER;

-- Everyone holds the session as it is now, except where a change still waits to be mailed:
-- the queued rows stay and mark those sessions for the next notice.
UPDATE session_signups SET
    told_starts_at = (SELECT s.starts_at FROM agenda_sessions s WHERE s.id = session_signups.session_id),
    told_ends_at = (SELECT s.ends_at FROM agenda_sessions s WHERE s.id = session_signups.session_id),
    told_room = COALESCE((SELECT r.name FROM agenda_sessions s JOIN rooms r ON r.id = s.room_id
                          WHERE s.id = session_signups.session_id), ''),
    told_cancelled = (SELECT s.status = 'cancelled' FROM agenda_sessions s WHERE s.id = session_signups.session_id)
WHERE session_id NOT IN (SELECT session_id FROM session_changes WHERE sent_at IS NULL);
