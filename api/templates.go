package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
)

// templates.json: the WhatsApp templates synced from Meta. RapidPro 8.3's shape (language, content,
// variable_count, with the translation's locale), with what RapidPro's later shape added (the base translation,
// each translation's components and variables) beside it; Weni's keeps 8.3's keys only, filters by status and
// pages in reverse.

var exampleTemplate = translatedTemplate{
	Template: models.Template{ID: 1, UUID: "3b8dd151-1d3a-4c4f-9cd3-5a2e1f2e7b11", Name: "order_shipped", BaseTranslationID: ptr[int64](1),
		CreatedOn: time.Date(2025, 5, 4, 10, 0, 0, 0, time.UTC), ModifiedOn: time.Date(2025, 5, 6, 8, 30, 0, 0, time.UTC)},
	translations: []models.TranslationOnChannel{{
		TemplateTranslation: models.TemplateTranslation{ID: 1, Locale: "eng-US", Status: models.TemplateApproved, Namespace: "",
			Components: `[{"name":"header","type":"header/text","content":"Order {{1}}","variables":{"1":0}},` +
				`{"name":"body","type":"body/text","content":"Hi {{1}}, your order is on its way.","variables":{"1":1}}]`,
			Variables: `[{"type":"text"},{"type":"text"}]`, IsSupported: true, IsCompatible: true},
		Channel: models.Channel{UUID: "9a8b001e-a913-486c-80f4-1356e23f582e", Name: "WhatsApp"},
	}},
}

var templatesListDocs = OperationDocs{Title: "List Templates",
	Params: []Param{
		{Name: "uuid", Help: "A template UUID to filter by (Weni profile)"},
		{Name: "name", Help: "A template name to filter by, exactly (Weni profile)"},
		{Name: "status", Help: "Only templates with a translation in this status: A approved (the default), P pending, R rejected, I in appeal, T paused, S disabled (Weni profile)"},
		{Name: "before", Help: "Only return templates modified before this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "after", Help: "Only return templates modified after this date, e.g. 2015-01-28T18:00:00.000"},
		{Name: "reverse", Help: "Return the oldest modified first (Weni profile)"},
	},
	Example: Example{Status: http.StatusOK, Answer: listAnswer(convertTemplate, exampleTemplate)}}

// translatedTemplate is a template with its translations on the workspace's active channels, by locale.
type translatedTemplate struct {
	models.Template
	translations []models.TranslationOnChannel
}

type templateComponentOut struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Content   string         `json:"content"`
	Display   string         `json:"display,omitempty"`
	Variables map[string]int `json:"variables"`
}

type templateVariableOut struct {
	Type string `json:"type"`
}

type templateTranslationOut struct {
	Channel       ref                    `json:"channel"`
	Language      string                 `json:"language"`
	Locale        string                 `json:"locale"`
	Content       string                 `json:"content"`
	Namespace     string                 `json:"namespace"`
	VariableCount int                    `json:"variable_count"`
	Status        string                 `json:"status"`
	Components    []templateComponentOut `json:"components"`
	Variables     []templateVariableOut  `json:"variables"`
}

type templateOut struct {
	UUID            string                   `json:"uuid"`
	Name            string                   `json:"name"`
	BaseTranslation *templateTranslationOut  `json:"base_translation"`
	Translations    []templateTranslationOut `json:"translations"`
	CreatedOn       apiTime                  `json:"created_on"`
	ModifiedOn      apiTime                  `json:"modified_on"`
}

// Weni's shape, RapidPro 8.3's without the locale.
type templateTranslationOutWeni struct {
	Language      string `json:"language"`
	Content       string `json:"content"`
	Namespace     string `json:"namespace"`
	VariableCount int    `json:"variable_count"`
	Status        string `json:"status"`
	Channel       ref    `json:"channel"`
}

type templateOutWeni struct {
	UUID         string                       `json:"uuid"`
	Name         string                       `json:"name"`
	Translations []templateTranslationOutWeni `json:"translations"`
	CreatedOn    apiTime                      `json:"created_on"`
	ModifiedOn   apiTime                      `json:"modified_on"`
}

// templateStatusWords are the statuses' words in the API, as RapidPro names them.
var templateStatusWords = map[models.TemplateStatus]string{
	models.TemplatePending: "pending", models.TemplateApproved: "approved", models.TemplateRejected: "rejected",
	models.TemplatePaused: "paused", models.TemplateDisabled: "disabled", models.TemplateInAppeal: "in_appeal",
}

// weniTemplateStatuses are Weni's one-letter codes of ?status= for the statuses flowsd keeps (Weni's own
// codes differ from RapidPro's for paused and disabled); its other codes (E pending deletion, D deleted, L
// locked, U unsupported language) are statuses no synced translation has.
var weniTemplateStatuses = map[string]models.TemplateStatus{
	"A": models.TemplateApproved, "P": models.TemplatePending, "R": models.TemplateRejected, "I": models.TemplateInAppeal,
	"T": models.TemplatePaused, "S": models.TemplateDisabled,
}

// templateVarRe finds a template text's variables, as Meta writes them.
var templateVarRe = regexp.MustCompile(`{{(\d+)}}`)

func convertTemplate(c *Ctx, t *translatedTemplate) any {
	if c.weni() {
		out := templateOutWeni{UUID: t.UUID, Name: t.Name, Translations: []templateTranslationOutWeni{}, CreatedOn: apiTime(t.CreatedOn),
			ModifiedOn: apiTime(t.ModifiedOn)}
		for i := range t.translations {
			tr := convertTemplateTranslation(&t.translations[i])
			out.Translations = append(out.Translations, templateTranslationOutWeni{Language: tr.Language, Content: tr.Content,
				Namespace: tr.Namespace, VariableCount: tr.VariableCount, Status: templateStatusWords[t.translations[i].Status], Channel: tr.Channel})
		}
		return out
	}
	out := templateOut{UUID: t.UUID, Name: t.Name, Translations: []templateTranslationOut{}, CreatedOn: apiTime(t.CreatedOn), ModifiedOn: apiTime(t.ModifiedOn)}
	for i := range t.translations {
		tr := convertTemplateTranslation(&t.translations[i])
		out.Translations = append(out.Translations, tr)
		if t.BaseTranslationID != nil && *t.BaseTranslationID == t.translations[i].ID {
			out.BaseTranslation = &tr
		}
	}
	return out
}

// convertTemplateTranslation gives a translation in RapidPro's shape: 8.3's content is the text of its
// header, body and footer, and its variable count the highest variable number there, as RapidPro worked them
// out when it stored them; a translation with components flowsd can't send reads as 8.3's
// unsupported_components.
func convertTemplateTranslation(tr *models.TranslationOnChannel) templateTranslationOut {
	out := templateTranslationOut{Channel: ref{UUID: tr.Channel.UUID, Name: tr.Channel.Name}, Language: tr.Locale, Locale: tr.Locale,
		Namespace: tr.Namespace, Status: templateStatusWords[tr.Status], Components: []templateComponentOut{}, Variables: []templateVariableOut{}}
	if lang, _, ok := strings.Cut(tr.Locale, "-"); ok {
		out.Language = lang
	}
	if !tr.IsSupported {
		out.Status = "unsupported_components"
	}
	// stored by the sync from our own types, so they always decode; a row that didn't would show none
	_ = json.Unmarshal([]byte(tr.Components), &out.Components)
	_ = json.Unmarshal([]byte(tr.Variables), &out.Variables)
	var texts []string
	for i := range out.Components {
		if out.Components[i].Variables == nil {
			out.Components[i].Variables = map[string]int{}
		}
		switch out.Components[i].Type {
		case "header/text", "body/text", "footer/text":
			texts = append(texts, out.Components[i].Content)
		}
	}
	out.Content = strings.Join(texts, "\n\n")
	for _, m := range templateVarRe.FindAllStringSubmatch(out.Content, -1) {
		if n, err := strconv.Atoi(m[1]); err == nil && n > out.VariableCount {
			out.VariableCount = n
		}
	}
	return out
}

// listTemplates answers the workspace's templates that have a translation on one of its active channels,
// newest modified first. Weni's keeps those with a translation in ?status= (approved when absent), and
// filters by uuid and name.
func listTemplates(c *Ctx) error {
	q := c.store().TemplatePages(c.ws().ID).ModifiedIn(timeRange(c.query))
	ord := order{}
	if c.weni() {
		var err error
		if q, err = filterUUID(c, q); err != nil {
			return err
		}
		if name := c.query.Get("name"); name != "" {
			q = q.Named(name)
		}
		code := c.query.Get("status")
		if code == "" {
			code = "A"
		}
		if s, ok := weniTemplateStatuses[code]; ok {
			q = q.WithStatus(s)
		} else {
			q = q.WithStatus()
		}
		ord.reversible = true
	}
	return respondPage(c, ord, q.Page, func(rows []models.Template) ([]any, error) {
		ids := make([]int64, len(rows))
		for i := range rows {
			ids[i] = rows[i].ID
		}
		trs, err := c.store().TemplateTranslationsOf(c.Request().Context(), c.ws().ID, ids)
		if err != nil {
			return nil, err
		}
		out := make([]any, len(rows))
		for i := range rows {
			out[i] = convertTemplate(c, &translatedTemplate{Template: rows[i], translations: trs[rows[i].ID]})
		}
		return out, nil
	})
}
