package pipeline

import (
	"fmt"
	"strconv"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// summary is the job summary: the target, the functions, and what went into the zip.
func summary(p *Plan, out report.Outputs, set *resolution, pkg *build.Result) string {
	var md report.Markdown
	md.Heading(2, "Lithops runtime "+p.RuntimeName)
	// Paragraphs are escaped text: facts that want code spans go in tables.
	md.Table(report.Table{
		Columns: []report.Column{{Title: "Python"}, {Title: "FC runtime", Code: true}, {Title: "glibc"}, {Title: "FC API"}, {Title: "Lithops"}, {Title: "deployed"}, {Title: "smoke"}},
		Rows:    [][]string{{out.PythonVersion, out.FCRuntime, p.Glibc.String(), string(p.API), out.LithopsVersion, string(out.Deployed), out.SmokeResult}},
	})

	fns := report.Table{Columns: []report.Column{{Title: "memory (MB)", Right: true}, {Title: "function", Code: true}, {Title: "deployed"}, {Title: "runtime key", Code: true}}}
	for _, f := range out.Functions {
		fns.Rows = append(fns.Rows, []string{strconv.Itoa(f.Memory), f.Name, string(f.Deployed), f.RuntimeKey})
	}
	md.Table(fns)

	md.Table(report.Table{
		Columns: []report.Column{{Title: "package", Code: true}, {Title: "size", Right: true}, {Title: "delivery"}, {Title: "sha256", Code: true}, {Title: "codeChecksum", Code: true}, {Title: "distributions", Right: true}, {Title: "entries", Right: true}},
		Rows:    [][]string{{out.PackagePath, size(pkg.Size), string(pkg.Delivery), pkg.SHA256, pkg.CodeChecksum, strconv.Itoa(len(pkg.Distributions)), strconv.Itoa(pkg.Entries)}},
	})
	dists := report.Table{Columns: []report.Column{{Title: "distribution"}, {Title: "version"}, {Title: "wheel tag", Code: true}, {Title: "size in zip", Right: true}, {Title: "why"}}}
	for _, d := range pkg.Distributions {
		dists.Rows = append(dists.Rows, []string{d.Name, d.Version, d.Tag, size(d.Compressed), set.explain(d.Name)})
	}
	md.Details(fmt.Sprintf("Distributions (%d)", len(pkg.Distributions)), dists.Markdown())
	if len(pkg.Excluded) > 0 {
		md.Paragraph(fmt.Sprintf("Resolved but left out (exclude): %v", pkg.Excluded))
	}
	return md.String()
}

// planSummary is what a run set out to build: the target and the functions.
func planSummary(md *report.Markdown, p *Plan) {
	md.Table(report.Table{
		Columns: []report.Column{{Title: "Python"}, {Title: "FC runtime", Code: true}, {Title: "glibc"}, {Title: "FC API"}, {Title: "Lithops"}},
		Rows:    [][]string{{p.Python.Version, p.Runtime.Name, p.Glibc.String(), string(p.API), p.Lithops.Version()}},
	})
	fns := report.Table{Columns: []report.Column{{Title: "memory (MB)", Right: true}, {Title: "function", Code: true}}}
	for _, f := range p.Functions {
		fns.Rows = append(fns.Rows, []string{strconv.Itoa(f.MemoryMB), f.Name})
	}
	md.Table(fns)
}

// packageSummary is the runtime package built, and what went into it.
func packageSummary(md *report.Markdown, p *Plan, pkg *build.Result) {
	md.Table(report.Table{
		Columns: []report.Column{{Title: "package", Code: true}, {Title: "size", Right: true}, {Title: "sha256", Code: true}, {Title: "distributions", Right: true}},
		Rows:    [][]string{{p.Config.Rel(pkg.ZipPath), size(pkg.Size), pkg.SHA256, strconv.Itoa(len(pkg.Distributions))}},
	})
}
