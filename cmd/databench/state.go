package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"mypinterest/store"
)

// stateFile is written into the data directory next to the database: the
// ids and words the benchmark reads, so that it needs nothing but HTTP.
const stateFile = "databench.json"

// benchPassword is every seeded user's password (stored as one bcrypt hash
// of the lowest cost, so logging in a thousand users takes a second).
const benchPassword = "benchpass123"

// Sizes of the lists the state keeps.
const (
	samplePins  = 10_000 // distinct pins the id scenarios cycle through
	topUsers    = 200    // heaviest users for the feed, bookmarks and notifications
	commonWords = 20
	rareWords   = 1_000
	pageSize    = store.DefaultLimit
)

// State describes a seeded data set.
type State struct {
	Params      Params               `json:"params"`
	Password    string               `json:"password"`
	SeededAt    time.Time            `json:"seeded_at"`
	SeedSeconds float64              `json:"seed_seconds"`
	Records     map[store.Kind]int64 `json:"records"`
	// Users are all the users, by index (user<i>@bench.test).
	Users []UserRef `json:"users"`
	// Pins are samplePins pins spread evenly over the whole time line.
	Pins []PinRef `json:"pins"`
	// Commented are the pins with the most comments, most first.
	Commented []string `json:"commented"`
	// BigGroups are the groups with more than one page of pins.
	BigGroups []GroupRef `json:"big_groups"`
	// Following, Bookmarkers and Notified are the users (indices) who
	// follow most, bookmarked most and were notified most, most first.
	Following   []int `json:"following"`
	Bookmarkers []int `json:"bookmarkers"`
	Notified    []int `json:"notified"`
	// Common are the words in most pins; Rare are words in at most one
	// page of pins and not the start of any other word.
	Common []WordRef `json:"common"`
	Rare   []WordRef `json:"rare"`
	// SavedGroups are the groups with most saves (seed_saves.go).
	SavedGroups []SavedGroup `json:"saved_groups"`
}

// UserRef is one seeded user.
type UserRef struct {
	ID     string   `json:"id"`
	Email  string   `json:"email"`
	Groups []string `json:"groups"`
	Pins   int      `json:"pins"`
}

// PinRef is one pin and the index of its author (who cannot like it).
type PinRef struct {
	ID     string `json:"id"`
	Author int    `json:"author"`
}

// GroupRef is one group, its owner's index and its number of pins.
type GroupRef struct {
	ID    string `json:"id"`
	Owner int    `json:"owner"`
	Pins  int    `json:"pins"`
}

// WordRef is a vocabulary word and the number of pins containing it.
type WordRef struct {
	Word string `json:"word"`
	Pins int    `json:"pins"`
}

// buildState picks what the benchmark needs out of a finished generator.
func (g *generator) buildState() *State {
	t := &g.tally
	st := &State{Params: g.p, Password: benchPassword, Records: t.records}
	for u := range g.p.Users {
		ref := UserRef{ID: g.userID(u).Hex(), Email: email(u), Pins: int(t.pinsOf[u])}
		for j := range int(g.groupStart[u+1] - g.groupStart[u]) {
			ref.Groups = append(ref.Groups, g.groupID(u, j).Hex())
		}
		st.Users = append(st.Users, ref)
	}
	n := min(samplePins, g.p.Pins)
	for k := range n {
		i := int(int64(k) * int64(g.p.Pins) / int64(n))
		st.Pins = append(st.Pins, PinRef{ID: g.pinID(i).Hex(), Author: int(g.author[i])})
	}
	for _, i := range topIndices(t.commentsOnPin, samplePins) {
		st.Commented = append(st.Commented, g.pinID(i).Hex())
	}
	for _, k := range topIndices(t.pinsInGroup, len(t.pinsInGroup)) {
		if t.pinsInGroup[k] <= pageSize {
			break
		}
		u := ownerOf(g.groupStart, k)
		st.BigGroups = append(st.BigGroups, GroupRef{
			ID: g.groupID(u, k-int(g.groupStart[u])).Hex(), Owner: u, Pins: int(t.pinsInGroup[k]),
		})
	}
	st.Following = topIndices(t.followeesOf, topUsers)
	st.Bookmarkers = topIndices(t.bookmarksOf, topUsers)
	st.Notified = topIndices(t.notesOf, topUsers)
	st.SavedGroups = g.savedGroups()

	w := g.text
	for _, rank := range topIndices(w.pinsWith, commonWords) {
		st.Common = append(st.Common, WordRef{Word: w.vocab[rank], Pins: int(w.pinsWith[rank])})
	}
	free := w.vocab.prefixFree()
	for rank := len(w.vocab) - 1; rank >= 0 && len(st.Rare) < rareWords; rank-- {
		if c := w.pinsWith[rank]; free[rank] && c > 0 && c <= pageSize {
			st.Rare = append(st.Rare, WordRef{Word: w.vocab[rank], Pins: int(c)})
		}
	}
	return st
}

// topIndices returns the indices of the n largest non-zero counts, largest
// first (ties by index, for determinism).
func topIndices(counts []int32, n int) []int {
	idx := make([]int, 0, len(counts))
	for i, c := range counts {
		if c > 0 {
			idx = append(idx, i)
		}
	}
	slices.SortFunc(idx, func(a, b int) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	return idx[:min(n, len(idx))]
}

// ownerOf finds the user whose groups include group k.
func ownerOf(groupStart []int32, k int) int {
	u, _ := slices.BinarySearch(groupStart, int32(k)+1)
	return u - 1
}

// saveState writes the state through a temporary file and a rename.
func saveState(dir string, st *State) error {
	data, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, stateFile))
}

// loadState reads the state a seed left in dir.
func loadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, fmt.Errorf("no seeded data set in %s (run databench seed first): %w", dir, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", stateFile, err)
	}
	if len(st.Users) == 0 || len(st.Pins) == 0 {
		return nil, fmt.Errorf("%s: no users or pins", stateFile)
	}
	return &st, nil
}
