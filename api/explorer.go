package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// explorer answers /api/v2/explorer/: a card for every operation of every endpoint, to try it against the
// real API. The page is public and holds no data: the browser keeps the user's token and sends it with each
// request, so permissions and rate limits apply as for any other client.
func (s *server) explorer(c echo.Context) error {
	if m := c.Request().Method; m != http.MethodGet && m != http.MethodHead {
		return errMethod(m)
	}
	return s.renderDocs(c, http.StatusOK, "explorer.html", nil)
}
