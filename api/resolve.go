package api

import (
	"context"
	"strings"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/urns"
)

// Resolvers turn what requests name (URNs, groups, contacts) into the workspace's objects, for every endpoint
// that takes them.

// lookupURN reads a ?urn= parameter: normalized in the workspace's country, refused for anonymous workspaces.
func lookupURN(c *Ctx, raw string) (string, error) {
	if c.ws().IsAnon {
		return "", errQuery(urns.ErrAnonLookup.Error())
	}
	u, err := urns.LookupIdentity(raw, c.ws().CountryCode())
	if err != nil {
		return "", errQuery(err.Error())
	}
	return string(u), nil
}

// findGroupForFilter finds the group a ?group= filter names: by UUID, or by exact name, as RapidPro does.
func findGroupForFilter(c *Ctx, value string) (*models.Group, error) {
	u, _ := normalizeUUID(value)
	return c.store().Groups(c.ws().ID).Referred(u, value, false).First(c.Request().Context())
}

// resolveGroups finds the groups a list of references names, by UUID or name (ignoring case). msg is
// RapidPro's message for the first reference that fails.
func resolveGroups(ctx context.Context, c *Ctx, items []any, allowSmart bool) ([]models.Group, string, error) {
	var groups []models.Group
	for _, item := range items {
		g, msg, err := resolveGroup(ctx, c, item, allowSmart)
		if err != nil || msg != "" {
			return nil, msg, err
		}
		groups = append(groups, *g)
	}
	return groups, "", nil
}

func resolveGroup(ctx context.Context, c *Ctx, item any, allowSmart bool) (*models.Group, string, error) {
	if _, isString := item.(string); !isString && !isNumber(item) {
		return nil, "Must be a string or integer", nil
	}
	value := inputText(item)
	u, isUUID := normalizeUUID(value)
	if !isUUID && (value == "" || strings.ContainsRune(value, 0)) {
		return nil, "No such object: " + value, nil
	}
	found, err := c.store().Groups(c.ws().ID).Referred(u, value, true).First(ctx)
	if err != nil {
		return nil, "", err
	}
	if found == nil {
		return nil, "No such object: " + value, nil
	}
	if !allowSmart && (found.Query != nil || found.IsSystem) {
		return nil, "Contact group must not be query based: " + value, nil
	}
	return found, "", nil
}

// resolveContacts finds the active contacts a list names by UUID or URN (normalized without the workspace's
// country, as RapidPro does). The first that matches nothing fails the field.
func resolveContacts(c *Ctx, items []any, v *validation) ([]*models.Contact, error) {
	if len(items) == 0 {
		v.add("contacts", "Contacts can't be empty.")
		return nil, nil
	}
	var uuids, identities []string
	values := make([]string, len(items))
	for i, item := range items {
		if _, isString := item.(string); !isString && !isNumber(item) {
			v.add("contacts", "Must be a string or integer")
			return nil, nil
		}
		values[i] = inputText(item)
		if strings.ContainsRune(values[i], 0) {
			continue // no contact has it, and PostgreSQL can't compare it
		}
		if u, ok := normalizeUUID(values[i]); ok {
			uuids = append(uuids, u)
		} else if identity, ok := urns.ReferenceIdentity(values[i]); ok {
			identities = append(identities, string(identity))
		}
	}
	byUUID, byIdentity, err := c.store().FindContacts(c.Request().Context(), c.ws().ID, uuids, identities)
	if err != nil {
		return nil, err
	}
	var contacts []*models.Contact
	seen := map[int64]bool{}
	for _, value := range values {
		var ct *models.Contact
		if u, ok := normalizeUUID(value); ok {
			ct = byUUID[u]
		} else if identity, ok := urns.ReferenceIdentity(value); ok {
			ct = byIdentity[string(identity)]
		}
		if ct == nil {
			v.add("contacts", "No such object: "+value)
			return nil, nil
		}
		if !seen[ct.ID] {
			seen[ct.ID] = true
			contacts = append(contacts, ct)
		}
	}
	return contacts, nil
}
