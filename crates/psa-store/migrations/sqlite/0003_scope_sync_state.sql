-- Device-sync state per scope, and who decided each mapping.
--
-- decided_by: nobody | auto_match | person. The auto-matcher links only rows
-- nobody decided; a person's link or unlink stays until a person changes it.
-- mapped_at: when the scope was last (re)mapped or had asset sync switched
-- on; a full walk that started before it does not count.
-- full_walk_at / device_watermark: start of the last complete full walk /
-- of the last completed walk; only a completed walk moves them.
ALTER TABLE rmm_organization_mappings ADD COLUMN decided_by TEXT NOT NULL DEFAULT 'nobody';
ALTER TABLE rmm_organization_mappings ADD COLUMN mapped_at TEXT;
ALTER TABLE rmm_organization_mappings ADD COLUMN full_walk_at TEXT;
ALTER TABLE rmm_organization_mappings ADD COLUMN device_watermark TEXT;
ALTER TABLE rmm_organization_mappings ADD COLUMN last_walk_outcome TEXT;
ALTER TABLE rmm_organization_mappings ADD COLUMN last_walk_error TEXT;

-- Existing rows: the auto-matcher's flag, else a person's link; the scopes
-- start from the integration's own state, so an upgrade walks nothing twice.
-- (Timestamps are fixed-width text, so max() of two is the later one.)
UPDATE rmm_organization_mappings
SET decided_by = CASE
        WHEN json_type(metadata, '$.auto_matched') IS NOT NULL THEN 'auto_match'
        WHEN client_id IS NOT NULL THEN 'person'
        ELSE 'nobody'
    END,
    metadata = json_remove(metadata, '$.auto_matched'),
    full_walk_at = (SELECT i.last_full_sync_at FROM rmm_integrations i
                    WHERE i.tenant = rmm_organization_mappings.tenant
                      AND i.integration_id = rmm_organization_mappings.integration_id),
    device_watermark = (SELECT CASE
                            WHEN i.last_incremental_sync_at IS NULL THEN i.last_full_sync_at
                            WHEN i.last_full_sync_at IS NULL THEN i.last_incremental_sync_at
                            ELSE max(i.last_full_sync_at, i.last_incremental_sync_at)
                        END
                        FROM rmm_integrations i
                        WHERE i.tenant = rmm_organization_mappings.tenant
                          AND i.integration_id = rmm_organization_mappings.integration_id);
