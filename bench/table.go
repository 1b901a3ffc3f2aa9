//go:build linux

package bench

import (
	"fmt"
	"io"
	"strings"
)

// Table is one Markdown table with a title and notes under it.
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Notes  []string // paragraphs after the table: how it was measured
}

// Add appends a row; cells are formatted with fmt.Sprint.
func (t *Table) Add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	t.Rows = append(t.Rows, row)
}

// Note appends a paragraph under the table.
func (t *Table) Note(format string, args ...any) {
	t.Notes = append(t.Notes, fmt.Sprintf(format, args...))
}

// Markdown writes the table as GitHub-flavoured Markdown.
func (t *Table) Markdown(w io.Writer) {
	if t.Title != "" {
		fmt.Fprintf(w, "## %s\n\n", t.Title)
	}
	if len(t.Header) > 0 {
		fmt.Fprintf(w, "| %s |\n", strings.Join(escape(t.Header), " | "))
		seps := make([]string, len(t.Header))
		for i := range seps {
			seps[i] = "---"
			if i > 0 {
				seps[i] = "---:"
			}
		}
		fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
		for _, r := range t.Rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(escape(r), " | "))
		}
		fmt.Fprintln(w)
	}
	for _, n := range t.Notes {
		fmt.Fprintf(w, "%s\n\n", n)
	}
}

func escape(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}
