-- +goose Up
-- tickets: a flow (or the API) hands a contact's conversation to a person; a contact has at most one open
CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid             VARCHAR(36) NOT NULL UNIQUE,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces (id),
    contact_id       INTEGER NOT NULL REFERENCES contacts (id),
    topic_id         INTEGER NOT NULL REFERENCES topics (id),
    status           VARCHAR(8) NOT NULL,
    assignee_id      INTEGER REFERENCES users (id),
    opened_on        DATETIME NOT NULL,
    opened_by_id     INTEGER REFERENCES users (id),
    opened_in_id     INTEGER REFERENCES flows (id),
    modified_on      DATETIME NOT NULL,
    closed_on        DATETIME,
    last_activity_on DATETIME NOT NULL
);
CREATE INDEX tickets_list ON tickets (workspace_id, modified_on DESC, id DESC);
CREATE UNIQUE INDEX tickets_open_contact ON tickets (contact_id) WHERE status = 'open';
CREATE INDEX tickets_contact ON tickets (contact_id, id);
CREATE INDEX tickets_topic ON tickets (topic_id, status);

-- what happened to tickets (RapidPro 8.3's ticket events): opened, assigned, note_added, topic_changed,
-- closed, reopened; notes live here
CREATE TABLE ticket_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id),
    contact_id    INTEGER NOT NULL REFERENCES contacts (id),
    event_type    VARCHAR(16) NOT NULL,
    note          TEXT,
    topic_id      INTEGER REFERENCES topics (id),
    assignee_id   INTEGER REFERENCES users (id),
    created_by_id INTEGER REFERENCES users (id),
    created_on    DATETIME NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- the open ticket an incoming message was kept on
ALTER TABLE msgs ADD COLUMN ticket_id INTEGER REFERENCES tickets (id);

-- +goose Down
ALTER TABLE msgs DROP COLUMN ticket_id;
DROP TABLE ticket_events;
DROP TABLE tickets;
