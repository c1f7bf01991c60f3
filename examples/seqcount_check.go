package examples

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxReported bounds the problems CheckSeqCount spells out; it counts
// them all.
const maxReported = 20

// CheckSeqCount checks that the committed output of a seqcount job in dir
// is exactly once for keys keys of count records each: every line is
// "key,seq,count", every key k0 … k<keys-1> has every seq 1 … count
// exactly once, and count == seq on every line. It reads the files under
// dir as the file source does, skipping names that start with "." or "_"
// (in progress, pending, markers), and returns an error naming each
// problem (file and line of a malformed line, a bad count or a
// duplicate; the missing seqs of each key) up to 20 of them, with the
// total.
func CheckSeqCount(dir string, keys, count int) error {
	if keys < 1 || count < 0 {
		return fmt.Errorf("check seqcount: %d keys of %d records, want 1 or more keys and 0 or more records", keys, count)
	}
	c := &seqChecker{keys: keys, count: count, seen: make([][]uint64, keys)}
	for k := range c.seen {
		c.seen[k] = make([]uint64, (count+63)/64)
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != dir && (strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return c.readFile(dir, path)
	})
	if err != nil {
		return fmt.Errorf("check seqcount: %w", err)
	}
	c.reportMissing()
	if c.problems == 0 {
		return nil
	}
	msg := fmt.Sprintf("seqcount output in %s is not exactly once: %d problems:\n%s", dir, c.problems, strings.Join(c.reported, "\n"))
	if more := c.problems - len(c.reported); more > 0 {
		msg += fmt.Sprintf("\n... and %d more", more)
	}
	return errors.New(msg)
}

// seqChecker holds, per key, a bit per seq seen.
type seqChecker struct {
	keys, count int
	seen        [][]uint64
	problems    int
	reported    []string
}

func (c *seqChecker) report(format string, args ...any) {
	c.problems++
	if len(c.reported) < maxReported {
		c.reported = append(c.reported, fmt.Sprintf(format, args...))
	}
}

func (c *seqChecker) readFile(dir, path string) error {
	name, err := filepath.Rel(dir, path)
	if err != nil {
		name = path
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	in := bufio.NewScanner(f)
	for n := 1; in.Scan(); n++ {
		c.checkLine(name, n, in.Text())
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

func (c *seqChecker) checkLine(file string, n int, line string) {
	f := strings.Split(line, ",")
	if len(f) != 3 {
		c.report("%s:%d: %q: want key,seq,count", file, n, line)
		return
	}
	key, errK := strconv.Atoi(strings.TrimPrefix(f[0], "k"))
	seq, errS := strconv.Atoi(f[1])
	cnt, errC := strconv.Atoi(f[2])
	switch {
	case errK != nil || key < 0 || key >= c.keys || f[0] != keyName(key):
		c.report("%s:%d: %q: key %q is not one of k0 to k%d", file, n, line, f[0], c.keys-1)
	case errS != nil || seq < 1 || seq > c.count || f[1] != strconv.Itoa(seq):
		c.report("%s:%d: %q: seq %q is not in 1 to %d", file, n, line, f[1], c.count)
	case errC != nil:
		c.report("%s:%d: %q: count %q is not a number", file, n, line, f[2])
	default:
		if cnt != seq {
			c.report("%s:%d: %q: count %d, want %d: the count state lost or double-counted records", file, n, line, cnt, seq)
		}
		word, bit := (seq-1)/64, uint64(1)<<((seq-1)%64)
		if c.seen[key][word]&bit != 0 {
			c.report("%s:%d: key k%d seq %d again: a duplicate", file, n, key, seq)
		}
		c.seen[key][word] |= bit
	}
}

// reportMissing reports, per key, the seqs never seen, as ranges.
func (c *seqChecker) reportMissing() {
	for k, bits := range c.seen {
		var ranges []string
		missing := 0
		for seq := 1; seq <= c.count; {
			if bits[(seq-1)/64]&(1<<((seq-1)%64)) != 0 {
				seq++
				continue
			}
			first := seq
			for seq <= c.count && bits[(seq-1)/64]&(1<<((seq-1)%64)) == 0 {
				seq++
			}
			missing += seq - first
			switch {
			case len(ranges) == 5:
				ranges = append(ranges, "...")
			case len(ranges) > 5:
			case seq-1 == first:
				ranges = append(ranges, strconv.Itoa(first))
			default:
				ranges = append(ranges, fmt.Sprintf("%d-%d", first, seq-1))
			}
		}
		if missing > 0 {
			c.report("key k%d: %d of %d seqs missing: %s", k, missing, c.count, strings.Join(ranges, ", "))
		}
	}
}
