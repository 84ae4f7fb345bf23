-- Looking a person's meetings up by the second person of a pair must be one index search: the
-- old (event_id, b_user) index was not covering, so SQLite preferred reading every meeting of
-- the event through the (event_id, a_user, b_user) one (measured on the 5,000-person event).
DROP INDEX meetings_event_b_user;
CREATE INDEX meetings_event_b_pair ON meetings(event_id, b_user, a_user);
