package channels

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Config is a channel's configuration, as stored: courier's keys and values (strings, numbers, booleans,
// objects of strings).
type Config map[string]any

// ParseConfig reads a config object; empty text is an empty config.
func ParseConfig(text string) (Config, error) {
	cfg := Config{}
	if strings.TrimSpace(text) == "" {
		return cfg, nil
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&cfg); err != nil || cfg == nil {
		return nil, fmt.Errorf("a channel's config must be a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("a channel's config must be one JSON object, with nothing after it")
	}
	return cfg, nil
}

// String is a string value, def when absent or empty.
func (c Config) String(key, def string) string {
	switch v := c[key].(type) {
	case string:
		if v != "" {
			return v
		}
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return def
}

// Int is an integer value, given as a number or a string of one; def when absent or not a number.
func (c Config) Int(key string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(c.String(key, ""))); err == nil {
		return n
	}
	if f, ok := c[key].(float64); ok {
		return int(f)
	}
	return def
}

// Bool is a boolean value: true, or a string or number that reads as true.
func (c Config) Bool(key string) bool {
	switch v := c[key].(type) {
	case bool:
		return v
	case string, json.Number, float64:
		b, _ := strconv.ParseBool(strings.TrimSpace(c.String(key, "")))
		return b
	}
	return false
}

// Strings is an object of strings (headers, say); values that aren't strings are written as their JSON.
func (c Config) Strings(key string) map[string]string {
	out := map[string]string{}
	obj, _ := c[key].(map[string]any)
	for k, v := range obj {
		if s, ok := v.(string); ok {
			out[k] = s
		} else if b, err := json.Marshal(v); err == nil {
			out[k] = string(b)
		}
	}
	return out
}
