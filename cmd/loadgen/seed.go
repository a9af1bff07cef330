package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"mypinterest/internal/loadkit"
)

// seedUser is one signed-up account.
type seedUser struct {
	ID, Email, Nickname, Token string
}

// seeder creates the data set over the public API, the way real clients
// would, so the server's own validation and counters are exercised.
type seeder struct {
	api     *loadkit.Client
	plan    seedPlan
	workers int
	images  [][]byte
	out     io.Writer

	runID    string
	password string
	users    []seedUser
	groupIDs []string // user-major: user u's groups are [u*GroupsPerUser, …)
	pinIDs   []string
}

// runJobs runs job(0..n-1) on a few workers and stops at the first error,
// which is returned; seeding half a data set is pointless to continue.
func runJobs(ctx context.Context, workers, n int, job func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := job(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	// nil when every job succeeded, else the first job error or the
	// parent's cancellation cause.
	return context.Cause(ctx)
}

// randomToken returns n random bytes as lowercase hex.
func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// phase runs one seeding step and prints its count and duration.
func (s *seeder) phase(ctx context.Context, name string, n int, job func(ctx context.Context, i int) error) error {
	start := time.Now()
	if err := runJobs(ctx, s.workers, n, job); err != nil {
		return fmt.Errorf("seeding %s: %w", name, err)
	}
	fmt.Fprintf(s.out, "  %-10s %5d  in %6.2fs\n", name, n, time.Since(start).Seconds())
	return nil
}

// run seeds everything and returns the state to save.
func (s *seeder) run(ctx context.Context) (*State, error) {
	p := s.plan
	// Six hex digits keep "lg"+run+NN within the 10-character nickname limit
	// while making collisions with earlier runs unlikely.
	s.runID = randomToken(3)
	// A random password is not similar to any email or nickname and is not
	// on any common-password list.
	s.password = "Lg!" + randomToken(8) + "#Seed"
	s.users = make([]seedUser, p.Users)
	s.groupIDs = make([]string, p.Users*p.GroupsPerUser)
	s.pinIDs = make([]string, p.Pins)

	start := time.Now()
	fmt.Fprintf(s.out, "seeding run %s with %d workers: %d users, %d groups, %d pins, %d comments, %d likes, %d bookmarks, %d follows\n",
		s.runID, s.workers, p.Users, len(s.groupIDs), p.Pins, p.Comments, len(p.likes()), len(p.bookmarks()), len(p.follows()))

	steps := []struct {
		name string
		n    int
		job  func(context.Context, int) error
	}{
		{"users", p.Users, s.signUp},
		{"groups", len(s.groupIDs), s.createGroup},
		{"pins", p.Pins, s.createPin},
		{"comments", p.Comments, s.comment},
		{"likes", len(p.likes()), s.edgeJob(p.likes(), "like")},
		{"bookmarks", len(p.bookmarks()), s.edgeJob(p.bookmarks(), "bookmark")},
		{"follows", len(p.follows()), s.followJob(p.follows())},
	}
	for _, st := range steps {
		if err := s.phase(ctx, st.name, st.n, st.job); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(s.out, "seeded in %.1fs\n", time.Since(start).Seconds())

	owner := s.users[p.pinAuthor(0)]
	return &State{
		URL:      s.api.Base,
		RunID:    s.runID,
		SeededAt: time.Now().UTC(),
		PinID:    s.pinIDs[0],
		UserID:   owner.ID,
		Email:    owner.Email,
		Password: s.password,
		Token:    owner.Token,
		Counts: SeedCounts{
			Users: p.Users, Groups: len(s.groupIDs), Pins: p.Pins, Comments: p.Comments,
			Likes: len(p.likes()), Bookmarks: len(p.bookmarks()), Follows: len(p.follows()),
		},
	}, nil
}

func (s *seeder) signUp(ctx context.Context, i int) error {
	u := seedUser{
		Email:    fmt.Sprintf("lg-%s-%d@example.com", s.runID, i),
		Nickname: fmt.Sprintf("lg%s%02d", s.runID, i),
	}
	body := map[string]string{"email": u.Email, "nickname": u.Nickname, "password": s.password}
	var auth authAnswer
	if err := s.api.JSON(ctx, http.MethodPost, "/api/v1/auth/signup", "", body, &auth); err != nil {
		return err
	}
	if auth.User.ID == "" || auth.Token == "" {
		return fmt.Errorf("sign-up of %s: answer lacks user.id or token", u.Email)
	}
	u.ID, u.Token = auth.User.ID, auth.Token
	s.users[i] = u // each job owns its index, so no lock is needed
	return nil
}

func (s *seeder) createGroup(ctx context.Context, g int) error {
	owner := s.users[g/s.plan.GroupsPerUser]
	n := g%s.plan.GroupsPerUser + 1
	fields := [][2]string{
		{"title", fmt.Sprintf("%s board %d", owner.Nickname, n)},
		{"content", fmt.Sprintf("Board %d of %s, made by the load generator.", n, owner.Nickname)},
	}
	var got idAnswer
	img := s.images[g%len(s.images)]
	if err := s.api.Multipart(ctx, "/api/v1/groups", owner.Token, fields, fmt.Sprintf("group-%d.jpg", g), img, &got); err != nil {
		return err
	}
	s.groupIDs[g] = got.ID
	return nil
}

// pinWords vary pin text so that search (?q=) has something to match.
var pinWords = []string{"sunset", "mountain", "coffee", "city", "garden", "ocean", "winter", "design", "recipe", "travel"}

func (s *seeder) createPin(ctx context.Context, i int) error {
	author := s.users[s.plan.pinAuthor(i)]
	word := pinWords[i%len(pinWords)]
	fields := [][2]string{
		{"title", fmt.Sprintf("%s #%d", strings.ToUpper(word[:1])+word[1:], i)},
		{"content", fmt.Sprintf("A %s pin by %s. %s", word, author.Nickname, strings.Repeat("Lorem ipsum dolor sit amet. ", 1+i%4))},
		{"group_id", s.groupIDs[s.plan.pinGroup(i)]},
	}
	var got idAnswer
	img := s.images[i%len(s.images)]
	if err := s.api.Multipart(ctx, "/api/v1/pins", author.Token, fields, fmt.Sprintf("pin-%d.jpg", i), img, &got); err != nil {
		return err
	}
	s.pinIDs[i] = got.ID
	return nil
}

func (s *seeder) comment(ctx context.Context, c int) error {
	who := s.users[s.plan.commenter(s.plan.pinAuthor(0), c)]
	body := map[string]string{"content": fmt.Sprintf("Comment %d from %s: %s", c+1, who.Nickname, strings.Repeat("nice pin! ", 1+c%5))}
	return s.api.JSON(ctx, http.MethodPost, "/api/v1/pins/"+s.pinIDs[0]+"/comments", who.Token, body, nil)
}

// edgeJob returns a job that PUTs /pins/{pin}/{verb} as each pair's user.
func (s *seeder) edgeJob(edges []pair, verb string) func(context.Context, int) error {
	return func(ctx context.Context, i int) error {
		e := edges[i]
		return s.api.JSON(ctx, http.MethodPut, "/api/v1/pins/"+s.pinIDs[e.A]+"/"+verb, s.users[e.B].Token, nil, nil)
	}
}

// followJob returns a job that makes each pair's first user follow the second.
func (s *seeder) followJob(edges []pair) func(context.Context, int) error {
	return func(ctx context.Context, i int) error {
		e := edges[i]
		return s.api.JSON(ctx, http.MethodPut, "/api/v1/users/"+s.users[e.B].ID+"/follow", s.users[e.A].Token, nil, nil)
	}
}
