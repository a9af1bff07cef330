//go:build linux

package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
	// The base images are build arguments (e2e/swarm builds this file from
	// local stand-ins); their defaults are what production builds from.
	args := map[string]string{}
	for _, in := range ins {
		if m := regexp.MustCompile(`^ARG (\w+)=(\S+)$`).FindStringSubmatch(in); m != nil {
			args[m[1]] = m[2]
		}
	}
	expand := func(s string) string {
		return os.Expand(s, func(name string) string {
			if v, ok := args[name]; ok {
				return v
			}
			return "$" + name
		})
	}
	if !regexp.MustCompile(`^FROM (--platform=\S+ )?golang:1\.26\S* AS build$`).MatchString(expand(froms[0])) {
		t.Errorf("first stage must be golang:1.26 AS build: %q", froms[0])
	}
	// The final stage copies the binary from the build stage unless
	// BINARY_SOURCE names a prebuilt one.
	if got := expand(strings.Join(froms, "\n")); !strings.Contains(got, "FROM build AS binary") ||
		!strings.HasSuffix(got, "FROM gcr.io/distroless/static-debian12:nonroot") {
		t.Errorf("by default the binary must come from the build stage into distroless static: %q", got)
	}
	if strings.HasPrefix(readRepoFile(t, "deploy/Dockerfile"), "# syntax=") {
		t.Error("a `# syntax=` line makes every build pull the frontend image; the built-in one is enough")
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
