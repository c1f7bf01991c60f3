package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"

	"github.com/runnel/runnel/sql"
)

const (
	prompt     = "runnel SQL> "
	contPrompt = "> "
)

// runShell is the interactive SQL client: it reads statements (ending with
// ';', over as many lines as they need), runs each, and shows errors
// without leaving.
func runShell(ctx context.Context, c *client, stdin io.Reader, out io.Writer) error {
	s, err := openSQL(c, out, "table")
	if err != nil {
		return err
	}
	defer s.close()
	cfg := &readline.Config{Prompt: prompt, Stdin: io.NopCloser(stdin), Stdout: out, DisableAutoSaveHistory: true}
	if home, err := os.UserHomeDir(); err == nil {
		cfg.HistoryFile = filepath.Join(home, ".runnel_sql_history")
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return err
	}
	defer rl.Close()
	fmt.Fprintln(out, "runnel SQL client: end statements with ';', Ctrl-D to leave.")
	var buf strings.Builder
	for {
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			buf.Reset()
			rl.SetPrompt(prompt)
			continue
		}
		if err != nil { // io.EOF: Ctrl-D
			return nil
		}
		buf.WriteString(line)
		buf.WriteByte('\n')
		text := strings.TrimSpace(buf.String())
		if !complete(text) {
			rl.SetPrompt(contPrompt)
			continue
		}
		buf.Reset()
		rl.SetPrompt(prompt)
		rl.SaveHistory(text)
		if strings.EqualFold(strings.TrimSuffix(text, ";"), "quit") || strings.EqualFold(strings.TrimSuffix(text, ";"), "exit") {
			return nil
		}
		stmts, err := sql.Parse(text)
		if err != nil {
			fmt.Fprintf(out, "[ERROR] %v\n", err)
			continue
		}
		for _, st := range stmts {
			if err := s.run(ctx, st.Source(), 0); err != nil {
				fmt.Fprintln(out, err)
				break
			}
		}
	}
}

// complete reports whether text ends a statement: its last token, comments
// aside, is a ';' outside quotes. It reads bytes: quotes and comment marks
// are ASCII, which UTF-8 never uses inside another character.
func complete(text string) bool {
	var quote byte
	end := false // the last token seen is a ';'
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case strings.HasPrefix(text[i:], "--"):
			i += strings.IndexByte(text[i:]+"\n", '\n')
		case strings.HasPrefix(text[i:], "/*"):
			j := strings.Index(text[i+2:], "*/")
			if j < 0 {
				return false
			}
			i += j + 3
		case c == '\'' || c == '`':
			quote, end = c, false
		case c == ';':
			end = true
		case c != ' ' && c != '\t' && c != '\n' && c != '\r':
			end = false
		}
	}
	return end && quote == 0
}
