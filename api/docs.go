package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"mime"
	"net/http"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/labstack/echo/v4"
)

//go:embed web/*.html
var webFiles embed.FS

var docsTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"dict":  dict,
	"asset": assetURL,
	"roles": roleNames,
	"lower": strings.ToLower,
}).ParseFS(webFiles, "web/*.html"))

// roleNames lists who may call an operation, for people.
func roleNames(roles []models.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// dict builds a map from key, value pairs, to pass several values to a template.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// wantsJSON decides between the docs page and JSON as Django REST framework's content negotiation does:
// the first Accept entry that names either wins, and */* (or no Accept at all) means the docs page.
func wantsJSON(r *http.Request) bool {
	if r.URL.Query().Get("format") == "json" {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "application/json":
			return true
		case "text/html", "*/*", "text/*":
			return false
		}
	}
	return false
}

// absoluteURL is path on the host the request came to.
func absoluteURL(c echo.Context, path string) string {
	return c.Scheme() + "://" + c.Request().Host + path
}

// index answers /api/v2.json: endpoint names mapped to their absolute (docs) URLs, in registry order.
func (s *server) index(c echo.Context) error {
	if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
		return errMethod(m)
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	for _, ep := range Registry {
		if ep.Profile != "" || ep.Unlisted {
			continue // only some workspaces have it, or RapidPro's index doesn't list it
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(ep.Name)
		v, _ := json.Marshal(absoluteURL(c, "/api/v2/"+ep.Name))
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	var out any = json.RawMessage(buf.Bytes())
	return writeJSON(c, http.StatusOK, out, false)
}

// root answers /api/v2/: the API overview for browsers, the index for JSON clients.
func (s *server) root(c echo.Context) error {
	m := c.Request().Method
	if m != http.MethodGet && m != http.MethodHead {
		if wantsJSON(c.Request()) {
			return errMethod(m)
		}
		return s.renderDocs(c, http.StatusMethodNotAllowed, "root.html", nil)
	}
	if wantsJSON(c.Request()) {
		return s.index(c)
	}
	return s.renderDocs(c, http.StatusOK, "root.html", nil)
}

// serveDocs answers /api/v2/<name> (no .json): the endpoint's docs page. It never touches data: JSON
// clients get an empty list (or object), and writes are refused with a 403.
func (s *server) serveDocs(ep *Endpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		m := c.Request().Method
		switch m {
		case http.MethodGet, http.MethodHead:
			if ep.Get == nil {
				break
			}
			if wantsJSON(c.Request()) {
				if ep.List {
					return writeJSON(c, http.StatusOK, []any{}, false)
				}
				return writeJSON(c, http.StatusOK, map[string]any{}, false)
			}
			return s.renderDocs(c, http.StatusOK, "endpoint.html", ep)
		case http.MethodPost, http.MethodDelete:
			if ep.operation(m) == nil {
				break
			}
			if wantsJSON(c.Request()) {
				return errPermission()
			}
			return s.renderDocs(c, http.StatusForbidden, "endpoint.html", ep)
		}
		return errMethod(m)
	}
}

type docsPage struct {
	Endpoint  *Endpoint
	Endpoints []*Endpoint
}

func (s *server) renderDocs(c echo.Context, status int, name string, ep *Endpoint) error {
	var buf bytes.Buffer
	if err := docsTemplates.ExecuteTemplate(&buf, name, docsPage{Endpoint: ep, Endpoints: Registry}); err != nil {
		return err
	}
	pageSecurity(c)
	return c.HTMLBlob(status, buf.Bytes())
}
