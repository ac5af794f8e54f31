package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleTopic = models.Topic{UUID: "9a8b001e-a8b4-4b3f-a3f7-b2d8a3a21b13", Name: "Weather",
	CreatedOn: time.Date(2025, 4, 2, 9, 30, 12, 154000000, time.UTC)}

var exampleCountedTopic = countedTopic{Topic: exampleTopic, counts: models.TopicCount{Open: 3, Closed: 12}}

var topicsListDocs = OperationDocs{Title: "List Topics",
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTopic, exampleCountedTopic)}}

var topicsWriteDocs = OperationDocs{Title: "Add or Update Topics",
	Params:  []Param{{Name: "uuid", Help: "The UUID of the topic to update"}},
	Fields:  []Param{{Name: "name", Required: true, Help: "The name of the topic"}},
	Example: Example{Body: map[string]any{"name": "Weather"}, Status: http.StatusCreated, Answer: objectAnswer(convertTopic, countedTopic{Topic: exampleTopic})},
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

// countedTopic is a topic with the counts of its open and closed tickets.
type countedTopic struct {
	models.Topic
	counts models.TopicCount
}

func convertTopic(c *Ctx, t *countedTopic) any {
	if c.weni() {
		return topicOutWeni{UUID: t.UUID, Name: t.Name, CreatedOn: apiTime(t.CreatedOn)}
	}
	return topicOut{UUID: t.UUID, Name: t.Name, Counts: topicCounts{Open: t.counts.Open, Closed: t.counts.Closed}, System: t.IsSystem,
		CreatedOn: apiTime(t.CreatedOn)}
}

// countTopics gives topics their counts, in one query.
func countTopics(c *Ctx, topics []models.Topic) ([]any, error) {
	ids := make([]int64, len(topics))
	for i, t := range topics {
		ids[i] = t.ID
	}
	counts, err := c.store().TopicCounts(c.Request().Context(), c.ws().ID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(topics))
	for i := range topics {
		out[i] = convertTopic(c, &countedTopic{Topic: topics[i], counts: counts[topics[i].ID]})
	}
	return out, nil
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
		load: func(c *Ctx, t *models.Topic) (any, error) {
			out, err := countTopics(c, []models.Topic{*t})
			if err != nil {
				return nil, err
			}
			return out[0], nil
		},
	}
}

func listTopics(c *Ctx) error {
	q := c.store().Topics(c.ws().ID)
	return respondPage(c, order{}, q.Page, func(rows []models.Topic) ([]any, error) { return countTopics(c, rows) })
}

func writeTopic(c *Ctx) error { return writeNamed(c, topicKind(c.store())) }
