package node

import (
	"bytes"
	"encoding/json"
	"log"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		level, format string
		wantErr       string
		// logged at Debug and Info; wantLines says which survive.
		wantLines int
		wantJSON  bool
	}{
		{level: "debug", format: "text", wantLines: 2},
		{level: "INFO", format: "json", wantLines: 1, wantJSON: true},
		{level: "Warn", format: "JSON", wantLines: 0, wantJSON: true},
		{level: "error", format: "text", wantLines: 0},
		{level: "loud", format: "text", wantErr: `log level "loud": want debug, info, warn or error`},
		{level: "", format: "text", wantErr: `log level "": want debug, info, warn or error`},
		{level: "info", format: "xml", wantErr: `log format "xml": want text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := NewLogger(&buf, tt.level, tt.format)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			l.Debug("d")
			l.Info("i")
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if buf.Len() == 0 {
				lines = nil
			}
			if len(lines) != tt.wantLines {
				t.Fatalf("got %d lines, want %d: %q", len(lines), tt.wantLines, buf.String())
			}
			for _, line := range lines {
				if got := json.Valid([]byte(line)); got != tt.wantJSON {
					t.Errorf("line %q: JSON = %v, want %v", line, got, tt.wantJSON)
				}
			}
		})
	}
}

// jsonLogger returns a logger writing JSON at minLevel into a buffer, and a
// function decoding each line written so far.
func jsonLogger(t *testing.T, minLevel slog.Level) (*slog.Logger, func() []map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
		Level: minLevel,
		// Time varies; dropping it makes records comparable.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	return l, func() []map[string]any {
		t.Helper()
		var recs []map[string]any
		dec := json.NewDecoder(&buf)
		for dec.More() {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			recs = append(recs, m)
		}
		return recs
	}
}

func TestHCLogAdapter(t *testing.T) {
	tests := []struct {
		name string
		log  func(hclog.Logger)
		want []map[string]any
	}{
		{
			name: "trace",
			log:  func(l hclog.Logger) { l.Trace("t", "k", "v") },
			want: []map[string]any{{"level": "DEBUG-4", "msg": "t", "logger": "raft", "k": "v"}},
		},
		{
			name: "debug",
			log:  func(l hclog.Logger) { l.Debug("d", "n", 1) },
			want: []map[string]any{{"level": "DEBUG", "msg": "d", "logger": "raft", "n": 1.0}},
		},
		{
			name: "info",
			log:  func(l hclog.Logger) { l.Info("i", "a", "x", "b", true) },
			want: []map[string]any{{"level": "INFO", "msg": "i", "logger": "raft", "a": "x", "b": true}},
		},
		{
			name: "warn",
			log:  func(l hclog.Logger) { l.Warn("w") },
			want: []map[string]any{{"level": "WARN", "msg": "w", "logger": "raft"}},
		},
		{
			name: "error value",
			log:  func(l hclog.Logger) { l.Error("e", "error", bytes.ErrTooLarge) },
			want: []map[string]any{{"level": "ERROR", "msg": "e", "logger": "raft", "error": bytes.ErrTooLarge.Error()}},
		},
		{
			name: "odd trailing value",
			log:  func(l hclog.Logger) { l.Info("o", "k", "v", "dangling") },
			want: []map[string]any{{"level": "INFO", "msg": "o", "logger": "raft", "k": "v", "!BADKEY": "dangling"}},
		},
		{
			name: "Log levels",
			log: func(l hclog.Logger) {
				l.Log(hclog.Warn, "w")
				l.Log(hclog.NoLevel, "none")
				l.Log(hclog.Off, "off")
			},
			want: []map[string]any{
				{"level": "WARN", "msg": "w", "logger": "raft"},
				{"level": "INFO", "msg": "none", "logger": "raft"},
			},
		},
		{
			name: "With",
			log:  func(l hclog.Logger) { l.With("peer", "n1").Info("m", "k", "v") },
			want: []map[string]any{{"level": "INFO", "msg": "m", "logger": "raft", "peer": "n1", "k": "v"}},
		},
		{
			name: "With odd then With",
			log:  func(l hclog.Logger) { l.With("dangling").With("k", "v").Info("m") },
			want: []map[string]any{{"level": "INFO", "msg": "m", "logger": "raft", "!BADKEY": "dangling", "k": "v"}},
		},
		{
			name: "Named keeps With",
			log:  func(l hclog.Logger) { l.With("peer", "n1").Named("snapshot").Info("m") },
			want: []map[string]any{{"level": "INFO", "msg": "m", "logger": "raft.snapshot", "peer": "n1"}},
		},
		{
			name: "ResetNamed",
			log:  func(l hclog.Logger) { l.Named("snapshot").ResetNamed("fsm").Info("m") },
			want: []map[string]any{{"level": "INFO", "msg": "m", "logger": "fsm"}},
		},
		{
			name: "StandardLogger infers",
			log: func(l hclog.Logger) {
				l.StandardLogger(nil).Print("[WARN] raft: slow")
				l.StandardLogger(&hclog.StandardLoggerOptions{InferLevels: true}).Print("[ERR] raft: bad")
			},
			want: []map[string]any{
				{"level": "WARN", "msg": "raft: slow", "logger": "raft"},
				{"level": "ERROR", "msg": "raft: bad", "logger": "raft"},
			},
		},
		{
			name: "StandardWriter forced",
			log: func(l hclog.Logger) {
				w := l.With("k", "v").StandardWriter(&hclog.StandardLoggerOptions{ForceLevel: hclog.Error})
				log.New(w, "", 0).Print("[DEBUG] boom")
			},
			want: []map[string]any{{"level": "ERROR", "msg": "boom", "logger": "raft", "k": "v"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sl, records := jsonLogger(t, levelTrace)
			tt.log(newHCLogger(sl, "raft"))
			if got := records(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestHCLogAdapterLevels(t *testing.T) {
	tests := []struct {
		minLevel                         slog.Level
		trace, debug, info, warn, errorL bool
		want                             hclog.Level
	}{
		{minLevel: levelTrace, trace: true, debug: true, info: true, warn: true, errorL: true, want: hclog.Trace},
		{minLevel: slog.LevelDebug, debug: true, info: true, warn: true, errorL: true, want: hclog.Debug},
		{minLevel: slog.LevelInfo, info: true, warn: true, errorL: true, want: hclog.Info},
		{minLevel: slog.LevelWarn, warn: true, errorL: true, want: hclog.Warn},
		{minLevel: slog.LevelError, errorL: true, want: hclog.Error},
		{minLevel: slog.LevelError + 1, want: hclog.Off},
	}
	for _, tt := range tests {
		t.Run(tt.minLevel.String(), func(t *testing.T) {
			sl, records := jsonLogger(t, tt.minLevel)
			l := newHCLogger(sl, "raft")
			got := [5]bool{l.IsTrace(), l.IsDebug(), l.IsInfo(), l.IsWarn(), l.IsError()}
			if want := [5]bool{tt.trace, tt.debug, tt.info, tt.warn, tt.errorL}; got != want {
				t.Errorf("Is{Trace,Debug,Info,Warn,Error} = %v, want %v", got, want)
			}
			l.SetLevel(hclog.Trace)
			if got := l.GetLevel(); got != tt.want {
				t.Errorf("GetLevel after no-op SetLevel = %v, want %v", got, tt.want)
			}
			l.Trace("t")
			l.Debug("d")
			if got, want := len(records()), btoi(tt.trace)+btoi(tt.debug); got != want {
				t.Errorf("wrote %d records, want %d", got, want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestHCLogAdapterNameAndImpliedArgs(t *testing.T) {
	sl, _ := jsonLogger(t, slog.LevelInfo)
	l := newHCLogger(sl, "")
	if l.Name() != "" {
		t.Errorf("Name = %q, want empty", l.Name())
	}
	if got := l.Named("raft").Named("snapshot").Name(); got != "raft.snapshot" {
		t.Errorf("Named twice: Name = %q, want raft.snapshot", got)
	}
	w := l.With("a", "x").With("b", "y")
	if got, want := w.ImpliedArgs(), []any{"a", "x", "b", "y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ImpliedArgs = %v, want %v", got, want)
	}
	if got := l.ImpliedArgs(); len(got) != 0 {
		t.Errorf("With changed parent: ImpliedArgs = %v", got)
	}
}

func TestStdLogger(t *testing.T) {
	tests := []struct {
		line      string
		flags     int
		wantLevel string
		wantMsg   string
	}{
		{line: "[DEBUG] memberlist: Stream connection from=1.2.3.4:5", wantLevel: "DEBUG", wantMsg: "memberlist: Stream connection from=1.2.3.4:5"},
		{line: "2024/01/01 00:00:00 [DEBUG] memberlist: Stream connection", wantLevel: "DEBUG", wantMsg: "memberlist: Stream connection"},
		{line: "[WARN] memberlist: slow", wantLevel: "WARN", wantMsg: "memberlist: slow"},
		{line: "2024/01/01 00:00:00.123456 [WARN] memberlist: slow", wantLevel: "WARN", wantMsg: "memberlist: slow"},
		{line: "[ERR] memberlist: failed", wantLevel: "ERROR", wantMsg: "memberlist: failed"},
		{line: "[ERROR] memberlist: failed", wantLevel: "ERROR", wantMsg: "memberlist: failed"},
		{line: "[INFO] memberlist: joined", wantLevel: "INFO", wantMsg: "memberlist: joined"},
		{line: "[TRACE] memberlist: tick", wantLevel: "DEBUG-4", wantMsg: "memberlist: tick"},
		{line: "memberlist: no prefix", wantLevel: "INFO", wantMsg: "memberlist: no prefix"},
		{line: "2024/01/01 00:00:00 memberlist: no prefix", wantLevel: "INFO", wantMsg: "memberlist: no prefix"},
		{line: "[BOGUS] kept", wantLevel: "INFO", wantMsg: "[BOGUS] kept"},
		{line: "[unclosed", wantLevel: "INFO", wantMsg: "[unclosed"},
		{line: "[WARN] real timestamp", flags: log.LstdFlags, wantLevel: "WARN", wantMsg: "real timestamp"},
		{line: "[ERR] real timestamp", flags: log.LstdFlags | log.Lmicroseconds, wantLevel: "ERROR", wantMsg: "real timestamp"},
		{line: "real timestamp, no prefix", flags: log.Ltime, wantLevel: "INFO", wantMsg: "real timestamp, no prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			sl, records := jsonLogger(t, levelTrace)
			l := newStdLogger(sl, "memberlist")
			if l.Flags() != 0 {
				t.Fatalf("Flags = %d, want 0", l.Flags())
			}
			l.SetFlags(tt.flags)
			l.Print(tt.line)
			want := []map[string]any{{"level": tt.wantLevel, "msg": tt.wantMsg, "logger": "memberlist"}}
			if got := records(); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

func TestStdLoggerDroppedLineDoesNotAllocate(t *testing.T) {
	sl, records := jsonLogger(t, slog.LevelInfo)
	w := newStdLogger(sl, "memberlist").Writer()
	line := []byte("2024/01/01 00:00:00 [DEBUG] memberlist: Stream connection from=1.2.3.4:5\n")
	if n := testing.AllocsPerRun(100, func() { _, _ = w.Write(line) }); n != 0 {
		t.Errorf("dropped line: %v allocs, want 0", n)
	}
	if got := records(); len(got) != 0 {
		t.Errorf("dropped line was written: %v", got)
	}
}

func TestHCLogAdapterFormatsFmtValues(t *testing.T) {
	var buf bytes.Buffer
	l := newHCLogger(slog.New(slog.NewJSONHandler(&buf, nil)), "raft")
	l.Info("initial configuration", "servers", hclog.Fmt("%+v", []int{1, 2}))
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["servers"] != "[1 2]" {
		t.Fatalf("servers = %v; want the formatted value [1 2]", rec["servers"])
	}
}
