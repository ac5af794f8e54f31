-- +goose Up
-- channels: the gateways messages go out through and come in from (courier's channels_channel)
CREATE TABLE channels (
    id           BIGSERIAL PRIMARY KEY,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    channel_type VARCHAR(16) NOT NULL,
    name         VARCHAR(64) NOT NULL,
    address      VARCHAR(255) NOT NULL,
    country      VARCHAR(2),
    -- a JSON list: the URN schemes it talks on, the first the scheme of incoming messages
    schemes      TEXT NOT NULL DEFAULT '["tel"]',
    -- S send, R receive
    role         VARCHAR(8) NOT NULL DEFAULT 'SR',
    -- a JSON object of courier's config keys
    config       TEXT NOT NULL DEFAULT '{}',
    is_active    BOOLEAN NOT NULL DEFAULT TRUE,
    created_on   TIMESTAMPTZ NOT NULL,
    modified_on  TIMESTAMPTZ NOT NULL
);
CREATE INDEX channels_list ON channels (workspace_id, created_on DESC, id DESC);

-- the channel a contact last wrote in on with this URN, which messages to it go out through
-- the contacts of a start's URNs are started but not listed among the contacts it was given, as in RapidPro
ALTER TABLE flow_start_contacts ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE contact_urns ADD COLUMN channel_id BIGINT REFERENCES channels (id);

CREATE TABLE broadcasts (
    id            BIGSERIAL PRIMARY KEY,
    uuid          VARCHAR(36) NOT NULL UNIQUE,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id),
    status        VARCHAR(16) NOT NULL,
    -- a JSON object by language: {"eng": {"text": "…", "attachments": […], "quick_replies": […]}}
    translations  TEXT NOT NULL,
    base_language VARCHAR(8) NOT NULL,
    -- a JSON list of the URNs it was given, normalized
    urns          TEXT NOT NULL DEFAULT '[]',
    contact_count INTEGER NOT NULL DEFAULT -1,
    created_by_id BIGINT REFERENCES users (id),
    is_active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_on    TIMESTAMPTZ NOT NULL,
    modified_on   TIMESTAMPTZ NOT NULL
);
CREATE INDEX broadcasts_list ON broadcasts (workspace_id, created_on DESC, id DESC);

CREATE TABLE broadcast_contacts (
    broadcast_id BIGINT NOT NULL REFERENCES broadcasts (id),
    contact_id   BIGINT NOT NULL REFERENCES contacts (id),
    PRIMARY KEY (broadcast_id, contact_id)
);
CREATE TABLE broadcast_groups (
    broadcast_id BIGINT NOT NULL REFERENCES broadcasts (id),
    group_id     BIGINT NOT NULL REFERENCES contact_groups (id),
    PRIMARY KEY (broadcast_id, group_id)
);
-- who a resolved broadcast is for, and whether their message is made yet
CREATE TABLE broadcast_recipients (
    broadcast_id BIGINT NOT NULL REFERENCES broadcasts (id),
    contact_id   BIGINT NOT NULL REFERENCES contacts (id),
    sent         BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (broadcast_id, contact_id)
);
CREATE INDEX broadcast_recipients_left ON broadcast_recipients (broadcast_id, contact_id) WHERE NOT sent;

ALTER TABLE msgs ADD COLUMN channel_id BIGINT REFERENCES channels (id);
ALTER TABLE msgs ADD COLUMN broadcast_id BIGINT REFERENCES broadcasts (id);
ALTER TABLE msgs ADD COLUMN created_by_id BIGINT REFERENCES users (id);
-- replies to a contact go before bulk sends
ALTER TABLE msgs ADD COLUMN high_priority BOOLEAN NOT NULL DEFAULT FALSE;
-- W waiting or C completed for a flow's messages: what {{session_status}} says
ALTER TABLE msgs ADD COLUMN session_status VARCHAR(1);
ALTER TABLE msgs ADD COLUMN external_id VARCHAR(255);
-- courier's retries: how many sends errored, and when the next may be made
ALTER TABLE msgs ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE msgs ADD COLUMN next_attempt TIMESTAMPTZ;
-- a sender's lease: until then the message is being sent, and no one else takes it
ALTER TABLE msgs ADD COLUMN claimed_until TIMESTAMPTZ;
-- the outbox, in the order messages go out
CREATE INDEX msgs_outbox ON msgs (channel_id, high_priority DESC, id) WHERE status IN ('queued', 'errored');
CREATE INDEX msgs_broadcast ON msgs (broadcast_id) WHERE broadcast_id IS NOT NULL;
CREATE INDEX msgs_channel ON msgs (channel_id, created_on) WHERE channel_id IS NOT NULL;
-- label counts and ?label= read a label's messages
CREATE INDEX msg_labels_label ON msg_labels (label_id, msg_id);

CREATE TABLE channel_events (
    id           BIGSERIAL PRIMARY KEY,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    channel_id   BIGINT NOT NULL REFERENCES channels (id),
    contact_id   BIGINT NOT NULL REFERENCES contacts (id),
    event_type   VARCHAR(32) NOT NULL,
    -- a JSON object
    extra        TEXT NOT NULL DEFAULT '{}',
    occurred_on  TIMESTAMPTZ NOT NULL,
    created_on   TIMESTAMPTZ NOT NULL
);
CREATE INDEX channel_events_list ON channel_events (workspace_id, created_on DESC, id DESC);

-- what happened between a channel and its gateway: each request it made to us, each send we made to it
CREATE TABLE channel_logs (
    id           BIGSERIAL PRIMARY KEY,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    channel_id   BIGINT NOT NULL REFERENCES channels (id),
    msg_id       BIGINT REFERENCES msgs (id),
    log_type     VARCHAR(16) NOT NULL,
    -- JSON lists: the HTTP exchanges, secrets redacted, and the errors
    http_logs    TEXT NOT NULL DEFAULT '[]',
    errors       TEXT NOT NULL DEFAULT '[]',
    elapsed_ms   INTEGER NOT NULL DEFAULT 0,
    created_on   TIMESTAMPTZ NOT NULL
);
CREATE INDEX channel_logs_channel ON channel_logs (channel_id, created_on DESC);
CREATE INDEX channel_logs_msg ON channel_logs (msg_id) WHERE msg_id IS NOT NULL;

-- files uploaded through media.json, kept in the media directory
CREATE TABLE media (
    id            BIGSERIAL PRIMARY KEY,
    uuid          VARCHAR(36) NOT NULL UNIQUE,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id),
    content_type  VARCHAR(255) NOT NULL,
    filename      VARCHAR(255) NOT NULL,
    size          BIGINT NOT NULL,
    -- where under the media directory the bytes are
    path          VARCHAR(255) NOT NULL,
    created_by_id BIGINT REFERENCES users (id),
    created_on    TIMESTAMPTZ NOT NULL
);

-- +goose Down
ALTER TABLE flow_start_contacts DROP COLUMN listed;
DROP TABLE media;
DROP TABLE channel_logs;
DROP TABLE channel_events;
DROP INDEX msg_labels_label;
DROP INDEX msgs_channel;
DROP INDEX msgs_broadcast;
DROP INDEX msgs_outbox;
ALTER TABLE msgs DROP COLUMN claimed_until;
ALTER TABLE msgs DROP COLUMN next_attempt;
ALTER TABLE msgs DROP COLUMN error_count;
ALTER TABLE msgs DROP COLUMN external_id;
ALTER TABLE msgs DROP COLUMN session_status;
ALTER TABLE msgs DROP COLUMN high_priority;
ALTER TABLE msgs DROP COLUMN created_by_id;
ALTER TABLE msgs DROP COLUMN broadcast_id;
ALTER TABLE msgs DROP COLUMN channel_id;
DROP TABLE broadcast_recipients;
DROP TABLE broadcast_groups;
DROP TABLE broadcast_contacts;
DROP TABLE broadcasts;
ALTER TABLE contact_urns DROP COLUMN channel_id;
DROP TABLE channels;
