package handlers

import (
	"fmt"
	"html/template"
	"maps"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"mypinterest/store"
)

// Languages the pages speak. The first is the fallback for a text that
// one language lacks and for visitors whose Accept-Language names neither.
var languages = []string{"en", "ko"}

// langCookie keeps the language chosen with the switch in the page header.
// It is set by a plain link (GET /lang/:code) rather than a form: it only
// records a display preference, changes no data and needs no session, so
// it works for anonymous visitors and without JavaScript, and a forged
// request can do nothing worse than change the language of the next page.
const langCookie = "lang"

// langOf picks the page language: the switch's cookie first, then the
// browser's Accept-Language, then English.
func langOf(c *fiber.Ctx) string {
	if l := c.Cookies(langCookie); catalog[l] != nil {
		return l
	}
	if l := c.AcceptsLanguages(languages...); l != "" {
		// Fiber answers with the offer as written; "ko-KR" matched "ko".
		return strings.ToLower(l[:2])
	}
	return languages[0]
}

// translator renders the texts of one language.
type translator struct {
	lang string
	m    map[string]string
}

func newTranslator(lang string) translator {
	return translator{lang: lang, m: catalog[lang]}
}

// T returns the text of key, falling back to English and then to the key
// itself, so that a missing text shows up in review rather than as a
// blank.
func (tr translator) T(key string) string {
	if v, ok := tr.m[key]; ok {
		return v
	}
	if v, ok := catalog[languages[0]][key]; ok {
		return v
	}
	return key
}

// Tf formats the text of key with args.
func (tr translator) Tf(key string, args ...any) string {
	return fmt.Sprintf(tr.T(key), args...)
}

// Err translates the English reason the store gave for refusing a field.
// Unknown reasons are shown as they are: English beats nothing.
func (tr translator) Err(msg string) string {
	if v, ok := tr.m["err:"+msg]; ok {
		return v
	}
	var n int
	if _, err := fmt.Sscanf(msg, "at most %d characters", &n); err == nil {
		return tr.Tf("err.atmost", n)
	}
	return msg
}

// Date formats t the way the language writes dates.
func (tr translator) Date(t time.Time) string {
	if tr.lang == "ko" {
		return t.Local().Format("2006년 1월 2일 15:04")
	}
	return t.Local().Format("Jan 2, 2006 15:04")
}

// Note describes a notification in a sentence.
func (tr translator) Note(n store.NotificationView) string {
	return tr.Tf("note."+n.Kind, n.Actor.Nickname)
}

// jsTexts are the texts the browser scripts show, keyed without the
// "js." prefix; the layout hands them over in a <template>.
func (tr translator) jsTexts() map[string]string {
	out := map[string]string{}
	for _, m := range []map[string]string{catalog[languages[0]], tr.m} {
		for k, v := range m {
			if name, ok := strings.CutPrefix(k, "js."); ok {
				out[name] = v
			}
		}
	}
	return out
}

// funcs returns the template functions of this language on top of the
// shared ones.
func (tr translator) funcs(shared template.FuncMap) template.FuncMap {
	fm := maps.Clone(shared)
	fm["t"] = tr.T
	fm["tf"] = tr.Tf
	fm["date"] = tr.Date
	fm["note"] = tr.Note
	texts := tr.jsTexts()
	fm["jsText"] = func() map[string]string { return texts }
	return fm
}
