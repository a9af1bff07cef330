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
// and the channel carry the same events in the same order. ARGV[7] is the
// publishing broker's hash field and ARGV[8] the event's sequence number
// in that broker: an event whose number is not above the last one applied
// is a retry of one already applied and is skipped (returns 0), so a
// pipeline sent twice appends once.
var appendScript = redis.NewScript(`
local e = redis.call('HGET', KEYS[2], 'epoch')
if not e then
  e = ARGV[3]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', e, 'offset', 0)
else
  local last = redis.call('HGET', KEYS[2], ARGV[7])
  if last and tonumber(last) >= tonumber(ARGV[8]) then return 0 end
end
redis.call('HSET', KEYS[2], ARGV[7], ARGV[8])
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

// Append implements HistoryBroker: like Publish, it queues the event for
// the publisher, which runs appendScript for it in order, pipelined with
// the messages queued around it (PublishLater's among them), and waits up
// to PublishWait for it to be sent (awaitSent).
func (b *RedisBroker) Append(ctx context.Context, topic string, msg []byte) error {
	done, err := b.pub.enqueueItem(ctx, topic, msg, true, b.PublishQueue)
	if err != nil {
		return err
	}
	b.pub.awaitSent(ctx, done)
	return nil
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

// PublishLater publishes msg on topic through the publish queue: before
// any event published after it, in the same pipeline when one follows at
// once, so a write's cache invalidations and its event cost one Redis
// round trip, and reach other instances before the event. It is meant for
// the invalidations a store emits in the middle of a write. A refusal is
// logged; the cache TTL bounds the staleness it leaves.
func (b *RedisBroker) PublishLater(topic string, msg []byte) {
	if err := b.pub.enqueue(context.Background(), topic, msg, false, b.PublishQueue); err != nil {
		b.log.Warn("redis publish refused", "topic", topic, "err", err)
	}
}
