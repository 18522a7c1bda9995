package pipeline

import (
	"fmt"
	"strconv"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// summary is the job summary: the target, the functions, and what went into the zip.
func summary(p *Plan, out report.Outputs, set *resolution, pkg *build.Result, rel *released) string {
	var md report.Markdown
	md.Heading(2, "Lithops runtime "+p.RuntimeName)
	md.Paragraph(fmt.Sprintf("Python %s on FC runtime `%s` (glibc %s, FC API %s), Lithops %s. Deployed: **%s**. Smoke: %s.",
		out.PythonVersion, out.FCRuntime, p.Glibc, p.API, out.LithopsVersion, out.Deployed, out.SmokeResult))

	fns := report.Table{Columns: []report.Column{{Title: "memory (MB)", Right: true}, {Title: "function", Code: true}, {Title: "deployed"}, {Title: "runtime key", Code: true}}}
	if rel != nil {
		for _, f := range rel.functions {
			fns.Rows = append(fns.Rows, []string{strconv.Itoa(f.Memory), f.Name, string(f.Deployed), f.RuntimeKey})
		}
	} else {
		for _, f := range p.Functions {
			fns.Rows = append(fns.Rows, []string{strconv.Itoa(f.MemoryMB), f.Name, "dry-run", ""})
		}
	}
	md.Table(fns)

	md.Paragraph(fmt.Sprintf("`runtime.zip`: %s (%s, sha256 `%s`, codeChecksum `%s`), %d distributions, %d entries.",
		size(pkg.Size), pkg.Delivery, pkg.SHA256, pkg.CodeChecksum, len(pkg.Distributions), pkg.Entries))
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
