package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/flowsd/flowsd/models"
)

// Authentication answers, word for word as Django REST framework and RapidPro give them. Every one is a 403:
// RapidPro never answers 401, and its Python client maps 403 to a token error.
const (
	authMissing        = "Authentication credentials were not provided."
	authInvalidToken   = "Invalid token"
	authInvalidBasic   = "Invalid token or email"
	tokenNoCredentials = "Invalid token header. No credentials provided."
	tokenHasSpaces     = "Invalid token header. Token string should not contain spaces."
	tokenBadChars      = "Invalid token header. Token string should not contain invalid characters."
	basicNoCredentials = "Invalid basic header. No credentials provided."
	basicHasSpaces     = "Invalid basic header. Credentials string should not contain spaces."
	basicBadEncoding   = "Invalid basic header. Credentials not correctly base64 encoded."
)

func authFailed(msg string) *apiError { return errDetail(http.StatusForbidden, msg) }

// authenticate finds who a request speaks for from its Authorization header: "Token <key>" or Basic with
// email:token. Anything else (Bearer, say) counts as no credentials.
func authenticate(ctx context.Context, store *models.Store, r *http.Request) (*models.Principal, error) {
	parts := bytes.Fields([]byte(r.Header.Get("Authorization")))
	if len(parts) == 0 {
		return nil, authFailed(authMissing)
	}

	switch strings.ToLower(string(parts[0])) {
	case "token":
		switch {
		case len(parts) == 1:
			return nil, authFailed(tokenNoCredentials)
		case len(parts) > 2:
			return nil, authFailed(tokenHasSpaces)
		case !utf8.Valid(parts[1]):
			return nil, authFailed(tokenBadChars)
		}
		p, err := lookupToken(ctx, store, string(parts[1]))
		if p == nil && err == nil {
			err = authFailed(authInvalidToken)
		}
		return p, err

	case "basic":
		switch {
		case len(parts) == 1:
			return nil, authFailed(basicNoCredentials)
		case len(parts) > 2:
			return nil, authFailed(basicHasSpaces)
		}
		decoded, err := base64.StdEncoding.DecodeString(string(parts[1]))
		if err != nil {
			return nil, authFailed(basicBadEncoding)
		}
		email, key, found := strings.Cut(string(decoded), ":")
		if !found {
			return nil, authFailed(basicBadEncoding)
		}
		p, err := lookupToken(ctx, store, key)
		if err != nil {
			return nil, err
		}
		if p == nil || !strings.EqualFold(p.User.Email, email) {
			return nil, authFailed(authInvalidBasic)
		}
		return p, nil
	}
	return nil, authFailed(authMissing)
}

// lookupToken gives the principal of an active token, nil when there is none.
func lookupToken(ctx context.Context, store *models.Store, key string) (*models.Principal, error) {
	if key == "" || len(key) > 128 {
		return nil, nil
	}
	p, err := store.Authenticate(ctx, key)
	if models.IsNotFound(err) {
		return nil, nil
	}
	return p, err
}
