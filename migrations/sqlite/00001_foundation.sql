-- +goose Up
CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid        VARCHAR(36) NOT NULL UNIQUE,
    name        VARCHAR(128) NOT NULL,
    country     VARCHAR(2),
    timezone    VARCHAR(64) NOT NULL,
    languages   TEXT NOT NULL DEFAULT '[]',
    date_style  VARCHAR(16) NOT NULL,
    is_anon     BOOLEAN NOT NULL DEFAULT 0,
    api_profile VARCHAR(16) NOT NULL DEFAULT 'default',
    api_rates   TEXT NOT NULL DEFAULT '{}',
    is_active   BOOLEAN NOT NULL DEFAULT 1,
    created_on  DATETIME NOT NULL,
    modified_on DATETIME NOT NULL
);

CREATE TABLE users (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid        VARCHAR(36) NOT NULL UNIQUE,
    email       VARCHAR(254) NOT NULL,
    first_name  VARCHAR(150) NOT NULL DEFAULT '',
    last_name   VARCHAR(150) NOT NULL DEFAULT '',
    avatar_url  VARCHAR(255),
    is_active   BOOLEAN NOT NULL DEFAULT 1,
    created_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_email_unique ON users (LOWER(email));

CREATE TABLE memberships (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    role         VARCHAR(16) NOT NULL,
    created_on   DATETIME NOT NULL,
    UNIQUE (workspace_id, user_id)
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash     VARCHAR(64) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    user_id      INTEGER NOT NULL REFERENCES users (id),
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (workspace_id, user_id);

CREATE TABLE contact_fields (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    key          VARCHAR(36) NOT NULL,
    name         VARCHAR(36) NOT NULL,
    value_type   VARCHAR(16) NOT NULL,
    featured     BOOLEAN NOT NULL DEFAULT 0,
    priority     INTEGER NOT NULL DEFAULT 0,
    agent_access VARCHAR(8) NOT NULL DEFAULT 'view',
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX contact_fields_key_unique ON contact_fields (workspace_id, key) WHERE is_active;
CREATE UNIQUE INDEX contact_fields_name_unique ON contact_fields (workspace_id, LOWER(name)) WHERE is_active;
CREATE INDEX contact_fields_list ON contact_fields (workspace_id, created_on DESC, id DESC);

CREATE TABLE contact_groups (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         VARCHAR(64) NOT NULL,
    query        TEXT,
    status       VARCHAR(16) NOT NULL,
    is_system    BOOLEAN NOT NULL DEFAULT 0,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX contact_groups_name_unique ON contact_groups (workspace_id, LOWER(name)) WHERE is_active;
CREATE INDEX contact_groups_list ON contact_groups (workspace_id, created_on DESC, id DESC);

CREATE TABLE labels (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         VARCHAR(64) NOT NULL,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX labels_name_unique ON labels (workspace_id, LOWER(name)) WHERE is_active;
CREATE INDEX labels_list ON labels (workspace_id, created_on DESC, id DESC);

CREATE TABLE globals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    key          VARCHAR(36) NOT NULL,
    name         VARCHAR(36) NOT NULL,
    value        TEXT NOT NULL,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX globals_key_unique ON globals (workspace_id, key) WHERE is_active;
CREATE UNIQUE INDEX globals_name_unique ON globals (workspace_id, LOWER(name)) WHERE is_active;
CREATE INDEX globals_list ON globals (workspace_id, modified_on DESC, id DESC);

CREATE TABLE topics (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         VARCHAR(64) NOT NULL,
    is_system    BOOLEAN NOT NULL DEFAULT 0,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX topics_name_unique ON topics (workspace_id, LOWER(name)) WHERE is_active;
CREATE INDEX topics_list ON topics (workspace_id, created_on DESC, id DESC);

-- +goose Down
DROP TABLE topics;
DROP TABLE globals;
DROP TABLE labels;
DROP TABLE contact_groups;
DROP TABLE contact_fields;
DROP TABLE api_tokens;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE workspaces;
