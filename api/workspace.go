package api

var workspaceDocs = OperationDocs{Title: "View Workspace"}

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

func getWorkspace(c *Ctx) error {
	ws := c.ws()
	languages := []string(ws.Languages)
	if languages == nil {
		languages = []string{}
	}
	var primary *string
	if len(languages) > 0 {
		primary = &languages[0]
	}
	if c.weni() {
		return c.respond(200, workspaceOutWeni{UUID: ws.UUID, Name: ws.Name, Country: ws.Country, Languages: languages,
			PrimaryLanguage: primary, Timezone: ws.Timezone, DateStyle: ws.DateStyle, Anon: ws.IsAnon})
	}
	return c.respond(200, workspaceOut{UUID: ws.UUID, Name: ws.Name, Country: ws.Country, Languages: languages,
		Timezone: ws.Timezone, DateStyle: ws.DateStyle, Anon: ws.IsAnon, Credits: credits{-1, -1}, PrimaryLanguage: primary})
}
