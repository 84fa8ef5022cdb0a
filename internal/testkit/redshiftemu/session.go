package redshiftemu

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// session is one client connection and its backend connection.
//
// Two goroutines: run reads client messages and forwards them (or emulates
// them); backendLoop reads backend messages and relays them to the client.
// When the emulator needs the backend for itself (to read a table's
// columns, load rows, abort a transaction) it waits until the backend is
// idle (every Sync and Query answered by ReadyForQuery) and switches
// backendLoop to intercept mode, in which messages are handed to run over
// icCh instead of being relayed.
type session struct {
	srv      *Server
	client   interface{ Close() error }
	be       *pgproto3.Backend
	beMu     sync.Mutex
	hc       *pgconn.HijackedConn
	fe       *pgproto3.Frontend
	bcfg     *pgconn.Config
	pid      uint32
	secret   []byte
	bePID    uint32
	beSecret []byte
	user     string
	password string
	database string

	mu         sync.Mutex
	cond       *sync.Cond
	pending    int  // Sync and Query messages sent to the backend and not yet answered
	swallowRFQ int  // ReadyForQuery messages that answer the emulator's own Syncs
	txStatus   byte // from the latest ReadyForQuery
	errSeen    bool // an ErrorResponse was relayed since errSeen was reset
	intercept  bool
	gone       bool // the backend connection ended
	emuCancel  context.CancelFunc
	icCh       chan pgproto3.BackendMessage
	ack        chan struct{}
	backendEnd chan struct{}

	// extended protocol state (run goroutine only)
	unsynced   bool // forwarded messages not yet followed by a Sync
	discard    bool // an error happened in this batch: skip messages until Sync
	batchInTx  bool // a BEGIN was parsed in the current batch
	emuStmts   map[string]Statement
	emuPortals map[string]Statement

	setVals     map[string]string
	lastCopyCnt int64
	lastCopyID  int64
	// txCopy holds pg_last_copy_count() and pg_last_copy_id() as they were
	// before the first COPY of the current transaction block: a ROLLBACK
	// puts them back ("If the COPY transaction is rolled back, the COPY ID
	// is not updated", PG_LAST_COPY_ID.html). Nil outside a block, or
	// before its first COPY. Guarded by copyMu.
	txCopy *[2]int64
	copyMu sync.Mutex
	side   *pgconn.PgConn // autocommit connection for bookkeeping rows
}

var errBackendGone = errors.New("backend connection closed")

func (s *session) sendClient(msgs ...pgproto3.BackendMessage) {
	s.beMu.Lock()
	defer s.beMu.Unlock()
	for _, m := range msgs {
		s.be.Send(m)
	}
	s.be.Flush()
}

func (s *session) run() {
	go s.backendLoop()
	defer func() {
		s.hc.Conn.Close()
		<-s.backendEnd
		if s.side != nil {
			ctx, cancel := context.WithTimeout(context.Background(), timeoutShort)
			s.side.Close(ctx)
			cancel()
		}
	}()
	for {
		msg, err := s.be.Receive()
		if err != nil {
			// The client went away: stop what the backend runs for it.
			s.mu.Lock()
			busy := s.pending > 0 || s.intercept
			s.mu.Unlock()
			if busy {
				s.cancelRunning()
			}
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			s.handleQuery(m.String)
		case *pgproto3.Parse:
			s.handleParse(m)
		case *pgproto3.Bind:
			s.handleBind(m)
		case *pgproto3.Describe:
			s.handleDescribe(m)
		case *pgproto3.Execute:
			s.handleExecute(m)
		case *pgproto3.Close:
			s.handleClose(m)
		case *pgproto3.Sync:
			s.handleSync()
		case *pgproto3.Flush:
			if s.discard {
				break
			}
			if s.unsynced {
				s.forward(m, true)
			}
		case *pgproto3.Terminate:
			s.forward(m, true)
			return
		default:
			// CopyData, CopyDone, CopyFail, FunctionCall...
			s.forward(m, true)
		}
	}
}

// forwardExtended forwards an extended-protocol message; the backend owes
// its answers until the next Sync.
func (s *session) forwardExtended(m pgproto3.FrontendMessage) {
	s.forward(m, false)
	s.unsynced = true
}

// forward sends a client message to the backend.
func (s *session) forward(m pgproto3.FrontendMessage, flush bool) {
	s.fe.Send(m)
	if flush {
		s.fe.Flush()
	}
}

// backendLoop relays backend messages to the client, or hands them to the
// emulator in intercept mode.
func (s *session) backendLoop() {
	defer func() {
		s.mu.Lock()
		s.gone = true
		s.cond.Broadcast()
		s.mu.Unlock()
		close(s.backendEnd)
		s.client.Close()
	}()
	rows := 0
	for {
		msg, err := s.fe.Receive()
		if err != nil {
			return
		}
		s.mu.Lock()
		ic := s.intercept
		s.mu.Unlock()
		if ic {
			s.icCh <- msg
			<-s.ack
			continue
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			s.mu.Lock()
			swallow := s.swallowRFQ > 0
			if swallow {
				s.swallowRFQ--
			}
			s.mu.Unlock()
			if !swallow {
				s.sendClient(m)
			}
			s.mu.Lock()
			s.txStatus = m.TxStatus
			s.pending--
			s.cond.Broadcast()
			s.mu.Unlock()
			rows = 0
		case *pgproto3.ParameterStatus:
			switch m.Name {
			case "TimeZone", "DateStyle", "application_name":
				s.sendClient(m)
			case "client_encoding":
				s.sendClient(&pgproto3.ParameterStatus{Name: "client_encoding", Value: "UNICODE"})
			}
		case *pgproto3.CommandComplete:
			// Before the client hears of the rollback, so that its next
			// pg_last_copy_id() sees the values put back.
			s.endTxCopy(string(m.CommandTag))
			s.sendClient(m)
		case *pgproto3.ErrorResponse:
			s.mu.Lock()
			s.errSeen = true
			s.mu.Unlock()
			s.sendClient(m)
		case *pgproto3.DataRow, *pgproto3.CopyData:
			rows++
			s.beMu.Lock()
			s.be.Send(m)
			if rows%256 == 0 {
				s.be.Flush()
			}
			s.beMu.Unlock()
		default:
			s.sendClient(m)
		}
	}
}

// waitIdle waits until every Sync and Query sent to the backend has been
// answered. It returns false when the backend is gone.
func (s *session) waitIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.pending > 0 && !s.gone {
		s.cond.Wait()
	}
	return !s.gone
}

func (s *session) status() byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.txStatus
}

// cancelRunning stops the session's running work: an emulated COPY, and
// the backend's query.
func (s *session) cancelRunning() {
	s.mu.Lock()
	c := s.emuCancel
	s.mu.Unlock()
	if c != nil {
		c()
	}
	s.srv.sendBackendCancel(s.bePID, s.beSecret)
}

// icQuery runs sql on the client's backend session with the simple
// protocol, in intercept mode (the backend must be idle). It returns the
// data rows (text), the command tags and the first error.
type icResult struct {
	rows [][][]byte
	tags []string
	err  *pgproto3.ErrorResponse
}

func copyErrorResponse(m *pgproto3.ErrorResponse) *pgproto3.ErrorResponse {
	c := *m
	return &c
}

func (s *session) beginIntercept() {
	s.mu.Lock()
	s.intercept = true
	s.mu.Unlock()
}

// recv returns the next intercepted backend message; the caller must call
// s.ack <- struct{}{} (or endIntercept) when done with it.
func (s *session) recv() (pgproto3.BackendMessage, error) {
	select {
	case m := <-s.icCh:
		return m, nil
	case <-s.backendEnd:
		return nil, errBackendGone
	}
}

// endIntercept leaves intercept mode and releases the last message (a
// ReadyForQuery).
func (s *session) endIntercept(rfq *pgproto3.ReadyForQuery) {
	s.mu.Lock()
	s.intercept = false
	if rfq != nil {
		s.txStatus = rfq.TxStatus
	}
	s.mu.Unlock()
	s.ack <- struct{}{}
}

// icSend takes the backend's answers away from the relay and sends it a
// query of the emulator's own; on failure the relay gets them back.
func (s *session) icSend(sql string) error {
	s.beginIntercept()
	s.fe.Send(&pgproto3.Query{String: sql})
	if err := s.fe.Flush(); err != nil {
		s.mu.Lock()
		s.intercept = false
		s.mu.Unlock()
		return err
	}
	return nil
}

func (s *session) icQuery(sql string) (*icResult, error) {
	if err := s.icSend(sql); err != nil {
		return nil, err
	}
	res := &icResult{}
	for {
		msg, err := s.recv()
		if err != nil {
			return nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			row := make([][]byte, len(m.Values))
			for i, v := range m.Values {
				if v != nil {
					row[i] = append([]byte{}, v...)
				}
			}
			res.rows = append(res.rows, row)
		case *pgproto3.CommandComplete:
			res.tags = append(res.tags, string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			if res.err == nil {
				res.err = copyErrorResponse(m)
			}
		case *pgproto3.ReadyForQuery:
			s.endIntercept(m)
			return res, nil
		}
		s.ack <- struct{}{}
	}
}

func errorResponse(e *SQLError) *pgproto3.ErrorResponse {
	return &pgproto3.ErrorResponse{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: e.Code, Message: e.Message, Detail: e.Detail, Hint: e.Hint}
}

// abortBackendTx puts the backend's transaction block into the aborted
// state, so that Redshift's "an error aborts the transaction" holds for
// errors the emulator raises itself.
func (s *session) abortBackendTx(e *SQLError) {
	if s.status() != 'T' {
		return
	}
	msg := strings.ReplaceAll(e.Message, "'", "''")
	msg = strings.ReplaceAll(msg, "$emu$", "")
	code := e.Code
	if len(code) != 5 {
		code = "XX000"
	}
	sql := "DO $emu$BEGIN RAISE EXCEPTION USING ERRCODE = '" + code + "', MESSAGE = '" + msg + "'; END$emu$"
	if _, err := s.icQuery(sql); err != nil {
		s.srv.log.Warn("abort backend transaction", "err", err)
	}
}

// emuError reports an error the emulator raised: aborts the backend
// transaction when the client is in one, then sends the ErrorResponse.
func (s *session) emuError(e *SQLError) {
	s.abortBackendTx(e)
	s.sendClient(errorResponse(e))
}

func (s *session) analyzeContext(inTx bool) AnalyzeContext {
	return AnalyzeContext{InTransaction: inTx, Serverless: s.srv.cfg.Serverless, SearchPathEmu: s.srv.searchPathEmu()}
}

func txBoundary(first string) (begin, end bool) {
	switch first {
	case "BEGIN", "START":
		return true, false
	case "COMMIT", "END", "ROLLBACK", "ABORT":
		return false, true
	}
	return false, false
}

// handleQuery handles a simple-protocol Query.
func (s *session) handleQuery(sql string) {
	if !s.waitIdle() {
		return
	}
	stmts := splitStatements(sql)
	if len(stmts) == 0 {
		s.sendQuery(sql, false)
		return
	}
	inTx := s.status() != 'I'
	analyzed := make([]Statement, 0, len(stmts))
	emulated := false
	for _, text := range stmts {
		st := AnalyzeStatement(text, s.analyzeContext(inTx))
		if st.Err != nil {
			s.emuError(st.Err)
			s.sendClient(&pgproto3.ReadyForQuery{TxStatus: s.status()})
			return
		}
		if b, e := txBoundary(st.First); b {
			inTx = true
		} else if e {
			inTx = false
		}
		if st.Kind != StmtForward {
			emulated = true
		}
		analyzed = append(analyzed, st)
	}
	if !emulated {
		parts := make([]string, len(analyzed))
		for i, st := range analyzed {
			parts[i] = st.SQL
		}
		s.sendQuery(strings.Join(parts, ";\n"), false)
		return
	}
	// Statement by statement: forwarded ones are relayed (their
	// ReadyForQuery swallowed), emulated ones answered here.
	for _, st := range analyzed {
		if st.Kind == StmtForward {
			s.mu.Lock()
			s.errSeen = false
			s.mu.Unlock()
			s.sendQuery(st.SQL, true)
			if !s.waitIdle() {
				return
			}
			s.mu.Lock()
			failed := s.errSeen
			s.mu.Unlock()
			if failed {
				break
			}
			continue
		}
		if !s.runEmulated(st, true) {
			break
		}
	}
	s.sendClient(&pgproto3.ReadyForQuery{TxStatus: s.status()})
}

// sendQuery forwards a Query; swallow hides its ReadyForQuery from the
// client.
func (s *session) sendQuery(sql string, swallow bool) {
	s.mu.Lock()
	s.pending++
	if swallow {
		s.swallowRFQ++
	}
	s.mu.Unlock()
	s.forward(&pgproto3.Query{String: sql}, true)
}

// runEmulated executes an emulated statement and sends its results (no
// ReadyForQuery). It returns false when it failed.
func (s *session) runEmulated(st Statement, simple bool) bool {
	if s.status() == 'E' {
		s.sendClient(errorResponse(&SQLError{Code: "25P02", Message: "current transaction is aborted, commands ignored until end of transaction block"}))
		return false
	}
	switch st.Kind {
	case StmtSetEmulated:
		if st.Reset {
			delete(s.setVals, st.SetName)
		} else {
			s.setVals[st.SetName] = st.SetValue
		}
		tag := "SET"
		if st.Reset {
			tag = "RESET"
		}
		s.sendClient(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
		return true
	case StmtCopyS3:
		return s.runCopy(st.Copy)
	}
	return true
}

// syncBackend makes the backend idle before the emulator answers an
// extended-protocol message itself: forwarded messages of the batch get an
// internal Sync whose ReadyForQuery is hidden. It returns false when the
// backend reported an error for them (the batch is then discarded).
func (s *session) syncBackend() bool {
	if s.unsynced {
		s.mu.Lock()
		s.errSeen = false
		s.mu.Unlock()
		s.mu.Lock()
		s.pending++
		s.swallowRFQ++
		s.mu.Unlock()
		s.forward(&pgproto3.Sync{}, true)
		s.unsynced = false
		if !s.waitIdle() {
			return false
		}
		s.mu.Lock()
		failed := s.errSeen
		s.mu.Unlock()
		if failed {
			s.discard = true
			return false
		}
		return true
	}
	return s.waitIdle()
}

// extError reports an emulator error in an extended-protocol batch.
func (s *session) extError(e *SQLError) {
	if !s.syncBackend() {
		return
	}
	s.emuError(e)
	s.discard = true
}

func (s *session) handleParse(m *pgproto3.Parse) {
	if s.discard {
		return
	}
	stmts := splitStatements(m.Query)
	if len(stmts) != 1 {
		delete(s.emuStmts, m.Name)
		s.forwardExtended(m)
		return
	}
	inTx := s.batchInTx || s.status() != 'I'
	st := AnalyzeStatement(stmts[0], s.analyzeContext(inTx))
	if st.Err != nil {
		s.extError(st.Err)
		return
	}
	if b, _ := txBoundary(st.First); b {
		s.batchInTx = true
	}
	if st.Kind != StmtForward {
		if !s.syncBackend() {
			return
		}
		s.emuStmts[m.Name] = st
		s.sendClient(&pgproto3.ParseComplete{})
		return
	}
	delete(s.emuStmts, m.Name)
	p := *m
	p.Query = st.SQL
	s.forward(&p, false)
	s.unsynced = true
}

func (s *session) handleBind(m *pgproto3.Bind) {
	if s.discard {
		return
	}
	if st, ok := s.emuStmts[m.PreparedStatement]; ok {
		if !s.syncBackend() {
			return
		}
		s.emuPortals[m.DestinationPortal] = st
		s.sendClient(&pgproto3.BindComplete{})
		return
	}
	delete(s.emuPortals, m.DestinationPortal)
	s.forwardExtended(m)
}

func (s *session) handleDescribe(m *pgproto3.Describe) {
	if s.discard {
		return
	}
	var emu bool
	if m.ObjectType == 'S' {
		_, emu = s.emuStmts[m.Name]
	} else {
		_, emu = s.emuPortals[m.Name]
	}
	if !emu {
		s.forwardExtended(m)
		return
	}
	if !s.syncBackend() {
		return
	}
	if m.ObjectType == 'S' {
		s.sendClient(&pgproto3.ParameterDescription{}, &pgproto3.NoData{})
	} else {
		s.sendClient(&pgproto3.NoData{})
	}
}

func (s *session) handleExecute(m *pgproto3.Execute) {
	if s.discard {
		return
	}
	st, ok := s.emuPortals[m.Portal]
	if !ok {
		s.forwardExtended(m)
		return
	}
	if !s.syncBackend() {
		return
	}
	if !s.runEmulated(st, false) {
		s.discard = true
	}
}

func (s *session) handleClose(m *pgproto3.Close) {
	if s.discard {
		return
	}
	var emu bool
	if m.ObjectType == 'S' {
		_, emu = s.emuStmts[m.Name]
		delete(s.emuStmts, m.Name)
	} else {
		_, emu = s.emuPortals[m.Name]
		delete(s.emuPortals, m.Name)
	}
	if !emu {
		s.forwardExtended(m)
		return
	}
	if !s.syncBackend() {
		return
	}
	s.sendClient(&pgproto3.CloseComplete{})
}

func (s *session) handleSync() {
	s.discard = false
	s.batchInTx = false
	if s.unsynced {
		s.unsynced = false
		s.mu.Lock()
		s.pending++
		s.mu.Unlock()
		s.forward(&pgproto3.Sync{}, true)
		return
	}
	if !s.waitIdle() {
		return
	}
	s.sendClient(&pgproto3.ReadyForQuery{TxStatus: s.status()})
}
