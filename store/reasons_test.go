package store

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestValidationGivesReasonCodes: refused fields carry codes with their
// limits as data, never sentences, so that each edge words them.
func TestValidationGivesReasonCodes(t *testing.T) {
	err := NewUser{Email: "a@other.org", Nickname: "가나다라마바사아자차카", Password: "short1"}.Validate([]string{"example.com"})
	var e *Error
	if !errors.As(err, &e) || e.Code != EInvalid {
		t.Fatalf("error = %v", err)
	}
	want := map[string]Reason{
		"email":    {Code: ReasonDomain, Values: []string{"example.com"}},
		"nickname": {Code: ReasonTooLong, Max: MaxNicknameLength},
		"password": {Code: ReasonTooShort, Min: MinPasswordLength},
	}
	if len(e.Fields) != len(want) {
		t.Fatalf("fields = %v, want %v", e.Fields, want)
	}
	for f, w := range want {
		g := e.Fields[f]
		if g.Code != w.Code || g.Min != w.Min || g.Max != w.Max || !slices.Equal(g.Values, w.Values) {
			t.Errorf("%s = %v, want %v", f, g, w)
		}
	}
	f := Fields{}
	CheckPatch(f, new(string), nil, &ImageRef{})
	if f["title"].Code != ReasonRequired || f["image"].Code != ReasonRequired {
		t.Errorf("patch fields = %v", f)
	}
	if _, err := ValidateMessage(strings.Repeat("글", MaxMessageLength+1)); !errors.As(err, &e) ||
		e.Fields["message"].Code != ReasonTooLong || e.Fields["message"].Max != MaxMessageLength {
		t.Errorf("message error = %v", err)
	}
}
