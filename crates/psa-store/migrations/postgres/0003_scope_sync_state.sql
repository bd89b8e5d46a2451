-- Device-sync state per scope, and who decided each mapping.
--
-- decided_by: nobody | auto_match | person. The auto-matcher links only rows
-- nobody decided; a person's link or unlink stays until a person changes it.
-- mapped_at: when the scope was last (re)mapped or had asset sync switched
-- on; a full walk that started before it does not count.
-- full_walk_at / device_watermark: start of the last complete full walk /
-- of the last completed walk; only a completed walk moves them.
ALTER TABLE rmm_organization_mappings
    ADD COLUMN decided_by        text NOT NULL DEFAULT 'nobody',
    ADD COLUMN mapped_at         timestamptz,
    ADD COLUMN full_walk_at      timestamptz,
    ADD COLUMN device_watermark  timestamptz,
    ADD COLUMN last_walk_outcome text,
    ADD COLUMN last_walk_error   text;

-- Existing rows: the auto-matcher's flag, else a person's link; the scopes
-- start from the integration's own state, so an upgrade walks nothing twice.
UPDATE rmm_organization_mappings m
SET decided_by = CASE
        WHEN m.metadata ? 'auto_matched' THEN 'auto_match'
        WHEN m.client_id IS NOT NULL THEN 'person'
        ELSE 'nobody'
    END,
    metadata = m.metadata - 'auto_matched',
    full_walk_at = i.last_full_sync_at,
    device_watermark = GREATEST(i.last_full_sync_at, i.last_incremental_sync_at)
FROM rmm_integrations i
WHERE i.tenant = m.tenant AND i.integration_id = m.integration_id;
