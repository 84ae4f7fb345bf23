ALTER TABLE outbox DROP COLUMN more_attachments;
