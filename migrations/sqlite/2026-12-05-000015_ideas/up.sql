-- Project ideas for an event: the coordinator's idea for a call, its open roles (with the
-- topics, sectors and countries wanted), applications for roles, the consortium's members,
-- and the event's eligibility rules (the JSON of the engine's `eligibility::Rules`; no row
-- means the default for EU public-private calls).
CREATE TABLE ideas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    call_text TEXT NOT NULL DEFAULT '',
    call_id TEXT NOT NULL DEFAULT '',
    listed BOOLEAN NOT NULL DEFAULT TRUE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    -- Hidden by the event's organisers: gone from the list and from everyone but its people.
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX ideas_event_author ON ideas(event_id, author_id);

CREATE TABLE idea_roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id BIGINT NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    description TEXT NOT NULL,
    -- Sector codes and ISO alpha-2 country codes, space-separated; empty means any.
    sectors TEXT NOT NULL DEFAULT '',
    countries TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idea_roles_idea ON idea_roles(idea_id);

CREATE TABLE idea_role_topics (
    role_id BIGINT NOT NULL REFERENCES idea_roles(id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, topic_id)
);

-- The consortium: the coordinator (role_id NULL) and one person per filled role.
CREATE TABLE idea_members (
    idea_id BIGINT NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role_id BIGINT REFERENCES idea_roles(id) ON DELETE SET NULL,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (idea_id, user_id)
);
CREATE UNIQUE INDEX idea_members_one_per_role ON idea_members(role_id) WHERE role_id IS NOT NULL;
CREATE INDEX idea_members_user ON idea_members(user_id);

CREATE TABLE idea_applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id BIGINT NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES idea_roles(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'withdrawn')),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX idea_applications_one_pending ON idea_applications(role_id, user_id) WHERE status = 'pending';
CREATE INDEX idea_applications_idea ON idea_applications(idea_id, status);
CREATE INDEX idea_applications_user ON idea_applications(user_id);

-- "Invite to apply" mails a coordinator sent: one per person and role, and a daily cap per idea.
CREATE TABLE idea_invitations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idea_id BIGINT NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    role_id BIGINT NOT NULL REFERENCES idea_roles(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (role_id, user_id)
);
CREATE INDEX idea_invitations_idea ON idea_invitations(idea_id, created_at);

CREATE TABLE eligibility_rules (
    event_id BIGINT PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
    rules TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
