package flows

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/dates"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/contactql"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/utils/obfuscate"
)

// sqlBuilder turns a parsed contact query into SQL over contacts (aliased c), with the semantics of the
// engine's own Elasticsearch translation: text compares ignoring case, "!=" also matches contacts without
// the value, dates compare by whole days in the workspace's timezone.
type sqlBuilder struct {
	env   envs.Environment
	scope *queryScope
}

const (
	sqlTrue  = "1 = 1"
	sqlFalse = "1 = 0"
)

func (b *sqlBuilder) node(n contactql.QueryNode) (string, []any, error) {
	switch n := n.(type) {
	case *contactql.BoolCombination:
		joiner := " AND "
		if n.Operator() == contactql.BoolOperatorOr {
			joiner = " OR "
		}
		parts := make([]string, len(n.Children()))
		var args []any
		for i, child := range n.Children() {
			sql, childArgs, err := b.node(child)
			if err != nil {
				return "", nil, err
			}
			parts[i] = "(" + sql + ")"
			args = append(args, childArgs...)
		}
		return strings.Join(parts, joiner), args, nil
	case *contactql.Condition:
		return b.condition(n)
	}
	return "", nil, fmt.Errorf("unsupported query node %T", n)
}

// isSetCheck reports whether a condition asks whether a value is set (x != "") or not (x = "").
func isSetCheck(c *contactql.Condition) bool {
	return (c.Operator() == contactql.OpEqual || c.Operator() == contactql.OpNotEqual) && c.Value() == ""
}

// exists wraps a subquery condition, negated for "=" set checks and for "!=".
func exists(subquery string, negate bool) string {
	if negate {
		return "NOT EXISTS (" + subquery + ")"
	}
	return "EXISTS (" + subquery + ")"
}

func (b *sqlBuilder) condition(c *contactql.Condition) (string, []any, error) {
	switch c.PropertyType() {
	case contactql.PropertyTypeField:
		return b.fieldCondition(c)
	case contactql.PropertyTypeURN:
		return b.urnCondition(c, c.PropertyKey())
	case contactql.PropertyTypeAttribute:
		return b.attributeCondition(c)
	}
	return "", nil, fmt.Errorf("unsupported property type %s", c.PropertyType())
}

func (b *sqlBuilder) fieldCondition(c *contactql.Condition) (string, []any, error) {
	field := b.scope.fields[c.PropertyKey()]
	if field == nil {
		return "", nil, &QueryError{msg: fmt.Sprintf("can't resolve '%s' to attribute, scheme or field", c.PropertyKey())}
	}
	value := "SELECT 1 FROM contact_field_values v WHERE v.contact_id = c.id AND v.field_id = ?"
	args := []any{field.ID}
	typ := assets.FieldType(field.ValueType)

	// a location is set when it matched a boundary (its path), and matched by the boundary's name, lowercased,
	// as goflow's Elasticsearch query matches <type>_keyword
	column := map[assets.FieldType]string{
		assets.FieldTypeText: "v.text_lower", assets.FieldTypeNumber: "v.number_value", assets.FieldTypeDatetime: "v.datetime_value",
		assets.FieldTypeState: "v.state_value", assets.FieldTypeDistrict: "v.district_value", assets.FieldTypeWard: "v.ward_value",
	}[typ]
	if column == "" {
		return "", nil, fmt.Errorf("unsupported field type %s", typ)
	}
	if isSetCheck(c) {
		return exists(value+" AND "+column+" IS NOT NULL", c.Operator() == contactql.OpEqual), args, nil
	}

	switch typ {
	case assets.FieldTypeText:
		args = append(args, strings.ToLower(c.Value()))
		return exists(value+" AND v.text_lower = ?", c.Operator() == contactql.OpNotEqual), args, nil

	case assets.FieldTypeNumber:
		n, err := c.ValueAsNumber()
		if err != nil {
			return "", nil, &QueryError{msg: fmt.Sprintf("can't convert '%s' to a number", c.Value())}
		}
		args = append(args, n.Native().String())
		op, negate := string(c.Operator()), false
		if c.Operator() == contactql.OpNotEqual {
			op, negate = "=", true
		}
		return exists(value+" AND v.number_value "+op+" ?", negate), args, nil

	case assets.FieldTypeState, assets.FieldTypeDistrict, assets.FieldTypeWard:
		args = append(args, strings.ToLower(c.Value()))
		return exists(value+" AND v."+string(typ)+"_key = ?", c.Operator() == contactql.OpNotEqual), args, nil

	case assets.FieldTypeDatetime:
		cond, dayArgs, negate, err := b.dayComparison(c, "v.datetime_value")
		if err != nil {
			return "", nil, err
		}
		return exists(value+" AND "+cond, negate), append(args, dayArgs...), nil
	}
	return "", nil, fmt.Errorf("unsupported field type %s", typ)
}

// dayComparison compares a datetime column with the day a condition names, in the workspace's timezone.
// negate is set for "!=", which the caller applies to the whole test.
func (b *sqlBuilder) dayComparison(c *contactql.Condition, column string) (cond string, args []any, negate bool, err error) {
	day, err := c.ValueAsDate(b.env)
	if err != nil {
		return "", nil, false, &QueryError{msg: fmt.Sprintf("can't convert '%s' to a date", c.Value())}
	}
	start, end := dates.DayToUTCRange(day, day.Location())
	start, end = start.UTC().Truncate(time.Microsecond), end.UTC().Truncate(time.Microsecond)
	switch c.Operator() {
	case contactql.OpEqual:
		return column + " >= ? AND " + column + " < ?", []any{start, end}, false, nil
	case contactql.OpNotEqual:
		return column + " >= ? AND " + column + " < ?", []any{start, end}, true, nil
	case contactql.OpGreaterThan:
		return column + " >= ?", []any{end}, false, nil
	case contactql.OpGreaterThanOrEqual:
		return column + " >= ?", []any{start}, false, nil
	case contactql.OpLessThan:
		return column + " < ?", []any{start}, false, nil
	case contactql.OpLessThanOrEqual:
		return column + " < ?", []any{end}, false, nil
	}
	return "", nil, false, fmt.Errorf("unsupported date operator %s", c.Operator())
}

// urnCondition matches contacts by URN path, of one scheme or (scheme "") of any.
func (b *sqlBuilder) urnCondition(c *contactql.Condition, scheme string) (string, []any, error) {
	sub := "SELECT 1 FROM contact_urns u WHERE u.contact_id = c.id"
	var args []any
	if scheme != "" {
		sub += " AND u.scheme = ?"
		args = append(args, scheme)
	}
	if isSetCheck(c) {
		return exists(sub, c.Operator() == contactql.OpEqual), args, nil
	}
	value := strings.ToLower(c.Value())
	switch c.Operator() {
	case contactql.OpEqual, contactql.OpNotEqual:
		return exists(sub+" AND LOWER(u.path) = ?", c.Operator() == contactql.OpNotEqual), append(args, value), nil
	case contactql.OpContains:
		return exists(sub+` AND LOWER(u.path) LIKE ? ESCAPE '\'`, false), append(args, "%"+models.EscapeLike(value)+"%"), nil
	}
	return "", nil, fmt.Errorf("unsupported URN operator %s", c.Operator())
}

func (b *sqlBuilder) attributeCondition(c *contactql.Condition) (string, []any, error) {
	value := c.Value()
	lower := strings.ToLower(value)
	eq := c.Operator() == contactql.OpEqual

	switch c.PropertyKey() {
	case contactql.AttributeName:
		switch {
		case isSetCheck(c) && eq:
			return "c.name_lower IS NULL OR c.name_lower = ''", nil, nil
		case isSetCheck(c):
			return "c.name_lower IS NOT NULL AND c.name_lower <> ''", nil, nil
		case c.Operator() == contactql.OpContains:
			tokens := NameTokens(value)
			parts := make([]string, len(tokens))
			args := make([]any, len(tokens))
			for i, t := range tokens {
				parts[i] = `c.name_tokens LIKE ? ESCAPE '\'`
				args[i] = "% " + models.EscapeLike(t) + "%"
			}
			if len(parts) == 0 {
				return sqlFalse, nil, nil
			}
			return strings.Join(parts, " OR "), args, nil
		case eq:
			return "c.name_lower = ?", []any{lower}, nil
		default:
			return "c.name_lower IS NULL OR c.name_lower <> ?", []any{lower}, nil
		}

	case contactql.AttributeLanguage:
		switch {
		case isSetCheck(c) && eq:
			return "c.language IS NULL", nil, nil
		case isSetCheck(c):
			return "c.language IS NOT NULL", nil, nil
		case eq:
			return "c.language = ?", []any{lower}, nil
		default:
			return "c.language IS NULL OR c.language <> ?", []any{lower}, nil
		}

	case contactql.AttributeStatus:
		return negateIf("c.status = ?", !eq), []any{lower}, nil

	case contactql.AttributeUUID:
		return negateIf("c.uuid = ?", !eq), []any{lower}, nil

	case contactql.AttributeID, contactql.AttributeRef:
		var id int64
		var err error
		if c.PropertyKey() == contactql.AttributeID {
			id, err = strconv.ParseInt(value, 10, 64)
		} else {
			id, err = obfuscate.DecodeID(value, b.env.ObfuscationKey())
		}
		if err != nil {
			id = 0 // matches nothing, as in RapidPro
		}
		return negateIf("c.id = ?", !eq), []any{id}, nil

	case contactql.AttributeURN:
		return b.urnCondition(c, "")

	case contactql.AttributeGroup:
		sub := "SELECT 1 FROM contact_group_members m WHERE m.contact_id = c.id"
		if isSetCheck(c) {
			return exists(sub, eq), nil, nil
		}
		group := b.scope.groups[lower]
		if group == nil {
			return "", nil, &QueryError{msg: fmt.Sprintf("'%s' is not a valid group name", value)}
		}
		return exists(sub+" AND m.group_id = ?", !eq), []any{group.ID}, nil

	case contactql.AttributeTickets:
		// the number of open tickets, as RapidPro's ticket_count counts them (a contact has one at most)
		n, err := c.ValueAsNumber()
		if err != nil {
			return "", nil, &QueryError{msg: fmt.Sprintf("can't convert '%s' to a number", value)}
		}
		op := string(c.Operator())
		if c.Operator() == contactql.OpNotEqual {
			op = "<>"
		}
		return "(SELECT COUNT(*) FROM tickets t WHERE t.contact_id = c.id AND t.status = 'open') " + op + " CAST(? AS NUMERIC)",
			[]any{n.Native().String()}, nil

	case contactql.AttributeCreatedOn, contactql.AttributeLastSeenOn:
		column := "c." + c.PropertyKey()
		if isSetCheck(c) {
			return negateIf(column+" IS NOT NULL", eq), nil, nil
		}
		cond, args, negate, err := b.dayComparison(c, column)
		if err != nil {
			return "", nil, err
		}
		if negate {
			cond = "NOT (" + cond + ") OR " + column + " IS NULL"
		}
		return cond, args, nil
	}
	return "", nil, &QueryError{msg: fmt.Sprintf("can't resolve '%s' to attribute, scheme or field", c.PropertyKey())}
}

func negateIf(cond string, negate bool) string {
	if negate {
		return "NOT (" + cond + ")"
	}
	return cond
}
