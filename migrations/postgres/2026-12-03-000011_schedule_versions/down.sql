DROP TABLE schedule_versions;
DROP TABLE published_meetings;
ALTER TABLE match_profiles DROP COLUMN meet_during_sessions;
