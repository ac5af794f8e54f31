package api

import (
	"net/http"
	"time"

	"github.com/flowsd/flowsd/models"
)

var exampleGlobal = models.Global{Key: "org_name", Name: "Org Name", Value: "Acme Ltd",
	ModifiedOn: time.Date(2025, 1, 28, 18, 0, 0, 342000000, time.UTC)}

var globalsListDocs = OperationDocs{Title: "List Globals",
	Params: []Param{
		{Name: "key", Help: "A global key to filter by"},
		{Name: "before", Help: "Only return globals modified before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return globals modified after this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "reverse", Help: "Set to true to list the least recently modified first"},
	},
	Example: Example{Query: "key=org_name", Status: http.StatusOK, Answer: listAnswer(convertGlobal, exampleGlobal)}}

var globalsWriteDocs = OperationDocs{Title: "Add or Update Globals",
	Params: []Param{{Name: "key", Help: "Key of an existing global to update"}},
	Fields: []Param{
		{Name: "name", Help: "The name of the global (required to create one); its key is generated from it"},
		{Name: "value", Required: true, Help: "The value of the global"},
	},
	Example: Example{Body: map[string]any{"name": "Org Name", "value": "Acme Ltd"}, Status: http.StatusCreated,
		Answer: objectAnswer(convertGlobal, exampleGlobal)},
	Limited: true}

type globalOut struct {
	Key        string  `json:"key"`
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	ModifiedOn apiTime `json:"modified_on"`
}

func convertGlobal(_ *Ctx, g *models.Global) any {
	return globalOut{Key: g.Key, Name: g.Name, Value: g.Value, ModifiedOn: apiTime(g.ModifiedOn)}
}

func listGlobals(c *Ctx) error {
	q := c.store().Globals(c.ws().ID).ModifiedIn(timeRange(c.query))
	if key := c.query.Get("key"); key != "" {
		q = q.WithKey(key)
	}
	return respondPage(c, order{reversible: true}, q.Page, convertEach(func(g *models.Global) any { return convertGlobal(c, g) }))
}

// writeGlobal creates a global from a name and value, or with ?key= changes the value of one. As in
// RapidPro, creating a global whose generated key already exists sets that global's value.
func writeGlobal(c *Ctx) error {
	ctx := c.Request().Context()
	store, ws := c.store(), c.ws()

	_, key, err := lookup(c.query, "key")
	if err != nil {
		return err
	}
	var global *models.Global
	if key != "" {
		if global, err = store.GetGlobal(ctx, ws.ID, key); models.IsNotFound(err) {
			return errNotFound()
		} else if err != nil {
			return err
		}
	} else if err := checkLimit(c, "globals"); err != nil {
		return err
	}

	in, err := c.body()
	if err != nil {
		return err
	}
	var exceptID int64
	if global != nil {
		exceptID = global.ID
	}

	var dbErr error
	v := &validation{}
	value, _, _ := in.char(v, "value", charField{required: true, maxLen: models.MaxGlobalValueLen})
	name, _, nameOK := in.char(v, "name", charField{maxLen: models.MaxGlobalNameLen,
		validators: []func(string) []string{uniqueName(c, store.GlobalNameTaken, exceptID, &dbErr)}})
	if dbErr != nil {
		return dbErr
	}
	if nameOK && name != nil {
		if !models.ValidGlobalName(*name) {
			v.add("name", "Name contains illegal characters.")
		} else if !models.ValidGlobalKey(models.MakeKey(*name)) {
			v.add("name", "Name creates Key that is invalid")
		}
	}
	if v.failed() {
		return errValidation(v)
	}

	if global != nil {
		if err := store.SetGlobalValue(ctx, global, *value); err != nil {
			return err
		}
		return c.respond(http.StatusOK, convertGlobal(c, global))
	}
	if name == nil {
		return errNonField("Name is required when creating new global.")
	}
	global, _, err = store.CreateGlobal(ctx, ws.ID, *name, *value)
	if err := writeError(err, "name"); err != nil {
		return err
	}
	return c.respond(http.StatusCreated, convertGlobal(c, global))
}
