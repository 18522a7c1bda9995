package report

import (
	"fmt"
	"os"
	"strings"
)

// MaxSummaryBytes is the runner's limit for one step's summary (larger ones are dropped
// whole, so AddSummary truncates instead).
const MaxSummaryBytes = 1 << 20

// AddSummary appends markdown to $GITHUB_STEP_SUMMARY, with masked secrets and URL
// credentials replaced (nothing is cut: the summary is the action's own text). What
// would take the step's summary past MaxSummaryBytes is cut at a line end, with a note.
// Without GITHUB_STEP_SUMMARY (outside Actions) it does nothing.
func (r *Reporter) AddSummary(markdown string) error {
	path := r.getenv("GITHUB_STEP_SUMMARY")
	if path == "" {
		return nil
	}
	var used int64
	if st, err := os.Stat(path); err == nil {
		used = st.Size()
	}
	md := r.out.redact(markdown)
	if !strings.HasSuffix(md, "\n") {
		md += "\n"
	}
	const note = "\n_(summary truncated: GitHub keeps at most 1 MiB per step)_\n"
	if room := MaxSummaryBytes - used; int64(len(md)) > room {
		cut := room - int64(len(note))
		if cut <= 0 {
			return nil
		}
		md = md[:cut]
		if i := strings.LastIndexByte(md, '\n'); i >= 0 {
			md = md[:i+1]
		}
		md += note
	}
	if err := appendFile(path, md); err != nil {
		return fmt.Errorf("summary: GITHUB_STEP_SUMMARY: %w", err)
	}
	return nil
}

// Markdown builds a job summary.
type Markdown struct{ b strings.Builder }

// Heading adds a heading of level 1 to 6 with escaped text.
func (m *Markdown) Heading(level int, text string) *Markdown {
	level = min(max(level, 1), 6)
	fmt.Fprintf(&m.b, "%s %s\n\n", strings.Repeat("#", level), Escape(oneLine(text)))
	return m
}

// Paragraph adds escaped text as a paragraph.
func (m *Markdown) Paragraph(text string) *Markdown {
	m.b.WriteString(Escape(text) + "\n\n")
	return m
}

// Table adds a table.
func (m *Markdown) Table(t Table) *Markdown {
	m.b.WriteString(t.Markdown() + "\n")
	return m
}

// Details adds a collapsed section whose body is markdown the caller built (e.g. with
// another Markdown).
func (m *Markdown) Details(summary, body string) *Markdown {
	fmt.Fprintf(&m.b, "<details><summary>%s</summary>\n\n%s\n</details>\n\n", escapeHTML(oneLine(summary)), body)
	return m
}

// Raw adds markdown the caller rendered and escaped itself (e.g. pylock's change table).
func (m *Markdown) Raw(markdown string) *Markdown {
	m.b.WriteString(strings.TrimRight(markdown, "\n") + "\n\n")
	return m
}

func (m *Markdown) String() string { return m.b.String() }

// Column is a table column: its title, whether cells are code spans, and alignment.
type Column struct {
	Title string
	Code  bool
	Right bool
}

// Table is a GitHub-flavoured markdown table; cells are plain text, escaped when rendered.
type Table struct {
	Columns []Column
	Rows    [][]string
}

// Markdown renders the table. Rows shorter than the header are padded; longer rows are cut.
func (t Table) Markdown() string {
	var b strings.Builder
	b.WriteString("|")
	for _, c := range t.Columns {
		b.WriteString(" " + Cell(c.Title) + " |")
	}
	b.WriteString("\n|")
	for _, c := range t.Columns {
		if c.Right {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	for _, row := range t.Rows {
		b.WriteString("|")
		for i, c := range t.Columns {
			v := ""
			if i < len(row) {
				v = row[i]
			}
			if c.Code {
				v = CodeCell(v)
			} else {
				v = Cell(v)
			}
			b.WriteString(" " + v + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Escape makes text literal in markdown: markdown punctuation is backslash-escaped and
// HTML special characters become entities, so names and messages render as written.
func Escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '#', '|', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Cell escapes text for a table cell: as Escape, with line breaks as <br>.
func Cell(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Escape(l)
	}
	return strings.Join(lines, "<br>")
}

// CodeCell renders s as a code span fit for a table cell: a fence longer than any run of
// backticks in s, pipes escaped (GFM splits cells before parsing spans), line breaks as
// spaces. Empty s renders empty.
func CodeCell(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\r", " ")), " ")
	if s == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	s = strings.ReplaceAll(s, "|", `\|`)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// CodeBlock adds text as a fenced code block (lang may be ""), fenced with more
// backticks than any run inside text, so text cannot end it.
func (m *Markdown) CodeBlock(lang, text string) *Markdown {
	fence, run := 3, 0
	for _, c := range text {
		if c == '`' {
			run++
			fence = max(fence, run+1)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", fence)
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	fmt.Fprintf(&m.b, "%s%s\n%s%s\n\n", f, oneLine(lang), text, f)
	return m
}
