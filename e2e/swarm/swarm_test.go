//go:build linux

package swarm

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const stackName = "mypinterest"

// healthInterval is the health-check interval of the stack's app service:
// the longest a killed replica may make requests fail.
const healthInterval = 10 * time.Second

// TestDockerDeploy deploys the product as docs/OPERATIONS.md does, on a
// private Docker engine, and checks what the deployment files promise:
//
//   - deploy/Dockerfile builds the runtime image (from local stand-ins of
//     its base images, see images_test.go);
//   - deploy/docker-stack.yml, unchanged, runs on a one-node swarm with its
//     secret, configs, health checks and volumes, and serves through Nginx:
//     sign-up, a group and a pin with an image, a live comment reaching
//     WebSockets held by both app replicas;
//   - a killed replica is replaced and requests fail for less than one
//     health-check interval; a start-first rolling update to a rebuilt
//     image fails no request; scaling to 3 puts the third replica behind
//     Nginx; removing and redeploying the stack keeps the data;
//   - docker-compose.yml comes up with docker-compose and serves.
//
// The third-party images are stand-ins built here from Debian's binaries
// (and FerretDB for MongoDB): the official images themselves are not
// tested. SKIP_DOCKER_TESTS=1 skips the test.
func TestDockerDeploy(t *testing.T) {
	if os.Getenv("SKIP_DOCKER_TESTS") == "1" {
		t.Skip("SKIP_DOCKER_TESTS=1: the Docker deployment is not tested")
	}
	if os.Getuid() != 0 {
		t.Fatal("the test starts its own dockerd, which needs root; run it as root or set SKIP_DOCKER_TESTS=1")
	}
	ph := newPhases(t)
	requireTools(t)
	images := readDeployImages(t)
	ph.done("tools, image names of the Compose files")
	e := startEngine(t)
	ph.done("engine started")

	work := t.TempDir()
	// Every name either file uses, so that both deploy unchanged.
	tags := func(svc string) []string {
		return slices.Compact(slices.Sorted(slices.Values([]string{images.stack[svc], images.compose[svc]})))
	}
	buildBaseStandins(t, e, work)
	buildAppImage(t, e, "", tags("app")...)
	ph.done("app image (deploy/Dockerfile)")
	buildMongo(t, e, work, tags("mongo")...)
	buildRedis(t, e, work, tags("redis")...)
	buildNginx(t, e, work, tags("nginx")...)
	ph.done("stand-in images")

	t.Run("swarm", func(t *testing.T) { testSwarm(t, e, ph, images, work) })
	t.Run("compose", func(t *testing.T) { testCompose(t, e, ph, work) })
}

// phases logs how long each step took, and the total at the end.
type phases struct {
	t           *testing.T
	start, last time.Time
	rows        []string
}

func newPhases(t *testing.T) *phases {
	p := &phases{t: t, start: time.Now(), last: time.Now()}
	t.Cleanup(func() {
		t.Logf("phase durations:\n%s\n  %-44s %6.1fs", strings.Join(p.rows, "\n"), "total (with teardown)", time.Since(p.start).Seconds())
	})
	return p
}

func (p *phases) done(name string) {
	d := time.Since(p.last)
	p.last = time.Now()
	row := fmt.Sprintf("  %-44s %6.1fs", name, d.Seconds())
	p.rows = append(p.rows, row)
	p.t.Logf("phase done: %s", strings.TrimSpace(row))
}

// stack drives the deployed stack.
type stack struct {
	e    *engine
	port int
	api  *api
}

func testSwarm(t *testing.T, e *engine, ph *phases, images deployImages, work string) {
	// docker_gwbridge made before `swarm init`, as Docker documents for
	// custom settings: a Linux bridge name of this engine's own, and no
	// masquerading (nothing is to leave the host).
	e.gwBridge = fmt.Sprintf("mpgw%d", os.Getpid()%100000)
	e.must(t, "network", "create", "--driver", "bridge",
		"--opt", "com.docker.network.bridge.name="+e.gwBridge,
		"--opt", "com.docker.network.bridge.enable_ip_masquerade=false",
		"docker_gwbridge")
	e.must(t, "swarm", "init", "--advertise-addr", "127.0.0.1",
		"--listen-addr", fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		"--data-path-port", fmt.Sprint(freeUDPPort(t)))
	node := strings.TrimSpace(e.must(t, "info", "--format", "{{.Swarm.NodeID}}"))
	e.must(t, "node", "update", "--label-add", "mypinterest.db=true", "--label-add", "mypinterest.edge=true", node)
	secret := filepath.Join(work, "jwt_secret")
	if err := os.WriteFile(secret, []byte(randomHex(t, 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.must(t, "secret", "create", "mypinterest_jwt_secret", secret)
	ph.done("swarm init, labels, secret")

	s := &stack{e: e, port: freePort(t)}
	s.api = newAPI(s.port)
	t.Cleanup(func() {
		if t.Failed() {
			s.dumpLogs(t)
		}
	})
	s.deploy(t)
	s.waitHealthy(t, 2)
	s.waitNginxUses(t, 2, "deployed-")
	ph.done("stack deploy until healthy")

	author := s.api.signUp(t, "author")
	reader := s.api.signUp(t, "reader")
	p := s.api.createPin(t, author, "Deployed pin")
	s.liveCommentOnEveryReplica(t, reader, p.ID)
	ph.done("sign-up, pin with image, live comment")

	s.killReplica(t, reader, p.ID)
	ph.done("replica killed and replaced")

	s.rollingUpdate(t, reader, p.ID)
	ph.done("rolling update (start-first)")

	s.scale(t, 3)
	ph.done("scale to 3")

	s.remove(t)
	s.deploy(t)
	s.waitHealthy(t, 2)
	token := s.api.logIn(t, author)
	var got pin
	s.api.call(t, "GET", "/api/v1/pins/"+p.ID, token, nil, "", http.StatusOK, &got)
	if got.Title != p.Title {
		t.Errorf("after redeploy the pin's title is %q, want %q", got.Title, p.Title)
	}
	status, body, err := s.api.do("GET", got.ImageURL, token, "", nil, "")
	if err != nil || status != http.StatusOK || len(body) == 0 {
		t.Errorf("after redeploy GET %s: %d, %d bytes, %v", got.ImageURL, status, len(body), err)
	}
	var comments struct {
		Items []json.RawMessage `json:"items"`
	}
	s.api.call(t, "GET", "/api/v1/pins/"+p.ID+"/comments", token, nil, "", http.StatusOK, &comments)
	if len(comments.Items) == 0 {
		t.Error("after redeploy the pin has no comments")
	}
	ph.done("stack removed, redeployed, data kept")

	// Not waited for: the engine's teardown removes whatever is left.
	s.e.must(t, "stack", "rm", stackName)
}

func (s *stack) deploy(t *testing.T) {
	t.Helper()
	if _, err := s.e.run(repoRoot(t), []string{fmt.Sprintf("HTTP_PORT=%d", s.port)},
		"stack", "deploy", "--resolve-image", "never", "-c", "deploy/docker-stack.yml", stackName); err != nil {
		t.Fatal(err)
	}
}

// container is one running container of a service.
type container struct {
	ID, Image, Status string
}

func (s *stack) containers(t testing.TB, service string) []container {
	t.Helper()
	out := s.e.must(t, "ps", "--filter", "label=com.docker.swarm.service.name="+stackName+"_"+service,
		"--format", "{{.ID}}\t{{.Image}}\t{{.Status}}")
	var cs []container
	for _, l := range lines(out) {
		f := strings.SplitN(l, "\t", 3)
		if len(f) == 3 {
			cs = append(cs, container{ID: f[0], Image: f[1], Status: f[2]})
		}
	}
	return cs
}

func healthy(cs []container) bool {
	for _, c := range cs {
		if !strings.Contains(c.Status, "(healthy)") {
			return false
		}
	}
	return true
}

// waitHealthy waits until every service runs its replicas, every container
// passes its health check (apps running) and Nginx answers /healthz.
func (s *stack) waitHealthy(t *testing.T, apps int) {
	t.Helper()
	waitFor(t, "stack healthy", 3*time.Minute, func() error {
		for _, svc := range []string{"mongo", "redis", "nginx"} {
			if cs := s.containers(t, svc); len(cs) != 1 || !healthy(cs) {
				return fmt.Errorf("%s: %v", svc, cs)
			}
		}
		if cs := s.containers(t, "app"); len(cs) != apps || !healthy(cs) {
			return fmt.Errorf("app: %v", cs)
		}
		status, body, err := s.api.do("GET", "/healthz", "", "", nil, "")
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("GET /healthz through nginx: %d %.200s %v", status, body, err)
		}
		return nil
	})
}

// accessLine is a line of nginx.conf's JSON access log.
type accessLine struct {
	RequestID string `json:"request_id"`
	Upstream  string `json:"upstream_addr"`
	Status    int    `json:"status"`
}

// upstreams returns, per request id that starts with prefix, the app
// replica that answered it, from the Nginx container's access log.
func (s *stack) upstreams(t testing.TB, prefix string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, c := range s.containers(t, "nginx") {
		out := s.e.must(t, "logs", c.ID)
		for _, l := range lines(out) {
			var a accessLine
			if !strings.HasPrefix(l, "{") || json.Unmarshal([]byte(l), &a) != nil || !strings.HasPrefix(a.RequestID, prefix) {
				continue
			}
			// "a:8080, b:8080" when Nginx moved on to the next replica.
			ups := strings.Split(a.Upstream, ",")
			got[a.RequestID] = strings.TrimSpace(ups[len(ups)-1])
		}
	}
	return got
}

func distinct(m map[string]string) []string {
	var out []string
	for _, v := range m {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// liveCommentOnEveryReplica opens six WebSockets through Nginx, checks
// from Nginx's log that they landed on both replicas, and requires a
// comment posted through Nginx to reach every one of them.
func (s *stack) liveCommentOnEveryReplica(t *testing.T, u user, pinID string) {
	var socks []*socket
	for i := 0; i < 6; i++ {
		socks = append(socks, s.api.subscribe(t, fmt.Sprintf("ws-%d", i), "pin:"+pinID))
	}
	s.api.comment(t, u, pinID, "live across replicas")
	for _, sock := range socks {
		sock.next(t, "comment.created", 15*time.Second)
	}
	// Nginx writes a WebSocket's log line when it closes.
	for _, sock := range socks {
		_ = sock.conn.CloseNow()
	}
	var ups map[string]string
	waitFor(t, "access log lines of the WebSockets", 30*time.Second, func() error {
		if ups = s.upstreams(t, "ws-"); len(ups) < len(socks) {
			return fmt.Errorf("%d of %d logged", len(ups), len(socks))
		}
		return nil
	})
	if d := distinct(ups); len(d) < 2 {
		t.Fatalf("all WebSockets went to one replica (%v): the comment did not have to cross instances", d)
	} else {
		t.Logf("the comment reached WebSockets on replicas %v", d)
	}
}

// killReplica kills one app container while a client keeps reading and
// posting: the swarm must replace it, and no request may fail for longer
// than the health-check interval.
func (s *stack) killReplica(t *testing.T, u user, pinID string) {
	before := s.containers(t, "app")
	l := startLoad(s.api, u, pinID, "kill")
	time.Sleep(2 * time.Second) // a baseline of answers before the kill
	victim := before[0].ID
	s.e.must(t, "kill", victim)
	killed := time.Now()
	waitFor(t, "a replacement replica", 2*time.Minute, func() error {
		cs := s.containers(t, "app")
		for _, c := range cs {
			if c.ID == victim {
				return fmt.Errorf("killed container still listed")
			}
		}
		if len(cs) != 2 || !healthy(cs) {
			return fmt.Errorf("app: %v", cs)
		}
		return nil
	})
	t.Logf("replacement healthy %v after the kill", time.Since(killed).Round(time.Second))
	// Past Nginx's re-resolve period, so that the replacement serves too.
	time.Sleep(healthInterval + 2*time.Second)
	total, failed, slowest, outage := l.finish()
	t.Logf("during the kill: %d requests, %d failed, longest outage %v, slowest answer %v",
		total, len(failed), outage.Round(time.Millisecond), slowest.Round(time.Millisecond))
	if outage >= healthInterval {
		t.Errorf("requests failed for %v, longer than the health-check interval %v:%s", outage, healthInterval, describe(failed))
	} else if len(failed) > 0 {
		t.Logf("failed requests:%s", describe(failed))
	}
}

// rollingUpdate rebuilds the image (same Dockerfile and binary, a new
// label, so a new image id) and rolls the app service onto it while a client keeps
// reading and posting: start-first must fail no request.
func (s *stack) rollingUpdate(t *testing.T, u user, pinID string) {
	const next = "mypinterest:rollout"
	buildAppImage(t, s.e, "org.opencontainers.image.revision=rollout-"+randomHex(t, 4), next)
	l := startLoad(s.api, u, pinID, "update")
	time.Sleep(2 * time.Second)
	s.e.must(t, "service", "update", "--detach", "--no-resolve-image", "--image", next, stackName+"_app")
	most := 0 // start-first: a new task runs beside the old one it replaces
	waitFor(t, "every replica on the new image", 4*time.Minute, func() error {
		state := strings.TrimSpace(s.e.must(t, "service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", stackName+"_app"))
		if strings.HasPrefix(state, "rollback") || state == "paused" {
			t.Fatalf("the update ended in %q", state)
		}
		cs := s.containers(t, "app")
		most = max(most, len(cs))
		if len(cs) != 2 || !healthy(cs) {
			return fmt.Errorf("app: %v (update %s)", cs, state)
		}
		for _, c := range cs {
			if c.Image != next {
				return fmt.Errorf("app: %v (update %s)", cs, state)
			}
		}
		return nil
	})
	if most < 3 {
		t.Errorf("at most %d app containers ran at once during the update: not start-first", most)
	}
	time.Sleep(healthInterval + 2*time.Second)
	total, failed, slowest, _ := l.finish()
	t.Logf("during the rolling update: %d requests, %d failed, slowest answer %v", total, len(failed), slowest.Round(time.Millisecond))
	if len(failed) > 0 {
		t.Errorf("%d requests failed during the rolling update:%s", len(failed), describe(failed))
	}
}

// scale adds replicas and waits until Nginx spreads requests over all.
func (s *stack) scale(t *testing.T, n int) {
	s.e.must(t, "service", "scale", "--detach", fmt.Sprintf("%s_app=%d", stackName, n))
	waitFor(t, fmt.Sprintf("%d healthy replicas", n), 2*time.Minute, func() error {
		if cs := s.containers(t, "app"); len(cs) != n || !healthy(cs) {
			return fmt.Errorf("app: %v", cs)
		}
		return nil
	})
	s.waitNginxUses(t, n, fmt.Sprintf("scale%d-", n))
}

// waitNginxUses waits until Nginx sends requests to n replicas: it
// re-resolves the app's replicas every 10 s, so a replica that became
// healthy a moment ago may not be among its upstreams yet. prefix tags
// the probing requests' ids.
func (s *stack) waitNginxUses(t *testing.T, n int, prefix string) {
	t.Helper()
	batch := 0
	waitFor(t, fmt.Sprintf("Nginx using %d replicas", n), time.Minute, func() error {
		for i := 0; i < 2*n; i++ {
			if status, _, err := s.api.do("GET", "/healthz", "", fmt.Sprintf("%s%d-%d", prefix, batch, i), nil, ""); err != nil || status != http.StatusOK {
				return fmt.Errorf("GET /healthz: %d %v", status, err)
			}
		}
		batch++
		if d := distinct(s.upstreams(t, prefix)); len(d) < n {
			return fmt.Errorf("answered by %v", d)
		}
		return nil
	})
}

// remove removes the stack and waits until its containers and networks
// are gone (the volumes stay).
func (s *stack) remove(t *testing.T) {
	s.e.must(t, "stack", "rm", stackName)
	waitFor(t, "stack removed", 2*time.Minute, func() error {
		if out := s.e.must(t, "ps", "-aq", "--filter", "label=com.docker.stack.namespace="+stackName); out != "" {
			return fmt.Errorf("containers left: %s", strings.Join(lines(out), " "))
		}
		if out := s.e.must(t, "network", "ls", "-q", "--filter", "label=com.docker.stack.namespace="+stackName); out != "" {
			return fmt.Errorf("networks left: %s", strings.Join(lines(out), " "))
		}
		return nil
	})
}

func (s *stack) dumpLogs(t *testing.T) {
	out, _ := s.e.run("", nil, "service", "ps", "--no-trunc", "--format", "{{.Name}} {{.Image}} {{.CurrentState}} {{.Error}}",
		stackName+"_mongo", stackName+"_redis", stackName+"_app", stackName+"_nginx")
	t.Logf("tasks:\n%s", out)
	for _, svc := range []string{"mongo", "redis", "app", "nginx"} {
		for _, c := range s.containers(t, svc) {
			// Both streams: the services log to stderr.
			cmd := exec.Command(s.e.docker, "logs", "--tail", "40", c.ID)
			cmd.Env = s.e.env()
			out, _ := cmd.CombinedOutput()
			t.Logf("%s container %s logs (tail):\n%s", svc, c.ID, out)
		}
	}
}

// testCompose brings docker-compose.yml up with Debian's docker-compose
// on the same stand-in images, from a copy of the files it names (its
// secret file included, which must not be written into the work tree).
func testCompose(t *testing.T, e *engine, ph *phases, work string) {
	compose, err := lookPath("docker-compose")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "compose")
	for _, f := range []string{"docker-compose.yml", "nginx.conf", "deploy/nginx-upstream.conf", "deploy/Dockerfile", ".dockerignore"} {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Readable by the app's user (65532): Compose bind-mounts the file.
	if err := os.MkdirAll(filepath.Join(dir, "deploy", "secrets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "deploy", "secrets", "jwt_secret"), []byte(randomHex(t, 32)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	run := func(args ...string) (string, error) {
		cmd := exec.Command(compose, append([]string{"-p", "mptest", "-f", filepath.Join(dir, "docker-compose.yml")}, args...)...)
		cmd.Dir = dir
		cmd.Env = e.env(fmt.Sprintf("HTTP_PORT=%d", port))
		out, err := cmd.CombinedOutput()
		if err != nil {
			return string(out), fmt.Errorf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := run("logs", "--no-color", "--tail", "40")
			t.Logf("compose logs (tail):\n%s", out)
		}
		if _, err := run("down", "-v", "--remove-orphans", "-t", "30"); err != nil {
			t.Errorf("compose down: %v", err)
		}
		ph.done("compose down")
	})
	// With `depends_on: condition: service_healthy` this returns once the
	// chain mongo, redis → app → nginx has started in order.
	if _, err := run("up", "-d", "--no-build"); err != nil {
		t.Fatal(err)
	}
	a := newAPI(port)
	waitFor(t, "compose nginx and app healthy", 3*time.Minute, func() error {
		for _, path := range []string{"/nginx-health", "/healthz"} {
			status, body, err := a.do("GET", path, "", "", nil, "")
			if err != nil || status != http.StatusOK {
				return fmt.Errorf("GET %s: %d %.200s %v", path, status, body, err)
			}
		}
		return nil
	})
	ph.done("compose up until healthy")
	if out := e.must(t, "ps", "-q", "--filter", "label=com.docker.compose.project=mptest", "--filter", "label=com.docker.compose.service=app"); len(lines(out)) != 2 {
		t.Errorf("compose runs %d app containers, want 2", len(lines(out)))
	}
	u := a.signUp(t, "composer")
	a.call(t, "GET", "/api/v1/me", u.Token, nil, "", http.StatusOK, nil)
	ph.done("compose sign-up")
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freeUDPPort returns a UDP port for the swarm's VXLAN data path, in the
// range Docker accepts, that nothing on the host uses now.
func freeUDPPort(t testing.TB) int {
	t.Helper()
	for range 100 {
		n, err := rand.Int(rand.Reader, big.NewInt(49151-20000))
		if err != nil {
			t.Fatal(err)
		}
		port := 20000 + int(n.Int64())
		if c, err := net.ListenPacket("udp", fmt.Sprintf(":%d", port)); err == nil {
			c.Close()
			return port
		}
	}
	t.Fatal("no free UDP port")
	return 0
}
