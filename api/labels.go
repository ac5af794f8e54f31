package api

import (
	"net/http"

	"github.com/flowsd/flowsd/models"
)

var exampleLabel = models.Label{UUID: "fdd156ca-233a-48c1-896d-a9d594d59b95", Name: "Important"}

var labelsListDocs = OperationDocs{Title: "List Message Labels",
	Params: []Param{
		{Name: "uuid", Help: "A message label UUID to filter by"},
		{Name: "name", Help: "A message label name to filter by (case-insensitive)"},
	},
	Example: Example{Query: "name=Important", Status: http.StatusOK, Answer: listAnswer(convertLabel, exampleLabel)}}

var labelsWriteDocs = OperationDocs{Title: "Add or Update Message Labels",
	Params:  []Param{{Name: "uuid", Help: "The UUID of the message label to update"}},
	Fields:  []Param{{Name: "name", Required: true, Help: "The name of the message label"}},
	Example: Example{Body: map[string]any{"name": "Important"}, Status: http.StatusCreated, Answer: objectAnswer(convertLabel, exampleLabel)},
	Limited: true}

var labelsDeleteDocs = OperationDocs{Title: "Delete Message Labels",
	Params:  []Param{{Name: "uuid", Required: true, Help: "The UUID of the message label to delete"}},
	Example: Example{Query: "uuid=" + exampleLabel.UUID, Status: http.StatusNoContent}}

type labelOut struct {
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// convertLabel writes a label. Its count is of visible labelled messages; messages arrive with the channel
// layer, so there are none yet.
func convertLabel(_ *Ctx, l *models.Label) any {
	return labelOut{UUID: l.UUID, Name: l.Name}
}

func labelKind(s *models.Store) namedKind[models.Label] {
	return namedKind[models.Label]{
		limit:  "labels",
		maxLen: models.MaxLabelNameLen,
		get:    s.GetLabel,
		id:     func(l *models.Label) int64 { return l.ID },
		taken:  s.LabelNameTaken,
		create: s.CreateLabel,
		rename: s.RenameLabel,
		output: convertLabel,
	}
}

func listLabels(c *Ctx) error {
	q, err := filterUUIDOrName(c, c.store().Labels(c.ws().ID))
	if err != nil {
		return err
	}
	return respondPage(c, order{}, q.Page, convertEach(func(l *models.Label) any { return convertLabel(c, l) }))
}

func writeLabel(c *Ctx) error { return writeNamed(c, labelKind(c.store())) }

func deleteLabel(c *Ctx) error { return deleteNamed(c, labelKind(c.store()), c.store().DeleteLabel) }
