//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

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
