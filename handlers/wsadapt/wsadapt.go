// Package wsadapt mounts a net/http handler that upgrades to WebSocket
// (coder/websocket) on a Fiber app, on the same port as the rest of it.
//
// Fiber runs on fasthttp; its adaptor (fasthttpadaptor, fasthttp ≥ v1.53,
// pinned at v1.78 in go.mod) gives the net/http handler an
// http.ResponseWriter that can Hijack, but the 101 Switching Protocols status
// websocket.Accept writes before hijacking is never sent: the adaptor only
// writes a response when the handler returns without hijacking. Handler wraps
// the writer so that Hijack first writes the 101 status line and headers onto
// the hijacked connection itself (docs/ARCHITECTURE.md §Stack).
package wsadapt

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// handshakeTimeout bounds writing the 101 response onto the hijacked
// connection.
const handshakeTimeout = 10 * time.Second

// Handler returns a Fiber handler serving h through fasthttpadaptor with a
// writer whose Hijack sends the pending 101 response. fasthttp clears the
// connection's deadlines when it hands a connection over to a hijack, so
// the server's ReadTimeout and IdleTimeout do not apply to the WebSocket.
func Handler(h http.Handler) fiber.Handler { return HandlerWithClientIP(h, nil) }

// clientIPKey carries the client address from the Fiber handler to the
// net/http one (the adaptor's request context is the fasthttp context).
type clientIPKey struct{}

// HandlerWithClientIP is Handler, with r.RemoteAddr set to clientIP's
// answer (port 0) rather than the TCP peer's: behind Nginx the peer is the
// proxy, and the hub's per-address caps need the client. clientIP is
// called on the Fiber context, where the trusted-proxy rules live; nil
// keeps the peer.
func HandlerWithClientIP(h http.Handler, clientIP func(*fiber.Ctx) string) fiber.Handler {
	fh := fasthttpadaptor.NewFastHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip, ok := r.Context().Value(clientIPKey{}).(string); ok && ip != "" {
			r.RemoteAddr = net.JoinHostPort(ip, "0")
		}
		h.ServeHTTP(&upgradeWriter{ResponseWriter: w}, r)
	}))
	return func(c *fiber.Ctx) error {
		if clientIP != nil {
			c.Context().SetUserValue(clientIPKey{}, clientIP(c))
		}
		fh(c.Context())
		return nil
	}
}

// upgradeWriter remembers a 101 status so that Hijack can send it. It is
// used by the one handler goroutine only.
type upgradeWriter struct {
	http.ResponseWriter
	switching bool // WriteHeader(101) was called
}

// WriteHeader implements http.ResponseWriter.
func (w *upgradeWriter) WriteHeader(code int) {
	if code == http.StatusSwitchingProtocols {
		w.switching = true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the adaptor's writer.
func (w *upgradeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack implements http.Hijacker: it hijacks the adaptor's connection and,
// after a 101, writes the status line and headers on it before returning.
func (w *upgradeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("wsadapt: the adaptor's ResponseWriter cannot hijack (fasthttp too old?)")
	}
	conn, brw, err := hj.Hijack()
	if err != nil || !w.switching {
		return conn, brw, err
	}
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\n")
	if err := w.Header().Write(&b); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	b.WriteString("\r\n")
	// Written straight to the connection, not into brw: the client sends
	// nothing until it has read this response.
	_ = conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	if _, err := conn.Write(b.Bytes()); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	_ = conn.SetWriteDeadline(time.Time{})
	return conn, brw, nil
}
