package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NicknameSkeleton is what two nicknames must not share: the form they
// take once everything that only looks different is made the same, so
// that nobody can sign up as "аlice" (Cyrillic а), "ａｌｉｃｅ" (full-width)
// or "ALICE" beside "alice". It is NFKC (compatibility forms: full-width,
// ligatures, superscripts), then Unicode case folding, then the removal of
// invisible format characters (zero-width space and joiners, soft hyphen,
// bidi controls), then a map of the Cyrillic, Greek and Latin letters and
// digits that render like a Latin letter (after UTS #39's confusables,
// limited to those scripts). The skeleton is for comparison only; the
// nickname is shown as typed.
func NicknameSkeleton(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r) && r >= 0x300 && r <= 0x36f {
			// Format characters are invisible; combining marks left
			// after NFKC (a dot or accent over a confusable base) do
			// not make a different name either.
			continue
		}
		if l, ok := confusables[r]; ok {
			r = l
		}
		b.WriteRune(r)
	}
	return b.String()
}

// confusables maps, after case folding, each letter or digit that looks
// like a Latin lower-case letter to that letter.
var confusables = map[rune]rune{
	// Digits and Latin look-alikes.
	'0': 'o', '1': 'l', '|': 'l', 'ı': 'i', 'ɑ': 'a', 'ɡ': 'g', 'ʏ': 'y', 'ɩ': 'i',
	// Cyrillic.
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'һ': 'h', 'н': 'h', 'і': 'i', 'ї': 'i',
	'ј': 'j', 'к': 'k', 'ӏ': 'l', 'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p', 'ԛ': 'q',
	'г': 'r', 'ѕ': 's', 'т': 't', 'ц': 'u', 'у': 'y', 'ү': 'y', 'х': 'x', 'ԝ': 'w',
	'ԁ': 'd', 'с': 'c', 'ь': 'b', 'з': '3',
	// Greek.
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o',
	'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j', 'ζ': 'z',
	'γ': 'y',
}
