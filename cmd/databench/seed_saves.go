package main

import "mypinterest/store"

// Boards (issue 12): a fifth of the groups are secret, and pins are saved
// into other users' groups.
const (
	savesPerPin = 0.3
	// secretEvery: one group in this many is secret (groups are public by
	// default, docs/API.md §Groups).
	secretEvery = 5
	// savedGroupsKept is how many of the groups with most saves the state
	// keeps for the group-pins-saves scenario.
	savedGroupsKept = 2_000
)

// Streams and id tags of their own, past those of dataset.go and ids.go,
// so that the saves shift no other draw and share no id.
const (
	pSaves     purpose = 100
	pSaveGroup purpose = 101
	pSecret    purpose = 102
	tagSave    idTag   = 100
)

// boardsTally counts the saves per group.
type boardsTally struct {
	savesInGroup []int32 // per group
}

// secretGroup tells whether group k (a global group index) is secret.
func (g *generator) secretGroup(k int) bool {
	return g.d.at(pSecret, k).IntN(secretEvery) == 0
}

// saveDraws is a stream of its own for the saves: its Zipf counter binds
// to it, and the main stream's draws stay as they were before saves.
type saveDraws struct {
	*draws
	count interface{ Uint64() uint64 }
}

func newSaveDraws(p Params) *saveDraws {
	d := newDraws(p)
	return &saveDraws{draws: d, count: newCounter(d.r, savesPerPin, p.Users-1)}
}

// savesOf draws the users who save pin i (never its author) and, for each,
// the index of the group among theirs: the first groups get most, as with
// posting. The slices are reused by the next call.
func (sd *saveDraws) savesOf(g *generator, i int) (users []int32, groups []int) {
	sd.at(pSaves, i)
	n := int(sd.count.Uint64())
	if n == 0 {
		return nil, nil
	}
	users = sd.distinctUsers(n, int(g.author[i]))
	r := sd.at(pSaveGroup, i)
	for _, u := range users {
		x := r.Float64()
		groups = append(groups, int(float64(g.groupStart[u+1]-g.groupStart[u])*x*x))
	}
	return users, groups
}

// genSaves writes each pin's saves right after its other reactions, so
// the saves of pin after pin come in time order.
func (g *generator) genSaves(bt *batcher) error {
	sd := newSaveDraws(g.p)
	g.boards.savesInGroup = make([]int32, g.groupStart[g.p.Users])
	k := 0
	for i := range g.p.Pins {
		users, groups := sd.savesOf(g, i)
		events := g.d.reactionsOf(i).events()
		for s, u := range users {
			at := g.lay.eventTime(i, events+s, events+len(users))
			bt.b.Saves = append(bt.b.Saves, store.Save{
				ID:        makeID(at, tagSave, g.seedTag, uint64(k)),
				PinID:     g.pinID(i),
				GroupID:   g.groupID(int(u), groups[s]),
				UserID:    g.userID(int(u)),
				CreatedAt: at,
			})
			g.boards.savesInGroup[int(g.groupStart[u])+groups[s]]++
			k++
			if err := bt.added(); err != nil {
				return err
			}
		}
	}
	return nil
}

// SavedGroup is a group with saves: its owner, whether it is secret, and
// its pins posted and saved.
type SavedGroup struct {
	ID     string `json:"id"`
	Owner  int    `json:"owner"`
	Secret bool   `json:"secret"`
	Pins   int    `json:"pins"`
	Saves  int    `json:"saves"`
}

// savedGroups are the groups with most saves, most first.
func (g *generator) savedGroups() []SavedGroup {
	var out []SavedGroup
	for _, k := range topIndices(g.boards.savesInGroup, savedGroupsKept) {
		u := ownerOf(g.groupStart, k)
		out = append(out, SavedGroup{
			ID:     g.groupID(u, k-int(g.groupStart[u])).Hex(),
			Owner:  u,
			Secret: g.secretGroup(k),
			Pins:   int(g.tally.pinsInGroup[k] + g.boards.savesInGroup[k]),
			Saves:  int(g.boards.savesInGroup[k]),
		})
	}
	return out
}
