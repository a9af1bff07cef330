package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	c, err := LoadConfig(envOf(map[string]string{"DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || !c.Embedded() || c.MongoDB != "mypinterest" || c.AuthRateLimit != 20 || c.SQLiteMapMB != maxSQLiteMapMB || c.SQLiteResidentMB != defaultSQLiteResidentMB {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if len(c.JWTSecret) < minSecretLen {
		t.Fatalf("no generated secret")
	}
	// The generated key is kept: a restart keeps every session valid.
	again, err := LoadConfig(envOf(map[string]string{"DATA_DIR": dir}))
	if err != nil || string(again.JWTSecret) != string(c.JWTSecret) {
		t.Fatalf("secret not kept: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "jwt_secret")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", fi, err)
	}
}

func TestLoadConfigSecretFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "s")
	key := strings.Repeat("k", 40)
	if err := os.WriteFile(f, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(envOf(map[string]string{"JWT_SECRET_FILE": f, "MONGODB_URI": "mongodb://db:27017"}))
	if err != nil || string(c.JWTSecret) != key {
		t.Fatalf("got %q, %v", c.JWTSecret, err)
	}
}

func TestLoadConfigNamesTheBadVariable(t *testing.T) {
	long := strings.Repeat("x", 40)
	cases := []struct {
		name, variable string
		env            map[string]string
	}{
		{"bad addr", "ADDR", map[string]string{"ADDR": "8080"}},
		{"bad admin addr", "ADMIN_ADDR", map[string]string{"ADMIN_ADDR": "nope"}},
		{"bad mongo uri", "MONGODB_URI", map[string]string{"MONGODB_URI": "http://x", "JWT_SECRET": long}},
		{"bad db name", "MONGODB_DB", map[string]string{"MONGODB_DB": "a.b"}},
		{"bad redis url", "REDIS_URL", map[string]string{"REDIS_URL": "localhost:6379"}},
		{"bad bool", "COOKIE_SECURE", map[string]string{"COOKIE_SECURE": "maybe"}},
		{"negative rate", "AUTH_RATE_LIMIT", map[string]string{"AUTH_RATE_LIMIT": "-1"}},
		{"word rate", "AUTH_RATE_LIMIT", map[string]string{"AUTH_RATE_LIMIT": "lots"}},
		{"negative cache", "CACHE_MB", map[string]string{"CACHE_MB": "-5"}},
		{"short metrics token", "METRICS_TOKEN", map[string]string{"METRICS_TOKEN": "abc"}},
		{"bad ws cap", "WS_CONNS_PER_IP", map[string]string{"WS_CONNS_PER_IP": "-2"}},
		{"bad send queue", "WS_SEND_QUEUE", map[string]string{"WS_SEND_QUEUE": "-1"}},
		{"negative map", "SQLITE_MMAP_MB", map[string]string{"SQLITE_MMAP_MB": "-1"}},
		{"map beyond SQLite's", "SQLITE_MMAP_MB", map[string]string{"SQLITE_MMAP_MB": "4096"}},
		{"map in words", "SQLITE_MMAP_MB", map[string]string{"SQLITE_MMAP_MB": "all"}},
		{"negative resident bound", "SQLITE_MMAP_RESIDENT_MB", map[string]string{"SQLITE_MMAP_RESIDENT_MB": "-1"}},
		{"resident bound in words", "SQLITE_MMAP_RESIDENT_MB", map[string]string{"SQLITE_MMAP_RESIDENT_MB": "some"}},
		{"bad timeout", "SHUTDOWN_TIMEOUT", map[string]string{"SHUTDOWN_TIMEOUT": "soon"}},
		{"bad level", "LOG_LEVEL", map[string]string{"LOG_LEVEL": "loud"}},
		{"bad origin", "ALLOWED_ORIGINS", map[string]string{"ALLOWED_ORIGINS": "example.com"}},
		{"bad domain", "ALLOWED_EMAIL_DOMAINS", map[string]string{"ALLOWED_EMAIL_DOMAINS": "a@b.com"}},
		{"bad proxy", "TRUSTED_PROXIES", map[string]string{"TRUSTED_PROXIES": "nginx"}},
		{"short secret", "JWT_SECRET", map[string]string{"JWT_SECRET": "short"}},
		{"scaled without secret", "JWT_SECRET", map[string]string{"MONGODB_URI": "mongodb://db:27017"}},
		{"missing secret file", "JWT_SECRET_FILE", map[string]string{"JWT_SECRET_FILE": "/nonexistent/x"}},
		{"both secrets", "JWT_SECRET_FILE", map[string]string{"JWT_SECRET_FILE": "/x", "JWT_SECRET": long}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.env["DATA_DIR"]; !ok {
				tc.env["DATA_DIR"] = t.TempDir()
			}
			_, err := LoadConfig(envOf(tc.env))
			if err == nil || !strings.HasPrefix(err.Error(), tc.variable+":") {
				t.Fatalf("want an error naming %s, got %v", tc.variable, err)
			}
		})
	}
}

func TestLoadConfigLists(t *testing.T) {
	c, err := LoadConfig(envOf(map[string]string{
		"DATA_DIR":              t.TempDir(),
		"ALLOWED_ORIGINS":       "https://a.example, http://b.example:8080/",
		"ALLOWED_EMAIL_DOMAINS": "Example.com",
		"TRUSTED_PROXIES":       "10.0.0.0/8,127.0.0.1",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.AllowedOrigins, " ") != "https://a.example http://b.example:8080" ||
		c.AllowedEmailDomains[0] != "example.com" || len(c.TrustedProxies) != 2 {
		t.Fatalf("%+v", c)
	}
}
