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
	ID          int64 `gorm:"primaryKey"`
	UUID        string
	WorkspaceID int64
	Name        string
	GroupID     int64
	IsArchived  bool
	IsActive    bool
	CreatedOn   time.Time
	ModifiedOn  time.Time
}

func (Campaign) TableName() string { return "campaigns" }

// CampaignEvent is one thing a campaign does: start a flow or send a message, offset from a date field.
type CampaignEvent struct {
	ID           int64 `gorm:"primaryKey"`
	UUID         string
	CampaignID   int64
	RelativeToID int64
	Offset       int    `gorm:"column:event_offset"`
	Unit         string // minutes, hours, days, weeks
	DeliveryHour int
	EventType    string // flow or message
	FlowID       *int64
	Message      *string // translations as JSON: {"eng": "Hi"}
	IsActive     bool
	CreatedOn    time.Time
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
