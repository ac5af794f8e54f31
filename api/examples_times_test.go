package api

import (
	"strings"
	"testing"
)

// TestExamplesHaveRealTimes keeps Go's zero time (0001-01-01) out of every example the docs pages, the
// explorer and openapi.json show: an example model left without a time would show it.
func TestExamplesHaveRealTimes(t *testing.T) {
	for _, ep := range Registry {
		for _, op := range ep.Operations() {
			ex := op.Docs.Example
			for what, rendered := range map[string]string{"request": ex.URL(ep.Name) + "\n" + ex.BodyJSON(), "answer": ex.AnswerJSON()} {
				if strings.Contains(rendered, "0001-01-01") {
					t.Errorf("%s %s: the example %s shows the zero time:\n%s", op.Method, ep.Name, what, rendered)
				}
			}
		}
	}
}
