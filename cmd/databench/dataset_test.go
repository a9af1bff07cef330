package main

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// tinyParams is a data set small enough to generate in milliseconds.
var tinyParams = Params{Pins: 2000, Users: 100, Seed: 1}

// fakeImages stand in for processed images where no store reads them.
var fakeImages = []store.ImageRef{{Key: "a", Ext: "jpg", Width: 640, Height: 800}, {Key: "b", Ext: "jpg", Width: 640, Height: 800}}

// generated is a whole data set kept in memory.
type generated struct {
	g       *generator
	batches []store.Batch
	all     store.Batch // every record, kinds merged
}

func generate(t *testing.T, p Params) generated {
	t.Helper()
	g := newGenerator(p, fakeImages, nil, []byte("hash"))
	var out generated
	out.g = g
	var kinds []store.Kind
	err := g.run(300, func(b store.Batch) error {
		if len(kinds) == 0 || kinds[len(kinds)-1] != b.Kind {
			kinds = append(kinds, b.Kind)
		}
		out.batches = append(out.batches, b)
		a := &out.all
		a.Users = append(a.Users, b.Users...)
		a.Groups = append(a.Groups, b.Groups...)
		a.Pins = append(a.Pins, b.Pins...)
		a.Follows = append(a.Follows, b.Follows...)
		a.Comments = append(a.Comments, b.Comments...)
		a.Likes = append(a.Likes, b.Likes...)
		a.Bookmarks = append(a.Bookmarks, b.Bookmarks...)
		a.Saves = append(a.Saves, b.Saves...)
		a.Notifications = append(a.Notifications, b.Notifications...)
		if b.Len() > 300 {
			t.Errorf("a %s batch of %d records, want ≤ 300", b.Kind, b.Len())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// No images were given, so every other kind comes, in copy order.
	if want := store.Kinds[1:]; !slices.Equal(kinds, want) {
		t.Fatalf("kinds came in order %v, want %v", kinds, want)
	}
	return out
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := generate(t, tinyParams), generate(t, tinyParams)
	if !reflect.DeepEqual(a.batches, b.batches) {
		t.Fatal("the same parameters generated different records")
	}
	other := tinyParams
	other.Seed = 2
	c := generate(t, other)
	if reflect.DeepEqual(a.all.Pins, c.all.Pins) || reflect.DeepEqual(a.all.Likes, c.all.Likes) {
		t.Fatal("another seed generated the same records")
	}
	if a.all.Pins[0].ID == c.all.Pins[0].ID {
		t.Fatal("two seeds share pin ids")
	}
}

// checkIDs verifies that ids sort in creation order (the pins table keeps
// insertion order as its search key) and carry their record's time.
func checkIDs[T any](t *testing.T, kind string, recs []T, idTime func(T) (bson.ObjectID, time.Time)) {
	t.Helper()
	var prev bson.ObjectID
	for k, r := range recs {
		id, at := idTime(r)
		if got := id.Timestamp(); !got.Equal(at.Truncate(time.Second)) {
			t.Fatalf("%s %d: id time %v, created %v", kind, k, got, at)
		}
		if k > 0 && strings.Compare(prev.Hex(), id.Hex()) >= 0 {
			t.Fatalf("%s %d: id %s does not sort after %s", kind, k, id.Hex(), prev.Hex())
		}
		prev = id
	}
}

func TestGeneratedRecordsKeepTheDomainRules(t *testing.T) {
	d := generate(t, tinyParams).all

	checkIDs(t, "user", d.Users, func(r store.User) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "group", d.Groups, func(r store.Group) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "pin", d.Pins, func(r store.Pin) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "follow", d.Follows, func(r store.FollowEdge) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "comment", d.Comments, func(r store.Comment) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "like", d.Likes, func(r store.Reaction) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "bookmark", d.Bookmarks, func(r store.Reaction) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })
	checkIDs(t, "notification", d.Notifications, func(r store.Notification) (bson.ObjectID, time.Time) { return r.ID, r.CreatedAt })

	users := map[bson.ObjectID]store.User{}
	nicks, emails := map[string]bool{}, map[string]bool{}
	for _, u := range d.Users {
		users[u.ID] = u
		if n := utf8.RuneCountInString(u.Nickname); n < 1 || n > store.MaxNicknameLength || nicks[u.NicknameKey] || u.NicknameKey != store.NicknameSkeleton(u.Nickname) {
			t.Fatalf("nickname %q (key %q) is too long, empty or taken", u.Nickname, u.NicknameKey)
		}
		if emails[u.Email] || !strings.HasSuffix(u.Email, "@bench.test") {
			t.Fatalf("email %q taken or off the bench domain", u.Email)
		}
		nicks[u.NicknameKey], emails[u.Email] = true, true
	}
	groupOwner := map[bson.ObjectID]bson.ObjectID{}
	for _, g := range d.Groups {
		if _, ok := users[g.OwnerID]; !ok || g.CreatedAt.Before(users[g.OwnerID].CreatedAt) {
			t.Fatalf("group %s: unknown owner or made before its owner", g.ID.Hex())
		}
		groupOwner[g.ID] = g.OwnerID
	}
	pins := map[bson.ObjectID]store.Pin{}
	for _, p := range d.Pins {
		if groupOwner[p.GroupID] != p.AuthorID {
			t.Fatalf("pin %s is in a group of someone else", p.ID.Hex())
		}
		if n := utf8.RuneCountInString(p.Title); n < 1 || n > pinTitleRunes || strings.TrimSpace(p.Title) != p.Title {
			t.Fatalf("pin title %q", p.Title)
		}
		if len(p.Content) > 5000 || p.Image.IsZero() {
			t.Fatalf("pin %s: content of %d bytes or no image", p.ID.Hex(), len(p.Content))
		}
		pins[p.ID] = p
	}
	checkReactions := func(kind string, rs []store.Reaction) {
		seen := map[[2]bson.ObjectID]bool{}
		for _, r := range rs {
			p, ok := pins[r.PinID]
			key := [2]bson.ObjectID{r.PinID, r.UserID}
			if _, known := users[r.UserID]; !ok || !known || p.AuthorID == r.UserID || seen[key] || r.CreatedAt.Before(p.CreatedAt) {
				t.Fatalf("%s %s: unknown pin or user, own pin, repeated, or before the pin", kind, r.ID.Hex())
			}
			seen[key] = true
		}
	}
	checkReactions("like", d.Likes)
	checkReactions("bookmark", d.Bookmarks)
	for _, c := range d.Comments {
		if p, ok := pins[c.PinID]; !ok || c.CreatedAt.Before(p.CreatedAt) || strings.TrimSpace(c.Content) == "" {
			t.Fatalf("comment %s: unknown pin, before it, or empty", c.ID.Hex())
		}
	}
	follows := map[[2]bson.ObjectID]bool{}
	for _, f := range d.Follows {
		key := [2]bson.ObjectID{f.FollowerID, f.FolloweeID}
		if f.FollowerID == f.FolloweeID || follows[key] {
			t.Fatalf("follow %s: of oneself or repeated", f.ID.Hex())
		}
		follows[key] = true
	}
	for _, n := range d.Notifications {
		if n.RecipientID == n.ActorID {
			t.Fatalf("notification %s tells %s about themselves", n.ID.Hex(), n.RecipientID.Hex())
		}
		switch n.Kind {
		case store.NotifyFollow:
			if n.PinID != nil || !follows[[2]bson.ObjectID{n.ActorID, n.RecipientID}] {
				t.Fatalf("follow notification %s without its follow", n.ID.Hex())
			}
		case store.NotifyLike, store.NotifyComment:
			if n.PinID == nil || pins[*n.PinID].AuthorID != n.RecipientID {
				t.Fatalf("%s notification %s not to the pin's author", n.Kind, n.ID.Hex())
			}
		default:
			t.Fatalf("notification kind %q", n.Kind)
		}
	}
}

func TestGeneratedDistributions(t *testing.T) {
	p := Params{Pins: 10_000, Users: 1000, Seed: 3}
	d := generate(t, p)
	rec := d.g.tally.records
	perPin := func(k store.Kind) float64 { return float64(rec[k]) / float64(p.Pins) }
	checks := []struct {
		what     string
		got      float64
		min, max float64
	}{
		{"likes per pin", perPin(store.KindLikes), 1.6, 2.4},
		{"comments per pin", perPin(store.KindComments), 0.4, 0.6},
		{"bookmarks per pin", perPin(store.KindBookmarks), 0.24, 0.36},
		{"follows per user", float64(rec[store.KindFollows]) / float64(p.Users), 24, 36},
		{"groups per user", float64(rec[store.KindGroups]) / float64(p.Users), 4.5, 5.5},
	}
	for _, c := range checks {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s = %.2f, want %.2f–%.2f", c.what, c.got, c.min, c.max)
		}
	}

	// Zipf: a few users post most, most pins get no like, a few very many.
	pinsOf := slices.Clone(d.g.tally.pinsOf)
	slices.Sort(pinsOf)
	top, median := pinsOf[len(pinsOf)-1], pinsOf[len(pinsOf)/2]
	if float64(top) < 0.1*float64(p.Pins) || top < 20*max(median, 1) {
		t.Errorf("top author has %d pins, median %d: not skewed", top, median)
	}
	likes := map[bson.ObjectID]int{}
	for _, l := range d.all.Likes {
		likes[l.PinID]++
	}
	most := 0
	for _, n := range likes {
		most = max(most, n)
	}
	if unliked := p.Pins - len(likes); unliked < p.Pins/3 || most < 50 {
		t.Errorf("%d pins without likes, the most liked has %d: not skewed", unliked, most)
	}

	st := d.g.buildState()
	if st.Common[0].Pins < p.Pins/2 || st.Rare[0].Pins > pageSize {
		t.Errorf("commonest word in %d pins, rarest in %d", st.Common[0].Pins, st.Rare[0].Pins)
	}
	hangul := func(ws []WordRef) bool {
		return slices.ContainsFunc(ws, func(w WordRef) bool {
			r, _ := utf8.DecodeRuneInString(w.Word)
			return r >= 0xAC00
		})
	}
	if !hangul(st.Common) || !hangul(st.Rare) {
		t.Error("no Hangul word among the common or the rare words")
	}
}

// The state's word counts must be what a search finds: a rare word (no
// other word starts with it) is in exactly Pins pins.
func TestStateWordCountsMatchTheText(t *testing.T) {
	d := generate(t, tinyParams)
	st := d.g.buildState()
	words := make([][]string, len(d.all.Pins))
	for k, p := range d.all.Pins {
		words[k] = store.Words(p.Title + " " + p.Content)
	}
	pinsWith := func(word string, prefix bool) int {
		n := 0
		for _, ws := range words {
			if slices.ContainsFunc(ws, func(w string) bool {
				return w == word || (prefix && strings.HasPrefix(w, word))
			}) {
				n++
			}
		}
		return n
	}
	for _, w := range st.Common[:5] {
		if got := pinsWith(w.Word, false); got != w.Pins {
			t.Errorf("common word %q is in %d pins, the state says %d", w.Word, got, w.Pins)
		}
	}
	if len(st.Rare) < 100 {
		t.Fatalf("only %d rare words", len(st.Rare))
	}
	for _, w := range st.Rare[:50] {
		if got := pinsWith(w.Word, true); got != w.Pins || got < 1 || got > pageSize {
			t.Errorf("rare word %q starts words in %d pins, the state says %d", w.Word, got, w.Pins)
		}
	}
	if len(st.Pins) != tinyParams.Pins || len(st.Users) != tinyParams.Users {
		t.Errorf("state samples %d pins and %d users", len(st.Pins), len(st.Users))
	}
	for _, p := range st.Pins[:100] {
		id, _ := bson.ObjectIDFromHex(p.ID)
		k := slices.IndexFunc(d.all.Pins, func(q store.Pin) bool { return q.ID == id })
		if k < 0 || d.all.Pins[k].AuthorID.Hex() != st.Users[p.Author].ID {
			t.Fatalf("state pin %s: unknown or wrong author", p.ID)
		}
	}
}

func TestCountSkewHitsTheMean(t *testing.T) {
	for _, c := range []struct {
		mean float64
		imax int
	}{{2, 999}, {0.5, 500}, {0.3, 99}, {30, 999}} {
		s := countSkew(c.mean, c.imax)
		if got := zipfMean(s, c.imax); got < c.mean*0.999 || got > c.mean*1.001 {
			t.Errorf("countSkew(%v, %d) = %v, whose mean is %v", c.mean, c.imax, s, got)
		}
	}
	if s := countSkew(600, 999); s != 1.0001 {
		t.Errorf("an unreachable mean gave s = %v, want the flattest law", s)
	}
}
