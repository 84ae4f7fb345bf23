-- A person's meetings are found by either side: (event_id, a_user, b_user) serves a_user, and
-- without this the b_user side scanned every meeting of the event (6,000 at the scaled demo).
CREATE INDEX meetings_event_b_user ON meetings(event_id, b_user);
