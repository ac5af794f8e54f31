-- +goose Up
-- Moves on with every change to a workspace's configuration or access (fields, groups, labels, globals, topics,
-- members, tokens), so that every process can tell its caches of them are current with one read.
ALTER TABLE workspaces ADD COLUMN config_version BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE workspaces DROP COLUMN config_version;
