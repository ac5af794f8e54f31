-- +goose Up
-- when a campaign event fires for a contact: kept true by every change to the contact, its groups, the event
-- and its campaign, in the same transaction; a fire worked is deleted in the transaction that does its work
CREATE TABLE campaign_fires (
    id           BIGSERIAL PRIMARY KEY,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id),
    event_id     BIGINT NOT NULL REFERENCES campaign_events (id),
    contact_id   BIGINT NOT NULL REFERENCES contacts (id),
    fire_on      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX campaign_fires_contact ON campaign_fires (contact_id, event_id);
CREATE INDEX campaign_fires_event ON campaign_fires (event_id);
CREATE INDEX campaign_fires_due ON campaign_fires (fire_on, id);

-- +goose Down
DROP TABLE campaign_fires;
