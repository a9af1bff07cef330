package mongostore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/bcrypt"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// socPassword is the password every socUser signs up with.
const socPassword = "correct-horse-battery"

var socSeq atomic.Int64

// socStore opens a store with the cheapest bcrypt cost, so sign-ups are fast.
func socStore(t *testing.T, opts ...store.Options) *mongostore.Store {
	t.Helper()
	o := store.Options{}
	if len(opts) > 0 {
		o = opts[0]
	}
	o.PasswordCost = bcrypt.MinCost
	return storetest.NewMongo(t, o)
}

// socUser signs up a fresh user whose nickname starts with prefix.
func socUser(t *testing.T, s *mongostore.Store, prefix string) *store.User {
	t.Helper()
	nick := fmt.Sprintf("%s%d", prefix, socSeq.Add(1))
	u, err := s.CreateUser(context.Background(), store.NewUser{
		Email: strings.ToLower(nick) + "@example.com", Nickname: nick, Password: socPassword,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", nick, err)
	}
	return u
}

// socFields returns the fields of a store error, failing unless its code is want.
func socFields(t *testing.T, err error, want string) map[string]string {
	t.Helper()
	var e *store.Error
	if !errors.As(err, &e) || e.Code != want {
		t.Fatalf("error = %v, want code %s", err, want)
	}
	return e.Fields
}

func TestCreateUserValidation(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	ok := func(email, nick, pw string) store.NewUser {
		return store.NewUser{Email: email, Nickname: nick, Password: pw}
	}
	cases := []struct {
		name  string
		in    store.NewUser
		field string // "" = accepted
	}{
		{"plain", ok("plain@example.com", "plain1", "blue-river-stone"), ""},
		{"hangul nickname", ok("kim@example.com", "김철수", "blue-river-stone"), ""},
		{"ten hangul runes", ok("ten@example.com", "가나다라마바사아자차", "blue-river-stone"), ""},
		{"mixed case email trimmed", ok("  Mixed@Example.COM ", "mixed", "blue-river-stone"), ""},
		{"email missing", ok("", "nomail", "blue-river-stone"), "email"},
		{"email without at", ok("example.com", "noat", "blue-river-stone"), "email"},
		{"email without dot domain", ok("a@localhost", "nodot", "blue-river-stone"), "email"},
		{"email empty domain label", ok("a@example..com", "dots", "blue-river-stone"), "email"},
		{"email with space", ok("a b@example.com", "space", "blue-river-stone"), "email"},
		{"email with display name", ok("Bob <bob@example.com>", "bob", "blue-river-stone"), "email"},
		{"email over 100", ok(strings.Repeat("a", 90)+"@example.com", "long", "blue-river-stone"), "email"},
		{"nickname empty", ok("n1@example.com", "", "blue-river-stone"), "nickname"},
		{"nickname with space", ok("n2@example.com", "a b", "blue-river-stone"), "nickname"},
		{"nickname 11 runes", ok("n3@example.com", "가나다라마바사아자차카", "blue-river-stone"), "nickname"},
		{"nickname symbol", ok("n4@example.com", "kim!", "blue-river-stone"), "nickname"},
		{"password short", ok("p1@example.com", "pshort", "abc1234"), "password"},
		{"password digits only", ok("p2@example.com", "pdigits", "1234567890"), "password"},
		{"password common any case", ok("p3@example.com", "pcommon", "PassWord1"), "password"},
		{"password contains nickname", ok("p4@example.com", "Sunny", "xxsunnyxx"), "password"},
		{"password inside email local part", ok("bluerivers@example.com", "prive", "blueriver"), "password"},
		{"password over 72 bytes", ok("p6@example.com", "plong", strings.Repeat("가", 25)), "password"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := s.CreateUser(ctx, tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if want := strings.ToLower(strings.TrimSpace(tc.in.Email)); u.Email != want {
					t.Errorf("email = %q, want %q", u.Email, want)
				}
				if string(u.PasswordHash) == tc.in.Password || bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(tc.in.Password)) != nil {
					t.Errorf("password not stored as its bcrypt hash")
				}
				return
			}
			if f := socFields(t, err, store.EInvalid); f[tc.field] == "" {
				t.Errorf("fields = %v, want a reason for %s", f, tc.field)
			}
		})
	}
}

func TestCreateUserReportsEveryField(t *testing.T) {
	s := socStore(t)
	_, err := s.CreateUser(context.Background(), store.NewUser{Email: "x", Nickname: "a b", Password: "1"})
	f := socFields(t, err, store.EInvalid)
	for _, k := range []string{"email", "nickname", "password"} {
		if f[k] == "" {
			t.Errorf("no reason for %s in %v", k, f)
		}
	}
}

func TestCreateUserAllowedDomains(t *testing.T) {
	s := socStore(t, store.Options{AllowedEmailDomains: []string{"Example.com"}})
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, store.NewUser{Email: "a@other.org", Nickname: "other", Password: "blue-river-stone"}); socFields(t, err, store.EInvalid)["email"] == "" {
		t.Errorf("foreign domain accepted: %v", err)
	}
	if _, err := s.CreateUser(ctx, store.NewUser{Email: "a@example.com", Nickname: "mine", Password: "blue-river-stone"}); err != nil {
		t.Errorf("allowed domain refused: %v", err)
	}
}

func TestCreateUserDuplicates(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, store.NewUser{Email: "dup@example.com", Nickname: "Kim", Password: "blue-river-stone"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, email, nick, field string
	}{
		{"email in other case", "DUP@Example.com", "Lee", "email"},
		{"nickname in other case", "new@example.com", "kIM", "nickname"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, store.NewUser{Email: tc.email, Nickname: tc.nick, Password: "blue-river-stone"})
			f := socFields(t, err, store.EConflict)
			if f[tc.field] == "" || len(f) != 1 {
				t.Errorf("fields = %v, want only %s", f, tc.field)
			}
		})
	}
}

func TestAuthenticate(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	u := socUser(t, s, "auth")
	got, err := s.Authenticate(ctx, "  "+strings.ToUpper(u.Email), socPassword)
	if err != nil || got.ID != u.ID {
		t.Fatalf("Authenticate = %v, %v; want user %s", got, err, u.ID.Hex())
	}
	var msgs []string
	for _, tc := range []struct{ name, email, password string }{
		{"wrong password", u.Email, socPassword + "x"},
		{"unknown email", "nobody@example.com", socPassword},
		{"empty password", u.Email, ""},
	} {
		_, err := s.Authenticate(ctx, tc.email, tc.password)
		socFields(t, err, store.EUnauthorized)
		msgs = append(msgs, err.Error())
	}
	if msgs[0] != msgs[1] {
		t.Errorf("unknown email and wrong password answer differently: %q vs %q", msgs[0], msgs[1])
	}
}

func TestUpdateUserMessage(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	u := socUser(t, s, "msg")
	if _, err := s.FindUserByID(ctx, u.ID); err != nil { // warm the cache
		t.Fatal(err)
	}
	msg := strings.Repeat("안", 100)
	if _, err := s.UpdateUserMessage(ctx, u.ID, msg); err != nil {
		t.Fatalf("100 runes refused: %v", err)
	}
	got, err := s.FindUserByID(ctx, u.ID)
	if err != nil || got.Message != msg {
		t.Fatalf("message after update = %q, %v", got.Message, err)
	}
	_, err = s.UpdateUserMessage(ctx, u.ID, msg+"!")
	if socFields(t, err, store.EInvalid)["message"] == "" {
		t.Errorf("101 runes: want a message field error")
	}
	if _, err := s.UpdateUserMessage(ctx, bson.NewObjectID(), "hi"); store.ErrorCode(err) != store.ENotFound {
		t.Errorf("unknown user: %v, want not found", err)
	}
}

func TestSetUserAvatarRefreshesCard(t *testing.T) {
	s := socStore(t)
	ctx := context.Background()
	u := socUser(t, s, "ava")
	if _, err := s.FindCards(ctx, []bson.ObjectID{u.ID}); err != nil { // warm card:<id>
		t.Fatal(err)
	}
	img := store.ImageRef{Key: "abc", Ext: "png", Width: 10, Height: 20}
	got, err := s.SetUserAvatar(ctx, u.ID, img)
	if err != nil || got.Avatar != img {
		t.Fatalf("SetUserAvatar = %+v, %v", got, err)
	}
	cards, err := s.FindCards(ctx, []bson.ObjectID{u.ID})
	if err != nil || cards[u.ID].Avatar != img {
		t.Fatalf("card after avatar change = %+v, %v", cards[u.ID], err)
	}
}

func TestFindUserByIDUnknown(t *testing.T) {
	s := socStore(t)
	if _, err := s.FindUserByID(context.Background(), bson.NewObjectID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
}
