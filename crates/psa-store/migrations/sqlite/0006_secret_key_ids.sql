-- Which key sealed each secret, so several keys can be read during a key
-- rotation and the rotation knows what is left. NULL: sealed before key
-- ids were kept (each configured key is tried).
ALTER TABLE secrets ADD COLUMN key_id TEXT;
