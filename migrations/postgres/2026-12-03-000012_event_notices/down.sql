ALTER TABLE events DROP COLUMN change_pending_at;
ALTER TABLE events DROP COLUMN told_address;
ALTER TABLE events DROP COLUMN told_venue;
ALTER TABLE events DROP COLUMN told_timezone;
ALTER TABLE events DROP COLUMN told_ends_at;
ALTER TABLE events DROP COLUMN told_starts_at;
