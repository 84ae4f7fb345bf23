-- Server-side sessions: the session cookie carries a random id whose SHA-256 hash is stored
-- here, so logging out (or "log out everywhere") ends a session on every server, and a copied
-- cookie stops working. `device` is a short description from the User-Agent ("Firefox on
-- Linux"), never the header itself.
CREATE TABLE user_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX user_sessions_user ON user_sessions(user_id);
