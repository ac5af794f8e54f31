package flows

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/google/uuid"
)

// exportItem is one object of an export's list, read loosely so that a wrong type gets a clear message.
type exportItem map[string]json.RawMessage

func readItem(raw json.RawMessage, kind string, i int) (exportItem, error) {
	var item exportItem
	if err := json.Unmarshal(raw, &item); err != nil || item == nil {
		return nil, importError("%s %d of the export is not a JSON object.", kind, i+1)
	}
	return item, nil
}

// str reads a string property; absent or null is "".
func (it exportItem) str(key string) (string, bool) {
	raw, ok := it[key]
	if !ok || string(raw) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// integer reads an integer property, given as a number or a string of one.
func (it exportItem) integer(key string) (int, bool) {
	raw, ok := it[key]
	if !ok {
		return 0, false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		n = json.Number(strings.TrimSpace(s))
	}
	v, err := strconv.Atoi(n.String())
	return v, err == nil
}

// ref reads a {"uuid", "name"} reference; a UUID that isn't one is dropped, as RapidPro drops it.
func (it exportItem) ref(key string) (models.Ref, bool) {
	raw, ok := it[key]
	if !ok || string(raw) == "null" {
		return models.Ref{}, false
	}
	var r struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return models.Ref{}, false
	}
	return models.Ref{UUID: cleanUUID(r.UUID), Name: r.Name}, r.UUID != "" || r.Name != ""
}

func (it exportItem) refs(key string) ([]models.Ref, bool) {
	raw, ok := it[key]
	if !ok || string(raw) == "null" {
		return nil, true
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	var out []models.Ref
	for _, item := range items {
		r, ok := exportItem{"r": item}.ref("r")
		if !ok {
			return nil, false
		}
		out = append(out, r)
	}
	return out, true
}

func cleanUUID(s string) string {
	u, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return u.String()
}

func parseField(raw json.RawMessage, i int) (*models.ImportField, error) {
	it, err := readItem(raw, "Field", i)
	if err != nil {
		return nil, err
	}
	key, ok1 := it.str("key")
	name, ok2 := it.str("name")
	if !ok2 || name == "" {
		name, ok2 = it.str("label")
	}
	valueType, ok3 := it.str("type")
	if !ok3 || valueType == "" {
		valueType, ok3 = it.str("value_type")
	}
	if !ok1 || !ok2 || !ok3 || key == "" {
		return nil, importError("Field %d of the export needs a key, a name and a type.", i+1)
	}
	if valueType == "numeric" {
		valueType = models.FieldNumber
	}
	if valueType != "" && !slices.Contains(models.FieldTypes, valueType) {
		return nil, importError("Field %q has the type %q, which is not one of %s.", key, valueType, strings.Join(models.FieldTypes, ", "))
	}
	return &models.ImportField{Key: key, Name: name, Type: valueType}, nil
}

func parseGroup(raw json.RawMessage, i int) (*models.ImportGroup, error) {
	it, err := readItem(raw, "Group", i)
	if err != nil {
		return nil, err
	}
	uuidStr, ok1 := it.str("uuid")
	name, ok2 := it.str("name")
	query, ok3 := it.str("query")
	if !ok1 || !ok2 || !ok3 || strings.TrimSpace(name) == "" {
		return nil, importError("Group %d of the export needs a name (and may have a uuid and a query).", i+1)
	}
	g := &models.ImportGroup{UUID: cleanUUID(uuidStr), Name: name}
	if strings.TrimSpace(query) != "" {
		g.Query = &query
	}
	return g, nil
}
