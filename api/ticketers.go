package api

import (
	"net/http"
	"time"
)

// ticketer is a ticketing service tickets are opened on (RapidPro 8.3, Weni). flowsd has no way to add one
// yet, so ticketers.json always answers an empty page; the shape is here for its docs and clients.
type ticketer struct {
	UUID      string
	Name      string
	Type      string
	CreatedOn time.Time
}

var exampleTicketer = ticketer{UUID: "9a8b001e-a913-486c-80f4-1356e23f582e", Name: "Email (bob@acme.com)", Type: "mailgun",
	CreatedOn: time.Date(2025, 6, 8, 12, 18, 7, 671000000, time.UTC)}

var ticketersListDocs = OperationDocs{Title: "List Ticketers", Params: unconfiguredParams("ticketer"),
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTicketer, exampleTicketer)}}

type ticketerOut struct {
	UUID      string  `json:"uuid"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	CreatedOn apiTime `json:"created_on"`
}

func convertTicketer(_ *Ctx, x *ticketer) any {
	return ticketerOut{UUID: x.UUID, Name: x.Name, Type: x.Type, CreatedOn: apiTime(x.CreatedOn)}
}

func listTicketers(c *Ctx) error { return listUnconfigured(c, convertTicketer) }
