package api

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxAttachments bounds a message's attachments (RapidPro's Msg.MAX_ATTACHMENTS).
const maxAttachments = 10

// attachmentType is what may come before the colon of a "<content-type>:<url>" attachment (RapidPro's
// Attachment.CONTENT_TYPE_REGEX, its \w a Unicode word character as in Python).
var attachmentType = regexp.MustCompile(`^(image|audio|video|application|geo|unavailable|([\p{L}\p{N}_]+/[-+.\p{L}\p{N}_]+))$`)

// uuidInText finds UUIDs inside a URL, as RapidPro's find_uuid does: lowercase and hyphenated.
var uuidInText = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// resolveAttachments reads attachments for messages and broadcasts as RapidPro's MediaField(many=True) does:
// a list of at most 10 values, each the UUID of a media of the workspace, or a "<content-type>:<url>" string
// whose URL holds such a UUID. It gives them as messages keep them, "<content-type>:<url>" of each media as
// uploaded (whatever type the value said), or the error of the first value that isn't one, as DRF reports
// many-relations. raw is the field's value as the body gave it (a form field's one or more values).
//
// RapidPro looks only at the first UUID of a URL; flowsd's media URLs hold the workspace's UUID before the
// media's, so every UUID of the URL is tried, in order.
func resolveAttachments(c *Ctx, raw any, form bool) ([]string, *fieldError, error) {
	if s, isString := raw.(string); isString && form {
		raw = []any{s} // a form field given once
	}
	if n, hasLen := pythonLen(raw); hasLen && n > maxAttachments {
		return nil, fieldMessage(fmt.Sprintf("Ensure this field has no more than %d elements.", maxAttachments)), nil
	}
	items, isList := raw.([]any)
	switch {
	case raw == nil:
		return nil, fieldMessage("This field may not be null."), nil
	case !isList:
		return nil, fieldMessage(fmt.Sprintf("Expected a list of items but got type %q.", pythonType(raw))), nil
	}

	attachments := make([]string, 0, len(items))
	for _, item := range items {
		att, msg, err := resolveAttachment(c, item)
		if err != nil || msg != "" {
			return nil, fieldMessage(msg), err
		}
		attachments = append(attachments, att)
	}
	return attachments, nil, nil
}

// resolveAttachment finds the media one value names, or says why it names none.
func resolveAttachment(c *Ctx, item any) (string, string, error) {
	var value string
	switch t := item.(type) {
	case nil:
		return "", "This field may not be null.", nil
	case string:
		if t == "" {
			return "", "This field may not be null.", nil // relation fields read "" as null
		}
		value = t
	case bool: // a Python bool is an int, so it gets as far as the lookup
		return "", "No such object: " + map[bool]string{true: "True", false: "False"}[t], nil
	case json.Number:
		if pythonType(t) != "int" {
			return "", "Must be a string or integer", nil
		}
		return "", "No such object: " + t.String(), nil
	default:
		return "", "Must be a string or integer", nil
	}

	var candidates []string
	if u, ok := normalizeUUID(value); ok && strings.TrimSpace(value) == value {
		candidates = []string{u}
	} else if contentType, url, found := strings.Cut(value, ":"); found && url != "" && attachmentType.MatchString(contentType) {
		candidates = uuidInText.FindAllString(url, -1)
	}
	m, err := c.store().FirstMediaOf(c.Request().Context(), c.ws().ID, candidates)
	if err != nil || m == nil {
		return "", "No such object: " + value, err
	}
	return m.ContentType + ":" + mediaURL(c, m), "", nil
}

// pythonLen is len() of a JSON value in Python, for the checks DRF makes before it looks at a value's type.
func pythonLen(raw any) (int, bool) {
	switch t := raw.(type) {
	case string:
		return utf8.RuneCountInString(t), true
	case []any:
		return len(t), true
	case map[string]any:
		return len(t), true
	}
	return 0, false
}
