package runtime

import (
	"slices"
	"testing"

	"github.com/runnel/runnel/table/data"
)

func tvf(w WindowSpec) pipeline {
	w.TimeCol = timeCol
	return func(in *streamRows) *streamRows { return WindowTableFunction(in, w) }
}

// TestWindowTableFunction: each row comes out once per window it is in,
// with the window's bounds appended, at once, its kind kept and stamped
// with its window_time; NULL times are dropped; watermarks pass.
func TestWindowTableFunction(t *testing.T) {
	tests := []struct {
		name string
		spec WindowSpec
		want []string
	}{
		{"tumble", WindowSpec{Kind: Tumble, Size: 10 * ms}, []string{
			"+I[a, 1, 1970-01-01 00:00:00.007, " + bounds(0, 10) + "]",
			"-D[b, 2, 1970-01-01 00:00:00.012, " + bounds(10, 20) + "]",
		}},
		{"hop", WindowSpec{Kind: Hop, Size: 10 * ms, Slide: 5 * ms}, []string{
			"+I[a, 1, 1970-01-01 00:00:00.007, " + bounds(5, 15) + "]",
			"+I[a, 1, 1970-01-01 00:00:00.007, " + bounds(0, 10) + "]",
			"-D[b, 2, 1970-01-01 00:00:00.012, " + bounds(10, 20) + "]",
			"-D[b, 2, 1970-01-01 00:00:00.012, " + bounds(5, 15) + "]",
		}},
		{"cumulate", WindowSpec{Kind: Cumulate, Step: 5 * ms, Size: 15 * ms}, []string{
			"+I[a, 1, 1970-01-01 00:00:00.007, " + bounds(0, 10) + "]",
			"+I[a, 1, 1970-01-01 00:00:00.007, " + bounds(0, 15) + "]",
			"-D[b, 2, 1970-01-01 00:00:00.012, " + bounds(0, 15) + "]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := startJob(t, 1, tvf(tt.spec), nil)
			j.watermark(20)
			j.push(ev("a", 1, 7), row(str("c"), i32(3), null(data.Timestamp)), changed(data.Delete, str("b"), i32(2), ts(12)))
			outs := j.takeOutputs()
			checkRows(t, "rows", rowStrings(outs), tt.want)
			for _, o := range outs {
				if wt := o.row.Field(o.row.Width() - 1).Millis(); o.ts != wt {
					t.Errorf("%s has timestamp %d, want its window_time %d", o.row, o.ts, wt)
				}
			}
			if !slices.Equal(j.outWms, []int64{20}) {
				t.Errorf("watermarks %v, want the input's", j.outWms)
			}
		})
	}
}

func TestWindowTableFunctionLTZ(t *testing.T) {
	j := startJob(t, 1, tvf(WindowSpec{Kind: Tumble, Size: 10 * ms}), nil)
	j.push(row(a, i32(1), data.TimestampLTZValue(3e6)))
	outs := j.takeOutputs()
	if len(outs) != 1 {
		t.Fatalf("%d rows, want 1", len(outs))
	}
	for _, v := range outs[0].row.Values()[3:] {
		if v.Kind() != data.TimestampLTZ {
			t.Errorf("window bound of kind %s, want TIMESTAMP_LTZ", v.Kind())
		}
	}
}
