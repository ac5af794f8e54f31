package models

import (
	"encoding/json"
	"fmt"
)

// MsgTemplating is what msgs.templating holds for a message sent as a template (a WhatsApp template, say), the
// JSON mailroom puts in the templating of the message it queues to courier:
//
//	{"template": {"uuid": "…", "name": "order_shipped"},
//	 "components": [{"name": "body", "type": "body/text", "variables": {"1": 0}}],
//	 "variables": [{"type": "text", "value": "Ana"}],
//	 "locale": "eng-US", "language": "en_US", "namespace": "…", "external_id": "…"}
//
// template, components and variables are goflow's msg templating as the engine made it (components only those
// with variables, each mapping a variable's name to its index in variables; a W broadcast adds a quick reply
// given a payload as a button/quick_reply component of one variable, the payload); locale is the translation the
// engine chose (RapidPro's form, the message's locale); language, namespace and external_id are that
// translation's external_locale (Meta's code, what a send names the language by), namespace and external id.
// A template without variables has neither components nor variables. The format is stable: other writers
// (broadcasts) and the senders rely on it.
type MsgTemplating struct {
	Template   TemplatingRef         `json:"template"`
	Components []TemplatingComponent `json:"components,omitempty"`
	Variables  []TemplatingVariable  `json:"variables,omitempty"`
	Locale     string                `json:"locale,omitempty"`
	Language   string                `json:"language"`
	Namespace  string                `json:"namespace,omitempty"`
	ExternalID string                `json:"external_id,omitempty"`
}

// TemplatingRef names the template a message was sent with.
type TemplatingRef struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// TemplatingComponent is a component of the template with variables: its name ("body", "button.0"), its type
// ("body/text", "button/url") and its variables' indexes by name.
type TemplatingComponent struct {
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Variables map[string]int `json:"variables"`
}

// TemplatingVariable is a variable's type ("text", "image"…) and value (an attachment, "image/jpeg:https://…",
// for media).
type TemplatingVariable struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// JSON is the templating as msgs.templating stores it.
func (t *MsgTemplating) JSON() string {
	b, err := json.Marshal(t)
	if err != nil {
		panic(err) // plain strings and maps: it can't fail
	}
	return string(b)
}

// ParseTemplating reads msgs.templating; nil when the message has none.
func ParseTemplating(stored *string) (*MsgTemplating, error) {
	if stored == nil || *stored == "" {
		return nil, nil
	}
	t := &MsgTemplating{}
	if err := json.Unmarshal([]byte(*stored), t); err != nil {
		return nil, fmt.Errorf("a message's templating can't be read: %w", err)
	}
	return t, nil
}
