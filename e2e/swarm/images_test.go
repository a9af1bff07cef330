//go:build linux

package swarm

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// Local images the stand-ins are built from; not names of the deployment.
const (
	binaryImage  = "mypinterest-standin/binary:test"
	runtimeImage = "mypinterest-standin/distroless-static:nonroot"
)

// deployImages are the image names of the Compose files, by service.
type deployImages struct {
	stack, compose map[string]string
}

var (
	serviceLine = regexp.MustCompile(`^  ([A-Za-z0-9_.-]+):\s*$`)
	imageLine   = regexp.MustCompile(`^    image:\s*"?([^"\s]+)"?\s*$`)
	defaultVar  = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}`)
)

// readDeployImages reads the `image:` of each service from both files,
// with `${VAR:-default}` resolved to its default, as the deployments of
// this test leave those variables unset. The files' syntax is checked by
// docker-compose in e2e's static tests; here a line scan is enough (both
// indent by two spaces) and spares two slow docker-compose runs.
func readDeployImages(t *testing.T) deployImages {
	t.Helper()
	read := func(file string) map[string]string {
		raw, err := os.ReadFile(filepath.Join(repoRoot(t), file))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		inServices, svc := false, ""
		for _, line := range strings.Split(string(raw), "\n") {
			switch {
			case !strings.HasPrefix(line, " ") && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "#"):
				inServices = strings.TrimSpace(line) == "services:"
				svc = ""
			case !inServices:
			case serviceLine.MatchString(line):
				svc = serviceLine.FindStringSubmatch(line)[1]
			case svc != "" && imageLine.MatchString(line):
				m[svc] = defaultVar.ReplaceAllString(imageLine.FindStringSubmatch(line)[1], "$1")
			}
		}
		for _, name := range []string{"mongo", "redis", "app", "nginx"} {
			if m[name] == "" || strings.Contains(m[name], "$") {
				t.Fatalf("%s: service %s has no plain image name: %q", file, name, m[name])
			}
		}
		return m
	}
	return deployImages{stack: read("deploy/docker-stack.yml"), compose: read("docker-compose.yml")}
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, n := range names {
			drop = drop || n == name
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return out
}

// rootfs is the build context of a FROM scratch image.
type rootfs struct {
	t   *testing.T
	dir string // the context; the files go under dir/rootfs
}

func newRootfs(t *testing.T, base string) *rootfs {
	dir, err := os.MkdirTemp(base, "ctx-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	return &rootfs{t: t, dir: dir}
}

func (r *rootfs) path(rel string) string { return filepath.Join(r.dir, "rootfs", rel) }

func (r *rootfs) write(rel, content string, mode os.FileMode) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Dir(r.path(rel)), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(r.path(rel), []byte(content), mode); err != nil {
		r.t.Fatal(err)
	}
	// WriteFile's mode is filtered by the umask; the image needs it exact.
	if err := os.Chmod(r.path(rel), mode); err != nil {
		r.t.Fatal(err)
	}
}

// dirs makes empty directories; mode 1777 for the /tmp kind.
func (r *rootfs) dirs(mode os.FileMode, rels ...string) {
	r.t.Helper()
	for _, rel := range rels {
		if err := os.MkdirAll(r.path(rel), 0o755); err != nil {
			r.t.Fatal(err)
		}
		if err := os.Chmod(r.path(rel), mode); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *rootfs) copy(src, rel string) {
	r.t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		r.t.Fatal(err)
	}
	st, err := os.Stat(src)
	if err != nil {
		r.t.Fatal(err)
	}
	r.write(rel, string(b), st.Mode().Perm())
}

func (r *rootfs) symlink(rel, target string) {
	r.t.Helper()
	if err := os.MkdirAll(filepath.Dir(r.path(rel)), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.Symlink(target, r.path(rel)); err != nil {
		r.t.Fatal(err)
	}
}

var lddLine = regexp.MustCompile(`(?:=>\s*)?(/\S+)\s+\(0x`)

// binary copies a host program to rel and the shared libraries ldd lists
// for it to their own paths, so that it runs in an image without a
// distribution.
func (r *rootfs) binary(src, rel string) {
	r.t.Helper()
	r.copy(src, rel)
	out, err := exec.Command("ldd", src).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "not a dynamic executable") {
			return
		}
		r.t.Fatalf("ldd %s: %v\n%s", src, err, out)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if m := lddLine.FindStringSubmatch(sc.Text()); m != nil {
			if _, err := os.Stat(r.path(m[1])); err != nil {
				r.copy(m[1], m[1])
			}
		}
	}
}

// busybox installs the static busybox and the applets the images' health
// checks run (`sh -c` for CMD-SHELL, grep, wget), as the Alpine-based
// official images have them.
func (r *rootfs) busybox(applets ...string) {
	r.t.Helper()
	bb, err := lookPath("busybox")
	if err != nil {
		r.t.Fatal(err)
	}
	r.binary(bb, "bin/busybox")
	for _, a := range append([]string{"sh"}, applets...) {
		r.symlink("bin/"+a, "busybox")
	}
}

// users writes /etc/passwd and /etc/group: root plus the given lines.
func (r *rootfs) users(passwd, group []string) {
	r.write("etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\n"+strings.Join(passwd, "\n")+"\n", 0o644)
	r.write("etc/group", "root:x:0:\n"+strings.Join(group, "\n")+"\n", 0o644)
}

// build writes the Dockerfile and builds the context as tags.
func (r *rootfs) build(e *engine, dockerfile string, tags ...string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		r.t.Fatal(err)
	}
	args := []string{"build", "-q"}
	for _, tag := range tags {
		args = append(args, "-t", tag)
	}
	e.must(r.t, append(args, r.dir)...)
}

const standinPath = "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"

// goBuild builds a main package of this module as the Dockerfile's
// builder stage does: static, trimmed, stripped.
func goBuild(t *testing.T, pkg, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// buildBaseStandins builds what deploy/Dockerfile's final stage takes in
// place of its base images: a distroless-like runtime (CA certificates, the
// nonroot user, /tmp) and an image holding a binary built here with the
// builder stage's command, and an empty /out/data.
func buildBaseStandins(t *testing.T, e *engine, work string) {
	t.Helper()
	bin := newRootfs(t, work)
	goBuild(t, "./cmd/mypinterest", filepath.Join(bin.dir, "out", "mypinterest"))
	if err := os.MkdirAll(filepath.Join(bin.dir, "out", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin.build(e, "FROM scratch\nCOPY out/ /out/\n", binaryImage)

	rt := newRootfs(t, work)
	rt.users([]string{"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin", "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin"},
		[]string{"nobody:x:65534:", "nonroot:x:65532:"})
	rt.copy("/etc/ssl/certs/ca-certificates.crt", "etc/ssl/certs/ca-certificates.crt")
	rt.dirs(0o1777, "tmp")
	if err := os.MkdirAll(filepath.Join(rt.dir, "home", "nonroot"), 0o700); err != nil {
		t.Fatal(err)
	}
	rt.build(e, "FROM scratch\nCOPY rootfs/ /\nCOPY --chown=65532:65532 home/ /home/\nUSER 65532:65532\nWORKDIR /home/nonroot\n", runtimeImage)
}

// buildAppImage builds the product's image from deploy/Dockerfile itself,
// from the repository root, with the stand-ins as its base images. label,
// when set, is added as an image label; tags name the result.
func buildAppImage(t *testing.T, e *engine, label string, tags ...string) {
	t.Helper()
	args := []string{"build", "-q", "-f", "deploy/Dockerfile",
		"--build-arg", "BINARY_SOURCE=" + binaryImage,
		"--build-arg", "RUNTIME_IMAGE=" + runtimeImage}
	if label != "" {
		args = append(args, "--label", label)
	}
	for _, tag := range tags {
		args = append(args, "-t", tag)
	}
	e.must(t, append(args, ".")...)
}

// buildMongo: FerretDB as mongod, and the ping probe as mongosh
// (standin/mongod), running as the image's mongodb user (999).
func buildMongo(t *testing.T, e *engine, work string, tags ...string) {
	t.Helper()
	r := newRootfs(t, work)
	goBuild(t, "./e2e/swarm/standin/mongod", r.path("usr/local/bin/mongod"))
	r.symlink("usr/local/bin/mongosh", "mongod")
	r.users([]string{"mongodb:x:999:999:mongodb:/data/db:/sbin/nologin"}, []string{"mongodb:x:999:"})
	r.dirs(0o1777, "tmp")
	if err := os.MkdirAll(filepath.Join(r.dir, "data", "db"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(r.dir, "data", "configdb"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.build(e, "FROM scratch\nCOPY rootfs/ /\nCOPY --chown=999:999 data/ /data/\n"+standinPath+
		"USER 999:999\nVOLUME [\"/data/db\", \"/data/configdb\"]\nEXPOSE 27017\nCMD [\"mongod\"]\n", tags...)
}

// buildRedis: Debian's redis-server and redis-cli with their libraries,
// busybox for the CMD-SHELL health check, the redis user (999).
//
// The official image compiles Redis with protected mode off (it would
// refuse every client on Docker's networks, which come from non-loopback
// addresses, when no password is set); Debian's binary has it on. So
// redis-server is a script that turns it off before the caller's options
// (which may turn it on again) and runs the binary, whose file name stays
// redis-server: it picks its mode by the name it runs under.
func buildRedis(t *testing.T, e *engine, work string, tags ...string) {
	t.Helper()
	r := newRootfs(t, work)
	for prog, rel := range map[string]string{"redis-server": "usr/lib/redis-standin/redis-server", "redis-cli": "usr/local/bin/redis-cli"} {
		src, err := lookPath(prog)
		if err != nil {
			t.Fatal(err)
		}
		r.binary(src, rel)
	}
	r.write("usr/local/bin/redis-server", `#!/bin/sh
set -e
bin=/usr/lib/redis-standin/redis-server
case "$1" in
"" | -*) exec "$bin" --protected-mode no "$@" ;;
*) conf=$1; shift; exec "$bin" "$conf" --protected-mode no "$@" ;;
esac
`, 0o755)
	r.busybox("grep")
	r.users([]string{"redis:x:999:1000:redis:/data:/sbin/nologin"}, []string{"redis:x:1000:"})
	r.dirs(0o1777, "tmp")
	if err := os.MkdirAll(filepath.Join(r.dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.build(e, "FROM scratch\nCOPY rootfs/ /\nCOPY --chown=999:1000 data/ /data/\n"+standinPath+
		"WORKDIR /data\nUSER 999:1000\nVOLUME /data\nEXPOSE 6379\nCMD [\"redis-server\"]\n", tags...)
}

// buildNginx: Debian's nginx with its libraries, the launcher
// (standin/nginx) first on PATH, busybox for the wget health check.
// Workers run as Debian's compiled-in default user, nobody:nogroup.
func buildNginx(t *testing.T, e *engine, work string, tags ...string) {
	t.Helper()
	r := newRootfs(t, work)
	src, err := lookPath("nginx")
	if err != nil {
		t.Fatal(err)
	}
	r.binary(src, "usr/sbin/nginx")
	goBuild(t, "./e2e/swarm/standin/nginx", r.path("usr/local/sbin/nginx"))
	r.busybox("wget")
	r.users([]string{"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin"}, []string{"nogroup:x:65534:"})
	r.dirs(0o1777, "tmp")
	r.dirs(0o755, "etc/nginx", "var/cache/nginx", "var/log/nginx", "var/lib/nginx", "var/lock", "run", "usr/share/nginx")
	r.build(e, "FROM scratch\nCOPY rootfs/ /\n"+standinPath+
		"EXPOSE 80\nSTOPSIGNAL SIGQUIT\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n", tags...)
}
