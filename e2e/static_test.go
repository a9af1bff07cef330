//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
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

// yamlToJSON decodes YAML with the PyYAML that docker-compose itself
// depends on (python3-yaml), so no YAML module is added to go.mod.
func yamlToJSON(t *testing.T, yamlText []byte) map[string]any {
	t.Helper()
	cmd := exec.Command("python3", "-c", "import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)")
	cmd.Stdin = bytes.NewReader(yamlText)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 yaml: %v (install python3-yaml, a dependency of docker-compose)", err)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// dig walks maps by keys and returns nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func digString(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}

func digInt(v any, keys ...string) int {
	switch n := dig(v, keys...).(type) {
	case float64:
		return int(n)
	case string:
		i, _ := strconv.Atoi(n)
		return i
	}
	return 0
}

// run runs a command in the repository root and fails with its output.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = RepoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

func requireHealthcheck(t *testing.T, file string, svc map[string]any, name string) {
	t.Helper()
	if test := dig(svc, "healthcheck", "test"); test == nil {
		t.Errorf("%s: service %s has no healthcheck", file, name)
	}
}

// TestStaticCompose validates the three Compose files with Debian's
// docker-compose (and `docker stack config` where the docker CLI exists)
// and checks the topology the product promises.
func TestStaticCompose(t *testing.T) {
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Fatal("docker-compose not found: install it with `apt-get install -y docker-compose`")
	}
	files := []string{"docker-compose.yml", "deploy/docker-stack.yml", "deploy/portainer-stack.yml"}
	for _, f := range files {
		run(t, "docker-compose", "-f", f, "config", "-q")
	}
	// The swarm files are read by `docker stack deploy`, whose loader
	// (3.x schema) is stricter about deploy keys than docker-compose's.
	// `docker stack config` (Docker CLI 23 and later; Debian's docker.io
	// 20.10 lacks it) runs that loader without a daemon. Where no such CLI
	// exists the YAML checks below still run.
	// 20.10 answers the probe with the generic `docker stack` help and exit
	// status 0, so the help text itself is what tells.
	if help, _ := exec.Command("docker", "stack", "config", "--help").CombinedOutput(); bytes.Contains(help, []byte("final config file")) {
		for _, f := range files[1:] {
			run(t, "docker", "stack", "config", "-c", f)
		}
	} else {
		t.Log("no docker CLI with `docker stack config`: the swarm loader check is not run")
	}

	// The secret file does not exist in a fresh clone and must never be
	// committed: the directory ignores everything but its .gitignore.
	if ign := readRepoFile(t, "deploy/secrets/.gitignore"); !strings.Contains(ign, "*") {
		t.Error("deploy/secrets/.gitignore must ignore the secrets")
	}

	t.Run("compose", func(t *testing.T) {
		// The resolved model (interpolation done) as docker-compose sees it.
		c := yamlToJSON(t, run(t, "docker-compose", "-f", "docker-compose.yml", "config"))
		svcs, _ := dig(c, "services").(map[string]any)
		for _, name := range []string{"mongo", "redis", "app", "nginx"} {
			if svcs[name] == nil {
				t.Fatalf("docker-compose.yml: no service %s", name)
			}
			requireHealthcheck(t, "docker-compose.yml", svcs[name].(map[string]any), name)
		}
		app := svcs["app"]
		if n := digInt(app, "deploy", "replicas"); n < 2 {
			t.Errorf("app replicas = %d, want ≥ 2", n)
		}
		if digString(app, "build", "dockerfile") != "deploy/Dockerfile" {
			t.Error("app must be built from deploy/Dockerfile")
		}
		env := map[string]string{
			"MONGODB_URI":     "mongodb://mongo:27017",
			"REDIS_URL":       "redis://redis:6379/0",
			"JWT_SECRET_FILE": "/run/secrets/jwt_secret",
		}
		for k, want := range env {
			if got := digString(app, "environment", k); got != want {
				t.Errorf("app %s = %q, want %q", k, got, want)
			}
		}
		subnets, _ := dig(c, "networks", "backend", "ipam", "config").([]any)
		if len(subnets) != 1 || digString(subnets[0], "subnet") != digString(app, "environment", "TRUSTED_PROXIES") {
			t.Errorf("app TRUSTED_PROXIES must be the backend subnet %v", subnets)
		}
		secrets, _ := dig(app, "secrets").([]any)
		if len(secrets) != 1 || digString(secrets[0], "source") != "jwt_secret" {
			t.Errorf("app secrets = %v, want jwt_secret", secrets)
		}
		if f := digString(c, "secrets", "jwt_secret", "file"); !strings.HasSuffix(f, "deploy/secrets/jwt_secret") {
			t.Errorf("secret jwt_secret file = %q", f)
		}
		for _, dep := range []string{"mongo", "redis"} {
			if digString(app, "depends_on", dep, "condition") != "service_healthy" {
				t.Errorf("app must depend on %s being healthy", dep)
			}
		}
		if ports, _ := dig(svcs["nginx"], "ports").([]any); len(ports) != 1 {
			t.Errorf("nginx must publish exactly one port, has %v", ports)
		}
		for name, svc := range svcs {
			if name != "nginx" && dig(svc, "ports") != nil {
				t.Errorf("only nginx may publish ports; %s does", name)
			}
		}
		mounts := fmt.Sprint(dig(svcs["nginx"], "volumes"))
		for _, target := range []string{"/etc/nginx/nginx.conf", "/etc/nginx/" + NginxUpstreamInclude} {
			if !strings.Contains(mounts, target) {
				t.Errorf("nginx must mount %s: %s", target, mounts)
			}
		}
		if dig(svcs["mongo"], "volumes") == nil {
			t.Error("mongo must keep its data in a volume")
		}
	})

	t.Run("stack", func(t *testing.T) {
		s := yamlToJSON(t, []byte(readRepoFile(t, "deploy/docker-stack.yml")))
		svcs, _ := dig(s, "services").(map[string]any)
		app := svcs["app"]
		if app == nil {
			t.Fatal("stack: no app service")
		}
		if n := digInt(app, "deploy", "replicas"); n < 2 {
			t.Errorf("stack app replicas = %d, want ≥ 2", n)
		}
		uc := dig(app, "deploy", "update_config")
		if digString(uc, "order") != "start-first" || digString(uc, "failure_action") != "rollback" || digString(uc, "monitor") == "" {
			t.Errorf("stack app update_config = %v, want start-first, rollback, monitor", uc)
		}
		if dig(app, "deploy", "restart_policy") == nil {
			t.Error("stack app needs a restart_policy")
		}
		if digString(app, "environment", "JWT_SECRET_FILE") != "/run/secrets/jwt_secret" {
			t.Error("stack app must read the key through JWT_SECRET_FILE=/run/secrets/jwt_secret")
		}
		secrets, _ := dig(app, "secrets").([]any)
		if len(secrets) != 1 || digString(secrets[0], "target") != "jwt_secret" {
			t.Errorf("stack app secrets = %v", secrets)
		}
		src := digString(secrets[0], "source")
		if dig(s, "secrets", src, "external") != true {
			t.Errorf("stack secret %s must be external", src)
		}
		for _, name := range []string{"mongo", "redis", "app", "nginx"} {
			if svcs[name] == nil {
				t.Fatalf("stack: no service %s", name)
			}
			requireHealthcheck(t, "docker-stack.yml", svcs[name].(map[string]any), name)
		}
		if c, _ := dig(svcs["mongo"], "deploy", "placement", "constraints").([]any); len(c) == 0 {
			t.Error("stack mongo needs a placement constraint (its volume is node-local)")
		}
		if dig(svcs["mongo"], "volumes") == nil {
			t.Error("stack mongo needs a volume")
		}
		if digString(s, "networks", "backend", "driver") != "overlay" {
			t.Error("stack backend network must be an overlay")
		}
		if ports, _ := dig(svcs["nginx"], "ports").([]any); len(ports) != 1 {
			t.Errorf("stack nginx must publish one port, has %v", ports)
		}
	})

	t.Run("portainer", func(t *testing.T) {
		p := yamlToJSON(t, []byte(readRepoFile(t, "deploy/portainer-stack.yml")))
		if digString(p, "services", "agent", "deploy", "mode") != "global" {
			t.Error("portainer agent must run in global mode")
		}
		if !strings.Contains(fmt.Sprint(dig(p, "services", "portainer", "deploy", "placement", "constraints")), "node.role == manager") {
			t.Error("portainer server must run on a manager")
		}
	})
}

// ---------------------------------------------------------------------------
// Dockerfile and the binary it builds.

// dockerfileInstructions joins continuation lines and drops comments.
func dockerfileInstructions(src string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, strings.Join(strings.Fields(cur.String()), " "))
		cur.Reset()
	}
	return out
}

// appConfigEnv lists the variables the server reads; the environment of the
// test process must not leak into the embedded-mode run.
var appConfigEnv = []string{"ADDR", "DATA_DIR", "MONGODB_URI", "MONGODB_DB", "REDIS_URL", "JWT_SECRET", "JWT_SECRET_FILE",
	"COOKIE_SECURE", "ALLOWED_ORIGINS", "ALLOWED_EMAIL_DOMAINS", "AUTH_RATE_LIMIT", "TRUSTED_PROXIES", "LOG_LEVEL",
	"SHUTDOWN_TIMEOUT", "ADMIN_ADDR"}

func appEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, n := range appConfigEnv {
			if name == n {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// TestStaticDockerfile checks the Dockerfile's shape, then builds the server
// exactly as its builder stage does and runs it as the image would (embedded
// mode, HEALTHCHECK command, SIGTERM from `docker stop`).
func TestStaticDockerfile(t *testing.T) {
	ins := dockerfileInstructions(readRepoFile(t, "deploy/Dockerfile"))
	var froms []string
	var lastStage []string
	for _, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			froms = append(froms, in)
			lastStage = nil
		}
		lastStage = append(lastStage, in)
	}
	if len(froms) < 2 {
		t.Fatalf("Dockerfile must be multi-stage, has %d FROM", len(froms))
	}
	if !regexp.MustCompile(`^FROM (--platform=\S+ )?golang:1\.26\S* AS build$`).MatchString(froms[0]) {
		t.Errorf("first stage must be golang:1.26 AS build: %q", froms[0])
	}
	all := strings.Join(ins, "\n")
	buildCmd := `go build -trimpath -ldflags="-s -w" -o /out/mypinterest ./cmd/mypinterest`
	for _, want := range []string{"CGO_ENABLED=0", buildCmd, "--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
		if !strings.Contains(all, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	final := strings.Join(lastStage, "\n")
	user := regexp.MustCompile(`(?m)^USER (\S+)$`).FindStringSubmatch(final)
	if user == nil || user[1] == "root" || strings.HasPrefix(user[1], "0") {
		t.Errorf("final stage must run as a non-root USER, has %v", user)
	}
	for _, want := range []string{"HEALTHCHECK ", `CMD ["/mypinterest", "healthcheck"]`, "EXPOSE 8080", `VOLUME ["/data"]`, "DATA_DIR=/data"} {
		if !strings.Contains(final, want) {
			t.Errorf("final stage lacks %q", want)
		}
	}
	ignore := readRepoFile(t, ".dockerignore")
	for _, want := range []string{".git", "deploy/secrets", "data"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(ignore) {
			t.Errorf(".dockerignore must exclude %s", want)
		}
	}

	// The builder's command, flags and environment.
	dir := t.TempDir()
	bin := filepath.Join(dir, "mypinterest")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "./cmd/mypinterest")
	build.Dir = RepoRoot(t)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mypinterest as in deploy/Dockerfile: %v\n%s", err, out)
	}

	addr := freeLoopbackAddr(t)
	var logs tailBuffer
	logs.max = 64 << 10
	srv := exec.Command(bin)
	srv.Env = appEnv("ADDR="+addr, "DATA_DIR="+filepath.Join(dir, "data"))
	srv.Stdout, srv.Stderr = &logs, &logs
	srv.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = srv.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("server output:\n%s", logs.String())
		}
	})

	healthy := false
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline) && !healthy; {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("server exited during start-up: %v", err)
		default:
		}
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			healthy = resp.StatusCode == http.StatusOK
			resp.Body.Close()
		}
		if !healthy {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !healthy {
		t.Fatal("/healthz did not answer 200 within 90s")
	}

	healthcheck := func() error {
		hc := exec.Command(bin, "healthcheck")
		hc.Env = appEnv("ADDR=" + addr)
		out, err := hc.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	if err := healthcheck(); err != nil {
		t.Errorf("`mypinterest healthcheck` against a healthy server: %v", err)
	}

	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Errorf("server did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit within 30s of SIGTERM")
	}
	if err := healthcheck(); err == nil {
		t.Error("`mypinterest healthcheck` must fail when no server answers")
	}
}

// ---------------------------------------------------------------------------
// The real nginx.conf in front of a stand-in upstream.

type seenRequest struct {
	Host, RealIP, ForwardedFor, Proto, RequestID, Connection string
}

// TestNginxProxiesToUpstream runs the repository's nginx.conf in front of an
// httptest upstream and checks what production relies on: forwarded client
// address and request id, security headers, gzip, WebSocket upgrade, the
// media cache, static caching headers, the body size limit and the auth
// rate limit.
func TestNginxProxiesToUpstream(t *testing.T) {
	var mediaHits, authHits atomic.Int64
	bigJSON := `{"items":[` + strings.Repeat(`{"title":"pin","content":"text"},`, 200) + `{}]}`
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		// The app's own copy must not reach the client next to Nginx's.
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		json.NewEncoder(w).Encode(seenRequest{
			Host: r.Host, RealIP: r.Header.Get("X-Real-IP"), ForwardedFor: r.Header.Get("X-Forwarded-For"),
			Proto: r.Header.Get("X-Forwarded-Proto"), RequestID: r.Header.Get("X-Request-ID"),
			Connection: r.Header.Get("Connection"),
		})
	})
	mux.HandleFunc("/api/v1/pins", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, bigJSON)
			return
		}
		fmt.Fprintf(w, `{"received":%d}`, n)
	})
	mux.HandleFunc("/api/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		authHits.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/media/", func(w http.ResponseWriter, r *http.Request) {
		mediaHits.Add(1)
		w.Header().Set("Content-Type", "image/jpeg")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Write([]byte("not really a jpeg"))
	})
	mux.HandleFunc("/static/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Header().Set("Cache-Control", "no-cache")
		io.WriteString(w, "console.log(1)")
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, append([]byte("echo:"), msg...)); err != nil {
				return
			}
		}
	})
	upstream := httptest.NewServer(mux)
	defer upstream.Close()

	addr := StartNginx(t, []string{upstream.Listener.Addr().String()})
	base := "http://" + addr
	// No transparent gzip: the test looks at Content-Encoding itself.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	get := func(path string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("forwarding and security headers", func(t *testing.T) {
		resp := get("/echo", "X-Forwarded-For", "203.0.113.7")
		var seen seenRequest
		if err := json.NewDecoder(resp.Body).Decode(&seen); err != nil {
			t.Fatal(err)
		}
		if seen.RealIP != "127.0.0.1" {
			t.Errorf("X-Real-IP = %q, want 127.0.0.1", seen.RealIP)
		}
		if seen.ForwardedFor != "203.0.113.7, 127.0.0.1" {
			t.Errorf("X-Forwarded-For = %q, want the client's chain plus 127.0.0.1", seen.ForwardedFor)
		}
		if seen.Proto != "http" {
			t.Errorf("X-Forwarded-Proto = %q", seen.Proto)
		}
		if seen.Host != addr {
			t.Errorf("Host = %q, want %q (with the port, for Origin checks)", seen.Host, addr)
		}
		if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(seen.RequestID) {
			t.Errorf("X-Request-ID = %q, want Nginx's $request_id", seen.RequestID)
		}
		if seen.Connection != "" {
			t.Errorf("plain requests must not send Connection upstream (keepalive), got %q", seen.Connection)
		}
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"X-Frame-Options":        "DENY",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
		} {
			if got := resp.Header.Values(h); len(got) != 1 || got[0] != want {
				t.Errorf("%s = %q, want exactly [%s]", h, got, want)
			}
		}
		if s := resp.Header.Get("Server"); s != "nginx" {
			t.Errorf("Server = %q, want the bare name (server_tokens off)", s)
		}

		resp = get("/echo", "X-Request-ID", "from-the-client-42")
		seen = seenRequest{}
		json.NewDecoder(resp.Body).Decode(&seen)
		if seen.RequestID != "from-the-client-42" {
			t.Errorf("a caller's X-Request-ID must pass through, upstream saw %q", seen.RequestID)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		resp := get("/api/v1/pins", "Accept-Encoding", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("JSON was not gzipped: %v", resp.Header)
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if string(body) != bigJSON {
			t.Error("gzipped body differs from the upstream's")
		}
	})

	t.Run("websocket", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws://"+addr+"/ws", nil)
		if err != nil {
			t.Fatalf("WebSocket through nginx: %v", err)
		}
		defer c.CloseNow()
		for _, msg := range []string{"one", "two"} {
			if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
				t.Fatal(err)
			}
			_, got, err := c.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "echo:"+msg {
				t.Errorf("got %q", got)
			}
		}
		c.Close(websocket.StatusNormalClosure, "")
	})

	t.Run("media cache", func(t *testing.T) {
		before := mediaHits.Load()
		var statuses []string
		for range 3 {
			resp := get("/media/abc123/thumb.jpg")
			io.Copy(io.Discard, resp.Body)
			statuses = append(statuses, resp.Header.Get("X-Cache-Status"))
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("cached media lost the security headers")
			}
		}
		if n := mediaHits.Load() - before; n != 1 {
			t.Errorf("upstream saw %d media requests for one image, want 1 (statuses %v)", n, statuses)
		}
		if statuses[2] != "HIT" {
			t.Errorf("X-Cache-Status = %v, want a HIT at the end", statuses)
		}
	})

	t.Run("static cache headers", func(t *testing.T) {
		resp := get("/static/app.js")
		if cc := resp.Header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "max-age=604800" {
			t.Errorf("Cache-Control = %q, want [max-age=604800]", cc)
		}
	})

	t.Run("body size", func(t *testing.T) {
		post := func(n int) int {
			resp, err := client.Post(base+"/api/v1/pins", "application/octet-stream", bytes.NewReader(make([]byte, n)))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode
		}
		if s := post(10<<20 + 64<<10); s != http.StatusOK {
			t.Errorf("a 10 MiB upload plus form overhead got %d", s)
		}
		if s := post(12 << 20); s != http.StatusRequestEntityTooLarge {
			t.Errorf("a 12 MiB upload got %d, want 413", s)
		}
	})

	t.Run("auth rate limit", func(t *testing.T) {
		counts := burstLogin(t, client, base, 40)
		if counts[http.StatusTooManyRequests] == 0 || counts[http.StatusOK] < 20 {
			t.Errorf("40 quick logins from one address: %v, want ≥ 20 OK then 429s", counts)
		}
		// Only the auth endpoints are limited.
		if resp := get("/echo"); resp.StatusCode != http.StatusOK {
			t.Errorf("/echo after the auth burst: %d", resp.StatusCode)
		}
	})

	t.Run("auth rate limit off", func(t *testing.T) {
		addr := StartNginxWithOptions(t, NginxOptions{Upstreams: []string{upstream.Listener.Addr().String()}, NoAuthRateLimit: true})
		if counts := burstLogin(t, client, "http://"+addr, 40); counts[http.StatusOK] != 40 {
			t.Errorf("with NoAuthRateLimit: %v, want 40 OK", counts)
		}
	})
}

func burstLogin(t *testing.T, client *http.Client, base string, n int) map[int]int {
	t.Helper()
	counts := map[int]int{}
	for range n {
		resp, err := client.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		counts[resp.StatusCode]++
	}
	return counts
}
