package expr

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Java date patterns, as DATE_FORMAT and TO_TIMESTAMP take them (Flink
// uses java.time's DateTimeFormatter): a run of one letter is one field,
// 'text' is literal text ('' a quote), other characters are literal.
//
//	y    year (yy: two digits, else padded to the run's length)
//	M    month (M, MM; MMM Jan; MMMM January)
//	d    day of month           D  day of year
//	H    hour 0-23              h  hour 1-12      a  AM/PM
//	m    minute                 s  second
//	S    fraction of a second, as many digits as S's
//	E    day of week (EEE Mon; EEEE Monday)

// dateTok is one field (letter ≠ 0, repeated n times) or literal text.
type dateTok struct {
	letter byte
	n      int
	text   string
}

// parseDatePattern splits a pattern into fields and literal text.
func parseDatePattern(p string) ([]dateTok, error) {
	var toks []dateTok
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(p) {
					return nil, fmt.Errorf("date pattern %q: unterminated quote", p)
				}
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						b.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				b.WriteByte(p[j])
				j++
			}
			if j == i+1 {
				b.WriteByte('\'') // '' outside quotes is a quote
			}
			toks = append(toks, dateTok{text: b.String()})
			i = j + 1
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			if !strings.ContainsRune("yMdDHhmsSaE", rune(c)) {
				return nil, fmt.Errorf("date pattern %q: unsupported letter %q", p, c)
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			if c == 'S' && j-i > 9 {
				return nil, fmt.Errorf("date pattern %q: at most 9 S", p)
			}
			toks = append(toks, dateTok{letter: c, n: j - i})
			i = j
		default:
			toks = append(toks, dateTok{text: p[i : i+1]})
			i++
		}
	}
	return toks, nil
}

// formatDate appends t's wall clock formatted by toks.
func formatDate(buf []byte, toks []dateTok, t time.Time) []byte {
	num := func(v, n int) {
		s := strconv.Itoa(v)
		for i := len(s); i < n; i++ {
			buf = append(buf, '0')
		}
		buf = append(buf, s...)
	}
	for _, k := range toks {
		switch k.letter {
		case 0:
			buf = append(buf, k.text...)
		case 'y':
			if k.n == 2 {
				num(t.Year()%100, 2)
			} else {
				num(t.Year(), k.n)
			}
		case 'M':
			switch {
			case k.n == 3:
				buf = append(buf, t.Month().String()[:3]...)
			case k.n > 3:
				buf = append(buf, t.Month().String()...)
			default:
				num(int(t.Month()), k.n)
			}
		case 'd':
			num(t.Day(), k.n)
		case 'D':
			num(t.YearDay(), k.n)
		case 'H':
			num(t.Hour(), k.n)
		case 'h':
			num((t.Hour()+11)%12+1, k.n)
		case 'm':
			num(t.Minute(), k.n)
		case 's':
			num(t.Second(), k.n)
		case 'S':
			f := fmt.Sprintf("%09d", t.Nanosecond())
			buf = append(buf, f[:k.n]...)
		case 'a':
			if t.Hour() < 12 {
				buf = append(buf, "AM"...)
			} else {
				buf = append(buf, "PM"...)
			}
		case 'E':
			if k.n > 3 {
				buf = append(buf, t.Weekday().String()...)
			} else {
				buf = append(buf, t.Weekday().String()[:3]...)
			}
		}
	}
	return buf
}

// parseDate reads s as the pattern toks describes, as a UTC wall clock;
// missing fields are those of 1970-01-01 00:00:00. Numeric fields read as
// many digits as the run is long (at least, for a run of one, and 4 for a
// year), so that adjacent fields (yyyyMMdd) split.
func parseDate(toks []dateTok, s string) (time.Time, bool) {
	y, mo, d, h, mi, sec, ns := 1970, 1, 1, 0, 0, 0, 0
	pm, half := false, false
	i := 0
	digits := func(lo, hi int) (int, bool) {
		start := i
		for i < len(s) && i-start < hi && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i-start < lo {
			return 0, false
		}
		v, _ := strconv.Atoi(s[start:i])
		return v, true
	}
	word := func(words []string) (int, bool) {
		for k, w := range words {
			if len(s)-i >= len(w) && strings.EqualFold(s[i:i+len(w)], w) {
				i += len(w)
				return k, true
			}
		}
		return 0, false
	}
	for _, k := range toks {
		lo, hi := k.n, max(k.n, 2)
		var ok bool
		switch k.letter {
		case 0:
			ok = strings.HasPrefix(s[i:], k.text)
			i += len(k.text)
		case 'y':
			if k.n == 2 {
				y, ok = digits(2, 2)
				y += 2000
			} else {
				y, ok = digits(min(k.n, 4), max(k.n, 4))
			}
		case 'M':
			if k.n >= 3 {
				mo, ok = word(monthNames)
				mo = mo%12 + 1
			} else {
				mo, ok = digits(lo, hi)
			}
		case 'd':
			d, ok = digits(lo, hi)
		case 'D':
			_, ok = digits(lo, max(k.n, 3))
		case 'H':
			h, ok = digits(lo, hi)
		case 'h':
			h, ok = digits(lo, hi)
			half = true
		case 'm':
			mi, ok = digits(lo, hi)
		case 's':
			sec, ok = digits(lo, hi)
		case 'S':
			ns, ok = digits(k.n, k.n)
			for range 9 - k.n {
				ns *= 10
			}
		case 'a':
			var w int
			w, ok = word([]string{"AM", "PM"})
			pm = w == 1
		case 'E':
			_, ok = word(dayNames)
		}
		if !ok || i > len(s) {
			return time.Time{}, false
		}
	}
	if i != len(s) {
		return time.Time{}, false
	}
	if half {
		if h < 1 || h > 12 {
			return time.Time{}, false
		}
		h %= 12
		if pm {
			h += 12
		}
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if mo < 1 || mo > 12 || t.Day() != d || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	return t, true
}

// monthNames and dayNames are the full names first (so that a prefix
// does not match a longer name early), then the short ones.
var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December",
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)
