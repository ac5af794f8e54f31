// Package throttle limits request rates per bucket: in process with golang.org/x/time/rate, or in Redis
// (GCRA, via redis_rate) so that several flowsd processes share one limit.
package throttle

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Scope names a group of endpoints that share one rate limit per workspace: RapidPro's throttle scopes.
type Scope string

// The throttle scopes, one definition for the registry, the configuration and the defaults.
const (
	ScopeV2         Scope = "v2"
	ScopeContacts   Scope = "v2.contacts"
	ScopeMessages   Scope = "v2.messages"
	ScopeRuns       Scope = "v2.runs"
	ScopeBroadcasts Scope = "v2.broadcasts"
	ScopeFlowStart  Scope = "v2.flowstart"
)

// DefaultRates are the request rates per workspace and scope (RapidPro's), unless configured otherwise.
var DefaultRates = map[Scope]Rate{
	ScopeV2:         {N: 2500, Per: time.Hour},
	ScopeContacts:   {N: 2500, Per: time.Hour},
	ScopeMessages:   {N: 2500, Per: time.Hour},
	ScopeRuns:       {N: 2500, Per: time.Hour},
	ScopeBroadcasts: {N: 36000, Per: time.Hour},
	ScopeFlowStart:  {N: 2500, Per: time.Hour},
}

// Rate is N requests per period, the bucket holding up to N.
type Rate struct {
	N   int
	Per time.Duration
}

func (r Rate) String() string {
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"day", 24 * time.Hour}, {"hour", time.Hour}, {"minute", time.Minute}, {"second", time.Second}} {
		if r.Per == u.d {
			return fmt.Sprintf("%d/%s", r.N, u.name)
		}
	}
	return fmt.Sprintf("%d/%s", r.N, r.Per)
}

// ParseRate reads "2500/hour". As in Django REST framework, the period's first letter decides: s(econd),
// m(inute), h(our), d(ay).
func ParseRate(s string) (Rate, error) {
	num, period, ok := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.Atoi(strings.TrimSpace(num))
	period = strings.TrimSpace(period)
	if !ok || err != nil || n < 0 || period == "" {
		return Rate{}, fmt.Errorf("invalid rate %q: want N/second, N/minute, N/hour or N/day", s)
	}
	per, ok := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[period[0]]
	if !ok {
		return Rate{}, fmt.Errorf("invalid rate %q: the period must be second, minute, hour or day", s)
	}
	return Rate{N: n, Per: per}, nil
}

// ParseRates reads "v2=2500/hour,v2.contacts=2500/hour" into scope -> rate.
func ParseRates(s string) (map[Scope]Rate, error) {
	rates := map[Scope]Rate{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		scope, rateStr, ok := strings.Cut(item, "=")
		if !ok || strings.TrimSpace(scope) == "" {
			return nil, fmt.Errorf("invalid rate setting %q: want scope=N/period", item)
		}
		r, err := ParseRate(rateStr)
		if err != nil {
			return nil, err
		}
		rates[Scope(strings.TrimSpace(scope))] = r
	}
	return rates, nil
}

// FormatRates writes rates back in the form ParseRates reads, scopes sorted.
func FormatRates(rates map[Scope]Rate) string {
	scopes := make([]string, 0, len(rates))
	for s := range rates {
		scopes = append(scopes, string(s))
	}
	sort.Strings(scopes)
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = s + "=" + rates[Scope(s)].String()
	}
	return strings.Join(parts, ",")
}

// Result is the outcome of asking for one request.
type Result struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration // until one more request would be allowed (zero when allowed)
	ResetAfter time.Duration // until the bucket is full again
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1 when throttled.
func (r Result) RetryAfterSeconds() int {
	s := int(math.Ceil(r.RetryAfter.Seconds()))
	if !r.Allowed && s < 1 {
		s = 1
	}
	return s
}

// Limiter decides whether a request in bucket key may go ahead at rate.
type Limiter interface {
	Allow(ctx context.Context, key string, rate Rate) (Result, error)
}
