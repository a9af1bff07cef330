package hub

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// historyReadTimeout bounds a History read. It is not a guarded call (whose
// bound is tens of milliseconds): a thousand clients recovering at once
// queue their reads in Redis, and a slow answer must neither fail them nor
// trip the breaker that publishes share. An open breaker still fails it at
// once.
const historyReadTimeout = 3 * time.Second

// A topic's history in Redis is two keys in one hash slot:
//
//	history:{T}:m  hash: epoch (random, set when the hash is created) and
//	               offset (the last one taken)
//	history:{T}:s  stream of the frames, entry id "<offset>-0", field m
//
// Both expire HistoryTTL after the last event. When the hash is missing
// (never published, expired, or Redis lost its data) the next script to
// touch the topic creates it with a new epoch and drops any stream left.
func historyKeys(topic string) []string {
	return []string{"history:{" + topic + "}:s", "history:{" + topic + "}:m"}
}

// appendScript assigns the next offset, completes the frame (ARGV[2] is the
// frame without its closing brace, ARGV[6] the separator before the added
// members), appends it and publishes it: one atomic step, so the stream
// and the channel carry the same events in the same order.
var appendScript = redis.NewScript(`
local e = redis.call('HGET', KEYS[2], 'epoch')
if not e then
  e = ARGV[3]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', e, 'offset', 0)
end
local off = redis.call('HINCRBY', KEYS[2], 'offset', 1)
local m = ARGV[2] .. ARGV[6] .. '"offset":' .. off .. ',"epoch":"' .. e .. '"}'
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], off .. '-0', 'm', m)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
redis.call('PUBLISH', ARGV[1], m)
return off
`)

// historyScript answers History: {epoch, latest offset, frames of the
// kept events above ARGV[3] (” = none)}.
var historyScript = redis.NewScript(`
local h = redis.call('HMGET', KEYS[2], 'epoch', 'offset')
local e, off = h[1], tonumber(h[2])
if not e then
  e, off = ARGV[1], 0
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', e, 'offset', 0)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
local out = {e, off}
if ARGV[3] == '' then return out end
local r = redis.call('XRANGE', KEYS[1], (tonumber(ARGV[3]) + 1) .. '-0', '+', 'COUNT', ARGV[4])
for _, x in ipairs(r) do out[#out + 1] = x[2][2] end
return out
`)

func appendArgs(topic string, msg []byte) []any {
	sep := ","
	if len(msg) == 2 {
		sep = ""
	}
	return []any{topic, msg[:len(msg)-1], newEpoch(), HistorySize, HistoryTTL, sep}
}

// Append implements HistoryBroker: one script call, pipelined behind any
// deferred messages (PublishLater), so an event and the cache
// invalidations of the write behind it cost one round trip.
func (b *RedisBroker) Append(ctx context.Context, topic string, msg []byte) error {
	keys, args := historyKeys(topic), appendArgs(topic, msg)
	return GuardFor(b.client).Do(ctx, func(ctx context.Context) error {
		later := b.takeLater()
		if len(later) == 0 {
			return appendScript.Run(ctx, b.client, keys, args...).Err()
		}
		pipe := b.client.Pipeline()
		for _, m := range later {
			pipe.Publish(ctx, m.topic, m.msg)
		}
		run := appendScript.EvalSha(ctx, pipe, keys, args...)
		_, err := pipe.Exec(ctx)
		if err != nil && redis.HasErrorPrefix(run.Err(), "NOSCRIPT") {
			// Redis forgot the script (it restarted): the publishes went
			// out, only the event needs sending again.
			return appendScript.Eval(ctx, b.client, keys, args...).Err()
		}
		return err
	})
}

// History implements HistoryBroker.
func (b *RedisBroker) History(ctx context.Context, topic string, after uint64, all bool) (Recovery, error) {
	if GuardFor(b.client).Open() {
		return Recovery{}, ErrRedisUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, historyReadTimeout)
	defer cancel()
	from := ""
	if all {
		from = strconv.FormatUint(after, 10)
	}
	res, err := historyScript.Run(ctx, b.client, historyKeys(topic), newEpoch(), HistoryTTL, from, maxRecover).Slice()
	if err != nil {
		return Recovery{}, err
	}
	return parseHistory(res)
}

var errBadHistory = errors.New("hub: unexpected history reply")

func parseHistory(res []any) (Recovery, error) {
	if len(res) < 2 {
		return Recovery{}, errBadHistory
	}
	epoch, ok1 := res[0].(string)
	off, ok2 := res[1].(int64)
	if !ok1 || !ok2 || off < 0 {
		return Recovery{}, fmt.Errorf("%w: %v", errBadHistory, res[:2])
	}
	rec := Recovery{Latest: Position{Offset: uint64(off), Epoch: epoch}}
	for _, v := range res[2:] {
		s, ok := v.(string)
		if !ok {
			return Recovery{}, errBadHistory
		}
		rec.Events = append(rec.Events, []byte(s))
	}
	return rec, nil
}

// laterDelay is how long a PublishLater message waits for a publish to
// ride with before it goes out on its own.
const laterDelay = 2 * time.Millisecond

type laterMsg struct {
	topic string
	msg   []byte
}

// PublishLater publishes msg on topic with the broker's next Publish or
// Append (in the same pipeline, before it), or on its own within a few
// milliseconds. It is meant for the cache invalidations a store emits in
// the middle of a write: the event the handler publishes right after
// carries them, so the write costs one Redis round trip instead of two,
// and they still reach other instances before that event. A failure is
// logged; the cache TTL bounds the staleness it leaves.
func (b *RedisBroker) PublishLater(topic string, msg []byte) {
	b.lmu.Lock()
	b.later = append(b.later, laterMsg{topic, msg})
	if b.laterTimer == nil {
		b.laterTimer = time.AfterFunc(laterDelay, b.flushLater)
	}
	b.lmu.Unlock()
}

// takeLater returns and forgets the waiting PublishLater messages.
func (b *RedisBroker) takeLater() []laterMsg {
	b.lmu.Lock()
	defer b.lmu.Unlock()
	later := b.later
	b.later = nil
	if b.laterTimer != nil {
		b.laterTimer.Stop()
		b.laterTimer = nil
	}
	return later
}

// flushLater publishes the waiting messages nobody carried.
func (b *RedisBroker) flushLater() {
	later := b.takeLater()
	if len(later) == 0 {
		return
	}
	err := GuardFor(b.client).Do(context.Background(), func(ctx context.Context) error {
		pipe := b.client.Pipeline()
		for _, m := range later {
			pipe.Publish(ctx, m.topic, m.msg)
		}
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		b.log.Warn("redis publish failed", "messages", len(later), "err", err)
	}
}
