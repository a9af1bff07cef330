package hub

import (
	"bytes"
	"context"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"strings"
)

// History defaults (docs/LIVE.md §Recovery: at least the last 100 events of a topic for at
// least 2 minutes). A topic's history lives HistoryTTL after its last event.
const (
	HistorySize = 128
	HistoryTTL  = 5 * 60 // seconds
	// maxRecover bounds one recovery read; more than HistorySize is never
	// kept, so this only guards against a misconfigured store.
	maxRecover = 1024
)

// Position is a point in a topic's history: the offset of an event (per
// topic, +1 per event) in an epoch (which changes whenever the topic's
// history may have been lost).
type Position struct {
	Offset uint64 `json:"offset"`
	Epoch  string `json:"epoch"`
}

// Recovery is the answer of a history read.
type Recovery struct {
	// Latest is the topic's newest offset (0: no event yet) and its epoch.
	Latest Position
	// Events are the kept events after the offset asked for, oldest
	// first; the last one is Latest's (they end at Latest.Offset).
	Events [][]byte
}

// since returns the events after p, when all of them are in r and p is of
// r's epoch (docs/LIVE.md §Recovery's recovered:true).
func (r Recovery) since(p *Position) ([][]byte, bool) {
	if p == nil || p.Epoch != r.Latest.Epoch || p.Offset > r.Latest.Offset {
		return nil, false
	}
	n := r.Latest.Offset - p.Offset
	if n == 0 {
		return nil, true
	}
	if n > uint64(len(r.Events)) {
		return nil, false
	}
	if o, _, ok := framePosition(r.Events[len(r.Events)-1]); !ok || o != r.Latest.Offset {
		return nil, false
	}
	return r.Events[uint64(len(r.Events))-n:], true
}

// HistoryBroker is a Broker that also keeps each topic's recent events.
// The hub uses it, when its broker has it, for every client topic; the
// internal topics (cache invalidations, Disconnect) stay plain pub/sub.
type HistoryBroker interface {
	Broker
	// Append is Publish for an event frame (a JSON object): in one atomic
	// step it takes the topic's next offset, adds "offset" and "epoch" to
	// the frame, keeps it in the topic's history and publishes it.
	Append(ctx context.Context, topic string, msg []byte) error
	// History returns the topic's latest position and the kept events
	// with an offset above after (none when all is false). A topic without
	// history gets an epoch here, so that a later publish keeps the
	// position it reported.
	History(ctx context.Context, topic string, after uint64, all bool) (Recovery, error)
}

// internalTopic reports whether topic is one of the hub's or the
// program's own (never a client's): those carry no history.
func internalTopic(topic string) bool { return strings.HasPrefix(topic, "internal:") }

// newEpoch returns a fresh random epoch. It needs to be unique, not secret.
func newEpoch() string {
	var b [8]byte
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b[:])
}

// isObject reports whether msg can take the position fields: a JSON object
// (Hub.Publish gets complete frames; anything else goes out as it is).
func isObject(msg []byte) bool {
	return len(msg) >= 2 && msg[0] == '{' && msg[len(msg)-1] == '}'
}

// withPosition returns msg, a JSON object, with "offset" and "epoch" added
// as its last members. The Redis script builds the same bytes.
func withPosition(msg []byte, offset uint64, epoch string) []byte {
	out := make([]byte, 0, len(msg)+len(epoch)+32)
	out = append(out, msg[:len(msg)-1]...)
	if len(msg) > 2 {
		out = append(out, ',')
	}
	out = append(out, `"offset":`...)
	out = strconv.AppendUint(out, offset, 10)
	out = append(out, `,"epoch":"`...)
	out = append(out, epoch...)
	out = append(out, `"}`...)
	return out
}

var offsetKey = []byte(`"offset":`)

// framePosition reads the position withPosition put at the end of msg. The
// last "offset" key of the frame is the added one: the data before it may
// hold any keys, but none after it.
func framePosition(msg []byte) (offset uint64, epoch []byte, ok bool) {
	i := bytes.LastIndex(msg, offsetKey)
	if i < 0 {
		return 0, nil, false
	}
	rest := msg[i+len(offsetKey):]
	j := bytes.IndexByte(rest, ',')
	if j < 0 {
		return 0, nil, false
	}
	offset, err := strconv.ParseUint(string(rest[:j]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	rest = rest[j:]
	const epochKey = `,"epoch":"`
	if !bytes.HasPrefix(rest, []byte(epochKey)) || !bytes.HasSuffix(rest, []byte(`"}`)) {
		return 0, nil, false
	}
	return offset, rest[len(epochKey) : len(rest)-2], true
}
