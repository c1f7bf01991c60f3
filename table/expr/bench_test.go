package expr

import (
	"testing"

	"github.com/runnel/runnel/table/data"
)

// BenchmarkFilterProject runs a bid filter and projection, one row per op:
// WHERE price > 100 AND bidder <> 'x', SELECT price * 2, UPPER(bidder).
func BenchmarkFilterProject(b *testing.B) {
	schema := data.NewSchema(
		data.Column{Name: "price", Type: data.TBigInt},
		data.Column{Name: "bidder", Type: data.TString},
	)
	row := data.NewRow(data.BigIntValue(150), data.StringValue("alice"))
	resolve := func(e *Expr) *Expr {
		r, err := Resolve(e, schema, Options{})
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
	predicate := func(name string, e *Expr) {
		p, err := CompilePredicate(resolve(e))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, err := p(row); !ok || err != nil {
					b.Fatal(ok, err)
				}
			}
		})
	}
	project := func(name string, es ...*Expr) {
		evs := make([]Eval, len(es))
		for i, e := range es {
			var err error
			if evs[i], err = Compile(resolve(e)); err != nil {
				b.Fatal(err)
			}
		}
		out := make([]data.Value, len(evs))
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for i, ev := range evs {
					v, err := ev(row)
					if err != nil {
						b.Fatal(err)
					}
					out[i] = v
				}
			}
		})
	}
	predicate("where-price", Col("price").Gt(Lit(100)))
	predicate("where-price-and-bidder", Col("price").Gt(Lit(100)).And(Col("bidder").Ne(Lit("x"))))
	project("eval-price-gt", Col("price").Gt(Lit(100)))
	project("select-price*2", Col("price").Times(Lit(2)))
	project("select-price*2+price/3", Col("price").Times(Lit(2)).Plus(Col("price").Div(Lit(3))))
	project("select-upper", Col("bidder").Upper())
	project("select-price*2,upper", Col("price").Times(Lit(2)), Col("bidder").Upper())
}
