package runtime

import (
	"fmt"
	"strings"

	"github.com/runnel/runnel/table/data"
)

// AggCall is one aggregate call of a GROUP BY or a window aggregation, as
// the planner resolved it: COUNT(*), COUNT([DISTINCT] x), SUM, AVG, MIN or
// MAX of an input column.
type AggCall struct {
	Func     string    `msgpack:"f"` // COUNT, SUM, MIN, MAX or AVG
	Arg      int       `msgpack:"a"` // the input column; -1 for COUNT(*)
	Distinct bool      `msgpack:"d,omitempty"`
	ArgType  data.Type `msgpack:"at"`
	// Type is the result's type, AggResultType's; the runtime derives it
	// again from Func and ArgType.
	Type data.Type `msgpack:"t"`
}

// decimalSumPrec is the precision DECIMAL sums are kept at while
// accumulating: wide enough that no realistic sum of DECIMAL(38)s
// overflows, so a retraction takes back exactly what its accumulation
// added, and only the result is cut to DECIMAL(38, s), NULL when it does
// not fit (Flink's decimal overflow).
const decimalSumPrec = 2 * data.MaxDecimalPrecision

// AggResultType is the type of fn over an argument of type arg, as Flink
// infers it: COUNT is BIGINT NOT NULL; SUM and AVG keep INT, BIGINT and
// DOUBLE (AVG of integers is an integer average), SUM of DECIMAL(p, s) is
// DECIMAL(38, s) and AVG of it DECIMAL(38, max(6, s)); MIN and MAX are
// the argument's type. All but COUNT are nullable: they are NULL over no
// non-NULL value. DISTINCT changes no type. A time attribute argument
// yields a plain timestamp.
func AggResultType(fn string, arg data.Type, distinct bool) (data.Type, error) {
	name := strings.ToUpper(fn)
	k := arg.Kind
	switch name {
	case "COUNT":
		return data.TBigInt.AsNotNull(), nil
	case "SUM", "AVG":
		switch k {
		case data.Int, data.BigInt, data.Double:
			return data.Type{Kind: k}, nil
		case data.Decimal:
			if name == "SUM" {
				return data.TDecimal(data.MaxDecimalPrecision, arg.Scale), nil
			}
			return data.TDecimal(data.MaxDecimalPrecision, max(6, arg.Scale)), nil
		}
	case "MIN", "MAX":
		switch k {
		case data.Null, data.Bytes:
		default:
			return arg.Plain().Nullable(), nil
		}
	default:
		return data.Type{}, fmt.Errorf("unknown aggregate function %s", fn)
	}
	return data.Type{}, fmt.Errorf("%s does not take %s", name, k)
}

// fnKind is an aggregate function.
type fnKind uint8

const (
	fnCountStar fnKind = iota
	fnCount
	fnSum
	fnAvg
	fnMin
	fnMax
)

var fnKinds = map[string]fnKind{"COUNT": fnCount, "SUM": fnSum, "AVG": fnAvg, "MIN": fnMin, "MAX": fnMax}

// aggFunc is an AggCall ready to run.
type aggFunc struct {
	kind fnKind
	arg  int
	// counted keeps a count per argument value beside the accumulator:
	// for COUNT, SUM and AVG with DISTINCT, so that only a value's first
	// accumulation and last retraction reach the accumulator; for MIN
	// and MAX over a changelog, so that the next extreme can be found
	// when the current one is retracted (Flink's MinWithRetract).
	counted bool
	num     data.Kind // SUM and AVG: the argument's kind
	result  data.Type
	sumType data.Type // SUM and AVG of DECIMAL: the accumulation's type
}

// newAggFunc checks c and compiles it. MIN and MAX are counted when
// retract says the input may retract rows.
func newAggFunc(c AggCall, retract bool) (aggFunc, error) {
	name := strings.ToUpper(c.Func)
	kind, ok := fnKinds[name]
	if !ok {
		return aggFunc{}, fmt.Errorf("unknown aggregate function %s", c.Func)
	}
	if c.Arg < 0 {
		if kind != fnCount || c.Distinct {
			return aggFunc{}, fmt.Errorf("%s needs an argument column", callString(c))
		}
		return aggFunc{kind: fnCountStar, arg: -1, result: data.TBigInt.AsNotNull()}, nil
	}
	t, err := AggResultType(c.Func, c.ArgType, c.Distinct)
	if err != nil {
		return aggFunc{}, err
	}
	f := aggFunc{kind: kind, arg: c.Arg, result: t, num: c.ArgType.Kind}
	switch f.kind {
	case fnMin, fnMax:
		// DISTINCT changes no extreme.
		f.counted = retract
	default:
		f.counted = c.Distinct
	}
	if (f.kind == fnSum || f.kind == fnAvg) && f.num == data.Decimal {
		f.sumType = data.TDecimal(decimalSumPrec, c.ArgType.Scale)
	}
	return f, nil
}

// callString prints a call for messages: COUNT(DISTINCT $2).
func callString(c AggCall) string {
	arg := "*"
	if c.Arg >= 0 {
		arg = fmt.Sprintf("$%d", c.Arg)
	}
	if c.Distinct {
		arg = "DISTINCT " + arg
	}
	return fmt.Sprintf("%s(%s)", strings.ToUpper(c.Func), arg)
}
