package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// StringList is a list of strings stored as JSON text.
type StringList []string

func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

func (l *StringList) Scan(src any) error { return scanJSON(src, (*[]string)(l)) }

// StringMap is a map of strings stored as JSON text.
type StringMap map[string]string

func (m StringMap) Value() (driver.Value, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(map[string]string(m))
	return string(b), err
}

func (m *StringMap) Scan(src any) error { return scanJSON(src, (*map[string]string)(m)) }

func scanJSON(src any, dst any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), dst)
	case []byte:
		return json.Unmarshal(v, dst)
	}
	return fmt.Errorf("can't scan %T as JSON text", src)
}

// Int64List is a list of ids stored as JSON text.
type Int64List []int64

func (l Int64List) Value() (driver.Value, error) {
	if l == nil {
		return "[]", nil
	}
	b, err := json.Marshal([]int64(l))
	return string(b), err
}

func (l *Int64List) Scan(src any) error { return scanJSON(src, (*[]int64)(l)) }
