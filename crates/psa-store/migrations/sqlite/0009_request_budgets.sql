-- Request budgets shared by every process calling one vendor account: the
-- account's pause after a 429, and the request slots that count in its
-- window (a slot counts until one window after its answer).
CREATE TABLE request_budgets (
    tenant        TEXT NOT NULL,
    account       TEXT NOT NULL,
    paused_until  TEXT,
    PRIMARY KEY (tenant, account),
    FOREIGN KEY (tenant) REFERENCES tenants (tenant) ON DELETE CASCADE
) STRICT;

CREATE TABLE request_slots (
    tenant       TEXT NOT NULL,
    account      TEXT NOT NULL,
    slot_id      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    PRIMARY KEY (tenant, account, slot_id),
    FOREIGN KEY (tenant, account) REFERENCES request_budgets (tenant, account) ON DELETE CASCADE
) STRICT;
