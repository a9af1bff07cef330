package sqlitestore_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
	"mypinterest/store/storetest"
)

// A user's row is read back packed (userCols): every field, whatever bytes
// it holds, comes back as it went in.
func TestUserRowRoundTrips(t *testing.T) {
	st := storetest.SQLite(t, store.Options{})
	u := store.User{ID: bson.NewObjectID(), Email: "12:kim,@x.test", Nickname: "김:3,", NicknameKey: "김:3,",
		PasswordHash: []byte{0, ':', ',', 0xff, '9'}, Avatar: store.ImageRef{Key: "a:1", Ext: "png", Width: 640, Height: 800, Alpha: true},
		Message: "line\n2:, 안녕\x00 end", CreatedAt: time.Date(2026, 11, 28, 18, 40, 1, 2e6, time.UTC)}
	if err := st.Import(t.Context(), store.Batch{Kind: store.KindUsers, Users: []store.User{u}}); err != nil {
		t.Fatal(err)
	}
	got, err := st.FindUserByID(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedAt.Equal(u.CreatedAt) {
		got.CreatedAt = u.CreatedAt
	}
	if !reflect.DeepEqual(*got, u) {
		t.Fatalf("FindUserByID = %+v\nwant %+v", *got, u)
	}
	prof, err := st.FindProfile(t.Context(), u.ID, bson.NilObjectID)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Profile{Card: store.Card{ID: u.ID, Nickname: u.Nickname, Avatar: u.Avatar}, Message: u.Message}
	if !reflect.DeepEqual(*prof, want) {
		t.Fatalf("FindProfile = %+v\nwant %+v", *prof, want)
	}
}

// BenchmarkFindUserByID is the lookup behind every signed-in request,
// FindProfile the one behind every profile, and a signed-in page's user
// and badge read apart ("user+unread") or together ("session").
func BenchmarkFindUserByID(b *testing.B) {
	ctx := context.Background()
	st := storetest.SQLite(b, store.Options{})
	u := store.User{ID: bson.NewObjectID(), Email: "kim@x.test", Nickname: "kim", NicknameKey: "kim",
		PasswordHash: []byte("$2a$10$0123456789012345678901234567890123456789012345678901"),
		Avatar:       store.ImageRef{Key: "ab12", Ext: "jpg", Width: 3, Height: 4}, Message: "hello",
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := st.Import(ctx, store.Batch{Kind: store.KindUsers, Users: []store.User{u}}); err != nil {
		b.Fatal(err)
	}
	b.Run("user", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.FindUserByID(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("user+unread", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.FindUserByID(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
			if _, err := st.UnreadCount(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("session", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := st.FindSessionUser(ctx, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("profile", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.FindProfile(ctx, u.ID, u.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
