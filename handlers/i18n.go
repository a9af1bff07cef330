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

// N is Tf for a count: English says "1 pin" but "2 pins", so a key may
// have a ".one" form used for exactly one. Korean has no plural, and its
// catalog no ".one" keys; they are looked up in this language only, never
// in the English fallback.
func (tr translator) N(key string, n int64) string {
	return fmt.Sprintf(tr.Word(key, n), n)
}

// Word is the text of key for a count of n, without formatting it: the
// label beside a number the page shows (and the script updates) itself.
func (tr translator) Word(key string, n int64) string {
	if n == 1 {
		if v, ok := tr.m[key+".one"]; ok {
			return v
		}
	}
	return tr.T(key)
}

// Reason words why field was refused in this language; an unknown code
// is shown as it is.
func (tr translator) Reason(field string, why store.Reason) string {
	if text, ok := tr.reasonText(field, why.Code); ok {
		return fillReason(text, why)
	}
	return why.Code
}

// reasonText is the text of code with its placeholders. A field may have
// its own wording ("err.email.required"), tried before the code's
// ("err.required"); field is "" for an error's own Reason. English stands
// in for a text this language lacks.
func (tr translator) reasonText(field, code string) (string, bool) {
	keys := []string{"err." + code}
	if field != "" {
		keys = []string{"err." + field + "." + code, keys[0]}
	}
	for _, m := range []map[string]string{tr.m, catalog[languages[0]]} {
		for _, k := range keys {
			if v, ok := m[k]; ok {
				return v, true
			}
		}
	}
	return "", false
}

// Date formats t the way the language writes dates.
func (tr translator) Date(t time.Time) string {
	if tr.lang == "ko" {
		return t.Local().Format("2006년 1월 2일 15:04")
	}
	return t.Local().Format("Jan 2, 2006 15:04")
}

// Note describes a notification in a sentence whose actor's nickname
// links to their profile. The sentence is escaped around the link, so the
// result is safe HTML.
func (tr translator) Note(n store.NotificationView) template.HTML {
	before, after, _ := strings.Cut(tr.T("note."+n.Kind), "%s")
	link := `<a class="actor" href="/users/` + n.Actor.ID.Hex() + `">` + template.HTMLEscapeString(n.Actor.Nickname) + `</a>`
	return template.HTML(template.HTMLEscapeString(before) + link + template.HTMLEscapeString(after))
}

// jsTexts are the texts the browser scripts show, keyed without the
// "js." prefix, plus the reasons the API gives for a refused field: the
// scripts get the API's English, so each fixed wording comes keyed
// "err:<English>" with its translation, and too_long, whose number
// varies, as "err.atmost" with %d. The layout hands them over in a
// <template>. A ".one" form is taken from this language only (see N).
func (tr translator) jsTexts() map[string]string {
	out := map[string]string{}
	for i, m := range []map[string]string{catalog[languages[0]], tr.m} {
		for k, v := range m {
			if strings.HasSuffix(k, ".one") && i == 0 && tr.lang != languages[0] {
				continue
			}
			if name, ok := strings.CutPrefix(k, "js."); ok {
				out[name] = v
			}
		}
	}
	for code, english := range apiReasons {
		if !strings.Contains(english, "{") {
			out["err:"+english] = tr.Reason("", store.Reason{Code: code})
		}
	}
	for key, english := range apiFieldReasons {
		field, code, _ := strings.Cut(key, " ")
		if !strings.Contains(english, "{") {
			out["err:"+english] = tr.Reason(field, store.Reason{Code: code})
		}
	}
	// Refusals of a whole request come as the error's message.
	for _, e := range []*store.Error{store.ErrAlreadyInGroup} {
		out["err:"+e.Message] = tr.Reason("", e.Reason)
	}
	if text, ok := tr.reasonText("", store.ReasonTooLong); ok {
		out["err.atmost"] = strings.ReplaceAll(text, "{max}", "%d")
	}
	return out
}

// funcs returns the template functions of this language on top of the
// shared ones.
func (tr translator) funcs(shared template.FuncMap) template.FuncMap {
	fm := maps.Clone(shared)
	fm["t"] = tr.T
	fm["tf"] = tr.Tf
	fm["tn"] = func(key string, n int64) string { return tr.N(key, n) }
	fm["word"] = func(key string, n int64) string { return tr.Word(key, n) }
	fm["date"] = tr.Date
	fm["note"] = tr.Note
	texts := tr.jsTexts()
	fm["jsText"] = func() map[string]string { return texts }
	return fm
}
