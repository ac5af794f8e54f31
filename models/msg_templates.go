package models

import "context"

// What Weni's contact_templates and filter_templates read: the outgoing messages sent with a template (those
// whose row keeps the template's name), and the contacts who got them.

// hasTemplateMsg is the condition on a contacts listing (aliased c) that the contact got a templated message,
// of one template when name isn't "", sent within a range.
func hasTemplateMsg(name string, sent TimeRange) (string, []any) {
	cond, args := "EXISTS (SELECT 1 FROM msgs t WHERE t.contact_id = c.id AND t.template_name IS NOT NULL", []any{}
	if name != "" {
		cond += " AND t.template_name = ?"
		args = append(args, name)
	}
	if sent.Empty {
		cond += " AND 1 = 0"
	}
	if sent.Before != nil {
		cond += " AND t.sent_on <= ?"
		args = append(args, sent.Before.UTC())
	}
	if sent.After != nil {
		cond += " AND t.sent_on >= ?"
		args = append(args, sent.After.UTC())
	}
	return cond + ")", args
}

// WithTemplateMsgs keeps the contacts who got a message sent with a template (the one named, unless name is
// ""), sent within a range.
func (q *ContactQuery) WithTemplateMsgs(name string, sent TimeRange) *ContactQuery {
	cond, args := hasTemplateMsg(name, sent)
	q.l.and(cond, args...)
	return q
}

// TemplateMsgsOf reads the templated messages of contacts (of one template when name isn't ""), newest
// first, by contact id.
func (s *Store) TemplateMsgsOf(ctx context.Context, workspaceID int64, contactIDs []int64, name string) (map[int64][]Msg, error) {
	out := map[int64][]Msg{}
	if len(contactIDs) == 0 {
		return out, nil
	}
	q := s.read(ctx).Where("workspace_id = ? AND contact_id IN ? AND template_name IS NOT NULL", workspaceID, contactIDs)
	if name != "" {
		q = q.Where("template_name = ?", name)
	}
	var rows []Msg
	if err := q.Order("created_on DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, m := range rows {
		out[m.ContactID] = append(out[m.ContactID], m)
	}
	return out, nil
}

// TemplateUsed reports whether any message of the workspace was sent with the named template.
func (s *Store) TemplateUsed(ctx context.Context, workspaceID int64, name string) (bool, error) {
	var n int64
	err := s.read(ctx).Model(&Msg{}).Where("workspace_id = ? AND template_name = ?", workspaceID, name).Limit(1).Count(&n).Error
	return n > 0, err
}

// TemplateSend is a templated message with its contact and the contact's highest priority URN, as
// filter_templates lists them.
type TemplateSend struct {
	Msg
	ContactUUID string
	ContactName *string
	URNScheme   *string
	URNPath     *string
	URNDisplay  *string
}

// TemplateSends are templated messages in the order they were read.
type TemplateSends []TemplateSend

// TemplateSends reads a page of the messages of a workspace's active contacts sent with a template, made
// within a range, in contact order (then message order), skipping offset rows.
func (s *Store) TemplateSends(ctx context.Context, workspaceID int64, name string, made TimeRange, limit, offset int) (TemplateSends, error) {
	l := newListing("msgs AS m", "m.created_on", "m.id")
	l.sel = `m.*, c.uuid AS contact_uuid, c.name AS contact_name, u.scheme AS urn_scheme, u.path AS urn_path, u.display AS urn_display`
	l.joins = []string{"JOIN contacts c ON c.id = m.contact_id AND c.is_active",
		`LEFT JOIN contact_urns u ON u.id = (SELECT x.id FROM contact_urns x WHERE x.contact_id = c.id ORDER BY x.priority DESC, x.id LIMIT 1)`}
	l.and("m.workspace_id = ? AND m.template_name = ?", workspaceID, name)
	l.within("m.created_on", made)
	var rows TemplateSends
	err := l.query(s.read(ctx)).Order("c.id, m.id").Limit(limit).Offset(offset).Scan(&rows).Error
	return rows, err
}

// TemplateMsgQuery builds a listing of the messages of a workspace's active contacts sent with a template,
// newest first, each with its contact's UUID (filter_templates_new).
type TemplateMsgQuery struct{ query[TemplateSend] }

// TemplateMsgs starts a listing of the workspace's templated messages.
func (s *Store) TemplateMsgs(workspaceID int64) *TemplateMsgQuery {
	q := newQuery(s, "msgs AS m", "m.created_on", "m.id", func(x *TemplateSend) Position { return Position{Time: x.CreatedOn, ID: x.ID} })
	q.l.sel = "m.*, c.uuid AS contact_uuid"
	q.l.joins = []string{"JOIN contacts c ON c.id = m.contact_id AND c.is_active"}
	q.l.and("m.workspace_id = ? AND m.template_name IS NOT NULL", workspaceID)
	return &TemplateMsgQuery{q}
}

// Named keeps the messages sent with one template.
func (q *TemplateMsgQuery) Named(name string) *TemplateMsgQuery {
	q.l.and("m.template_name = ?", name)
	return q
}

// MadeIn keeps the messages made within a range.
func (q *TemplateMsgQuery) MadeIn(r TimeRange) *TemplateMsgQuery {
	q.l.within("m.created_on", r)
	return q
}
