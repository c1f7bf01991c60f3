package node

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
)

// levelTrace sits below Debug so hclog's Trace stays distinguishable and is
// dropped unless a handler explicitly asks for it.
const levelTrace = slog.LevelDebug - 4

// NewLogger builds the process logger. level: "debug"|"info"|"warn"|"error"
// (case-insensitive); format: "text"|"json" (case-insensitive).
func NewLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	// slog.Level.UnmarshalText is not used because it also accepts offsets
	// like "info+2", which would be surprising in a config file.
	switch strings.ToLower(level) {
	case "debug":
		lvl = slog.LevelDebug
	case "info":
		lvl = slog.LevelInfo
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("log format %q: want text or json", format)
	}
}

// hclogAdapter makes a *slog.Logger usable where hashicorp libraries (raft)
// want an hclog.Logger, so their output goes through our slog handler with
// levels and key/value pairs preserved.
type hclogAdapter struct {
	// base is kept apart from l so Named/ResetNamed can replace the logger
	// attribute instead of stacking a second one.
	base    *slog.Logger
	name    string
	implied []slog.Attr
	l       *slog.Logger
}

// newHCLogger wraps l for hashicorp libraries; a non-empty name is logged as
// attribute "logger".
func newHCLogger(l *slog.Logger, name string) hclog.Logger {
	return buildHCLogger(l, name, nil)
}

func buildHCLogger(base *slog.Logger, name string, implied []slog.Attr) *hclogAdapter {
	h := base.Handler()
	if name != "" {
		h = h.WithAttrs([]slog.Attr{slog.String("logger", name)})
	}
	if len(implied) > 0 {
		h = h.WithAttrs(implied)
	}
	return &hclogAdapter{base: base, name: name, implied: implied, l: slog.New(h)}
}

// slogLevel maps an hclog level; ok is false for Off, which must not log.
// NoLevel goes to Info, matching what hclog's own stdlog adapter does.
func slogLevel(l hclog.Level) (lvl slog.Level, ok bool) {
	switch l {
	case hclog.Trace:
		return levelTrace, true
	case hclog.Debug:
		return slog.LevelDebug, true
	case hclog.Warn:
		return slog.LevelWarn, true
	case hclog.Error:
		return slog.LevelError, true
	case hclog.Off:
		return 0, false
	default:
		return slog.LevelInfo, true
	}
}

func (a *hclogAdapter) Log(level hclog.Level, msg string, args ...any) {
	if lvl, ok := slogLevel(level); ok {
		a.log(lvl, msg, args)
	}
}

func (a *hclogAdapter) Trace(msg string, args ...any) { a.log(levelTrace, msg, args) }
func (a *hclogAdapter) Debug(msg string, args ...any) { a.log(slog.LevelDebug, msg, args) }
func (a *hclogAdapter) Info(msg string, args ...any)  { a.log(slog.LevelInfo, msg, args) }
func (a *hclogAdapter) Warn(msg string, args ...any)  { a.log(slog.LevelWarn, msg, args) }
func (a *hclogAdapter) Error(msg string, args ...any) { a.log(slog.LevelError, msg, args) }

// log formats hclog.Fmt values (raft logs its configuration that way) as
// hclog would, and only for records the handler keeps.
func (a *hclogAdapter) log(lvl slog.Level, msg string, args []any) {
	if !a.enabled(lvl) {
		return
	}
	for i, v := range args {
		if f, ok := v.(hclog.Format); ok && len(f) > 0 {
			if format, ok := f[0].(string); ok {
				args[i] = fmt.Sprintf(format, f[1:]...)
			}
		}
	}
	a.l.Log(context.Background(), lvl, msg, args...)
}

func (a *hclogAdapter) enabled(l slog.Level) bool {
	return a.l.Enabled(context.Background(), l)
}

func (a *hclogAdapter) IsTrace() bool { return a.enabled(levelTrace) }
func (a *hclogAdapter) IsDebug() bool { return a.enabled(slog.LevelDebug) }
func (a *hclogAdapter) IsInfo() bool  { return a.enabled(slog.LevelInfo) }
func (a *hclogAdapter) IsWarn() bool  { return a.enabled(slog.LevelWarn) }
func (a *hclogAdapter) IsError() bool { return a.enabled(slog.LevelError) }

func (a *hclogAdapter) ImpliedArgs() []any {
	args := make([]any, 0, 2*len(a.implied))
	for _, attr := range a.implied {
		args = append(args, attr.Key, attr.Value.Any())
	}
	return args
}

// With stores args as attrs rather than raw key/values: pairing them the way
// slog does (a dangling value gets key "!BADKEY") means a later With cannot
// shift every following key onto a value.
func (a *hclogAdapter) With(args ...any) hclog.Logger {
	var r slog.Record
	r.Add(args...)
	implied := make([]slog.Attr, len(a.implied), len(a.implied)+r.NumAttrs())
	copy(implied, a.implied)
	r.Attrs(func(attr slog.Attr) bool {
		implied = append(implied, attr)
		return true
	})
	return buildHCLogger(a.base, a.name, implied)
}

func (a *hclogAdapter) Name() string { return a.name }

// Named joins names with "." as hclog itself does, e.g. "raft.snapshot".
func (a *hclogAdapter) Named(name string) hclog.Logger {
	if a.name != "" {
		name = a.name + "." + name
	}
	return buildHCLogger(a.base, name, a.implied)
}

func (a *hclogAdapter) ResetNamed(name string) hclog.Logger {
	return buildHCLogger(a.base, name, a.implied)
}

// SetLevel is a no-op: the level is owned by the slog handler, which is shared
// with the rest of the process and cannot be changed from here.
func (a *hclogAdapter) SetLevel(hclog.Level) {}

// GetLevel reports the lowest level the handler accepts, or Off if none.
func (a *hclogAdapter) GetLevel() hclog.Level {
	for l := hclog.Trace; l <= hclog.Error; l++ {
		if lvl, _ := slogLevel(l); a.enabled(lvl) {
			return l
		}
	}
	return hclog.Off
}

func (a *hclogAdapter) StandardLogger(opts *hclog.StandardLoggerOptions) *log.Logger {
	return log.New(a.StandardWriter(opts), "", 0)
}

// StandardWriter always infers levels from "[LEVEL]" prefixes and tolerates a
// leading timestamp, whatever InferLevels says: the options exist to opt in to
// parsing that is always wanted here. ForceLevel is honoured.
func (a *hclogAdapter) StandardWriter(opts *hclog.StandardLoggerOptions) io.Writer {
	w := &stdWriter{l: a.l}
	if opts != nil {
		w.force = opts.ForceLevel
	}
	return w
}

// newStdLogger returns a *log.Logger for libraries that log through the
// standard logger (memberlist), routing each line to l at the level of its
// "[LEVEL]" prefix, with the prefix and any timestamp stripped.
func newStdLogger(l *slog.Logger, name string) *log.Logger {
	if name != "" {
		l = l.With("logger", name)
	}
	return log.New(&stdWriter{l: l}, "", 0)
}

// stdWriter receives one log.Logger line per Write.
type stdWriter struct {
	l *slog.Logger
	// force overrides the parsed level unless it is hclog.NoLevel.
	force hclog.Level
}

func (w *stdWriter) Write(p []byte) (int, error) {
	level, msg := parseStdLine(p)
	if w.force != hclog.NoLevel {
		var ok bool
		if level, ok = slogLevel(w.force); !ok {
			return len(p), nil
		}
	}
	ctx := context.Background()
	h := w.l.Handler()
	// Checking before string(msg) keeps dropped debug chatter allocation-free.
	if !h.Enabled(ctx, level) {
		return len(p), nil
	}
	// No PC: the real caller sits behind a variable number of log.Logger
	// frames, and a PC inside this file would be misleading.
	r := slog.NewRecord(time.Now(), level, string(msg), 0)
	// A handler error is not the writing library's problem, and log.Logger
	// would discard it anyway.
	_ = h.Handle(ctx, r)
	return len(p), nil
}

// stdTimestamps are the layouts log.Logger writes under Ldate, Ltime and
// Lmicroseconds, '9' standing for any digit. They are tried in order so a line
// may carry a date, a time, or both.
var stdTimestamps = [...]string{"9999/99/99 ", "99:99:99.999999 ", "99:99:99 "}

// parseStdLine splits a line into the level of its "[LEVEL]" prefix (Info if
// there is none) and the message with timestamp and prefix removed.
func parseStdLine(p []byte) (slog.Level, []byte) {
	line := bytes.TrimRight(p, " \t\r\n")
	for _, layout := range stdTimestamps {
		line = trimLayout(line, layout)
	}
	if len(line) == 0 || line[0] != '[' {
		return slog.LevelInfo, line
	}
	end := bytes.IndexByte(line, ']')
	if end < 0 {
		return slog.LevelInfo, line
	}
	var level slog.Level
	switch string(line[1:end]) {
	case "TRACE":
		level = levelTrace
	case "DEBUG":
		level = slog.LevelDebug
	case "INFO":
		level = slog.LevelInfo
	case "WARN":
		level = slog.LevelWarn
	case "ERR", "ERROR":
		level = slog.LevelError
	default:
		return slog.LevelInfo, line
	}
	return level, bytes.TrimLeft(line[end+1:], " ")
}

// trimLayout removes a prefix of b matching layout, if there is one.
func trimLayout(b []byte, layout string) []byte {
	if len(b) < len(layout) {
		return b
	}
	for i := 0; i < len(layout); i++ {
		if layout[i] == '9' {
			if b[i] < '0' || b[i] > '9' {
				return b
			}
		} else if b[i] != layout[i] {
			return b
		}
	}
	return b[len(layout):]
}
