package hub

import (
	"context"
	"errors"
	"sync"
)

// ErrBrokerClosed is returned by a Broker after Close.
var ErrBrokerClosed = errors.New("hub: broker closed")

// Broker carries published messages to every hub instance. It is the one
// delivery path: Hub.Publish calls Broker.Publish and every instance, the
// publisher included, delivers what its own Broker hands to the deliver
// callback. Nothing is delivered locally on the side, so nothing needs
// de-duplication.
//
// Subscribe and Unsubscribe are reference-counted by the broker: the hub
// calls Subscribe once per (connection, topic) pair and Unsubscribe once when
// that pair ends; the broker listens upstream only while a topic's count is
// above zero. The hub calls them from a connection's read goroutine, outside
// every lock of the fan-out, so a wait there holds up only that connection.
type Broker interface {
	// Start begins delivering to deliver, which must not block (the hub's
	// fan-out never does) and is called for one topic in publish order. It is
	// called once, by New.
	Start(deliver func(topic string, msg []byte))
	// Publish sends msg to every instance subscribed to topic. An error means
	// the message reached nobody (for Redis: the server is unreachable).
	Publish(ctx context.Context, topic string, msg []byte) error
	// Subscribe adds one local reference to topic. When it returns nil,
	// every message published to topic from then on is delivered (the hub
	// acknowledges the client only after that), so it may wait, for a
	// bounded time, until the upstream subscription is in place. An error
	// means no reference was kept: the hub answers CodeUnavailable and the
	// client may retry.
	Subscribe(topic string) error
	// Unsubscribe drops one local reference to topic.
	Unsubscribe(topic string) error
	// Close stops delivery and waits for the broker's goroutines to exit.
	// It does not close clients handed to the broker's constructor.
	Close() error
}

// MemoryBroker is the in-process Broker of the embedded, single-instance
// mode. Publish delivers synchronously in the caller's goroutine, serialised
// by a mutex so that every subscriber sees one total order per topic (the
// order Redis would give); the hub's fan-out never blocks, so the critical
// section is short.
//
// It is a HistoryBroker: each topic keeps its last HistorySize events in
// memory, for at most DefaultMemoryHistoryTopics topics (least recently
// used first out) and while used in the last 5 minutes.
type MemoryBroker struct {
	mu      sync.Mutex // guards every field; held across a delivery
	deliver func(topic string, msg []byte)
	closed  bool
	history *memHistory
}

// NewMemoryBroker returns an in-process Broker.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{history: newMemHistory(HistorySize, DefaultMemoryHistoryTopics, memoryHistoryIdle)}
}

// Start implements Broker.
func (b *MemoryBroker) Start(deliver func(topic string, msg []byte)) {
	b.mu.Lock()
	b.deliver = deliver
	b.mu.Unlock()
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(ctx context.Context, topic string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	if b.deliver != nil {
		b.deliver(topic, msg)
	}
	return nil
}

// Append implements HistoryBroker.
func (b *MemoryBroker) Append(ctx context.Context, topic string, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	frame := b.history.append(topic, msg)
	if b.deliver != nil {
		b.deliver(topic, frame)
	}
	return nil
}

// History implements HistoryBroker.
func (b *MemoryBroker) History(ctx context.Context, topic string, after uint64, all bool) (Recovery, error) {
	if err := ctx.Err(); err != nil {
		return Recovery{}, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return Recovery{}, ErrBrokerClosed
	}
	return b.history.read(topic, after, all), nil
}

// Subscribe implements Broker; in-process delivery needs no upstream
// subscription, the hub's topic index already filters.
func (b *MemoryBroker) Subscribe(string) error { return nil }

// Unsubscribe implements Broker.
func (b *MemoryBroker) Unsubscribe(string) error { return nil }

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	b.closed = true
	b.deliver = nil
	b.mu.Unlock()
	return nil
}
