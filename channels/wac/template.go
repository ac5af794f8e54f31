package wac

import (
	"cmp"
	"maps"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/channels"
)

// A message sent as a template is one Graph request of type "template", built from the message's templating as
// courier builds it: the template's name, its translation's language (Meta's code, deterministic), and one
// component per templating component with variables, its parameters in the numeric order of the variables'
// names. The message's text (the engine's preview of the template) is not sent.

type (
	templateObj struct {
		Name       string         `json:"name"`
		Language   templateLang   `json:"language"`
		Components []templateComp `json:"components,omitempty"`
	}
	templateLang struct {
		Policy string `json:"policy"`
		Code   string `json:"code"`
	}
	templateComp struct {
		Type    string          `json:"type"`
		SubType string          `json:"sub_type,omitempty"`
		Index   string          `json:"index,omitempty"`
		Params  []templateParam `json:"parameters"`
	}
	templateParam struct {
		Type     string   `json:"type"`
		Text     string   `json:"text,omitempty"`
		Payload  string   `json:"payload,omitempty"`
		Image    *linkObj `json:"image,omitempty"`
		Video    *linkObj `json:"video,omitempty"`
		Document *docObj  `json:"document,omitempty"`
	}
	linkObj struct {
		Link string `json:"link,omitempty"`
	}
	docObj struct {
		Link     string `json:"link,omitempty"`
		Filename string `json:"filename,omitempty"`
	}
)

// templatePayload is the template object of a templated message:
//   - header, header/text, header/media: a "header" component; a text variable is a text parameter, a media one
//     (an attachment "image/jpeg:https://…") an image, video or document (application/* too, with the URL's
//     file name) by link; a variable of another kind is left out;
//   - body, body/text: a "body" component of text parameters;
//   - button/quick_reply, button/url…: a "button" component, sub_type the type's suffix, index the name's
//     (button.N), with payload parameters (text ones for a URL button).
//
// Components of other kinds (footer/text, button/phone_number have no variables anyway) are not sent.
func templatePayload(t *channels.Templating) *templateObj {
	obj := &templateObj{Name: t.TemplateName, Language: templateLang{Policy: "deterministic", Code: t.Language}}
	for _, c := range t.Components {
		vars := templateVarsOf(t, c)
		var comp *templateComp
		switch {
		case c.Type == "header" || strings.HasPrefix(c.Type, "header/"):
			comp = &templateComp{Type: "header", Params: []templateParam{}}
			for _, v := range vars {
				if v.Type == "text" {
					comp.Params = append(comp.Params, templateParam{Type: "text", Text: v.Value})
				} else if p, ok := mediaParam(v.Value); ok {
					comp.Params = append(comp.Params, p)
				}
			}
		case c.Type == "body" || strings.HasPrefix(c.Type, "body/"):
			comp = &templateComp{Type: "body", Params: []templateParam{}}
			for _, v := range vars {
				comp.Params = append(comp.Params, templateParam{Type: v.Type, Text: v.Value})
			}
		case strings.HasPrefix(c.Type, "button/"):
			comp = &templateComp{Type: "button", SubType: strings.TrimPrefix(c.Type, "button/"), Index: strings.TrimPrefix(c.Name, "button."),
				Params: []templateParam{}}
			for _, v := range vars {
				if c.Type == "button/url" {
					comp.Params = append(comp.Params, templateParam{Type: "text", Text: v.Value})
				} else {
					comp.Params = append(comp.Params, templateParam{Type: "payload", Payload: v.Value})
				}
			}
		}
		if comp != nil {
			obj.Components = append(obj.Components, *comp)
		}
	}
	return obj
}

// templateVarsOf are a component's variables in the numeric order of their names ("1", "2", … "10"); an index
// out of the templating's range is left out.
func templateVarsOf(t *channels.Templating, c channels.TemplatingComponent) []channels.TemplatingVariable {
	names := slices.SortedFunc(maps.Keys(c.Variables), func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return cmp.Or(cmp.Compare(x, y), cmp.Compare(a, b))
	})
	vars := make([]channels.TemplatingVariable, 0, len(names))
	for _, n := range names {
		if i := c.Variables[n]; i >= 0 && i < len(t.Variables) {
			vars = append(vars, t.Variables[i])
		}
	}
	return vars
}

// mediaParam is a header's media parameter from an attachment ("image/jpeg:https://…", or "document:https://…");
// false for a kind a template header can't show.
func mediaParam(attachment string) (templateParam, bool) {
	ct, link, ok := strings.Cut(attachment, ":")
	if !ok {
		ct, link = "", attachment
	}
	kind, _, _ := strings.Cut(ct, "/")
	switch kind {
	case "image":
		return templateParam{Type: "image", Image: &linkObj{Link: link}}, true
	case "video":
		return templateParam{Type: "video", Video: &linkObj{Link: link}}, true
	case "application", "document":
		name := path.Base(link)
		if u, err := url.Parse(link); err == nil {
			name = path.Base(u.Path)
		}
		return templateParam{Type: "document", Document: &docObj{Link: link, Filename: name}}, true
	}
	return templateParam{}, false
}
