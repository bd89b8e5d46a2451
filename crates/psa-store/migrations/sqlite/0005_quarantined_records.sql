-- Records a pipeline could not process for a reason of their own, kept
-- with what is needed to try them again; one per integration, pipeline and
-- record. Each cycle retries the due ones before new records.
CREATE TABLE quarantined_records (
    tenant          TEXT    NOT NULL,
    integration_id  TEXT    NOT NULL,
    pipeline        TEXT    NOT NULL,
    record_id       TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    error           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    first_failed_at TEXT    NOT NULL,
    last_failed_at  TEXT    NOT NULL,
    next_retry_at   TEXT    NOT NULL,
    PRIMARY KEY (tenant, integration_id, pipeline, record_id),
    FOREIGN KEY (tenant, integration_id) REFERENCES rmm_integrations (tenant, integration_id) ON DELETE CASCADE
) STRICT;

CREATE INDEX quarantined_records_due
    ON quarantined_records (tenant, integration_id, pipeline, next_retry_at);
