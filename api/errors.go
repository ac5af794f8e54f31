package api

import (
	"fmt"
	"net/http"
)

// apiError is an answer other than success: a status and a body that is safe to show the client.
type apiError struct {
	status int
	body   any
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %v", e.status, e.body) }

type detail struct {
	Detail string `json:"detail"`
}

// errDetail is RapidPro's {"detail": "…"} shape.
func errDetail(status int, msg string) *apiError {
	return &apiError{status: status, body: detail{msg}}
}

func errNotFound() *apiError { return errDetail(http.StatusNotFound, "Not found.") }

func errQuery(msg string) *apiError { return errDetail(http.StatusBadRequest, msg) }

func errPermission() *apiError {
	return errDetail(http.StatusForbidden, "You do not have permission to perform this action.")
}

func errMethod(method string) *apiError {
	return errDetail(http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", method))
}

func errLimitReached() *apiError {
	return errDetail(http.StatusConflict, "Cannot create object because workspace has reached limit.")
}

// errValidation is a 400 in the serializer shape: {"field": ["msg", …], "non_field_errors": […]}.
func errValidation(v *validation) *apiError {
	return &apiError{status: http.StatusBadRequest, body: v}
}

// errNonField is a 400 with one object-level message.
func errNonField(msg string) *apiError {
	v := &validation{}
	v.add(nonFieldErrors, msg)
	return errValidation(v)
}
