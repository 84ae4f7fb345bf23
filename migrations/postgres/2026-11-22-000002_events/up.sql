-- Events, organisers, invitations, registration questions, registrations and answers.
CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    venue TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    timezone TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    registration_opens_at TIMESTAMP,
    registration_closes_at TIMESTAMP,
    capacity INTEGER CHECK (capacity IS NULL OR capacity >= 0),
    requires_approval BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'closed', 'cancelled')),
    -- Incremented by every registration change: the row lock that serialises seat allocation.
    registration_version BIGINT NOT NULL DEFAULT 0,
    -- Last waitlist number handed out; numbers are never reused.
    waitlist_seq INTEGER NOT NULL DEFAULT 0,
    -- Incremented when date, time or place change: SEQUENCE of the calendar entries.
    sequence INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX events_status_start ON events(status, starts_at);

CREATE TABLE event_organisers (
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, user_id)
);
CREATE INDEX event_organisers_user ON event_organisers(user_id);

-- Invitations by e-mail: co-organisers (accepting makes them organisers of the event) and
-- invitees imported from CSV (the link leads to the registration form).
CREATE TABLE event_invitations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('organiser', 'attendee')),
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    organisation TEXT NOT NULL DEFAULT '',
    token_hash TEXT NOT NULL UNIQUE,
    invited_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    UNIQUE (event_id, kind, email)
);

CREATE TABLE registration_questions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('short_text', 'long_text', 'single_choice', 'multiple_choice', 'checkbox')),
    label TEXT NOT NULL,
    help TEXT NOT NULL DEFAULT '',
    -- Choices, one per line.
    options TEXT NOT NULL DEFAULT '',
    required BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX registration_questions_event ON registration_questions(event_id, position);

CREATE TABLE registrations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'cancelled', 'rejected')),
    -- Arrival number on the waitlist (NULL when never waitlisted); the position shown is the rank.
    waitlist_number INTEGER,
    -- Stable UID of the calendar entry and its SEQUENCE.
    ical_uid TEXT NOT NULL UNIQUE,
    ical_sequence INTEGER NOT NULL DEFAULT 0,
    directory_consent BOOLEAN NOT NULL DEFAULT FALSE,
    matchmaking_consent BOOLEAN NOT NULL DEFAULT FALSE,
    attended_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, user_id),
    UNIQUE (event_id, waitlist_number)
);
CREATE INDEX registrations_event_status ON registrations(event_id, status);
CREATE INDEX registrations_user ON registrations(user_id);

CREATE TABLE registration_answers (
    registration_id BIGINT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL REFERENCES registration_questions(id) ON DELETE CASCADE,
    -- Text as typed; for multiple choice the chosen options, one per line; checkbox 'yes'/'no'.
    value TEXT NOT NULL,
    PRIMARY KEY (registration_id, question_id)
);

-- No foreign key: SQLite cannot drop a column that has one, and events are never deleted.
ALTER TABLE audit_log ADD COLUMN event_id BIGINT;
CREATE INDEX audit_log_event ON audit_log(event_id, id);
