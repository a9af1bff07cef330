package main

import (
	"math/rand/v2"
	"time"
)

// The synthetic data set is a pure function of Params: every record is
// drawn from a random stream seeded by (seed, purpose, index), so any
// record can be made again on its own (the notifications pass redraws the
// likers of a pin instead of keeping 2 million of them in memory), and two
// runs with the same flags write the same database.

// Params size the data set.
type Params struct {
	Pins  int    `json:"pins"`
	Users int    `json:"users"`
	Seed  uint64 `json:"seed"`
}

// Averages per record; the Zipf laws around them are in zipf.go.
const (
	likesPerPin      = 2.0
	commentsPerPin   = 0.5
	bookmarksPerPin  = 0.3
	followsPerUser   = 30.0
	maxGroupsPerUser = 9 // 1–9, 5 on average
	maxCommentsOnPin = 500
	// userSkew is the Zipf exponent of activity over users: who posts,
	// who likes, who is followed.
	userSkew = 1.1
	// likeNotifyEvery: one like in this many leaves a notification (all
	// follows and comments do); the rest were read and cleared long ago.
	likeNotifyEvery = 4
	// pinTitleRunes is the longest title the domain accepts.
	pinTitleRunes = 50
)

// The time line: users sign up over the first 10 days, follow each other
// over the next 10, and pins (with their likes, comments and bookmarks
// shortly after each) fill the rest of two years. Notifications of the
// last 30 days are unread.
var (
	epoch        = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	signupSpan   = 10 * 24 * time.Hour
	followSpan   = 10 * 24 * time.Hour
	totalSpan    = 730 * 24 * time.Hour
	unreadWithin = 30 * 24 * time.Hour
)

// purpose names one random stream per kind of decision, so that drawing
// more of one thing never shifts another.
type purpose uint64

const (
	pUser purpose = iota + 1
	pGroups
	pFollows
	pPin
	pCounts
	pLikers
	pCommenters
	pCommentText
	pBookmarkers
)

// splitmix64 scrambles an index into a well-spread seed.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// draws is a random stream that can be re-seeded for each record, with
// the Zipf laws bound to it. It is not safe for concurrent use.
type draws struct {
	seed      uint64
	src       *rand.PCG
	r         *rand.Rand
	users     *rand.Zipf // activity rank over users
	likes     *rand.Zipf // likes of a pin
	comments  *rand.Zipf // comments on a pin
	bookmarks *rand.Zipf // bookmarks of a pin
	follows   *rand.Zipf // followees of a user
	// taken[u] == mark when user u is already picked for the current
	// record: distinct picks without a map.
	taken []uint32
	mark  uint32
	picks []int32
}

func newDraws(p Params) *draws {
	d := &draws{seed: p.Seed, src: rand.NewPCG(0, 0), taken: make([]uint32, p.Users)}
	d.r = rand.New(d.src)
	others := p.Users - 1 // nobody likes, bookmarks or follows themselves
	d.users = rand.NewZipf(d.r, userSkew, 1, uint64(p.Users-1))
	d.likes = newCounter(d.r, likesPerPin, others)
	d.comments = newCounter(d.r, commentsPerPin, maxCommentsOnPin)
	d.bookmarks = newCounter(d.r, bookmarksPerPin, others)
	d.follows = newCounter(d.r, followsPerUser, others)
	return d
}

// at re-seeds the stream for record i of purpose p.
func (d *draws) at(p purpose, i int) *rand.Rand {
	d.src.Seed(splitmix64(d.seed^uint64(p)<<56), splitmix64(uint64(i)))
	return d.r
}

// user draws a user index by activity.
func (d *draws) user() int { return int(d.users.Uint64()) }

// distinctUsers draws k different users, none of them exclude (-1 for
// nobody), by activity. A k close to the number of users would make
// rejection slow, so past a quarter of them the picks are uniform.
func (d *draws) distinctUsers(k, exclude int) []int32 {
	n := len(d.taken)
	k = min(k, n-1)
	d.picks = d.picks[:0]
	d.mark++
	if exclude >= 0 {
		d.taken[exclude] = d.mark
	}
	if k > n/4 {
		for _, u := range d.r.Perm(n) {
			if len(d.picks) == k {
				break
			}
			if d.taken[u] != d.mark {
				d.picks = append(d.picks, int32(u))
			}
		}
		return d.picks
	}
	for len(d.picks) < k {
		u := d.user()
		if d.taken[u] != d.mark {
			d.taken[u] = d.mark
			d.picks = append(d.picks, int32(u))
		}
	}
	return d.picks
}

// layout places users, groups, follows and pins on the time line.
type layout struct {
	p          Params
	userGap    time.Duration
	pinStart   time.Time
	pinGap     time.Duration
	followFrom time.Time
	unreadFrom time.Time
}

func newLayout(p Params) layout {
	pinStart := epoch.Add(signupSpan + followSpan)
	return layout{
		p:          p,
		userGap:    signupSpan / time.Duration(p.Users),
		pinStart:   pinStart,
		pinGap:     (totalSpan - signupSpan - followSpan) / time.Duration(p.Pins),
		followFrom: epoch.Add(signupSpan),
		unreadFrom: epoch.Add(totalSpan - unreadWithin),
	}
}

func (l layout) userTime(u int) time.Time { return epoch.Add(time.Duration(u) * l.userGap) }

// groupTime puts the groups of user u between u's sign-up and the next.
func (l layout) groupTime(u, j, groups int) time.Time {
	return l.userTime(u).Add(time.Duration(j+1) * l.userGap / time.Duration(groups+1))
}

// followTime spreads the k-th of total follows over the follow span.
func (l layout) followTime(k, total int) time.Time {
	return l.followFrom.Add(time.Duration(int64(k) * int64(followSpan) / int64(max(total, 1))))
}

func (l layout) pinTime(i int) time.Time { return l.pinStart.Add(time.Duration(i) * l.pinGap) }

// eventTime is when the e-th of events reactions to pin i happens: all of
// them before the next pin, so reactions made pin after pin are in time
// order and their ids sort as they are made.
func (l layout) eventTime(i, e, events int) time.Time {
	return l.pinTime(i).Add(time.Duration(e+1) * l.pinGap / time.Duration(events+1))
}

// reactions are the counts of pin i, drawn together so that each pass
// knows how many events the pin has in all.
type reactions struct{ likes, comments, bookmarks int }

func (r reactions) events() int { return r.likes + r.comments + r.bookmarks }

func (d *draws) reactionsOf(i int) reactions {
	d.at(pCounts, i)
	return reactions{
		likes:     int(d.likes.Uint64()),
		comments:  int(d.comments.Uint64()),
		bookmarks: int(d.bookmarks.Uint64()),
	}
}

// likersOf, commentersOf and bookmarkersOf redraw the users behind pin
// i's reactions; the slices are reused by the next call.
func (d *draws) likersOf(i, author int, n int) []int32 {
	d.at(pLikers, i)
	return d.distinctUsers(n, author)
}

func (d *draws) bookmarkersOf(i, author int, n int) []int32 {
	d.at(pBookmarkers, i)
	return d.distinctUsers(n, author)
}

// commentersOf may repeat a user (people reply) and include the author.
func (d *draws) commentersOf(i, n int) []int32 {
	d.at(pCommenters, i)
	d.picks = d.picks[:0]
	for range n {
		d.picks = append(d.picks, int32(d.user()))
	}
	return d.picks
}

// followeesOf draws whom user u follows.
func (d *draws) followeesOf(u int) []int32 {
	d.at(pFollows, u)
	return d.distinctUsers(int(d.follows.Uint64()), u)
}

// groupsOf is how many groups user u has (1–9).
func (d *draws) groupsOf(u int) int {
	return 1 + d.at(pGroups, u).IntN(maxGroupsPerUser)
}
