-- Further attachments of a message, as a JSON list of {filename, content_type, body}: a
-- change notice carries an iTIP REQUEST and a CANCEL, and one calendar holds one method.
ALTER TABLE outbox ADD COLUMN more_attachments TEXT;
