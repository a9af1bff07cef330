package hub

import (
	"encoding/json"
	"strings"
)

// Error codes sent to clients in {"type":"error","code":…} frames (docs/LIVE.md §Messages).
const (
	CodeBadRequest           = "bad_request"            // malformed JSON or unknown type
	CodeBadTopic             = "bad_topic"              // not a known topic shape
	CodeForbidden            = "forbidden"              // user:<id> of someone else
	CodeTooManySubscriptions = "too_many_subscriptions" // Config.MaxSubscriptions reached
	CodeUnavailable          = "unavailable"            // the broker could not confirm the subscription
)

// clientMsg is a frame sent by a client.
type clientMsg struct {
	Type  string    `json:"type"`
	Topic string    `json:"topic"`
	Since *Position `json:"since,omitempty"` // subscribe: where the client left off
}

// serverMsg is a control frame sent by the server; events are pre-encoded by
// the publisher and never pass through this type.
type serverMsg struct {
	Type    string `json:"type"`
	Topic   string `json:"topic"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// The position of a "subscribed" answer when the broker keeps
	// history (docs/LIVE.md §Recovery).
	Offset    *uint64 `json:"offset,omitempty"`
	Epoch     string  `json:"epoch,omitempty"`
	Recovered *bool   `json:"recovered,omitempty"`
}

// encode returns the frame for m. json.Marshal escapes control characters,
// so the frame never contains a raw newline and can share a batched frame.
func (m serverMsg) encode() []byte {
	b, err := json.Marshal(m)
	if err != nil {
		// Only strings are marshalled: this cannot happen.
		panic(err)
	}
	return b
}

func ackMsg(typ, topic string) []byte { return serverMsg{Type: typ, Topic: topic}.encode() }

func errorMsg(topic, code, message string) []byte {
	return serverMsg{Type: "error", Topic: topic, Code: code, Message: message}.encode()
}

// checkTopic applies docs/LIVE.md §Topics and events' rules for who may subscribe to topic; it
// returns "" when user (the authenticated user id, "" if anonymous) may.
func checkTopic(topic, user string) (code string) {
	if topic == "pins" {
		return ""
	}
	kind, id, ok := strings.Cut(topic, ":")
	if !ok || !isObjectIDHex(id) {
		return CodeBadTopic
	}
	switch kind {
	case "pin", "profile":
		return ""
	case "user":
		if user == "" || id != user {
			return CodeForbidden
		}
		return ""
	}
	return CodeBadTopic
}

// isObjectIDHex reports whether s is 24 lower-case hex digits, the form
// ObjectID.Hex produces; upper case is refused so that one object has one
// topic name.
func isObjectIDHex(s string) bool {
	if len(s) != 24 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
