-- The numbers cleared by up.sql were stale; there is nothing to restore.
SELECT 1;
