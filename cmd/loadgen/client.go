package main

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
	"net/url"
	"strings"
	"time"
)

// errRateLimited marks a 429 so callers can print the AUTH_RATE_LIMIT hint
// instead of a bare status code.
var errRateLimited = errors.New("rate limited (429)")

// apiError is a non-2xx answer from the JSON API, with the start of its body
// kept so the operator sees the server's own explanation.
type apiError struct {
	Method, Path string
	Status       int
	Body         string
}

// Error names the request and the server's answer.
func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Body)
}

// Unwrap exposes errRateLimited for a 429 so errors.Is finds it through
// the seeding wrappers.
func (e *apiError) Unwrap() error {
	if e.Status == http.StatusTooManyRequests {
		return errRateLimited
	}
	return nil
}

// apiClient talks to the /api/v1 JSON API for seeding and state checks. It
// is separate from the measuring workers, whose connections must not be
// shared with anything else.
type apiClient struct {
	base string // e.g. http://127.0.0.1:8080, without a trailing slash
	hc   *http.Client
}

// newAPIClient returns a client whose pool keeps one idle connection per
// seeding worker, so uploads reuse connections instead of churning them.
func newAPIClient(base string, workers int) *apiClient {
	tr := &http.Transport{
		MaxIdleConns:        workers,
		MaxIdleConnsPerHost: workers,
		IdleConnTimeout:     30 * time.Second,
	}
	return &apiClient{
		base: strings.TrimRight(base, "/"),
		// Uploads are decoded and resized server-side; give them room.
		hc: &http.Client{Transport: tr, Timeout: 60 * time.Second},
	}
}

// do sends one request and decodes a 2xx JSON answer into out (if non-nil).
func (c *apiClient) do(ctx context.Context, method, path, token, contentType string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
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
		return &apiError{Method: method, Path: path, Status: resp.StatusCode, Body: snippet}
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decoding answer: %w", method, path, err)
	}
	return nil
}

// jsonCall sends in as a JSON body (nil for none).
func (c *apiClient) jsonCall(ctx context.Context, method, path, token string, in, out any) error {
	if in == nil {
		return c.do(ctx, method, path, token, "", nil, out)
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, method, path, token, "application/json", body, out)
}

// multipartCall posts text fields plus one JPEG as the `image` part.
func (c *apiClient) multipartCall(ctx context.Context, path, token string, fields [][2]string, filename string, jpegData []byte, out any) error {
	var buf bytes.Buffer
	buf.Grow(len(jpegData) + 1024)
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	// CreateFormFile would label the part application/octet-stream; a real
	// browser sends image/jpeg, so do the same.
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="image"; filename=%q`, filename))
	h.Set("Content-Type", "image/jpeg")
	part, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := part.Write(jpegData); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, token, w.FormDataContentType(), buf.Bytes(), out)
}

// authAnswer is what sign-up and log-in return.
type authAnswer struct {
	User struct {
		ID       string `json:"id"`
		Nickname string `json:"nickname"`
	} `json:"user"`
	Token string `json:"token"`
}

// idAnswer picks the id out of any created resource.
type idAnswer struct {
	ID string `json:"id"`
}

// pinPage is one page of GET /pins.
type pinPage struct {
	Items      []idAnswer `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// countPins counts pins page by page, stopping once limit is reached so the
// check stays cheap on a large database.
func (c *apiClient) countPins(ctx context.Context, limit int) (int, error) {
	n := 0
	cursor := ""
	for n < limit {
		path := "/api/v1/pins?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		var page pinPage
		if err := c.jsonCall(ctx, http.MethodGet, path, "", nil, &page); err != nil {
			return n, err
		}
		n += len(page.Items)
		if page.NextCursor == nil || *page.NextCursor == "" || len(page.Items) == 0 {
			break
		}
		cursor = *page.NextCursor
	}
	return n, nil
}
