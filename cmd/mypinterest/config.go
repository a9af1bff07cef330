package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mypinterest/store/sqlitestore"
)

// Config is the whole configuration, read from the environment once at
// start-up and passed down explicitly.
type Config struct {
	Addr                string
	AdminAddr           string // pprof; empty = off
	DataDir             string
	MongoURI            string // empty = embedded SQLite under DataDir
	MongoDB             string
	RedisURL            string // empty = in-process fan-out
	JWTSecret           []byte
	CookieSecure        bool
	AllowedOrigins      []string
	AllowedEmailDomains []string
	AuthRateLimit       int
	CacheMB             int    // rendered output and, scaled, database reads; 0 = no cache
	SQLiteMapMB         int    // embedded: how much of the database file the readers map; 0 = none
	SQLiteResidentMB    int    // embedded: resident mapped pages beyond which readers drop their maps; 0 = unbounded
	WSConnsPerIP        int    // WebSockets per client address; 0 = hub default, -1 = no cap
	WSSendQueue         int    // messages queued per WebSocket before it is dropped as slow; 0 = hub default
	MetricsToken        string // lets a scraper read /metrics on the main port; empty = admin address only
	TrustedProxies      []string
	LogLevel            slog.Level
	ShutdownTimeout     time.Duration
}

// SQLITE_MMAP_MB's ceiling and SQLITE_MMAP_RESIDENT_MB's default are the
// store's, in whole MiB (docs/SQLITE.md, "Memory").
const (
	maxSQLiteMapMB          = sqlitestore.MaxMapBytes >> 20
	defaultSQLiteResidentMB = sqlitestore.DefaultMapResident >> 20
)

// configError names the variable that is wrong.
type configError struct {
	name, why string
}

func (e *configError) Error() string { return e.name + ": " + e.why }

// LoadConfig reads the configuration through getenv (os.Getenv in main,
// a map in tests) and validates it. The JWT secret of the embedded mode is
// created under DATA_DIR on first start.
func LoadConfig(getenv func(string) string) (*Config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c := &Config{
		Addr:      env("ADDR", ":8080"),
		AdminAddr: env("ADMIN_ADDR", ""),
		DataDir:   env("DATA_DIR", "./data"),
		MongoURI:  env("MONGODB_URI", ""),
		MongoDB:   env("MONGODB_DB", "mypinterest"),
		RedisURL:  env("REDIS_URL", ""),
	}
	for _, a := range []struct{ name, val string }{{"ADDR", c.Addr}, {"ADMIN_ADDR", c.AdminAddr}} {
		if a.val == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.val); err != nil {
			return nil, &configError{a.name, fmt.Sprintf("%q is not host:port (e.g. :8080)", a.val)}
		}
	}
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		return nil, &configError{"MONGODB_URI", "must start with mongodb:// or mongodb+srv://"}
	}
	if strings.ContainsAny(c.MongoDB, `/\. "$`) {
		return nil, &configError{"MONGODB_DB", fmt.Sprintf("%q is not a valid database name", c.MongoDB)}
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return nil, &configError{"REDIS_URL", "must be a redis:// or rediss:// URL"}
		}
	}
	var err error
	if c.CookieSecure, err = parseBool(env("COOKIE_SECURE", "false")); err != nil {
		return nil, &configError{"COOKIE_SECURE", err.Error()}
	}
	if c.AuthRateLimit, err = strconv.Atoi(env("AUTH_RATE_LIMIT", "20")); err != nil || c.AuthRateLimit < 0 {
		return nil, &configError{"AUTH_RATE_LIMIT", "must be a whole number ≥ 0 (0 turns the limit off)"}
	}
	if c.WSConnsPerIP, err = strconv.Atoi(env("WS_CONNS_PER_IP", "0")); err != nil || c.WSConnsPerIP < -1 {
		return nil, &configError{"WS_CONNS_PER_IP", "must be a whole number (0 = the default, -1 = no cap, for load tests)"}
	}
	if c.WSSendQueue, err = strconv.Atoi(env("WS_SEND_QUEUE", "0")); err != nil || c.WSSendQueue < 0 {
		return nil, &configError{"WS_SEND_QUEUE", "must be a whole number of messages ≥ 0 (0 = the default, 1024)"}
	}
	c.MetricsToken = getenv("METRICS_TOKEN")
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		return nil, &configError{"METRICS_TOKEN", "use at least 16 characters"}
	}
	if c.CacheMB, err = strconv.Atoi(env("CACHE_MB", "64")); err != nil || c.CacheMB < 0 {
		return nil, &configError{"CACHE_MB", "must be a whole number of MiB ≥ 0 (0 turns every cache off)"}
	}
	if c.SQLiteMapMB, err = strconv.Atoi(env("SQLITE_MMAP_MB", strconv.Itoa(maxSQLiteMapMB))); err != nil || c.SQLiteMapMB < 0 || c.SQLiteMapMB > maxSQLiteMapMB {
		return nil, &configError{"SQLITE_MMAP_MB", fmt.Sprintf("must be a whole number of MiB from 0 (no map: pages are read with read()) to %d", maxSQLiteMapMB)}
	}
	if c.SQLiteResidentMB, err = strconv.Atoi(env("SQLITE_MMAP_RESIDENT_MB", strconv.Itoa(defaultSQLiteResidentMB))); err != nil || c.SQLiteResidentMB < 0 {
		return nil, &configError{"SQLITE_MMAP_RESIDENT_MB", "must be a whole number of MiB, 0 for no bound"}
	}
	if c.ShutdownTimeout, err = time.ParseDuration(env("SHUTDOWN_TIMEOUT", "20s")); err != nil || c.ShutdownTimeout <= 0 {
		return nil, &configError{"SHUTDOWN_TIMEOUT", "must be a positive duration such as 20s"}
	}
	if err := c.LogLevel.UnmarshalText([]byte(env("LOG_LEVEL", "info"))); err != nil {
		return nil, &configError{"LOG_LEVEL", "must be debug, info, warn or error"}
	}
	for _, o := range splitList(getenv("ALLOWED_ORIGINS")) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return nil, &configError{"ALLOWED_ORIGINS", fmt.Sprintf("%q is not an origin such as https://example.com", o)}
		}
		c.AllowedOrigins = append(c.AllowedOrigins, u.Scheme+"://"+u.Host)
	}
	for _, d := range splitList(getenv("ALLOWED_EMAIL_DOMAINS")) {
		if strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".") {
			return nil, &configError{"ALLOWED_EMAIL_DOMAINS", fmt.Sprintf("%q is not a domain such as example.com", d)}
		}
		c.AllowedEmailDomains = append(c.AllowedEmailDomains, strings.ToLower(d))
	}
	for _, p := range splitList(getenv("TRUSTED_PROXIES")) {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return nil, &configError{"TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR", p)}
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if c.JWTSecret, err = loadSecret(getenv, c); err != nil {
		return nil, err
	}
	return c, nil
}

// Embedded reports whether the database runs inside this process.
func (c *Config) Embedded() bool { return c.MongoURI == "" }

const minSecretLen = 32

// loadSecret reads JWT_SECRET or the file named by JWT_SECRET_FILE (a Docker
// secret). In embedded mode a random key is created once under DATA_DIR;
// with an external database several instances must share one key, so it
// has to be given.
func loadSecret(getenv func(string) string, c *Config) ([]byte, error) {
	secret := getenv("JWT_SECRET")
	if f := strings.TrimSpace(getenv("JWT_SECRET_FILE")); f != "" {
		if secret != "" {
			return nil, &configError{"JWT_SECRET_FILE", "set either JWT_SECRET or JWT_SECRET_FILE, not both"}
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, &configError{"JWT_SECRET_FILE", err.Error()}
		}
		secret = strings.TrimSpace(string(b))
		if len(secret) < minSecretLen {
			return nil, &configError{"JWT_SECRET_FILE", fmt.Sprintf("the key must be at least %d characters", minSecretLen)}
		}
		return []byte(secret), nil
	}
	if secret != "" {
		if len(secret) < minSecretLen {
			return nil, &configError{"JWT_SECRET", fmt.Sprintf("must be at least %d characters", minSecretLen)}
		}
		return []byte(secret), nil
	}
	if !c.Embedded() {
		return nil, &configError{"JWT_SECRET", "required when MONGODB_URI is set (every instance must share the key); or use JWT_SECRET_FILE"}
	}
	return generatedSecret(c.DataDir)
}

// generatedSecret returns the key kept in DATA_DIR, creating it first.
func generatedSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, "jwt_secret")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= minSecretLen {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, &configError{"DATA_DIR", err.Error()}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, &configError{"DATA_DIR", err.Error()}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	key := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return nil, &configError{"DATA_DIR", err.Error()}
	}
	return []byte(key), nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (true or false)", s)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
