-- Matchmaking: per-event settings, the topic taxonomy, participants' interests and cooperation
-- opportunities, meeting slots and availability, meeting requests and the meetings themselves.
CREATE TABLE match_settings (
    event_id BIGINT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    enabled BOOLEAN NOT NULL DEFAULT FALSE,
    meeting_minutes INTEGER NOT NULL DEFAULT 20 CHECK (meeting_minutes BETWEEN 5 AND 240),
    tables_count INTEGER NOT NULL DEFAULT 20 CHECK (tables_count BETWEEN 1 AND 5000),
    max_meetings INTEGER NOT NULL DEFAULT 8 CHECK (max_meetings BETWEEN 1 AND 200),
    cross_sector_bonus DOUBLE PRECISION NOT NULL DEFAULT 1.0 CHECK (cross_sector_bonus >= 0),
    allow_same_organisation BOOLEAN NOT NULL DEFAULT FALSE,
    request_ttl_hours INTEGER NOT NULL DEFAULT 72 CHECK (request_ttl_hours BETWEEN 1 AND 2160),
    booking_opens_at TIMESTAMP,
    booking_closes_at TIMESTAMP,
    allow_suggested BOOLEAN NOT NULL DEFAULT TRUE,
    published_at TIMESTAMP,
    -- Incremented by every change to the meetings: the row lock that serialises placements.
    schedule_version BIGINT NOT NULL DEFAULT 0,
    last_run_at TIMESTAMP,
    last_run_summary TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE topics (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('area', 'capability')),
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (event_id, name)
);

CREATE TABLE match_profiles (
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    about TEXT NOT NULL DEFAULT '',
    max_meetings INTEGER CHECK (max_meetings IS NULL OR max_meetings >= 0),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

CREATE TABLE profile_interests (
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (event_id, user_id, topic_id)
);

CREATE TABLE opportunities (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('offer', 'request')),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX opportunities_event_user ON opportunities(event_id, user_id);

CREATE TABLE opportunity_topics (
    opportunity_id BIGINT NOT NULL REFERENCES opportunities(id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (opportunity_id, topic_id)
);

CREATE TABLE meeting_slots (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, starts_at),
    CHECK (ends_at > starts_at)
);

-- Everyone is available in every slot unless they say otherwise.
CREATE TABLE unavailability (
    slot_id BIGINT NOT NULL REFERENCES meeting_slots(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (slot_id, user_id)
);

CREATE TABLE meeting_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    from_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    to_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'cancelled', 'expired')),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    digest_sent_at TIMESTAMP,
    CHECK (from_user <> to_user)
);
CREATE INDEX meeting_requests_to ON meeting_requests(event_id, to_user, status);
CREATE INDEX meeting_requests_from ON meeting_requests(event_id, from_user, status);
CREATE INDEX meeting_requests_due ON meeting_requests(status, expires_at);

-- Live meetings only (a cancelled meeting is deleted). a_user < b_user, so a pair meets once.
CREATE TABLE meetings (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    slot_id BIGINT NOT NULL REFERENCES meeting_slots(id) ON DELETE CASCADE,
    table_no INTEGER NOT NULL CHECK (table_no >= 1),
    a_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    b_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    request_id BIGINT REFERENCES meeting_requests(id) ON DELETE SET NULL,
    origin TEXT NOT NULL CHECK (origin IN ('request', 'suggested', 'organiser')),
    locked BOOLEAN NOT NULL DEFAULT FALSE,
    score DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (a_user < b_user),
    UNIQUE (slot_id, table_no),
    UNIQUE (event_id, a_user, b_user)
);

-- One row per person and meeting: the database itself refuses a double booking.
CREATE TABLE meeting_seats (
    slot_id BIGINT NOT NULL REFERENCES meeting_slots(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
    PRIMARY KEY (slot_id, user_id)
);
CREATE INDEX meeting_seats_meeting ON meeting_seats(meeting_id);
