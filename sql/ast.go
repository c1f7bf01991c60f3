package sql

import "fmt"

// Pos is a 1-based line and column in the source text; columns count
// characters. Every node embeds the Pos where it starts (for operators, the
// operator's position), so the binder can point at what it rejects.
type Pos struct {
	Line, Col int
}

// Position returns p. Embedding Pos gives every node this method.
func (p Pos) Position() Pos { return p }

// Node is any node of the syntax tree.
type Node interface {
	Position() Pos
}

// Statement is a top-level statement.
type Statement interface {
	Node
	// Source returns the statement's text as written in the script, from
	// its first token to its last, without the terminating ';'.
	Source() string
	stmtInfo() *StmtInfo
}

// StmtInfo is what every statement records about its source; each
// statement type embeds it.
type StmtInfo struct {
	Pos
	Text string
}

// Source returns s.Text.
func (s *StmtInfo) Source() string      { return s.Text }
func (s *StmtInfo) stmtInfo() *StmtInfo { return s }

// Query is a query expression: *Select, *SetOp, *Values or *With.
type Query interface {
	Node
	queryNode()
}

// TableRef is an item of a FROM clause: *TableName, *Subquery, *Join,
// *WindowTVF or *TemporalTable.
type TableRef interface {
	Node
	tableRefNode()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// ---- Statements ----

// QueryStmt is a query run on its own.
type QueryStmt struct {
	StmtInfo
	Query Query
}

// Insert is INSERT INTO Table [(Columns)] Query.
type Insert struct {
	StmtInfo
	Table   []string
	Columns []string // nil when the statement lists none
	Query   Query
}

// CreateTable is CREATE TABLE. Columns, the watermark and the primary key
// may be written in any order; the AST keeps them apart.
type CreateTable struct {
	StmtInfo
	Temporary   bool
	IfNotExists bool
	Name        []string
	Columns     []*ColumnDef
	Watermark   *Watermark  // nil without WATERMARK FOR
	PrimaryKey  *PrimaryKey // nil without PRIMARY KEY; an inline key is moved here
	Comment     string
	Options     []*Option // WITH options in the order written
}

// ColumnDef is a physical column (Type set) or a computed column
// (`name AS expr`, Expr set).
type ColumnDef struct {
	Pos
	Name    string
	Type    *TypeName
	Expr    Expr
	Comment string
}

// Watermark is WATERMARK FOR Column AS Expr.
type Watermark struct {
	Pos
	Column string
	Expr   Expr
}

// PrimaryKey is [CONSTRAINT Name] PRIMARY KEY (Columns) NOT ENFORCED.
type PrimaryKey struct {
	Pos
	Name    string
	Columns []string
}

// Option is one 'key' = 'value' of a WITH clause.
type Option struct {
	Pos
	Key, Value string
}

// CreateView is CREATE [TEMPORARY] VIEW.
type CreateView struct {
	StmtInfo
	Temporary   bool
	IfNotExists bool
	Name        []string
	Columns     []string
	Comment     string
	Query       Query
}

// DropTable is DROP [TEMPORARY] TABLE [IF EXISTS] Name.
type DropTable struct {
	StmtInfo
	Temporary bool
	IfExists  bool
	Name      []string
}

// DropView is DROP [TEMPORARY] VIEW [IF EXISTS] Name.
type DropView struct {
	StmtInfo
	Temporary bool
	IfExists  bool
	Name      []string
}

// Show is SHOW TABLES, SHOW VIEWS or SHOW FUNCTIONS.
type Show struct {
	StmtInfo
	Object string // "TABLES", "VIEWS" or "FUNCTIONS"
}

// Describe is DESCRIBE Name (or DESC Name).
type Describe struct {
	StmtInfo
	Name []string
}

// Set is SET 'key' = 'value', or SET alone (Key empty), which lists the
// configuration.
type Set struct {
	StmtInfo
	Key, Value string
}

// Reset is RESET 'key', or RESET alone (Key empty), which resets all keys.
type Reset struct {
	StmtInfo
	Key string
}

// Explain is EXPLAIN [PLAN FOR] Stmt, where Stmt is a *QueryStmt or *Insert.
type Explain struct {
	StmtInfo
	Stmt Statement
}

// ---- Queries ----

// OrderLimit is the ORDER BY, LIMIT and OFFSET of a query. FETCH FIRST n
// ROWS ONLY is kept as Limit.
type OrderLimit struct {
	OrderBy []*OrderItem
	Limit   *Literal // an integer literal, or nil
	Offset  *Literal // an integer literal, or nil
}

// Select is a SELECT block. ORDER BY and LIMIT written after a set
// operation belong to the *SetOp, not to its last operand.
type Select struct {
	Pos
	Distinct bool
	Items    []*SelectItem
	From     TableRef // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	Windows  []*NamedWindow // the WINDOW clause
	OrderLimit
}

// SelectItem is `expr [AS alias]`, or a *Star as Expr.
type SelectItem struct {
	Pos
	Expr  Expr
	Alias string
}

// SetOp is L Op [ALL] R; DISTINCT is the default, so All is false for it.
type SetOp struct {
	Pos
	Op   string // "UNION", "INTERSECT" or "EXCEPT"
	All  bool
	L, R Query
	OrderLimit
}

// Values is VALUES (row), (row), ...
type Values struct {
	Pos
	Rows [][]Expr
}

// With is WITH CTEs Body.
type With struct {
	Pos
	CTEs []*CTE
	Body Query
}

// CTE is one common table expression: Name [(Columns)] AS (Query).
type CTE struct {
	Pos
	Name    string
	Columns []string
	Query   Query
}

// OrderItem is `expr [ASC|DESC] [NULLS FIRST|LAST]`.
type OrderItem struct {
	Pos
	Expr  Expr
	Desc  bool
	Nulls string // "", "FIRST" or "LAST"
}

// NamedWindow is `Name AS (Spec)` in a WINDOW clause.
type NamedWindow struct {
	Pos
	Name string
	Spec *WindowSpec
}

// ---- FROM items ----

// TableName is a table or view, `a.b.c [AS] alias [(columns)]`.
type TableName struct {
	Pos
	Name    []string
	Alias   string
	Columns []string // column aliases; only with Alias
}

// Subquery is `(query) [AS] alias [(columns)]` in FROM.
type Subquery struct {
	Pos
	Query   Query
	Alias   string
	Columns []string
}

// JoinKind is the kind of a Join.
type JoinKind int

// The join kinds. CommaJoin is `a, b`, a cross join written in the FROM
// list; it binds like the other joins, left to right (as in Calcite).
const (
	CommaJoin JoinKind = iota
	InnerJoin
	LeftJoin
	RightJoin
	FullJoin
	CrossJoin
)

// String returns the join's keywords, e.g. "LEFT JOIN"; "," for CommaJoin.
func (k JoinKind) String() string {
	switch k {
	case CommaJoin:
		return ","
	case InnerJoin:
		return "JOIN"
	case LeftJoin:
		return "LEFT JOIN"
	case RightJoin:
		return "RIGHT JOIN"
	case FullJoin:
		return "FULL JOIN"
	case CrossJoin:
		return "CROSS JOIN"
	}
	return fmt.Sprintf("JoinKind(%d)", int(k))
}

// Join joins L and R. On or Using is set for inner and outer joins, neither
// for comma and cross joins.
type Join struct {
	Pos
	Kind  JoinKind
	L, R  TableRef
	On    Expr
	Using []string
}

// TemporalTable is `name FOR SYSTEM_TIME AS OF expr [AS] alias`, the right
// side of a temporal join.
type TemporalTable struct {
	Pos
	Name  []string
	AsOf  Expr
	Alias string
}

// WindowTVF is a windowing table-valued function in FROM, such as
// TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND)). Named
// arguments (SIZE => ...) are put in positional order.
type WindowTVF struct {
	Pos
	Func        string     // "TUMBLE", "HOP", "CUMULATE" or "SESSION"
	Table       *TableName // the TABLE argument, without alias
	PartitionBy []*Ident   // SESSION only: TABLE t PARTITION BY keys
	TimeCol     *Ident     // DESCRIPTOR(col)
	// Args are the remaining arguments in Flink's positional order:
	// TUMBLE(size [, offset]), HOP(slide, size [, offset]),
	// CUMULATE(step, size [, offset]), SESSION(gap).
	Args    []Expr
	Alias   string
	Columns []string
}

// ---- Expressions ----

// Ident is a column reference, possibly qualified (t.a).
type Ident struct {
	Pos
	Parts []string
}

// LitKind is the kind of a Literal.
type LitKind int

// The literal kinds.
const (
	LitInt     LitKind = iota // 42
	LitDecimal                // 1.5, .5
	LitFloat                  // 1e3, 1.5E-2
	LitString                 // 'text'
	LitBool                   // TRUE, FALSE
	LitNull                   // NULL
)

// Literal is a number, string, boolean or NULL. Text is the number as
// written (never signed: -1 is a Unary), the string's value (unquoted),
// "TRUE"/"FALSE" or "NULL".
type Literal struct {
	Pos
	Kind LitKind
	Text string
}

// IntervalLit is INTERVAL 'Text' Unit [TO ToUnit]. Units are singular
// (MINUTES is stored as MINUTE); the binder interprets Text.
type IntervalLit struct {
	Pos
	Text   string
	Unit   string
	ToUnit string
}

// TypedLit is DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ followed by a string;
// the binder interprets Text.
type TypedLit struct {
	Pos
	Type string
	Text string
}

// Binary is L Op R. Op is one of OR AND = <> < <= > >= || + - * / % or
// "IS DISTINCT FROM" / "IS NOT DISTINCT FROM"; != is stored as <>.
type Binary struct {
	Pos
	Op   string
	L, R Expr
}

// Unary is Op X, Op being NOT, - or +.
type Unary struct {
	Pos
	Op string
	X  Expr
}

// IsExpr is X IS [NOT] Value.
type IsExpr struct {
	Pos
	X     Expr
	Not   bool
	Value string // "NULL", "TRUE", "FALSE" or "UNKNOWN"
}

// Between is X [NOT] BETWEEN [SYMMETRIC] Lo AND Hi.
type Between struct {
	Pos
	X, Lo, Hi Expr
	Not       bool
	Symmetric bool
}

// InList is X [NOT] IN (List).
type InList struct {
	Pos
	X    Expr
	List []Expr
	Not  bool
}

// Like is X [NOT] LIKE Pattern [ESCAPE Escape], or SIMILAR TO.
type Like struct {
	Pos
	X, Pattern Expr
	Escape     Expr // nil without ESCAPE
	Not        bool
	Similar    bool
}

// Case is CASE [Operand] WHEN ... THEN ... [ELSE Else] END.
type Case struct {
	Pos
	Operand Expr // nil for a searched CASE
	Whens   []*When
	Else    Expr
}

// When is one WHEN Cond THEN Result of a Case.
type When struct {
	Pos
	Cond, Result Expr
}

// Cast is CAST(X AS Type), or TRY_CAST when Try.
type Cast struct {
	Pos
	X    Expr
	Type *TypeName
	Try  bool
}

// Call is a function call. Name is upper-cased. CURRENT_TIMESTAMP and the
// other niladic functions are Calls without Args; SUBSTRING(s FROM i FOR n)
// and POSITION(a IN b) are Calls with their arguments in order.
type Call struct {
	Pos
	Name     string
	Args     []Expr
	Distinct bool        // f(DISTINCT ...)
	Star     bool        // COUNT(*)
	Filter   Expr        // FILTER (WHERE ...)
	Over     *WindowSpec // OVER ...
}

// Extract is EXTRACT(Unit FROM X).
type Extract struct {
	Pos
	Unit string
	X    Expr
}

// FloorCeil is FLOOR(X TO Unit) or CEIL(X TO Unit); plain FLOOR(x) is a Call.
type FloorCeil struct {
	Pos
	Ceil bool
	X    Expr
	Unit string
}

// Trim is TRIM([BOTH|LEADING|TRAILING] [Chars] FROM X), or TRIM(X).
type Trim struct {
	Pos
	Side  string // "BOTH" (also when not written), "LEADING" or "TRAILING"
	Chars Expr   // nil: trim spaces
	X     Expr
}

// Star is * or t.* in a select list.
type Star struct {
	Pos
	Table []string
}

// WindowSpec is an OVER clause or the body of a named window. OVER w is a
// WindowSpec with only Ref set; OVER (w ORDER BY ...) refines window w.
type WindowSpec struct {
	Pos
	Ref         string
	PartitionBy []Expr
	OrderBy     []*OrderItem
	Frame       *Frame
}

// Frame is ROWS|RANGE BETWEEN Start AND End. The short form `ROWS start`
// is stored as BETWEEN start AND CURRENT ROW.
type Frame struct {
	Pos
	Rows       bool // ROWS; false for RANGE
	Start, End FrameBound
}

// BoundKind is the kind of a FrameBound.
type BoundKind int

// The frame bound kinds.
const (
	UnboundedPreceding BoundKind = iota
	Preceding
	CurrentRow
	Following
	UnboundedFollowing
)

// FrameBound is one end of a Frame; Offset is set for Preceding and
// Following (a number or an interval).
type FrameBound struct {
	Kind   BoundKind
	Offset Expr
}

// TypeName is a data type. Synonyms are normalised: INTEGER is INT,
// DEC and NUMERIC are DECIMAL, DOUBLE PRECISION is DOUBLE, TIMESTAMP WITH
// LOCAL TIME ZONE is TIMESTAMP_LTZ, and an interval type is named in full
// ("INTERVAL DAY TO SECOND").
type TypeName struct {
	Pos
	Name    string
	Params  []int // length, precision and scale as written; nil when omitted
	NotNull bool
}

func (*Select) queryNode() {}
func (*SetOp) queryNode()  {}
func (*Values) queryNode() {}
func (*With) queryNode()   {}

func (*TableName) tableRefNode()     {}
func (*Subquery) tableRefNode()      {}
func (*Join) tableRefNode()          {}
func (*TemporalTable) tableRefNode() {}
func (*WindowTVF) tableRefNode()     {}

func (*Ident) exprNode()       {}
func (*Literal) exprNode()     {}
func (*IntervalLit) exprNode() {}
func (*TypedLit) exprNode()    {}
func (*Binary) exprNode()      {}
func (*Unary) exprNode()       {}
func (*IsExpr) exprNode()      {}
func (*Between) exprNode()     {}
func (*InList) exprNode()      {}
func (*Like) exprNode()        {}
func (*Case) exprNode()        {}
func (*Cast) exprNode()        {}
func (*Call) exprNode()        {}
func (*Extract) exprNode()     {}
func (*FloorCeil) exprNode()   {}
func (*Trim) exprNode()        {}
func (*Star) exprNode()        {}
