DROP TABLE audit_log;
DROP TABLE login_attempts;
DROP TABLE outbox;
DROP TABLE email_tokens;
DROP TABLE users;
