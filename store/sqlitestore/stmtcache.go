package sqlitestore

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"sync"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the prepared statements each connection keeps: the
// store has a few dozen query shapes, plus the IN (?,?,…) lists, one per
// length, of which only the common lengths stay.
const stmtCacheSize = 96

// cachingConnector opens SQLite connections that keep their prepared
// statements. Parsing and planning a statement costs more than running
// most of the store's queries (a page of pins, a pin by id), and
// database/sql prepares anew on every db.Query or tx.Exec. Caching below
// database/sql makes every query of the store, and of any code added
// later, reuse its plan without holding a *sql.Stmt.
// Its connections also drop their map of the file when bound says so
// (mapbound.go; nil for none).
type cachingConnector struct {
	driver.Connector
	bound *mapBound
}

func newCachingConnector(dsn string, bound *mapBound) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return cachingConnector{c, bound}, nil
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn, c.bound)
}

// sqliteConn is what the driver's connections implement and the wrapper
// passes on.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// preparedStmt is what the driver's statements implement.
type preparedStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachedStmt is one cached statement; busy while rows read from it, when
// the same text on the same connection gets a statement of its own (a
// SQLite statement runs one execution at a time).
type cachedStmt struct {
	query string
	stmt  preparedStmt
	busy  bool
}

// cachingConn is one connection with a least-recently-used cache of its
// prepared statements by SQL text.
type cachingConn struct {
	sqliteConn
	mu    sync.Mutex // database/sql serializes a connection; this only guards release from Rows.Close
	byKey map[string]*list.Element
	lru   *list.List // of *cachedStmt, most recent first

	bound      *mapBound // nil: the map, if any, is not bounded
	mapGen     uint64    // bound's generation when this connection last mapped the file
	mapToggled bool      // whether mmap_size is 64 KiB below the bound's limit
}

func newCachingConn(c driver.Conn, bound *mapBound) (driver.Conn, error) {
	sc, ok := c.(sqliteConn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("sqlitestore: the driver's connection lacks the interfaces the cache needs")
	}
	cc := &cachingConn{sqliteConn: sc, byKey: map[string]*list.Element{}, lru: list.New(), bound: bound}
	if bound != nil {
		cc.mapGen = bound.gen.Load()
	}
	return cc, nil
}

// ResetSession runs before database/sql hands the connection out again:
// the moment to drop its map if the bound asks, with no statement running.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	if err := c.sqliteConn.ResetSession(ctx); err != nil {
		return err
	}
	if c.bound == nil {
		return nil
	}
	return c.bound.remapIfDue(ctx, c)
}

// acquire returns the cached statement for query, preparing it if needed,
// marked busy; nil (and no error) if it is busy already.
func (c *cachingConn) acquire(ctx context.Context, query string) (*cachedStmt, error) {
	c.mu.Lock()
	if el, ok := c.byKey[query]; ok {
		cs := el.Value.(*cachedStmt)
		if cs.busy {
			c.mu.Unlock()
			return nil, nil
		}
		cs.busy = true
		c.lru.MoveToFront(el)
		c.mu.Unlock()
		return cs, nil
	}
	c.mu.Unlock()
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ps, ok := st.(preparedStmt)
	if !ok {
		_ = st.Close()
		return nil, errors.New("sqlitestore: the driver's statement lacks the context methods")
	}
	cs := &cachedStmt{query: query, stmt: ps, busy: true}
	c.mu.Lock()
	c.byKey[query] = c.lru.PushFront(cs)
	var evicted []*cachedStmt
	for c.lru.Len() > stmtCacheSize {
		back := c.lru.Back()
		old := back.Value.(*cachedStmt)
		if old.busy {
			break // in use: it goes once released and something newer pushes it out
		}
		c.lru.Remove(back)
		delete(c.byKey, old.query)
		evicted = append(evicted, old)
	}
	c.mu.Unlock()
	for _, old := range evicted {
		_ = old.stmt.Close()
	}
	return cs, nil
}

func (c *cachingConn) release(cs *cachedStmt) {
	c.mu.Lock()
	cs.busy = false
	c.mu.Unlock()
}

// QueryContext runs query on its cached statement; the statement is free
// again once the rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	rows, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		c.release(cs)
		return nil, err
	}
	return &cachedRows{Rows: rows, release: func() { c.release(cs) }}, nil
}

// ExecContext runs query on its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.acquire(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	defer c.release(cs)
	return cs.stmt.ExecContext(ctx, args)
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	c.mu.Lock()
	var errs []error
	for el := c.lru.Front(); el != nil; el = el.Next() {
		errs = append(errs, el.Value.(*cachedStmt).stmt.Close())
	}
	c.lru.Init()
	clear(c.byKey)
	c.mu.Unlock()
	return errors.Join(append(errs, c.sqliteConn.Close())...)
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	once    sync.Once
	release func()
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}
