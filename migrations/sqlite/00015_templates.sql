-- +goose Up
-- WhatsApp message templates synced from Meta: one template per name in a workspace, one translation per
-- (channel, locale). components and variables are goflow's asset JSON, stored as RapidPro stores them.
CREATE TABLE templates (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid                VARCHAR(36) NOT NULL UNIQUE,
    workspace_id        INTEGER NOT NULL REFERENCES workspaces (id),
    name                VARCHAR(512) NOT NULL,
    base_translation_id INTEGER,
    created_on          DATETIME NOT NULL,
    modified_on         DATETIME NOT NULL
);
CREATE UNIQUE INDEX templates_name_unique ON templates (workspace_id, name);

CREATE TABLE template_translations (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    template_id     INTEGER NOT NULL REFERENCES templates (id),
    channel_id      INTEGER NOT NULL REFERENCES channels (id),
    locale          VARCHAR(6) NOT NULL,
    components      TEXT NOT NULL DEFAULT '[]',
    variables       TEXT NOT NULL DEFAULT '[]',
    status          CHAR(1) NOT NULL,
    namespace       VARCHAR(36) NOT NULL DEFAULT '',
    external_id     VARCHAR(64) NOT NULL DEFAULT '',
    external_locale VARCHAR(6) NOT NULL DEFAULT '',
    is_supported    BOOLEAN NOT NULL DEFAULT 1,
    is_compatible   BOOLEAN NOT NULL DEFAULT 1,
    created_on      DATETIME NOT NULL
);
CREATE UNIQUE INDEX template_translations_unique ON template_translations (template_id, channel_id, locale);
CREATE INDEX template_translations_channel ON template_translations (channel_id);

-- the WhatsApp Flows of a channel's business account, synced from Meta
CREATE TABLE whatsapp_flows (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    channel_id   INTEGER NOT NULL REFERENCES channels (id),
    external_id  VARCHAR(64) NOT NULL,
    name         VARCHAR(512) NOT NULL,
    status       VARCHAR(32) NOT NULL,
    categories   TEXT NOT NULL DEFAULT '[]',
    assets       TEXT NOT NULL DEFAULT '{}',
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX whatsapp_flows_unique ON whatsapp_flows (channel_id, external_id);
CREATE INDEX whatsapp_flows_list ON whatsapp_flows (workspace_id, modified_on DESC, id DESC);

-- what the sender needs to send an outgoing message as a template: goflow's msg templating (variables and
-- components) and the translation's locale; NULL for messages sent without a template
ALTER TABLE msgs ADD COLUMN templating TEXT;

-- +goose Down
ALTER TABLE msgs DROP COLUMN templating;
DROP TABLE whatsapp_flows;
DROP TABLE template_translations;
DROP TABLE templates;
