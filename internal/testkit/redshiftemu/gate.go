package redshiftemu

import (
	"fmt"
	"strings"
	"sync"

	pgq "github.com/pganalyze/pg_query_go/v6"
	pgquery "github.com/wasilibs/go-pgquery"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The gate: every statement the emulator receives is parsed with the
// PostgreSQL grammar (libpg_query) and its tree walked against an allow-list
// of what the Amazon Redshift Database Developer Guide documents. A node,
// type, function or operator missing from the lists is refused with
// 0A000 "... is not supported by Amazon Redshift", naming the page that
// decides it. Redshift's own table attributes are taken out first
// (redshiftDDL) and validated against the parsed column list.

// Documentation pages the allow-lists cite.
const (
	docSQLCommands   = "https://docs.aws.amazon.com/redshift/latest/dg/c_SQL_commands.html"
	docSQLFunctions  = "https://docs.aws.amazon.com/redshift/latest/dg/c_SQL_functions.html"
	docExpressions   = "https://docs.aws.amazon.com/redshift/latest/dg/r_expressions.html"
	docConditions    = "https://docs.aws.amazon.com/redshift/latest/dg/r_conditions.html"
	docLock          = "https://docs.aws.amazon.com/redshift/latest/dg/r_LOCK.html"
	docBegin         = "https://docs.aws.amazon.com/redshift/latest/dg/r_BEGIN.html"
	docDrop          = "https://docs.aws.amazon.com/redshift/latest/dg/r_DROP_TABLE.html"
	docAlterTable    = "https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html"
	docCTAS          = "https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_AS.html"
	docWindow        = "https://docs.aws.amazon.com/redshift/latest/dg/r_Window_function_synopsis.html"
	docListagg       = "https://docs.aws.amazon.com/redshift/latest/dg/r_LISTAGG.html"
	docComment       = "https://docs.aws.amazon.com/redshift/latest/dg/r_COMMENT.html"
	docAnalyze       = "https://docs.aws.amazon.com/redshift/latest/dg/r_ANALYZE.html"
	docVacuum        = "https://docs.aws.amazon.com/redshift/latest/dg/r_VACUUM_command.html"
	docDatetimeFuncs = "https://docs.aws.amazon.com/redshift/latest/dg/Date_functions_header.html"
	docPatternMatch  = "https://docs.aws.amazon.com/redshift/latest/dg/pattern-matching-conditions.html"
	docWith          = "https://docs.aws.amazon.com/redshift/latest/dg/r_WITH_clause.html"
	docUpdate        = "https://docs.aws.amazon.com/redshift/latest/dg/r_UPDATE.html"
	docTruncateCmd   = docTruncate
	docCreateView    = "https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html"
	docSelectList    = "https://docs.aws.amazon.com/redshift/latest/dg/r_SELECT_list.html"
)

// nodeRule allows one kind of parse-tree node; check (optional) refuses the
// node's forms Redshift does not document.
type nodeRule struct {
	doc   string
	check func(w *walker, m protoreflect.ProtoMessage) *SQLError
}

// refusedNodes names, for a clear message, parse-tree nodes that are not
// allowed; the rest of the unlisted nodes get a generic message.
var refusedNodes = map[string][2]string{
	"IndexStmt":               {"CREATE INDEX", docUnsupportedFeatures},
	"CreateSeqStmt":           {"CREATE SEQUENCE", docUnsupportedFeatures},
	"AlterSeqStmt":            {"ALTER SEQUENCE", docUnsupportedFeatures},
	"CreateTrigStmt":          {"CREATE TRIGGER", docUnsupportedFeatures},
	"RuleStmt":                {"CREATE RULE", docUnsupportedFeatures},
	"CreateDomainStmt":        {"CREATE DOMAIN", docUnsupportedTypes},
	"CreateEnumStmt":          {"CREATE TYPE ... AS ENUM", docUnsupportedTypes},
	"CompositeTypeStmt":       {"CREATE TYPE (composite types)", docUnsupportedTypes},
	"CreateRangeStmt":         {"CREATE TYPE ... AS RANGE", docUnsupportedTypes},
	"CreateExtensionStmt":     {"CREATE EXTENSION", docUnsupportedFeatures},
	"CreateFdwStmt":           {"foreign data management (SQL/MED)", docUnsupportedFeatures},
	"CreateForeignServerStmt": {"foreign data management (SQL/MED)", docUnsupportedFeatures},
	"CreateForeignTableStmt":  {"foreign data management (SQL/MED)", docUnsupportedFeatures},
	"CreateTableSpaceStmt":    {"tablespaces", docUnsupportedFeatures},
	"DoStmt":                  {"DO (anonymous code block)", docStoredProcedures},
	"ListenStmt":              {"LISTEN", docSQLCommands},
	"NotifyStmt":              {"NOTIFY", docSQLCommands},
	"UnlistenStmt":            {"UNLISTEN", docSQLCommands},
	"ClusterStmt":             {"CLUSTER", docSQLCommands},
	"ReindexStmt":             {"REINDEX", docSQLCommands},
	"CheckPointStmt":          {"CHECKPOINT", docSQLCommands},
	"DiscardStmt":             {"DISCARD", docSQLCommands},
	"LoadStmt":                {"LOAD", docSQLCommands},
	"MergeStmt":               {"MERGE in the emulator (Amazon Redshift's MERGE has restrictions Postgres does not enforce)", docMerge},
	"CreatePolicyStmt":        {"CREATE POLICY (row-level security policies differ)", docSQLCommands},
	"CreateEventTrigStmt":     {"CREATE EVENT TRIGGER", docUnsupportedFeatures},
	"CreateStatsStmt":         {"CREATE STATISTICS", docSQLCommands},
	"RefreshMatViewStmt":      {"REFRESH MATERIALIZED VIEW in the emulator", docSQLCommands},
	"A_ArrayExpr":             {"the ARRAY constructor", docUnsupportedFeatures},
	"A_Indirection":           {"subscript expressions", docUnsupportedFeatures},
	"RowExpr":                 {"row constructors", docUnsupportedFeatures},
	"OnConflictClause":        {"INSERT ... ON CONFLICT", docInsert},
	"LockingClause":           {"SELECT ... FOR UPDATE/SHARE", docSelect},
	"RangeFunction":           {"table functions", docUnsupportedFeatures},
	"RangeTableFunc":          {"table functions (XMLTABLE)", docUnsupportedFeatures},
	"RangeTableSample":        {"TABLESAMPLE", docSelect},
	"CollateClause":           {"COLLATE", docUnsupportedFeatures},
	"XmlExpr":                 {"XML functions", docUnsupportedFunctions},
	"XmlSerialize":            {"XML functions", docUnsupportedFunctions},
	"JsonObjectConstructor":   {"SQL/JSON constructors", docUnsupportedFunctions},
	"JsonArrayConstructor":    {"SQL/JSON constructors", docUnsupportedFunctions},
	"JsonFuncExpr":            {"SQL/JSON query functions", docUnsupportedFunctions},
	"JsonIsPredicate":         {"IS JSON", docUnsupportedFunctions},
	"JsonTable":               {"JSON_TABLE", docUnsupportedFunctions},
	"GroupingFunc":            {"GROUPING()", docSelect},
	"MultiAssignRef":          {"UPDATE ... SET (a, b) = (...)", docUpdate},
	"CurrentOfExpr":           {"WHERE CURRENT OF", docSQLCommands},
	"CallStmt":                {"CALL in the emulator (stored procedures are not emulated)", docStoredProcedures},
	"CreateFunctionStmt":      {"CREATE FUNCTION/PROCEDURE in the emulator (Redshift's UDF languages are not emulated)", docStoredProcedures},
	"CopyStmt":                {"COPY FROM STDIN/TO", docCopy},
}

// nodeRules is the allow-list of parse-tree nodes. Statements first, then
// clauses and expressions; each entry cites the page that documents it.
var nodeRules map[string]nodeRule

var initRules sync.Once

func rules() map[string]nodeRule {
	initRules.Do(func() {
		nodeRules = map[string]nodeRule{
			// Statements (c_SQL_commands.html and each command's page).
			"SelectStmt":         {docSelect, checkSelect},
			"InsertStmt":         {docInsert, checkInsert},
			"UpdateStmt":         {docUpdate, checkUpdate},
			"DeleteStmt":         {docDelete, checkDelete},
			"CreateStmt":         {docCreateTable, checkCreate},
			"CreateTableAsStmt":  {docCTAS, checkCTAS},
			"ViewStmt":           {docCreateView, checkView},
			"DropStmt":           {docDrop, checkDrop},
			"AlterTableStmt":     {docAlterTable, checkAlterTable},
			"AlterTableCmd":      {docAlterTable, nil},
			"RenameStmt":         {docAlterTable, checkRename},
			"TruncateStmt":       {docTruncateCmd, checkTruncate},
			"TransactionStmt":    {docBegin, checkTransaction},
			"LockStmt":           {docLock, checkLock},
			"CommentStmt":        {docComment, checkComment},
			"VacuumStmt":         {docAnalyze, checkVacuum},
			"VacuumRelation":     {docAnalyze, nil},
			"ExplainStmt":        {"https://docs.aws.amazon.com/redshift/latest/dg/r_EXPLAIN.html", checkExplain},
			"CreateSchemaStmt":   {"https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_SCHEMA.html", nil},
			"VariableShowStmt":   {"https://docs.aws.amazon.com/redshift/latest/dg/r_SHOW.html", nil},
			"PrepareStmt":        {"https://docs.aws.amazon.com/redshift/latest/dg/r_PREPARE.html", nil},
			"ExecuteStmt":        {"https://docs.aws.amazon.com/redshift/latest/dg/r_EXECUTE.html", nil},
			"DeallocateStmt":     {"https://docs.aws.amazon.com/redshift/latest/dg/r_DEALLOCATE.html", nil},
			"DeclareCursorStmt":  {"https://docs.aws.amazon.com/redshift/latest/dg/declare.html", nil},
			"FetchStmt":          {"https://docs.aws.amazon.com/redshift/latest/dg/fetch.html", nil},
			"ClosePortalStmt":    {"https://docs.aws.amazon.com/redshift/latest/dg/close.html", nil},
			"CreateFunctionStmt": {"https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_PROCEDURE.html", checkCreateFunction},
			"FunctionParameter":  {"https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_PROCEDURE.html", nil},
			"CallStmt":           {"https://docs.aws.amazon.com/redshift/latest/dg/r_CALL_procedure.html", checkCall},
			"LockingClause":      {docSelect, checkLockingClause},
			"RangeFunction":      {docUnsupportedFeatures, checkRangeFunction},
			"GrantStmt":          {"https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html", nil},
			"AccessPriv":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html", nil},
			"ObjectWithArgs":     {"https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html", nil},
			"RoleSpec":           {"https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html", nil},

			// Clauses and table expressions.
			"RangeVar":        {"https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html", checkRangeVar},
			"Alias":           {"https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html", nil},
			"JoinExpr":        {"https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html", nil},
			"RangeSubselect":  {"https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html", checkRangeSubselect},
			"ResTarget":       {docSelectList, nil},
			"SortBy":          {"https://docs.aws.amazon.com/redshift/latest/dg/r_ORDER_BY_clause.html", checkSortBy},
			"WithClause":      {docWith, nil},
			"CommonTableExpr": {docWith, checkCTE},
			"WindowDef":       {docWindow, checkWindowDef},
			"IntoClause":      {docCTAS, checkInto},
			"GroupingSet":     {"https://docs.aws.amazon.com/redshift/latest/dg/r_GROUP_BY_aggregation-extensions.html", nil},
			"ColumnDef":       {docCreateTable, checkColumnDef},
			"Constraint":      {docCreateTable, checkConstraint},
			"TableLikeClause": {docCreateTable, nil},
			"TypeName":        {docDataTypes, checkTypeName},
			"DefElem":         {docSQLCommands, nil}, // options are checked by their statement
			"MultiAssignRef_": {docUpdate, nil},
			"A_Star":          {docSelectList, nil},

			// Expressions (r_expressions.html, r_conditions.html).
			"ColumnRef":        {docExpressions, nil},
			"ParamRef":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_PREPARE.html", nil},
			"A_Const":          {"https://docs.aws.amazon.com/redshift/latest/dg/r_Literals.html", nil},
			"Integer":          {"https://docs.aws.amazon.com/redshift/latest/dg/r_numeric_literals201.html", nil},
			"Float":            {"https://docs.aws.amazon.com/redshift/latest/dg/r_numeric_literals201.html", nil},
			"String":           {"https://docs.aws.amazon.com/redshift/latest/dg/r_character_literals.html", nil},
			"Boolean":          {"https://docs.aws.amazon.com/redshift/latest/dg/r_Boolean_type.html", nil},
			"TypeCast":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html", nil},
			"A_Expr":           {docConditions, checkAExpr},
			"BoolExpr":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_logical_condition.html", nil},
			"NullTest":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_null_condition.html", nil},
			"BooleanTest":      {"https://docs.aws.amazon.com/redshift/latest/dg/r_Boolean_type.html", nil},
			"SubLink":          {"https://docs.aws.amazon.com/redshift/latest/dg/r_subquery_expressions.html", checkSubLink},
			"CaseExpr":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_CASE_function.html", nil},
			"CaseWhen":         {"https://docs.aws.amazon.com/redshift/latest/dg/r_CASE_function.html", nil},
			"CoalesceExpr":     {"https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html", nil},
			"MinMaxExpr":       {"https://docs.aws.amazon.com/redshift/latest/dg/r_GREATEST_LEAST.html", nil},
			"SQLValueFunction": {docDatetimeFuncs, checkSQLValueFunction},
			"FuncCall":         {docSQLFunctions, checkFuncCall},
		}
	})
	return nodeRules
}

// walker walks one statement's tree.
type walker struct {
	sql        string // the text the parser saw
	orig       string // the client's text
	toks       []token
	attrs      *redshiftAttrs
	valuesOK   map[protoreflect.ProtoMessage]bool // SELECT nodes that are an INSERT's VALUES, the FuncCall of a CALL
	identityOK bool
	inTx       bool
}

func refuse(construct, doc string) *SQLError { return unsupported(construct, doc) }

// parseMu serialises the parser: one wazero module instance is not safe
// for concurrent use by every version of the library.
var parseMu sync.Mutex

// warmParser compiles the parser's WebAssembly module (a few seconds, once
// per process), so that the first client statement does not wait for it.
func warmParser() { _, _ = parse("SELECT 1") }

func parse(sql string) (*pgq.ParseResult, error) {
	parseMu.Lock()
	defer parseMu.Unlock()
	return pgquery.Parse(sql)
}

// gate checks one client statement (no top-level semicolons) against the
// allow-lists. toks are the lexer's tokens of sql.
func gate(sql string, toks []token, ac AnalyzeContext) *SQLError {
	stripped, attrs, serr := redshiftDDL(maxLengths(sql, toks), toks)
	if serr != nil {
		return serr
	}
	res, err := parse(stripped)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "syntax error"); i >= 0 {
			msg = msg[i:]
		}
		return &SQLError{Code: "42601", Message: msg}
	}
	if len(res.Stmts) != 1 {
		return nil // an empty statement
	}
	w := &walker{sql: stripped, orig: sql, toks: toks, attrs: attrs, valuesOK: map[protoreflect.ProtoMessage]bool{}, inTx: ac.InTransaction}
	w.identityOK = len(attrs.Identity) > 0
	stmt := res.Stmts[0].Stmt
	if e := w.walk(stmt.ProtoReflect()); e != nil {
		return e
	}
	return w.validateAttrs(stmt)
}

// walk checks a node and everything below it.
func (w *walker) walk(m protoreflect.Message) *SQLError {
	if !m.IsValid() {
		return nil
	}
	name := string(m.Descriptor().Name())
	switch name {
	case "Node", "List", "RawStmt":
	default:
		rule, ok := rules()[name]
		if !ok {
			if r, named := refusedNodes[name]; named {
				return refuse(r[0], r[1])
			}
			return refuse("the PostgreSQL construct "+name, docUnsupportedFeatures)
		}
		if rule.check != nil {
			if e := rule.check(w, m.Interface()); e != nil {
				return e
			}
		}
	}
	var out *SQLError
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		if fd.IsList() {
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				if out = w.walk(l.Get(i).Message()); out != nil {
					return false
				}
			}
			return true
		}
		if fd.IsMap() {
			return true
		}
		out = w.walk(v.Message())
		return out == nil
	})
	return out
}

func checkSelect(w *walker, m protoreflect.ProtoMessage) *SQLError {
	s := m.(*pgq.SelectStmt)
	for _, d := range s.DistinctClause {
		if d != nil && d.Node != nil {
			return refuse("SELECT DISTINCT ON", docSelect)
		}
	}
	if len(s.ValuesLists) > 0 && !w.valuesOK[m] {
		return refuse("a VALUES list used as a constant table", docUnsupportedFeatures)
	}
	if s.LimitOption == pgq.LimitOption_LIMIT_OPTION_WITH_TIES {
		return refuse("FETCH ... WITH TIES", docSelect)
	}
	if s.GroupDistinct {
		return refuse("GROUP BY DISTINCT", docSelect)
	}
	if len(s.WindowClause) > 0 {
		return refuse("the WINDOW clause", docWindow)
	}
	return nil
}

func checkInsert(w *walker, m protoreflect.ProtoMessage) *SQLError {
	s := m.(*pgq.InsertStmt)
	if len(s.ReturningList) > 0 {
		return refuse("RETURNING", docInsert)
	}
	if s.Override != pgq.OverridingKind_OVERRIDING_NOT_SET {
		return refuse("INSERT ... OVERRIDING", docInsert)
	}
	if sel := s.GetSelectStmt().GetSelectStmt(); sel != nil && len(sel.ValuesLists) > 0 {
		w.valuesOK[sel] = true
	}
	return nil
}

func checkUpdate(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	if len(m.(*pgq.UpdateStmt).ReturningList) > 0 {
		return refuse("RETURNING", docUpdate)
	}
	return nil
}

func checkDelete(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	s := m.(*pgq.DeleteStmt)
	if len(s.ReturningList) > 0 {
		return refuse("RETURNING", docDelete)
	}
	for _, u := range s.UsingClause {
		rv := u.GetRangeVar()
		if rv == nil {
			return refuse("a subquery in DELETE ... USING", docDelete)
		}
		if rv.Alias != nil {
			return &SQLError{Code: "0A000", Message: "a table alias in DELETE ... USING is not supported by Amazon Redshift: the USING list takes table names only (USING table_name, ...)", Hint: "See " + docDelete + " (rejected by the Redshift emulator)."}
		}
	}
	return nil
}

func checkRangeVar(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	rv := m.(*pgq.RangeVar)
	if rv.Relpersistence == "u" {
		return refuse("UNLOGGED tables", docCreateTable)
	}
	if !rv.Inh {
		return refuse("ONLY (table inheritance)", docUnsupportedFeatures)
	}
	return nil
}

func checkRangeSubselect(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	if m.(*pgq.RangeSubselect).Lateral {
		return refuse("LATERAL", docSelect)
	}
	return nil
}

func checkSortBy(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	if m.(*pgq.SortBy).SortbyDir == pgq.SortByDir_SORTBY_USING {
		return refuse("ORDER BY ... USING", docSelect)
	}
	return nil
}

func checkCTE(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	c := m.(*pgq.CommonTableExpr)
	if c.Ctematerialized != pgq.CTEMaterialize_CTEMaterializeDefault {
		return refuse("WITH ... AS [NOT] MATERIALIZED", docWith)
	}
	if c.SearchClause != nil || c.CycleClause != nil {
		return refuse("SEARCH and CYCLE clauses of WITH RECURSIVE", docWith)
	}
	if q := c.GetCtequery(); q != nil && q.GetSelectStmt() == nil {
		return refuse("a data-modifying statement in WITH", docWith)
	}
	return nil
}

func checkWindowDef(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	d := m.(*pgq.WindowDef)
	if d.Refname != "" || d.Name != "" {
		return refuse("named windows", docWindow)
	}
	// Frame options: ROWS only (r_Window_function_synopsis.html documents
	// ROWS frames); RANGE and GROUPS frames with offsets, and EXCLUDE, are
	// PostgreSQL's. FRAMEOPTION_RANGE is set by default (0x2).
	const (
		frameGroups  = 0x00008
		frameExclude = 0x08000 | 0x10000 | 0x20000
		frameOffset  = 0x00800 | 0x01000 | 0x02000 | 0x04000
		frameRange   = 0x00002
		frameNonDef  = 0x00001
	)
	if d.FrameOptions&frameGroups != 0 {
		return refuse("GROUPS window frames", docWindow)
	}
	if d.FrameOptions&frameExclude != 0 {
		return refuse("EXCLUDE in window frames", docWindow)
	}
	if d.FrameOptions&frameNonDef != 0 && d.FrameOptions&frameRange != 0 {
		return refuse("RANGE window frames", docWindow)
	}
	return nil
}

func checkInto(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	in := m.(*pgq.IntoClause)
	if len(in.Options) > 0 {
		return refuse("WITH (storage parameters)", docCTAS)
	}
	if in.OnCommit != pgq.OnCommitAction_ONCOMMIT_NOOP {
		return refuse("ON COMMIT", docCreateTable)
	}
	if in.TableSpaceName != "" {
		return refuse("tablespaces", docUnsupportedFeatures)
	}
	if in.AccessMethod != "" {
		return refuse("USING (table access methods)", docCTAS)
	}
	return nil
}

func checkCreate(w *walker, m protoreflect.ProtoMessage) *SQLError {
	s := m.(*pgq.CreateStmt)
	switch {
	case len(s.InhRelations) > 0:
		return refuse("INHERITS (table inheritance)", docUnsupportedFeatures)
	case s.Partbound != nil || s.Partspec != nil:
		return refuse("table partitioning", docUnsupportedFeatures)
	case s.OfTypename != nil:
		return refuse("CREATE TABLE ... OF type", docUnsupportedTypes)
	case len(s.Options) > 0:
		return refuse("WITH (storage parameters)", docCreateTable)
	case s.Oncommit != pgq.OnCommitAction_ONCOMMIT_NOOP:
		return refuse("ON COMMIT", docCreateTable)
	case s.Tablespacename != "":
		return refuse("tablespaces", docUnsupportedFeatures)
	case s.AccessMethod != "":
		return refuse("USING (table access methods)", docCreateTable)
	}
	return nil
}

func checkCTAS(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	s := m.(*pgq.CreateTableAsStmt)
	switch s.Objtype {
	case pgq.ObjectType_OBJECT_TABLE:
	case pgq.ObjectType_OBJECT_MATVIEW:
		return refuse("CREATE MATERIALIZED VIEW in the emulator", "https://docs.aws.amazon.com/redshift/latest/dg/materialized-view-create-sql-command.html")
	default:
		return refuse("SELECT INTO", docCTAS)
	}
	return nil
}

func checkView(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	v := m.(*pgq.ViewStmt)
	if len(v.Options) > 0 {
		return refuse("CREATE VIEW ... WITH (options)", docCreateView)
	}
	if v.WithCheckOption != pgq.ViewCheckOption_NO_CHECK_OPTION {
		return refuse("WITH CHECK OPTION", docCreateView)
	}
	if v.View.GetRelpersistence() == "t" {
		return refuse("CREATE TEMP VIEW", docCreateView)
	}
	return nil
}

func checkDrop(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	d := m.(*pgq.DropStmt)
	if d.Concurrent {
		return refuse("DROP ... CONCURRENTLY", docDrop)
	}
	switch d.RemoveType {
	case pgq.ObjectType_OBJECT_TABLE, pgq.ObjectType_OBJECT_VIEW, pgq.ObjectType_OBJECT_SCHEMA:
		return nil
	case pgq.ObjectType_OBJECT_INDEX:
		return refuse("DROP INDEX (indexes)", docUnsupportedFeatures)
	case pgq.ObjectType_OBJECT_SEQUENCE:
		return refuse("DROP SEQUENCE (sequences)", docUnsupportedFeatures)
	}
	return refuse("DROP "+strings.TrimPrefix(d.RemoveType.String(), "OBJECT_")+" in the emulator", docSQLCommands)
}

func checkAlterTable(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	s := m.(*pgq.AlterTableStmt)
	if s.Objtype != pgq.ObjectType_OBJECT_TABLE {
		return refuse("ALTER "+strings.TrimPrefix(s.Objtype.String(), "OBJECT_"), docSQLCommands)
	}
	if len(s.Cmds) != 1 {
		return refuse("several actions in one ALTER TABLE", docAlterTable)
	}
	cmd := s.Cmds[0].GetAlterTableCmd()
	switch cmd.Subtype {
	case pgq.AlterTableType_AT_AddColumn, pgq.AlterTableType_AT_DropColumn,
		pgq.AlterTableType_AT_AddConstraint, pgq.AlterTableType_AT_DropConstraint,
		pgq.AlterTableType_AT_ChangeOwner:
		return nil
	case pgq.AlterTableType_AT_AlterColumnType:
		// ALTER COLUMN column_name TYPE updated_varchar_data_type_size
		if d := cmd.GetDef().GetColumnDef(); d != nil {
			if canonicalType(d.TypeName) == "varchar" && d.RawDefault == nil {
				return nil
			}
		}
		return refuse("ALTER COLUMN ... TYPE other than a VARCHAR length", docAlterTable)
	}
	return refuse("ALTER TABLE "+strings.TrimPrefix(cmd.Subtype.String(), "AT_"), docAlterTable)
}

func checkRename(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	r := m.(*pgq.RenameStmt)
	switch r.RenameType {
	case pgq.ObjectType_OBJECT_TABLE, pgq.ObjectType_OBJECT_COLUMN, pgq.ObjectType_OBJECT_SCHEMA:
		return nil
	}
	return refuse("ALTER ... RENAME of "+strings.TrimPrefix(r.RenameType.String(), "OBJECT_"), docAlterTable)
}

func checkTruncate(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	t := m.(*pgq.TruncateStmt)
	if t.RestartSeqs {
		return refuse("TRUNCATE ... RESTART IDENTITY", docTruncate)
	}
	if len(t.Relations) != 1 {
		return refuse("TRUNCATE of several tables", docTruncate)
	}
	return nil
}

func checkTransaction(w *walker, m protoreflect.ProtoMessage) *SQLError {
	t := m.(*pgq.TransactionStmt)
	if t.Chain {
		return refuse("COMMIT/ROLLBACK AND CHAIN", docBegin)
	}
	switch t.Kind {
	case pgq.TransactionStmtKind_TRANS_STMT_BEGIN, pgq.TransactionStmtKind_TRANS_STMT_START:
		// BEGIN [ WORK | TRANSACTION ] [ ISOLATION LEVEL option ] [ READ WRITE | READ ONLY ]
		for _, o := range t.Options {
			d := o.GetDefElem()
			if d == nil || (d.Defname != "transaction_isolation" && d.Defname != "transaction_read_only") {
				return refuse("this BEGIN option", docBegin)
			}
		}
		return nil
	case pgq.TransactionStmtKind_TRANS_STMT_COMMIT, pgq.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		return nil
	case pgq.TransactionStmtKind_TRANS_STMT_SAVEPOINT, pgq.TransactionStmtKind_TRANS_STMT_RELEASE, pgq.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		return refuse("SAVEPOINT, RELEASE and ROLLBACK TO (savepoints)", docSQLCommands)
	}
	return refuse("two-phase commit (PREPARE TRANSACTION, COMMIT PREPARED)", docSQLCommands)
}

// checkLock: Redshift's LOCK is "LOCK [ TABLE ] table_name [, ...]", with
// no lock mode and no NOWAIT (r_LOCK.html).
func checkLock(w *walker, m protoreflect.ProtoMessage) *SQLError {
	l := m.(*pgq.LockStmt)
	if l.Nowait {
		return refuse("LOCK ... NOWAIT", docLock)
	}
	for _, t := range significant(w.toks) {
		if isWord(t, "IN", "MODE") {
			return &SQLError{Code: "42601", Message: "LOCK takes no lock mode in Amazon Redshift: LOCK [ TABLE ] table_name [, ...]", Hint: "See " + docLock + " (rejected by the Redshift emulator)."}
		}
	}
	return nil
}

func checkComment(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	switch m.(*pgq.CommentStmt).Objtype {
	case pgq.ObjectType_OBJECT_TABLE, pgq.ObjectType_OBJECT_COLUMN, pgq.ObjectType_OBJECT_VIEW,
		pgq.ObjectType_OBJECT_DATABASE, pgq.ObjectType_OBJECT_TABCONSTRAINT:
		return nil
	}
	return refuse("COMMENT ON this object type", docComment)
}

func checkVacuum(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	v := m.(*pgq.VacuumStmt)
	for _, o := range v.Options {
		d := o.GetDefElem()
		if d == nil {
			continue
		}
		switch {
		case d.Defname == "verbose" && !v.IsVacuumcmd:
		case d.Defname == "full" && v.IsVacuumcmd:
		case d.Defname == "analyze" && v.IsVacuumcmd:
			return refuse("VACUUM ANALYZE", docVacuum)
		default:
			return refuse("the "+strings.ToUpper(d.Defname)+" option", docAnalyze)
		}
	}
	if v.IsVacuumcmd && len(v.Rels) > 1 {
		return refuse("VACUUM of several tables", docVacuum)
	}
	return nil
}

func checkExplain(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	for _, o := range m.(*pgq.ExplainStmt).Options {
		if d := o.GetDefElem(); d == nil || d.Defname != "verbose" {
			return refuse("EXPLAIN options other than VERBOSE", "https://docs.aws.amazon.com/redshift/latest/dg/r_EXPLAIN.html")
		}
	}
	return nil
}

func checkColumnDef(w *walker, m protoreflect.ProtoMessage) *SQLError {
	c := m.(*pgq.ColumnDef)
	if c.Compression != "" || c.StorageName != "" {
		return refuse("COMPRESSION and STORAGE column options (use ENCODE)", docCreateTable)
	}
	for _, n := range c.Constraints {
		if k := n.GetConstraint(); k != nil && k.Contype == pgq.ConstrType_CONSTR_IDENTITY {
			if _, ok := w.attrs.Identity[strings.ToLower(c.Colname)]; !ok {
				return &SQLError{Code: "42601", Message: "IDENTITY takes a seed and a step in Amazon Redshift: GENERATED BY DEFAULT AS IDENTITY(seed, step) or IDENTITY(seed, step)", Hint: "See " + docCreateTable + " (rejected by the Redshift emulator)."}
			}
		}
	}
	return nil
}

// checkConstraint: NOT NULL, NULL, DEFAULT, IDENTITY, and the informational
// PRIMARY KEY, UNIQUE and REFERENCES constraints (r_CREATE_TABLE_NEW.html;
// c_unsupported-postgresql-features.html: "Unique, primary key, and foreign
// key constraints are permitted, but they are informational only").
func checkConstraint(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	k := m.(*pgq.Constraint)
	switch k.Contype {
	case pgq.ConstrType_CONSTR_NULL, pgq.ConstrType_CONSTR_NOTNULL, pgq.ConstrType_CONSTR_DEFAULT, pgq.ConstrType_CONSTR_IDENTITY:
	case pgq.ConstrType_CONSTR_PRIMARY, pgq.ConstrType_CONSTR_UNIQUE:
		if len(k.Including) > 0 || len(k.Options) > 0 || k.Indexspace != "" || k.Indexname != "" || k.NullsNotDistinct {
			return refuse("index options of a key constraint (indexes)", docUnsupportedFeatures)
		}
	case pgq.ConstrType_CONSTR_FOREIGN:
		if (k.FkUpdAction != "" && k.FkUpdAction != "a") || (k.FkDelAction != "" && k.FkDelAction != "a") || (k.FkMatchtype != "" && k.FkMatchtype != "s") {
			return refuse("ON DELETE, ON UPDATE and MATCH of a foreign key", docCreateTable)
		}
	case pgq.ConstrType_CONSTR_CHECK:
		return refuse("CHECK constraints", docUnsupportedFeatures)
	case pgq.ConstrType_CONSTR_EXCLUSION:
		return refuse("exclusion constraints", docUnsupportedFeatures)
	case pgq.ConstrType_CONSTR_GENERATED:
		return refuse("generated columns (GENERATED ALWAYS AS (...) STORED)", docCreateTable)
	default:
		return refuse("DEFERRABLE constraints", docCreateTable)
	}
	if k.Deferrable || k.Initdeferred {
		return refuse("DEFERRABLE constraints", docCreateTable)
	}
	return nil
}

// supportedTypes maps the type names the parser produces to Redshift's
// (c_Supported_data_types.html).
var supportedTypes = map[string]string{
	"int2": "int2", "smallint": "int2",
	"int4": "int4", "int": "int4", "integer": "int4",
	"int8": "int8", "bigint": "int8",
	"numeric": "numeric", "decimal": "numeric",
	"float4": "float4", "real": "float4",
	"float8": "float8", "float": "float8",
	"bool": "bool", "boolean": "bool",
	"bpchar": "bpchar", "character": "bpchar", "nchar": "bpchar",
	"varchar": "varchar", "nvarchar": "varchar", "text": "varchar", "character varying": "varchar",
	"date":      "date",
	"timestamp": "timestamp", "timestamptz": "timestamptz",
	"time": "time", "timetz": "timetz",
	"interval": "interval",
	"super":    "super",
	"varbyte":  "varbyte", "varbinary": "varbyte", "binary varying": "varbyte",
	"geometry": "geometry", "geography": "geography", "hllsketch": "hllsketch",
}

func typeNameParts(t *pgq.TypeName) []string {
	var out []string
	for _, n := range t.Names {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}

// canonicalType returns Redshift's name for a type, or "" when Redshift has
// no such type.
func canonicalType(t *pgq.TypeName) string {
	parts := typeNameParts(t)
	if len(parts) == 0 {
		return ""
	}
	if len(parts) == 2 && parts[0] != "pg_catalog" {
		return ""
	}
	return supportedTypes[strings.ToLower(parts[len(parts)-1])]
}

func checkTypeName(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	t := m.(*pgq.TypeName)
	parts := typeNameParts(t)
	shown := strings.Join(parts, ".")
	shown = strings.TrimPrefix(shown, "pg_catalog.")
	if len(t.ArrayBounds) > 0 {
		return refuse("the array type "+shown+"[]", docUnsupportedTypes)
	}
	if t.Setof || t.PctType {
		return refuse("SETOF and %TYPE", docUnsupportedTypes)
	}
	canon := canonicalType(t)
	if canon == "" {
		if parts[len(parts)-1] == "char" && len(parts) == 1 {
			return refuse(`the "char" type`, docUnsupportedTypes)
		}
		return &SQLError{Code: "0A000", Message: fmt.Sprintf("the %s type is not supported by Amazon Redshift", strings.ToUpper(shown)),
			Hint: "See " + docUnsupportedTypes + " and " + docDataTypes + " (rejected by the Redshift emulator)."}
	}
	if len(t.Typmods) > 0 {
		n, ok := typmodInt(t.Typmods[0])
		switch canon {
		case "varchar":
			if ok && (n < 1 || n > 65535) {
				return &SQLError{Code: "22023", Message: fmt.Sprintf("length for type varchar cannot exceed 65535, and must be at least 1 (got %d)", n), Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html"}
			}
		case "bpchar":
			if ok && (n < 1 || n > 4096) {
				return &SQLError{Code: "22023", Message: fmt.Sprintf("length for type char cannot exceed 4096, and must be at least 1 (got %d)", n), Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html"}
			}
		case "numeric":
			if ok && (n < 1 || n > 38) {
				return &SQLError{Code: "22023", Message: fmt.Sprintf("NUMERIC precision %d must be between 1 and 38", n), Hint: "See https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html"}
			}
		}
	}
	return nil
}

func typmodInt(n *pgq.Node) (int64, bool) {
	if c := n.GetAConst(); c != nil && c.GetIval() != nil {
		return int64(c.GetIval().Ival), true
	}
	return 0, false
}

// supportedOperators are the operators of r_expressions.html,
// r_comparison_condition.html, Math_functions.html (arithmetic operators),
// r_concat_op.html, pattern-matching-conditions.html (POSIX operators) and
// the bitwise operators of r_bitwise_functions (|, &, #, ~, <<, >>).
var supportedOperators = map[string]bool{
	"=": true, "<>": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true,
	"+": true, "-": true, "*": true, "/": true, "%": true, "^": true, "|/": true, "||/": true, "@": true,
	"||": true, "~": true, "!~": true, "~*": true, "!~*": true, "~~": true, "!~~": true, "~~*": true, "!~~*": true,
	"&": true, "|": true, "#": true, "<<": true, ">>": true,
}

func checkAExpr(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	e := m.(*pgq.A_Expr)
	var op string
	if len(e.Name) > 0 {
		op = e.Name[len(e.Name)-1].GetString_().GetSval()
	}
	switch e.Kind {
	case pgq.A_Expr_Kind_AEXPR_OP:
		if !supportedOperators[op] {
			doc := docExpressions
			if strings.ContainsAny(op, "->#?") || op == "@>" || op == "<@" {
				doc = docUnsupportedFunctions
			}
			return refuse("the operator "+op, doc)
		}
	case pgq.A_Expr_Kind_AEXPR_OP_ANY, pgq.A_Expr_Kind_AEXPR_OP_ALL:
		if e.GetRexpr().GetSubLink() == nil {
			return refuse(op+" ANY/ALL (array)", docUnsupportedFeatures)
		}
	case pgq.A_Expr_Kind_AEXPR_DISTINCT, pgq.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		return refuse("IS [NOT] DISTINCT FROM", docUnsupportedFeatures)
	case pgq.A_Expr_Kind_AEXPR_NULLIF, pgq.A_Expr_Kind_AEXPR_IN,
		pgq.A_Expr_Kind_AEXPR_LIKE, pgq.A_Expr_Kind_AEXPR_ILIKE, pgq.A_Expr_Kind_AEXPR_SIMILAR,
		pgq.A_Expr_Kind_AEXPR_BETWEEN, pgq.A_Expr_Kind_AEXPR_NOT_BETWEEN:
	default:
		return refuse("BETWEEN SYMMETRIC", docConditions)
	}
	return nil
}

func checkSubLink(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	switch m.(*pgq.SubLink).SubLinkType {
	case pgq.SubLinkType_EXISTS_SUBLINK, pgq.SubLinkType_ANY_SUBLINK, pgq.SubLinkType_ALL_SUBLINK, pgq.SubLinkType_EXPR_SUBLINK:
		return nil
	case pgq.SubLinkType_ARRAY_SUBLINK:
		return refuse("ARRAY(subquery)", docUnsupportedFeatures)
	}
	return refuse("row comparisons with a subquery", docUnsupportedFeatures)
}

func checkSQLValueFunction(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	switch m.(*pgq.SQLValueFunction).Op {
	case pgq.SQLValueFunctionOp_SVFOP_CURRENT_DATE, pgq.SQLValueFunctionOp_SVFOP_CURRENT_USER,
		pgq.SQLValueFunctionOp_SVFOP_SESSION_USER, pgq.SQLValueFunctionOp_SVFOP_USER,
		pgq.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA, pgq.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return nil
	}
	// Date_functions_header.html: CURRENT_TIME, CURRENT_TIMESTAMP and
	// LOCALTIME(STAMP) are leader-node-only functions, deprecated.
	return refuse("CURRENT_TIME, CURRENT_TIMESTAMP, LOCALTIME and LOCALTIMESTAMP (leader-node-only; use GETDATE() or SYSDATE)", docDatetimeFuncs)
}

// supportedFunctions are the functions of the SQL functions reference
// (c_SQL_functions.html), by group, each with its page. Only names are
// checked; their arguments are checked by Postgres, which has most of them.
var supportedFunctions = map[string]string{}

func init() {
	groups := []struct {
		doc   string
		names string
	}{
		{"https://docs.aws.amazon.com/redshift/latest/dg/c_Aggregate_Functions.html",
			"any_value approximate avg count listagg max median min percentile_cont percentile_disc stddev stddev_samp stddev_pop sum var_samp var_pop variance bit_and bit_or bool_and bool_or"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/c_Window_functions.html",
			"cume_dist dense_rank first_value last_value lag lead nth_value ntile percent_rank rank ratio_to_report row_number"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/c_conditional_expressions.html",
			"nvl nvl2 decode coalesce nullif greatest least"},
		{docDatetimeFuncs,
			"add_months convert_timezone current_date date_cmp date_cmp_timestamp date_cmp_timestamptz date_part_year dateadd datediff date_add date_diff date_part date_trunc extract getdate interval_cmp last_day months_between next_day sysdate timeofday timestamp_cmp timestamp_cmp_date timestamp_cmp_timestamptz timestamptz_cmp timestamptz_cmp_date timestamptz_cmp_timestamp timezone to_timestamp trunc"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/Math_functions.html",
			"abs acos asin atan atan2 cbrt ceil ceiling checksum cos cot degrees dexp dlog1 dlog10 exp floor ln log mod pi power pow radians random round sign sin sqrt tan trunc"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/String_functions_header.html",
			"ascii bpcharcmp btrim bttext_pattern_cmp char_length character_length charindex chr collate concat crc32 difference initcap left right len length lower lpad rpad ltrim octetindex octet_length position quote_ident quote_literal regexp_count regexp_instr regexp_replace regexp_substr repeat replace replicate reverse rtrim soundex split_part strpos strtol substring substr textlen translate trim upper"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/r_Type_conversion_functions.html",
			"cast convert to_char to_date to_number texttoint_alt text_to_int_alt text_to_numeric_alt"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/hash-functions.html",
			"fnv_hash md5 sha sha1 func_sha1 sha2"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/json-functions.html",
			"can_json_parse is_valid_json is_valid_json_array json_array_length json_extract_array_element_text json_extract_path_text json_parse json_serialize json_serialize_to_varbyte"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/r_System_information_functions.html",
			"current_database current_schema current_schemas current_user_id has_database_privilege has_schema_privilege has_table_privilege pg_backend_pid pg_get_cols pg_get_grantee_by_iam_role pg_get_iam_role_by_user pg_get_late_binding_view_cols pg_last_copy_count pg_last_copy_id pg_last_query_id pg_last_unload_count pg_last_unload_id version"},
		{"https://docs.aws.amazon.com/redshift/latest/dg/r_System_administration_functions.html",
			"change_query_priority change_session_priority change_user_priority current_setting pg_cancel_backend pg_terminate_backend set_config"},
		{docPatternMatch, "similar_escape similar_to_escape"},
	}
	for _, g := range groups {
		for _, n := range strings.Fields(g.names) {
			supportedFunctions[n] = g.doc
		}
	}
}

// sqlSyntaxFuncs are the functions the grammar produces for SQL syntax
// (EXTRACT, TRIM, SUBSTRING ... FROM, POSITION ... IN, AT TIME ZONE).
var sqlSyntaxFuncs = map[string]string{
	"extract": "extract", "btrim": "trim", "ltrim": "trim", "rtrim": "trim",
	"substring": "substring", "position": "position", "timezone": "timezone",
	"similar_to_escape": "similar_escape",
}

func checkFuncCall(w *walker, m protoreflect.ProtoMessage) *SQLError {
	f := m.(*pgq.FuncCall)
	if w.valuesOK[m] {
		return nil // the procedure of a CALL
	}
	var parts []string
	for _, n := range f.Funcname {
		parts = append(parts, strings.ToLower(n.GetString_().GetSval()))
	}
	name := parts[len(parts)-1]
	shown := strings.Join(parts, ".")
	if f.Funcformat == pgq.CoercionForm_COERCE_SQL_SYNTAX && len(parts) == 2 && parts[0] == "pg_catalog" {
		mapped, ok := sqlSyntaxFuncs[name]
		if !ok {
			return refuse(strings.ToUpper(name)+" syntax", docUnsupportedFunctions)
		}
		name, parts = mapped, []string{mapped}
	}
	if len(parts) > 2 || (len(parts) == 2 && parts[0] != "pg_catalog") {
		return refuse(shown+"() (user-defined functions are not emulated)", docStoredProcedures)
	}
	if _, ok := supportedFunctions[name]; !ok {
		return &SQLError{Code: "0A000", Message: fmt.Sprintf("function %s() is not supported by Amazon Redshift", shown),
			Hint: "See " + docUnsupportedFunctions + " and " + docSQLFunctions + " (rejected by the Redshift emulator)."}
	}
	if f.AggFilter != nil {
		return refuse("the aggregate FILTER (WHERE ...) clause", docUnsupportedFeatures)
	}
	if len(f.AggOrder) > 0 && !f.AggWithinGroup {
		return refuse("ORDER BY inside an aggregate's arguments (use WITHIN GROUP)", docListagg)
	}
	if f.AggWithinGroup && name != "listagg" && name != "percentile_cont" && name != "percentile_disc" && name != "median" {
		return refuse("WITHIN GROUP for "+name+"()", docListagg)
	}
	if f.FuncVariadic {
		return refuse("VARIADIC", docUnsupportedFeatures)
	}
	return nil
}

// validateAttrs checks Redshift's table attributes against the parsed
// statement's columns.
func (w *walker) validateAttrs(stmt *pgq.Node) *SQLError {
	a := w.attrs
	if !a.any {
		return nil
	}
	cols := map[string]string{}
	switch {
	case stmt.GetCreateStmt() != nil:
		for _, e := range stmt.GetCreateStmt().TableElts {
			if d := e.GetColumnDef(); d != nil {
				cols[strings.ToLower(d.Colname)] = canonicalType(d.TypeName)
			}
		}
		return validateDDL(a, cols, true, true)
	case stmt.GetCreateTableAsStmt() != nil:
		// The query's columns are known only when it runs; the names in
		// DISTKEY and SORTKEY are checked by Postgres' own column list
		// when one is given.
		known := false
		for _, c := range stmt.GetCreateTableAsStmt().GetInto().GetColNames() {
			cols[strings.ToLower(c.GetString_().GetSval())] = ""
			known = true
		}
		if len(a.Encode) > 0 || len(a.Identity) > 0 {
			return refuse("ENCODE and IDENTITY in CREATE TABLE AS", docCTAS)
		}
		return validateDDL(a, cols, true, known)
	case stmt.GetAlterTableStmt() != nil:
		cmd := stmt.GetAlterTableStmt().Cmds[0].GetAlterTableCmd()
		d := cmd.GetDef().GetColumnDef()
		if cmd.Subtype != pgq.AlterTableType_AT_AddColumn || d == nil {
			return syntaxError("ENCODE")
		}
		if len(a.DistKey)+len(a.SortKey)+len(a.ColDistKey)+len(a.ColSortKey) > 0 || a.DistStyle != "" || len(a.Identity) > 0 {
			return refuse("DISTKEY, SORTKEY and IDENTITY in ALTER TABLE ADD COLUMN", docAlterTable)
		}
		cols[strings.ToLower(d.Colname)] = canonicalType(d.TypeName)
		return validateDDL(a, cols, false, true)
	}
	return nil
}

// checkCreateFunction: stored procedures in PL/pgSQL (r_CREATE_PROCEDURE.html)
// and SQL scalar functions (r_CREATE_FUNCTION.html); Python UDFs can no
// longer be created.
func checkCreateFunction(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	f := m.(*pgq.CreateFunctionStmt)
	lang := ""
	for _, o := range f.Options {
		if d := o.GetDefElem(); d != nil && d.Defname == "language" {
			lang = strings.ToLower(d.GetArg().GetString_().GetSval())
		}
	}
	if f.IsProcedure && lang == "plpgsql" {
		return nil
	}
	if !f.IsProcedure && lang == "sql" {
		return nil
	}
	return refuse("CREATE FUNCTION/PROCEDURE in language "+lang, "https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_FUNCTION.html")
}

func checkCall(w *walker, m protoreflect.ProtoMessage) *SQLError {
	if fc := m.(*pgq.CallStmt).Funccall; fc != nil {
		w.valuesOK[fc] = true
	}
	return nil
}

func checkLockingClause(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	s := strings.TrimPrefix(m.(*pgq.LockingClause).Strength.String(), "LCS_FOR")
	return refuse("SELECT ... FOR "+strings.TrimSpace(strings.ReplaceAll(s, "KEY", " KEY ")), docSelect)
}

func checkRangeFunction(_ *walker, m protoreflect.ProtoMessage) *SQLError {
	name := "a function"
	for _, l := range m.(*pgq.RangeFunction).Functions {
		for _, it := range l.GetList().GetItems() {
			if fc := it.GetFuncCall(); fc != nil && len(fc.Funcname) > 0 {
				name = fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval() + "()"
			}
		}
	}
	return refuse(name+" in FROM (table functions)", docUnsupportedFeatures)
}

// maxLengths replaces the MAX of VARCHAR(MAX) and CHAR(MAX)
// (r_Character_types.html) with a length the grammar takes, keeping the
// offsets.
func maxLengths(sql string, toks []token) string {
	sig := significant(toks)
	var b []byte
	for i := 2; i+1 < len(sig); i++ {
		if isWord(sig[i], "MAX") && isPunct(sig[i-1], "(") && isPunct(sig[i+1], ")") {
			if _, ok := characterTypes[at(sig, i-2).up]; ok || isWord(at(sig, i-2), "VARYING") {
				if b == nil {
					b = []byte(sql)
				}
				copy(b[sig[i].start:], "1  ")
			}
		}
	}
	if b == nil {
		return sql
	}
	return string(b)
}
