-- Webhook deliveries seen, by the sender's delivery id (Svix's `svix-id`),
-- so a replay is recognised; kept for a week.
CREATE TABLE webhook_deliveries (
    tenant          TEXT NOT NULL,
    integration_id  TEXT NOT NULL,
    delivery_id     TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    PRIMARY KEY (tenant, integration_id, delivery_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX webhook_deliveries_age ON webhook_deliveries (tenant, integration_id, received_at);
CREATE INDEX rmm_integrations_by_id ON rmm_integrations (integration_id);
