package hub

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Presence (docs/LIVE.md §Presence): every connection subscribed to pin:<id> is one viewer
// of that pin, on whatever instance it is. Each instance counts its own
// viewers per pin and a PresenceStore adds the instances' counts up and
// decides, for all instances at once, when a "presence" event may go out:
// at most one per PresenceInterval per pin, and only when the total
// changed. The instance that learns the store's decision publishes the
// event through the broker like any other, so every instance's
// subscribers get it once.

// PresenceEvent is the event name of viewer counts on pin topics.
const PresenceEvent = "presence"

// PresenceInterval is the least time between two presence events of one pin.
const PresenceInterval = time.Second

// presenceSettle is how long a count change waits before it is written, so
// that a burst of joins and leaves costs one store round trip, not one each.
const presenceSettle = 50 * time.Millisecond

// PresenceStore keeps this instance's viewer counts where every instance
// sees them. NewRedisPresence shares them through Redis; a nil
// Config.Presence keeps them in memory (the embedded, single-instance
// mode). Its methods are the hub's; it is not meant to be implemented
// elsewhere.
type PresenceStore interface {
	// sync records this instance's count of each pin (0: none left) and
	// returns, in the same order, each pin's total and whether this
	// instance is to publish it now.
	sync(ctx context.Context, ups []presenceUpdate) ([]presenceResult, error)
	// heartbeat is how often every pin with local viewers must be synced
	// again so that other instances keep counting them; 0 means never.
	heartbeat() time.Duration
}

type presenceUpdate struct {
	topic string
	local int
}

type presenceResult struct {
	total int64
	// rev is the store's time (Unix ms) of the pin's latest presence event,
	// this one included when emit is set: clients keep the count of the
	// highest rev, so an event overtaken by a later one is ignored.
	rev  int64
	emit bool
	// wait > 0: the total differs from the last one published but the
	// interval has not passed; sync again after wait.
	wait time.Duration
}

// presenceFrame is the event {"viewers":N,"rev":R} on topic, encoded the
// way the handlers encode theirs.
func presenceFrame(topic string, r presenceResult) []byte {
	// The topic is a checked pin:<hex> and the data two integers: nothing
	// here needs escaping, and the frame has no newline.
	return fmt.Appendf(nil, `{"type":"event","topic":%q,"event":%q,"data":{"viewers":%d,"rev":%d},"ts":%d}`,
		topic, PresenceEvent, r.total, r.rev, time.Now().UnixMilli())
}

func isPresenceTopic(topic string) bool { return strings.HasPrefix(topic, "pin:") }

// presence is one hub's side of presence: its local counts and the loop
// that syncs them. Only pins with local viewers, or with a change not yet
// synced or published, are in pins, so a heartbeat costs O(those pins) in
// one store round trip.
type presence struct {
	h     *Hub
	store PresenceStore

	mu      sync.Mutex
	pins    map[string]*pinViewers
	dirty   map[string]struct{} // pins whose count changed since they were last synced
	running bool                // the loop runs; it exits when pins is empty, so an idle hub has none
	closed  bool                // close was called: no loop starts again

	kick chan struct{} // capacity 1: a pin became dirty
	stop chan struct{}
	wg   sync.WaitGroup // the loop
}

type pinViewers struct {
	local   int
	joiners []*conn   // subscribed since the last sync: told the total directly
	retryAt time.Time // a change waits for the interval; zero: nothing pending
}

func newPresence(h *Hub, store PresenceStore) *presence {
	if store == nil {
		store = newMemoryPresence()
	}
	p := &presence{
		h:     h,
		store: store,
		pins:  make(map[string]*pinViewers),
		dirty: make(map[string]struct{}),
		kick:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
	}
	return p
}

// startLocked starts the loop unless it runs; p.mu is held.
func (p *presence) startLocked() {
	if p.running || p.closed {
		return
	}
	p.running = true
	p.wg.Add(1)
	go p.run()
}

// join counts c as a viewer of topic; the next sync tells c the total.
func (p *presence) join(topic string, c *conn) {
	if !isPresenceTopic(topic) {
		return
	}
	p.mu.Lock()
	pv := p.pins[topic]
	if pv == nil {
		pv = &pinViewers{}
		p.pins[topic] = pv
	}
	pv.local++
	pv.joiners = append(pv.joiners, c)
	p.dirty[topic] = struct{}{}
	p.startLocked()
	p.mu.Unlock()
	p.wake()
}

// leave uncounts one viewer of topic.
func (p *presence) leave(topic string) {
	if !isPresenceTopic(topic) {
		return
	}
	p.mu.Lock()
	if pv := p.pins[topic]; pv != nil && pv.local > 0 {
		pv.local--
		p.dirty[topic] = struct{}{}
		p.startLocked()
	}
	p.mu.Unlock()
	p.wake()
}

func (p *presence) wake() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// close stops the loop after a last sync of what is left (a shutting-down
// hub has no connections: its counts go to zero everywhere), waiting for
// pending events within ctx.
func (p *presence) close(ctx context.Context) {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.stop)
	}
	p.mu.Unlock()
	p.wg.Wait()
	for {
		next, ok := p.flush(false)
		if _, alone := p.store.(*memoryPresence); alone || !ok || next.IsZero() {
			// Nobody else to tell, nothing waits, or the store is
			// away (the counts then expire there on their own).
			return
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// run syncs dirty pins presenceSettle after their first change, pins whose
// event waits for the interval when it has passed, and every pin with local
// viewers each heartbeat, until no pin is left.
func (p *presence) run() {
	defer p.wg.Done()
	var tick <-chan time.Time
	if every := p.store.heartbeat(); every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var armed time.Time // when timer fires; zero: stopped
	arm := func(at time.Time) {
		if at.IsZero() || (!armed.IsZero() && !at.Before(armed)) {
			return
		}
		armed = at
		timer.Reset(time.Until(at))
	}
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
			arm(time.Now().Add(presenceSettle))
		case <-timer.C:
			armed = time.Time{}
			next, _ := p.flush(false)
			arm(next)
		case <-tick:
			next, _ := p.flush(true)
			arm(next)
		}
		p.mu.Lock()
		idle := len(p.pins) == 0 && len(p.dirty) == 0
		if idle {
			p.running = false
		}
		p.mu.Unlock()
		if idle {
			return
		}
	}
}

// flush syncs the pins that are due (all of them for a heartbeat),
// publishes what the store says to, tells new viewers the total, and
// returns when the earliest pending event is due (zero: none) and whether
// the store answered.
func (p *presence) flush(all bool) (time.Time, bool) {
	now := time.Now()
	var ups []presenceUpdate
	var joiners [][]*conn
	p.mu.Lock()
	for topic, pv := range p.pins {
		_, dirty := p.dirty[topic]
		due := !pv.retryAt.IsZero() && !now.Before(pv.retryAt)
		if !all && !dirty && !due {
			continue
		}
		ups = append(ups, presenceUpdate{topic: topic, local: pv.local})
		joiners = append(joiners, pv.joiners)
		pv.joiners = nil
	}
	clear(p.dirty)
	p.mu.Unlock()
	if len(ups) == 0 {
		return p.nextRetry(), true
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := p.store.sync(ctx, ups)
	if err != nil {
		p.h.log.Warn("presence sync failed", "pins", len(ups), "err", err)
		// Try again after an interval; the viewers that joined meanwhile
		// still want the total.
		p.mu.Lock()
		for i, u := range ups {
			if pv := p.pins[u.topic]; pv != nil {
				pv.retryAt = now.Add(PresenceInterval)
				pv.joiners = append(joiners[i], pv.joiners...)
			}
		}
		p.mu.Unlock()
		return p.nextRetry(), false
	}
	for i, u := range ups {
		r := res[i]
		var frame []byte
		if r.emit || len(joiners[i]) > 0 {
			frame = presenceFrame(u.topic, r)
		}
		published := false
		if r.emit {
			// Straight to the broker: Stats.Published counts the
			// application's events, not these.
			if err := p.h.broker.Publish(ctx, u.topic, frame); err != nil {
				p.h.log.Warn("presence publish failed", "topic", u.topic, "err", err)
			} else {
				published = true
			}
		}
		if !published {
			for _, c := range joiners[i] {
				p.h.sendTo(c, u.topic, frame)
			}
		}
		p.mu.Lock()
		if pv := p.pins[u.topic]; pv != nil {
			pv.retryAt = time.Time{}
			if r.wait > 0 {
				pv.retryAt = now.Add(r.wait)
			}
			_, dirty := p.dirty[u.topic]
			if pv.local == 0 && pv.retryAt.IsZero() && !dirty && len(pv.joiners) == 0 {
				delete(p.pins, u.topic)
			}
		}
		p.mu.Unlock()
	}
	return p.nextRetry(), true
}

// nextRetry is the earliest retryAt of all pins, zero if none waits.
func (p *presence) nextRetry() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var next time.Time
	for _, pv := range p.pins {
		if !pv.retryAt.IsZero() && (next.IsZero() || pv.retryAt.Before(next)) {
			next = pv.retryAt
		}
	}
	return next
}

// sendTo queues msg for c alone if c is still subscribed to topic.
func (h *Hub) sendTo(c *conn, topic string, msg []byte) {
	s := h.shard(topic)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, ok := s.topics[topic][c]; ok && c.enqueue(msg) {
		h.delivered.Add(1)
	}
}

// memoryPresence is the PresenceStore of a single instance: its own counts
// are the totals.
type memoryPresence struct {
	mu   sync.Mutex
	pins map[string]*memoryPin
}

type memoryPin struct {
	last int64 // the total last published, -1 before the first
	rev  int64 // Unix ms of the last event
}

func newMemoryPresence() *memoryPresence {
	return &memoryPresence{pins: make(map[string]*memoryPin)}
}

func (m *memoryPresence) heartbeat() time.Duration { return 0 }

func (m *memoryPresence) sync(_ context.Context, ups []presenceUpdate) ([]presenceResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now().UnixMilli()
	out := make([]presenceResult, len(ups))
	for i, u := range ups {
		mp := m.pins[u.topic]
		if u.local == 0 {
			// Nobody is left to tell. The pin is forgotten once its last
			// event is an interval old, so that a viewer coming back at
			// once still waits for the interval.
			if mp == nil {
				continue
			}
			if since := now - mp.rev; since < PresenceInterval.Milliseconds() {
				mp.last = 0
				out[i] = presenceResult{rev: mp.rev, wait: time.Duration(PresenceInterval.Milliseconds()-since) * time.Millisecond}
				continue
			}
			delete(m.pins, u.topic)
			continue
		}
		if mp == nil {
			mp = &memoryPin{last: -1}
			m.pins[u.topic] = mp
		}
		out[i] = throttle(int64(u.local), mp.last, mp.rev, now)
		if out[i].emit {
			mp.last, mp.rev = out[i].total, out[i].rev
		}
	}
	return out, nil
}

// throttle decides for a pin whose total is total, whose last event said
// last at rev (Unix ms), at now (Unix ms). The Redis store's script
// applies the same rule.
func throttle(total, last, rev, now int64) presenceResult {
	r := presenceResult{total: total, rev: rev}
	if total == last {
		return r
	}
	if since := now - rev; since < PresenceInterval.Milliseconds() {
		r.wait = time.Duration(PresenceInterval.Milliseconds()-since) * time.Millisecond
		return r
	}
	r.emit, r.rev = true, now
	return r
}
