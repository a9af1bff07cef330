package jsonbody

import (
	"testing"

	"mypinterest/store"
)

// Shapes of the API's request bodies: strings, optional strings, booleans.
type (
	credentials struct {
		Email, Nickname, Password string
	}
	patch struct {
		Title   *string `json:"title"`
		Content *string `json:"content"`
		Secret  *bool   `json:"secret"`
	}
)

// FuzzDecode feeds arbitrary content types and bodies to the decoder.
// Nothing may panic; every refusal is a 400 or a 415 (never an internal
// error); a body is accepted only with Content-Type application/json.
// Seeds: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add("application/json", []byte(`{"email":"a@example.com","password":"pw","nickname":"n"}`))
	f.Add("application/json; charset=utf-8", []byte(`{"title":null,"secret":true}`))
	f.Add("application/json", []byte(`{"email":{"$gt":""}}`))
	f.Add("text/plain", []byte(`{"email":"a@example.com"}`))
	f.Add("application/json", []byte(`{} {}`))
	f.Add("application/json", []byte(`{"content":"\ud800"}`))
	f.Add("APPLICATION/JSON", []byte(` [1,2] `))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		for _, dst := range []any{&credentials{}, &patch{}} {
			err := Decode(contentType, body, dst)
			if err == nil {
				if !IsJSON(contentType) {
					t.Fatalf("accepted a body sent as %q", contentType)
				}
				continue
			}
			if code := store.ErrorCode(err); code != store.EMalformed && code != store.EUnsupported {
				t.Fatalf("decode error %v has code %s", err, code)
			}
		}
	})
}
