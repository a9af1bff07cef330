// Package handlers is the HTTP side of MyPinterest: the JSON API of docs/API.md
// on Fiber, authentication, live-event publishing after each write, and
// the mounts for images and the WebSocket hub.
package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"mypinterest/media"
	"mypinterest/store"
)

// Defaults for the zero values of Config.
const (
	DefaultTokenTTL       = 7 * 24 * time.Hour
	DefaultIssuer         = "mypinterest"
	DefaultBodyLimit      = 11 << 20 // an image of up to 10 MiB plus its form fields
	DefaultRequestTimeout = 30 * time.Second
)

// Connection timeouts of the server: long enough for a 10 MiB upload on a
// slow link.
const (
	serverReadTimeout  = 2 * time.Minute
	serverWriteTimeout = time.Minute
	serverIdleTimeout  = 2 * time.Minute
)

// DefaultCacheBytes is the budget of the rendered-output caches when
// Config.CacheBytes is 0.
const DefaultCacheBytes = 64 << 20

// cacheShare is the budget of one of the three rendered-output caches.
func cacheShare(total int64) int64 {
	if total == 0 {
		total = DefaultCacheBytes
	}
	return total / 3
}

// Config holds the app's settings, plain values that cmd fills from the
// environment; the collaborators it talks to are Deps.
type Config struct {
	// JWTSecret signs session tokens (HS256); at least 32 bytes.
	JWTSecret []byte
	// TokenTTL is the lifetime of a token and of the session cookie.
	TokenTTL time.Duration
	// Issuer is the "iss" of every token, checked on the way in.
	Issuer string
	// CookieSecure marks the session cookie Secure (HTTPS deployments).
	CookieSecure bool
	// AuthRateLimit caps sign-up and log-in attempts per minute per client
	// IP; 0 turns the limit off (load tests).
	AuthRateLimit int
	// AllowedOrigins are the browser origins, besides the site's own,
	// whose unsafe requests are accepted (ALLOWED_ORIGINS, as the hub
	// takes them for WebSockets): full origins or host patterns.
	AllowedOrigins []string
	// TrustedProxies are the addresses (IPs or CIDRs) whose
	// X-Forwarded-For header is believed when finding the client IP.
	TrustedProxies []string
	// BodyLimit caps request bodies in bytes.
	BodyLimit int
	// RequestTimeout bounds the context of every request's store calls.
	RequestTimeout time.Duration
	// Images bounds the decoding and encoding of uploads (media.Pool);
	// zero values take media's defaults.
	Images media.PoolConfig
	// PublicMetrics serves /metrics on the main port to anyone (a
	// private network); otherwise only with MetricsToken, or not at all
	// (the admin address serves Metrics.Handler).
	PublicMetrics bool
	// MetricsToken, when set, lets a scraper that sends it as a Bearer
	// token read /metrics on the main port.
	MetricsToken string
	// CacheBytes bounds the caches of rendered output (anonymous pages,
	// pins' JSON, page fragments), a third each; 0 = DefaultCacheBytes,
	// negative = no cache at all (every request renders everything).
	CacheBytes int64
}

// Deps are the collaborators of the app: what it calls rather than how it
// is tuned.
type Deps struct {
	Store     store.Store
	Publisher Publisher
	// WS is the WebSocket hub mounted at /ws; nil leaves /ws unrouted.
	WS http.Handler
	// Sessions, when set, is the verifier also given to the hub (see
	// NewSessions); nil makes New build its own.
	Sessions *Sessions
	// Metrics, when set, records every request; /metrics on the main port
	// serves it as Config.PublicMetrics and Config.MetricsToken allow.
	// nil leaves /metrics unrouted.
	Metrics *Metrics
	// Disconnecter, when set, closes the live connections of a session
	// that logs out and of an account that is deleted (the hub); nil
	// leaves them open.
	Disconnecter Disconnecter
	// Redis, when set, shares rate-limit counters and token revocations
	// between instances and is checked by /readyz; nil = single instance.
	Redis *redis.Client
	// Logger receives internal errors and failed publishes; nil discards
	// them.
	Logger *slog.Logger
	// OnPublishError, when set, is called once for every live event or
	// notification that could not be delivered (a metrics hook).
	OnPublishError func()
}

// Publisher delivers an encoded event frame to every subscriber of topic
// on every instance (the hub).
type Publisher interface {
	Publish(ctx context.Context, topic string, msg []byte) error
}

// Disconnecter closes, on every instance, the WebSocket connections of
// userID authenticated with sessionID (the token's jti), or all of them
// when sessionID is "" (the hub).
type Disconnecter interface {
	Disconnect(ctx context.Context, userID, sessionID string) error
}

// server holds what every handler needs. Handlers are its methods.
type server struct {
	cfg       Config
	store     store.Store
	redis     *redis.Client // nil: a single instance
	onPubErr  func()        // nil: failed publishes are only logged
	pub       Publisher
	disc      Disconnecter // nil: live connections are not closed
	ws        http.Handler
	log       *slog.Logger
	tokens    *tokens
	pinJSON   *pinJSONCache // see sendPinList
	pageError pageErrorFunc // set by registerPages: non-API errors render as pages
	metrics   *Metrics      // nil: no metrics
	mounts    useMounts     // the app's Use mounts, for route labels; set by New
	csrf      *csrfGuard
	images    *media.Pool // every upload goes through it

	limiterOnce sync.Once
	rates       *rateCounter // see authLimiter

	after      sync.WaitGroup // work left running after a response; see notifyAfter
	afterSlots chan struct{}  // bounds it
}

// New builds the Fiber app serving the JSON API, the pages, /media, /ws,
// /healthz and /readyz.
func New(cfg Config, deps Deps) (*fiber.App, error) {
	sessions := deps.Sessions
	if sessions == nil {
		var err error
		if sessions, err = NewSessions(cfg, deps); err != nil {
			return nil, err
		}
	}
	cfg = withDefaults(cfg)
	s := &server{cfg: cfg, store: deps.Store, redis: deps.Redis, onPubErr: deps.OnPublishError,
		pub: deps.Publisher, disc: deps.Disconnecter, ws: deps.WS, log: loggerOf(deps), tokens: sessions.tokens, metrics: deps.Metrics,
		pinJSON: newPinJSONCache(cacheShare(cfg.CacheBytes)), csrf: newCSRFGuard(cfg, sessions.tokens.signed), images: media.NewPool(cfg.Images)}
	if s.store == nil {
		return nil, errors.New("handlers: Deps.Store is required")
	}
	if s.pub == nil {
		s.pub = discardPublisher{}
	}
	s.afterSlots = make(chan struct{}, maxAfterResponse)

	app := fiber.New(fiber.Config{
		AppName:                 "mypinterest",
		BodyLimit:               cfg.BodyLimit,
		ErrorHandler:            s.handleError,
		DisableStartupMessage:   true,
		EnableTrustedProxyCheck: true,
		TrustedProxies:          cfg.TrustedProxies,
		ProxyHeader:             fiber.HeaderXForwardedFor,
		// With validation, c.IP() is one address rather than the raw
		// header; the rate limiter uses clientIP, which is stricter.
		EnableIPValidation: true,
		// Uploads are decoded from memory anyway; streaming would only
		// move the size check later.
		StreamRequestBody: false,
		// Slow clients cannot hold connections forever. A hijacked
		// WebSocket connection is exempt: fasthttp clears the deadlines
		// when it hands the connection over (see wsadapt).
		ReadTimeout:  serverReadTimeout,
		WriteTimeout: serverWriteTimeout,
		IdleTimeout:  serverIdleTimeout,
		// Request line and headers: what Nginx accepts by default
		// (large_client_header_buffers 8k), so that a request does not
		// pass the proxy only to fail here.
		ReadBufferSize: headerLimit,
	})
	// Shutdown waits for the notifications still being written.
	app.Hooks().OnShutdown(func() error { s.after.Wait(); return nil })
	s.markPreRoutingErrors(app)
	app.Use(securityHeaders)
	app.Use(requestid.New())
	app.Use(s.observe) // access log and HTTP metrics; see accesslog.go
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(s.withTimeout)
	app.Use(s.refuseCrossSite)
	app.Use(s.csrfMiddleware())
	if s.metrics != nil {
		// On the main port, as docs/API.md §Machine endpoints lists it, for whom metricsGate
		// lets in: skipCSRF exempts it, no rate limit applies, and the
		// scrape never reads the request's deadline context, so none of
		// them can cut it off.
		app.Get("/metrics", s.metricsGate, s.metrics.handler())
	}
	if err := s.routes(app); err != nil {
		return nil, err
	}
	s.mounts = findUseMounts(app)
	return app, nil
}

func withDefaults(cfg Config) Config {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	return cfg
}

// loggerOf is deps.Logger, or a logger that discards everything.
func loggerOf(deps Deps) *slog.Logger {
	if deps.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return deps.Logger
}

// headerLimit bounds the request line and headers in bytes.
const headerLimit = 8 << 10

// preRoutingKey marks, in a request's locals, an error fasthttp raised
// before routing (see markPreRoutingErrors).
type preRoutingKey struct{}

// markPreRoutingErrors makes errors raised while fasthttp reads a request
// (a header over headerLimit, a body that breaks off or a multipart form
// that does not parse) recognisable to handleError, which answers them in
// the JSON envelope: no route ran, and the path may not even be known.
func (s *server) markPreRoutingErrors(app *fiber.App) {
	srv := app.Server()
	fiberHandler := srv.ErrorHandler
	srv.ErrorHandler = func(ctx *fasthttp.RequestCtx, err error) {
		ctx.SetUserValue(preRoutingKey{}, true)
		if errors.Is(err, fasthttp.ErrSmallReadBuffer) {
			// Fiber only recognises the older error type and would
			// call this a 400.
			c := app.AcquireCtx(ctx)
			defer app.ReleaseCtx(c)
			_ = s.handleError(c, fiber.ErrRequestHeaderFieldsTooLarge)
			return
		}
		fiberHandler(ctx, err)
	}
}

// withTimeout gives each request a context with a deadline, which every
// store call receives through c.UserContext() (Fiber's default is
// context.Background(), which never ends). The WebSocket upgrade is
// exempt: its connection outlives any request deadline.
func (s *server) withTimeout(c *fiber.Ctx) error {
	if c.Path() == "/ws" {
		return c.Next()
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// logPanic logs a recovered panic with its request id; the recover
// middleware then hands it to the error handler as a 500.
func (s *server) logPanic(c *fiber.Ctx, e any) {
	s.log.Error("panic", "request_id", requestID(c), "method", c.Method(), "path", c.Path(), "panic", fmt.Sprint(e))
}

// requestID returns the id the requestid middleware gave this request.
func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

// discardPublisher stands in when no hub is wired (tools, some tests).
type discardPublisher struct{}

// Publish implements Publisher.
func (discardPublisher) Publish(context.Context, string, []byte) error { return nil }
