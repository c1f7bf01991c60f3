package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/runnel/runnel/node"
	"github.com/runnel/runnel/sql"
)

func newSQLCmd(g *globals, stdin io.Reader, stdout io.Writer) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "Run SQL: an interactive client, or a script with -f",
		Long: `Run Flink SQL against the cluster. Without -f, an interactive client: statements
end with ';' and may span lines; the history is kept in ~/.runnel_sql_history;
Ctrl-C cancels a running query, Ctrl-D leaves. With -f, the statements of a
script run in order and the first failure ends it.

A SELECT runs as a job whose rows come back to the client. In a script, and
with SET 'sql-client.execution.result-mode' = 'tableau', they print in Flink's
tableau form, one line per change (+I, -U, +U, -D); 'table' shows a table that
changes in place, 'changelog' the changes as a log. A SELECT over bounded
tables ends when its input ends.

Exit codes: 0 every statement succeeded, 1 a statement failed, 2 bad flag.`,
		Example: `  runnel sql
  runnel sql -f job.sql`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newClient(g.addr)
			if err != nil {
				return err
			}
			c.http.Timeout = 0 // table.dml-sync waits for a job's end
			if file == "" {
				return runShell(cmd.Context(), c, stdin, stdout)
			}
			script, err := os.ReadFile(file)
			if err != nil {
				return usagef("-f %s: %v", file, err)
			}
			return runScript(cmd.Context(), c, string(script), stdout)
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "run the SQL script in this file")
	return cmd
}

// sqlClient runs statements in one session of one node.
type sqlClient struct {
	c       *client
	session string
	out     io.Writer
	// mode is the result mode the session last SET.
	mode string
}

func openSQL(c *client, out io.Writer, mode string) (*sqlClient, error) {
	var resp node.OpenSessionResponse
	if err := c.send(http.MethodPost, "/v1/sql/sessions", struct{}{}, &resp); err != nil {
		return nil, err
	}
	return &sqlClient{c: c, session: resp.Session, out: out, mode: mode}, nil
}

func (s *sqlClient) close() {
	s.c.do(http.MethodDelete, "/v1/sql/sessions/"+s.session, nil)
}

// runScript runs a script's statements; the script is parsed here first,
// so a syntax error anywhere is reported before anything runs.
func runScript(ctx context.Context, c *client, script string, out io.Writer) error {
	stmts, err := sql.Parse(script)
	if err != nil {
		return fmt.Errorf("[ERROR] %w", err)
	}
	s, err := openSQL(c, out, "tableau")
	if err != nil {
		return err
	}
	defer s.close()
	for _, st := range stmts {
		fmt.Fprintf(out, "runnel SQL> %s;\n", st.Source())
		if err := s.run(ctx, st.Source(), st.Position().Line); err != nil {
			return err
		}
		fmt.Fprintln(out)
	}
	return nil
}

// run sends one statement and shows its results.
func (s *sqlClient) run(ctx context.Context, stmt string, line int) error {
	var resp node.StatementResponse
	if err := s.c.send(http.MethodPost, "/v1/sql", node.StatementRequest{Session: s.session, Statement: stmt}, &resp); err != nil {
		if line > 1 {
			return fmt.Errorf("[ERROR] Could not execute the statement at line %d: %w", line, err)
		}
		return fmt.Errorf("[ERROR] Could not execute SQL statement: %w", err)
	}
	for _, r := range resp.Results {
		if err := s.show(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlClient) show(ctx context.Context, r sql.Result) error {
	switch r.Kind {
	case sql.ResultOK:
		if m := setMode(r.Statement); m != "" {
			s.mode = m
		}
		fmt.Fprintf(s.out, "[INFO] %s\n", r.Message)
	case sql.ResultTable:
		if len(r.Columns) == 1 && r.Columns[0].Name == "result" {
			for _, row := range r.Rows {
				fmt.Fprintln(s.out, row[0])
			}
			return nil
		}
		printTable(s.out, r)
	case sql.ResultJob:
		fmt.Fprintln(s.out, "[INFO] Submitting SQL update statement to the cluster...")
		fmt.Fprintln(s.out, "[INFO] SQL update statement has been successfully submitted to the cluster:")
		fmt.Fprintln(s.out, r.Message)
	case sql.ResultQuery:
		return s.query(ctx, r)
	}
	return nil
}

// setMode is the result mode a SET statement chose, if it chose one.
func setMode(stmt string) string {
	st, err := sql.ParseStatement(stmt)
	if err != nil {
		return ""
	}
	if set, ok := st.(*sql.Set); ok && set.Key == "sql-client.execution.result-mode" {
		return strings.ToLower(set.Value)
	}
	return ""
}

// query streams a SELECT's rows until its input ends, the job fails, or
// the user presses Ctrl-C, which cancels the query.
func (s *sqlClient) query(ctx context.Context, r sql.Result) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	defer s.c.do(http.MethodDelete, "/v1/sql/results/"+url.PathEscape(r.JobID), nil)
	// An updating result shows as a table that changes in place; an
	// append-only one, and any result in the other modes, as a log.
	var view resultView
	if s.mode == "table" && !r.InsertOnly {
		view = newTableView(s.out, r.Columns)
	} else {
		view = newLogView(s.out, r.Columns)
	}
	var token int64
	n := 0
	wait := time.NewTicker(100 * time.Millisecond)
	defer wait.Stop()
	for {
		var page node.ResultPage
		path := "/v1/sql/results/" + url.PathEscape(r.JobID) + "?session=" + s.session + "&token=" + strconv.FormatInt(token, 10)
		if err := s.c.do(http.MethodGet, path, &page); err != nil {
			return fmt.Errorf("[ERROR] fetch results: %w", err)
		}
		for _, row := range page.Rows {
			view.add(row)
		}
		n += len(page.Rows)
		token = page.Next
		switch {
		case page.Ended:
			view.end(n)
			return nil
		case page.Status == "FAILED":
			view.end(n)
			return fmt.Errorf("[ERROR] the query's job failed: %s", page.Error)
		case page.Status == "CANCELED" || page.Status == "FINISHED" && len(page.Rows) == 0:
			view.end(n)
			return nil
		}
		if len(page.Rows) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			view.end(n)
			fmt.Fprintln(s.out, "[INFO] Query cancelled.")
			if errors.Is(context.Cause(ctx), context.Canceled) {
				return nil
			}
			return ctx.Err()
		case <-wait.C:
		}
	}
}
