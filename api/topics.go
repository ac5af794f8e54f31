package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleTopic = models.Topic{UUID: "9a8b001e-a8b4-4b3f-a3f7-b2d8a3a21b13", Name: "Weather",
	CreatedOn: time.Date(2025, 4, 2, 9, 30, 12, 154000000, time.UTC)}

var topicsListDocs = OperationDocs{Title: "List Topics",
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTopic, exampleTopic)}}

var topicsWriteDocs = OperationDocs{Title: "Add or Update Topics",
	Params:  []Param{{Name: "uuid", Help: "The UUID of the topic to update"}},
	Fields:  []Param{{Name: "name", Required: true, Help: "The name of the topic"}},
	Example: Example{Body: map[string]any{"name": "Weather"}, Status: http.StatusCreated, Answer: objectAnswer(convertTopic, exampleTopic)},
	Limited: true}

type topicCounts struct {
	Open   int64 `json:"open"`
	Closed int64 `json:"closed"`
}

type topicOut struct {
	UUID      string      `json:"uuid"`
	Name      string      `json:"name"`
	Counts    topicCounts `json:"counts"`
	System    bool        `json:"system"`
	CreatedOn apiTime     `json:"created_on"`
}

// topicOutWeni is the shape of Weni (and RapidPro 8.3): no counts, no system flag.
type topicOutWeni struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	CreatedOn apiTime `json:"created_on"`
}

// convertTopic writes a topic. Counts are of tickets, which don't exist yet.
func convertTopic(c *Ctx, t *models.Topic) any {
	if c.weni() {
		return topicOutWeni{UUID: t.UUID, Name: t.Name, CreatedOn: apiTime(t.CreatedOn)}
	}
	return topicOut{UUID: t.UUID, Name: t.Name, System: t.IsSystem, CreatedOn: apiTime(t.CreatedOn)}
}

func topicKind(s *models.Store) namedKind[models.Topic] {
	return namedKind[models.Topic]{
		limit:    "topics",
		maxLen:   models.MaxTopicNameLen,
		get:      s.GetTopic,
		id:       func(t *models.Topic) int64 { return t.ID },
		isSystem: func(t *models.Topic) bool { return t.IsSystem },
		taken:    s.TopicNameTaken,
		create:   s.CreateTopic,
		rename:   s.RenameTopic,
		output:   convertTopic,
	}
}

func listTopics(c *Ctx) error {
	q := c.store().Topics(c.ws().ID)
	return respondPage(c, order{}, q.Page, convertEach(func(t *models.Topic) any { return convertTopic(c, t) }))
}

func writeTopic(c *Ctx) error { return writeNamed(c, topicKind(c.store())) }
