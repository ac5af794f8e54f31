package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

// Weni's flows_labels.json: the workspace's flow labels (folders of flows), each with its parent's name.

var exampleFlowLabel = models.FlowLabel{UUID: "5f05311e-8f81-4a67-a5b5-1501b6d6496a", Name: "Survey", ParentName: ptr("Research"),
	CreatedOn: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}

var flowsLabelsDocs = OperationDocs{Title: "List Flow Labels",
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertFlowLabel, exampleFlowLabel)}}

type flowLabelOut struct {
	UUID   string  `json:"uuid"`
	Name   string  `json:"name"`
	Parent *string `json:"parent"` // the parent label's name, as Weni's serializer writes it
}

func convertFlowLabel(_ *Ctx, l *models.FlowLabel) any {
	return flowLabelOut{UUID: l.UUID, Name: l.Name, Parent: l.ParentName}
}

// listFlowsLabels answers the workspace's flow labels, newest first.
func listFlowsLabels(c *Ctx) error {
	q := c.store().FlowLabels(c.ws().ID)
	return respondPage(c, order{}, q.Page, convertEach(func(l *models.FlowLabel) any { return convertFlowLabel(c, l) }))
}
