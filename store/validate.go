package store

import (
	"net/mail"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// This file holds the rules of user input that every store applies before
// writing: one implementation, whatever the database.

// Limits on user fields (docs/API.md §Accounts).
const (
	MaxEmailLength    = 100
	MaxNicknameLength = 10
	MaxMessageLength  = 100
)

// ErrWrongLogin is the one answer to every failed log-in, so that it does
// not reveal whether an account exists.
var ErrWrongLogin = &Error{Code: EUnauthorized, Message: "Wrong email or password."}

// NormalizeEmail trims and lower-cases an email: emails are unique and
// looked up case-insensitively.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// NormalizeNickname trims the nickname and composes it (NFC), so that a
// Hangul syllable typed as separate jamo is the same nickname and counts
// as one character.
func NormalizeNickname(nickname string) string {
	return norm.NFC.String(strings.TrimSpace(nickname))
}

// Validate checks a sign-up, expecting Email and Nickname already
// normalized, and returns every broken rule at once.
func (u NewUser) Validate(allowedDomains []string) error {
	f := Fields{}
	checkEmail(f, u.Email, allowedDomains)
	checkNickname(f, u.Nickname)
	checkPassword(f, u.Password, u.Email, u.Nickname)
	return f.Err()
}

func checkEmail(f Fields, email string, allowedDomains []string) {
	if email == "" {
		f.Add("email", Reason{Code: ReasonRequired})
		return
	}
	if len(email) > MaxEmailLength {
		f.Add("email", Reason{Code: ReasonTooLong, Max: MaxEmailLength})
		return
	}
	// net/mail accepts display names, comments and quoted local parts;
	// requiring the parsed address to equal the input refuses those.
	addr, err := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if err != nil || addr.Name != "" || addr.Address != email || at < 1 ||
		strings.ContainsFunc(email, unicode.IsSpace) || !validDomain(email[at+1:]) {
		f.Add("email", Reason{Code: ReasonBadEmail})
		return
	}
	if len(allowedDomains) == 0 {
		return
	}
	domain := email[at+1:]
	for _, d := range allowedDomains {
		if strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@")) == domain {
			return
		}
	}
	f.Add("email", Reason{Code: ReasonDomain, Values: slices.Clone(allowedDomains)})
}

// validDomain requires at least two non-empty dot-separated labels, which
// net/mail alone does not ("a@localhost" parses).
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

func checkNickname(f Fields, nickname string) {
	n := utf8.RuneCountInString(nickname)
	switch {
	case n == 0:
		f.Add("nickname", Reason{Code: ReasonRequired})
	case n > MaxNicknameLength:
		f.Add("nickname", Reason{Code: ReasonTooLong, Max: MaxNicknameLength})
	case strings.IndexFunc(nickname, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) >= 0:
		f.Add("nickname", Reason{Code: ReasonLettersDigits})
	}
}

// Text limits of groups and pins, in characters (runes, so that Hangul
// counts one per syllable).
const (
	MaxTitleRunes   = 50
	MaxContentRunes = 5000
)

// LimitRunes records why v is refused for field: empty when required, or
// longer than max characters.
func LimitRunes(f Fields, field, v string, required bool, max int) {
	n := utf8.RuneCountInString(v)
	switch {
	case required && n == 0:
		f.Add(field, Reason{Code: ReasonRequired})
	case n > max:
		f.Add(field, Reason{Code: ReasonTooLong, Max: max})
	}
}

// MaxCommentRunes is the longest comment, in characters.
const MaxCommentRunes = 2000

// ValidateMessage trims a profile message and checks its length.
func ValidateMessage(message string) (string, error) {
	message = strings.TrimSpace(message)
	if utf8.RuneCountInString(message) > MaxMessageLength {
		return "", FieldError("message", Reason{Code: ReasonTooLong, Max: MaxMessageLength})
	}
	return message, nil
}

// ValidateComment trims a comment and checks its length.
func ValidateComment(content string) (string, error) {
	content = strings.TrimSpace(content)
	f := Fields{}
	LimitRunes(f, "content", content, true, MaxCommentRunes)
	return content, f.Err()
}

// TextPatch is the validated part of a group or pin edit: nil fields are
// kept as they are.
type TextPatch struct {
	Title, Content *string
	Image          *ImageRef
}

// CheckPatch trims the title and content an edit changes and records in f
// why any of them, or the image, is refused.
func CheckPatch(f Fields, title, content *string, image *ImageRef) TextPatch {
	var out TextPatch
	if title != nil {
		t := strings.TrimSpace(*title)
		LimitRunes(f, "title", t, true, MaxTitleRunes)
		out.Title = &t
	}
	if content != nil {
		c := strings.TrimSpace(*content)
		LimitRunes(f, "content", c, false, MaxContentRunes)
		out.Content = &c
	}
	if image != nil {
		if image.IsZero() {
			f.Add("image", Reason{Code: ReasonRequired})
		}
		out.Image = image
	}
	return out
}
