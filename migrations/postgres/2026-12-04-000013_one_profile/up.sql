-- One "about" text per person: users.bio. An event's matchmaking "about" (the latest written,
-- when a person has several) moves into it: it becomes the bio where that is empty, and is
-- added below a different bio, so nobody's words are lost. Then the per-event column goes.
UPDATE users SET bio = CASE
        WHEN bio = '' THEN (SELECT mp.about FROM match_profiles mp
                            WHERE mp.user_id = users.id AND mp.about <> ''
                            ORDER BY mp.updated_at DESC, mp.event_id DESC LIMIT 1)
        ELSE bio || chr(10) || chr(10) || (SELECT mp.about FROM match_profiles mp
                            WHERE mp.user_id = users.id AND mp.about <> ''
                            ORDER BY mp.updated_at DESC, mp.event_id DESC LIMIT 1)
    END
WHERE (SELECT mp.about FROM match_profiles mp
       WHERE mp.user_id = users.id AND mp.about <> ''
       ORDER BY mp.updated_at DESC, mp.event_id DESC LIMIT 1) <> bio;
ALTER TABLE match_profiles DROP COLUMN about;
