package mongostore_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"

	"mypinterest/store"
	"mypinterest/store/mongostore"
	"mypinterest/store/storetest"
)

// TestIndexCoverage runs the conformance suite with every cache off (so
// every read reaches the database, and the suite proves the caches
// optional) while recording each filter and sort the store sends, then
// fails on any shape that no index declared in indexes.go serves, as
// MongoDB's notablescan would. FerretDB has no explain plans and no
// notablescan; this is the proof instead.
func TestIndexCoverage(t *testing.T) {
	rec := newShapeRecorder()
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store {
		return storetest.Mongo(t, mongostore.Options{Options: opts, Monitor: rec.monitor(), NoCache: true})
	})
	checkShapes(t, rec)
}

// unindexedOnPurpose are the shapes allowed without an index (keyed by
// command and shape), each with its reason: they read a whole collection
// because the whole collection is the answer.
var unindexedOnPurpose = map[string]string{
	"find revocations {} sort[] all": "RevokedTokens returns every revocation in force, once at start-up",
}

// A copy between stores (store.Transfer) reads every record: Export walks
// a whole collection in _id order and Count counts it, once per kind.
func init() {
	for _, coll := range []string{"users {deleting:ne}", "groups {}", "pins {}", "follows {}", "comments {}",
		"likes {}", "bookmarks {}", "saves {}", "notifications {}", "images.files {}"} {
		unindexedOnPurpose["aggregate "+coll+" sort[] all"] = "Transfer.Count of a whole collection"
		unindexedOnPurpose["find "+coll+" sort[_id] all"] = "Transfer.Export of a whole collection, in _id order"
	}
}

// checkShapes fails the test for every recorded shape no declared index
// serves, and logs which index serves each of the others.
func checkShapes(t *testing.T, rec *shapeRecorder) {
	t.Helper()
	indexes := append(mongostore.DeclaredIndexes(), mongostore.DeclaredIndex{Keys: []string{"_id"}, Unique: true})
	shapes, errs := rec.sorted()
	for _, err := range errs {
		t.Errorf("unreadable command: %s", err)
	}
	if len(shapes) == 0 {
		t.Fatal("no command recorded: is the monitor wired?")
	}
	for _, sh := range shapes {
		key := sh.String()
		if reason, ok := unindexedOnPurpose[sh.command+" "+key]; ok {
			t.Logf("%-14s %-90s unindexed on purpose: %s", sh.command, key, reason)
			continue
		}
		var by []string
		for _, ix := range indexes {
			if (ix.Coll == sh.coll || ix.Coll == "") && sh.servedBy(ix) {
				by = append(by, strings.Join(ix.Keys, ","))
			}
		}
		if len(by) == 0 {
			t.Errorf("no declared index serves %s (sent by %s)", key, sh.command)
			continue
		}
		t.Logf("%-14s %-90s (%s)", sh.command, key, strings.Join(by, " | "))
	}
}

// predicate is one condition of a filter: a field and the kind of bound
// it puts on it.
type predicate struct{ field, kind string }

// Kinds of predicate, by what an index can do with them.
const (
	kindEq     = "eq"     // a point: a value, $eq, or $in (a set of points)
	kindRange  = "range"  // $lt/$lte/$gt/$gte, or an anchored regex
	kindNe     = "ne"     // $ne: the whole index but one point
	kindScanOp = "scanop" // anything no index bounds ($nin, unanchored regex, ...)
)

// residual reports whether p may be checked on fetched documents rather
// than bounded by the index: only the deleting mark, true of the few
// documents a cascade is removing at that instant.
func (p predicate) residual() bool { return p.field == "deleting" && p.kind == kindNe }

// shape is one conjunctive branch of a command's filter (an $or is one
// shape per branch) with the sort it runs under.
type shape struct {
	coll    string
	preds   []predicate // sorted, deduplicated
	sort    []string
	limited bool   // at most some documents: a page, one document
	command string // the command that sent it (for messages)
}

func (sh shape) String() string {
	parts := make([]string, len(sh.preds))
	for i, p := range sh.preds {
		parts[i] = p.field + ":" + p.kind
	}
	lim := "all"
	if sh.limited {
		lim = "limit"
	}
	return fmt.Sprintf("%s {%s} sort[%s] %s", sh.coll, strings.Join(parts, " "), strings.Join(sh.sort, ","), lim)
}

// servedBy reports whether MongoDB's planner can answer sh from ix
// without a collection scan or a scan of a whole index: ix's leading
// keys are exactly sh's equality fields, the next key bounds or orders
// the scan, and every other bounded field and the sort are in ix. A
// unique index whose keys are all equalities finds at most one document
// per point; whatever else the filter says is checked on those.
func (sh shape) servedBy(ix mongostore.DeclaredIndex) bool {
	eq, rng := map[string]bool{}, map[string]bool{}
	for _, p := range sh.preds {
		switch {
		case p.residual():
		case p.kind == kindEq:
			eq[p.field] = true
		case p.kind == kindRange:
			rng[p.field] = true
		default:
			return false // a predicate no index bounds
		}
	}
	k := 0
	for k < len(ix.Keys) && eq[ix.Keys[k]] {
		k++
	}
	if ix.Unique && k == len(ix.Keys) {
		return true
	}
	if k != len(eq) {
		return false // an equality field outside the index's prefix
	}
	rest := ix.Keys[k:]
	for f := range rng {
		if !slices.Contains(rest, f) {
			return false
		}
	}
	for _, f := range sh.sort {
		if !slices.Contains(ix.Keys, f) {
			return false // sorted in memory over everything matched
		}
	}
	if len(rng) == 0 && len(sh.sort) == 0 {
		return k > 0
	}
	if len(rest) == 0 {
		return false
	}
	next := rest[0]
	if rng[next] {
		return true
	}
	// Only ordered by the next key: a walk from one end of the range,
	// bounded by the limit only.
	return slices.Contains(sh.sort, next) && (sh.limited || k > 0)
}

// shapeRecorder collects the shapes of every command a client sends.
type shapeRecorder struct {
	mu     sync.Mutex
	shapes map[string]shape
	errs   []string
}

func newShapeRecorder() *shapeRecorder {
	return &shapeRecorder{shapes: map[string]shape{}}
}

func (r *shapeRecorder) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		shapes, err := commandShapes(e.CommandName, e.Command)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err != nil {
			r.errs = append(r.errs, err.Error())
		}
		for _, sh := range shapes {
			sh.command = e.CommandName
			r.shapes[sh.command+" "+sh.String()] = sh
		}
	}}
}

func (r *shapeRecorder) sorted() ([]shape, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]shape, 0, len(r.shapes))
	for _, sh := range r.shapes {
		out = append(out, sh)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].String()+out[i].command < out[j].String()+out[j].command
	})
	return out, r.errs
}

// commandShapes reads the filters and sorts of one command; commands that
// select nothing (insert, createIndexes, ping...) have none.
func commandShapes(name string, raw bson.Raw) ([]shape, error) {
	var cmd bson.D
	if err := bson.Unmarshal(raw, &cmd); err != nil {
		return nil, err
	}
	get := func(key string) any {
		for _, e := range cmd {
			if e.Key == key {
				return e.Value
			}
		}
		return nil
	}
	coll, _ := get(name).(string)
	var out []shape
	add := func(filter any, sortSpec any, limited bool) {
		f, _ := filter.(bson.D)
		for _, preds := range branches(f) {
			out = append(out, shape{coll: coll, preds: normalize(preds), sort: sortKeys(sortSpec), limited: limited})
		}
	}
	switch name {
	case "find":
		add(get("filter"), get("sort"), positive(get("limit")))
	case "findAndModify":
		add(get("query"), get("sort"), true)
	case "count", "distinct":
		add(get("query"), nil, false)
	case "aggregate":
		pipe, _ := get("pipeline").(bson.A)
		var match any
		if len(pipe) > 0 {
			if st, ok := pipe[0].(bson.D); ok && len(st) == 1 && st[0].Key == "$match" {
				match = st[0].Value
			}
		}
		add(match, nil, false)
	case "update":
		ups, _ := get("updates").(bson.A)
		for _, u := range ups {
			d, _ := u.(bson.D)
			q, multi := bson.D(nil), false
			for _, e := range d {
				switch e.Key {
				case "q":
					q, _ = e.Value.(bson.D)
				case "multi":
					multi, _ = e.Value.(bool)
				}
			}
			add(q, nil, !multi)
		}
	case "delete":
		dels, _ := get("deletes").(bson.A)
		for _, x := range dels {
			d, _ := x.(bson.D)
			var q bson.D
			limited := false
			for _, e := range d {
				switch e.Key {
				case "q":
					q, _ = e.Value.(bson.D)
				case "limit":
					limited = positive(e.Value)
				}
			}
			add(q, nil, limited)
		}
	}
	return out, nil
}

// branches turns a filter into its conjunctive branches: $and is
// flattened and each $or multiplies the branches.
func branches(filter bson.D) [][]predicate {
	var base []predicate
	var ors [][][]predicate
	for _, e := range filter {
		switch e.Key {
		case "$and", "$or":
			subs, _ := e.Value.(bson.A)
			var alts [][]predicate
			for _, sub := range subs {
				d, _ := sub.(bson.D)
				alts = append(alts, branches(d)...)
			}
			if e.Key == "$or" {
				ors = append(ors, alts)
				continue
			}
			// $and: every alternative of every member must hold.
			for _, a := range alts {
				base = append(base, a...)
			}
		default:
			base = append(base, fieldPredicates(e.Key, e.Value)...)
		}
	}
	out := [][]predicate{base}
	for _, alts := range ors {
		var next [][]predicate
		for _, o := range out {
			for _, a := range alts {
				next = append(next, append(slices.Clone(o), a...))
			}
		}
		out = next
	}
	return out
}

// fieldPredicates classifies the condition on one field.
func fieldPredicates(field string, v any) []predicate {
	switch v := v.(type) {
	case bson.Regex:
		return []predicate{{field, regexKind(v.Pattern)}}
	case bson.D:
		if len(v) > 0 && strings.HasPrefix(v[0].Key, "$") {
			var out []predicate
			for _, op := range v {
				if op.Key == "$options" {
					continue
				}
				out = append(out, predicate{field, operatorKind(op.Key, op.Value)})
			}
			return out
		}
	}
	return []predicate{{field, kindEq}}
}

func operatorKind(op string, v any) string {
	switch op {
	case "$eq", "$in":
		return kindEq
	case "$lt", "$lte", "$gt", "$gte":
		return kindRange
	case "$ne":
		return kindNe
	case "$regex":
		switch p := v.(type) {
		case string:
			return regexKind(p)
		case bson.Regex:
			return regexKind(p.Pattern)
		}
	}
	return kindScanOp
}

// regexKind: only an anchored pattern is a range of an index.
func regexKind(pattern string) string {
	if strings.HasPrefix(pattern, "^") {
		return kindRange
	}
	return kindScanOp
}

// normalize sorts and deduplicates predicates, keeping the weakest kind
// of a field that has several (two ranges of one field are one range).
func normalize(preds []predicate) []predicate {
	out := slices.Clone(preds)
	sort.Slice(out, func(i, j int) bool {
		if out[i].field != out[j].field {
			return out[i].field < out[j].field
		}
		return out[i].kind < out[j].kind
	})
	return slices.Compact(out)
}

func sortKeys(spec any) []string {
	d, _ := spec.(bson.D)
	keys := make([]string, len(d))
	for i, e := range d {
		keys[i] = e.Key
	}
	return keys
}

func positive(v any) bool {
	switch n := v.(type) {
	case int32:
		return n > 0
	case int64:
		return n > 0
	case float64:
		return n > 0
	}
	return false
}

// The coverage rule itself: shapes that MongoDB serves from an index pass,
// shapes that would scan (a collection, or a whole index) fail.
func TestCoverageRule(t *testing.T) {
	ix := func(unique bool, keys ...string) mongostore.DeclaredIndex {
		return mongostore.DeclaredIndex{Keys: keys, Unique: unique}
	}
	byAuthor, byID, byTerms := ix(false, "author_id", "_id"), ix(true, "_id"), ix(false, "terms", "_id")
	lt := bson.D{{Key: "$lt", Value: 1}}
	cases := []struct {
		name    string
		filter  bson.D
		sort    []string
		limited bool
		index   mongostore.DeclaredIndex
		want    bool
	}{
		{"equality then sort", bson.D{{Key: "author_id", Value: 1}}, []string{"_id"}, true, byAuthor, true},
		{"equality, range, sort", bson.D{{Key: "author_id", Value: 1}, {Key: "_id", Value: lt}}, []string{"_id"}, true, byAuthor, true},
		{"equality without sort", bson.D{{Key: "author_id", Value: 1}}, nil, false, byAuthor, true},
		{"sort not in the index", bson.D{{Key: "author_id", Value: 1}}, []string{"created_at"}, true, byAuthor, false},
		{"sort key after a gap", bson.D{{Key: "group_id", Value: 1}}, []string{"_id"}, true, byAuthor, false},
		{"equality outside the prefix", bson.D{{Key: "_id", Value: lt}, {Key: "group_id", Value: 1}}, []string{"_id"}, true, byAuthor, false},
		{"a page of the whole _id index", bson.D{skipDeleting()}, []string{"_id"}, true, byID, true},
		{"all of the _id index", bson.D{skipDeleting()}, []string{"_id"}, false, byID, false},
		{"no filter, no sort", bson.D{}, nil, false, byID, false},
		{"a point of a unique index", bson.D{{Key: "_id", Value: 1}, {Key: "title", Value: "x"}}, nil, false, byID, true},
		{"a residual field other than deleting", bson.D{{Key: "author_id", Value: 1}, {Key: "title", Value: "x"}}, []string{"_id"}, true, byAuthor, false},
		{"$ne on a field that is not deleting", bson.D{{Key: "author_id", Value: bson.D{{Key: "$ne", Value: 1}}}}, nil, false, byAuthor, false},
		{"anchored regex", bson.D{{Key: "terms", Value: bson.D{{Key: "$regex", Value: "^ca"}}}}, []string{"_id"}, true, byTerms, true},
		{"unanchored regex", bson.D{{Key: "terms", Value: bson.D{{Key: "$regex", Value: "ca"}}}}, []string{"_id"}, true, byTerms, false},
		{"search on the _id index", bson.D{{Key: "terms", Value: bson.D{{Key: "$regex", Value: "^ca"}}}}, []string{"_id"}, true, byID, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, b := range branches(tc.filter) {
				sh := shape{coll: "pins", preds: normalize(b), sort: tc.sort, limited: tc.limited}
				if got := sh.servedBy(tc.index); got != tc.want {
					t.Fatalf("%s served by %v: %v, want %v", sh, tc.index.Keys, got, tc.want)
				}
			}
		})
	}
	// An $or is served only when every branch is.
	or := bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "author_id", Value: 1}, {Key: "_id", Value: lt}},
		bson.D{{Key: "group_id", Value: 2}},
	}}}
	bs := branches(or)
	if len(bs) != 2 {
		t.Fatalf("%d branches of a two-branch $or", len(bs))
	}
	first := shape{coll: "pins", preds: normalize(bs[0]), sort: []string{"_id"}, limited: true}
	second := shape{coll: "pins", preds: normalize(bs[1]), sort: []string{"_id"}, limited: true}
	if !first.servedBy(byAuthor) || second.servedBy(byAuthor) {
		t.Fatalf("$or branches: %s %v, %s %v", first, first.servedBy(byAuthor), second, second.servedBy(byAuthor))
	}
}

func skipDeleting() bson.E {
	return bson.E{Key: "deleting", Value: bson.D{{Key: "$ne", Value: true}}}
}
