package pipeline

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// summary is the job summary: the target, what changes, the functions, and what went
// into the zip.
func (r *run) summary() string {
	p, out, set, pkg := r.plan, r.out, r.set, r.pkg
	var md report.Markdown
	md.Heading(2, "Lithops runtime "+p.RuntimeName)
	if out.Deployed == report.DeployedChecked {
		r.checkSection(&md)
	}
	if p.Lock != nil {
		md.Paragraph("Locked: exactly the wheels of " + p.Lock.Path + ", nothing resolved.")
	}
	// Paragraphs are escaped text: facts that want code spans go in tables.
	md.Table(report.Table{
		Columns: []report.Column{{Title: "Python"}, {Title: "FC runtime", Code: true}, {Title: "glibc"}, {Title: "FC API"}, {Title: "Lithops"}, {Title: "deployed"}, {Title: "smoke"}},
		Rows:    [][]string{{out.PythonVersion, out.FCRuntime, p.Glibc.String(), string(p.API), out.LithopsVersion, string(out.Deployed), out.SmokeResult}},
	})
	r.changes.section(&md)

	r.functionsTable(&md)
	stale := r.stale
	clientSection(&md, p, out, stale)

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
		what := "Resolved but left out (exclude)"
		if p.Lock != nil {
			what = "Left out, as " + p.Lock.Path + " records (exclude)"
		}
		md.Paragraph(fmt.Sprintf("%s: %v", what, pkg.Excluded))
	}
	return md.String()
}

// functionsTable lists the functions of the outputs, with what a deploy would do to
// each after a check.
func (r *run) functionsTable(md *report.Markdown) {
	fns := report.Table{Columns: []report.Column{{Title: "memory (MB)", Right: true}, {Title: "function", Code: true}, {Title: "deployed"}, {Title: "runtime key", Code: true}}}
	for _, f := range r.out.Functions {
		deployed := string(f.Deployed)
		if f.Deployed == report.DeployedChecked {
			deployed += "; " + wouldDo(r.live.Outcome(f.Name))
		}
		fns.Rows = append(fns.Rows, []string{strconv.Itoa(f.Memory), f.Name, deployed, f.RuntimeKey})
	}
	md.Table(fns)
}

// imageSummary is a container runtime's job summary: the target, the functions, the
// image and what went into each of its layers.
func (r *run) imageSummary() string {
	p, out, set, c := r.plan, r.out, r.set, &r.ctr
	var md report.Markdown
	md.Heading(2, "Lithops runtime "+p.RuntimeName)
	if out.Deployed == report.DeployedChecked {
		r.checkSection(&md)
	}
	md.Table(report.Table{
		Columns: []report.Column{{Title: "Python"}, {Title: "FC runtime", Code: true}, {Title: "glibc"}, {Title: "FC API"}, {Title: "Lithops"}, {Title: "deployed"}, {Title: "smoke"}},
		Rows:    [][]string{{out.PythonVersion, out.FCRuntime, p.Glibc.String(), string(p.API), out.LithopsVersion, string(out.Deployed), out.SmokeResult}},
	})
	r.changes.section(&md)
	r.functionsTable(&md)
	clientSection(&md, p, out, r.stale)
	imageTables(&md, p, c)
	dists := report.Table{Columns: []report.Column{{Title: "distribution"}, {Title: "version"}, {Title: "wheel tag", Code: true}, {Title: "layer"}, {Title: "size", Right: true}, {Title: "why"}}}
	for _, d := range c.img.Distributions {
		dists.Rows = append(dists.Rows, []string{d.Name, d.Version, d.Tag, d.Layer, size(d.Size), set.explain(d.Name)})
	}
	md.Details(fmt.Sprintf("Distributions (%d)", len(c.img.Distributions)), dists.Markdown())
	if len(c.excluded) > 0 {
		md.Paragraph(fmt.Sprintf("Resolved but left out (exclude): %v", c.excluded))
	}
	return md.String()
}

// imageTables describe the image: where it is, what it is built on, its layers.
func imageTables(md *report.Markdown, p *Plan, c *containerRun) {
	img := or(c.pinned, p.layoutRef()+" (not pushed: no registry)")
	pushed := "not pushed"
	if c.pushed != nil {
		pushed = fmt.Sprintf("%d blobs (%s) uploaded", c.pushed.Blobs, size(c.pushed.Bytes))
	}
	md.Table(report.Table{
		Columns: []report.Column{{Title: "image (as the functions run it)", Code: true}, {Title: "tag", Code: true}, {Title: "base image", Code: true}, {Title: "base OS"}, {Title: "push"}},
		Rows:    [][]string{{img, or(p.Image, p.layoutRef()), c.base.Ref + "@" + c.base.Digest.String(), or(c.base.OS.PrettyName, c.base.OS.ID), pushed}},
	})
	layers := report.Table{Columns: []report.Column{{Title: "layer"}, {Title: "digest", Code: true}, {Title: "files", Right: true}, {Title: "size", Right: true}, {Title: "uncompressed", Right: true}}}
	for _, l := range c.img.Layers {
		layers.Rows = append(layers.Rows, []string{l.Name, l.Digest.String(), strconv.Itoa(l.Files), size(l.Size), size(l.Uncompressed)})
	}
	md.Table(layers)
	if c.layout != "" {
		md.Paragraph("The image is in " + p.Config.Rel(c.layout) + " (OCI layout), sha256 " + c.layoutSHA256 + ".")
	}
}

// planSummary is what a run set out to build: the target and the functions.
func planSummary(md *report.Markdown, p *Plan) {
	glibc := p.Glibc.String()
	if p.Glibc == (tags.Glibc{}) {
		glibc = "the base image's (not read)" // a container run that failed before its base was read
	}
	md.Table(report.Table{
		Columns: []report.Column{{Title: "Python"}, {Title: "FC runtime", Code: true}, {Title: "glibc"}, {Title: "FC API"}, {Title: "Lithops"}},
		Rows:    [][]string{{p.Python.Version, p.Runtime.Name, glibc, string(p.API), p.Lithops.Version()}},
	})
	fns := report.Table{Columns: []report.Column{{Title: "memory (MB)", Right: true}, {Title: "function", Code: true}}}
	for _, f := range p.Workers {
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

// clientSection says how a Lithops client uses the runtime: which clients may, where the
// metadata is, the configuration that matches this run, and which cached files client
// machines must drop.
func clientSection(md *report.Markdown, p *Plan, out report.Outputs, stale []string) {
	md.Heading(3, "Use it from a Lithops client")
	published := "Runtime metadata published"
	if out.Deployed == report.DeployedDryRun || out.Deployed == report.DeployedChecked {
		published = "A deploy publishes the runtime metadata" // this run published nothing
	}
	md.Paragraph("Clients that can use this runtime: " + p.Lithops.ClientRequirement(out.PythonVersion) +
		"; Lithops refuses any other version or Python at run time.")
	switch {
	case !p.Bucket.publish:
		md.Paragraph("The runtime metadata was not published (publish-metadata: false): a client finds no runtime and deploys its own, replacing these functions.")
	case p.Bucket.name == "":
		md.Paragraph("Storage bucket: not known in a dry run without storage-bucket (a deploy uses Lithops' default bucket for its key).")
	case p.Bucket.dflt:
		md.Paragraph(published + " to " + p.Bucket.name + ", Lithops " + p.Lithops.Version() +
			"'s default bucket for this access key: clients with another key must set it as storage_bucket, as below.")
	default:
		md.Paragraph(published + " to the storage bucket " + p.Bucket.name + ".")
	}
	md.Paragraph("Lithops configuration (~/.lithops/config or LITHOPS_CONFIG_FILE), also in the client-config output:")
	md.CodeBlock("yaml", out.ClientConfig)
	if len(stale) > 0 {
		md.Paragraph("This run changed the runtime: Lithops clients cache its metadata for good. On every machine that used it before, delete:")
		md.CodeBlock("sh", "rm -f "+strings.Join(stale, " \\\n      ")+"\n")
	}
}

// wouldDo says what a deploy would do to a function a check found (deploy.Live.Outcome).
func wouldDo(o deploy.Outcome) string {
	switch o {
	case deploy.Created:
		return "a deploy would create it"
	case deploy.Unchanged:
		return "it already runs this package"
	}
	return "a deploy would update it"
}
