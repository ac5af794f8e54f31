// Package api is flowsd's HTTP layer: RapidPro's REST API v2 over echo. It parses requests, checks who is
// asking and how often, and writes RapidPro's JSON shapes; storage is the models package's job.
package api

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/flowsd/flowsd/runtime"
	"github.com/labstack/echo/v4"
)

type server struct {
	rt      *runtime.Runtime
	svc     *Services
	answers *answerCache

	openAPIOnce sync.Once
	openAPIDoc  object // openapi.json, written once: it names the configured body limit
}

// New builds the HTTP handler for the whole server.
func New(svc Services) *echo.Echo {
	svc.archiveKeys = &archiveKey{}
	s := &server{rt: svc.Runtime, svc: &svc, answers: newAnswerCache()}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.Use(s.recoverPanics, noteRoute)

	e.GET("/health", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/ready", s.ready)

	redirectRoot := func(c echo.Context) error { return c.Redirect(http.StatusFound, "/api/v2/") }
	e.GET("/api", redirectRoot)
	e.GET("/api/", redirectRoot)
	e.GET("/api/v2", redirectRoot)
	e.Any("/api/v2.json", s.index)
	e.Any("/api/v2/", s.root)

	// pages and files beside the endpoints; no endpoint may take their names (TestReservedNames)
	e.Any("/api/v2/explorer/", s.explorer)
	reads := []string{http.MethodGet, http.MethodHead}
	e.Match(reads, "/api/v2/explorer", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/api/v2/explorer/") })
	e.Any("/api/v2/openapi.json", s.openAPI)
	e.Match(reads, staticPrefix+":file", s.serveStatic)
	e.Match(reads, mediaRoute+":workspace/:media/:file", s.serveMedia) // uploaded files, public as RapidPro's are
	e.Match(reads, archiveDownloadRoute, s.serveArchive)               // archive files, by signed link or token

	for _, ep := range Registry {
		for _, name := range append([]string{ep.Name}, ep.Aliases...) {
			e.Any("/api/v2/"+name+".json", s.serveData(ep))
			e.Any("/api/v2/"+name, s.serveDocs(ep))
		}
		if ep.TrailingSlash {
			e.Any("/api/v2/"+ep.Name+"/", s.serveData(ep))
		}
	}

	e.RouteNotFound("/*", func(c echo.Context) error { return errNotFound() })
	return e
}

// serveData is the pipeline of every API call: authenticate, check the method and the caller's role,
// count the request against the rate limit, then run the operation.
func (s *server) serveData(ep *Endpoint) echo.HandlerFunc {
	return func(ec echo.Context) error {
		req := ec.Request()
		p, err := authenticate(req.Context(), s.svc.Store, req)
		if err != nil {
			return err
		}
		ec.Response().Header().Set("X-Temba-Workspace", p.Workspace.UUID)
		if ep.Profile != "" && ep.Profile != p.Workspace.APIProfile {
			return errNotFound() // the endpoint doesn't exist for this workspace's profile
		}

		op := ep.operation(req.Method)
		if op == nil {
			return errMethod(req.Method)
		}
		if !op.allows(p.Role) {
			return errPermission()
		}

		c := &Ctx{Context: ec, rt: s.rt, svc: s.svc, endpoint: ep, principal: p}
		if err := s.throttle(c); err != nil {
			return err
		}
		if c.query, err = cleanQuery(req.URL.Query()); err != nil {
			return err
		}
		if op.Cacheable {
			c.answers, c.answerKey = s.answers, answerKey(c)
			if body, ok := s.answers.get(p.Workspace.ID, p.Workspace.ConfigVersion, c.answerKey); ok {
				return ec.Blob(http.StatusOK, "application/json", body)
			}
		}
		return op.Handle(c)
	}
}

func (s *server) ready(c echo.Context) error {
	if err := s.svc.Store.Ping(c.Request().Context()); err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// handleError writes any error as RapidPro would: the API's own errors in their JSON shapes, everything
// unexpected as a plain-text 500 (logged, never shown).
func (s *server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var apiErr *apiError
	var httpErr *echo.HTTPError
	switch {
	case errors.As(err, &apiErr):
	case errors.As(err, &httpErr) && httpErr.Code == http.StatusNotFound:
		apiErr = errNotFound()
	case errors.As(err, &httpErr) && httpErr.Code == http.StatusMethodNotAllowed:
		apiErr = errMethod(c.Request().Method)
	case errors.As(err, &httpErr) && httpErr.Code < 500:
		apiErr = errDetail(httpErr.Code, strings.TrimSpace(http.StatusText(httpErr.Code)))
	default:
		s.rt.Log.Error("request failed", "request_id", runtime.RequestID(c.Request().Context()), "method", c.Request().Method,
			"path", c.Request().URL.Path, "error", err)
		c.String(http.StatusInternalServerError, "Server Error. Site administrators have been notified.")
		return
	}
	if c.Request().Method == http.MethodHead {
		c.NoContent(apiErr.status)
		return
	}
	if err := writeJSON(c, apiErr.status, apiErr.body, false); err != nil {
		s.rt.Log.Error("writing error response", "error", err)
	}
}

// noteRoute names the route that serves a request (its pattern, a bounded set), for the metrics of the request
// flowsd serve observes.
func noteRoute(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := runtime.RequestOf(c.Request().Context()); r != nil && c.Path() != "/*" {
			r.Route = c.Path()
		}
		return next(c)
	}
}

func (s *server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.rt.Log.Error("panic serving request", "request_id", runtime.RequestID(c.Request().Context()), "path", c.Request().URL.Path, "panic", r)
				err = errors.New("panic")
			}
		}()
		return next(c)
	}
}
