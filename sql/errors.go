package sql

import "fmt"

// Error is a syntax error. Every error returned by Parse, ParseStatement and
// ParseExpr is an *Error.
type Error struct {
	// Line and Col are 1-based; Col counts characters, not bytes.
	Line, Col int
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

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
