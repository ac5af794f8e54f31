-- +goose Up
CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         VARCHAR(128),
    -- lowercased in Go, so that name searches fold case the same on both databases
    name_lower   VARCHAR(128),
    name_tokens  TEXT NOT NULL DEFAULT '',
    language     VARCHAR(3),
    status       VARCHAR(16) NOT NULL,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL,
    last_seen_on DATETIME
);
CREATE INDEX contacts_list ON contacts (workspace_id, modified_on DESC, id DESC);

CREATE TABLE contact_urns (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    contact_id   INTEGER NOT NULL REFERENCES contacts (id),
    identity     VARCHAR(255) NOT NULL,
    scheme       VARCHAR(32) NOT NULL,
    path         VARCHAR(255) NOT NULL,
    display      VARCHAR(255),
    priority     INTEGER NOT NULL
);
CREATE UNIQUE INDEX contact_urns_identity ON contact_urns (workspace_id, identity);
CREATE INDEX contact_urns_contact ON contact_urns (contact_id, priority DESC, id);

CREATE TABLE contact_field_values (
    contact_id     INTEGER NOT NULL REFERENCES contacts (id),
    field_id       INTEGER NOT NULL REFERENCES contact_fields (id),
    text_value     TEXT NOT NULL,
    text_lower     TEXT NOT NULL,
    number_value   NUMERIC,
    datetime_value DATETIME,
    PRIMARY KEY (contact_id, field_id)
);
CREATE INDEX contact_field_values_text ON contact_field_values (field_id, text_lower);
CREATE INDEX contact_field_values_number ON contact_field_values (field_id, number_value);
CREATE INDEX contact_field_values_datetime ON contact_field_values (field_id, datetime_value);

CREATE TABLE contact_group_members (
    group_id   INTEGER NOT NULL REFERENCES contact_groups (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (group_id, contact_id)
);
CREATE INDEX contact_group_members_contact ON contact_group_members (contact_id);

CREATE TABLE contact_notes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id),
    text          TEXT NOT NULL,
    created_on    DATETIME NOT NULL,
    created_by_id INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX contact_notes_contact ON contact_notes (contact_id, id);

-- +goose Down
DROP TABLE contact_notes;
DROP TABLE contact_group_members;
DROP TABLE contact_field_values;
DROP TABLE contact_urns;
DROP TABLE contacts;
