package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"mypinterest/hub"
	"mypinterest/store"
)

// cacheTopic carries cache invalidations between instances. Clients cannot
// subscribe to it: the hub accepts only the topics of docs/LIVE.md §Topics and events.
const cacheTopic = "internal:cache"

// invalidationBroker takes the cache topic out of the broker's deliveries
// and hands it to the store; every other topic goes on to the hub.
type invalidationBroker struct {
	hub.Broker
	store  store.SharedCache
	logger *slog.Logger
}

func (b *invalidationBroker) Start(deliver func(topic string, msg []byte)) {
	b.Broker.Start(func(topic string, msg []byte) {
		if topic != cacheTopic {
			deliver(topic, msg)
			return
		}
		var keys []string
		if err := json.Unmarshal(msg, &keys); err != nil {
			b.logger.Warn("bad cache invalidation message", "err", err)
			return
		}
		b.store.ApplyInvalidation(keys)
	})
}

// shareInvalidations makes every instance drop what any instance's writes
// made stale, through the same broker as live events. It replaces *broker.
func shareInvalidations(broker hub.Broker, st store.SharedCache, logger *slog.Logger) hub.Broker {
	b := &invalidationBroker{Broker: broker, store: st, logger: logger}
	if err := broker.Subscribe(cacheTopic); err != nil {
		logger.Warn("subscribe to cache invalidations", "err", err)
	}
	later, _ := broker.(interface {
		PublishLater(topic string, msg []byte)
	})
	st.OnInvalidate(func(keys []string) {
		msg, _ := json.Marshal(keys)
		if later != nil {
			// Sent with the write's event, in one Redis round trip
			// and before it (hub.RedisBroker.PublishLater).
			later.PublishLater(cacheTopic, msg)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := broker.Publish(ctx, cacheTopic, msg); err != nil {
			// The cache TTL bounds how long other instances may
			// serve the stale value.
			logger.Warn("publish cache invalidation", "err", err)
		}
	})
	if hb, ok := broker.(hub.HistoryBroker); ok {
		return historyInvalidationBroker{b, hb}
	}
	return b
}

// historyInvalidationBroker keeps the wrapped broker's history (docs/LIVE.md §Recovery
// Recovery) visible to the hub, which looks for hub.HistoryBroker.
type historyInvalidationBroker struct {
	*invalidationBroker
	history hub.HistoryBroker
}

func (b historyInvalidationBroker) Append(ctx context.Context, topic string, msg []byte) error {
	return b.history.Append(ctx, topic, msg)
}

func (b historyInvalidationBroker) History(ctx context.Context, topic string, after uint64, all bool) (hub.Recovery, error) {
	return b.history.History(ctx, topic, after, all)
}
