package integration

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// joinInput is the orders and customers the join test writes: some orders
// name a customer that does not exist or none at all (NULL), and some
// customers have no orders.
type joinInput struct {
	orders    [][3]string // id, customer ("" for NULL), amount
	customers [][2]string // id, name
}

func writeJoinInput(t *testing.T, ordersDir, customersDir string) joinInput {
	t.Helper()
	var in joinInput
	names := []string{"ann", "bob", "cid", "dee", "eve", "fay"}
	for i, n := range names {
		if i == 4 {
			continue // customer 4 never arrives: its orders stay unmatched
		}
		in.customers = append(in.customers, [2]string{fmt.Sprint(i), n})
	}
	for i := range 400 {
		cust := fmt.Sprint(i % 7) // 0..6: 4 and 6 have no customer row
		if i%50 == 0 {
			cust = ""
		}
		in.orders = append(in.orders, [3]string{fmt.Sprint(i), cust, fmt.Sprint(i%13 + 1)})
	}
	// Two files per table, so that two source subtasks interleave them.
	write := func(dir string, rows [][]string) {
		for f := range 2 {
			var b strings.Builder
			for i := f; i < len(rows); i += 2 {
				b.WriteString(strings.Join(rows[i], ",") + "\n")
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.csv", f)), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var o, c [][]string
	for _, r := range in.orders {
		o = append(o, r[:])
	}
	for _, r := range in.customers {
		c = append(c, r[:])
	}
	write(ordersDir, o)
	write(customersDir, c)
	return in
}

// tableauRows reads the changelog rows of the tableau output of the
// statement whose header has the given columns, each as its kind and
// cells.
func tableauRows(out string, header ...string) [][]string {
	var rows [][]string
	in := false
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		cells := strings.Split(strings.Trim(sc.Text(), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) == len(header)+1 && cells[0] == "op" {
			in = slices.Equal(cells[1:], header)
			continue
		}
		if in && len(cells) == len(header)+1 && slices.Contains([]string{"+I", "-U", "+U", "-D"}, cells[0]) {
			rows = append(rows, cells)
		}
	}
	return rows
}

// applyChangelog applies changelog rows to a multiset of rows.
func applyChangelog(t *testing.T, rows [][]string) map[string]int {
	t.Helper()
	set := map[string]int{}
	for _, r := range rows {
		key := strings.Join(r[1:], ",")
		switch r[0] {
		case "+I", "+U":
			set[key]++
		default:
			if set[key] == 0 {
				t.Errorf("%s retracts %s, which is not in the result", r[0], key)
			}
			if set[key]--; set[key] == 0 {
				delete(set, key)
			}
		}
	}
	return set
}

// TestProcessSQLJoins runs regular joins in SQL on 3 node processes, at
// parallelism 2 over two files per table, and checks them against joins
// computed here: an inner join followed by an aggregation, a left join
// read back as a changelog, whose padded rows must be retracted when
// their match arrives, and a left join followed by an aggregation (which
// takes those retractions in).
func TestProcessSQLJoins(t *testing.T) {
	needBinary(t)
	c := NewProcCluster(t, binary, 3)
	leader := c.WaitForLeader(0, 1, 2)
	addr := c.Procs[(leader+2)%3].HTTPURL()

	ordersDir, customersDir := t.TempDir(), t.TempDir()
	in := writeJoinInput(t, ordersDir, customersDir)
	script := fmt.Sprintf(`CREATE TABLE orders (id BIGINT, customer BIGINT, amount BIGINT)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
CREATE TABLE customers (id BIGINT, name STRING)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');
SET 'parallelism.default' = '2';
SET 'sql-client.execution.result-mode' = 'tableau';
SELECT c.name, COUNT(*) AS n, SUM(o.amount) AS total
FROM orders AS o JOIN customers AS c ON o.customer = c.id
GROUP BY c.name;
SELECT o.id AS order_id, c.name AS customer_name, c.id
FROM orders o LEFT JOIN customers c ON o.customer = c.id;
SELECT COALESCE(c.name, 'nobody') AS who, COUNT(*) AS orders_n, SUM(o.amount) AS spent
FROM orders o LEFT JOIN customers c ON o.customer = c.id
GROUP BY COALESCE(c.name, 'nobody');
`, ordersDir, customersDir)
	out, err := runSQL(t, addr, script)
	if err != nil {
		t.Fatalf("runnel sql -f: %v\n%s", err, out)
	}

	names := map[string]string{}
	for _, cu := range in.customers {
		names[cu[0]] = cu[1]
	}
	wantAgg := map[string]int{}
	totals := map[string][2]int{}
	wantLeft := map[string]int{}
	leftTotals := map[string][2]int{}
	for _, o := range in.orders {
		var amount int
		fmt.Sscan(o[2], &amount)
		who, ok := names[o[1]]
		if !ok {
			who = "nobody"
		}
		lt := leftTotals[who]
		leftTotals[who] = [2]int{lt[0] + 1, lt[1] + amount}
		name, ok := names[o[1]]
		if !ok {
			wantLeft[o[0]+",<NULL>,<NULL>"]++
			continue
		}
		wantLeft[o[0]+","+name+","+o[1]]++
		tt := totals[name]
		totals[name] = [2]int{tt[0] + 1, tt[1] + amount}
	}
	for name, tt := range totals {
		wantAgg[fmt.Sprintf("%s,%d,%d", name, tt[0], tt[1])] = 1
	}

	if got := applyChangelog(t, tableauRows(out, "name", "n", "total")); !maps.Equal(got, wantAgg) {
		t.Errorf("inner join then GROUP BY: %v, want %v\n%s", got, wantAgg, out)
	}
	left := tableauRows(out, "order_id", "customer_name", "id")
	if got := applyChangelog(t, left); !maps.Equal(got, wantLeft) {
		t.Errorf("left join: %d rows, want %d; differing: %v", len(got), len(wantLeft), diffSets(got, wantLeft))
	}
	wantLeftAgg := map[string]int{}
	for who, tt := range leftTotals {
		wantLeftAgg[fmt.Sprintf("%s,%d,%d", who, tt[0], tt[1])] = 1
	}
	if got := applyChangelog(t, tableauRows(out, "who", "orders_n", "spent")); !maps.Equal(got, wantLeftAgg) {
		t.Errorf("left join then GROUP BY: %v, want %v", got, wantLeftAgg)
	}
	kinds := map[string]bool{}
	for _, r := range left {
		kinds[r[0]] = true
	}
	if !kinds["-D"] {
		t.Logf("the left join retracted no padded row: every customer arrived before its orders (kinds %v)", slices.Collect(maps.Keys(kinds)))
	}
}

// diffSets lists the rows whose counts differ.
func diffSets(got, want map[string]int) []string {
	var out []string
	for k, n := range got {
		if want[k] != n {
			out = append(out, fmt.Sprintf("%s: %d, want %d", k, n, want[k]))
		}
	}
	for k, n := range want {
		if _, ok := got[k]; !ok {
			out = append(out, fmt.Sprintf("%s: missing, want %d", k, n))
		}
	}
	slices.Sort(out)
	return out
}
