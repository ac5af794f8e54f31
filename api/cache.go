package api

import (
	"fmt"
	"sync"
)

// answerCache keeps the JSON answers of cacheable GETs, per workspace. An answer is kept under the config
// version the request was authenticated at, and only served to requests at that same version: any change
// to the workspace's configuration, by any process, moves the version on and so retires every answer.
type answerCache struct {
	mu         sync.Mutex
	workspaces map[int64]*workspaceAnswers
}

type workspaceAnswers struct {
	version int64
	answers map[string][]byte
}

// Bounds on what is kept: past them, the workspace's (or every) answer is dropped.
const (
	maxCachedWorkspaces    = 1000
	maxAnswersPerWorkspace = 256
	maxCachedAnswerBytes   = 256 << 10
)

func newAnswerCache() *answerCache {
	return &answerCache{workspaces: map[int64]*workspaceAnswers{}}
}

// answerKey names an answer by everything it depends on besides the workspace's configuration: who asks
// (agents may see less), the API profile, where links point, the request and the indentation asked for.
func answerKey(c *Ctx) string {
	r := c.Request()
	return fmt.Sprintf("%s|%s|%s://%s|%s|%d", c.principal.Role, c.ws().APIProfile, c.Scheme(), r.Host, r.URL.RequestURI(), acceptIndent(r))
}

func (a *answerCache) get(workspaceID, version int64, key string) ([]byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.workspaces[workspaceID]
	if w == nil || w.version != version {
		return nil, false
	}
	body, ok := w.answers[key]
	return body, ok
}

func (a *answerCache) put(workspaceID, version int64, key string, body []byte) {
	if len(body) > maxCachedAnswerBytes {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.workspaces[workspaceID]
	if w != nil && w.version > version {
		return // a newer version is already cached; this answer is older than it
	}
	if w == nil || w.version != version || len(w.answers) >= maxAnswersPerWorkspace {
		if w == nil && len(a.workspaces) >= maxCachedWorkspaces {
			a.workspaces = map[int64]*workspaceAnswers{}
		}
		w = &workspaceAnswers{version: version, answers: map[string][]byte{}}
		a.workspaces[workspaceID] = w
	}
	w.answers[key] = body
}
