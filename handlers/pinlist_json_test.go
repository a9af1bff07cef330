package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// The cached list encoding must give the very bytes of the plain encoder,
// and a like must show in the next answer.
func TestPinListJSONMatchesEncoder(t *testing.T) {
	e := newEnv(t)
	author, fan := e.signup(), e.signup()
	group := e.createGroup(author, "board")
	for _, title := range []string{"one", "<two> & \"three\""} {
		e.createPin(author, group, title)
	}
	me, err := bson.ObjectIDFromHex(fan.id)
	if err != nil {
		t.Fatal(err)
	}
	pins, next, err := e.store.FindPins(t.Context(), store.PinQuery{}, me, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(newList(pins, next, pinView))
	if err != nil {
		t.Fatal(err)
	}
	got := e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins", token: fan.token}).body
	if !bytes.Equal(bytes.TrimSpace(got), want) {
		t.Fatalf("cached encoding differs:\n got %s\nwant %s", got, want)
	}
	id := pins[0].ID.Hex()
	e.must(http.StatusOK, req{method: "PUT", path: "/api/v1/pins/" + id + "/like", token: fan.token})
	var list struct {
		Items []struct {
			ID        string `json:"id"`
			LikeCount int    `json:"like_count"`
			LikedByMe bool   `json:"liked_by_me"`
		} `json:"items"`
	}
	if err := json.Unmarshal(e.must(http.StatusOK, req{method: "GET", path: "/api/v1/pins", token: fan.token}).body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Items[0].ID != id || list.Items[0].LikeCount != 1 || !list.Items[0].LikedByMe {
		t.Fatalf("stale item after a like: %+v", list.Items[0])
	}
}
