package api

import (
	"context"
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleClassifier = models.Classifier{UUID: "9a8b001e-a913-486c-80f4-1356e23f582e", Name: "Booking", Type: "wit",
	Intents: []string{"book_car", "book_flight"}, CreatedOn: time.Date(2025, 6, 8, 12, 18, 7, 671000000, time.UTC)}

var classifiersListDocs = OperationDocs{Title: "List Classifiers", Params: unconfiguredParams("classifier"),
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertClassifier, exampleClassifier)}}

type classifierOut struct {
	UUID      string   `json:"uuid"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Intents   []string `json:"intents"`
	CreatedOn apiTime  `json:"created_on"`
}

func convertClassifier(_ *Ctx, x *models.Classifier) any {
	return classifierOut{UUID: x.UUID, Name: x.Name, Type: x.Type, Intents: x.Intents, CreatedOn: apiTime(x.CreatedOn)}
}

func listClassifiers(c *Ctx) error {
	return listUnconfigured(c, convertClassifier)
}

// unconfiguredParams are the filters of a listing of things flowsd can't configure yet, as RapidPro 8.3 has them.
func unconfiguredParams(noun string) []Param {
	return []Param{
		{Name: "uuid", Help: "A " + noun + " UUID to filter by"},
		{Name: "before", Help: "Only return " + noun + "s created before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return " + noun + "s created after this date, e.g. 2015-01-28T18:00:00.000"},
	}
}

// listUnconfigured answers the page of a listing of things flowsd can't configure yet (classifiers,
// ticketers): its filters are checked as RapidPro checks them, and there is never a row.
func listUnconfigured[T any](c *Ctx, convert func(*Ctx, *T) any) error {
	if _, err := uuidParam(c.query, "uuid"); err != nil {
		return err
	}
	none := func(context.Context, models.PageSpec) (*models.Page[T], error) { return &models.Page[T]{}, nil }
	return respondPage(c, order{}, none, convertEach(func(x *T) any { return convert(c, x) }))
}
