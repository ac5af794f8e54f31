-- +goose Up
-- Weni's whatsapp_broadcasts: a broadcast of its own type ('W'; RapidPro's are 'M') whose msg object is kept as
-- it was given (metadata), optionally forced onto one channel; each of its messages keeps the WhatsApp extras
-- goflow's messages have no room for (header, footer, list ids) for the WAC sender.
ALTER TABLE broadcasts ADD COLUMN broadcast_type VARCHAR(1) NOT NULL DEFAULT 'M';
ALTER TABLE broadcasts ADD COLUMN metadata TEXT;
ALTER TABLE broadcasts ADD COLUMN channel_id BIGINT REFERENCES channels (id);
ALTER TABLE msgs ADD COLUMN metadata TEXT;

-- +goose Down
ALTER TABLE msgs DROP COLUMN metadata;
ALTER TABLE broadcasts DROP COLUMN channel_id;
ALTER TABLE broadcasts DROP COLUMN metadata;
ALTER TABLE broadcasts DROP COLUMN broadcast_type;
