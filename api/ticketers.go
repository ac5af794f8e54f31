package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleTicketer = models.Ticketer{UUID: "9a8b001e-a913-486c-80f4-1356e23f582e", Name: "Email (bob@acme.com)", Type: "mailgun",
	CreatedOn: time.Date(2025, 6, 8, 12, 18, 7, 671000000, time.UTC)}

var ticketersListDocs = OperationDocs{Title: "List Ticketers", Params: unconfiguredParams("ticketer"),
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTicketer, exampleTicketer)}}

type ticketerOut struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	CreatedOn apiTime `json:"created_on"`
}

func convertTicketer(_ *Ctx, x *models.Ticketer) any {
	return ticketerOut{UUID: x.UUID, Name: x.Name, Type: x.Type, CreatedOn: apiTime(x.CreatedOn)}
}

func listTicketers(c *Ctx) error { return listUnconfigured(c, convertTicketer) }
