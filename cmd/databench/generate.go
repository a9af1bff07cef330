package main

import (
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"mypinterest/store"
)

// generator writes the data set as batches of records in store.Kinds
// order, and tallies what the benchmark needs to pick its ids (who follows
// most, which pins have comments…). It runs in one goroutine.
type generator struct {
	p       Params
	lay     layout
	d       *draws
	text    *writer
	seedTag uint16
	images  []store.ImageRef
	files   []store.ImageFile
	hash    []byte // the one bcrypt hash every user shares

	// groupStart[u] is the index of user u's first group; the last entry
	// is the number of groups.
	groupStart []int32
	author     []int32 // of each pin, filled by the pins pass
	tally      tally
	boards     boardsTally // seed_saves.go
}

// tally counts, per user, group and pin, what the state file reports.
type tally struct {
	records       map[store.Kind]int64
	pinsOf        []int32 // per user
	followeesOf   []int32 // per user
	bookmarksOf   []int32 // per user
	notesOf       []int32 // per user: notifications received
	pinsInGroup   []int32 // per group
	commentsOnPin []int32 // per pin
}

// newGenerator prepares everything but the records: the vocabulary, the
// per-user group counts and the tallies. images and files are the shared
// pictures (media.Process output); hash is the users' password hash.
func newGenerator(p Params, images []store.ImageRef, files []store.ImageFile, hash []byte) *generator {
	g := &generator{
		p:       p,
		lay:     newLayout(p),
		d:       newDraws(p),
		seedTag: uint16(splitmix64(p.Seed)),
		images:  images,
		files:   files,
		hash:    hash,
		author:  make([]int32, p.Pins),
	}
	// Text has its own stream so that it never shifts the other draws.
	g.text = newWriter(newVocabulary(), newDraws(p).r)
	g.groupStart = make([]int32, p.Users+1)
	for u := range p.Users {
		g.groupStart[u+1] = g.groupStart[u] + int32(g.d.groupsOf(u))
	}
	g.tally = tally{
		records:       map[store.Kind]int64{},
		pinsOf:        make([]int32, p.Users),
		followeesOf:   make([]int32, p.Users),
		bookmarksOf:   make([]int32, p.Users),
		notesOf:       make([]int32, p.Users),
		pinsInGroup:   make([]int32, g.groupStart[p.Users]),
		commentsOnPin: make([]int32, p.Pins),
	}
	return g
}

// Ids are pure functions of an index.

func (g *generator) userID(u int) bson.ObjectID {
	return makeID(g.lay.userTime(u), tagUser, g.seedTag, uint64(u))
}

func (g *generator) groupID(u, j int) bson.ObjectID {
	n := int(g.groupStart[u+1] - g.groupStart[u])
	return makeID(g.lay.groupTime(u, j, n), tagGroup, g.seedTag, uint64(g.groupStart[u])+uint64(j))
}

func (g *generator) pinID(i int) bson.ObjectID {
	return makeID(g.lay.pinTime(i), tagPin, g.seedTag, uint64(i))
}

func nickname(u int) string { return fmt.Sprintf("user%d", u) }

func email(u int) string { return fmt.Sprintf("user%d@bench.test", u) }

// batcher collects records of one kind and hands full batches to emit.
// A batch's slices belong to emit once handed over.
type batcher struct {
	b    store.Batch
	size int
	emit func(store.Batch) error
	g    *generator
}

func (bt *batcher) start(kind store.Kind) { bt.b = store.Batch{Kind: kind} }

// added flushes when the batch is full.
func (bt *batcher) added() error {
	if bt.b.Len() < bt.size {
		return nil
	}
	return bt.flush()
}

func (bt *batcher) flush() error {
	n := bt.b.Len()
	if n == 0 {
		return nil
	}
	bt.g.tally.records[bt.b.Kind] += int64(n)
	err := bt.emit(bt.b)
	bt.start(bt.b.Kind)
	return err
}

// run generates every kind in order.
func (g *generator) run(size int, emit func(store.Batch) error) error {
	bt := &batcher{size: size, emit: emit, g: g}
	passes := []struct {
		kind store.Kind
		fn   func(*batcher) error
	}{
		{store.KindImages, g.genImages},
		{store.KindUsers, g.genUsers},
		{store.KindGroups, g.genGroups},
		{store.KindPins, g.genPins},
		{store.KindFollows, g.genFollows},
		{store.KindComments, g.genComments},
		{store.KindLikes, g.genLikes},
		{store.KindBookmarks, g.genBookmarks},
		{store.KindSaves, g.genSaves},
		{store.KindNotifications, g.genNotifications},
	}
	for _, ps := range passes {
		bt.start(ps.kind)
		if err := ps.fn(bt); err != nil {
			return err
		}
		if err := bt.flush(); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) genImages(bt *batcher) error {
	for _, f := range g.files {
		bt.b.Images = append(bt.b.Images, f)
		if err := bt.added(); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) genUsers(bt *batcher) error {
	for u := range g.p.Users {
		nick := nickname(u)
		user := store.User{
			ID:           g.userID(u),
			Email:        email(u),
			Nickname:     nick,
			NicknameKey:  store.NicknameSkeleton(nick),
			PasswordHash: g.hash,
			Message:      g.text.title(store.MaxMessageLength),
			CreatedAt:    g.lay.userTime(u),
		}
		if u%3 == 0 { // a third of the users have an avatar
			user.Avatar = g.images[u%len(g.images)]
		}
		bt.b.Users = append(bt.b.Users, user)
		if err := bt.added(); err != nil {
			return err
		}
	}
	return nil
}

func (g *generator) genGroups(bt *batcher) error {
	for u := range g.p.Users {
		n := int(g.groupStart[u+1] - g.groupStart[u])
		for j := range n {
			at := g.lay.groupTime(u, j, n)
			bt.b.Groups = append(bt.b.Groups, store.Group{
				ID:        g.groupID(u, j),
				OwnerID:   g.userID(u),
				Title:     g.text.title(pinTitleRunes),
				Content:   g.text.text(3, 12),
				Secret:    g.secretGroup(int(g.groupStart[u]) + j),
				Image:     g.images[(u+j)%len(g.images)],
				CreatedAt: at,
				UpdatedAt: at,
			})
			if err := bt.added(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generator) genPins(bt *batcher) error {
	for i := range g.p.Pins {
		r := g.d.at(pPin, i)
		u := g.d.user()
		n := int(g.groupStart[u+1] - g.groupStart[u])
		x := r.Float64()
		j := int(float64(n) * x * x) // the first groups get most pins
		g.author[i] = int32(u)
		g.tally.pinsOf[u]++
		g.tally.pinsInGroup[int(g.groupStart[u])+j]++

		g.text.startPin(i)
		title := g.text.title(pinTitleRunes)
		content := g.text.text(6, 40)
		g.text.endPin()
		at := g.lay.pinTime(i)
		bt.b.Pins = append(bt.b.Pins, store.Pin{
			ID:        g.pinID(i),
			AuthorID:  g.userID(u),
			GroupID:   g.groupID(u, j),
			Title:     title,
			Content:   content,
			Image:     g.images[i%len(g.images)],
			CreatedAt: at,
			UpdatedAt: at,
		})
		if err := bt.added(); err != nil {
			return err
		}
	}
	return nil
}

// totalFollows counts follows ahead of the follows pass, which spreads
// them evenly over the follow span.
func (g *generator) totalFollows() int {
	n := 0
	for u := range g.p.Users {
		n += len(g.d.followeesOf(u))
	}
	return n
}

func (g *generator) genFollows(bt *batcher) error {
	total, k := g.totalFollows(), 0
	for u := range g.p.Users {
		for _, v := range g.d.followeesOf(u) {
			bt.b.Follows = append(bt.b.Follows, store.FollowEdge{
				ID:         makeID(g.lay.followTime(k, total), tagFollow, g.seedTag, uint64(k)),
				FollowerID: g.userID(u),
				FolloweeID: g.userID(int(v)),
				CreatedAt:  g.lay.followTime(k, total),
			})
			g.tally.followeesOf[u]++
			k++
			if err := bt.added(); err != nil {
				return err
			}
		}
	}
	return nil
}

// Within a pin's events, likes come first, then comments, then bookmarks.

func (g *generator) genComments(bt *batcher) error {
	k := 0
	text := newWriter(g.text.vocab, g.d.r)
	for i := range g.p.Pins {
		re := g.d.reactionsOf(i)
		if re.comments == 0 {
			continue
		}
		// The text draws do not touch the commenters slice.
		who := g.d.commentersOf(i, re.comments)
		g.d.at(pCommentText, i)
		for c, u := range who {
			at := g.lay.eventTime(i, re.likes+c, re.events())
			bt.b.Comments = append(bt.b.Comments, store.Comment{
				ID:        makeID(at, tagComment, g.seedTag, uint64(k)),
				PinID:     g.pinID(i),
				AuthorID:  g.userID(int(u)),
				Content:   text.text(2, 14),
				CreatedAt: at,
			})
			k++
			if err := bt.added(); err != nil {
				return err
			}
		}
		g.tally.commentsOnPin[i] = int32(re.comments)
	}
	return nil
}

func (g *generator) genLikes(bt *batcher) error {
	k := 0
	for i := range g.p.Pins {
		re := g.d.reactionsOf(i)
		for e, u := range g.d.likersOf(i, int(g.author[i]), re.likes) {
			at := g.lay.eventTime(i, e, re.events())
			bt.b.Likes = append(bt.b.Likes, store.Reaction{
				ID: makeID(at, tagLike, g.seedTag, uint64(k)), PinID: g.pinID(i), UserID: g.userID(int(u)), CreatedAt: at,
			})
			k++
			if err := bt.added(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generator) genBookmarks(bt *batcher) error {
	k := 0
	for i := range g.p.Pins {
		re := g.d.reactionsOf(i)
		for e, u := range g.d.bookmarkersOf(i, int(g.author[i]), re.bookmarks) {
			at := g.lay.eventTime(i, re.likes+re.comments+e, re.events())
			bt.b.Bookmarks = append(bt.b.Bookmarks, store.Reaction{
				ID: makeID(at, tagBookmark, g.seedTag, uint64(k)), PinID: g.pinID(i), UserID: g.userID(int(u)), CreatedAt: at,
			})
			g.tally.bookmarksOf[u]++
			k++
			if err := bt.added(); err != nil {
				return err
			}
		}
	}
	return nil
}

// genNotifications writes, in time order, a notification for every follow,
// every comment on someone else's pin and one like in likeNotifyEvery.
func (g *generator) genNotifications(bt *batcher) error {
	k := 0
	add := func(to, actor int, kind string, pin *bson.ObjectID, at time.Time) error {
		bt.b.Notifications = append(bt.b.Notifications, store.Notification{
			ID:          makeID(at, tagNotification, g.seedTag, uint64(k)),
			RecipientID: g.userID(to),
			Kind:        kind,
			ActorID:     g.userID(actor),
			PinID:       pin,
			Read:        at.Before(g.lay.unreadFrom),
			CreatedAt:   at,
		})
		g.tally.notesOf[to]++
		k++
		return bt.added()
	}
	total, f := g.totalFollows(), 0
	for u := range g.p.Users {
		for _, v := range g.d.followeesOf(u) {
			if err := add(int(v), u, store.NotifyFollow, nil, g.lay.followTime(f, total)); err != nil {
				return err
			}
			f++
		}
	}
	for i := range g.p.Pins {
		re := g.d.reactionsOf(i)
		author := int(g.author[i])
		pin := g.pinID(i)
		for e, u := range g.d.likersOf(i, author, re.likes) {
			if e%likeNotifyEvery == 0 {
				if err := add(author, int(u), store.NotifyLike, &pin, g.lay.eventTime(i, e, re.events())); err != nil {
					return err
				}
			}
		}
		for c, u := range g.d.commentersOf(i, re.comments) {
			if int(u) != author {
				if err := add(author, int(u), store.NotifyComment, &pin, g.lay.eventTime(i, re.likes+c, re.events())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
