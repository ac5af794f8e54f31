-- +goose Up
-- a workspace's administrative boundaries (its country, states, districts, wards), imported from GeoJSON:
-- RapidPro shares one tree between all orgs, flowsd keeps one per workspace so that workspaces are walls
CREATE TABLE boundaries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id),
    osm_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    level        INTEGER NOT NULL,
    parent_id    INTEGER REFERENCES boundaries (id),
    path         TEXT NOT NULL,
    aliases      TEXT NOT NULL,
    geometry     TEXT,
    created_on   DATETIME NOT NULL,
    modified_on  DATETIME NOT NULL
);
CREATE UNIQUE INDEX boundaries_osm_id ON boundaries (workspace_id, osm_id);
CREATE INDEX boundaries_parent ON boundaries (parent_id);

-- a location field value as the engine resolved it: the paths of its state, district and ward
-- ("Rwanda > Kigali City"), and each one's name lowercased, which contact queries match
ALTER TABLE contact_field_values ADD COLUMN state_value TEXT;
ALTER TABLE contact_field_values ADD COLUMN state_key TEXT;
ALTER TABLE contact_field_values ADD COLUMN district_value TEXT;
ALTER TABLE contact_field_values ADD COLUMN district_key TEXT;
ALTER TABLE contact_field_values ADD COLUMN ward_value TEXT;
ALTER TABLE contact_field_values ADD COLUMN ward_key TEXT;
CREATE INDEX contact_field_values_state ON contact_field_values (field_id, state_key);
CREATE INDEX contact_field_values_district ON contact_field_values (field_id, district_key);
CREATE INDEX contact_field_values_ward ON contact_field_values (field_id, ward_key);

-- +goose Down
DROP INDEX contact_field_values_ward;
DROP INDEX contact_field_values_district;
DROP INDEX contact_field_values_state;
ALTER TABLE contact_field_values DROP COLUMN ward_key;
ALTER TABLE contact_field_values DROP COLUMN ward_value;
ALTER TABLE contact_field_values DROP COLUMN district_key;
ALTER TABLE contact_field_values DROP COLUMN district_value;
ALTER TABLE contact_field_values DROP COLUMN state_key;
ALTER TABLE contact_field_values DROP COLUMN state_value;
DROP TABLE boundaries;
