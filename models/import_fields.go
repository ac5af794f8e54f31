package models

import (
	"strings"
)

// field gets or makes the field with key. With rename, a valid name different from the field's renames it (the
// names in flows' references to fields only name new ones); a type different from the field's changes it,
// unless campaign events count on it being a date.
func (imp *importer) field(key, name, valueType string, rename bool) (*Field, error) {
	f := imp.fields[key]
	if f == nil {
		if !ValidFieldKey(key) {
			return nil, importErrorf("%q is not a valid contact field key.", key)
		}
		if !ValidFieldName(name) {
			name = unsnakify(key)
		}
		if valueType == "" {
			valueType = FieldText
		}
		f = &Field{UUID: imp.s.NewUUID(), WorkspaceID: imp.ws, Key: key, Name: imp.uniqueFieldName(name, 0),
			ValueType: valueType, AgentAccess: AccessView, IsActive: true, CreatedOn: imp.now, ModifiedOn: imp.now}
		if err := translateDuplicate(imp.tx.db.Create(f).Error); err != nil {
			return nil, err
		}
		imp.fields[key] = f
		imp.created["fields"]++
	} else {
		updates := map[string]any{}
		if rename && name != "" && name != f.Name && ValidFieldName(name) {
			if unique := imp.uniqueFieldName(name, f.ID); unique != f.Name {
				updates["name"], f.Name = unique, unique
			}
		}
		if valueType != "" && valueType != f.ValueType {
			if f.ValueType == FieldDatetime {
				var n int64
				err := imp.tx.db.Model(&CampaignEvent{}).Where("relative_to_id = ? AND is_active", f.ID).Count(&n).Error
				if err != nil {
					return nil, err
				}
				if n > 0 {
					return nil, importErrorf("Cannot change type for field '%s' while it is used in campaigns.", key)
				}
			}
			updates["value_type"], f.ValueType = valueType, valueType
			imp.result.RetypedFields = append(imp.result.RetypedFields, key)
		}
		if len(updates) > 0 {
			updates["modified_on"], f.ModifiedOn = imp.now, imp.now
			if err := translateDuplicate(imp.tx.db.Model(&Field{}).Where("id = ?", f.ID).Updates(updates).Error); err != nil {
				return nil, err
			}
		}
	}
	if !imp.seenFields[key] {
		imp.seenFields[key] = true
		imp.fieldOrder = append(imp.fieldOrder, key)
	}
	return f, nil
}

func (imp *importer) uniqueFieldName(name string, exceptID int64) string {
	return uniqueName(name, MaxFieldNameLen, func(candidate string) bool {
		for _, f := range imp.fields {
			if f.ID != exceptID && strings.EqualFold(f.Name, candidate) {
				return true
			}
		}
		return false
	})
}

// unsnakify makes a field name of a key: "likes_cheese" is "Likes Cheese".
func unsnakify(key string) string {
	words := strings.Fields(strings.ReplaceAll(key, "_", " "))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	name := strings.Join(words, " ")
	if len(name) > MaxFieldNameLen {
		name = strings.TrimSpace(name[:MaxFieldNameLen])
	}
	return name
}
