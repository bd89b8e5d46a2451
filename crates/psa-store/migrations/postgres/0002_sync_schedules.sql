-- The schedule of every integration's jobs, and the leases through which
-- any number of workers share them (claimed with FOR UPDATE SKIP LOCKED).
CREATE TABLE sync_schedules (
    tenant           uuid        NOT NULL,
    integration_id   uuid        NOT NULL,
    job              text        NOT NULL,
    next_due_at      timestamptz NOT NULL,
    lease_holder     text,
    lease_token      uuid,
    lease_expires_at timestamptz,
    -- The holder whose expired lease the current one took over.
    lease_taken_from text,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant, integration_id, job),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
);

-- Claims look for the earliest due jobs across tenants.
CREATE INDEX sync_schedules_due ON sync_schedules (next_due_at);
