package handlers

import (
	"strings"
	"testing"

	"mypinterest/store"
)

// TestEveryReasonIsWorded: each reason code the store may give has a text
// in every language the pages speak, and each one that can name a field
// has the API's English; no placeholder is left unfilled.
func TestEveryReasonIsWorded(t *testing.T) {
	why := func(code string) store.Reason {
		return store.Reason{Code: code, Min: 1, Max: 9, Values: []string{"example.com"}}
	}
	for _, code := range store.ReasonCodes {
		for _, lang := range languages {
			text, ok := catalog[lang]["err."+code]
			if !ok {
				t.Errorf("%s has no text for %s", lang, code)
				continue
			}
			if got := fillReason(text, why(code)); strings.ContainsAny(got, "{}%") {
				t.Errorf("%s text of %s keeps a placeholder: %q", lang, code, got)
			}
		}
		if _, page := reasonInput[code]; page {
			continue // an error's Reason: the API sends its Message
		}
		if _, ok := apiReasons[code]; !ok {
			t.Errorf("no API wording of %s", code)
		}
		if got := apiReasonText("f", why(code)); strings.ContainsAny(got, "{}") {
			t.Errorf("API wording of %s keeps a placeholder: %q", code, got)
		}
	}
}

func TestReasonWording(t *testing.T) {
	en, ko := newTranslator("en"), newTranslator("ko")
	domains := store.Reason{Code: store.ReasonDomain, Values: []string{"example.com", "example.org"}}
	for _, c := range []struct{ got, want string }{
		// A field's own wording beats the code's, in both languages.
		{en.Reason("email", store.Reason{Code: store.ReasonRequired}), "Enter your email."},
		{ko.Reason("email", store.Reason{Code: store.ReasonRequired}), "이메일을 입력하세요."},
		{en.Reason("title", store.Reason{Code: store.ReasonRequired}), "Required."},
		// Parameters are data, placed by each language.
		{ko.Reason("title", store.Reason{Code: store.ReasonTooLong, Max: 50}), "50자 이하로 입력하세요."},
		{en.Reason("", store.Reason{Code: store.ReasonImageTooLarge, Max: 10}), "The image is too large (at most 10 MB)."},
		{en.Reason("email", domains), "Sign-up is limited to: example.com, example.org."},
		// The API keeps its English, field by field.
		{apiReasonText("email", domains), "Sign-up is limited to: example.com, example.org."},
		{apiReasonText("title", store.Reason{Code: store.ReasonTooLong, Max: 50}), "at most 50 characters"},
		{apiReasonText("message", store.Reason{Code: store.ReasonTooLong, Max: 100}), "Use at most 100 characters."},
		{apiReasonText("password", store.Reason{Code: store.ReasonTooManyBytes, Max: 72}), "Use at most 72 bytes."},
		{apiReasonText("x", store.Reason{Code: "no_such_code"}), "no_such_code"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// The scripts read the API's English and get it translated.
	js := ko.jsTexts()
	for k, want := range map[string]string{
		"err:required":                   "필수 항목입니다.",
		"err:not one of your groups":     "내 그룹 중 하나를 고르세요.",
		"err:Enter your email.":          "이메일을 입력하세요.",
		"err:Use at least 8 characters.": "",
		"err.atmost":                     "%d자 이하로 입력하세요.",
		// A whole-request refusal: the save picker shows its message.
		"err:" + store.ErrAlreadyInGroup.Message: "이 핀은 이미 그 그룹에 있습니다(그 그룹에 올린 핀입니다).",
	} {
		if got, ok := js[k]; want != "" && got != want || want == "" && ok {
			t.Errorf("jsTexts[%q] = %q, want %q", k, got, want)
		}
	}
}
