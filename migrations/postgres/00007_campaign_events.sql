-- +goose Up
-- campaign events written by the API, and what the scheduler needs of them:
--   relative_to_system names a system date of contacts (created_on or last_seen_on) for events relative to one,
--   which have no contact_fields row; every event has exactly one of relative_to_id and relative_to_system
--   start_mode is how a fire starts its flow or sends its message: I interrupt, S skip, P passive
ALTER TABLE campaign_events ALTER COLUMN relative_to_id DROP NOT NULL;
ALTER TABLE campaign_events ADD COLUMN relative_to_system VARCHAR(16);
ALTER TABLE campaign_events ADD COLUMN start_mode VARCHAR(1) NOT NULL DEFAULT 'I';
ALTER TABLE campaign_events ADD CONSTRAINT campaign_events_relative_to
    CHECK ((relative_to_id IS NULL) <> (relative_to_system IS NULL));
CREATE INDEX campaigns_list ON campaigns (workspace_id, created_on DESC, id DESC);
CREATE INDEX campaign_events_list ON campaign_events (campaign_id, created_on DESC, id DESC);

-- +goose Down
DROP INDEX campaign_events_list;
DROP INDEX campaigns_list;
DELETE FROM campaign_events WHERE relative_to_id IS NULL;
ALTER TABLE campaign_events DROP CONSTRAINT campaign_events_relative_to;
ALTER TABLE campaign_events DROP COLUMN start_mode;
ALTER TABLE campaign_events DROP COLUMN relative_to_system;
ALTER TABLE campaign_events ALTER COLUMN relative_to_id SET NOT NULL;
