package examples

import (
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/operator/watermark"
	"github.com/runnel/runnel/operator/window"
	"github.com/runnel/runnel/stream"
)

func init() {
	stream.RegisterJob("window-agg", buildWindowAgg)
}

// Event is one input line of window-agg: "ts_ms,key,value".
type Event struct {
	TS    int64
	Key   string
	Value int64
	Line  string
}

var lateEvents = stream.NewOutputTag[Event]("late")

// buildWindowAgg counts and sums values per key and event-time window.
// Args: input (CSV lines ts_ms,key,value), output (one line per window
// firing: key,window_start_ms,window_end_ms,count,sum), late-output (late
// records as their input line), window (tumble:SIZE, hop:SIZE:SLIDE or
// session:GAP, Go durations), out-of-orderness, lateness (default 0s),
// watermark-interval (default 200ms). The file source runs at parallelism
// 1, the rest at the job's.
func buildWindowAgg(env *stream.Env, args stream.Args) error {
	input, err := args.Required("input")
	if err != nil {
		return err
	}
	output, err := args.Required("output")
	if err != nil {
		return err
	}
	lateOutput, err := args.Required("late-output")
	if err != nil {
		return err
	}
	spec, err := args.Required("window")
	if err != nil {
		return err
	}
	assigner, err := parseWindow(spec)
	if err != nil {
		return fmt.Errorf("argument \"window\": %w", err)
	}
	bound, err := args.Duration("out-of-orderness", 0)
	if err != nil {
		return err
	}
	lateness, err := args.Duration("lateness", 0)
	if err != nil {
		return err
	}
	interval, err := args.Duration("watermark-interval", watermark.DefaultInterval)
	if err != nil {
		return err
	}
	env.SetAutoWatermarkInterval(interval)

	lines := stream.FromSource(env, connector.NewFileSource(input), "input").SetParallelism(1)
	events := stream.Process(lines, stream.ProcessFunc[string, Event](parseEvent)).Name("Parse").SetParallelism(1)
	stamped := stream.AssignTimestampsAndWatermarks(events, watermark.Strategy[Event]{
		Generator:  func() watermark.Generator { return watermark.BoundedOutOfOrderness(bound) },
		Timestamps: func(e Event, _ int64) int64 { return e.TS },
	}).SetParallelism(1)
	windowed := stream.Window(stream.KeyBy(stamped, func(e Event) string { return e.Key }), assigner).
		AllowedLateness(lateness).SideOutputLateData(lateEvents)
	results := stream.WindowProcess(windowed, aggregate).Name("Count and sum")
	stream.SinkTo(results, connector.NewLineFileSink(output), "output")
	late := stream.Map(stream.GetSideOutput(results, lateEvents), func(e Event) string { return e.Line }).Name("Late line")
	stream.SinkTo(late, connector.NewLineFileSink(lateOutput), "late-output")
	return nil
}

// parseWindow reads tumble:SIZE, hop:SIZE:SLIDE or session:GAP.
func parseWindow(spec string) (window.Assigner, error) {
	parts := strings.Split(spec, ":")
	durations := make([]time.Duration, len(parts)-1)
	for i, p := range parts[1:] {
		d, err := time.ParseDuration(p)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", spec, err)
		}
		durations[i] = d
	}
	switch {
	case parts[0] == "tumble" && len(durations) == 1:
		return window.TumblingEventTime(durations[0], 0)
	case parts[0] == "hop" && len(durations) == 2:
		return window.SlidingEventTime(durations[0], durations[1], 0)
	case parts[0] == "session" && len(durations) == 1:
		return window.EventTimeSession(durations[0])
	}
	return nil, fmt.Errorf("%q: want tumble:SIZE, hop:SIZE:SLIDE or session:GAP", spec)
}

// parseEvent reads one CSV line; a malformed line fails the job, naming it.
func parseEvent(line string, out operator.Collector[Event]) error {
	if strings.TrimSpace(line) == "" {
		return nil
	}
	f := strings.Split(line, ",")
	if len(f) != 3 {
		return fmt.Errorf("line %q: want ts_ms,key,value", line)
	}
	ts, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return fmt.Errorf("line %q: timestamp: %w", line, err)
	}
	v, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return fmt.Errorf("line %q: value: %w", line, err)
	}
	out.Collect(Event{TS: ts, Key: f[1], Value: v, Line: line})
	return nil
}

// aggregate writes key,window_start_ms,window_end_ms,count,sum.
func aggregate(key string, w window.TimeWindow, events iter.Seq[Event], out operator.Collector[string]) error {
	var count, sum int64
	for e := range events {
		count++
		sum += e.Value
	}
	out.Collect(fmt.Sprintf("%s,%d,%d,%d,%d", key, w.Start, w.End, count, sum))
	return nil
}
