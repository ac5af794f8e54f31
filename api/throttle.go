package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// throttle counts the request against its workspace's bucket for the endpoint's scope, and sets the
// X-RateLimit headers. A request over the limit gets a 429 with Retry-After in whole seconds.
func (s *server) throttle(c *Ctx) error {
	scope := c.endpoint.Scope
	if c.weni() && c.endpoint.WeniScope != "" {
		scope = c.endpoint.WeniScope
	}
	rate := s.rt.Config.RateFor(scope, c.ws().APIRates)
	key := fmt.Sprintf("throttle_%s_%d", scope, c.ws().ID)

	res, err := s.rt.Throttle.Allow(c.Request().Context(), key, rate)
	if err != nil {
		// a throttle store that is down must not take the API down with it
		s.rt.Log.Warn("rate limit check failed, allowing request", "scope", scope, "error", err)
		return nil
	}

	h := c.Response().Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(res.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(res.ResetAfter).Add(time.Second-1).Unix(), 10))

	if !res.Allowed {
		s.rt.Metrics.Throttled(c.endpoint.Name, string(scope))
		wait := res.RetryAfterSeconds()
		h.Set("Retry-After", strconv.Itoa(wait))
		unit := "seconds"
		if wait == 1 {
			unit = "second"
		}
		return errDetail(http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d %s.", wait, unit))
	}
	return nil
}
