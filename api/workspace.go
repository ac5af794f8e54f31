package api

import (
	"net/http"

	"github.com/flowsd/flowsd/models"
)

var exampleWorkspace = models.Workspace{UUID: "6a44ca78-a4c2-4862-a7d3-2932f9b3a7c3", Name: "Nyaruka", Country: ptr("RW"),
	Languages: []string{"eng", "kin"}, Timezone: "Africa/Kigali", DateStyle: "day_first"}

var workspaceDocs = OperationDocs{Title: "View Workspace",
	Example: Example{Status: http.StatusOK, Answer: objectAnswer(convertWorkspace, exampleWorkspace)}}

type credits struct {
	Used      int `json:"used"`
	Remaining int `json:"remaining"`
}

type workspaceOut struct {
	UUID            string   `json:"uuid"`
	Name            string   `json:"name"`
	Country         *string  `json:"country"`
	Languages       []string `json:"languages"`
	Timezone        string   `json:"timezone"`
	DateStyle       string   `json:"date_style"`
	Anon            bool     `json:"anon"`
	Credits         credits  `json:"credits"`          // deprecated, always -1
	PrimaryLanguage *string  `json:"primary_language"` // deprecated: the first language
}

type workspaceOutWeni struct {
	UUID            string   `json:"uuid"`
	Name            string   `json:"name"`
	Country         *string  `json:"country"`
	Languages       []string `json:"languages"`
	PrimaryLanguage *string  `json:"primary_language"`
	Timezone        string   `json:"timezone"`
	DateStyle       string   `json:"date_style"`
	Anon            bool     `json:"anon"`
}

func getWorkspace(c *Ctx) error { return c.respond(http.StatusOK, convertWorkspace(c, c.ws())) }

// convertWorkspace writes the caller's own workspace, in its API profile.
func convertWorkspace(c *Ctx, ws *models.Workspace) any {
	languages := []string(ws.Languages)
	if languages == nil {
		languages = []string{}
	}
	var primary *string
	if len(languages) > 0 {
		primary = &languages[0]
	}
	if c.weni() {
		return workspaceOutWeni{UUID: ws.UUID, Name: ws.Name, Country: ws.Country, Languages: languages,
			PrimaryLanguage: primary, Timezone: ws.Timezone, DateStyle: ws.DateStyle, Anon: ws.IsAnon}
	}
	return workspaceOut{UUID: ws.UUID, Name: ws.Name, Country: ws.Country, Languages: languages,
		Timezone: ws.Timezone, DateStyle: ws.DateStyle, Anon: ws.IsAnon, Credits: credits{-1, -1}, PrimaryLanguage: primary}
}
