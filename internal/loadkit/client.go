package loadkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// ErrRateLimited marks a 429 so callers can print the AUTH_RATE_LIMIT hint
// instead of a bare status code.
var ErrRateLimited = errors.New("rate limited (429)")

// APIError is a non-2xx answer from the JSON API, with the start of its body
// kept so the operator sees the server's own explanation.
type APIError struct {
	Method, Path string
	Status       int
	Body         string
}

// Error names the request and the server's answer.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// Unwrap exposes ErrRateLimited for a 429 so errors.Is finds it through
// the callers' wrappers.
func (e *APIError) Unwrap() error {
	if e.Status == http.StatusTooManyRequests {
		return ErrRateLimited
	}
	return nil
}

// Client talks to the /api/v1 JSON API for seeding, set-up and state
// checks. It is separate from the measuring workers, whose connections must
// not be shared with anything else.
type Client struct {
	Base string // e.g. http://127.0.0.1:8080, without a trailing slash
	hc   *http.Client
}

// NewClient returns a client whose pool keeps one idle connection per
// worker, so uploads reuse connections instead of churning them.
func NewClient(base string, workers int) *Client {
	tr := &http.Transport{
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		IdleConnTimeout:     30 * time.Second,
	}
	return &Client{
		Base: strings.TrimRight(base, "/"),
		// Uploads are decoded and resized server-side; give them room.
		hc: &http.Client{Transport: tr, Timeout: 60 * time.Second},
	}
}

// Do sends one request and decodes a 2xx JSON answer into out (if non-nil).
func (c *Client) Do(ctx context.Context, method, path, token, contentType string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet := strings.TrimSpace(string(data))
		if len(snippet) > 300 {
			snippet = snippet[:300] + "…"
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Body: snippet}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

// JSON sends in as a JSON body (nil for none).
func (c *Client) JSON(ctx context.Context, method, path, token string, in, out any) error {
	if in == nil {
		return c.Do(ctx, method, path, token, "", nil, out)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.Do(ctx, method, path, token, "application/json", body, out)
}

// Multipart posts text fields plus one JPEG as the `image` part.
func (c *Client) Multipart(ctx context.Context, path, token string, fields [][2]string, filename string, jpegData []byte, out any) error {
	contentType, body, err := MultipartBody(fields, filename, jpegData)
	if err != nil {
		return err
	}
	return c.Do(ctx, http.MethodPost, path, token, contentType, body, out)
}

// MultipartBody encodes text fields plus one JPEG as the `image` part and
// returns the Content-Type (with its boundary) and the body.
func MultipartBody(fields [][2]string, filename string, jpegData []byte) (contentType string, body []byte, err error) {
	var buf bytes.Buffer
	buf.Grow(len(jpegData) + 1024)
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return "", nil, err
		}
	}
	// CreateFormFile would label the part application/octet-stream; a real
	// browser sends image/jpeg, so do the same.
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename=%q`, filename))
	h.Set("Content-Type", "image/jpeg")
	part, err := w.CreatePart(h)
	if err != nil {
		return "", nil, err
	}
	if _, err := part.Write(jpegData); err != nil {
		return "", nil, err
	}
	if err := w.Close(); err != nil {
		return "", nil, err
	}
	return w.FormDataContentType(), buf.Bytes(), nil
}
