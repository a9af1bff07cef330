package store

import "testing"

func TestNicknameSkeleton(t *testing.T) {
	same := []string{
		"alice",
		"ALICE", "Alice",
		"аlice",       // Cyrillic а
		"alіce",       // Cyrillic і
		"аӏісе",       // all Cyrillic
		"αlice",       // Greek α
		"ａｌｉｃｅ",       // full-width
		"al\u200bice", // zero-width space
		"al\u00adice", // soft hyphen
		"a\u200dlice", // zero-width joiner
		"al1ce",       // no: 1 is l, not i (see below)
	}
	want := NicknameSkeleton("alice")
	for _, s := range same[:len(same)-1] {
		if got := NicknameSkeleton(s); got != want {
			t.Errorf("NicknameSkeleton(%q) = %q, want %q like alice", s, got, want)
		}
	}
	for _, pair := range [][2]string{{"paypal", "раураl"}, {"bob", "ЬоЬ"}, {"user1", "userl"}, {"oo7", "007"}, {"ﬁsh", "fish"}} {
		if a, b := NicknameSkeleton(pair[0]), NicknameSkeleton(pair[1]); a != b {
			t.Errorf("%q → %q and %q → %q differ", pair[0], a, pair[1], b)
		}
	}
	for _, pair := range [][2]string{{"alice", "alicia"}, {"alice", "al1ce"}, {"bob", "rob"}, {"민수", "민지"}, {"user1", "user2"}} {
		if NicknameSkeleton(pair[0]) == NicknameSkeleton(pair[1]) {
			t.Errorf("%q and %q share a skeleton", pair[0], pair[1])
		}
	}
}
