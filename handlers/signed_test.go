package handlers

import (
	"testing"
	"time"
	"unsafe"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Only tokens signed with the key are remembered, the map stays within
// its bound, and a remembered token is a copy of the request's bytes
// (Fiber reuses them for the next request).
func TestSignedTokensRememberOnlyWellSignedTokens(t *testing.T) {
	tk := newTokens([]byte("0123456789abcdef0123456789abcdef"), "mypinterest", time.Hour, newMemoryRevoker(time.Now))
	good, err := tk.issue(bson.NewObjectID().Hex())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := newTokens([]byte("another key, 32 bytes long......"), "mypinterest", time.Hour, nil).issue("x")
	if err != nil {
		t.Fatal(err)
	}
	s := tk.signed
	for _, raw := range []string{forged, "junk", good[:len(good)-2] + "AA"} {
		if _, err := s.parse(raw); err == nil {
			t.Errorf("%.16s… parsed", raw)
		}
	}
	if len(s.known) != 0 {
		t.Fatalf("%d badly signed tokens remembered", len(s.known))
	}

	// The request's buffer, overwritten once the token is parsed.
	buf := []byte(good)
	first, err := s.parse(unsafe.String(&buf[0], len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range buf {
		buf[i] = 'x'
	}
	again, err := s.parse(good)
	if err != nil || again.ID != first.ID || again.Subject != first.Subject {
		t.Fatalf("remembered token: %+v, %v; want %+v", again, err, first)
	}
	if _, ok := s.known[good]; !ok || len(s.known) != 1 {
		t.Fatalf("the token is not remembered as sent (%d remembered)", len(s.known))
	}

	for range maxKnownTokens + 10 {
		raw, err := tk.issue(bson.NewObjectID().Hex())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.parse(raw); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.known) != maxKnownTokens {
		t.Errorf("%d tokens remembered, want %d", len(s.known), maxKnownTokens)
	}
}

// BenchmarkSignedTokens: a token seen before against one checked anew.
func BenchmarkSignedTokens(b *testing.B) {
	tk := newTokens([]byte("0123456789abcdef0123456789abcdef"), "mypinterest", time.Hour, newMemoryRevoker(time.Now))
	raw, err := tk.issue(bson.NewObjectID().Hex())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("known", func(b *testing.B) {
		for b.Loop() {
			if _, err := tk.signed.parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseSigned(tk.secret, raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
