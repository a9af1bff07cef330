package migratetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mypinterest/store"
)

// Snapshot reads w back from s through the API, as each user sees it:
// profiles with their counts, groups, the grid and feed with pin counts,
// comments, bookmarks, followers, notifications with unread counts, the
// images' bytes, and a log-in. The result is text, so a difference shows
// as a readable diff; cursors are left out (each store signs its own).
func Snapshot(tb testing.TB, s store.Store, w World) string {
	tb.Helper()
	ctx := context.Background()
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	all := store.Page{Limit: store.MaxLimit}
	viewer := w.Users[1].ID
	for _, u := range w.Users {
		p, err := s.FindProfile(ctx, u.ID, viewer)
		must(err)
		line("profile %s %s %+v msg=%q pins=%d followers=%d following=%d followed=%v",
			p.ID.Hex(), p.Nickname, p.Avatar, p.Message, p.PinCount, p.FollowerCount, p.FollowingCount, p.IsFollowing)
		groups, err := s.FindGroupsByOwner(ctx, u.ID)
		must(err)
		for _, g := range groups {
			line("  group %s %q %q %+v secret=%v pins=%d previews=%d %s %s", g.ID.Hex(), g.Title, g.Content, g.Image, g.Secret,
				g.PinCount, len(g.Previews), stamp(g.CreatedAt), stamp(g.UpdatedAt))
			pins, _, err := s.FindGroupPins(ctx, g.ID, u.ID, all)
			must(err)
			pinLines(line, "    ", pins)
		}
		feed, _, err := s.FindFeed(ctx, u.ID, all)
		must(err)
		line("  feed")
		pinLines(line, "    ", feed)
		marks, _, err := s.FindBookmarkedPins(ctx, u.ID, all)
		must(err)
		line("  bookmarks")
		pinLines(line, "    ", marks)
		followers, _, err := s.FindFollowers(ctx, u.ID, all)
		must(err)
		following, _, err := s.FindFollowing(ctx, u.ID, all)
		must(err)
		line("  followers %s following %s", cardIDs(followers), cardIDs(following))
		np, err := s.FindNotifications(ctx, u.ID, all)
		notes, unread := np.Items, np.Unread
		must(err)
		line("  notifications unread=%d", unread)
		for _, n := range notes {
			pin := "-"
			if n.Pin != nil {
				pin = fmt.Sprintf("%s %q", n.Pin.ID.Hex(), n.Pin.Title)
			}
			line("    %s %s by %s read=%v pin=%s %s", n.ID.Hex(), n.Kind, n.Actor.Nickname, n.Read, pin, stamp(n.CreatedAt))
		}
		_, err = s.Authenticate(ctx, u.Email, Password)
		must(err)
	}
	grid, _, err := s.FindPins(ctx, store.PinQuery{}, viewer, all)
	must(err)
	line("grid")
	pinLines(line, "  ", grid)
	// Search reads what a store derives from a pin's text when it is
	// written (an index, search words), which an import must derive too.
	for _, q := range []string{"boat", "SEA", "ry", "gull by"} {
		found, _, err := s.FindPins(ctx, store.PinQuery{Query: q}, viewer, all)
		must(err)
		line("search %q", q)
		pinLines(line, "  ", found)
	}
	for _, id := range w.Pins {
		p, err := s.FindPin(ctx, id, viewer)
		must(err)
		comments, _, err := s.FindComments(ctx, id, all)
		must(err)
		line("pin %s comments=%d", p.ID.Hex(), len(comments))
		for _, c := range comments {
			line("  %s by %s %q %s", c.ID.Hex(), c.Author.Nickname, c.Content, stamp(c.CreatedAt))
		}
	}
	for _, img := range w.Images {
		f, err := s.OpenImage(ctx, img.Name)
		must(err)
		line("image %s %s %d bytes equal=%v", f.Name, f.ContentType, len(f.Data), string(f.Data) == string(img.Data))
	}
	return b.String()
}

// pinLines writes one line per pin with what a viewer sees of it.
func pinLines(line func(string, ...any), indent string, pins []store.PinView) {
	for _, p := range pins {
		line("%s%s %q %q %+v by %s in %s likes=%d bookmarks=%d comments=%d saves=%d liked=%v bookmarked=%v saved=%v %s %s",
			indent, p.ID.Hex(), p.Title, p.Content, p.Image, p.Author.Nickname, p.GroupID.Hex(),
			p.Counts.Likes, p.Counts.Bookmarks, p.Counts.Comments, p.Counts.Saves, p.LikedByMe, p.BookmarkedByMe,
			p.SavedGroupIDs, stamp(p.CreatedAt), stamp(p.UpdatedAt))
	}
}

func cardIDs(cards []store.Card) string {
	ids := make([]string, len(cards))
	for i, c := range cards {
		ids[i] = c.Nickname + ":" + c.ID.Hex()
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// stamp renders t at the millisecond every store keeps, in UTC.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// WantCounts fails unless t holds w's number of records of every kind.
func WantCounts(tb testing.TB, t store.Transfer, w World) {
	tb.Helper()
	for _, kind := range store.Kinds {
		n, err := t.Count(context.Background(), kind)
		if err != nil {
			tb.Fatal(err)
		}
		if n != w.Records[kind] {
			tb.Errorf("%s: %d records, want %d", kind, n, w.Records[kind])
		}
	}
}

// Diff names the first line where two snapshots differ, then shows both.
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	line := func(lines []string) string {
		if i < len(lines) {
			return lines[i]
		}
		return "(end)"
	}
	return fmt.Sprintf("first difference at line %d:\n- %s\n+ %s\nwant:\n%s\ngot:\n%s", i+1, line(w), line(g), want, got)
}
