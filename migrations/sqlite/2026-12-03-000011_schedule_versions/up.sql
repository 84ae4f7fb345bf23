-- The meeting schedule participants see is a published version: `meetings` is the organisers'
-- working copy (the draft the scheduler and the grid change), `published_meetings` what
-- participants see, one row per pair for good (an ended meeting stays, inactive, so its UID
-- and SEQUENCE live on for the CANCEL and for a later comeback). The told_* columns hold what
-- both people were last mailed, so a notice says the net change.
CREATE TABLE published_meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    a_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    b_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    active BOOLEAN NOT NULL,
    slot_id BIGINT REFERENCES meeting_slots(id) ON DELETE SET NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    table_no INTEGER NOT NULL,
    origin TEXT NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    change_kind TEXT NOT NULL DEFAULT 'published',
    changed_by BIGINT,
    changed_at TIMESTAMP NOT NULL,
    told_active BOOLEAN NOT NULL DEFAULT FALSE,
    told_starts_at TIMESTAMP,
    told_ends_at TIMESTAMP,
    told_table_no INTEGER,
    told_sequence INTEGER NOT NULL DEFAULT -1,
    CHECK (a_user < b_user),
    UNIQUE (event_id, a_user, b_user)
);
CREATE INDEX published_meetings_a ON published_meetings(event_id, a_user);
CREATE INDEX published_meetings_b ON published_meetings(event_id, b_user);
CREATE INDEX published_meetings_slot ON published_meetings(slot_id);

-- One row per "Publish": what changed, for the organisers' history.
CREATE TABLE schedule_versions (
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    added INTEGER NOT NULL,
    moved INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    notified INTEGER NOT NULL,
    PRIMARY KEY (event_id, version)
);

-- By default the scheduler keeps people's chosen sessions free of meetings.
ALTER TABLE match_profiles ADD COLUMN meet_during_sessions BOOLEAN NOT NULL DEFAULT FALSE;

-- What participants saw until now becomes what they were told: requested and organiser
-- meetings, and suggested ones once the schedule was published.
INSERT INTO published_meetings (event_id, a_user, b_user, active, slot_id, starts_at, ends_at, table_no, origin,
    sequence, change_kind, changed_at, told_active, told_starts_at, told_ends_at, told_table_no, told_sequence)
SELECT m.event_id, m.a_user, m.b_user, TRUE, m.slot_id, s.starts_at, s.ends_at, m.table_no, m.origin,
    0, 'published', m.updated_at, TRUE, s.starts_at, s.ends_at, m.table_no, 0
FROM meetings m
JOIN meeting_slots s ON s.id = m.slot_id
JOIN match_settings ms ON ms.event_id = m.event_id
WHERE m.origin <> 'suggested' OR ms.published_at IS NOT NULL;

INSERT INTO schedule_versions (event_id, version, published_at, published_by, added, moved, removed, notified)
SELECT ms.event_id, 1, ms.published_at, NULL,
    (SELECT COUNT(*) FROM meetings m WHERE m.event_id = ms.event_id), 0, 0, 0
FROM match_settings ms WHERE ms.published_at IS NOT NULL;
