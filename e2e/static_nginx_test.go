//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ---------------------------------------------------------------------------
// A small nginx.conf reader: enough to ask "does this block contain that
// directive", which grep cannot answer (a directive in the wrong block is
// silently useless in Nginx).

type ngxDirective struct {
	name  string
	args  []string
	block []*ngxDirective // nil for a simple directive
}

func (d *ngxDirective) String() string { return d.name + " " + strings.Join(d.args, " ") }

// find returns the directives named name directly inside d whose arguments
// start with args.
func (d *ngxDirective) find(name string, args ...string) []*ngxDirective {
	var out []*ngxDirective
next:
	for _, c := range d.block {
		if c.name != name || len(c.args) < len(args) {
			continue
		}
		for i, a := range args {
			if c.args[i] != a {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// one is find that fails the test unless exactly one directive matches.
func (d *ngxDirective) one(t *testing.T, name string, args ...string) *ngxDirective {
	t.Helper()
	got := d.find(name, args...)
	if len(got) != 1 {
		t.Fatalf("nginx.conf: want exactly one `%s %s` in `%s`, found %d", name, strings.Join(args, " "), d, len(got))
	}
	return got[0]
}

// has reports whether d directly contains `name args...` (exact args).
func (d *ngxDirective) has(name string, args ...string) bool {
	for _, c := range d.find(name, args...) {
		if len(c.args) == len(args) {
			return true
		}
	}
	return false
}

// parseNginxConf parses nginx configuration syntax: words, quoted strings,
// `#` comments, `;`-terminated directives and `{}` blocks.
func parseNginxConf(src string) (*ngxDirective, error) {
	var toks []string
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == ';' || c == '{' || c == '}':
			toks = append(toks, string(c))
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(src) {
				return nil, fmt.Errorf("unterminated quote at byte %d", i)
			}
			// Keep a marker so that `""` stays distinguishable from a word.
			toks = append(toks, "\x00"+src[i+1:j])
			i = j + 1
		default:
			j := i
			for j < len(src) && !strings.ContainsRune(" \t\r\n;{}", rune(src[j])) {
				j++
			}
			toks = append(toks, src[i:j])
			i = j
		}
	}
	root := &ngxDirective{name: "main", block: []*ngxDirective{}}
	stack := []*ngxDirective{root}
	var cur []string
	for _, tok := range toks {
		top := stack[len(stack)-1]
		switch tok {
		case ";", "{":
			if len(cur) == 0 {
				return nil, fmt.Errorf("empty directive before %q", tok)
			}
			d := &ngxDirective{name: strings.TrimPrefix(cur[0], "\x00")}
			for _, a := range cur[1:] {
				d.args = append(d.args, strings.TrimPrefix(a, "\x00"))
			}
			top.block = append(top.block, d)
			if tok == "{" {
				d.block = []*ngxDirective{}
				stack = append(stack, d)
			}
			cur = nil
		case "}":
			if len(cur) != 0 || len(stack) == 1 {
				return nil, fmt.Errorf("unexpected } after %v", cur)
			}
			stack = stack[:len(stack)-1]
		default:
			cur = append(cur, tok)
		}
	}
	if len(stack) != 1 || len(cur) != 0 {
		return nil, fmt.Errorf("unterminated block or directive")
	}
	return root, nil
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStaticNginxConfig: the real nginx.conf passes `nginx -t` (with the
// test's upstream include) and has each production directive in the block
// where it takes effect.
func TestStaticNginxConfig(t *testing.T) {
	dir := t.TempDir()
	conf := WriteNginxConfig(t, dir, freeLoopbackAddr(t), NginxOptions{Upstreams: []string{"127.0.0.1:1"}})
	CheckNginxConfig(t, dir, conf)

	root, err := parseNginxConf(readRepoFile(t, "nginx.conf"))
	if err != nil {
		t.Fatalf("parse nginx.conf: %v", err)
	}
	// The tests' -g sets pid and daemon; the same directive in the file
	// would be "duplicate".
	for _, name := range []string{"pid", "daemon", "user"} {
		if len(root.find(name)) != 0 {
			t.Errorf("nginx.conf must not set %q at the top level (the tests pass it with -g)", name)
		}
	}
	root.one(t, "events")
	http := root.one(t, "http")

	// Relative run-time paths: absolute ones would escape the test prefix.
	for _, name := range []string{"client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path", "proxy_cache_path"} {
		d := http.one(t, name)
		if filepath.IsAbs(d.args[0]) {
			t.Errorf("%s must be relative to the prefix, is %q", name, d.args[0])
		}
	}

	m := http.one(t, "map", "$http_upgrade", "$connection_upgrade")
	if !m.has("default", "upgrade") {
		t.Errorf("map $http_upgrade must default to upgrade: %v", m.block)
	}
	if !m.has("", "") {
		t.Errorf("map $http_upgrade must map an empty Upgrade to an empty Connection (upstream keepalive): %v", m.block)
	}

	up := http.one(t, "upstream", "app")
	if !up.has("include", NginxUpstreamInclude) {
		t.Errorf("upstream app must include %s", NginxUpstreamInclude)
	}
	if !up.has("keepalive", "64") {
		t.Error("upstream app must keep 64 idle connections")
	}
	if len(up.find("server")) != 0 {
		t.Error("upstream app must take its servers only from the include")
	}

	gz := http.one(t, "gzip_types")
	for _, typ := range []string{"application/json", "application/javascript", "text/css", "image/svg+xml"} {
		if !strings.Contains(" "+strings.Join(gz.args, " ")+" ", " "+typ+" ") {
			t.Errorf("gzip_types lacks %s", typ)
		}
	}
	if !http.has("gzip", "on") {
		t.Error("gzip must be on")
	}

	lz := http.one(t, "limit_req_zone")
	if lz.args[0] != "$binary_remote_addr" || !strings.HasPrefix(lz.args[1], "zone=auth:") {
		t.Errorf("limit_req_zone must key zone auth on $binary_remote_addr: %v", lz)
	}
	if !http.has("limit_req_status", "429") {
		t.Error("limit_req_status must be 429")
	}
	pc := http.one(t, "proxy_cache_path")
	if !strings.Contains(strings.Join(pc.args, " "), "keys_zone=media:") {
		t.Errorf("proxy_cache_path must define keys_zone media: %v", pc)
	}
	if len(http.find("log_format")) == 0 || len(http.find("access_log")) == 0 {
		t.Error("an access log format must be configured")
	}

	srv := http.one(t, "server")
	srv.one(t, "listen", "8080")
	if !srv.has("client_max_body_size", "11m") {
		t.Error("client_max_body_size must be 11m (10 MiB images + multipart)")
	}
	for _, h := range [][]string{
		{"X-Content-Type-Options", "nosniff", "always"},
		{"X-Frame-Options", "DENY", "always"},
		{"Referrer-Policy", "strict-origin-when-cross-origin", "always"},
	} {
		if !srv.has("add_header", h...) {
			t.Errorf("server must add_header %v", h)
		}
	}
	for _, h := range [][]string{
		{"Host", "$mp_host"},
		{"X-Real-IP", "$remote_addr"},
		{"X-Forwarded-For", "$proxy_add_x_forwarded_for"},
		{"X-Forwarded-Proto", "$scheme"},
		{"X-Request-ID", "$mp_request_id"},
	} {
		if !srv.has("proxy_set_header", h...) {
			t.Errorf("server must proxy_set_header %v", h)
		}
	}

	locs := map[string]*ngxDirective{}
	for _, l := range srv.find("location") {
		locs[strings.Join(l.args, " ")] = l
		// add_header / proxy_hide_header in a location would drop the
		// server-level security headers for it (Nginx array inheritance).
		for _, name := range []string{"add_header", "proxy_hide_header"} {
			if len(l.find(name)) != 0 {
				t.Errorf("location %v must not set %s (it would drop the server's)", l.args, name)
			}
		}
		switch l.args[len(l.args)-1] {
		case "/nginx-health":
		case "/metrics":
			// Instances are scraped directly; the edge hides them.
			if !l.has("return", "404") {
				t.Errorf("location %v must return 404", l.args)
			}
		default:
			if !l.has("proxy_pass", "http://app") {
				t.Errorf("location %v must proxy_pass http://app", l.args)
			}
		}
	}
	if locs["= /metrics"] == nil {
		t.Error("no `location = /metrics`: the edge must not publish /metrics")
	}
	ws := locs["= /ws"]
	if ws == nil {
		t.Fatal("no `location = /ws`")
	}
	for _, d := range [][]string{
		{"proxy_http_version", "1.1"},
		{"proxy_set_header", "Upgrade", "$http_upgrade"},
		{"proxy_set_header", "Connection", "$connection_upgrade"},
		{"proxy_set_header", "X-Real-IP", "$remote_addr"},
		{"proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for"},
		{"proxy_read_timeout", "1h"},
		{"proxy_buffering", "off"},
	} {
		if !ws.has(d[0], d[1:]...) {
			t.Errorf("location /ws lacks %v", d)
		}
	}
	auth := locs["/api/v1/auth/"]
	if auth == nil || len(auth.find("limit_req", "zone=auth")) != 1 {
		t.Error("location /api/v1/auth/ must limit_req zone=auth")
	}
	if !strings.Contains(readRepoFile(t, "nginx.conf"), NginxAuthLimitLine) {
		t.Errorf("nginx.conf must spell the auth limit exactly %q (the tests can switch it off)", NginxAuthLimitLine)
	}
	media := locs["/media/"]
	if media == nil || !media.has("proxy_cache", "media") || len(media.find("proxy_cache_valid", "200")) != 1 {
		t.Error("location /media/ must proxy_cache media with a proxy_cache_valid for 200")
	}
	static := locs["/static/"]
	if static == nil || len(static.find("expires")) != 1 {
		t.Error("location /static/ must set expires")
	}

	// The containers' include: Docker's DNS, re-resolved.
	upInc := readRepoFile(t, "deploy/nginx-upstream.conf")
	upRoot, err := parseNginxConf(upInc)
	if err != nil {
		t.Fatalf("parse deploy/nginx-upstream.conf: %v", err)
	}
	if s := upRoot.one(t, "server", "app:8080"); !strings.Contains(strings.Join(s.args, " "), "resolve") {
		t.Error("deploy/nginx-upstream.conf: server app:8080 must resolve")
	}
	upRoot.one(t, "zone")
	upRoot.one(t, "resolver", "127.0.0.11")
}

// ---------------------------------------------------------------------------
// Compose and stack files.
