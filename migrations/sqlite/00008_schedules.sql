-- +goose Up
-- a schedule: when something fires (repeat_period O once, D daily, W weekly on days_of_week, M monthly on
-- day_of_month, Y yearly, at hour:minute in the workspace's time zone) and what each fire makes: a flow start
-- of its contacts and groups (flow_id set: RapidPro's scheduled trigger) or a broadcast of its translations to
-- them (translations set: RapidPro's scheduled broadcast, whose template this row is)
CREATE TABLE schedules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid          VARCHAR(36) NOT NULL UNIQUE,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    repeat_period VARCHAR(1) NOT NULL,
    hour          INTEGER NOT NULL,
    minute        INTEGER NOT NULL,
    -- letters of MTWRFSU for weekly schedules, else empty
    days_of_week  VARCHAR(7) NOT NULL DEFAULT '',
    -- 1-31 for monthly schedules, else 0
    day_of_month  INTEGER NOT NULL DEFAULT 0,
    next_fire     DATETIME,
    last_fire     DATETIME,
    is_paused     BOOLEAN NOT NULL DEFAULT 0,
    is_active     BOOLEAN NOT NULL DEFAULT 1,
    flow_id       INTEGER REFERENCES flows (id),
    translations  TEXT,
    base_language VARCHAR(8),
    fire_count    INTEGER NOT NULL DEFAULT 0,
    created_on    DATETIME NOT NULL,
    modified_on   DATETIME NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_fire, id) WHERE is_active AND NOT is_paused;
CREATE INDEX schedules_list ON schedules (workspace_id, id);

CREATE TABLE schedule_contacts (
    schedule_id INTEGER NOT NULL REFERENCES schedules (id),
    contact_id  INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (schedule_id, contact_id)
);

CREATE TABLE schedule_groups (
    schedule_id INTEGER NOT NULL REFERENCES schedules (id),
    group_id    INTEGER NOT NULL REFERENCES contact_groups (id),
    PRIMARY KEY (schedule_id, group_id)
);

-- +goose Down
DROP TABLE schedule_groups;
DROP TABLE schedule_contacts;
DROP TABLE schedules;
