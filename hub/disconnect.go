package hub

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/coder/websocket"
)

// StatusSignedOut is the close code of a connection whose session was
// logged out, or whose account was deleted (Disconnect). The client should
// not reconnect with the same credentials: they no longer authenticate. It
// is in the private range 4000–4999, next to StatusSlowConsumer.
const StatusSignedOut websocket.StatusCode = 4001

// DisconnectTopic is the broker topic carrying Disconnect's control
// messages to every instance. Clients cannot subscribe to it (checkTopic
// accepts only the topics of docs/LIVE.md §Topics and events) and it is never fanned out to
// connections: the hub subscribes it itself, at New, for its whole life.
const DisconnectTopic = "internal:disconnect"

// disconnectMsg is the control message published on DisconnectTopic.
type disconnectMsg struct {
	User    string `json:"user"`
	Session string `json:"session,omitempty"`
}

// ErrNoUser is returned by Disconnect without a user id.
var ErrNoUser = errors.New("hub: Disconnect needs a user id")

// Disconnect closes, on every instance (this one included, through the
// broker like any event), the connections of userID that were authenticated
// with sessionID, or all of userID's connections when sessionID is "". Each
// gets a close frame with StatusSignedOut. Anonymous connections are never
// affected. An error means the message reached no instance (callers log and
// count it, as for a failed Publish).
//
// Only connections already registered when the message arrives are
// closed: an upgrade whose token was checked just before the log-out and
// that completes just after it stays open (a window of one upgrade).
func (h *Hub) Disconnect(ctx context.Context, userID, sessionID string) error {
	if userID == "" {
		return ErrNoUser
	}
	msg, err := json.Marshal(disconnectMsg{User: userID, Session: sessionID})
	if err != nil {
		return err
	}
	return h.broker.Publish(ctx, DisconnectTopic, msg)
}

// disconnectLocal applies a DisconnectTopic message to this instance's
// connections. Like deliver, it never blocks: closeWith only marks the
// connection and wakes its writer, which sends the close frame.
func (h *Hub) disconnectLocal(raw []byte) {
	var m disconnectMsg
	if err := json.Unmarshal(raw, &m); err != nil || m.User == "" {
		h.log.Warn("bad disconnect message", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.users[m.User] {
		if m.Session != "" && c.session != m.Session {
			continue
		}
		if c.closeWith(StatusSignedOut, "signed out") {
			h.signedOut.Add(1)
			h.log.Debug("websocket closed: signed out", "user", c.user)
		}
	}
}
