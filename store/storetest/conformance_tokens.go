package storetest

import (
	"testing"
	"time"
)

// tokenTests: revoked session tokens outlive a restart until they expire.
var tokenTests = []conformanceTest{
	{"revoke and list", testRevokedTokens},
}

func testRevokedTokens(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	if got, err := st.RevokedTokens(ctx); err != nil || len(got) != 0 {
		t.Fatalf("fresh store: %v, %v", got, err)
	}
	// Times at millisecond precision, which every store keeps.
	now := time.Now().Truncate(time.Millisecond)
	revoke := map[string]time.Time{
		"live":    now.Add(time.Hour),
		"expired": now.Add(-time.Minute),
		"later":   now.Add(24 * time.Hour),
	}
	for jti, until := range revoke {
		if err := st.RevokeToken(ctx, jti, until); err != nil {
			t.Fatal(err)
		}
	}
	// Revoking again moves the expiry.
	revoke["live"] = now.Add(2 * time.Hour)
	if err := st.RevokeToken(ctx, "live", revoke["live"]); err != nil {
		t.Fatal(err)
	}
	got, err := st.RevokedTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("revoked = %v, want live and later (the expired one dropped)", got)
	}
	for _, jti := range []string{"live", "later"} {
		if !got[jti].Equal(revoke[jti]) {
			t.Errorf("%s until %v, want %v", jti, got[jti], revoke[jti])
		}
	}
}
