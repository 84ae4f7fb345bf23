-- Only a registration that is waiting keeps a waitlist number (its place in the queue). Rows
-- moved up from the waitlist, cancelled or refused before this rule kept theirs, which the
-- registrants export showed as if they were still waiting.
UPDATE registrations SET waitlist_number = NULL WHERE status <> 'waitlisted';
