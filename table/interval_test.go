package table

import (
	"math"
	"testing"
	"time"

	"github.com/runnel/runnel/table/data"
	"github.com/runnel/runnel/table/expr"
)

// TestFindInterval checks which conditions between the two sides'
// rowtimes make an interval join, and the bounds on r - l they give.
func TestFindInterval(t *testing.T) {
	rowtime := data.TTimestamp(3)
	rowtime.Time = data.Rowtime
	left := data.NewSchema(data.Column{Name: "k", Type: data.TBigInt}, data.Column{Name: "lt", Type: rowtime})
	right := data.NewSchema(data.Column{Name: "k2", Type: data.TBigInt}, data.Column{Name: "rt", Type: rowtime}, data.Column{Name: "other", Type: data.TTimestamp(3)})
	joined := data.Schema{Columns: append(append([]data.Column(nil), left.Columns...), right.Columns...)}
	sec := func(n int64) *expr.Expr { return expr.Lit(time.Duration(n) * time.Second) }
	lt, rt := expr.Col("lt"), expr.Col("rt")
	cases := []struct {
		name         string
		conds        []*expr.Expr
		lower, upper int64 // math.MinInt64: no interval
		rest         int
	}{
		{"between", []*expr.Expr{rt.Between(lt.Minus(sec(4)), lt)}, -4000, 0, 0},
		{"two comparisons", []*expr.Expr{rt.Ge(lt.Minus(sec(1))), rt.Le(lt.Plus(sec(2)))}, -1000, 2000, 0},
		{"strict, left on the left", []*expr.Expr{lt.Lt(rt.Plus(sec(1))), lt.Gt(rt)}, -999, -1, 0},
		{"equal times", []*expr.Expr{lt.Eq(rt)}, 0, 0, 0},
		{"one bound only", []*expr.Expr{rt.Ge(lt)}, math.MinInt64, 0, 1},
		{"not the rowtime", []*expr.Expr{expr.Col("other").Between(lt, lt.Plus(sec(1)))}, math.MinInt64, 0, 1},
		{"tightest bound wins, others stay", []*expr.Expr{rt.Ge(lt), rt.Ge(lt.Plus(sec(3))), rt.Le(lt.Plus(sec(5))), expr.Col("k").Gt(expr.Lit(int64(1)))}, 3000, 5000, 1},
	}
	for _, c := range cases {
		var resolved []*expr.Expr
		for _, e := range c.conds {
			r, err := expr.Resolve(e, joined, expr.Options{})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			resolved = append(resolved, r)
		}
		iv, rest := findInterval(resolved, left, right)
		switch {
		case c.lower == math.MinInt64 && iv != nil:
			t.Errorf("%s: an interval %+v", c.name, *iv)
		case c.lower != math.MinInt64 && (iv == nil || iv.Lower != c.lower || iv.Upper != c.upper):
			t.Errorf("%s: interval %+v, want [%d, %d]", c.name, iv, c.lower, c.upper)
		case len(rest) != c.rest:
			t.Errorf("%s: %d conditions left, want %d", c.name, len(rest), c.rest)
		}
	}
}
