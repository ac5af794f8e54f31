-- +goose Up
-- the template an outgoing message was sent with (goflow's msg templating), kept so Weni's contact_templates and
-- filter_templates can list who got which template; NULL for messages sent without one
ALTER TABLE msgs ADD COLUMN template_uuid VARCHAR(36);
ALTER TABLE msgs ADD COLUMN template_name VARCHAR(512);
CREATE INDEX msgs_template ON msgs (workspace_id, template_name) WHERE template_name IS NOT NULL;

-- Weni's flow labels: folders for flows, nested by parent
CREATE TABLE flow_labels (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid         VARCHAR(36) NOT NULL UNIQUE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    name         VARCHAR(64) NOT NULL,
    parent_id    INTEGER REFERENCES flow_labels (id),
    created_on   DATETIME NOT NULL
);
CREATE UNIQUE INDEX flow_labels_name_unique ON flow_labels (workspace_id, COALESCE(parent_id, 0), LOWER(name));
CREATE INDEX flow_labels_list ON flow_labels (workspace_id, created_on DESC, id DESC);

-- +goose Down
DROP TABLE flow_labels;
DROP INDEX msgs_template;
ALTER TABLE msgs DROP COLUMN template_name;
ALTER TABLE msgs DROP COLUMN template_uuid;
