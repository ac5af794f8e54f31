package models

import (
	"context"
	"strings"
)

// TemplatePageQuery builds the templates.json listing of a workspace: its templates with at least one
// translation on one of its active channels, newest modified first. The translations of a page are read
// after it (TemplateTranslationsOf).
type TemplatePageQuery struct {
	query[Template]
	wsID int64
}

// TemplatePages starts the listing of the workspace's templates.
func (s *Store) TemplatePages(workspaceID int64) *TemplatePageQuery {
	q := newQuery(s, "templates AS t", "t.modified_on", "t.id", func(x *Template) Position { return Position{Time: x.ModifiedOn, ID: x.ID} })
	q.l.sel = "t.*"
	q.l.and("t.workspace_id = ?", workspaceID)
	q.l.and(translatedOn(""), workspaceID)
	return &TemplatePageQuery{query: q, wsID: workspaceID}
}

// translatedOn is the condition that a template has a translation on an active channel of the workspace (the
// one argument), and in a status when status is a column condition.
func translatedOn(status string) string {
	cond := "EXISTS (SELECT 1 FROM template_translations AS tt JOIN channels AS tc ON tc.id = tt.channel_id" +
		" WHERE tt.template_id = t.id AND tc.workspace_id = ? AND tc.is_active"
	if status != "" {
		cond += " AND " + status
	}
	return cond + ")"
}

// WithUUID keeps the template with a UUID.
func (q *TemplatePageQuery) WithUUID(uuid string) *TemplatePageQuery {
	q.l.and("t.uuid = ?", uuid)
	return q
}

// Named keeps the template with exactly that name (Meta's names are lowercase already).
func (q *TemplatePageQuery) Named(name string) *TemplatePageQuery {
	q.l.and("t.name = ?", name)
	return q
}

// WithStatus keeps the templates with a translation in one of the statuses; none keeps nothing.
func (q *TemplatePageQuery) WithStatus(statuses ...TemplateStatus) *TemplatePageQuery {
	if len(statuses) == 0 {
		q.l.nothing()
		return q
	}
	args := []any{q.wsID}
	for _, s := range statuses {
		args = append(args, string(s))
	}
	q.l.and(translatedOn("tt.status IN (?"+strings.Repeat(", ?", len(statuses)-1)+")"), args...)
	return q
}

// ModifiedIn keeps the templates modified within a range.
func (q *TemplatePageQuery) ModifiedIn(r TimeRange) *TemplatePageQuery {
	q.l.within("t.modified_on", r)
	return q
}

// TemplateTranslationsOf reads the translations of a workspace's templates that are on its active channels,
// each with its channel, by template, in locale order.
func (s *Store) TemplateTranslationsOf(ctx context.Context, workspaceID int64, templateIDs []int64) (map[int64][]TranslationOnChannel, error) {
	out := map[int64][]TranslationOnChannel{}
	if len(templateIDs) == 0 {
		return out, nil
	}
	var trs []TemplateTranslation
	err := s.read(ctx).Table("template_translations AS tt").Select("tt.*").
		Joins("JOIN channels AS tc ON tc.id = tt.channel_id").
		Where("tt.template_id IN ? AND tc.workspace_id = ? AND tc.is_active", templateIDs, workspaceID).
		Order("tt.locale, tt.id").Find(&trs).Error
	if err != nil {
		return nil, err
	}
	chIDs := []int64{}
	for _, tr := range trs {
		chIDs = append(chIDs, tr.ChannelID)
	}
	chByID := map[int64]Channel{}
	if len(chIDs) > 0 {
		var chs []Channel
		if err := s.read(ctx).Where("id IN ? AND workspace_id = ?", chIDs, workspaceID).Find(&chs).Error; err != nil {
			return nil, err
		}
		for _, c := range chs {
			chByID[c.ID] = c
		}
	}
	for _, tr := range trs {
		out[tr.TemplateID] = append(out[tr.TemplateID], TranslationOnChannel{tr, chByID[tr.ChannelID]})
	}
	return out, nil
}
