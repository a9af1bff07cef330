package store

import (
	"errors"
	"fmt"
)

// Error codes: the kinds of failure a caller may show to a user. The HTTP
// layer maps each code to one status in a single table.
const (
	EMalformed    = "malformed"    // the request cannot be parsed (400)
	EUnauthorized = "unauthorized" // not signed in (401)
	EForbidden    = "forbidden"    // signed in, but not yours (403)
	ENotFound     = "not_found"    // no such thing (404)
	EConflict     = "conflict"     // duplicate email, nickname… (409)
	ETooLarge     = "too_large"    // body or image over the limit (413)
	EUnsupported  = "unsupported"  // not a supported image (415)
	EInvalid      = "invalid"      // a domain rule is broken (422)
	ERateLimited  = "rate_limited" // too many attempts (429)
	EInternal     = "internal"     // anything else (500)
	EUnavailable  = "unavailable"  // a dependency is down (503)
)

// Error is a failure with a code, an English message for API clients
// and, for validation failures, a reason per field. Reasons are codes
// with their parameters as data: each edge words them, the API as the
// English it has always sent, the pages in the visitor's language.
type Error struct {
	Code    string
	Message string
	Fields  map[string]Reason
	// Reason is the cause of a failure that Fields do not describe (an
	// upload media refused, a pin already in the group), so that a page
	// can translate it; the API sends Message alone, as it always has.
	// Its Code is "" for most errors.
	Reason Reason
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
	}
	return e.Code + ": " + e.Message
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error naming one field and why it was refused.
func FieldError(field string, why Reason) *Error {
	return &Error{Code: EInvalid, Message: "Invalid input.", Fields: map[string]Reason{field: why}}
}

// Fields collects validation failures; Err returns nil when there are none.
type Fields map[string]Reason

// Add records why a field was refused, keeping the first reason.
func (f Fields) Add(field string, why Reason) {
	if _, ok := f[field]; !ok {
		f[field] = why
	}
}

// Err returns the collected failures as one EInvalid error, or nil.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "Invalid input.", Fields: f}
}

// ErrorCode returns the code of err, or EInternal for an error without one.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// Sentinels for the common cases; compare with errors.Is via ErrorCode.
var (
	ErrNotFound  = &Error{Code: ENotFound, Message: "Not found."}
	ErrForbidden = &Error{Code: EForbidden, Message: "This is not yours."}
	// ErrAlreadyInGroup refuses saving a pin into the group it was
	// posted in, where it already shows.
	ErrAlreadyInGroup = &Error{Code: EInvalid, Message: "This pin is already in that group.",
		Reason: Reason{Code: ReasonAlreadyInGroup}}
)

// Is makes errors.Is match any *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}
