// Package wsadapt mounts a net/http handler that upgrades to WebSocket
// (coder/websocket) on a Fiber app, on the same port as the rest of it.
//
// Fiber runs on fasthttp. A WebSocket handshake is served on the connection
// fasthttp hands over (RequestCtx.Hijack): the net/http handler runs on the
// hijack goroutine with a ResponseWriter of this package, whose Hijack
// writes the 101 Switching Protocols response itself and returns that
// connection, so the handler's read loop is the hijack goroutine and no
// other goroutine waits for the connection to end. A refusal (the handler
// returns without hijacking: foreign origin, shutting down, a bad
// handshake) is written as a plain HTTP response with Connection: close.
// Requests that are not WebSocket handshakes go through fasthttpadaptor as
// ordinary requests (docs/ARCHITECTURE.md §Stack).
//
// What one idle WebSocket costs here (docs/FANOUT.md, "Memory per
// connection"): the handler's goroutines, fasthttp's request context and
// read buffer, which stay with the hijacked connection, and a 16-byte write
// buffer for coder/websocket (frameWriter puts each frame on the wire with
// one write all the same).
package wsadapt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"
)

// handshakeTimeout bounds writing the 101 response, or a refusal, onto the
// hijacked connection.
const handshakeTimeout = 10 * time.Second

// Buffer sizes handed to coder/websocket. Reads go through fasthttp's own
// buffered reader (it stays with the hijacked connection), so a small
// reader costs no extra read calls; 16 bytes is bufio's minimum and holds
// any frame header, which frameWriter needs whole.
const (
	readBufferSize  = 16
	writeBufferSize = 16
)

// Handler returns a Fiber handler serving h. fasthttp clears the
// connection's deadlines when it hands a connection over to a hijack, so
// the server's ReadTimeout and IdleTimeout do not apply to the WebSocket.
func Handler(h http.Handler) fiber.Handler { return HandlerWithClientIP(h, nil) }

// clientIPKey carries the client address from the Fiber handler to the
// net/http one on the adaptor's path (its request context is the fasthttp
// context).
type clientIPKey struct{}

// HandlerWithClientIP is Handler, with r.RemoteAddr set to clientIP's
// answer (port 0) rather than the TCP peer's: behind Nginx the peer is the
// proxy, and the hub's per-address caps need the client. clientIP is
// called on the Fiber context, where the trusted-proxy rules live; nil
// keeps the peer.
func HandlerWithClientIP(h http.Handler, clientIP func(*fiber.Ctx) string) fiber.Handler {
	plain := fasthttpadaptor.NewFastHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
			setRemoteIP(r, ip)
		}
		h.ServeHTTP(w, r)
	}))
	return func(c *fiber.Ctx) error {
		ip := ""
		if clientIP != nil {
			ip = clientIP(c)
		}
		ctx := c.Context()
		if !isHandshake(ctx) {
			// websocket.Accept refuses it with a plain response, which the
			// adaptor sends as usual.
			ctx.SetUserValue(clientIPKey{}, ip)
			plain(ctx)
			return nil
		}
		r := new(http.Request)
		if err := fasthttpadaptor.ConvertRequest(ctx, r, true); err != nil {
			return fiber.ErrBadRequest
		}
		setRemoteIP(r, ip)
		// The fasthttp context is the request's context, as through the
		// adaptor: it ends when the server shuts down.
		r = r.WithContext(ctx)
		w := &hijackWriter{extra: refusalHeaders(&ctx.Response.Header)}
		ctx.HijackSetNoResponse(true)
		// What the access log records; a refusal after the hand-over is
		// logged by the handler.
		ctx.SetStatusCode(fiber.StatusSwitchingProtocols)
		ctx.Hijack(func(nc net.Conn) {
			// r's strings point into ctx, which fasthttp keeps until this
			// function returns. The function outlives the handshake: it
			// keeps neither r nor the writer's buffers.
			req := r
			r = nil
			w.conn = nc
			h.ServeHTTP(w, req)
			if !w.hijacked {
				w.refuse()
			}
		})
		return nil
	}
}

func setRemoteIP(r *http.Request, ip string) {
	if ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "0")
	}
}

// isHandshake reports whether the request asks for a WebSocket (a GET with
// Upgrade: websocket and Connection: Upgrade). Only those are taken over;
// websocket.Accept checks the rest of the handshake.
func isHandshake(ctx *fasthttp.RequestCtx) bool {
	return ctx.IsGet() && ctx.Request.Header.ConnectionUpgrade() &&
		hasToken(ctx.Request.Header.Peek(fasthttp.HeaderUpgrade), "websocket")
}

// hasToken reports whether the comma-separated list v holds tok, ignoring
// case.
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var item []byte
		item, v, _ = bytes.Cut(v, []byte{','})
		if bytes.EqualFold(bytes.TrimSpace(item), []byte(tok)) {
			return true
		}
	}
	return false
}

// refusalHeaders renders the response headers the Fiber middleware has set
// so far (request id, security headers), which a refusal carries as any
// response of the app does. The framing headers are the refusal's own.
func refusalHeaders(h *fasthttp.ResponseHeader) []byte {
	var b []byte
	for k, v := range h.All() {
		switch string(k) {
		case fasthttp.HeaderContentLength, fasthttp.HeaderContentType, fasthttp.HeaderContentEncoding,
			fasthttp.HeaderConnection, fasthttp.HeaderTransferEncoding, fasthttp.HeaderTrailer:
			continue
		}
		b = append(b, k...)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	return b
}

// hijackWriter is the http.ResponseWriter of a handshake taken over from
// fasthttp. It is used by the hijack goroutine only.
type hijackWriter struct {
	conn     net.Conn // what fasthttp handed over
	header   http.Header
	status   int
	body     []byte
	extra    []byte // refusalHeaders
	hijacked bool
}

// Header implements http.ResponseWriter.
func (w *hijackWriter) Header() http.Header {
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w.header
}

// WriteHeader implements http.ResponseWriter; as in net/http, the first
// final status counts.
func (w *hijackWriter) WriteHeader(code int) {
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
}

// Write implements http.ResponseWriter: a refusal's body, sent by refuse.
func (w *hijackWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	w.WriteHeader(http.StatusOK)
	w.body = append(w.body, p...)
	return len(p), nil
}

// Hijack implements http.Hijacker: it writes the 101 response (the status
// websocket.Accept set, and its headers) and returns the connection with
// small buffers; see frameWriter.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	if w.status != http.StatusSwitchingProtocols {
		return nil, nil, errors.New("wsadapt: hijack without a 101 status")
	}
	w.hijacked = true
	b := append([]byte(nil), "HTTP/1.1 101 Switching Protocols\r\n"...)
	b = appendHeader(b, w.header)
	b = append(b, "\r\n"...)
	w.header, w.extra = nil, nil // not needed any more: the connection lives long
	if err := w.send(b); err != nil {
		return nil, nil, err
	}
	c := &conn{Conn: w.conn, raw: rawConn(w.conn)}
	c.fw.conn = c.raw
	return c, bufio.NewReadWriter(bufio.NewReaderSize(c, readBufferSize), bufio.NewWriterSize(&c.fw, writeBufferSize)), nil
}

// refuse writes the response of a handler that returned without hijacking,
// then the connection is closed (fasthttp closes it when the hijack
// function returns).
func (w *hijackWriter) refuse() {
	status := w.status
	if status == 0 || status == http.StatusSwitchingProtocols {
		status = http.StatusOK
	}
	b := append([]byte(nil), "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(status)...)
	b = append(b, "\r\n"...)
	for line := range bytes.Lines(w.extra) {
		// The handler's own value of a header wins.
		name, _, _ := bytes.Cut(line, []byte(":"))
		if _, ok := w.header[http.CanonicalHeaderKey(string(name))]; !ok {
			b = append(b, line...)
		}
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Transfer-Encoding")
	h.Del("Connection")
	if h.Get("Content-Type") == "" && len(w.body) > 0 {
		h.Set("Content-Type", http.DetectContentType(w.body))
	}
	b = appendHeader(b, h)
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(w.body)), 10)
	b = append(b, "\r\nConnection: close\r\n\r\n"...)
	b = append(b, w.body...)
	_ = w.send(b)
}

// send writes b straight to the connection within handshakeTimeout; the
// client sends nothing before it has read the answer to its handshake.
func (w *hijackWriter) send(b []byte) error {
	_ = w.conn.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	if _, err := w.conn.Write(b); err != nil {
		_ = w.conn.Close()
		return err
	}
	return w.conn.SetWriteDeadline(time.Time{})
}

func appendHeader(b []byte, h http.Header) []byte {
	var buf bytes.Buffer
	_ = h.Write(&buf) // a bytes.Buffer does not fail
	return append(b, buf.Bytes()...)
}

// rawConn is the TCP connection under fasthttp's hijacked one, for
// writev; fasthttp's wrapper only adds its buffered reader, and its Close
// does nothing until the hijack function returns.
func rawConn(c net.Conn) net.Conn {
	if u, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
		return u.UnsafeConn()
	}
	return c
}

// conn is the WebSocket's connection: reads through fasthttp's (it may
// have buffered bytes), writes and Close on the TCP connection itself, so
// that coder/websocket's Close interrupts a blocked read or write.
type conn struct {
	net.Conn
	raw net.Conn
	fw  frameWriter
}

func (c *conn) Write(p []byte) (int, error) { return c.raw.Write(p) }
func (c *conn) Close() error                { return c.raw.Close() }

// frameWriter is the writer under coder/websocket's 16-byte bufio.Writer,
// so that an idle connection holds no write buffer. coder/websocket writes
// a frame's header into that buffer and flushes at the frame's end; a
// payload that does not fit reaches frameWriter as two writes: the header
// with the first payload bytes, when the buffer fills, then the rest.
// frameWriter keeps such a frame start (at most writeBufferSize bytes) and
// sends it with the rest in one writev. Every other write goes straight
// through, so the bytes keep their order whatever the calls look like.
// coder/websocket serialises frame writes, and so the calls here.
type frameWriter struct {
	conn  net.Conn
	held  [writeBufferSize]byte
	nheld int
}

func (f *frameWriter) Write(p []byte) (int, error) {
	if f.nheld == 0 {
		if size, ok := frameSize(p); ok && size > int64(len(p)) && len(p) <= len(f.held) {
			f.nheld = copy(f.held[:], p)
			return len(p), nil
		}
		return f.conn.Write(p)
	}
	held := f.nheld
	f.nheld = 0
	bufs := net.Buffers{f.held[:held], p}
	n, err := bufs.WriteTo(f.conn)
	return int(max(n-int64(held), 0)), err
}

// frameSize is the length of the WebSocket frame that starts p, header
// included; ok is false when p does not hold the whole header.
func frameSize(p []byte) (size int64, ok bool) {
	if len(p) < 2 {
		return 0, false
	}
	hdr, n := 2, int64(p[1]&0x7f)
	switch n {
	case 126:
		hdr += 2
	case 127:
		hdr += 8
	}
	if p[1]&0x80 != 0 {
		hdr += 4 // masked (a client's frame; not written here)
	}
	if len(p) < hdr {
		return 0, false
	}
	switch n {
	case 126:
		n = int64(binary.BigEndian.Uint16(p[2:]))
	case 127:
		n = int64(binary.BigEndian.Uint64(p[2:]) & (1<<63 - 1))
	}
	return int64(hdr) + n, true
}
