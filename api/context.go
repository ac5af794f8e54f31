package api

import (
	"net/http"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
	"github.com/labstack/echo/v4"
)

// Services are what the API serves from, built and wired in cmd/flowsd.
type Services struct {
	Runtime *runtime.Runtime
	Store   *models.Store
	Flows   *flows.Host

	archiveKeys *archiveKey // signs archives' download URLs; set by New
}

// Ctx is one authenticated API request: the HTTP exchange, the services, and who is asking.
type Ctx struct {
	echo.Context
	rt        *runtime.Runtime
	svc       *Services
	endpoint  *Endpoint
	principal *models.Principal
	query     query

	answers   *answerCache // set when the operation's answers may be cached
	answerKey string

	bodyInput *input // the body, once read
}

// ws is the workspace the request acts in: every query is scoped by it.
func (c *Ctx) ws() *models.Workspace { return &c.principal.Workspace }

func (c *Ctx) store() *models.Store { return c.svc.Store }

func (c *Ctx) flows() *flows.Host { return c.svc.Flows }

// weni reports whether the workspace speaks Weni's API profile.
func (c *Ctx) weni() bool { return c.principal.Workspace.IsWeni() }

// body parses the request body (once: a handler may look at it before passing it on).
func (c *Ctx) body() (*input, error) {
	if c.bodyInput != nil {
		return c.bodyInput, nil
	}
	in, err := readBody(c.Request(), c.rt.Config.MaxBodyBytes)
	c.bodyInput = in
	return in, err
}

// respond writes v as JSON with status, keeping a successful answer when the operation is cacheable.
func (c *Ctx) respond(status int, v any) error {
	b, err := encodeJSON(v, acceptIndent(c.Request()), c.weni())
	if err != nil {
		return err
	}
	if c.answers != nil && status == http.StatusOK {
		c.answers.put(c.ws().ID, c.ws().ConfigVersion, c.answerKey, b)
	}
	return c.Blob(status, "application/json", b)
}

// noContent is the 204 of a successful DELETE.
func (c *Ctx) noContent() error { return c.NoContent(http.StatusNoContent) }

func writeJSON(c echo.Context, status int, v any, asciiOnly bool) error {
	b, err := encodeJSON(v, acceptIndent(c.Request()), asciiOnly)
	if err != nil {
		return err
	}
	return c.Blob(status, "application/json", b)
}
