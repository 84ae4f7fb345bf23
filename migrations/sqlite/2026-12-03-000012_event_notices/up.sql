-- What an event's registrants were last told about when and where it takes place, kept while
-- it may differ from the event now: from the first save that changes the dates, time zone,
-- venue or address until the notice goes out (and while the event is cancelled, so "back on"
-- can say what differs from what people held). NULL means "what the event says now": for
-- existing rows registrants hold the current values, since every change so far was mailed at
-- once.
ALTER TABLE events ADD COLUMN told_starts_at TIMESTAMP;
ALTER TABLE events ADD COLUMN told_ends_at TIMESTAMP;
ALTER TABLE events ADD COLUMN told_timezone TEXT;
ALTER TABLE events ADD COLUMN told_venue TEXT;
ALTER TABLE events ADD COLUMN told_address TEXT;
-- The last such save while a notice waits; the notice goes out once this is a quiet period old.
ALTER TABLE events ADD COLUMN change_pending_at TIMESTAMP;
