package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"mypinterest/handlers"
	"mypinterest/hub"
	"mypinterest/store"
)

// Main is the running program: started by Run, stopped by Close. End-to-end
// tests start it on 127.0.0.1:0 and read Addr.
type Main struct {
	cfg    *Config
	logger *slog.Logger

	store   store.Store
	redis   *redis.Client
	broker  hub.Broker
	hub     *hub.Hub
	metrics *handlers.Metrics // see metrics.go
	app     *fiber.App
	ln      net.Listener
	admin   *http.Server
	served  chan error
}

// NewMain returns a program for cfg; nothing starts before Run.
func NewMain(cfg *Config, logger *slog.Logger) *Main {
	return &Main{cfg: cfg, logger: logger}
}

// cursorKey derives the key that signs list cursors from the JWT secret, so
// every instance accepts the cursors any other one issued.
func cursorKey(jwtSecret []byte) []byte {
	h := hmac.New(sha256.New, jwtSecret)
	h.Write([]byte("mypinterest cursor v1"))
	return h.Sum(nil)
}

// Addr is the address the server listens on once Run has returned.
func (m *Main) Addr() string { return m.ln.Addr().String() }

// Run starts the database (embedded or connected), finishes any deletion a
// crash interrupted, starts the live layer and serves HTTP in the
// background. It returns once the listener is bound.
func (m *Main) Run(ctx context.Context) error {
	cfg := m.cfg
	m.metrics = handlers.NewMetrics()
	st, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	openCtx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	m.store = st
	if err := st.ResumeDeletions(openCtx); err != nil {
		return fmt.Errorf("finishing interrupted deletions: %w", err)
	}

	if cfg.RedisURL != "" {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return &configError{"REDIS_URL", err.Error()}
		}
		// Every call is also bounded by the handlers' and the hub's
		// guard; these make an abandoned call end soon after.
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond
		opt.PoolTimeout, opt.MaxRetries, opt.ContextTimeoutEnabled = 600*time.Millisecond, 1, true
		m.redis = redis.NewClient(opt)
		if err := m.redis.Ping(openCtx).Err(); err != nil {
			// Serve anyway: HTTP works without Redis and live delivery
			// comes back when it does.
			m.logger.Warn("redis not reachable at start; live events wait for it", "err", err)
		}
		m.broker = hub.NewRedisBroker(m.redis, m.logger)
		if shared, ok := st.(store.SharedCache); ok {
			m.broker = shareInvalidations(m.broker, shared, m.logger)
		}
	} else {
		m.broker = hub.NewMemoryBroker()
	}

	hcfg := handlers.Config{
		JWTSecret:      cfg.JWTSecret,
		CookieSecure:   cfg.CookieSecure,
		AuthRateLimit:  cfg.AuthRateLimit,
		AllowedOrigins: cfg.AllowedOrigins,
		MetricsToken:   cfg.MetricsToken,
		CacheBytes:     cacheBytes(cfg.CacheMB),
		TrustedProxies: cfg.TrustedProxies,
	}
	deps := handlers.Deps{Store: st, Redis: m.redis, Logger: m.logger, Metrics: m.metrics, OnPublishError: m.metrics.PublishFailed}
	// One Sessions for HTTP and the hub: without Redis, revoked tokens
	// live in its memory, and /ws must refuse them too.
	sessions, err := handlers.NewSessions(hcfg, deps)
	if err != nil {
		return err
	}
	var presence hub.PresenceStore // nil: this instance's viewers only
	if m.redis != nil {
		presence = hub.NewRedisPresence(m.redis, 0)
	}
	m.hub = hub.New(m.broker, hub.Config{
		Presence:       presence,
		Authenticate:   sessions.Authenticate,
		AllowedOrigins: cfg.AllowedOrigins,
		MaxConnsPerIP:  cfg.WSConnsPerIP,
		MaxTopicsPerIP: cfg.WSConnsPerIP, // a load test lifts both
		SendQueue:      cfg.WSSendQueue,
		Logger:         m.logger,
	})
	if err := m.observeHub(); err != nil {
		return err
	}
	deps.Publisher, deps.Disconnecter, deps.WS, deps.Sessions = m.hub, m.hub, m.hub, sessions
	app, err := handlers.New(hcfg, deps)
	if err != nil {
		return err
	}
	m.app = app

	if m.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return fmt.Errorf("listen on ADDR %s: %w", cfg.Addr, err)
	}
	m.served = make(chan error, 1)
	go func() { m.served <- app.Listener(m.ln) }()
	m.logger.Info("serving", "addr", m.ln.Addr().String(), "embedded", cfg.Embedded(), "redis", cfg.RedisURL != "")
	if cfg.AdminAddr != "" {
		m.startAdmin()
	}
	return nil
}

// startAdmin serves pprof and /metrics on the opt-in admin address.
func (m *Main) startAdmin() {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/metrics", m.metrics.Handler())
	m.admin = &http.Server{Addr: m.cfg.AdminAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := m.admin.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger.Error("admin server", "err", err)
		}
	}()
	m.logger.Info("pprof on admin address", "addr", m.cfg.AdminAddr)
}

// Close shuts down in reverse order of start: stop accepting and finish
// in-flight requests, close every WebSocket with "going away", stop the
// broker, then the database. It is bounded by SHUTDOWN_TIMEOUT.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if m.admin != nil {
		errs = append(errs, m.admin.Shutdown(ctx))
	}
	if m.app != nil {
		// Finish in-flight requests (and their publishes) first. Hijacked
		// WebSockets are not Fiber's any more; the hub closes them next
		// with "going away" so clients reconnect to another instance.
		errs = append(errs, m.app.ShutdownWithContext(ctx))
		if m.served != nil {
			// A shutdown that comes before the server got to serve
			// is not seen by it; closing the listener ends it anyway.
			_ = m.ln.Close()
			if err := <-m.served; err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	if m.hub != nil {
		errs = append(errs, m.hub.Shutdown(ctx))
	}
	if m.hub == nil && m.broker != nil {
		// The hub owns (and closes) its broker once it exists.
		errs = append(errs, m.broker.Close())
	}
	if m.redis != nil {
		errs = append(errs, m.redis.Close())
	}
	if m.store != nil {
		errs = append(errs, m.store.Close(ctx))
	}
	return errors.Join(errs...)
}
