package api

import (
	"slices"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/throttle"
)

// Endpoint is one /api/v2/<name>.json resource. The registry below is the one table of them: routes, the
// /api/v2.json index and the docs pages are all built from it.
type Endpoint struct {
	Name    string   // URL name: /api/v2/<Name>.json
	Aliases []string // other names it answers to, left out of the index
	Title   string
	Summary string // completes "<name> - …" in the endpoint list
	Scope   throttle.Scope
	// WeniScope is the throttle scope in Weni workspaces, when Weni gives the endpoint its own
	WeniScope throttle.Scope
	List      bool   // GET answers a page of results (docs requests get [])
	Profile   string // set when only workspaces of that API profile have the endpoint
	Get       *Operation
	Post      *Operation
	Delete    *Operation

	// Unlisted keeps the endpoint out of the /api/v2.json index, as RapidPro's index leaves out some it serves.
	Unlisted bool
	// TrailingSlash also answers data at /api/v2/<Name>/, as Weni's rapidpro-apps routes are written.
	TrailingSlash bool
}

// Operation is one method of an endpoint.
type Operation struct {
	Roles  []models.Role
	Handle func(c *Ctx) error
	Docs   OperationDocs
	// Cacheable marks a GET whose answer depends only on the request, the caller's role and the workspace's
	// configuration: everything it shows must move the config version when it changes (see models/version.go).
	Cacheable bool
}

// OperationDocs describe an operation: what it does, its query parameters and body fields, and an example
// call. The docs pages, the explorer and openapi.json are all written from them.
type OperationDocs struct {
	Title   string
	Params  []Param
	Fields  []Param
	Example Example
	// Limited marks a write that creates objects a workspace may have only so many of: past that, a 409.
	Limited bool
	// JSONOnly marks a write whose body is one JSON document taken whole (an export): forms are refused.
	JSONOnly bool
	// Failures marks a bulk action that answers 200 with {"failures": [...]}, the references it found nothing
	// for as they were given, when some objects are gone.
	Failures bool
	// Upload marks a write whose body is a multipart form carrying files (media): JSON is refused. Its example
	// body names the file each field sends.
	Upload bool
}

// Param is a query parameter or body field.
type Param struct {
	Name     string
	Required bool
	Help     string
	// Type is the JSON types a body field takes, as the endpoint reads it, comma-separated ("array",
	// "string,object" for text or its translations); "" is a string, "any" any value. openapi.json types the field with it, and
	// a test sends each field every other type to prove the endpoint refuses them.
	Type string
}

// operation gives the endpoint's operation for an HTTP method (HEAD is GET), nil when it has none.
func (e *Endpoint) operation(method string) *Operation {
	switch method {
	case "GET", "HEAD":
		return e.Get
	case "POST":
		return e.Post
	case "DELETE":
		return e.Delete
	}
	return nil
}

// MethodOperation is one of an endpoint's operations with the method it answers.
type MethodOperation struct {
	Method string
	*Operation
}

// Operations lists the endpoint's operations: GET, POST, DELETE, those it has.
func (e *Endpoint) Operations() []MethodOperation {
	var ops []MethodOperation
	for _, op := range []MethodOperation{{"GET", e.Get}, {"POST", e.Post}, {"DELETE", e.Delete}} {
		if op.Operation != nil {
			ops = append(ops, op)
		}
	}
	return ops
}

// Methods lists the HTTP methods the endpoint answers.
func (e *Endpoint) Methods() []string {
	var m []string
	for _, op := range e.Operations() {
		m = append(m, op.Method)
	}
	return m
}

func (op *Operation) allows(role models.Role) bool { return slices.Contains(op.Roles, role) }

// Roles, as RapidPro grants them: agents may read some things and write contacts; tokens of users who are no
// longer members have no role and may do nothing.
var (
	anyRole        = []models.Role{models.RoleAdministrator, models.RoleEditor, models.RoleAgent}
	editors        = []models.Role{models.RoleAdministrator, models.RoleEditor}
	administrators = []models.Role{models.RoleAdministrator}
)

// Registry is every endpoint flowsd serves, by name.
var Registry = []*Endpoint{
	{Name: "archives", Title: "Archives", Summary: "to list the archives of old messages and runs", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: editors, Handle: listArchives, Docs: archivesListDocs}},
	{Name: "boundaries", Title: "Administrative Boundaries", Summary: "to list the administrative boundaries of your workspace's country", Scope: throttle.ScopeV2, List: true, Unlisted: true,
		Get: &Operation{Roles: editors, Handle: listBoundaries, Docs: boundariesListDocs, Cacheable: true}},
	{Name: "broadcasts", Title: "Broadcasts", Summary: "to list and send message broadcasts", Scope: throttle.ScopeV2,
		WeniScope: throttle.ScopeBroadcasts, List: true,
		Get:  &Operation{Roles: editors, Handle: listBroadcasts, Docs: broadcastsListDocs},
		Post: &Operation{Roles: editors, Handle: postBroadcast, Docs: broadcastsWriteDocs}},
	{Name: "campaigns", Title: "Campaigns", Summary: "to list, create or update campaigns", Scope: throttle.ScopeV2, List: true,
		Get:  &Operation{Roles: editors, Handle: listCampaigns, Docs: campaignsListDocs},
		Post: &Operation{Roles: editors, Handle: writeCampaign, Docs: campaignsWriteDocs}},
	{Name: "campaign_events", Title: "Campaign Events", Summary: "to list, create, update or delete campaign events", Scope: throttle.ScopeV2, List: true,
		Get:    &Operation{Roles: editors, Handle: listCampaignEvents, Docs: campaignEventsListDocs},
		Post:   &Operation{Roles: editors, Handle: writeCampaignEvent, Docs: campaignEventsWriteDocs},
		Delete: &Operation{Roles: editors, Handle: deleteCampaignEvent, Docs: campaignEventsDeleteDocs}},
	{Name: "channels", Title: "Channels", Summary: "to list channels", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: editors, Handle: listChannels, Docs: channelsListDocs}},
	{Name: "channel_events", Title: "Channel Events", Summary: "to list channel events (deprecated)", Scope: throttle.ScopeV2, List: true, Unlisted: true,
		Get: &Operation{Roles: editors, Handle: listChannelEvents, Docs: channelEventsListDocs}},
	{Name: "classifiers", Title: "Classifiers", Summary: "to list the NLU classifiers flows can call (RapidPro 8.3)", Scope: throttle.ScopeV2, List: true, Unlisted: true,
		Get: &Operation{Roles: editors, Handle: listClassifiers, Docs: classifiersListDocs}},
	{Name: "contacts", Title: "Contacts", Summary: "to list, create, update or delete contacts", Scope: throttle.ScopeContacts, List: true,
		Get:    &Operation{Roles: anyRole, Handle: listContacts, Docs: contactsListDocs},
		Post:   &Operation{Roles: anyRole, Handle: writeContact, Docs: contactsWriteDocs},
		Delete: &Operation{Roles: editors, Handle: deleteContact, Docs: contactsDeleteDocs}},
	{Name: "contact_actions", Title: "Contact Actions", Summary: "to perform bulk contact actions", Scope: throttle.ScopeV2,
		Post: &Operation{Roles: anyRole, Handle: postContactActions, Docs: contactActionsDocs}},
	{Name: "definitions", Title: "Definitions", Summary: "to export and import flows, campaigns, triggers, fields and groups", Scope: throttle.ScopeV2, Unlisted: true,
		Get:  &Operation{Roles: editors, Handle: exportDefinitions, Docs: definitionsExportDocs},
		Post: &Operation{Roles: administrators, Handle: importDefinitions, Docs: definitionsImportDocs}},
	{Name: "fields", Title: "Fields", Summary: "to list, create or update contact fields", Scope: throttle.ScopeV2, List: true,
		Get:  &Operation{Roles: anyRole, Handle: listFields, Docs: fieldsListDocs, Cacheable: true},
		Post: &Operation{Roles: editors, Handle: writeField, Docs: fieldsWriteDocs}},
	{Name: "flow_starts", Title: "Flow Starts", Summary: "to list flow starts or start contacts in a flow", Scope: throttle.ScopeV2,
		WeniScope: throttle.ScopeFlowStart, List: true,
		Get:  &Operation{Roles: editors, Handle: listFlowStarts, Docs: flowStartsListDocs},
		Post: &Operation{Roles: editors, Handle: postFlowStart, Docs: flowStartsWriteDocs}},
	{Name: "flows", Title: "Flows", Summary: "to list flows", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: editors, Handle: listFlows, Docs: flowsListDocs}},
	{Name: "globals", Title: "Globals", Summary: "to list, create or update globals", Scope: throttle.ScopeV2, List: true,
		Get:  &Operation{Roles: editors, Handle: listGlobals, Docs: globalsListDocs, Cacheable: true},
		Post: &Operation{Roles: editors, Handle: writeGlobal, Docs: globalsWriteDocs}},
	{Name: "groups", Title: "Contact Groups", Summary: "to list, create, update or delete contact groups", Scope: throttle.ScopeV2, List: true,
		Get:    &Operation{Roles: anyRole, Handle: listGroups, Docs: groupsListDocs},
		Post:   &Operation{Roles: editors, Handle: writeGroup, Docs: groupsWriteDocs},
		Delete: &Operation{Roles: editors, Handle: deleteGroup, Docs: groupsDeleteDocs}},
	{Name: "labels", Title: "Message Labels", Summary: "to list, create, update or delete message labels", Scope: throttle.ScopeV2, List: true,
		Get:    &Operation{Roles: editors, Handle: listLabels, Docs: labelsListDocs},
		Post:   &Operation{Roles: editors, Handle: writeLabel, Docs: labelsWriteDocs},
		Delete: &Operation{Roles: editors, Handle: deleteLabel, Docs: labelsDeleteDocs}},
	{Name: "media", Title: "Media", Summary: "to upload files for messages to carry as attachments", Scope: throttle.ScopeV2,
		Post: &Operation{Roles: anyRole, Handle: uploadMedia, Docs: mediaWriteDocs}},
	{Name: "messages", Title: "Messages", Summary: "to list messages", Scope: throttle.ScopeMessages, List: true,
		Get:  &Operation{Roles: editors, Handle: listMsgs, Docs: messagesListDocs},
		Post: &Operation{Roles: anyRole, Handle: sendMsg, Docs: messagesWriteDocs}},
	{Name: "message_actions", Title: "Message Actions", Summary: "to perform bulk message actions", Scope: throttle.ScopeV2,
		Post: &Operation{Roles: editors, Handle: postMessageActions, Docs: messageActionsDocs}},
	{Name: "resthooks", Title: "Resthooks", Summary: "to list resthooks", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: editors, Handle: listResthooks, Docs: resthooksListDocs}},
	{Name: "resthook_events", Title: "Resthook Events", Summary: "to list the payloads flows gave resthooks", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: editors, Handle: listResthookEvents, Docs: resthookEventsListDocs}},
	{Name: "resthook_subscribers", Title: "Resthook Subscribers", Summary: "to list, add or delete subscribers to resthooks", Scope: throttle.ScopeV2, List: true,
		Get:    &Operation{Roles: editors, Handle: listResthookSubscribers, Docs: resthookSubscribersListDocs},
		Post:   &Operation{Roles: editors, Handle: postResthookSubscriber, Docs: resthookSubscribersWriteDocs},
		Delete: &Operation{Roles: editors, Handle: deleteResthookSubscriber, Docs: resthookSubscribersDeleteDocs}},
	{Name: "runs", Title: "Flow Runs", Summary: "to list flow runs", Scope: throttle.ScopeRuns, List: true,
		Get: &Operation{Roles: editors, Handle: listRuns, Docs: runsListDocs}},
	{Name: "statistics", Title: "Statistics", Summary: "to count messages by day and channel", Scope: throttle.ScopeV2, Unlisted: true,
		Get: &Operation{Roles: editors, Handle: getStatistics, Docs: statisticsDocs}},
	{Name: "templates", Title: "Templates", Summary: "to list the WhatsApp templates synced from Meta (RapidPro 8.3, Weni)", Scope: throttle.ScopeV2, List: true, Unlisted: true,
		Get: &Operation{Roles: editors, Handle: listTemplates, Docs: templatesListDocs}},
	{Name: "ticketers", Title: "Ticketers", Summary: "to list the ticketing services tickets open on (RapidPro 8.3)", Scope: throttle.ScopeV2, List: true, Unlisted: true,
		Get: &Operation{Roles: editors, Handle: listTicketers, Docs: ticketersListDocs}},
	{Name: "tickets", Title: "Tickets", Summary: "to list tickets", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: anyRole, Handle: listTickets, Docs: ticketsListDocs}},
	{Name: "ticket_actions", Title: "Ticket Actions", Summary: "to perform bulk ticket actions", Scope: throttle.ScopeV2,
		Post: &Operation{Roles: anyRole, Handle: postTicketActions, Docs: ticketActionsDocs}},
	// not cacheable: its counts are of tickets, which change without the configuration
	{Name: "topics", Title: "Topics", Summary: "to list, create or update ticket topics", Scope: throttle.ScopeV2, List: true,
		Get:  &Operation{Roles: anyRole, Handle: listTopics, Docs: topicsListDocs},
		Post: &Operation{Roles: editors, Handle: writeTopic, Docs: topicsWriteDocs}},
	{Name: "users", Title: "Users", Summary: "to list the users of your workspace", Scope: throttle.ScopeV2, List: true,
		Get: &Operation{Roles: anyRole, Handle: listUsers, Docs: usersListDocs, Cacheable: true}},
	{Name: "contacts_lean", Title: "Contacts (lean)", Summary: "to list contacts without their URNs, groups and fields (Weni profile)", Scope: throttle.ScopeContacts, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: anyRole, Handle: listContactsLean, Docs: contactsLeanDocs}},
	// the rest of the Weni profile's extras (docs/api.md lists those left to Weni's cloud)
	{Name: "analytics/contacts", Title: "Contact Analytics", Summary: "to count contacts by status and by the day they were made (Weni profile)", Scope: throttle.ScopeV2, Profile: models.ProfileWeni,
		TrailingSlash: true, Get: &Operation{Roles: anyRole, Handle: getContactAnalytics, Docs: contactAnalyticsDocs}},
	{Name: "channel_stats", Title: "Channel Statistics", Summary: "to count each channel's messages by day and month (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: editors, Handle: listChannelStats, Docs: channelStatsDocs}},
	{Name: "contact_templates", Title: "Contact Templates", Summary: "to list contacts sent templates, with those messages (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: anyRole, Handle: listContactTemplates, Docs: contactTemplatesDocs}},
	{Name: "contact_templates_new", Title: "Contact Templates (by name)", Summary: "to list contacts sent templates, by template name (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: anyRole, Handle: listContactTemplatesNew, Docs: contactTemplatesNewDocs}},
	{Name: "contacts_elastic", Title: "Contact Search", Summary: "to search contacts by name or number (Weni profile)", Scope: throttle.ScopeV2, Profile: models.ProfileWeni,
		Get: &Operation{Roles: anyRole, Handle: searchContacts, Docs: contactsElasticDocs}},
	{Name: "filter_templates", Title: "Filter Templates", Summary: "to list the messages sent with a template, by contact (Weni profile)", Scope: throttle.ScopeV2, Profile: models.ProfileWeni,
		Get: &Operation{Roles: anyRole, Handle: getFilterTemplates, Docs: filterTemplatesDocs}},
	{Name: "filter_templates_new", Title: "Filter Templates (paged)", Summary: "to list the messages sent with templates, newest first (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: anyRole, Handle: listFilterTemplatesNew, Docs: filterTemplatesNewDocs}},
	{Name: "flows_labels", Title: "Flow Labels", Summary: "to list the labels flows are filed under (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: editors, Handle: listFlowsLabels, Docs: flowsLabelsDocs}},
	{Name: "products", Title: "Products", Summary: "to list the products of the WhatsApp catalog; flowsd syncs none (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: editors, Handle: listProducts, Docs: productsDocs}},
	{Name: "whatsapp_broadcasts", Title: "WhatsApp Broadcasts", Summary: "to list and send WhatsApp broadcasts: templates, buttons, lists, CTA and Flow messages (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get:  &Operation{Roles: editors, Handle: listWhatsAppBroadcasts, Docs: whatsAppBroadcastsListDocs},
		Post: &Operation{Roles: editors, Handle: postWhatsAppBroadcast, Docs: whatsAppBroadcastsWriteDocs}},
	{Name: "whatsapp_flows", Title: "WhatsApp Flows", Summary: "to list the WhatsApp Flows of your WhatsApp channels' business accounts (Weni profile)", Scope: throttle.ScopeV2, List: true, Profile: models.ProfileWeni,
		Get: &Operation{Roles: editors, Handle: listWhatsAppFlows, Docs: whatsAppFlowsListDocs}},
	{Name: "workspace", Aliases: []string{"org"}, Title: "Workspace", Summary: "to view your workspace", Scope: throttle.ScopeV2,
		Get: &Operation{Roles: anyRole, Handle: getWorkspace, Docs: workspaceDocs, Cacheable: true}},
}
