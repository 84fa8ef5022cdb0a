package redshiftemu

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/jackc/pgx/v5/pgproto3"
)

// copyFile is one source object of a COPY.
type copyFile struct {
	uri  string
	data []byte // after GZIP
	size int64  // bytes in S3
}

// loadErrorRow is one rejected record.
type loadErrorRow struct {
	file     string
	line     int
	col      *Column
	raw      string
	err      LoadError
	startOff int64
}

// copyRun is the state of one emulated COPY.
type copyRun struct {
	cmd       *CopyCommand
	queryID   int64
	txID      int64
	tableOID  int64
	tableName string // relation name, for messages
	start     time.Time
	files     []copyFile
	errors    []loadErrorRow
	loaded    int64
	bytes     int64
}

func s3Exception(uri, format string, args ...any) *SQLError {
	msg := fmt.Sprintf(format, args...)
	return &SQLError{
		Code:    "XX000",
		Message: "S3ServiceException:" + msg + " (" + uri + ")",
		Detail:  "\n  -----------------------------------------------\n  error:  S3ServiceException:" + msg + "\n  code:      8001\n  context:   " + uri + "\n  location:  redshiftemu\n  -----------------------------------------------\n",
	}
}

// classifyS3 turns an S3 error into Redshift's S3ServiceException form.
func classifyS3(uri string, err error) *SQLError {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			return s3Exception(uri, "The specified bucket does not exist,Status 404,Error NoSuchBucket,Rid redshiftemu,ExtRid redshiftemu,CanRetry 1")
		case "NoSuchKey", "NotFound":
			return s3Exception(uri, "The specified key does not exist.,Status 404,Error NoSuchKey,Rid redshiftemu,ExtRid redshiftemu,CanRetry 1")
		case "AccessDenied":
			return s3Exception(uri, "Access Denied,Status 403,Error AccessDenied,Rid redshiftemu,ExtRid redshiftemu,CanRetry 1")
		}
		return s3Exception(uri, "%s,Error %s", ae.ErrorMessage(), ae.ErrorCode())
	}
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return s3Exception(uri, "%v", err)
}

// checkRegion fails a COPY that reads a bucket outside the COPY's region:
// REGION, or the cluster's without it. "If you specify a Region using the
// REGION parameter, all resources, including a manifest file or multiple
// Amazon S3 buckets, must be located in the specified Region"
// (copy-parameters-data-source-s3.html). The bucket's region is what the S3
// emulator's GetBucketLocation answers; the error is S3's redirect, which
// Redshift reports as an S3ServiceException.
func (s *session) checkRegion(ctx context.Context, cmd *CopyCommand, bucket, uri string) (*SQLError, error) {
	want := cmd.Region
	if want == "" {
		want = s.srv.cfg.S3Region
	}
	region, ok := s.srv.bucketRegion(bucket)
	if !ok {
		out, err := s.srv.s3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return classifyS3(uri, err), nil
		}
		region = string(out.LocationConstraint)
		if region == "" {
			region = "us-east-1"
		}
		s.srv.setBucketRegion(bucket, region)
	}
	if region != want {
		return s3Exception(uri, "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.,Status 301,Error PermanentRedirect,Rid redshiftemu,ExtRid redshiftemu,CanRetry 1 (bucket region %s, COPY region %s)", region, want), nil
	}
	return nil, nil
}

func (s *session) getObject(ctx context.Context, cmd *CopyCommand, uri string) ([]byte, *SQLError, error) {
	bucket, key, ok := splitS3URI(uri)
	if !ok {
		return nil, copyErr("22023", "invalid S3 URI '%s'", uri), nil
	}
	if serr, err := s.checkRegion(ctx, cmd, bucket, uri); serr != nil || err != nil {
		return nil, serr, err
	}
	out, err := s.srv.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, classifyS3(uri, err), nil
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, s3Exception(uri, "read failed: %v", err), nil
	}
	return b, nil, nil
}

// listSources lists the source objects: every key that starts with the
// prefix (a plain string prefix, as S3 lists, r_COPY.html "the object
// prefix"), or the entries of a manifest (loading-data-files-using-manifest.html).
func (s *session) listSources(ctx context.Context, cmd *CopyCommand) ([]string, *SQLError, error) {
	bucket, prefix, ok := splitS3URI(cmd.From)
	if !ok {
		return nil, copyErr("22023", "invalid S3 URI '%s'", cmd.From), nil
	}
	if cmd.Manifest {
		data, serr, err := s.getObject(ctx, cmd, cmd.From)
		if serr != nil || err != nil {
			return nil, serr, err
		}
		recs := splitJSONRecords(string(data))
		if len(recs) != 1 || recs[0].Err != "" || recs[0].Value.kind != jObject {
			return nil, &SQLError{Code: "XX000", Message: "Manifest file is not in correct json format", Detail: "manifest: " + cmd.From}, nil
		}
		entries, ok := recs[0].Value.get("entries", false)
		if !ok || entries.kind != jArray {
			return nil, &SQLError{Code: "XX000", Message: "Manifest file is not in correct json format: no \"entries\" array", Detail: "manifest: " + cmd.From}, nil
		}
		var uris []string
		for _, e := range entries.vals {
			u, ok := e.get("url", false)
			if e.kind != jObject || !ok || u.kind != jString {
				return nil, &SQLError{Code: "XX000", Message: "Manifest file is not in correct json format: an entry has no \"url\"", Detail: "manifest: " + cmd.From}, nil
			}
			mandatory := false
			if m, ok := e.get("mandatory", false); ok && m.kind == jBool {
				mandatory = m.text == "true"
			}
			eb, ek, ok := splitS3URI(u.text)
			if !ok {
				return nil, &SQLError{Code: "XX000", Message: fmt.Sprintf("Manifest entry '%s' is not a full s3:// object path", u.text), Detail: "code: 8001 (COPY with MANIFEST requires the full path of an Amazon S3 object)"}, nil
			}
			if serr, err := s.checkRegion(ctx, cmd, eb, u.text); serr != nil || err != nil {
				return nil, serr, err
			}
			_, err := s.srv.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(eb), Key: aws.String(ek)})
			if err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				if !mandatory {
					continue
				}
				// Assumption: Redshift's exact wording is not documented;
				// 1212 is the load error reference's "Load file was not
				// found".
				return nil, &SQLError{Code: "XX000", Message: fmt.Sprintf("Load file was not found: mandatory manifest entry '%s' does not exist", u.text), Detail: "code: 1212, manifest: " + cmd.From}, nil
			}
			uris = append(uris, u.text)
		}
		return uris, nil, nil
	}
	if serr, err := s.checkRegion(ctx, cmd, bucket, cmd.From); serr != nil || err != nil {
		return nil, serr, err
	}
	var uris []string
	p := s3.NewListObjectsV2Paginator(s.srv.s3, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, classifyS3(cmd.From, err), nil
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if strings.HasSuffix(k, "/") && aws.ToInt64(o.Size) == 0 {
				continue // a "folder" placeholder
			}
			uris = append(uris, "s3://"+bucket+"/"+k)
		}
	}
	if len(uris) == 0 {
		// Assumption: the wording Redshift prints for an empty prefix,
		// with the 8001 context block.
		return nil, &SQLError{
			Code:    "XX000",
			Message: fmt.Sprintf("The specified S3 prefix '%s' does not exist", prefix),
			Detail:  "\n  -----------------------------------------------\n  error:  The specified S3 prefix '" + prefix + "' does not exist\n  code:      8001\n  context:   " + cmd.From + "\n  location:  redshiftemu\n  -----------------------------------------------\n",
		}, nil
	}
	slices.Sort(uris)
	return uris, nil, nil
}

// targetColumns reads the table's columns from the client's own session
// (TEMP tables are visible there only).
func (s *session) targetColumns(cmd *CopyCommand) ([]Column, int64, int64, string, *pgproto3.ErrorResponse, error) {
	lit := "'" + strings.ReplaceAll(cmd.Table, "'", "''") + "'"
	q := `SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, a.attidentity <> '', c.oid, coalesce(txid_current_if_assigned(), 0), c.relname
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid JOIN pg_class c ON c.oid = a.attrelid
WHERE a.attrelid = ` + lit + `::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`
	res, err := s.icQuery(q)
	if err != nil {
		return nil, 0, 0, "", nil, err
	}
	if res.err != nil {
		return nil, 0, 0, "", res.err, nil
	}
	var cols []Column
	var oid, txid int64
	var relname string
	for _, r := range res.rows {
		cols = append(cols, newColumn(string(r[0]), string(r[1]), string(r[2]), string(r[3]) == "t", string(r[4]) == "t", string(r[5]) == "t"))
		oid, _ = strconv.ParseInt(string(r[6]), 10, 64)
		txid, _ = strconv.ParseInt(string(r[7]), 10, 64)
		relname = string(r[8])
	}
	return cols, oid, txid, relname, nil, nil
}

// runCopy executes an emulated COPY ... FROM 's3://...' (r_COPY.html) and
// sends its results. It returns false when the COPY failed (the error has
// been sent).
func (s *session) runCopy(cmd *CopyCommand) bool {
	ctx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.emuCancel = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.emuCancel = nil
		s.mu.Unlock()
		cancel()
	}()
	run := &copyRun{cmd: cmd, start: time.Now()}

	fail := func(e *SQLError) bool {
		s.emuError(e)
		return false
	}
	// abort fails a COPY that has its query id: SYS_LOAD_HISTORY records
	// it as aborted. abortBackend does the same for an error the backend
	// raised (it has already aborted its transaction).
	abort := func(e *SQLError) bool {
		s.writeHistory(ctx, run, "aborted")
		return fail(e)
	}
	abortBackend := func(pgerr *pgproto3.ErrorResponse) bool {
		s.writeHistory(ctx, run, "aborted")
		s.sendClient(copyErrorResponse(pgerr))
		return false
	}
	// Query id first: PG_LAST_COPY_ID is set even when the COPY fails.
	rows, err := s.sideExec(ctx, "SELECT nextval('redshift_emu.query_id_seq')")
	if err != nil {
		return fail(&SQLError{Code: "XX000", Message: "redshift emulator: bookkeeping connection: " + err.Error()})
	}
	run.queryID, _ = strconv.ParseInt(string(rows[0][0]), 10, 64)
	s.setLastCopy(ctx, 0, run.queryID)

	// IAM role (copy-usage_notes-access-permissions.html): a role the
	// cluster cannot assume fails the COPY.
	if len(s.srv.cfg.AllowedRoles) > 0 && cmd.IAMRole != "" && cmd.IAMRole != "default" && !slices.Contains(s.srv.cfg.AllowedRoles, cmd.IAMRole) {
		acct := "123456789012"
		if parts := strings.Split(cmd.IAMRole, ":"); len(parts) > 4 {
			acct = parts[4]
		}
		user := fmt.Sprintf("arn:aws:redshift:%s:%s:dbuser:redshiftemu/%s", s.srv.cfg.S3Region, acct, s.user)
		msg := fmt.Sprintf("User %s is not authorized to assume IAM Role %s", user, cmd.IAMRole)
		return abort(&SQLError{Code: "XX000", Message: msg, Detail: "\n  -----------------------------------------------\n  error:  " + msg + "\n  code:      8001\n  context:   IAM Role=" + cmd.IAMRole + "\n  query:     " + strconv.FormatInt(run.queryID, 10) + "\n  location:  xen_aws_credentials_mgr.cpp\n  -----------------------------------------------\n"})
	}

	cols, oid, txid, relname, pgerr, err := s.targetColumns(cmd)
	if err != nil {
		return false
	}
	if pgerr != nil {
		return abortBackend(pgerr)
	}
	run.tableOID, run.txID, run.tableName = oid, txid, relname
	target := cols[:0:0]
	if len(cmd.Columns) > 0 {
		for _, name := range cmd.Columns {
			i := slices.IndexFunc(cols, func(c Column) bool { return c.Name == name })
			if i < 0 {
				return abort(&SQLError{Code: "42703", Message: fmt.Sprintf("column \"%s\" of relation \"%s\" does not exist", name, relname)})
			}
			target = append(target, cols[i])
		}
	} else {
		for _, c := range cols {
			if !c.Identity { // IDENTITY columns are generated unless EXPLICIT_IDS
				target = append(target, c)
			}
		}
	}

	var paths []jsonPath
	if strings.HasPrefix(cmd.JSON, "s3://") {
		data, serr, err := s.getObject(ctx, cmd, cmd.JSON)
		if err != nil {
			return fail(cancelled(run.queryID))
		}
		if serr != nil {
			return abort(serr)
		}
		paths, err = parseJSONPathsFile(string(data))
		if err != nil {
			return abort(&SQLError{Code: "XX000", Message: err.Error(), Detail: "jsonpaths file: " + cmd.JSON})
		}
		if len(paths) != len(target) {
			return abort(&SQLError{Code: "XX000", Message: fmt.Sprintf("Number of jsonpaths and the number of columns should match. JSONPath size: %d, Number of columns in table or column list: %d", len(paths), len(target)), Detail: "jsonpaths file: " + cmd.JSON})
		}
	}

	uris, serr, err := s.listSources(ctx, cmd)
	if err != nil {
		return fail(cancelled(run.queryID))
	}
	if serr != nil {
		return abort(serr)
	}
	for _, u := range uris {
		data, serr, err := s.getObject(ctx, cmd, u)
		if err != nil {
			return fail(cancelled(run.queryID))
		}
		if serr != nil {
			return abort(serr)
		}
		f := copyFile{uri: u, data: data, size: int64(len(data))}
		if cmd.GZIP {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err == nil {
				f.data, err = io.ReadAll(zr)
			}
			if err != nil {
				return abort(&SQLError{Code: "XX000", Message: fmt.Sprintf("gzip: invalid compressed data in %s: %v", u, err)})
			}
		}
		run.files = append(run.files, f)
	}

	// Parse and convert.
	opts := ConvertOptions{TimeFormat: cmd.TimeFormat, TruncateCols: cmd.TruncateCols, AcceptInvChars: cmd.AcceptInvChars, InvCharReplace: cmd.InvCharReplace}
	threshold := max(cmd.MaxError, 1)
	if s.srv.cfg.MaxErrorExceeds {
		threshold = cmd.MaxError + 1
	}
	type row struct {
		vals []*string
		mask uint64 // bit i: column i takes its DEFAULT
	}
	var out []row
	ignoreCase := cmd.JSON == "auto ignorecase"
	tooMany := false
files:
	for _, f := range run.files {
		if ctx.Err() != nil {
			return fail(cancelled(run.queryID))
		}
		for _, rec := range splitJSONRecords(string(f.data)) {
			le := convertRecord(rec, target, paths, ignoreCase, opts)
			if le == nil {
				vals := make([]*string, len(target))
				var mask uint64
				ok := true
				for i, c := range target {
					v := pickValue(rec.Value, c, i, paths, ignoreCase)
					if v == nil && c.HasDefault && i < 64 {
						mask |= 1 << i
						continue
					}
					o, null, lerr := convertValue(c, v, opts)
					if lerr != nil { // already checked by convertRecord
						ok = false
						break
					}
					if !null {
						vals[i] = &o
					}
				}
				if ok {
					out = append(out, row{vals, mask})
					run.bytes += int64(len(rec.Raw))
					continue
				}
			}
			// STL_LOAD_ERRORS.line_number: "For COPY from JSON, the line
			// number of the last line of the JSON object with the error"
			// (r_STL_LOAD_ERRORS.html).
			le.line = rec.EndLine
			le.file = f.uri
			run.errors = append(run.errors, *le)
			if len(run.errors) >= threshold {
				tooMany = true
				break files
			}
		}
	}
	if tooMany {
		s.writeErrors(ctx, run)
		s.writeHistory(ctx, run, "aborted")
		table := "stl_load_errors"
		if s.srv.cfg.Serverless {
			table = "sys_load_error_detail"
		}
		first := run.errors[0]
		colName := ""
		if first.col != nil {
			colName = first.col.Name
		}
		return fail(&SQLError{
			Code:    "XX000",
			Message: fmt.Sprintf("Load into table '%s' failed.  Check '%s' system table for details.", relname, table),
			Detail: fmt.Sprintf("\n  -----------------------------------------------\n  error:  Load into table '%s' failed.  Check '%s' system table for details.\n  code:      %d\n  context:   %s\n  query:     %d\n  location:  redshiftemu\n  -----------------------------------------------\n",
				relname, table, first.err.Code, strings.TrimSpace(colName+" "+first.err.Reason), run.queryID),
		})
	}

	// Load the accepted rows in the client's own session and transaction,
	// grouped by which columns take their DEFAULT.
	groups := map[uint64][][]*string{}
	var order []uint64
	for _, r := range out {
		if _, ok := groups[r.mask]; !ok {
			order = append(order, r.mask)
		}
		groups[r.mask] = append(groups[r.mask], r.vals)
	}
	for _, mask := range order {
		var names []string
		var idx []int
		for i, c := range target {
			if i < 64 && mask&(1<<i) != 0 {
				continue
			}
			names = append(names, quoteIdent(c.Name))
			idx = append(idx, i)
		}
		var sql string
		if len(names) == 0 {
			// every column takes its default
			sql = ""
		} else {
			sql = fmt.Sprintf("COPY %s (%s) FROM STDIN", cmd.Table, strings.Join(names, ", "))
		}
		rowsIn := groups[mask]
		if sql == "" {
			ins := fmt.Sprintf("INSERT INTO %s DEFAULT VALUES", cmd.Table)
			for range rowsIn {
				res, err := s.icQuery(ins)
				if err != nil {
					return false
				}
				if res.err != nil {
					return abortBackend(res.err)
				}
			}
			run.loaded += int64(len(rowsIn))
			continue
		}
		proj := make([][]*string, len(rowsIn))
		for i, r := range rowsIn {
			p := make([]*string, len(idx))
			for j, k := range idx {
				p[j] = r[k]
			}
			proj[i] = p
		}
		n, pgerr, err := s.icCopyIn(sql, copyRowsText(proj))
		if err != nil {
			return false
		}
		if pgerr != nil {
			return abortBackend(pgerr)
		}
		run.loaded += n
	}

	s.writeCommits(ctx, run)
	s.writeErrors(ctx, run)
	s.writeHistory(ctx, run, "completed")
	s.setLastCopy(ctx, run.loaded, run.queryID)
	notices := []pgproto3.BackendMessage{
		&pgproto3.NoticeResponse{Severity: "INFO", SeverityUnlocalized: "INFO", Code: "00000",
			Message: fmt.Sprintf("Load into table '%s' completed, %d record(s) loaded successfully.", relname, run.loaded)},
	}
	if len(run.errors) > 0 {
		table := "stl_load_errors"
		if s.srv.cfg.Serverless {
			table = "sys_load_error_detail"
		}
		notices = append(notices, &pgproto3.NoticeResponse{Severity: "INFO", SeverityUnlocalized: "INFO", Code: "00000",
			Message: fmt.Sprintf("Load into table '%s' completed, %d record(s) could not be loaded.  Check '%s' system table for details.", relname, len(run.errors), table)})
	}
	// Redshift's command tag for COPY carries no row count (assumption
	// from client reports: lib/pq#807, aws/aws-sdk#356); clients read
	// PG_LAST_COPY_COUNT() instead.
	notices = append(notices, &pgproto3.CommandComplete{CommandTag: []byte("COPY")})
	s.sendClient(notices...)
	return true
}

func cancelled(queryID int64) *SQLError {
	return &SQLError{Code: "57014", Message: fmt.Sprintf("Query (%d) cancelled on user's request", queryID)}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// pickValue returns the JSON value for target column i: by name with
// 'auto' (case-sensitive; 'auto ignorecase' folds case), or by the i-th
// JSONPath expression.
func pickValue(rec *jsonValue, c Column, i int, paths []jsonPath, ignoreCase bool) *jsonValue {
	if paths != nil {
		return paths[i].eval(rec)
	}
	v, ok := rec.get(c.Name, ignoreCase)
	if !ok {
		return nil
	}
	return v
}

// convertRecord checks one record; it returns the first error, or nil.
func convertRecord(rec jsonRecord, target []Column, paths []jsonPath, ignoreCase bool, o ConvertOptions) *loadErrorRow {
	raw := rec.Raw
	if rec.Err != "" {
		return &loadErrorRow{raw: raw, err: LoadError{Code: errJSON, Reason: "Invalid JSON: " + rec.Err, RawValue: raw}}
	}
	if rec.Value.kind != jObject {
		return &loadErrorRow{raw: raw, err: LoadError{Code: errJSON, Reason: "Invalid JSON: the top-level value is not an object", RawValue: raw}}
	}
	for i := range target {
		c := &target[i]
		v := pickValue(rec.Value, *c, i, paths, ignoreCase)
		if v == nil && c.HasDefault {
			continue
		}
		_, null, lerr := convertValue(*c, v, o)
		if lerr != nil {
			return &loadErrorRow{raw: raw, col: c, err: *lerr}
		}
		if null && c.NotNull {
			return &loadErrorRow{raw: raw, col: c, err: LoadError{Code: errNotNull, Reason: "Missing data for not-null field"}}
		}
	}
	return nil
}

// icCopyIn runs COPY ... FROM STDIN on the client's backend session.
func (s *session) icCopyIn(sql, data string) (int64, *pgproto3.ErrorResponse, error) {
	if err := s.icSend(sql); err != nil {
		return 0, nil, err
	}
	var n int64
	var pgerr *pgproto3.ErrorResponse
	for {
		msg, err := s.recv()
		if err != nil {
			return 0, nil, err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyInResponse:
			const chunk = 256 << 10
			for off := 0; off < len(data); off += chunk {
				s.fe.Send(&pgproto3.CopyData{Data: []byte(data[off:min(off+chunk, len(data))])})
			}
			s.fe.Send(&pgproto3.CopyDone{})
			if err := s.fe.Flush(); err != nil {
				s.ack <- struct{}{}
				return 0, nil, err
			}
		case *pgproto3.CommandComplete:
			tag := string(m.CommandTag)
			if i := strings.LastIndexByte(tag, ' '); i >= 0 {
				n, _ = strconv.ParseInt(tag[i+1:], 10, 64)
			}
		case *pgproto3.ErrorResponse:
			if pgerr == nil {
				pgerr = copyErrorResponse(m)
			}
		case *pgproto3.ReadyForQuery:
			s.endIntercept(m)
			return n, pgerr, nil
		}
		s.ack <- struct{}{}
	}
}

func (s *session) setLastCopy(ctx context.Context, count, id int64) {
	s.copyMu.Lock()
	if s.status() != 'I' && s.txCopy == nil {
		s.txCopy = &[2]int64{s.lastCopyCnt, s.lastCopyID}
	}
	s.copyMu.Unlock()
	s.writeLastCopy(ctx, count, id)
}

// endTxCopy ends the transaction block's COPY bookkeeping when a command
// completes with tag: a ROLLBACK (also what COMMIT of a failed block
// answers) puts pg_last_copy_count() and pg_last_copy_id() back as they
// were before the block's first COPY; a COMMIT keeps them.
func (s *session) endTxCopy(tag string) {
	if tag != "ROLLBACK" && tag != "COMMIT" {
		return
	}
	s.copyMu.Lock()
	prev := s.txCopy
	s.txCopy = nil
	s.copyMu.Unlock()
	if prev != nil && tag == "ROLLBACK" {
		ctx, cancel := context.WithTimeout(context.Background(), timeoutShort)
		defer cancel()
		s.writeLastCopy(ctx, prev[0], prev[1])
	}
}

// writeLastCopy records the session's pg_last_copy_count() and
// pg_last_copy_id().
func (s *session) writeLastCopy(ctx context.Context, count, id int64) {
	s.copyMu.Lock()
	s.lastCopyCnt, s.lastCopyID = count, id
	s.copyMu.Unlock()
	_, err := s.sideExec(ctx, `INSERT INTO redshift_emu.session_copy (pid, backend_start, last_count, last_id)
SELECT $1::int, (SELECT backend_start FROM pg_stat_activity WHERE pid = $1::int), $2::bigint, $3::int
ON CONFLICT (pid) DO UPDATE SET backend_start = EXCLUDED.backend_start, last_count = EXCLUDED.last_count, last_id = EXCLUDED.last_id`,
		strconv.FormatUint(uint64(s.bePID), 10), strconv.FormatInt(count, 10), strconv.FormatInt(id, 10))
	if err != nil {
		s.srv.log.Warn("record pg_last_copy values", "err", err)
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		s = truncateUTF8(s, n)
	}
	return s
}

// writeErrors records the rejected records: STL_LOAD_ERRORS
// (provisioned only) and SYS_LOAD_ERROR_DETAIL, through the autocommit
// side connection so that they survive the client's rollback.
func (s *session) writeErrors(ctx context.Context, run *copyRun) {
	if len(run.errors) == 0 {
		return
	}
	now := time.Now()
	var stl, sys [][]*string
	for _, e := range run.errors {
		colname, typ, clen := "", "", ""
		if e.col != nil {
			colname, typ, clen = e.col.Name, e.col.TypeName, e.col.colLength()
		}
		rawLine := printable(e.raw, 1024)
		rawField := printable(e.err.RawValue, 1024)
		stl = append(stl, []*string{
			spInt(100), spInt(0), spInt(run.tableOID), spTime(run.start), spInt(int64(s.bePID)), spInt(run.queryID),
			sp(clip(e.file, 256)), spInt(int64(e.line)), sp(clip(colname, 127)), sp(clip(typ, 10)), sp(clip(clen, 10)),
			spInt(int64(e.err.Position)), sp(rawLine), sp(rawField), spInt(int64(e.err.Code)),
			sp(clip(printable(e.err.Reason, 1000), 100)), spInt(0), spInt(e.startOff),
		})
		sys = append(sys, []*string{
			spInt(100), spInt(run.queryID), spInt(run.txID), spInt(int64(s.bePID)), sp(clip(s.database, 64)), spInt(run.tableOID),
			spTime(run.start), sp(clip(e.file, 256)), spInt(int64(e.line)), sp(clip(colname, 127)), sp(clip(typ, 10)), sp(clip(clen, 10)),
			spInt(int64(e.err.Position)), spInt(int64(e.err.Code)), sp(clip(printable(e.err.Reason, 1000), 512)), sp(rawLine), sp(rawField), spTime(now),
		})
	}
	if !s.srv.cfg.Serverless {
		if err := s.sideCopy(ctx, "redshift_emu_stl.stl_load_errors", []string{"userid", "slice", "tbl", "starttime", "session", "query", "filename", "line_number", "colname", "type", "col_length", "position", "raw_line", "raw_field_value", "err_code", "err_reason", "is_partial", "start_offset"}, stl); err != nil {
			s.srv.log.Warn("write stl_load_errors", "err", err)
		}
	}
	if err := s.sideCopy(ctx, "redshift_emu.sys_load_error_detail", []string{"user_id", "query_id", "transaction_id", "session_id", "database_name", "table_id", "start_time", "file_name", "line_number", "column_name", "column_type", "column_length", "position", "error_code", "error_message", "raw_line", "raw_field_value", "record_time"}, sys); err != nil {
		s.srv.log.Warn("write sys_load_error_detail", "err", err)
	}
}

// writeCommits records one STL_LOAD_COMMITS row per file read
// (provisioned only).
func (s *session) writeCommits(ctx context.Context, run *copyRun) {
	if s.srv.cfg.Serverless {
		return
	}
	now := time.Now()
	var rows [][]*string
	for _, f := range run.files {
		lines := int64(bytes.Count(f.data, []byte{'\n'}))
		if len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
			lines++
		}
		errs := int64(0)
		for _, e := range run.errors {
			if e.file == f.uri {
				errs++
			}
		}
		rows = append(rows, []*string{spInt(100), spInt(run.queryID), spInt(0), sp(clip(f.uri, 256)), sp(clip(f.uri, 256)), spInt(0), spInt(lines), spInt(errs), spTime(now), spInt(1)})
	}
	if err := s.sideCopy(ctx, "redshift_emu_stl.stl_load_commits", []string{"userid", "query", "slice", "name", "filename", "byte_offset", "lines_scanned", "errors", "curtime", "status"}, rows); err != nil {
		s.srv.log.Warn("write stl_load_commits", "err", err)
	}
}

// writeHistory records the COPY in SYS_LOAD_HISTORY.
func (s *session) writeHistory(ctx context.Context, run *copyRun, status string) {
	end := time.Now()
	var srcBytes int64
	for _, f := range run.files {
		srcBytes += f.size
	}
	loaded := run.loaded
	if status != "completed" {
		loaded = 0
	}
	row := []*string{
		spInt(100), spInt(run.queryID), spInt(run.txID), spInt(int64(s.bePID)), sp(s.database), sp(status), sp(run.tableName),
		spTime(run.start), spTime(end), spInt(end.Sub(run.start).Microseconds()), sp(run.cmd.From), sp("json"),
		spInt(loaded), spInt(run.bytes), spInt(int64(len(run.files))), spInt(srcBytes), spInt(int64(len(run.files))), spInt(srcBytes),
		spInt(int64(len(run.errors))), spInt(0),
	}
	if run.tableName == "" {
		row[6] = sp(run.cmd.Table)
	}
	if err := s.sideCopy(ctx, "redshift_emu.sys_load_history", []string{"user_id", "query_id", "transaction_id", "session_id", "database_name", "status", "table_name", "start_time", "end_time", "duration", "data_source", "file_format", "loaded_rows", "loaded_bytes", "source_file_count", "source_file_bytes", "file_count_scanned", "file_bytes_scanned", "error_count", "copy_job_id"}, [][]*string{row}); err != nil {
		s.srv.log.Warn("write sys_load_history", "err", err)
	}
}
