// Command nginx is the launcher of the nginx:1.27-alpine stand-in image
// that the Docker deployment test (e2e/swarm) builds, since no image can
// be pulled there. The image holds Debian's nginx (1.22 on bookworm) at
// /usr/sbin/nginx and this program first on PATH under the same name, so
// the stack's `nginx -p /var/cache/nginx/ -g "daemon off;"` starts here.
//
// deploy/nginx-upstream.conf uses two things open-source nginx has only
// since 1.27.3: a `resolver` inside `upstream`, and the `resolve` server
// parameter, which keeps a server name's addresses current (under Swarm's
// dnsrr endpoint mode, one per running replica) by re-resolving it when
// the answer's `valid` time runs out. This launcher does that part for the
// older nginx: it copies the configuration directory to a writable one,
// writes each `server NAME:PORT ... resolve ...;` line as one line per
// address the resolver of that file returns now, drops the `resolver`
// line, and re-resolves every `valid` period, reloading nginx (SIGHUP)
// when the addresses change. Everything else is nginx's own doing.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	realNginx = "/usr/sbin/nginx"
	workDir   = "/tmp/nginx-standin"
)

var (
	resolveServer = regexp.MustCompile(`^(\s*)server\s+([^\s:;]+):(\d+)\s+([^;]*\bresolve\b[^;]*);`)
	resolverLine  = regexp.MustCompile(`^\s*resolver\s+([^\s;]+)([^;]*);`)
	validParam    = regexp.MustCompile(`\bvalid=(\d+)s\b`)
)

// template is a configuration file with servers to resolve.
type template struct {
	name     string
	lines    []string
	resolver string // host[:port] of the file's resolver line
	valid    time.Duration
}

func main() {
	conf, rest, ok := splitConf(os.Args[1:])
	if !ok {
		// -v, -t, -s reload and the like: nothing to resolve.
		err := syscall.Exec(realNginx, append([]string{"nginx"}, os.Args[1:]...), os.Environ())
		fmt.Fprintln(os.Stderr, "nginx stand-in:", err)
		os.Exit(1)
	}
	os.Exit(run(conf, rest))
}

// splitConf returns the -c file (the compiled-in default when absent) and
// the other arguments; ok is false for the commands that serve nothing.
func splitConf(args []string) (conf string, rest []string, ok bool) {
	conf = "/etc/nginx/nginx.conf"
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-c":
			if i+1 < len(args) {
				conf = args[i+1]
				i++
			}
			continue
		case "-v", "-V", "-t", "-T", "-s", "-h", "-?":
			return "", nil, false
		}
		rest = append(rest, args[i])
	}
	return conf, rest, true
}

func run(conf string, args []string) int {
	templates, err := copyConfDir(filepath.Dir(conf))
	if err != nil {
		fmt.Fprintln(os.Stderr, "nginx stand-in:", err)
		return 1
	}
	interval := time.Duration(0)
	rendered := map[string]string{}
	render := func(first bool) (changed bool) {
		for _, tpl := range templates {
			text, ok := tpl.render(first)
			if !ok || rendered[tpl.name] == text {
				continue
			}
			rendered[tpl.name] = text
			changed = true
			if err := writeAtomic(filepath.Join(workDir, tpl.name), text); err != nil {
				fmt.Fprintln(os.Stderr, "nginx stand-in:", err)
			}
		}
		return changed
	}
	render(true)
	for _, tpl := range templates {
		if interval == 0 || tpl.valid < interval {
			interval = tpl.valid
		}
	}

	cmd := exec.Command(realNginx, append([]string{"-c", filepath.Join(workDir, filepath.Base(conf))}, args...)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "nginx stand-in:", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// docker stop sends the image's STOPSIGNAL (SIGQUIT, graceful) to
	// PID 1, which is this program: nginx's master must get it.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH)
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case s := <-sigs:
			_ = cmd.Process.Signal(s)
		case <-tick:
			if render(false) {
				_ = cmd.Process.Signal(syscall.SIGHUP)
			}
		case err := <-exited:
			if err != nil {
				fmt.Fprintln(os.Stderr, "nginx stand-in: nginx:", err)
				return 1
			}
			return 0
		}
	}
}

// copyConfDir copies the regular files of dir (Docker configs and bind
// mounts included) to workDir and returns those with servers to resolve.
func copyConfDir(dir string) ([]*template, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	var templates []*template
	for _, e := range entries {
		src := filepath.Join(dir, e.Name())
		if st, err := os.Stat(src); err != nil || !st.Mode().IsRegular() {
			continue
		}
		raw, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		if tpl := parseTemplate(e.Name(), string(raw)); tpl != nil {
			templates = append(templates, tpl)
			continue
		}
		if err := writeAtomic(filepath.Join(workDir, e.Name()), string(raw)); err != nil {
			return nil, err
		}
	}
	return templates, nil
}

func parseTemplate(name, text string) *template {
	tpl := &template{name: name, valid: 30 * time.Second}
	sc := bufio.NewScanner(strings.NewReader(text))
	resolves := false
	for sc.Scan() {
		line := sc.Text()
		if m := resolverLine.FindStringSubmatch(line); m != nil {
			tpl.resolver = m[1]
			if v := validParam.FindStringSubmatch(m[2]); v != nil {
				var secs int
				_, _ = fmt.Sscan(v[1], &secs)
				tpl.valid = time.Duration(secs) * time.Second
			}
		}
		resolves = resolves || resolveServer.MatchString(line)
		tpl.lines = append(tpl.lines, line)
	}
	if !resolves {
		return nil
	}
	return tpl
}

// render writes the file as nginx 1.22 accepts it, with the addresses the
// names have now. ok is false when a lookup failed for another reason than
// "no such name": like nginx, the launcher then keeps the last answer. At
// start there is none, and the first answer is used as it is.
func (tpl *template) render(first bool) (text string, ok bool) {
	var b strings.Builder
	for _, line := range tpl.lines {
		if resolverLine.MatchString(line) {
			b.WriteString("# (resolver: used by the stand-in's launcher) " + strings.TrimSpace(line) + "\n")
			continue
		}
		m := resolveServer.FindStringSubmatch(line)
		if m == nil {
			b.WriteString(line + "\n")
			continue
		}
		indent, host, port := m[1], m[2], m[3]
		params := strings.Join(slices.DeleteFunc(strings.Fields(m[4]), func(p string) bool { return p == "resolve" }), " ")
		addrs, err := tpl.lookup(host)
		if err != nil {
			var dnsErr *net.DNSError
			if !first && (!errors.As(err, &dnsErr) || !dnsErr.IsNotFound) {
				fmt.Fprintf(os.Stderr, "nginx stand-in: resolve %s: %v\n", host, err)
				return "", false
			}
		}
		if len(addrs) == 0 {
			// What nginx does with a name that resolves to nothing: no
			// live server, 502 until it resolves.
			fmt.Fprintf(&b, "%sserver 127.0.0.1:1 down; # %s: no address\n", indent, host)
			continue
		}
		for _, a := range addrs {
			fmt.Fprintf(&b, "%sserver %s %s; # %s\n", indent, net.JoinHostPort(a, port), params, host)
		}
	}
	return b.String(), true
}

// lookup asks the file's resolver for the IPv4 addresses of host (ipv6=off
// in the file), sorted so that an unchanged answer renders the same.
func (tpl *template) lookup(host string) ([]string, error) {
	r := net.DefaultResolver
	if tpl.resolver != "" {
		server := tpl.resolver
		if _, _, err := net.SplitHostPort(server); err != nil {
			server = net.JoinHostPort(server, "53")
		}
		r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ips, err := r.LookupIP(ctx, "ip4", host)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func writeAtomic(path, text string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
