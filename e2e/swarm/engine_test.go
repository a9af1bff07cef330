//go:build linux

package swarm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// engine is a dockerd of the test's own: its own data, exec and socket
// directories under one temporary root, so it never meets another engine
// on the machine, and everything it made goes when the test ends.
type engine struct {
	root     string
	host     string // DOCKER_HOST
	docker   string // the CLI
	cmd      *exec.Cmd
	exited   chan error
	gwBridge string // Linux bridge of docker_gwbridge
}

// Debian packages the test needs; scripts/test.sh installs them too.
var debianPackages = map[string]string{
	"dockerd":        "docker.io",
	"docker-compose": "docker-compose",
	"busybox":        "busybox-static",
	"redis-server":   "redis-server",
	"redis-cli":      "redis-tools",
	"nginx":          "nginx",
}

// requireTools finds the programs, installing the missing Debian packages
// when running as root.
func requireTools(t *testing.T) {
	t.Helper()
	var missing []string
	for _, prog := range slices.Sorted(maps.Keys(debianPackages)) {
		if _, err := lookPath(prog); err != nil {
			missing = append(missing, debianPackages[prog])
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getuid() != 0 {
		t.Fatalf("missing %s: install them (apt-get install %s; scripts/test.sh does) or set SKIP_DOCKER_TESTS=1",
			strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	t.Logf("installing %s", strings.Join(missing, " "))
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	for _, args := range [][]string{{"update", "-qq"}, append([]string{"install", "-y", "-qq", "--no-install-recommends"}, missing...)} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// lookPath also searches the sbin directories, which a non-login PATH may
// lack.
func lookPath(prog string) (string, error) {
	if p, err := exec.LookPath(prog); err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"} {
		p := filepath.Join(dir, prog)
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found", prog)
}

// startEngine starts dockerd and waits until it answers.
//
// Its flags keep it to itself and to this machine: --bridge=none (no
// docker0; the networks it needs are user-defined ones), no iptables
// rules, no IP forwarding or masquerading (container traffic cannot leave
// the host), published ports bound to 127.0.0.1 only, and
// DOCKER_SERVICE_PREFER_OFFLINE_IMAGE so that swarm tasks use the local
// images without trying a registry first.
func startEngine(t *testing.T) *engine {
	t.Helper()
	dockerd, err := lookPath("dockerd")
	if err != nil {
		t.Fatal(err)
	}
	// The CLI of the same package: Debian's docker.io 20.10 builds with its
	// own BuildKit client, where a newer CLI would want the buildx plugin.
	cli := filepath.Join(filepath.Dir(filepath.Dir(dockerd)), "bin", "docker")
	if _, err := os.Stat(cli); err != nil {
		if cli, err = lookPath("docker"); err != nil {
			t.Fatal(err)
		}
	}
	// Short: the containerd socket under it must fit a sockaddr_un.
	root, err := os.MkdirTemp("", "mpdk")
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{root: root, host: "unix://" + filepath.Join(root, "docker.sock"), docker: cli, exited: make(chan error, 1)}
	logf, err := os.Create(filepath.Join(root, "dockerd.log"))
	if err != nil {
		t.Fatal(err)
	}
	e.cmd = exec.Command(dockerd,
		"--data-root", filepath.Join(root, "data"),
		"--exec-root", filepath.Join(root, "exec"),
		"--pidfile", filepath.Join(root, "docker.pid"),
		"-H", e.host,
		"--bridge=none", "--iptables=false", "--ip-forward=false", "--ip-masq=false",
		"--ip=127.0.0.1", "--log-level=warn")
	e.cmd.Env = append(os.Environ(), "DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1")
	e.cmd.Stdout, e.cmd.Stderr = logf, logf
	// If the test binary dies, so does the engine (which then stops its
	// containerd and containers).
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.exited <- e.cmd.Wait(); logf.Close() }()
	t.Cleanup(func() { e.stop(t) })

	client := http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", filepath.Join(root, "docker.sock"))
	}}, Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-e.exited:
			e.exited <- err
			t.Fatalf("dockerd exited: %v\n%s", err, e.logTail())
		default:
		}
		if resp, err := client.Get("http://docker/_ping"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockerd did not answer within 60s\n%s", e.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *engine) logTail() string {
	b, _ := os.ReadFile(filepath.Join(e.root, "dockerd.log"))
	if len(b) > 8<<10 {
		b = b[len(b)-8<<10:]
	}
	return string(b)
}

// deployVars are the variables the Compose files and the docker CLIs read:
// the caller's values must not change what is deployed or where.
var deployVars = []string{"MYPINTEREST_IMAGE", "HTTP_PORT", "JWT_SECRET_NAME", "NGINX_CONF_VERSION", "BACKEND_SUBNET",
	"COOKIE_SECURE", "ALLOWED_ORIGINS", "ALLOWED_EMAIL_DOMAINS", "LOG_LEVEL",
	"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_BUILDKIT",
	"COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES"}

func (e *engine) env(extra ...string) []string {
	env := withoutEnv(os.Environ(), deployVars...)
	return append(env, append([]string{"DOCKER_HOST=" + e.host, "DOCKER_BUILDKIT=1"}, extra...)...)
}

// run runs the docker CLI in dir ("" is the repository root) and returns
// its standard output.
func (e *engine) run(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command(e.docker, args...)
	cmd.Dir = dir
	cmd.Env = e.env(env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %v\n%s%s", strings.Join(args, " "), err, stdout.Bytes(), stderr.Bytes())
	}
	return stdout.String(), nil
}

// must runs the docker CLI in the repository root.
func (e *engine) must(t testing.TB, args ...string) string {
	t.Helper()
	out, err := e.run(repoRoot(t), nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// lines splits command output into its non-empty lines.
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// stop removes what the engine runs, stops it by its PID and removes its
// directories and the network devices it left in the host namespace.
func (e *engine) stop(t *testing.T) {
	select {
	case <-e.exited:
		e.exited <- nil
	default:
		// Bridges of user-defined networks outlive a dockerd that dies;
		// note their names while it still answers.
		bridges := []string{}
		if e.gwBridge != "" {
			bridges = append(bridges, e.gwBridge)
		}
		if out, err := e.run("", nil, "network", "ls", "-q", "--no-trunc", "--filter", "driver=bridge"); err == nil {
			for _, id := range lines(out) {
				bridges = append(bridges, "br-"+id[:12])
			}
		}
		if _, err := e.run("", nil, "swarm", "leave", "--force"); err != nil && !strings.Contains(err.Error(), "not part of a swarm") {
			t.Logf("swarm leave: %v", err)
		}
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.exited:
		case <-time.After(60 * time.Second):
			t.Logf("dockerd did not stop within 60s of SIGTERM; killing it")
			_ = e.cmd.Process.Kill()
			<-e.exited
			e.killLeftovers(t)
		}
		e.exited <- nil
		for _, br := range bridges {
			if _, err := net.InterfaceByName(br); err == nil {
				if out, err := exec.Command("ip", "link", "delete", br).CombinedOutput(); err != nil {
					t.Logf("ip link delete %s: %v %s", br, err, out)
				}
			}
		}
	}
	if t.Failed() {
		t.Logf("dockerd log (tail):\n%s", e.logTail())
	}
	e.unmountAll(t)
	if err := os.RemoveAll(e.root); err != nil {
		t.Logf("remove %s: %v", e.root, err)
	}
}

// killLeftovers ends the containerd and shims of this engine after dockerd
// was killed: the processes whose command line names this engine's root.
func (e *engine) killLeftovers(t *testing.T) {
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		var pid int
		if _, err := fmt.Sscan(p.Name(), &pid); err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(e.root+"/")) {
			t.Logf("killing leftover %d: %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// unmountAll detaches the mounts (overlay layers, network namespaces) that
// are left under the root, deepest first.
func (e *engine) unmountAll(t *testing.T) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return
	}
	defer f.Close()
	var mounts []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], e.root+"/") {
			mounts = append(mounts, fields[4])
		}
	}
	slices.SortFunc(mounts, func(a, b string) int { return len(b) - len(a) })
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) {
			t.Logf("unmount %s: %v", m, err)
		}
	}
}

var repoRootDir string

// repoRoot is the directory of go.mod above the test's directory.
func repoRoot(t testing.TB) string {
	if repoRootDir != "" {
		return repoRootDir
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			repoRootDir = dir
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond until it returns nil or the deadline passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
