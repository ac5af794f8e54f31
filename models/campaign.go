package models

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Campaign schedules flows and messages relative to a date field of the contacts of a group.
type Campaign struct {
	ID          int64     `gorm:"primaryKey"`
	UUID        string    `gorm:"column:uuid"`
	WorkspaceID int64     `gorm:"column:workspace_id"`
	Name        string    `gorm:"column:name"`
	GroupID     int64     `gorm:"column:group_id"`
	IsArchived  bool      `gorm:"column:is_archived"`
	IsActive    bool      `gorm:"column:is_active"`
	CreatedOn   time.Time `gorm:"column:created_on"`
	ModifiedOn  time.Time `gorm:"column:modified_on"`
}

func (Campaign) TableName() string { return "campaigns" }

// CampaignEvent is one thing a campaign does: start a flow or send a message, offset from a date field.
type CampaignEvent struct {
	ID           int64     `gorm:"primaryKey"`
	UUID         string    `gorm:"column:uuid"`
	CampaignID   int64     `gorm:"column:campaign_id"`
	RelativeToID int64     `gorm:"column:relative_to_id"`
	Offset       int       `gorm:"column:event_offset"`
	Unit         string    `gorm:"column:unit"` // minutes, hours, days, weeks
	DeliveryHour int       `gorm:"column:delivery_hour"`
	EventType    string    `gorm:"column:event_type"` // flow or message
	FlowID       *int64    `gorm:"column:flow_id"`
	Message      *string   `gorm:"column:message"` // translations as JSON: {"eng": "Hi"}
	IsActive     bool      `gorm:"column:is_active"`
	CreatedOn    time.Time `gorm:"column:created_on"`
}

func (CampaignEvent) TableName() string { return "campaign_events" }

// Translation is a message in one language.
type Translation struct {
	Lang string
	Text string
}

// Campaign event types and units, as stored.
const (
	EventFlow    = "flow"
	EventMessage = "message"
)

// translationsJSON writes translations as a JSON object in their order, so the first key is the base language.
func translationsJSON(ts []Translation) string {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, t := range ts {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(t.Lang)
		v, _ := json.Marshal(t.Text)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.String()
}

// ParseTranslations reads a campaign event's message, its base language first.
func ParseTranslations(s string) ([]Translation, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("translations are not a JSON object: %q", s)
	}
	var out []Translation
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var text string
		if err := dec.Decode(&text); err != nil {
			return nil, err
		}
		out = append(out, Translation{Lang: tok.(string), Text: text})
	}
	return out, nil
}
