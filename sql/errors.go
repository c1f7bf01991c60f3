package sql

import "fmt"

// Error is an error at a place in the SQL text: every error returned by
// Parse, ParseStatement and ParseExpr is one, and so is every error of a
// statement a Session runs.
type Error struct {
	// Line and Col are 1-based; Col counts characters, not bytes.
	Line, Col int
	Msg       string
	// cause is the planner's error the binder placed, for errors.As.
	cause error
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func (e *Error) Unwrap() error { return e.cause }

// bailout carries an *Error from deep in the recursive descent to the entry
// point that recovers it, so that parse functions need no error plumbing.
type bailout struct{ err *Error }

// recovered turns the value of recover() into the parser's error. A panic
// that is not a bailout is a bug in the parser and is re-raised.
func recovered(r any) *Error {
	if r == nil {
		return nil
	}
	if b, ok := r.(bailout); ok {
		return b.err
	}
	panic(r)
}
