-- Request budgets shared by every process calling one vendor account: the
-- account's pause after a 429, and the request slots that count in its
-- window (a slot counts until one window after its answer).
CREATE TABLE request_budgets (
    tenant        uuid NOT NULL,
    account       text NOT NULL,
    paused_until  timestamptz,
    PRIMARY KEY (tenant, account),
    FOREIGN KEY (tenant) REFERENCES tenants (tenant) ON DELETE CASCADE
);

CREATE TABLE request_slots (
    tenant       uuid NOT NULL,
    account      text NOT NULL,
    slot_id      uuid NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    PRIMARY KEY (tenant, account, slot_id),
    FOREIGN KEY (tenant, account) REFERENCES request_budgets (tenant, account) ON DELETE CASCADE
);
