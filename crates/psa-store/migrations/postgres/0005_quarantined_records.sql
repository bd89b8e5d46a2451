-- Records a pipeline could not process for a reason of their own, kept
-- with what is needed to try them again; one per integration, pipeline and
-- record. Each cycle retries the due ones before new records.
CREATE TABLE quarantined_records (
    tenant          uuid        NOT NULL,
    integration_id  uuid        NOT NULL,
    pipeline        text        NOT NULL,
    record_id       text        NOT NULL,
    payload         jsonb       NOT NULL,
    error           text        NOT NULL,
    attempts        integer     NOT NULL,
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL,
    next_retry_at   timestamptz NOT NULL,
    PRIMARY KEY (tenant, integration_id, pipeline, record_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
);

CREATE INDEX quarantined_records_due
    ON quarantined_records (tenant, integration_id, pipeline, next_retry_at);
