package store

import (
	"strconv"
	"strings"
)

// Reason is why a field (or an upload) was refused: a stable code, which
// the edges translate, with the rule's parameters as data rather than
// baked into a sentence.
type Reason struct {
	Code string
	// Min and Max are the bounds the rule names: a length in characters
	// or bytes, a number's range, an upload's size in MiB.
	Min, Max int
	// Values are what would have been accepted instead: the sign-up
	// domains, the JSON type of a field.
	Values []string
}

// Reason codes. They are a contract with the translations (every code has
// a text in every language the pages speak) and with the API's English
// wording; add codes, never rename them.
const (
	ReasonRequired       = "required"            // empty
	ReasonTooLong        = "too_long"            // over Max characters
	ReasonTooShort       = "too_short"           // under Min characters
	ReasonTooManyBytes   = "too_many_bytes"      // over Max bytes (bcrypt's limit)
	ReasonBadEmail       = "bad_email"           // not an address
	ReasonDomain         = "domain_not_allowed"  // sign-up is limited to Values
	ReasonLettersDigits  = "letters_digits_only" // a nickname with other characters
	ReasonDigitsOnly     = "digits_only"         // a password of digits alone
	ReasonTooCommon      = "too_common"          // a well-known password
	ReasonTooSimilar     = "too_similar"         // a password like the email or nickname
	ReasonWrongPassword  = "wrong_password"      // the confirmation does not match
	ReasonTaken          = "taken"               // another account has it
	ReasonNotYourGroup   = "not_your_group"      // a group id that is not the user's
	ReasonNotBool        = "not_bool"            // a flag that is neither true nor false
	ReasonOutOfRange     = "out_of_range"        // a number outside Min..Max
	ReasonWrongType      = "wrong_type"          // JSON of another type than Values[0]
	ReasonBadImage       = "bad_image"           // damaged, empty or over the pixel limit
	ReasonImageTooLarge  = "too_large"           // an upload over Max MiB
	ReasonNotImage       = "unsupported_image"   // not a JPEG, PNG, GIF or WebP
	ReasonAlreadyInGroup = "already_in_group"    // a save into the group a pin was posted in
)

// ReasonCodes lists every code, for the tests that check each is worded.
var ReasonCodes = []string{
	ReasonRequired, ReasonTooLong, ReasonTooShort, ReasonTooManyBytes, ReasonBadEmail, ReasonDomain,
	ReasonLettersDigits, ReasonDigitsOnly, ReasonTooCommon, ReasonTooSimilar, ReasonWrongPassword,
	ReasonTaken, ReasonNotYourGroup, ReasonNotBool, ReasonOutOfRange, ReasonWrongType,
	ReasonBadImage, ReasonImageTooLarge, ReasonNotImage, ReasonAlreadyInGroup,
}

// String is the code with its parameters, for logs and test failures.
func (r Reason) String() string {
	var b strings.Builder
	b.WriteString(r.Code)
	if r.Min != 0 {
		b.WriteString(" min=" + strconv.Itoa(r.Min))
	}
	if r.Max != 0 {
		b.WriteString(" max=" + strconv.Itoa(r.Max))
	}
	if len(r.Values) > 0 {
		b.WriteString(" values=" + strings.Join(r.Values, ","))
	}
	return b.String()
}
