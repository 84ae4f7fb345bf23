-- The per-event text comes back empty: the words stay in users.bio.
ALTER TABLE match_profiles ADD COLUMN about TEXT NOT NULL DEFAULT '';
