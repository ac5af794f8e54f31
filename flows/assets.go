package flows

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/flowsd/flowsd/channels"
	"github.com/nyaruka/gocommon/i18n"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/goflow/assets"
	"github.com/nyaruka/goflow/assets/static"
	"github.com/nyaruka/goflow/envs"
	"github.com/nyaruka/goflow/flows"
	"github.com/nyaruka/goflow/flows/engine"
)

// Assets are what the engine runs a workspace's flows with: its environment and its session assets (flows,
// fields, groups, labels, globals, resthooks and their subscribers, topics, users (the workspace's members), the
// message templates flows can send, and its boundaries as the location hierarchy).
type Assets struct {
	Workspace *models.Workspace
	Env       envs.Environment
	Session   flows.SessionAssets
	version   int64

	// the rows behind the engine's assets, for turning its references back into ids
	flows       map[assets.FlowUUID]*models.Flow
	groups      map[assets.GroupUUID]*models.Group
	fields      map[string]*models.Field // by key
	labels      map[assets.LabelUUID]int64
	resthooks   map[string]int64        // by slug
	subscribers map[string][]subscriber // by resthook slug
	channels    map[assets.ChannelUUID]*models.Channel
	topics      map[assets.TopicUUID]int64
	users       map[assets.UserUUID]int64 // the workspace's members, who tickets may be assigned to
	templates   map[assets.TemplateUUID]*models.TemplateWithTranslations
}

// subscriber is one of a resthook's subscribers, its URL as a request to it gives it back.
type subscriber struct {
	id  int64
	url string
}

// Channel is one of the workspace's channels, nil if unknown.
func (a *Assets) Channel(uuid assets.ChannelUUID) *models.Channel { return a.channels[uuid] }

// ChannelByID is one of the workspace's channels by id, nil if unknown.
func (a *Assets) ChannelByID(id int64) *models.Channel {
	for _, ch := range a.channels {
		if ch.ID == id {
			return ch
		}
	}
	return nil
}

// Flow is one of the workspace's active flows, nil if unknown.
func (a *Assets) Flow(uuid assets.FlowUUID) *models.Flow { return a.flows[uuid] }

// FlowID is the database id of one of the workspace's flows, 0 if unknown.
func (a *Assets) FlowID(uuid assets.FlowUUID) int64 {
	if f := a.flows[uuid]; f != nil {
		return f.ID
	}
	return 0
}

func (a *Assets) flowByID(id int64) *models.Flow {
	for _, f := range a.flows {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Group is one of the workspace's groups, nil if unknown.
func (a *Assets) Group(uuid assets.GroupUUID) *models.Group { return a.groups[uuid] }

// TopicID is the database id of one of the workspace's topics, 0 if unknown.
func (a *Assets) TopicID(uuid assets.TopicUUID) int64 { return a.topics[uuid] }

// UserID is the database id of one of the workspace's members, 0 if unknown.
func (a *Assets) UserID(uuid assets.UserUUID) int64 { return a.users[uuid] }

// Field is one of the workspace's fields by key, nil if unknown.
func (a *Assets) Field(key string) *models.Field { return a.fields[key] }

// FieldsByID are the workspace's fields by id.
func (a *Assets) FieldsByID() map[int64]*models.Field {
	byID := make(map[int64]*models.Field, len(a.fields))
	for _, f := range a.fields {
		byID[f.ID] = f
	}
	return byID
}

// AssetCache keeps each workspace's assets while its config version stands: any change to its flows, fields,
// groups and so on, by any process, moves the version on and the assets are loaded again.
type AssetCache struct {
	store *models.Store
	mu    sync.Mutex
	byWS  map[int64]*Assets
}

// NewAssetCache makes an empty cache over a store.
func NewAssetCache(store *models.Store) *AssetCache {
	return &AssetCache{store: store, byWS: map[int64]*Assets{}}
}

// Get gives the workspace's current assets.
func (c *AssetCache) Get(ctx context.Context, ws *models.Workspace) (*Assets, error) {
	version, err := c.store.ConfigVersion(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cached := c.byWS[ws.ID]
	c.mu.Unlock()
	if cached != nil && cached.version == version {
		return cached, nil
	}
	a, err := LoadAssets(ctx, c.store, ws)
	if err != nil {
		return nil, err
	}
	a.version = version // read before loading, so what was loaded is at least this new
	c.mu.Lock()
	c.byWS[ws.ID] = a
	c.mu.Unlock()
	return a, nil
}

// LoadAssets reads a workspace's assets from the database.
func LoadAssets(ctx context.Context, store *models.Store, ws *models.Workspace) (*Assets, error) {
	src := &source{flows: map[assets.FlowUUID]*models.Flow{}}
	a := &Assets{Workspace: ws, flows: src.flows, groups: map[assets.GroupUUID]*models.Group{},
		fields: map[string]*models.Field{}, labels: map[assets.LabelUUID]int64{}, resthooks: map[string]int64{}, subscribers: map[string][]subscriber{},
		channels: map[assets.ChannelUUID]*models.Channel{}, topics: map[assets.TopicUUID]int64{}, users: map[assets.UserUUID]int64{},
		templates: map[assets.TemplateUUID]*models.TemplateWithTranslations{}}

	flowRows, err := store.Flows(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for i := range flowRows {
		src.flows[assets.FlowUUID(flowRows[i].UUID)] = &flowRows[i]
	}

	fields, err := store.Fields(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for i, f := range fields {
		a.fields[f.Key] = &fields[i]
		src.fields = append(src.fields, static.NewField(assets.FieldUUID(f.UUID), f.Key, f.Name, assets.FieldType(f.ValueType)))
	}

	// the system group "Open Tickets" too: the engine re-evaluates it when a ticket opens or closes
	groups, err := store.Groups(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for i, g := range groups {
		a.groups[assets.GroupUUID(g.UUID)] = &groups[i]
		query := ""
		if g.Query != nil {
			query = *g.Query
		}
		src.groups = append(src.groups, static.NewGroup(assets.GroupUUID(g.UUID), g.Name, query))
	}

	labels, err := store.Labels(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range labels {
		a.labels[assets.LabelUUID(l.UUID)] = l.ID
		src.labels = append(src.labels, static.NewLabel(assets.LabelUUID(l.UUID), l.Name))
	}

	globals, err := store.Globals(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, g := range globals {
		src.globals = append(src.globals, static.NewGlobal(g.Key, g.Name, g.Value))
	}

	topics, err := store.Topics(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range topics {
		a.topics[assets.TopicUUID(t.UUID)] = t.ID
		src.topics = append(src.topics, static.NewTopic(assets.TopicUUID(t.UUID), t.Name))
	}

	members, err := store.Members(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		a.users[assets.UserUUID(m.UUID)] = m.ID
		src.users = append(src.users, static.NewUser(assets.UserUUID(m.UUID), m.Name(), m.Email))
	}

	chans, err := store.Channels(ws.ID).All(ctx)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(chans, func(x, y models.Channel) int { return cmp.Compare(x.ID, y.ID) }) // oldest first, as the engine chooses among them
	for i := range chans {
		a.channels[assets.ChannelUUID(chans[i].UUID)] = &chans[i]
		src.channels = append(src.channels, engineChannel(&chans[i]))
	}

	// only what can be sent (approved, supported, compatible, on an active channel), as mailroom loads them; a
	// sync moves the config version on, so the cache loads them again
	tpls, err := store.Templates(ws.ID).Usable().All(ctx)
	if err != nil {
		return nil, err
	}
	for i := range tpls {
		t, err := engineTemplate(&tpls[i])
		if err != nil {
			return nil, err
		}
		a.templates[t.UUID()] = &tpls[i]
		src.templates = append(src.templates, t)
	}

	hooks, err := store.ResthookSubscriptions(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	for _, h := range hooks {
		a.resthooks[h.Slug] = h.ID
		for i, target := range h.Targets {
			a.subscribers[h.Slug] = append(a.subscribers[h.Slug], subscriber{h.SubscriberIDs[i], models.NormalizeTargetURL(target)})
		}
		src.resthooks = append(src.resthooks, static.NewResthook(h.Slug, h.Targets))
	}

	env := Environment(ws)
	tree, err := store.BoundaryTree(ctx, ws.ID)
	if err != nil {
		return nil, err
	}
	if h, err := locationHierarchy(env, tree); err != nil {
		return nil, err
	} else if h != nil {
		src.locations = []assets.LocationHierarchy{h}
	}

	sa, err := engine.NewSessionAssets(env, src, nil)
	if err != nil {
		return nil, err
	}
	a.Env, a.Session = env, sa
	return a, nil
}

// source is an assets.Source over rows read from the database. Flows are parsed (and migrated, if an old
// definition was stored) by the engine when first asked for.
type source struct {
	flows     map[assets.FlowUUID]*models.Flow
	fields    []assets.Field
	groups    []assets.Group
	labels    []assets.Label
	globals   []assets.Global
	topics    []assets.Topic
	users     []assets.User
	resthooks []assets.Resthook
	channels  []assets.Channel
	locations []assets.LocationHierarchy
	templates []assets.Template
}

var errNoSuchFlow = errors.New("no such flow")

func (s *source) FlowByUUID(uuid assets.FlowUUID) (assets.Flow, error) {
	if f := s.flows[uuid]; f != nil {
		return static.NewFlow(uuid, f.Name, []byte(f.Definition)), nil
	}
	return nil, errNoSuchFlow
}

func (s *source) FlowByName(name string) (assets.Flow, error) {
	for uuid, f := range s.flows {
		if strings.EqualFold(f.Name, name) {
			return static.NewFlow(uuid, f.Name, []byte(f.Definition)), nil
		}
	}
	return nil, errNoSuchFlow
}

func (s *source) Campaigns() ([]assets.Campaign, error)          { return nil, nil }
func (s *source) Channels() ([]assets.Channel, error)            { return s.channels, nil }
func (s *source) Fields() ([]assets.Field, error)                { return s.fields, nil }
func (s *source) Globals() ([]assets.Global, error)              { return s.globals, nil }
func (s *source) Groups() ([]assets.Group, error)                { return s.groups, nil }
func (s *source) Labels() ([]assets.Label, error)                { return s.labels, nil }
func (s *source) LLMs() ([]assets.LLM, error)                    { return nil, nil }
func (s *source) Locations() ([]assets.LocationHierarchy, error) { return s.locations, nil }
func (s *source) Resthooks() ([]assets.Resthook, error)          { return s.resthooks, nil }
func (s *source) Templates() ([]assets.Template, error)          { return s.templates, nil }
func (s *source) Topics() ([]assets.Topic, error)                { return s.topics, nil }
func (s *source) Users() ([]assets.User, error)                  { return s.users, nil }

var _ assets.Source = (*source)(nil)

// engineChannel is a channel as the engine chooses among them: its schemes, roles and country, and the config
// keys RapidPro's routing reads (matching_prefixes, allow_international).
func engineChannel(ch *models.Channel) assets.Channel {
	var roles []assets.ChannelRole
	if strings.Contains(ch.Role, models.RoleSend) {
		roles = append(roles, assets.ChannelRoleSend)
	}
	if strings.Contains(ch.Role, models.RoleReceive) {
		roles = append(roles, assets.ChannelRoleReceive)
	}
	cfg, _ := channels.ParseConfig(ch.Config)
	var prefixes []string
	if list, ok := cfg["matching_prefixes"].([]any); ok {
		for _, p := range list {
			if s, ok := p.(string); ok {
				prefixes = append(prefixes, s)
			}
		}
	}
	return &static.Channel{UUID_: assets.ChannelUUID(ch.UUID), Name_: ch.Name, Address_: ch.Address, Schemes_: ch.Schemes,
		Roles_: roles, Country_: i18n.Country(ch.CountryCode()), MatchPrefixes_: prefixes, AllowInternational_: cfg.Bool("allow_international")}
}
