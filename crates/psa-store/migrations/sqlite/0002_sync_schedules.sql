-- The schedule of every integration's jobs, and the leases through which
-- workers share them (on SQLite: the workers of one process).
CREATE TABLE sync_schedules (
    tenant           text NOT NULL,
    integration_id   text NOT NULL,
    job              text NOT NULL,
    next_due_at      text NOT NULL,
    lease_holder     text,
    lease_token      text,
    lease_expires_at text,
    -- The holder whose expired lease the current one took over.
    lease_taken_from text,
    updated_at       text NOT NULL,
    PRIMARY KEY (tenant, integration_id, job),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
);

CREATE INDEX sync_schedules_due ON sync_schedules (next_due_at);
