-- PSA integration schema, SQLite. Kept in step with ../postgres/0001_schema.sql.
--
-- Types: ids are hyphenated UUID text, timestamps RFC 3339 UTC text with
-- microseconds (`2024-01-02T03:04:05.000000Z`, so text order is time order),
-- JSON is text, booleans are 0/1. Tables are STRICT so a wrongly typed bind fails.
--
-- Citus rule: every primary key starts with `tenant`, and every unique
-- constraint and foreign key includes `tenant`, so each table can be
-- distributed by tenant (checked on PostgreSQL's catalog).

CREATE TABLE tenants (
    tenant      TEXT        NOT NULL,
    tenant_name TEXT        NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant)
) STRICT;

-- Last ticket number handed out per tenant; the creating transaction bumps it.
CREATE TABLE ticket_number_counters (
    tenant      TEXT   NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    last_number INTEGER NOT NULL,
    PRIMARY KEY (tenant)
) STRICT;

CREATE TABLE clients (
    tenant      TEXT        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    client_id   TEXT        NOT NULL,
    client_name TEXT        NOT NULL,
    is_inactive INTEGER     NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, client_id)
) STRICT;

CREATE TABLE boards (
    tenant     TEXT    NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    board_id   TEXT    NOT NULL,
    board_name TEXT    NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, board_id)
) STRICT;

-- At most one default board per tenant.
CREATE UNIQUE INDEX boards_one_default ON boards (tenant) WHERE is_default = 1;

CREATE TABLE statuses (
    tenant       TEXT    NOT NULL,
    status_id    TEXT    NOT NULL,
    board_id     TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    is_default   INTEGER NOT NULL DEFAULT 0,
    is_closed    INTEGER NOT NULL DEFAULT 0,
    order_number INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, status_id),
    FOREIGN KEY (tenant, board_id) REFERENCES boards (tenant, board_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX statuses_board ON statuses (tenant, board_id);

CREATE TABLE priorities (
    tenant        TEXT    NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    priority_id   TEXT    NOT NULL,
    priority_name TEXT    NOT NULL,
    order_number  INTEGER NOT NULL,
    PRIMARY KEY (tenant, priority_id)
) STRICT;

CREATE TABLE categories (
    tenant          TEXT NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    category_id     TEXT NOT NULL,
    category_name   TEXT NOT NULL,
    parent_category TEXT,
    board_id        TEXT,
    PRIMARY KEY (tenant, category_id),
    FOREIGN KEY (tenant, parent_category) REFERENCES categories (tenant, category_id),
    FOREIGN KEY (tenant, board_id) REFERENCES boards (tenant, board_id)
) STRICT;

CREATE TABLE tickets (
    tenant           TEXT        NOT NULL,
    ticket_id        TEXT        NOT NULL,
    ticket_number    INTEGER      NOT NULL,
    title            TEXT        NOT NULL,
    description      TEXT        NOT NULL,
    client_id        TEXT        NOT NULL,
    board_id         TEXT        NOT NULL,
    status_id        TEXT        NOT NULL,
    priority_id      TEXT,
    category_id      TEXT,
    subcategory_id   TEXT,
    source           TEXT,
    source_reference TEXT,
    attributes       TEXT       NOT NULL DEFAULT '{}',
    entered_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    closed_at        TEXT,
    PRIMARY KEY (tenant, ticket_id),
    UNIQUE (tenant, ticket_number),
    FOREIGN KEY (tenant, client_id) REFERENCES clients (tenant, client_id),
    FOREIGN KEY (tenant, board_id) REFERENCES boards (tenant, board_id),
    FOREIGN KEY (tenant, status_id) REFERENCES statuses (tenant, status_id),
    FOREIGN KEY (tenant, priority_id) REFERENCES priorities (tenant, priority_id),
    FOREIGN KEY (tenant, category_id) REFERENCES categories (tenant, category_id),
    FOREIGN KEY (tenant, subcategory_id) REFERENCES categories (tenant, category_id)
) STRICT;

-- One external record (e.g. one incident) is one ticket.
CREATE UNIQUE INDEX tickets_source_reference
    ON tickets (tenant, source, source_reference)
    WHERE source_reference IS NOT NULL;

CREATE TABLE comments (
    tenant              TEXT        NOT NULL,
    comment_id          TEXT        NOT NULL,
    ticket_id           TEXT        NOT NULL,
    note                TEXT        NOT NULL,
    is_internal         INTEGER     NOT NULL,
    is_system_generated INTEGER     NOT NULL,
    created_at          TEXT NOT NULL,
    PRIMARY KEY (tenant, comment_id),
    FOREIGN KEY (tenant, ticket_id) REFERENCES tickets (tenant, ticket_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX comments_ticket ON comments (tenant, ticket_id, created_at);

CREATE TABLE assets (
    tenant              TEXT        NOT NULL,
    asset_id            TEXT        NOT NULL,
    client_id           TEXT        NOT NULL,
    asset_type          TEXT        NOT NULL,
    asset_tag           TEXT,
    name                TEXT        NOT NULL,
    serial_number       TEXT,
    status              TEXT        NOT NULL,
    agent_status        TEXT,
    last_seen_at        TEXT,
    rmm_provider        TEXT,
    rmm_device_id       TEXT,
    rmm_organization_id TEXT,
    last_rmm_sync_at    TEXT,
    attributes          TEXT       NOT NULL DEFAULT '{}',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (tenant, asset_id),
    FOREIGN KEY (tenant, client_id) REFERENCES clients (tenant, client_id)
) STRICT;

-- Hostname lookups of one client (and the client foreign key).
CREATE INDEX assets_client_name ON assets (tenant, client_id, lower(name));
-- Correlation of devices that have no mapping row yet.
CREATE INDEX assets_rmm_device ON assets (tenant, rmm_provider, rmm_device_id);
-- Devices of one provider scope.
CREATE INDEX assets_rmm_organization ON assets (tenant, rmm_organization_id);

-- Extension rows: server devices go to server_assets, every other device
-- type to workstation_assets (see src/asset_rules.rs).
CREATE TABLE workstation_assets (
    tenant              TEXT        NOT NULL,
    asset_id            TEXT        NOT NULL,
    os_name             TEXT,
    os_version          TEXT,
    os_platform         TEXT,
    manufacturer        TEXT,
    model               TEXT,
    cpu_model           TEXT,
    cpu_cores           INTEGER,
    ram_bytes           INTEGER,
    disks               TEXT,
    is_virtual          INTEGER,
    lan_ip              TEXT,
    wan_ip              TEXT,
    ip_addresses        TEXT,
    mac_addresses       TEXT,
    current_user_name   TEXT,
    last_logged_in_user TEXT,
    installed_software  TEXT,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (tenant, asset_id),
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id) ON DELETE CASCADE
) STRICT;

CREATE TABLE server_assets (
    tenant              TEXT        NOT NULL,
    asset_id            TEXT        NOT NULL,
    os_name             TEXT,
    os_version          TEXT,
    os_platform         TEXT,
    manufacturer        TEXT,
    model               TEXT,
    cpu_model           TEXT,
    cpu_cores           INTEGER,
    ram_bytes           INTEGER,
    disks               TEXT,
    is_virtual          INTEGER,
    lan_ip              TEXT,
    wan_ip              TEXT,
    ip_addresses        TEXT,
    mac_addresses       TEXT,
    current_user_name   TEXT,
    last_logged_in_user TEXT,
    installed_software  TEXT,
    updated_at          TEXT NOT NULL,
    PRIMARY KEY (tenant, asset_id),
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id) ON DELETE CASCADE
) STRICT;

-- entity_id is polymorphic (entity_type says what it is), so it has no foreign key.
CREATE TABLE asset_associations (
    tenant            TEXT        NOT NULL,
    asset_id          TEXT        NOT NULL,
    entity_id         TEXT        NOT NULL,
    entity_type       TEXT        NOT NULL,
    relationship_type TEXT        NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (tenant, asset_id, entity_type, entity_id),
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX asset_associations_entity ON asset_associations (tenant, entity_type, entity_id);

CREATE TABLE rmm_integrations (
    tenant                   TEXT        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    integration_id           TEXT        NOT NULL,
    provider                 TEXT        NOT NULL,
    instance_url             TEXT,
    is_active                INTEGER     NOT NULL DEFAULT 0,
    connected_at             TEXT,
    sync_status              TEXT        NOT NULL DEFAULT 'pending',
    sync_error               TEXT,
    last_sync_at             TEXT,
    last_full_sync_at        TEXT,
    last_incremental_sync_at TEXT,
    settings                 TEXT       NOT NULL DEFAULT '{}',
    -- Compare-and-set token of `settings`: bumped by every settings write.
    settings_version         INTEGER      NOT NULL DEFAULT 0,
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    PRIMARY KEY (tenant, integration_id),
    CHECK (sync_status IN ('pending', 'syncing', 'completed', 'error'))
) STRICT;

CREATE TABLE rmm_organization_mappings (
    tenant                   TEXT        NOT NULL,
    integration_id           TEXT        NOT NULL,
    external_organization_id TEXT        NOT NULL,
    name                     TEXT        NOT NULL,
    client_id                TEXT,
    auto_sync_assets         INTEGER     NOT NULL DEFAULT 1,
    auto_create_tickets      INTEGER     NOT NULL DEFAULT 1,
    metadata                 TEXT       NOT NULL DEFAULT '{}',
    created_at               TEXT NOT NULL,
    updated_at               TEXT NOT NULL,
    PRIMARY KEY (tenant, integration_id, external_organization_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, client_id) REFERENCES clients (tenant, client_id)
) STRICT;

CREATE TABLE rmm_alerts (
    tenant             TEXT        NOT NULL,
    alert_id           TEXT        NOT NULL,
    integration_id     TEXT        NOT NULL,
    external_alert_id  TEXT        NOT NULL,
    severity           TEXT        NOT NULL,
    status             TEXT        NOT NULL,
    message            TEXT        NOT NULL,
    device_name        TEXT,
    external_device_id TEXT,
    asset_id           TEXT,
    ticket_id          TEXT,
    triggered_at       TEXT,
    processing_error   TEXT,
    metadata           TEXT       NOT NULL DEFAULT '{}',
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (tenant, alert_id),
    UNIQUE (tenant, integration_id, external_alert_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id),
    FOREIGN KEY (tenant, ticket_id) REFERENCES tickets (tenant, ticket_id)
) STRICT;

-- alga_entity_id is polymorphic (alga_entity_type says what it is), so it has
-- no foreign key. The natural key is the primary key.
CREATE TABLE tenant_external_entity_mappings (
    tenant             TEXT        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    integration_type   TEXT        NOT NULL,
    alga_entity_type   TEXT        NOT NULL,
    external_realm_id  TEXT        NOT NULL,
    external_entity_id TEXT        NOT NULL,
    alga_entity_id     TEXT        NOT NULL,
    sync_status        TEXT        NOT NULL,
    last_synced_at     TEXT,
    -- Hash of the snapshot last written (assets), to skip unchanged devices.
    content_hash       TEXT,
    metadata           TEXT       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, integration_type, alga_entity_type, external_realm_id, external_entity_id)
) STRICT;

CREATE INDEX tenant_external_entity_mappings_entity
    ON tenant_external_entity_mappings (tenant, alga_entity_type, alga_entity_id);

-- AES-256-GCM ciphertext; tenant and name are bound as associated data.
CREATE TABLE secrets (
    tenant      TEXT        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    name        TEXT        NOT NULL,
    nonce       BLOB       NOT NULL,
    ciphertext  BLOB       NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, name)
) STRICT;

CREATE TABLE sync_runs (
    tenant         TEXT        NOT NULL,
    run_id         TEXT        NOT NULL,
    integration_id TEXT        NOT NULL,
    kind           TEXT        NOT NULL,
    started_at     TEXT NOT NULL,
    finished_at    TEXT,
    outcome        TEXT        NOT NULL,
    counts         TEXT       NOT NULL DEFAULT '{}',
    requests_made  INTEGER      NOT NULL DEFAULT 0,
    error          TEXT,
    PRIMARY KEY (tenant, run_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX sync_runs_integration ON sync_runs (tenant, integration_id, started_at DESC);
