-- +goose Up
-- campaign events written by the API, and what the scheduler needs of them:
--   relative_to_system names a system date of contacts (created_on or last_seen_on) for events relative to one,
--   which have no contact_fields row; every event has exactly one of relative_to_id and relative_to_system
--   start_mode is how a fire starts its flow or sends its message: I interrupt, S skip, P passive
-- SQLite can't make a column nullable in place, so the table is rebuilt (no table refers to it), its columns in
-- the order PostgreSQL's ALTER TABLE leaves them.
CREATE TABLE campaign_events_new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid               VARCHAR(36) NOT NULL,
    campaign_id        INTEGER NOT NULL REFERENCES campaigns (id),
    relative_to_id     INTEGER REFERENCES contact_fields (id),
    event_offset       INTEGER NOT NULL,
    unit               VARCHAR(8) NOT NULL,
    delivery_hour      INTEGER NOT NULL,
    event_type         VARCHAR(8) NOT NULL,
    flow_id            INTEGER REFERENCES flows (id),
    message            TEXT,
    is_active          BOOLEAN NOT NULL DEFAULT 1,
    created_on         DATETIME NOT NULL,
    relative_to_system VARCHAR(16),
    start_mode         VARCHAR(1) NOT NULL DEFAULT 'I',
    CONSTRAINT campaign_events_relative_to CHECK ((relative_to_id IS NULL) <> (relative_to_system IS NULL))
);
INSERT INTO campaign_events_new (id, uuid, campaign_id, relative_to_id, event_offset, unit, delivery_hour, event_type,
    flow_id, message, is_active, created_on)
SELECT id, uuid, campaign_id, relative_to_id, event_offset, unit, delivery_hour, event_type, flow_id, message, is_active,
    created_on FROM campaign_events;
DROP TABLE campaign_events;
ALTER TABLE campaign_events_new RENAME TO campaign_events;
CREATE UNIQUE INDEX campaign_events_uuid ON campaign_events (campaign_id, uuid);
CREATE INDEX campaigns_list ON campaigns (workspace_id, created_on DESC, id DESC);
CREATE INDEX campaign_events_list ON campaign_events (campaign_id, created_on DESC, id DESC);

-- +goose Down
DROP INDEX campaigns_list;
CREATE TABLE campaign_events_old (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            VARCHAR(36) NOT NULL,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    relative_to_id  INTEGER NOT NULL REFERENCES contact_fields (id),
    event_offset    INTEGER NOT NULL,
    unit            VARCHAR(8) NOT NULL,
    delivery_hour   INTEGER NOT NULL,
    event_type      VARCHAR(8) NOT NULL,
    flow_id         INTEGER REFERENCES flows (id),
    message         TEXT,
    is_active       BOOLEAN NOT NULL DEFAULT 1,
    created_on      DATETIME NOT NULL
);
INSERT INTO campaign_events_old (id, uuid, campaign_id, relative_to_id, event_offset, unit, delivery_hour, event_type,
    flow_id, message, is_active, created_on)
SELECT id, uuid, campaign_id, relative_to_id, event_offset, unit, delivery_hour, event_type, flow_id, message, is_active,
    created_on FROM campaign_events WHERE relative_to_id IS NOT NULL;
DROP TABLE campaign_events;
ALTER TABLE campaign_events_old RENAME TO campaign_events;
CREATE UNIQUE INDEX campaign_events_uuid ON campaign_events (campaign_id, uuid);
