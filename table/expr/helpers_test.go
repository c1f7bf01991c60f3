package expr

import (
	"strings"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
)

// The schema and row the tests evaluate over: one column of each kind, a
// TRUE, FALSE and NULL boolean, and NULLs of the main kinds.
var testSchema = data.NewSchema(
	data.Column{Name: "i", Type: data.TInt.AsNotNull()},
	data.Column{Name: "b", Type: data.TBigInt},
	data.Column{Name: "d", Type: data.TDouble},
	data.Column{Name: "m", Type: data.TDecimal(10, 2)},
	data.Column{Name: "s", Type: data.TString},
	data.Column{Name: "ts", Type: data.Type{Kind: data.Timestamp, Prec: 3, Time: data.Rowtime}},
	data.Column{Name: "ltz", Type: data.TTimestampLTZ(3)},
	data.Column{Name: "dt", Type: data.TDate},
	data.Column{Name: "t", Type: data.TBoolean},
	data.Column{Name: "f", Type: data.TBoolean},
	data.Column{Name: "u", Type: data.TBoolean},
	data.Column{Name: "ni", Type: data.TInt},
	data.Column{Name: "ns", Type: data.TString},
	data.Column{Name: "nts", Type: data.TTimestamp(3)},
	data.Column{Name: "nm", Type: data.TDecimal(10, 2)},
	data.Column{Name: "nd", Type: data.TDouble},
)

// 2024-01-15 10:30:45.123
var testTS = time.Date(2024, 1, 15, 10, 30, 45, 123e6, time.UTC)

var testRow = data.NewRow(
	data.IntValue(7),
	data.BigIntValue(100),
	data.DoubleValue(2.5),
	data.DecimalValue(1250, 2),
	data.StringValue("Hello World"),
	data.TimestampValue(testTS.UnixNano()),
	data.TimestampLTZValue(testTS.UnixNano()),
	data.DateValue(int32(testTS.Unix()/86400)),
	data.BoolValue(true),
	data.BoolValue(false),
	data.NullOf(data.Boolean),
	data.NullOf(data.Int),
	data.NullOf(data.String),
	data.NullOf(data.Timestamp),
	data.NullOf(data.Decimal),
	data.NullOf(data.Double),
)

var shanghai = time.FixedZone("UTC+8", 8*3600)

// run resolves, compiles and evaluates e over testRow, and prints the
// result as CAST AS STRING does, NULL as NULL, or the error.
func run(t *testing.T, e *Expr) string {
	t.Helper()
	return runIn(t, e, Options{Location: shanghai})
}

func runIn(t *testing.T, e *Expr, opts Options) string {
	t.Helper()
	r, err := Resolve(e, testSchema, opts)
	if err != nil {
		return "resolve: " + err.Error()
	}
	ev, err := Compile(r)
	if err != nil {
		return "compile: " + err.Error()
	}
	v, err := ev(testRow)
	if err != nil {
		return "error: " + err.Error()
	}
	if v.IsNull() {
		return data.NullText
	}
	if v.Kind() != r.Type.Kind {
		t.Errorf("%s: value of kind %s, type %s", e, v.Kind(), r.Type)
	}
	return data.FormatTextIn(v, r.Type, shanghai)
}

type evalCase struct {
	e    *Expr
	want string
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, c := range cases {
		if got := run(t, c.e); got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
}

// resolveErr is the message Resolve gives for e.
func resolveErr(e *Expr) string {
	_, err := Resolve(e, testSchema, Options{})
	if err == nil {
		return ""
	}
	return err.Error()
}

func mustResolve(t *testing.T, e *Expr) *Expr {
	t.Helper()
	r, err := Resolve(e, testSchema, Options{Location: shanghai})
	if err != nil {
		t.Fatalf("%s: %v", e, err)
	}
	return r
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

var (
	col  = Col
	lit  = Lit
	call = Call
	null = Lit(nil)
	str  = func(s string) *Expr { return Lit(s) }
	dec  = func(s string) *Expr {
		v, _ := data.ParseText(s, data.TDecimal(38, scaleOf(s)))
		return &Expr{Op: OpLit, Lit: v}
	}
	ts = func(s string) *Expr {
		v, _ := data.ParseText(s, data.TTimestamp(3))
		return &Expr{Op: OpLit, Lit: v, Type: data.TTimestamp(3)}
	}
	days  = func(n int64) *Expr { return Lit(time.Duration(n) * 24 * time.Hour) }
	month = func(n int32) *Expr { return &Expr{Op: OpLit, Lit: data.IntervalYearMonthValue(n)} }
)

func scaleOf(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
