package loadkit

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClientMultipartAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/upload":
			file, hdr, err := r.FormFile("image")
			if err != nil || r.FormValue("title") != "hello" || hdr.Header.Get("Content-Type") != "image/jpeg" ||
				r.Header.Get("Authorization") != "Bearer tok" {
				http.Error(w, "bad upload", http.StatusBadRequest)
				return
			}
			data, _ := io.ReadAll(file)
			w.Write([]byte(`{"id":"` + string(data) + `"}`))
		case "/limited":
			http.Error(w, `{"error":{"code":"rate_limited"}}`, http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL+"/", 1)
	var got struct{ ID string }
	if err := c.Multipart(context.Background(), "/upload", "tok", [][2]string{{"title", "hello"}}, "a.jpg", []byte("JPEG"), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "JPEG" {
		t.Fatalf("server saw image %q", got.ID)
	}
	err := c.JSON(context.Background(), http.MethodPost, "/limited", "", map[string]string{"a": "b"}, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests || !strings.Contains(ae.Body, "rate_limited") {
		t.Fatalf("error %v is not the 429 with its body", err)
	}
	if !errors.Is(err, ErrRateLimited) {
		t.Fatal("a 429 does not unwrap to ErrRateLimited")
	}
}
