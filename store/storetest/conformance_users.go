package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// userTests: sign-up, log-in, profile message and avatar (docs/API.md §Accounts).
var userTests = []conformanceTest{
	{"sign-up validation", testSignUpValidation},
	{"sign-up reports every field", testSignUpEveryField},
	{"sign-up allowed domains", testSignUpAllowedDomains},
	{"sign-up duplicates", testSignUpDuplicates},
	{"concurrent sign-ups", testSignUpConcurrent},
	{"authenticate", testAuthenticate},
	{"message", testUserMessage},
	{"avatar refreshes cards", testAvatarRefreshesCards},
	{"unknown users", testUnknownUsers},
}

func testSignUpValidation(t *testing.T, s *suite) {
	st := s.store(t)
	in := func(email, nick, pw string) store.NewUser {
		return store.NewUser{Email: email, Nickname: nick, Password: pw}
	}
	const pw = "blue-river-stone"
	cases := []struct {
		name  string
		in    store.NewUser
		field string // "" = accepted
	}{
		{"plain", in("plain@example.com", "plain1", pw), ""},
		{"hangul nickname", in("kim@example.com", "김철수", pw), ""},
		{"ten hangul runes", in("ten@example.com", "가나다라마바사아자차", pw), ""},
		{"mixed case email trimmed", in("  Mixed@Example.COM ", "mixed", pw), ""},
		{"email missing", in("", "nomail", pw), "email"},
		{"email without at", in("example.com", "noat", pw), "email"},
		{"email without dot domain", in("a@localhost", "nodot", pw), "email"},
		{"email empty domain label", in("a@example..com", "dots", pw), "email"},
		{"email with space", in("a b@example.com", "space", pw), "email"},
		{"email with display name", in("Bob <bob@example.com>", "bob", pw), "email"},
		{"email over 100", in(strings.Repeat("a", 90)+"@example.com", "long", pw), "email"},
		{"nickname empty", in("n1@example.com", "", pw), "nickname"},
		{"nickname with space", in("n2@example.com", "a b", pw), "nickname"},
		{"nickname 11 runes", in("n3@example.com", "가나다라마바사아자차카", pw), "nickname"},
		{"nickname symbol", in("n4@example.com", "kim!", pw), "nickname"},
		{"password short", in("p1@example.com", "pshort", "abc1234"), "password"},
		{"password digits only", in("p2@example.com", "pdigits", "1234567890"), "password"},
		{"password common any case", in("p3@example.com", "pcommon", "PassWord1"), "password"},
		{"password contains nickname", in("p4@example.com", "Sunny", "xxsunnyxx"), "password"},
		{"password inside email local part", in("bluerivers@example.com", "prive", "blueriver"), "password"},
		{"password over 72 bytes", in("p6@example.com", "plong", strings.Repeat("가", 25)), "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := st.CreateUser(t.Context(), tc.in)
			if tc.field != "" {
				if f := fieldsOf(t, err, store.EInvalid); f[tc.field] == "" {
					t.Fatalf("fields = %v, want a reason for %s", f, tc.field)
				}
				// A refused sign-up leaves no account behind.
				if _, err := st.Authenticate(t.Context(), tc.in.Email, tc.in.Password); store.ErrorCode(err) != store.EUnauthorized {
					t.Fatalf("refused sign-up logs in: %v", err)
				}
				return
			}
			wantCode(t, err, "")
			if want := strings.ToLower(strings.TrimSpace(tc.in.Email)); u.Email != want {
				t.Errorf("email = %q, want %q", u.Email, want)
			}
			if u.ID.IsZero() || u.Nickname != tc.in.Nickname || u.CreatedAt.IsZero() {
				t.Errorf("user = %+v", u)
			}
			if len(u.PasswordHash) == 0 || string(u.PasswordHash) == tc.in.Password {
				t.Errorf("password not stored as a hash")
			}
			// Sign-up creates the profile at once.
			p, err := st.FindProfile(t.Context(), u.ID, bson.NilObjectID)
			if err != nil || p.Nickname != tc.in.Nickname || p.PinCount+p.FollowerCount+p.FollowingCount != 0 {
				t.Errorf("profile = %+v, %v", p, err)
			}
		})
	}
}

func testSignUpEveryField(t *testing.T, s *suite) {
	st := s.store(t)
	_, err := st.CreateUser(t.Context(), store.NewUser{Email: "x", Nickname: "a b", Password: "1"})
	f := fieldsOf(t, err, store.EInvalid)
	for _, k := range []string{"email", "nickname", "password"} {
		if f[k] == "" {
			t.Errorf("no reason for %s in %v", k, f)
		}
	}
}

func testSignUpAllowedDomains(t *testing.T, s *suite) {
	st := s.storeWith(t, store.Options{AllowedEmailDomains: []string{"Example.com"}})
	ctx := t.Context()
	_, err := st.CreateUser(ctx, store.NewUser{Email: "a@other.org", Nickname: "other", Password: "blue-river-stone"})
	if f := fieldsOf(t, err, store.EInvalid); f["email"] == "" {
		t.Errorf("foreign domain: fields %v, want a reason for email", f)
	}
	_, err = st.CreateUser(ctx, store.NewUser{Email: "a@EXAMPLE.com", Nickname: "mine", Password: "blue-river-stone"})
	wantCode(t, err, "")
}

func testSignUpDuplicates(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	_, err := st.CreateUser(ctx, store.NewUser{Email: "dup@example.com", Nickname: "Kim", Password: "blue-river-stone"})
	wantCode(t, err, "")
	cases := []struct {
		name, email, nick string
		fields            []string
	}{
		{"email in other case", "DUP@Example.com", "Lee", []string{"email"}},
		{"nickname in other case", "new@example.com", "kIM", []string{"nickname"}},
		{"both", " dup@EXAMPLE.com", "KIM", []string{"email", "nickname"}},
		{"nickname in full width", "wide@example.com", "ＫＩＭ", []string{"nickname"}},
		{"nickname with a Cyrillic look-alike", "cyr@example.com", "Кim", []string{"nickname"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.CreateUser(ctx, store.NewUser{Email: tc.email, Nickname: tc.nick, Password: "blue-river-stone"})
			f := fieldsOf(t, err, store.EConflict)
			for _, k := range tc.fields {
				if f[k] != store.ReasonTaken {
					t.Errorf("fields = %v, want %s taken", f, k)
				}
			}
			if len(f) != len(tc.fields) {
				t.Errorf("fields = %v, want only %v", f, tc.fields)
			}
		})
	}
}

// testSignUpConcurrent: sign-ups racing for one email, or for one
// nickname in different cases, leave exactly one winner.
func testSignUpConcurrent(t *testing.T, s *suite) {
	st := s.store(t)
	const n = 8
	cases := []struct {
		field string
		in    func(i int) store.NewUser
	}{
		{"email", func(i int) store.NewUser {
			return store.NewUser{Email: fmt.Sprintf("Race@Example.com%s", strings.Repeat(" ", i)), Nickname: fmt.Sprintf("racer%d", i), Password: "blue-river-stone"}
		}},
		{"nickname", func(i int) store.NewUser {
			nick := "samename"
			if i%2 == 1 {
				nick = "SameName"
			}
			return store.NewUser{Email: fmt.Sprintf("same%d@example.com", i), Nickname: nick, Password: "blue-river-stone"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.field, func(t *testing.T) {
			var won atomic.Int64
			parallel(t, n, func(i int) error {
				_, err := st.CreateUser(t.Context(), tc.in(i))
				if err == nil {
					won.Add(1)
					return nil
				}
				if e := (*store.Error)(nil); !errors.As(err, &e) || e.Code != store.EConflict || e.Fields[tc.field].Code != store.ReasonTaken {
					return fmt.Errorf("sign-up %d: %v, want a conflict on %s", i, err, tc.field)
				}
				return nil
			})
			if won.Load() != 1 {
				t.Fatalf("%d sign-ups won, want exactly 1", won.Load())
			}
		})
	}
}

func testAuthenticate(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	u := newUser(t, st, "auth")
	got, err := st.Authenticate(ctx, "  "+strings.ToUpper(u.Email), password)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %v, %v; want user %s", got, err, u.ID.Hex())
	}
	var msgs []string
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", u.Email, password + "x"},
		{"unknown email", "nobody@example.com", password},
		{"empty password", u.Email, ""},
		{"password in other case", u.Email, strings.ToUpper(password)},
	} {
		_, err := st.Authenticate(ctx, tc.email, tc.password)
		fieldsOf(t, err, store.EUnauthorized)
		msgs = append(msgs, err.Error())
	}
	// The answer must not reveal whether the account exists.
	if msgs[0] != msgs[1] {
		t.Errorf("unknown email and wrong password answer differently: %q vs %q", msgs[0], msgs[1])
	}
}

func testUserMessage(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	u := newUser(t, st, "msg")
	if _, err := st.FindUserByID(ctx, u.ID); err != nil { // read before the write: no stale copy may stay
		t.Fatal(err)
	}
	msg := strings.Repeat("안", 100)
	if got, err := st.UpdateUserMessage(ctx, u.ID, "  "+msg+"\n"); err != nil || got.Message != msg {
		t.Fatalf("100 runes, padded: %+v, %v", got, err)
	}
	got, err := st.FindUserByID(ctx, u.ID)
	if err != nil || got.Message != msg {
		t.Fatalf("message after update = %q, %v", got.Message, err)
	}
	if p, err := st.FindProfile(ctx, u.ID, bson.NilObjectID); err != nil || p.Message != msg {
		t.Fatalf("profile message = %+v, %v", p, err)
	}
	_, err = st.UpdateUserMessage(ctx, u.ID, msg+"!")
	wantField(t, err, "message")
	if got, _ := st.FindUserByID(ctx, u.ID); got.Message != msg {
		t.Fatalf("refused message stored: %q", got.Message)
	}
	if got, err := st.UpdateUserMessage(ctx, u.ID, ""); err != nil || got.Message != "" {
		t.Fatalf("clearing the message: %+v, %v", got, err)
	}
	_, err = st.UpdateUserMessage(ctx, bson.NewObjectID(), "hi")
	wantCode(t, err, store.ENotFound)
}

// testAvatarRefreshesCards: every place that shows a user's card shows
// the new avatar right after it is set.
func testAvatarRefreshesCards(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	u, fan := newUser(t, st, "ava"), newUser(t, st, "fan")
	pin := newPin(t, st, u.ID, newGroup(t, st, u.ID), "p", "")
	if _, _, err := st.CreateComment(ctx, pin.ID, u.ID, "mine"); err != nil {
		t.Fatal(err)
	}
	mustFollow(t, st, u.ID, fan.ID)
	// Read every card once, so that a stale copy would show.
	if _, err := st.FindCards(ctx, []bson.ObjectID{u.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FindPin(ctx, pin.ID, bson.NilObjectID); err != nil {
		t.Fatal(err)
	}
	commentIDs(t, st, pin.ID)
	followerIDs(t, st, fan.ID)

	img := store.ImageRef{Key: "abc", Ext: "png", Width: 10, Height: 20, Alpha: true}
	got, err := st.SetUserAvatar(ctx, u.ID, img)
	if err != nil || got.Avatar != img {
		t.Fatalf("SetUserAvatar = %+v, %v", got, err)
	}
	cards, err := st.FindCards(ctx, []bson.ObjectID{u.ID})
	if err != nil || cards[u.ID].Avatar != img || cards[u.ID].Nickname != u.Nickname {
		t.Fatalf("card = %+v, %v", cards[u.ID], err)
	}
	if p, err := st.FindProfile(ctx, u.ID, fan.ID); err != nil || p.Avatar != img {
		t.Fatalf("profile = %+v, %v", p, err)
	}
	if v, err := st.FindPin(ctx, pin.ID, bson.NilObjectID); err != nil || v.Author.Avatar != img {
		t.Fatalf("pin author = %+v, %v", v.Author, err)
	}
	if cs, _, err := st.FindComments(ctx, pin.ID, store.Page{}); err != nil || len(cs) != 1 || cs[0].Author.Avatar != img {
		t.Fatalf("comment author = %+v, %v", cs, err)
	}
	if cs, _, err := st.FindFollowers(ctx, fan.ID, store.Page{}); err != nil || len(cs) != 1 || cs[0].Avatar != img {
		t.Fatalf("follower card = %+v, %v", cs, err)
	}
	_, err = st.SetUserAvatar(ctx, bson.NewObjectID(), img)
	wantCode(t, err, store.ENotFound)
}

func testUnknownUsers(t *testing.T, s *suite) {
	st := s.store(t)
	ctx := t.Context()
	u := newUser(t, st, "known")
	_, err := st.FindUserByID(ctx, bson.NewObjectID())
	wantCode(t, err, store.ENotFound)
	_, err = st.FindProfile(ctx, bson.NewObjectID(), u.ID)
	wantCode(t, err, store.ENotFound)
	cards, err := st.FindCards(ctx, []bson.ObjectID{u.ID, bson.NewObjectID()})
	if err != nil || len(cards) != 1 || cards[u.ID].Nickname != u.Nickname {
		t.Fatalf("cards = %+v, %v; want only the known user", cards, err)
	}
	if cards, err := st.FindCards(ctx, nil); err != nil || len(cards) != 0 {
		t.Fatalf("no ids: %v, %v", cards, err)
	}
	// A list about a user: an unknown user is not found, a known one
	// with nothing in it is an empty list (searched or not).
	stranger := bson.NewObjectID()
	for _, q := range []store.PinQuery{{AuthorID: stranger}, {AuthorID: stranger, Query: "sunset"}} {
		_, _, err = st.FindPins(ctx, q, u.ID, store.Page{})
		wantCode(t, err, store.ENotFound)
	}
	_, _, err = st.FindUserGroups(ctx, stranger, u.ID, store.Page{})
	wantCode(t, err, store.ENotFound)
	for _, q := range []store.PinQuery{{AuthorID: u.ID}, {AuthorID: u.ID, Query: "sunset"}} {
		if pins, _, err := st.FindPins(ctx, q, stranger, store.Page{}); err != nil || len(pins) != 0 {
			t.Fatalf("pins of a user with none (%+v): %v, %v", q, pins, err)
		}
	}
	if groups, _, err := st.FindUserGroups(ctx, u.ID, stranger, store.Page{}); err != nil || len(groups) != 0 {
		t.Fatalf("groups of a user with none: %v, %v", groups, err)
	}
}
