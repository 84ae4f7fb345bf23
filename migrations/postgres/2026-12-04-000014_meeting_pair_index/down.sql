DROP INDEX meetings_event_b_pair;
CREATE INDEX meetings_event_b_user ON meetings(event_id, b_user);
