-- Usage counts per integration, scope and metric, one snapshot a day (the
-- latest count of the day), with the client the scope was mapped to.
CREATE TABLE usage_snapshots (
    tenant          uuid NOT NULL,
    integration_id  uuid NOT NULL,
    day             text NOT NULL,
    scope_id        text NOT NULL,
    metric          text NOT NULL,
    scope_name      text NOT NULL,
    client_id       uuid,
    value           bigint NOT NULL,
    PRIMARY KEY (tenant, integration_id, day, scope_id, metric),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
);
