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
	RelativeToID *int64 // a contact field of type datetime, or nil for a system date (RelativeToSystem)
	Offset       int    `gorm:"column:event_offset"`
	Unit         string // minutes, hours, days, weeks
	DeliveryHour int
	EventType    string // flow or message
	FlowID       *int64
	Message      *string // translations as JSON: {"eng": "Hi"}
	IsActive     bool
	CreatedOn    time.Time
	// RelativeToSystem is SystemCreatedOn or SystemLastSeenOn for an event relative to a system date of contacts
	RelativeToSystem *string
	StartMode        string // StartInterrupt, StartSkip or StartPassive
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

// EventUnits are the units of a campaign event's offset.
var EventUnits = []string{"minutes", "hours", "days", "weeks"}

// How a campaign event's fire treats a contact already in a flow: interrupt it, skip the contact, or start
// alongside (passive), RapidPro's I, S and P.
const (
	StartInterrupt = "I"
	StartSkip      = "S"
	StartPassive   = "P"
)

// The system dates of contacts a campaign event may be relative to, with the names RapidPro gives them.
const (
	SystemCreatedOn  = "created_on"
	SystemLastSeenOn = "last_seen_on"
)

// SystemDateNames name the system dates.
var SystemDateNames = map[string]string{SystemCreatedOn: "Created On", SystemLastSeenOn: "Last Seen On"}

// timingChanged reports whether b fires at different times than a: its date, offset, unit or delivery hour differ.
func timingChanged(a, b *CampaignEvent) bool {
	return !sameID(a.RelativeToID, b.RelativeToID) || !sameString(a.RelativeToSystem, b.RelativeToSystem) ||
		a.Offset != b.Offset || a.Unit != b.Unit || a.DeliveryHour != b.DeliveryHour
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func sameString(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

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
