package hub

import (
	"container/list"
	"time"
)

// Bounds of the embedded mode's in-process history.
const (
	// DefaultMemoryHistoryTopics caps the topics whose history the
	// MemoryBroker keeps; over it the least recently used topic is
	// forgotten (its epoch changes). With HistorySize events each this
	// bounds the memory to topics × 128 frames.
	DefaultMemoryHistoryTopics = 4096
	// memoryHistoryIdle is how long a topic nobody published to or asked
	// about keeps its history.
	memoryHistoryIdle = HistoryTTL * time.Second
)

// memHistory is the per-topic rings of a MemoryBroker, guarded by the
// broker's mutex. Topics are kept in least-recently-used order so that
// evicting idle ones and keeping the count under max are both O(1) per
// operation.
type memHistory struct {
	size, max int
	idle      time.Duration
	now       func() time.Time
	topics    map[string]*ring
	lru       list.List // of *ring, most recently used at the front
}

// ring is one topic's last size events: the event of offset o is at
// frames[o%size] while first <= o <= last.
type ring struct {
	topic       string
	epoch       string
	first, last uint64 // first is last+1 while the ring is empty
	frames      [][]byte
	used        time.Time
	elem        *list.Element
}

func newMemHistory(size, max int, idle time.Duration) *memHistory {
	return &memHistory{size: size, max: max, idle: idle, now: time.Now, topics: make(map[string]*ring)}
}

// get returns topic's ring, creating it with a new epoch, and marks it
// used; then it forgets idle rings and those over max.
func (m *memHistory) get(topic string) *ring {
	now := m.now()
	r := m.topics[topic]
	if r == nil {
		r = &ring{topic: topic, epoch: newEpoch(), first: 1}
		r.elem = m.lru.PushFront(r)
		m.topics[topic] = r
	} else {
		m.lru.MoveToFront(r.elem)
	}
	r.used = now
	for e := m.lru.Back(); e != nil && e != r.elem; e = m.lru.Back() {
		old := e.Value.(*ring)
		if len(m.topics) <= m.max && now.Sub(old.used) < m.idle {
			break
		}
		m.lru.Remove(e)
		delete(m.topics, old.topic)
	}
	return r
}

// append stores msg as topic's next event and returns the positioned frame.
func (m *memHistory) append(topic string, msg []byte) []byte {
	r := m.get(topic)
	if r.frames == nil {
		r.frames = make([][]byte, m.size)
	}
	r.last++
	frame := withPosition(msg, r.last, r.epoch)
	r.frames[r.last%uint64(m.size)] = frame
	if r.last-r.first >= uint64(m.size) {
		r.first++
	}
	return frame
}

// read answers History for topic.
func (m *memHistory) read(topic string, after uint64, all bool) Recovery {
	r := m.get(topic)
	rec := Recovery{Latest: Position{Offset: r.last, Epoch: r.epoch}}
	if !all {
		return rec
	}
	for o := max(after+1, r.first); o <= r.last; o++ {
		rec.Events = append(rec.Events, r.frames[o%uint64(m.size)])
	}
	return rec
}
