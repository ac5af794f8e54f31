package api

import (
	"context"
	"net/http"

	"github.com/flowsd/flowsd/models"
)

var exampleLabel = models.Label{UUID: "fdd156ca-233a-48c1-896d-a9d594d59b95", Name: "Important"}

var labelsListDocs = OperationDocs{Title: "List Message Labels",
	Params: []Param{
		{Name: "uuid", Help: "A message label UUID to filter by"},
		{Name: "name", Help: "A message label name to filter by (case-insensitive)"},
	},
	Example: Example{Query: "name=Important", Status: http.StatusOK, Answer: listAnswer(convertLabel, countedLabel{Label: exampleLabel, Count: 4})}}

var labelsWriteDocs = OperationDocs{Title: "Add or Update Message Labels",
	Params:  []Param{{Name: "uuid", Help: "The UUID of the message label to update"}},
	Fields:  []Param{{Name: "name", Required: true, Help: "The name of the message label"}},
	Example: Example{Body: map[string]any{"name": "Important"}, Status: http.StatusCreated, Answer: objectAnswer(convertLabel, countedLabel{Label: exampleLabel})},
	Limited: true}

var labelsDeleteDocs = OperationDocs{Title: "Delete Message Labels",
	Params:  []Param{{Name: "uuid", Required: true, Help: "The UUID of the message label to delete"}},
	Example: Example{Query: "uuid=" + exampleLabel.UUID, Status: http.StatusNoContent}}

type labelOut struct {
	UUID  string `json:"uuid"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// countedLabel is a label with how many visible messages it is on.
type countedLabel struct {
	models.Label
	Count int64
}

// convertLabel writes a label with its count of visible labelled messages.
func convertLabel(_ *Ctx, l *countedLabel) any {
	return labelOut{UUID: l.UUID, Name: l.Name, Count: l.Count}
}

func labelKind(s *models.Store) namedKind[countedLabel] {
	return namedKind[countedLabel]{
		limit:  "labels",
		maxLen: models.MaxLabelNameLen,
		get: func(ctx context.Context, workspaceID int64, uuid string) (*countedLabel, error) {
			l, err := s.GetLabel(ctx, workspaceID, uuid)
			if err != nil {
				return nil, err
			}
			counts, err := s.LabelCounts(ctx, workspaceID, []int64{l.ID})
			return &countedLabel{Label: *l, Count: counts[l.ID]}, err
		},
		id:    func(l *countedLabel) int64 { return l.ID },
		taken: s.LabelNameTaken,
		create: func(ctx context.Context, workspaceID int64, name string) (*countedLabel, error) {
			l, err := s.CreateLabel(ctx, workspaceID, name)
			if err != nil {
				return nil, err
			}
			return &countedLabel{Label: *l}, nil
		},
		rename: func(ctx context.Context, l *countedLabel, name string) error {
			return s.RenameLabel(ctx, &l.Label, name)
		},
		output: convertLabel,
	}
}

// listLabels answers a page of labels with their counts, read for the whole page at once.
func listLabels(c *Ctx) error {
	q, err := filterUUIDOrName(c, c.store().Labels(c.ws().ID))
	if err != nil {
		return err
	}
	return respondPage(c, order{}, q.Page, func(rows []models.Label) ([]any, error) {
		ids := make([]int64, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		counts, err := c.store().LabelCounts(c.Request().Context(), c.ws().ID, ids)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(rows))
		for i := range rows {
			out[i] = convertLabel(c, &countedLabel{Label: rows[i], Count: counts[rows[i].ID]})
		}
		return out, nil
	})
}

func writeLabel(c *Ctx) error { return writeNamed(c, labelKind(c.store())) }

func deleteLabel(c *Ctx) error {
	s := c.store()
	return deleteNamed(c, labelKind(s), func(ctx context.Context, l *countedLabel) error { return s.DeleteLabel(ctx, &l.Label) })
}
