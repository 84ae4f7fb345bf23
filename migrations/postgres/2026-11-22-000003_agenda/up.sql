-- The programme: rooms, tracks, sessions, speakers, personal agendas and queued change notices.
CREATE TABLE rooms (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, name)
);

CREATE TABLE tracks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, name)
);

CREATE TABLE agenda_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    -- Stable identity for exports (frab guid, iCalendar UID).
    guid TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    abstract_text TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('keynote', 'talk', 'panel', 'workshop', 'break', 'networking')),
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    room_id BIGINT REFERENCES rooms(id) ON DELETE SET NULL,
    track_id BIGINT REFERENCES tracks(id) ON DELETE SET NULL,
    capacity INTEGER CHECK (capacity IS NULL OR capacity > 0),
    signup_required BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'cancelled')),
    -- iCalendar SEQUENCE: incremented on every change.
    sequence INTEGER NOT NULL DEFAULT 0,
    -- Incremented by every sign-up change: the row lock that serialises places.
    signups_version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX agenda_sessions_event ON agenda_sessions(event_id, starts_at);

CREATE TABLE session_speakers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES agenda_sessions(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    affiliation TEXT NOT NULL DEFAULT '',
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX session_speakers_session ON session_speakers(session_id);

CREATE TABLE session_signups (
    session_id BIGINT NOT NULL REFERENCES agenda_sessions(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_signups_user ON session_signups(user_id);

-- Changes to sessions people signed up for, waiting to be mailed together.
CREATE TABLE session_changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES agenda_sessions(id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX session_changes_unsent ON session_changes(sent_at, created_at);

-- Bumped to revoke a person's secret calendar feed address for an event.
ALTER TABLE registrations ADD COLUMN calendar_epoch INTEGER NOT NULL DEFAULT 0;
