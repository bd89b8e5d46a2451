-- Usage counts per integration, scope and metric, one snapshot a day (the
-- latest count of the day), with the client the scope was mapped to.
CREATE TABLE usage_snapshots (
    tenant          TEXT NOT NULL,
    integration_id  TEXT NOT NULL,
    day             TEXT NOT NULL,
    scope_id        TEXT NOT NULL,
    metric          TEXT NOT NULL,
    scope_name      TEXT NOT NULL,
    client_id       TEXT,
    value           INTEGER NOT NULL,
    PRIMARY KEY (tenant, integration_id, day, scope_id, metric),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
) STRICT;
