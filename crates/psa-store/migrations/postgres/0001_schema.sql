-- PSA integration schema, PostgreSQL. Kept in step with ../sqlite/0001_schema.sql.
--
-- Citus rule: every primary key starts with `tenant`, and every unique
-- constraint and foreign key includes `tenant`, so each table can be
-- distributed by tenant (tests/conformance/schema_rules.rs checks the catalog).

CREATE TABLE tenants (
    tenant      uuid        NOT NULL,
    tenant_name text        NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant)
);

-- Last ticket number handed out per tenant; the creating transaction bumps it.
CREATE TABLE ticket_number_counters (
    tenant      uuid   NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    last_number bigint NOT NULL,
    PRIMARY KEY (tenant)
);

CREATE TABLE clients (
    tenant      uuid        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    client_id   uuid        NOT NULL,
    client_name text        NOT NULL,
    is_inactive boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, client_id)
);

CREATE TABLE boards (
    tenant     uuid    NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    board_id   uuid    NOT NULL,
    board_name text    NOT NULL,
    is_default boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant, board_id)
);

-- At most one default board per tenant.
CREATE UNIQUE INDEX boards_one_default ON boards (tenant) WHERE is_default;

CREATE TABLE statuses (
    tenant       uuid    NOT NULL,
    status_id    uuid    NOT NULL,
    board_id     uuid    NOT NULL,
    name         text    NOT NULL,
    is_default   boolean NOT NULL DEFAULT false,
    is_closed    boolean NOT NULL DEFAULT false,
    order_number integer NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, status_id),
    FOREIGN KEY (tenant, board_id) REFERENCES boards (tenant, board_id) ON DELETE CASCADE
);

CREATE INDEX statuses_board ON statuses (tenant, board_id);

CREATE TABLE priorities (
    tenant        uuid    NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    priority_id   uuid    NOT NULL,
    priority_name text    NOT NULL,
    order_number  integer NOT NULL,
    PRIMARY KEY (tenant, priority_id)
);

CREATE TABLE categories (
    tenant          uuid NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    category_id     uuid NOT NULL,
    category_name   text NOT NULL,
    parent_category uuid,
    board_id        uuid,
    PRIMARY KEY (tenant, category_id),
    FOREIGN KEY (tenant, parent_category) REFERENCES categories (tenant, category_id),
    FOREIGN KEY (tenant, board_id) REFERENCES boards (tenant, board_id)
);

CREATE TABLE tickets (
    tenant           uuid        NOT NULL,
    ticket_id        uuid        NOT NULL,
    ticket_number    bigint      NOT NULL,
    title            text        NOT NULL,
    description      text        NOT NULL,
    client_id        uuid        NOT NULL,
    board_id         uuid        NOT NULL,
    status_id        uuid        NOT NULL,
    priority_id      uuid,
    category_id      uuid,
    subcategory_id   uuid,
    source           text,
    source_reference text,
    attributes       jsonb       NOT NULL DEFAULT '{}',
    entered_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    closed_at        timestamptz,
    PRIMARY KEY (tenant, ticket_id),
    UNIQUE (tenant, ticket_number),
    FOREIGN KEY (tenant, client_id) REFERENCES clients (tenant, client_id),
    FOREIGN KEY (tenant, board_id) REFERENCES boards (tenant, board_id),
    FOREIGN KEY (tenant, status_id) REFERENCES statuses (tenant, status_id),
    FOREIGN KEY (tenant, priority_id) REFERENCES priorities (tenant, priority_id),
    FOREIGN KEY (tenant, category_id) REFERENCES categories (tenant, category_id),
    FOREIGN KEY (tenant, subcategory_id) REFERENCES categories (tenant, category_id)
);

-- One external record (e.g. one incident) is one ticket.
CREATE UNIQUE INDEX tickets_source_reference
    ON tickets (tenant, source, source_reference)
    WHERE source_reference IS NOT NULL;

CREATE TABLE comments (
    tenant              uuid        NOT NULL,
    comment_id          uuid        NOT NULL,
    ticket_id           uuid        NOT NULL,
    note                text        NOT NULL,
    is_internal         boolean     NOT NULL,
    is_system_generated boolean     NOT NULL,
    created_at          timestamptz NOT NULL,
    PRIMARY KEY (tenant, comment_id),
    FOREIGN KEY (tenant, ticket_id) REFERENCES tickets (tenant, ticket_id) ON DELETE CASCADE
);

CREATE INDEX comments_ticket ON comments (tenant, ticket_id, created_at);

CREATE TABLE assets (
    tenant              uuid        NOT NULL,
    asset_id            uuid        NOT NULL,
    client_id           uuid        NOT NULL,
    asset_type          text        NOT NULL,
    asset_tag           text,
    name                text        NOT NULL,
    serial_number       text,
    status              text        NOT NULL,
    agent_status        text,
    last_seen_at        timestamptz,
    rmm_provider        text,
    rmm_device_id       text,
    rmm_organization_id text,
    last_rmm_sync_at    timestamptz,
    attributes          jsonb       NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (tenant, asset_id),
    FOREIGN KEY (tenant, client_id) REFERENCES clients (tenant, client_id)
);

-- Hostname lookups of one client (and the client foreign key).
CREATE INDEX assets_client_name ON assets (tenant, client_id, lower(name));
-- Correlation of devices that have no mapping row yet.
CREATE INDEX assets_rmm_device ON assets (tenant, rmm_provider, rmm_device_id);
-- Devices of one provider scope.
CREATE INDEX assets_rmm_organization ON assets (tenant, rmm_organization_id);

-- Extension rows: server devices go to server_assets, every other device
-- type to workstation_assets (see src/asset_rules.rs).
CREATE TABLE workstation_assets (
    tenant              uuid        NOT NULL,
    asset_id            uuid        NOT NULL,
    os_name             text,
    os_version          text,
    os_platform         text,
    manufacturer        text,
    model               text,
    cpu_model           text,
    cpu_cores           integer,
    ram_bytes           bigint,
    disks               jsonb,
    is_virtual          boolean,
    lan_ip              text,
    wan_ip              text,
    ip_addresses        jsonb,
    mac_addresses       jsonb,
    current_user_name   text,
    last_logged_in_user text,
    installed_software  jsonb,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (tenant, asset_id),
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id) ON DELETE CASCADE
);

CREATE TABLE server_assets (
    tenant              uuid        NOT NULL,
    asset_id            uuid        NOT NULL,
    os_name             text,
    os_version          text,
    os_platform         text,
    manufacturer        text,
    model               text,
    cpu_model           text,
    cpu_cores           integer,
    ram_bytes           bigint,
    disks               jsonb,
    is_virtual          boolean,
    lan_ip              text,
    wan_ip              text,
    ip_addresses        jsonb,
    mac_addresses       jsonb,
    current_user_name   text,
    last_logged_in_user text,
    installed_software  jsonb,
    updated_at          timestamptz NOT NULL,
    PRIMARY KEY (tenant, asset_id),
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id) ON DELETE CASCADE
);

-- entity_id is polymorphic (entity_type says what it is), so it has no foreign key.
CREATE TABLE asset_associations (
    tenant            uuid        NOT NULL,
    asset_id          uuid        NOT NULL,
    entity_id         uuid        NOT NULL,
    entity_type       text        NOT NULL,
    relationship_type text        NOT NULL,
    created_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant, asset_id, entity_type, entity_id),
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id) ON DELETE CASCADE
);

CREATE INDEX asset_associations_entity ON asset_associations (tenant, entity_type, entity_id);

CREATE TABLE rmm_integrations (
    tenant                   uuid        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    integration_id           uuid        NOT NULL,
    provider                 text        NOT NULL,
    instance_url             text,
    is_active                boolean     NOT NULL DEFAULT false,
    connected_at             timestamptz,
    sync_status              text        NOT NULL DEFAULT 'pending',
    sync_error               text,
    last_sync_at             timestamptz,
    last_full_sync_at        timestamptz,
    last_incremental_sync_at timestamptz,
    settings                 jsonb       NOT NULL DEFAULT '{}',
    -- Compare-and-set token of `settings`: bumped by every settings write.
    settings_version         bigint      NOT NULL DEFAULT 0,
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    PRIMARY KEY (tenant, integration_id),
    CHECK (sync_status IN ('pending', 'syncing', 'completed', 'error'))
);

CREATE TABLE rmm_organization_mappings (
    tenant                   uuid        NOT NULL,
    integration_id           uuid        NOT NULL,
    external_organization_id text        NOT NULL,
    name                     text        NOT NULL,
    client_id                uuid,
    auto_sync_assets         boolean     NOT NULL DEFAULT true,
    auto_create_tickets      boolean     NOT NULL DEFAULT true,
    metadata                 jsonb       NOT NULL DEFAULT '{}',
    created_at               timestamptz NOT NULL,
    updated_at               timestamptz NOT NULL,
    PRIMARY KEY (tenant, integration_id, external_organization_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, client_id) REFERENCES clients (tenant, client_id)
);

CREATE TABLE rmm_alerts (
    tenant             uuid        NOT NULL,
    alert_id           uuid        NOT NULL,
    integration_id     uuid        NOT NULL,
    external_alert_id  text        NOT NULL,
    severity           text        NOT NULL,
    status             text        NOT NULL,
    message            text        NOT NULL,
    device_name        text,
    external_device_id text,
    asset_id           uuid,
    ticket_id          uuid,
    triggered_at       timestamptz,
    processing_error   text,
    metadata           jsonb       NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    PRIMARY KEY (tenant, alert_id),
    UNIQUE (tenant, integration_id, external_alert_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant, asset_id) REFERENCES assets (tenant, asset_id),
    FOREIGN KEY (tenant, ticket_id) REFERENCES tickets (tenant, ticket_id)
);

-- alga_entity_id is polymorphic (alga_entity_type says what it is), so it has
-- no foreign key. The natural key is the primary key.
CREATE TABLE tenant_external_entity_mappings (
    tenant             uuid        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    integration_type   text        NOT NULL,
    alga_entity_type   text        NOT NULL,
    external_realm_id  text        NOT NULL,
    external_entity_id text        NOT NULL,
    alga_entity_id     uuid        NOT NULL,
    sync_status        text        NOT NULL,
    last_synced_at     timestamptz,
    -- Hash of the snapshot last written (assets), to skip unchanged devices.
    content_hash       text,
    metadata           jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, integration_type, alga_entity_type, external_realm_id, external_entity_id)
);

CREATE INDEX tenant_external_entity_mappings_entity
    ON tenant_external_entity_mappings (tenant, alga_entity_type, alga_entity_id);

-- AES-256-GCM ciphertext; tenant and name are bound as associated data.
CREATE TABLE secrets (
    tenant      uuid        NOT NULL REFERENCES tenants (tenant) ON DELETE CASCADE,
    name        text        NOT NULL,
    nonce       bytea       NOT NULL,
    ciphertext  bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant, name)
);

CREATE TABLE sync_runs (
    tenant         uuid        NOT NULL,
    run_id         uuid        NOT NULL,
    integration_id uuid        NOT NULL,
    kind           text        NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    outcome        text        NOT NULL,
    counts         jsonb       NOT NULL DEFAULT '{}',
    requests_made  bigint      NOT NULL DEFAULT 0,
    error          text,
    PRIMARY KEY (tenant, run_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
);

CREATE INDEX sync_runs_integration ON sync_runs (tenant, integration_id, started_at DESC);
