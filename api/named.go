package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/flowsd/flowsd/models"
)

// namedKind is an object kind identified by UUID and named uniquely within its workspace (groups, labels,
// topics): created and renamed by POST, the same way for each.
type namedKind[T any] struct {
	limit    string // the limit kind in models.DefaultLimits
	maxLen   int
	get      func(ctx context.Context, workspaceID int64, uuid string) (*T, error)
	id       func(*T) int64
	isSystem func(*T) bool
	taken    func(ctx context.Context, workspaceID int64, name string, exceptID int64) (bool, error)
	create   func(ctx context.Context, workspaceID int64, name string) (*T, error)
	rename   func(ctx context.Context, obj *T, name string) error
	output   func(c *Ctx, obj *T) any
	// load, when set, writes the object instead of output, with what it reads besides (a topic's counts)
	load func(c *Ctx, obj *T) (any, error)
}

// lookupObject finds the object a write names with ?uuid=, nil when none is named. System objects can't be
// changed.
func lookupObject[T any](c *Ctx, k namedKind[T], systemMsg string) (*T, error) {
	_, uuid, err := lookup(c.query, "uuid")
	if err != nil || uuid == "" {
		return nil, err
	}
	obj, err := k.get(c.Request().Context(), c.ws().ID, uuid)
	if models.IsNotFound(err) {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, err
	}
	if k.isSystem != nil && k.isSystem(obj) {
		return nil, errDetail(http.StatusForbidden, systemMsg)
	}
	return obj, nil
}

// limitNouns name each limited kind in Weni's limit message.
var limitNouns = map[string]string{"fields": "contact fields", "globals": "globals", "groups": "groups", "labels": "labels", "topics": "topics"}

// checkLimit refuses to create an object once the workspace has as many as it may: a 409 as RapidPro
// answers, or Weni's 400.
func checkLimit(c *Ctx, kind string) error {
	store := c.store()
	reached, err := store.LimitReached(c.Request().Context(), kind, c.ws().ID)
	if err != nil || !reached {
		return err
	}
	return limitReached(c, kind)
}

// limitReached is the answer to a write past the workspace's limit of kind: RapidPro's 409, or Weni's 400.
func limitReached(c *Ctx, kind string) error {
	if c.weni() {
		n := c.store().Limit(kind)
		return errNonField(fmt.Sprintf("This org has %d %s and the limit is %d. You must delete existing ones before you can create new ones.", n, limitNouns[kind], n))
	}
	return errLimitReached()
}

// uniqueName is RapidPro's UniqueForOrgValidator: no other active object of the kind may have the name,
// ignoring case.
func uniqueName(c *Ctx, taken func(context.Context, int64, string, int64) (bool, error), exceptID int64, dbErr *error) func(string) []string {
	return func(name string) []string {
		if strings.ContainsRune(name, 0) {
			return nil // can't be stored, so can't be taken; the null character check reports it
		}
		isTaken, err := taken(c.Request().Context(), c.ws().ID, name, exceptID)
		if err != nil {
			*dbErr = err
			return nil
		}
		if isTaken {
			return []string{"This field must be unique."}
		}
		return nil
	}
}

// writeNamed answers POST for a named kind: create (201), or rename the object given by ?uuid= (200).
func writeNamed[T any](c *Ctx, k namedKind[T]) error {
	obj, err := lookupForWrite(c, k)
	if err != nil {
		return err
	}
	in, err := c.body()
	if err != nil {
		return err
	}
	return saveNamed(c, k, obj, in)
}

// lookupForWrite does what RapidPro does before reading a write's body: finds the object named by ?uuid=
// (refusing system objects), or for a create checks the workspace's limit.
func lookupForWrite[T any](c *Ctx, k namedKind[T]) (*T, error) {
	obj, err := lookupObject(c, k, "Cannot modify system object.")
	if err != nil {
		return nil, err
	}
	if obj == nil {
		if err := checkLimit(c, k.limit); err != nil {
			return nil, err
		}
	}
	return obj, nil
}

// saveNamed validates the name in the body, then creates or renames.
func saveNamed[T any](c *Ctx, k namedKind[T], obj *T, in *input) error {
	ctx := c.Request().Context()
	var exceptID int64
	if obj != nil {
		exceptID = k.id(obj)
	}
	var dbErr error
	v := &validation{}
	name, _, _ := in.char(v, "name", charField{required: true, maxLen: k.maxLen,
		validators: []func(string) []string{nameValidator(k.maxLen), uniqueName(c, k.taken, exceptID, &dbErr)}})
	if dbErr != nil {
		return dbErr
	}
	if v.failed() {
		return errValidation(v)
	}

	status := http.StatusOK
	var err error
	if obj == nil {
		obj, err = k.create(ctx, c.ws().ID, *name)
		status = http.StatusCreated
	} else {
		err = k.rename(ctx, obj, *name)
	}
	if err := writeError(err, "name"); err != nil {
		return err
	}
	if k.load != nil {
		out, err := k.load(c, obj)
		if err != nil {
			return err
		}
		return c.respond(status, out)
	}
	return c.respond(status, k.output(c, obj))
}

// deleteNamed answers DELETE ?uuid= for a named kind.
func deleteNamed[T any](c *Ctx, k namedKind[T], release func(context.Context, *T) error) error {
	if _, _, err := requireLookup(c.query, "uuid"); err != nil {
		return err
	}
	obj, err := lookupObject(c, k, "Cannot delete system object.")
	if err != nil {
		return err
	}
	if err := release(c.Request().Context(), obj); err != nil {
		return err
	}
	return c.noContent()
}

// writeError turns the errors a store write can give into answers: a lost race for a unique name is the
// same 400 the validator gives, a lost race for the last place under the limit the same 409.
func writeError(err error, nameField string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, models.ErrNameTaken):
		v := &validation{}
		v.add(nameField, "This field must be unique.")
		return errValidation(v)
	case errors.Is(err, models.ErrLimitReached):
		return errLimitReached()
	}
	return err
}
