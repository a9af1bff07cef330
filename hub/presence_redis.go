package hub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPresenceTTL is how long an instance's counts stay valid without
// a heartbeat when NewRedisPresence is given no TTL. Heartbeats come every
// TTL/4, so a vanished instance's viewers are dropped within
// PresenceDropBound(DefaultPresenceTTL) = 26 s, inside docs/LIVE.md §Presence's 30 s.
const DefaultPresenceTTL = 20 * time.Second

// PresenceDropBound is the longest a vanished instance's viewers are still
// counted with ttl: its counts outlive its last heartbeat by ttl, the next
// heartbeat of another instance with viewers of the pin (every ttl/4)
// notices, and the event may wait one PresenceInterval.
func PresenceDropBound(ttl time.Duration) time.Duration {
	return ttl + ttl/4 + PresenceInterval
}

// RedisPresence is the PresenceStore of the scaled mode. Each pin with
// viewers has one Redis hash, presence:pin:<id>, with a field per instance,
// "<expiry ms>:<count>", plus the last published total and its time (_last,
// _rev). One Lua script per pin writes this instance's count, drops expired
// instances, adds up the live ones and applies the interval, atomically, so
// of two instances that change a pin's count at once only one publishes.
// The expiry is Redis's own clock (TIME), so instances' clocks may differ.
type RedisPresence struct {
	client *redis.Client
	id     string
	ttl    time.Duration
}

// NewRedisPresence returns a PresenceStore on client (which stays the
// caller's). ttl <= 0 means DefaultPresenceTTL.
func NewRedisPresence(client *redis.Client, ttl time.Duration) *RedisPresence {
	if ttl <= 0 {
		ttl = DefaultPresenceTTL
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &RedisPresence{client: client, id: hex.EncodeToString(b[:]), ttl: ttl}
}

func (p *RedisPresence) heartbeat() time.Duration { return p.ttl / 4 }

// presenceScript: KEYS[1] the pin's hash; ARGV the instance id, its count,
// the TTL and the interval in ms. It returns {total, rev, emit (0/1), wait
// ms}; see presenceResult and throttle, whose rule it shares.
var presenceScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local key, me, n = KEYS[1], ARGV[1], tonumber(ARGV[2])
local ttl, interval = tonumber(ARGV[3]), tonumber(ARGV[4])
if n > 0 then
  redis.call('HSET', key, me, string.format('%d:%d', now + ttl, n))
else
  redis.call('HDEL', key, me)
end
local total, live, last, rev = 0, 0, -1, 0
local h = redis.call('HGETALL', key)
for i = 1, #h, 2 do
  local f, v = h[i], h[i + 1]
  if f == '_last' then last = tonumber(v)
  elseif f == '_rev' then rev = tonumber(v)
  else
    local exp, c = string.match(v, '^(%d+):(%d+)$')
    if exp and tonumber(exp) > now then
      total, live = total + tonumber(c), live + 1
    else
      redis.call('HDEL', key, f)
    end
  end
end
if live == 0 then
  -- Nobody is left to tell. The rev outlives the viewers by an interval,
  -- so that a viewer coming back at once still waits for it.
  if now - rev >= interval then
    redis.call('DEL', key)
  else
    redis.call('HSET', key, '_last', 0)
    redis.call('PEXPIRE', key, interval)
  end
  return {0, rev, 0, 0}
end
local emit, wait = 0, 0
if total ~= last then
  if now - rev >= interval then
    emit, rev = 1, now
    redis.call('HSET', key, '_last', total, '_rev', now)
  else
    wait = interval - (now - rev)
  end
end
redis.call('PEXPIRE', key, 2 * ttl)
return {total, rev, emit, wait}
`)

func (p *RedisPresence) sync(ctx context.Context, ups []presenceUpdate) ([]presenceResult, error) {
	res, err := p.syncOnce(ctx, ups)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// A restarted Redis forgot the script.
		if err := presenceScript.Load(ctx, p.client).Err(); err != nil {
			return nil, err
		}
		res, err = p.syncOnce(ctx, ups)
	}
	return res, err
}

// syncOnce runs the script for every pin in one pipelined round trip.
func (p *RedisPresence) syncOnce(ctx context.Context, ups []presenceUpdate) ([]presenceResult, error) {
	pipe := p.client.Pipeline()
	cmds := make([]*redis.Cmd, len(ups))
	ttl, interval := p.ttl.Milliseconds(), PresenceInterval.Milliseconds()
	for i, u := range ups {
		cmds[i] = presenceScript.EvalSha(ctx, pipe, []string{"presence:" + u.topic}, p.id, u.local, ttl, interval)
	}
	if _, err := pipe.Exec(ctx); err != nil && !redis.HasErrorPrefix(err, "NOSCRIPT") {
		return nil, err
	}
	out := make([]presenceResult, len(ups))
	for i, c := range cmds {
		v, err := c.Int64Slice()
		if err != nil {
			return nil, err
		}
		if len(v) != 4 {
			return nil, errors.New("hub: unexpected presence script reply")
		}
		out[i] = presenceResult{total: v[0], rev: v[1], emit: v[2] == 1, wait: time.Duration(v[3]) * time.Millisecond}
	}
	return out, nil
}
