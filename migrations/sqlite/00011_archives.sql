-- +goose Up
-- RapidPro's archives of old messages and runs (rp-archiver's archives_archive): one per workspace, type, period
-- and first day; the gzipped JSON Lines file is kept in the archive directory at location ("file:<path>"), none
-- for an empty archive. A daily rolled into a monthly points at it (rollup_id) and is no longer listed.
CREATE TABLE archives (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid           VARCHAR(36) NOT NULL UNIQUE,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces (id),
    archive_type   VARCHAR(16) NOT NULL,
    period         VARCHAR(16) NOT NULL,
    start_date     DATETIME NOT NULL,
    record_count   INTEGER NOT NULL,
    size           INTEGER NOT NULL,
    hash           VARCHAR(32),
    location       VARCHAR(255),
    build_time     INTEGER NOT NULL,
    rollup_id      INTEGER REFERENCES archives (id),
    needs_deletion BOOLEAN NOT NULL DEFAULT 0,
    deleted_on     DATETIME,
    created_on     DATETIME NOT NULL
);
CREATE UNIQUE INDEX archives_day ON archives (workspace_id, archive_type, start_date, period);
CREATE INDEX archives_list ON archives (workspace_id, start_date DESC, id DESC);

-- the server's own secrets, made once and shared by every process on the database (the key download_url is
-- signed with, when --archive-key isn't set)
CREATE TABLE secrets (
    name       VARCHAR(64) PRIMARY KEY,
    value      TEXT NOT NULL,
    created_on DATETIME NOT NULL
);

-- +goose Down
DROP TABLE secrets;
DROP INDEX archives_list;
DROP INDEX archives_day;
DROP TABLE archives;
