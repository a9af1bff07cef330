// Package public holds what the browser receives besides data: the page
// templates and the static assets (CSS, JavaScript modules, images). Both
// are embedded in the binary so that a deployment is one file and no page
// ever loads anything from outside the site.
package public

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
)

//go:embed static templates
var files embed.FS

// Pages lists every page template; ParseTemplates fails when one of them
// is missing or does not define its "content" block, so a broken page
// stops start-up instead of failing on its first visitor.
var Pages = []string{
	"home", "pin", "pin_form", "groups", "group", "group_form",
	"profile", "profile_edit", "account_delete", "pinlist",
	"notifications", "signup", "login", "error", "people", "search",
}

// Static returns the static assets, rooted so that "css/site.css" names
// public/static/css/site.css.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		// fs.Sub fails only on an invalid name, and "static" is valid.
		panic(err)
	}
	return sub
}

var (
	versionOnce sync.Once
	version     string
)

// Version is a short hash of every static file. Pages link assets under
// /static/v/<Version>/…, which may be cached forever: a new build changes
// the prefix. A prefix rather than a per-file hash keeps the relative
// imports between ES modules working without a build step.
func Version() string {
	versionOnce.Do(func() {
		h := sha256.New()
		var names []string
		_ = fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, p)
			}
			return err
		})
		sort.Strings(names)
		for _, n := range names {
			b, _ := files.ReadFile(n)
			fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
			h.Write(b)
		}
		version = hex.EncodeToString(h.Sum(nil))[:12]
	})
	return version
}

// ParseTemplates parses the shared layout.html and partials.html once
// (names without a leading underscore: go:embed skips those), then each
// page on a clone of them, with funcs available to all. The result maps a
// page name from Pages to a template whose "layout" renders the page.
func ParseTemplates(funcs template.FuncMap) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, fmt.Errorf("public: parse layout: %w", err)
	}
	out := make(map[string]*template.Template, len(Pages))
	for _, name := range Pages {
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		t, err := clone.ParseFS(files, path.Join("templates", name+".html"))
		if err != nil {
			return nil, fmt.Errorf("public: parse page %q: %w", name, err)
		}
		for _, block := range []string{"layout", "content", "title"} {
			if t.Lookup(block) == nil {
				return nil, fmt.Errorf("public: page %q does not define %q", name, block)
			}
		}
		out[name] = t
	}
	if err := noStrayPages(); err != nil {
		return nil, err
	}
	return out, nil
}

// noStrayPages reports a page template file that Pages does not list: it
// would never be parsed, so its mistakes would go unnoticed.
func noStrayPages() error {
	all, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(Pages))
	for _, p := range Pages {
		known[p] = true
	}
	for _, f := range all {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name != "layout" && name != "partials" && !known[name] {
			return fmt.Errorf("public: template %s is not listed in Pages", f)
		}
	}
	return nil
}

// Templates returns the template sources, rooted at public/templates.
func Templates() fs.FS {
	sub, err := fs.Sub(files, "templates")
	if err != nil {
		panic(err) // as in Static: the name is valid
	}
	return sub
}
