-- +goose Up
CREATE TABLE flows (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            VARCHAR(36) NOT NULL,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    name            VARCHAR(128) NOT NULL,
    flow_type       VARCHAR(16) NOT NULL,
    spec_version    VARCHAR(16) NOT NULL,
    revision        INTEGER NOT NULL,
    -- migrated to the engine's spec version when imported
    definition      TEXT NOT NULL,
    expires_minutes INTEGER NOT NULL,
    is_archived     BOOLEAN NOT NULL DEFAULT 0,
    is_active       BOOLEAN NOT NULL DEFAULT 1,
    created_on      DATETIME NOT NULL,
    modified_on     DATETIME NOT NULL
);
CREATE UNIQUE INDEX flows_uuid ON flows (workspace_id, uuid);
CREATE INDEX flows_list ON flows (workspace_id, created_on DESC, id DESC);

CREATE TABLE resthooks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    slug         VARCHAR(64) NOT NULL,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX resthooks_slug ON resthooks (workspace_id, slug);

CREATE TABLE resthook_subscribers (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    resthook_id  INTEGER NOT NULL REFERENCES resthooks (id),
    target_url   VARCHAR(255) NOT NULL,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE INDEX resthook_subscribers_resthook ON resthook_subscribers (resthook_id);

CREATE TABLE triggers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid           VARCHAR(36) NOT NULL UNIQUE,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id),
    trigger_type   VARCHAR(16) NOT NULL,
    keywords       TEXT NOT NULL DEFAULT '[]',
    match_type     VARCHAR(16),
    flow_id        INTEGER NOT NULL REFERENCES flows (id),
    group_ids      TEXT NOT NULL DEFAULT '[]',
    exclude_ids    TEXT NOT NULL DEFAULT '[]',
    is_archived    BOOLEAN NOT NULL DEFAULT 0,
    is_active      BOOLEAN NOT NULL DEFAULT 1,
    created_on     DATETIME NOT NULL,
    modified_on    DATETIME NOT NULL
);
CREATE INDEX triggers_workspace ON triggers (workspace_id, trigger_type);

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         VARCHAR(64) NOT NULL,
    group_id     INTEGER NOT NULL REFERENCES contact_groups (id),
    is_archived  BOOLEAN NOT NULL DEFAULT 0,
    is_active    BOOLEAN NOT NULL DEFAULT 1,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX campaigns_uuid ON campaigns (workspace_id, uuid);

CREATE TABLE campaign_events (
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
CREATE UNIQUE INDEX campaign_events_uuid ON campaign_events (campaign_id, uuid);

CREATE TABLE flow_starts (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                 VARCHAR(36) NOT NULL UNIQUE,
    workspace_id         INTEGER NOT NULL REFERENCES workspaces (id),
    flow_id              INTEGER NOT NULL REFERENCES flows (id),
    start_type           VARCHAR(16) NOT NULL,
    status               VARCHAR(16) NOT NULL,
    params               TEXT NOT NULL DEFAULT '{}',
    restart_participants BOOLEAN NOT NULL,
    exclude_active       BOOLEAN NOT NULL,
    contact_count        INTEGER NOT NULL DEFAULT -1,
    created_by_id        INTEGER REFERENCES users (id),
    -- a contact query for who to start (start_session actions may give one)
    query                TEXT,
    -- for starts made by a flow's start_session action: the parent run's summary and the session history
    parent_summary       TEXT,
    session_history      TEXT,
    created_on           DATETIME NOT NULL,
    modified_on          DATETIME NOT NULL
);
CREATE INDEX flow_starts_list ON flow_starts (workspace_id, modified_on DESC, id DESC);
CREATE INDEX flow_starts_status ON flow_starts (status);

CREATE TABLE flow_start_contacts (
    start_id   INTEGER NOT NULL REFERENCES flow_starts (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (start_id, contact_id)
);

CREATE TABLE flow_start_groups (
    start_id INTEGER NOT NULL REFERENCES flow_starts (id),
    group_id INTEGER NOT NULL REFERENCES contact_groups (id),
    PRIMARY KEY (start_id, group_id)
);

-- who a start resolved to, and which of them have been started: a start picks up where it left off
CREATE TABLE flow_start_recipients (
    start_id   INTEGER NOT NULL REFERENCES flow_starts (id),
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    started    BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (start_id, contact_id)
);
-- the recipients left to start: batches claim from here, never wading through those already started
CREATE INDEX flow_start_recipients_left ON flow_start_recipients (start_id, contact_id) WHERE NOT started;

CREATE TABLE flow_sessions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            VARCHAR(36) NOT NULL UNIQUE,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id),
    contact_id      INTEGER NOT NULL REFERENCES contacts (id),
    status          VARCHAR(16) NOT NULL,
    current_flow_id INTEGER REFERENCES flows (id),
    output          TEXT NOT NULL,
    last_sprint_uuid VARCHAR(36),
    -- when the waiting session times out (the wait's timeout) and expires (the flow's expiry)
    timeout_on      DATETIME,
    expires_on      DATETIME,
    created_on      DATETIME NOT NULL,
    ended_on        DATETIME
);
CREATE INDEX flow_sessions_contact ON flow_sessions (contact_id, status);
CREATE INDEX flow_sessions_timeout ON flow_sessions (timeout_on) WHERE status = 'waiting';
CREATE INDEX flow_sessions_expires ON flow_sessions (expires_on) WHERE status = 'waiting';

ALTER TABLE contacts ADD COLUMN current_session_id INTEGER REFERENCES flow_sessions (id);
ALTER TABLE contacts ADD COLUMN current_flow_id INTEGER REFERENCES flows (id);

CREATE TABLE flow_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid              VARCHAR(36) NOT NULL UNIQUE,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces (id),
    flow_id           INTEGER NOT NULL REFERENCES flows (id),
    contact_id        INTEGER NOT NULL REFERENCES contacts (id),
    session_id        INTEGER NOT NULL REFERENCES flow_sessions (id),
    start_id          INTEGER REFERENCES flow_starts (id),
    status            VARCHAR(16) NOT NULL,
    responded         BOOLEAN NOT NULL DEFAULT 0,
    results           TEXT NOT NULL DEFAULT '{}',
    path              TEXT NOT NULL DEFAULT '[]',
    current_node_uuid VARCHAR(36),
    created_on        DATETIME NOT NULL,
    modified_on       DATETIME NOT NULL,
    exited_on         DATETIME
);
CREATE INDEX flow_runs_list ON flow_runs (workspace_id, modified_on DESC, id DESC);
CREATE INDEX flow_runs_contact ON flow_runs (contact_id);
CREATE INDEX flow_runs_start ON flow_runs (start_id) WHERE start_id IS NOT NULL;
CREATE INDEX flow_runs_session ON flow_runs (session_id);
CREATE INDEX flow_runs_flow_list ON flow_runs (flow_id, modified_on DESC, id DESC);

CREATE TABLE msgs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid          VARCHAR(36) NOT NULL UNIQUE,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id),
    contact_id    INTEGER NOT NULL REFERENCES contacts (id),
    urn           VARCHAR(255),
    direction     VARCHAR(4) NOT NULL,
    status        VARCHAR(16) NOT NULL,
    visibility    VARCHAR(16) NOT NULL,
    text          TEXT NOT NULL,
    attachments   TEXT NOT NULL DEFAULT '[]',
    quick_replies TEXT NOT NULL DEFAULT '[]',
    flow_id       INTEGER REFERENCES flows (id),
    failed_reason VARCHAR(32),
    created_on    DATETIME NOT NULL,
    modified_on   DATETIME NOT NULL,
    sent_on       DATETIME
);
CREATE INDEX msgs_list ON msgs (workspace_id, created_on DESC, id DESC);
CREATE INDEX msgs_contact ON msgs (contact_id, id);

-- labels flows put on the messages they were given
CREATE TABLE msg_labels (
    msg_id   BIGINT NOT NULL REFERENCES msgs (id),
    label_id BIGINT NOT NULL REFERENCES labels (id),
    PRIMARY KEY (msg_id, label_id)
);

-- calls to webhooks and resthook subscribers made by flows
CREATE TABLE http_logs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    flow_id      INTEGER REFERENCES flows (id),
    url          TEXT NOT NULL,
    status       VARCHAR(32) NOT NULL,
    status_code  INTEGER NOT NULL,
    request      TEXT NOT NULL,
    response     TEXT NOT NULL,
    elapsed_ms   INTEGER NOT NULL,
    created_on   DATETIME NOT NULL
);
CREATE INDEX http_logs_workspace ON http_logs (workspace_id, created_on DESC);

-- payloads resthooks were given, as RapidPro's resthook_events lists them
CREATE TABLE resthook_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    resthook_id  INTEGER NOT NULL REFERENCES resthooks (id),
    data         TEXT NOT NULL,
    created_on   DATETIME NOT NULL
);
CREATE INDEX resthook_events_list ON resthook_events (workspace_id, created_on DESC, id DESC);

-- +goose Down
DROP TABLE resthook_events;
DROP TABLE http_logs;
DROP TABLE msg_labels;
DROP TABLE msgs;
DROP TABLE flow_runs;
ALTER TABLE contacts DROP COLUMN current_flow_id;
ALTER TABLE contacts DROP COLUMN current_session_id;
DROP TABLE flow_sessions;
DROP TABLE flow_start_recipients;
DROP TABLE flow_start_groups;
DROP TABLE flow_start_contacts;
DROP TABLE flow_starts;
DROP TABLE campaign_events;
DROP TABLE campaigns;
DROP TABLE triggers;
DROP TABLE resthook_subscribers;
DROP TABLE resthooks;
DROP TABLE flows;
