package redshiftemu

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// Config configures a Server.
type Config struct {
	Backend      string      // host:port of the Postgres server
	S3Endpoint   string      // http://127.0.0.1:PORT of the S3 emulator (path-style, any credentials)
	S3Region     string      // region for the S3 client, e.g. us-east-1
	Serverless   bool        // Redshift Serverless: no stl_* tables, only sys_* views
	TLS          *tls.Config // when non-nil, SSLRequest is answered 'S' and the session upgraded; nil: 'N'
	AllowedRoles []string    // when non-empty, COPY with any other IAM_ROLE fails as Redshift does for a role it cannot assume
	// MaxErrorExceeds takes the other reading of MAXERROR's boundary: a
	// COPY fails only when its rejected records exceed MAXERROR, instead
	// of when they reach it ("returns the error_count number of errors or
	// greater", copy-parameters-data-load.html). A test sets it to show
	// that the job's outcome does not depend on the reading.
	MaxErrorExceeds bool
	// Authenticate, when set, checks the client's login itself, as
	// Redshift checks the temporary credentials that
	// GetClusterCredentialsWithIAM and GetCredentials issue, instead of
	// passing the user and password to the backend: it returns the
	// backend's user and password for the session, or an error, which the
	// client sees as 28P01 password authentication failed.
	Authenticate func(user, password, database string) (backendUser, backendPassword string, err error)
	Log          *slog.Logger
}

// Server is a running Redshift emulator.
type Server struct {
	cfg Config
	ln  net.Listener
	log *slog.Logger
	s3  *s3.Client

	mu       sync.Mutex
	sessions map[uint32]*session
	nextPID  uint32
	conns    map[net.Conn]struct{}
	dbs      map[string]*dbState
	regions  map[string]string // bucket: region, as GetBucketLocation answered
	closed   bool
	wg       sync.WaitGroup
}

type dbState struct {
	mu    sync.Mutex
	ready bool
}

// Schemas of the emulator's bookkeeping relations.
const (
	emuSchema    = "redshift_emu"     // sys_* views, query id sequence, pg_last_copy_* functions
	emuSTLSchema = "redshift_emu_stl" // stl_* tables: on the search path of provisioned clusters only
)

// Start listens on listen (for example "127.0.0.1:0") and serves clients
// until Close.
func Start(ctx context.Context, listen string, cfg Config) (*Server, error) {
	if cfg.Backend == "" {
		return nil, errors.New("redshiftemu: Config.Backend is empty")
	}
	go warmParser()
	if cfg.S3Region == "" {
		cfg.S3Region = "us-east-1"
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, err
	}
	s3opts := s3.Options{
		Region:       cfg.S3Region,
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	if cfg.S3Endpoint != "" {
		s3opts.BaseEndpoint = aws.String(cfg.S3Endpoint)
	}
	s := &Server{
		cfg:      cfg,
		ln:       ln,
		log:      cfg.Log,
		s3:       s3.New(s3opts),
		sessions: map[uint32]*session{},
		nextPID:  uint32(time.Now().UnixNano()%100000) + 1000,
		conns:    map[net.Conn]struct{}{},
		dbs:      map[string]*dbState{},
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr returns the address the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening and closes every client session.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			s.serveConn(conn)
		}()
	}
}

func (s *Server) searchPathEmu() []string {
	if s.cfg.Serverless {
		return []string{emuSchema}
	}
	return []string{emuSchema, emuSTLSchema}
}

// serveConn runs the startup phase of one client connection, then its
// session.
func (s *Server) serveConn(conn net.Conn) {
	raw := conn
	be := pgproto3.NewBackend(conn, conn)
	var startup *pgproto3.StartupMessage
	for startup == nil {
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *pgproto3.SSLRequest:
			if s.cfg.TLS == nil {
				if _, err := conn.Write([]byte{'N'}); err != nil {
					return
				}
				continue
			}
			if _, err := conn.Write([]byte{'S'}); err != nil {
				return
			}
			tc := tls.Server(raw, s.cfg.TLS)
			if err := tc.Handshake(); err != nil {
				s.log.Debug("TLS handshake", "err", err)
				return
			}
			conn = tc
			s.mu.Lock()
			s.conns[tc] = struct{}{}
			s.mu.Unlock()
			defer func() {
				s.mu.Lock()
				delete(s.conns, tc)
				s.mu.Unlock()
			}()
			be = pgproto3.NewBackend(conn, conn)
		case *pgproto3.GSSEncRequest:
			if _, err := conn.Write([]byte{'N'}); err != nil {
				return
			}
		case *pgproto3.CancelRequest:
			s.cancel(m.ProcessID, m.SecretKey)
			return
		case *pgproto3.StartupMessage:
			startup = m
		}
	}
	conn.SetReadDeadline(time.Time{})
	user := startup.Parameters["user"]
	database := startup.Parameters["database"]
	if database == "" {
		database = user
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if err := be.Flush(); err != nil {
		return
	}
	if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
		return
	}
	msg, err := be.Receive()
	if err != nil {
		return
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		sendFatal(be, "08P01", "expected a password message")
		return
	}
	password := pw.Password
	beUser, bePassword := user, password
	if s.cfg.Authenticate != nil {
		if beUser, bePassword, err = s.cfg.Authenticate(user, password, database); err != nil {
			s.log.Debug("login refused", "user", user, "err", err)
			sendFatal(be, "28P01", fmt.Sprintf("password authentication failed for user \"%s\"", user))
			return
		}
		password = bePassword
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bcfg, err := s.backendConfig(beUser, bePassword, database, startup.Parameters["application_name"])
	if err != nil {
		sendFatal(be, "08006", err.Error())
		return
	}
	pgc, err := pgconn.ConnectConfig(ctx, bcfg)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			sendFatal(be, pe.Code, pe.Message)
		} else {
			sendFatal(be, "08006", "could not connect to the backend: "+err.Error())
		}
		return
	}
	if err := s.ensureDB(ctx, bcfg, database); err != nil {
		pgc.Close(ctx)
		sendFatal(be, "XX000", "redshift emulator: set up bookkeeping schema: "+err.Error())
		return
	}
	initSQL := `SET search_path TO "$user", public, ` + strings.Join(s.searchPathEmu(), ", ") + `; SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, MDY'`
	if _, err := pgc.Exec(ctx, initSQL).ReadAll(); err != nil {
		pgc.Close(ctx)
		sendFatal(be, "XX000", "redshift emulator: initialise session: "+err.Error())
		return
	}
	hc, err := pgc.Hijack()
	if err != nil {
		pgc.Close(ctx)
		sendFatal(be, "XX000", "redshift emulator: "+err.Error())
		return
	}
	sess := &session{
		srv:        s,
		client:     conn,
		be:         be,
		hc:         hc,
		fe:         hc.Frontend,
		bePID:      hc.PID,
		beSecret:   hc.SecretKey,
		user:       user,
		password:   password,
		database:   database,
		bcfg:       bcfg,
		txStatus:   'I',
		icCh:       make(chan pgproto3.BackendMessage),
		ack:        make(chan struct{}),
		backendEnd: make(chan struct{}),
		emuStmts:   map[string]Statement{},
		emuPortals: map[string]Statement{},
		setVals:    map[string]string{},
		lastCopyID: -1,
	}
	sess.cond = sync.NewCond(&sess.mu)
	sess.secret = make([]byte, 4)
	rand.Read(sess.secret)
	s.mu.Lock()
	s.nextPID++
	sess.pid = s.nextPID
	s.sessions[sess.pid] = sess
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess.pid)
		s.mu.Unlock()
	}()

	// Redshift's startup parameters (a cluster reports server_version
	// 8.0.2 and no standard_conforming_strings).
	be.Send(&pgproto3.AuthenticationOk{})
	params := [][2]string{
		{"server_version", "8.0.2"},
		{"client_encoding", "UNICODE"},
		{"DateStyle", "ISO, MDY"},
		{"TimeZone", "UTC"},
		{"integer_datetimes", "on"},
		{"is_superuser", "on"},
		{"session_authorization", user},
	}
	if an := startup.Parameters["application_name"]; an != "" {
		params = append(params, [2]string{"application_name", an})
	}
	for _, p := range params {
		be.Send(&pgproto3.ParameterStatus{Name: p[0], Value: p[1]})
	}
	be.Send(&pgproto3.BackendKeyData{ProcessID: sess.pid, SecretKey: sess.secret})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if err := be.Flush(); err != nil {
		hc.Conn.Close()
		return
	}
	s.log.Debug("session start", "pid", sess.pid, "backend_pid", sess.bePID, "user", user, "database", database)
	sess.run()
	s.log.Debug("session end", "pid", sess.pid)
}

func sendFatal(be *pgproto3.Backend, code, msg string) {
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: code, Message: msg})
	be.Flush()
}

func quoteConnValue(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// backendConfig builds the connection config for the Postgres backend.
func (s *Server) backendConfig(user, password, database, appName string) (*pgconn.Config, error) {
	host, port, err := net.SplitHostPort(s.cfg.Backend)
	if err != nil {
		return nil, fmt.Errorf("backend address %q: %w", s.cfg.Backend, err)
	}
	dsn := fmt.Sprintf("host=%s port=%s user=%s password=%s dbname=%s sslmode=disable connect_timeout=20",
		quoteConnValue(host), quoteConnValue(port), quoteConnValue(user), quoteConnValue(password), quoteConnValue(database))
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if appName != "" {
		cfg.RuntimeParams["application_name"] = appName
	}
	return cfg, nil
}

// cancel forwards a client's CancelRequest to the backend of the session it
// names (and stops an emulated COPY of that session).
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	sess := s.sessions[pid]
	s.mu.Unlock()
	if sess == nil || string(sess.secret) != string(secret) {
		return
	}
	sess.cancelRunning()
}

// sendBackendCancel sends a CancelRequest for the backend session.
func (s *Server) sendBackendCancel(pid uint32, secret []byte) {
	c, err := net.DialTimeout("tcp", s.cfg.Backend, 10*time.Second)
	if err != nil {
		s.log.Warn("cancel: dial backend", "err", err)
		return
	}
	defer c.Close()
	buf := make([]byte, 0, 16+len(secret))
	buf = binary.BigEndian.AppendUint32(buf, uint32(12+len(secret)))
	buf = binary.BigEndian.AppendUint32(buf, 80877102)
	buf = binary.BigEndian.AppendUint32(buf, pid)
	buf = append(buf, secret...)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(buf); err != nil {
		return
	}
	io.Copy(io.Discard, c) // the server closes the connection when done
}

// bucketRegion returns the region recorded for bucket.
func (s *Server) bucketRegion(bucket string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.regions[bucket]
	return r, ok
}

// setBucketRegion records bucket's region: buckets do not move.
func (s *Server) setBucketRegion(bucket, region string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.regions == nil {
		s.regions = map[string]string{}
	}
	s.regions[bucket] = region
}
