package channels

// Templating is how an outgoing message is to be sent as a template (a WhatsApp template): the template, the
// language the channel names its translation by (Meta's code, e.g. en_US), and the components with variables,
// each mapping its variables' names ("1", "2"…) to their indexes in Variables. It is the message's stored
// templating (models.MsgTemplating), which a type that sends templates builds its payload from; a message
// with one is sent as that template and nothing else.
type Templating struct {
	TemplateUUID string
	TemplateName string
	Language     string
	Namespace    string
	ExternalID   string
	Components   []TemplatingComponent
	Variables    []TemplatingVariable
}

// TemplatingComponent is a component of a template that has variables: name "body", "header", "button.N"; type
// "body/text", "header/media", "button/url"…
type TemplatingComponent struct {
	Name      string
	Type      string
	Variables map[string]int
}

// TemplatingVariable is a variable's type ("text", "image", "video", "document") and value (for media an
// attachment, "image/jpeg:https://…").
type TemplatingVariable struct {
	Type  string
	Value string
}
