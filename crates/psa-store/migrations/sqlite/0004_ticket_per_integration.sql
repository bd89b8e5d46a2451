-- One incident is one ticket per integration: the alert row (unique per
-- integration and incident id) links them, and its row lock serializes
-- racing creators. Two integrations of one provider (two accounts) may see
-- the same incident id, so a ticket's source reference is no longer unique.
DROP INDEX tickets_source_reference;
CREATE INDEX tickets_source_reference
    ON tickets (tenant, source, source_reference)
    WHERE source_reference IS NOT NULL;
