DROP INDEX meetings_event_b_user;
