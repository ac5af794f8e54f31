package flows

import (
	"context"
	"errors"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/contactql"
	"github.com/nyaruka/goflow/contactql/parse"
)

// Query is a parsed contact query with everything needed to run it as SQL.
type Query struct {
	text   string // as given
	parsed *contactql.ContactQuery
	sql    *sqlBuilder
}

// String is the query's canonical form, as RapidPro stores smart group queries (e.g. "fields.age > 18"), or
// the query as given when the engine's canonical form of it doesn't parse again (it writes "'00:1" as
// "urns.'00 = 1", found by FuzzContactQuery): what a smart group stores must read back.
func (q *Query) String() string {
	canonical := q.parsed.String()
	if _, err := parse.Query(q.sql.env, canonical, q.sql.scope); err != nil {
		return strings.TrimSpace(q.text)
	}
	return canonical
}

// Condition is the query as a SQL condition over contacts (aliased c).
func (q *Query) Condition() (models.Condition, error) {
	sql, args, err := q.sql.node(q.parsed.Root())
	return models.Condition{SQL: sql, Args: args}, err
}

// AllowedAsGroup reports whether a smart group may use the query: not if it refers to ids, refs, statuses,
// groups or flows.
func (q *Query) AllowedAsGroup() bool { return contactql.Inspect(q.parsed).AllowAsGroup }

// FieldKeys lists the keys of the fields the query uses.
func (q *Query) FieldKeys() []string {
	var keys []string
	for _, f := range contactql.Inspect(q.parsed).Fields {
		keys = append(keys, f.Key)
	}
	return keys
}

// QueryError is a query that doesn't parse or doesn't fit the workspace; its message is the parser's.
type QueryError struct{ msg string }

func (e *QueryError) Error() string { return e.msg }

// queryScope is what queries in a workspace can refer to.
type queryScope struct {
	ws     *models.Workspace
	fields map[string]*models.Field // by key
	groups map[string]*models.Group // by lowercased name
}

func (s *queryScope) ResolveField(key string) assets.Field {
	if f := s.fields[key]; f != nil {
		return static.NewField(assets.FieldUUID(f.UUID), f.Key, f.Name, assets.FieldType(f.ValueType))
	}
	return nil
}

func (s *queryScope) ResolveGroup(name string) assets.Group {
	if g := s.groups[strings.ToLower(name)]; g != nil {
		query := ""
		if g.Query != nil {
			query = *g.Query
		}
		return static.NewGroup(assets.GroupUUID(g.UUID), g.Name, query)
	}
	return nil
}

// ResolveFlow finds nothing: flows arrive with the flow engine host.
func (s *queryScope) ResolveFlow(string) assets.Flow { return nil }

func loadScope(ctx context.Context, store *models.Store, ws *models.Workspace) (*queryScope, error) {
	scope := &queryScope{ws: ws, fields: map[string]*models.Field{}, groups: map[string]*models.Group{}}
	fields, err := store.Fields(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for i := range fields {
		scope.fields[fields[i].Key] = &fields[i]
	}
	groups, err := store.Groups(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for i := range groups {
		scope.groups[strings.ToLower(groups[i].Name)] = &groups[i]
	}
	return scope, nil
}

// ParseQuery parses a contact query in a workspace, checking the fields and groups it names exist.
func ParseQuery(ctx context.Context, store *models.Store, ws *models.Workspace, text string) (*Query, error) {
	scope, err := loadScope(ctx, store, ws)
	if err != nil {
		return nil, err
	}
	return scope.parse(text)
}

func (s *queryScope) parse(text string) (*Query, error) {
	// PostgreSQL can't compare with a NUL or invalid UTF-8 (a 500, found by FuzzContactQuery): invalid UTF-8
	// reads as U+FFFD, as Django decodes a query string, and a NUL, which no stored value holds, is refused
	text = strings.ToValidUTF8(text, "\uFFFD")
	if strings.ContainsRune(text, 0) {
		return nil, &QueryError{msg: "Null characters are not allowed."}
	}
	env := Environment(s.ws)
	parsed, err := parse.Query(env, text, s)
	if err != nil {
		var qerr *contactql.QueryError
		if errors.As(err, &qerr) {
			return nil, &QueryError{msg: qerr.Error()}
		}
		return nil, &QueryError{msg: err.Error()}
	}
	return &Query{text: text, parsed: parsed, sql: &sqlBuilder{env: env, scope: s}}, nil
}
