package api

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"
)

// The pages' stylesheet and script, embedded: the server may run offline, so nothing comes from elsewhere.
//
//go:embed web/static
var staticFiles embed.FS

const staticPrefix = "/api/v2/static/"

type staticAsset struct {
	body        []byte
	contentType string
	version     string // a hash of the body: URLs carry it, so a cached copy is never stale
}

var staticAssets = loadStaticAssets()

func loadStaticAssets() map[string]staticAsset {
	assets := map[string]staticAsset{}
	entries, err := fs.ReadDir(staticFiles, "web/static")
	if err != nil {
		panic(err)
	}
	for _, entry := range entries {
		body, err := staticFiles.ReadFile("web/static/" + entry.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		assets[entry.Name()] = staticAsset{body: body, contentType: mime.TypeByExtension(path.Ext(entry.Name())),
			version: hex.EncodeToString(sum[:6])}
	}
	return assets
}

// assetURL is where a page finds a static file. Templates call it, so a missing file fails at the first
// render (and in tests), not in a browser.
func assetURL(name string) (string, error) {
	a, ok := staticAssets[name]
	if !ok {
		return "", fs.ErrNotExist
	}
	return staticPrefix + name + "?v=" + a.version, nil
}

// serveStatic answers /api/v2/static/<file>.
func (s *server) serveStatic(c echo.Context) error {
	a, ok := staticAssets[c.Param("file")]
	if !ok {
		return errNotFound()
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// pageSecurity is what every HTML page sends: its script and styles come only from this server and may
// only call this server, so even a name that slipped through escaping couldn't run script.
func pageSecurity(c echo.Context) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}
