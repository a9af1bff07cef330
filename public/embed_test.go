package public

import (
	"html/template"
	"io/fs"
	"testing"
)

// stubFuncs stands in for the functions the handlers provide, so that the
// templates can be parsed here without them.
func stubFuncs() template.FuncMap {
	s := func(...any) string { return "" }
	return template.FuncMap{
		"t": s, "tf": s, "tn": s, "word": s, "date": s, "iso": s, "note": s, "thumb": s, "detail": s, "avatar": s,
		"join":    func([]string, string) string { return "" },
		"dict":    func(...any) map[string]any { return nil },
		"has":     func(any, any) bool { return false },
		"card":    func(any) string { return "" },
		"cards":   func(any) string { return "" },
		"comment": func(any, any) string { return "" },
		"jsText":  func() map[string]string { return nil },

		"cardTemplate":     func() map[string]string { return nil },
		"commentTemplates": func(any) []map[string]string { return nil },
	}
}

func TestParseTemplatesDefinesEveryPage(t *testing.T) {
	ts, err := ParseTemplates(stubFuncs())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Pages {
		if ts[p] == nil || ts[p].Lookup("content") == nil || ts[p].Lookup("layout") == nil {
			t.Errorf("page %q is not fully defined", p)
		}
	}
}

func TestParseTemplatesFailsWithoutFuncs(t *testing.T) {
	if _, err := ParseTemplates(template.FuncMap{}); err == nil {
		t.Fatal("templates parsed without their functions")
	}
}

func TestStaticAssets(t *testing.T) {
	for _, name := range []string{"css/site.css", "js/app.js", "js/util.js", "js/grid.js", "js/live.js", "js/actions.js", "js/upload.js", "js/save.js", "js/presence.js", "img/avatar.svg", "img/logo.svg"} {
		if _, err := fs.Stat(Static(), name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	v := Version()
	if len(v) != 12 || v != Version() {
		t.Errorf("Version() = %q, not a stable 12-digit hash", v)
	}
}
