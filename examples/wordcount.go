package examples

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/runnel/runnel/connector"
	"github.com/runnel/runnel/operator"
	"github.com/runnel/runnel/stream"
)

// WordCount is a word and how often it occurred so far.
type WordCount struct {
	Word  string
	Count int64
}

func init() {
	stream.RegisterJob("wordcount", buildWordCount)
}

// buildWordCount counts the words of a file or a folder of files (read in
// parallel) and, when the input ends, writes each word once as
// "word<TAB>count" into files in the output folder.
//
// A word is a maximal run of Unicode letters and digits, lower-cased; every
// other character separates words.
func buildWordCount(env *stream.Env, args stream.Args) error {
	input, err := args.Required("input")
	if err != nil {
		return err
	}
	output, err := args.Required("output")
	if err != nil {
		return err
	}
	lines := stream.FromSource(env, connector.NewFileSource(input), "input")
	words := stream.FlatMap(lines, splitWords).Name("Split")
	ones := stream.Map(words, func(w string) WordCount { return WordCount{Word: w, Count: 1} }).Name("Pair")
	byWord := stream.KeyBy(ones, func(c WordCount) string { return c.Word })
	counts := stream.Reduce(byWord, func(a, b WordCount) WordCount {
		return WordCount{Word: a.Word, Count: a.Count + b.Count}
	}).Name("Count")
	final := stream.Process(counts, &lastCount{}).Name("Final count")
	stream.SinkTo(final, connector.NewLineFileSink(output), "output")
	return nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// splitWords emits the lower-cased words of a line.
func splitWords(line string, out operator.Collector[string]) {
	for _, w := range strings.FieldsFunc(line, func(r rune) bool { return !isWordRune(r) }) {
		out.Collect(strings.ToLower(w))
	}
}

// lastCount keeps the latest running count of each word it sees and emits
// each word once when its input ends: the rolling Reduce before it emits
// an update per record, a bounded job's output wants the final one.
type lastCount struct {
	counts map[string]int64
}

func (l *lastCount) Open(*operator.Context) error {
	l.counts = map[string]int64{}
	return nil
}

func (l *lastCount) ProcessElement(c WordCount, _ operator.Collector[string]) error {
	l.counts[c.Word] = c.Count
	return nil
}

func (l *lastCount) EndInput(out operator.Collector[string]) error {
	for w, n := range l.counts {
		out.Collect(fmt.Sprintf("%s\t%d", w, n))
	}
	return nil
}
