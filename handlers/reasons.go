package handlers

import (
	"strconv"
	"strings"

	"mypinterest/store"
)

// The store refuses fields with reason codes (store.Reason); this file
// words them for the JSON API, and i18n.go for the pages.

// apiReasons is the English the API sends for a field refused with each
// code ({min}, {max} and {values} take the reason's parameters). Codes
// missing here never name a field in the API: they come as an error's
// Reason, and the API sends that error's Message instead.
var apiReasons = map[string]string{
	store.ReasonRequired:      "required",
	store.ReasonTooLong:       "at most {max} characters",
	store.ReasonTooShort:      "Use at least {min} characters.",
	store.ReasonTooManyBytes:  "Use at most {max} bytes.",
	store.ReasonBadEmail:      "Enter a valid email address.",
	store.ReasonDomain:        "Sign-up is limited to: {values}.",
	store.ReasonLettersDigits: "Use letters and digits only.",
	store.ReasonDigitsOnly:    "Use something other than digits only.",
	store.ReasonTooCommon:     "This password is too common.",
	store.ReasonTooSimilar:    "The password is too similar to your email or nickname.",
	store.ReasonWrongPassword: "Wrong password.",
	store.ReasonTaken:         "Already taken.",
	store.ReasonNotYourGroup:  "not one of your groups",
	store.ReasonNotBool:       "must be true or false",
	store.ReasonOutOfRange:    "must be a whole number from {min} to {max}",
	store.ReasonWrongType:     "must be a {values}",
}

// apiFieldReasons overrides apiReasons for one field ("field code"): the
// account fields have always been answered in sentences, the others in
// short phrases, and clients may compare them, so both stay.
var apiFieldReasons = map[string]string{
	"email " + store.ReasonRequired:    "Enter your email.",
	"nickname " + store.ReasonRequired: "Enter a nickname.",
	"email " + store.ReasonTooLong:     "Use at most {max} characters.",
	"nickname " + store.ReasonTooLong:  "Use at most {max} characters.",
	"message " + store.ReasonTooLong:   "Use at most {max} characters.",
	"email " + store.ReasonTaken:       "This email is already registered.",
	"nickname " + store.ReasonTaken:    "This nickname is taken.",
}

// apiReasonText is the API's English for field refused with why; an
// unknown code is sent as it is.
func apiReasonText(field string, why store.Reason) string {
	if text, ok := apiFieldReasons[field+" "+why.Code]; ok {
		return fillReason(text, why)
	}
	if text, ok := apiReasons[why.Code]; ok {
		return fillReason(text, why)
	}
	return why.Code
}

// apiFields words the fields of an error for the API envelope.
func apiFields(fields map[string]store.Reason) map[string]string {
	if len(fields) == 0 {
		return nil
	}
	out := make(map[string]string, len(fields))
	for f, why := range fields {
		out[f] = apiReasonText(f, why)
	}
	return out
}

// fillReason puts why's parameters into the placeholders of text.
func fillReason(text string, why store.Reason) string {
	if !strings.Contains(text, "{") {
		return text
	}
	return strings.NewReplacer(
		"{min}", strconv.Itoa(why.Min),
		"{max}", strconv.Itoa(why.Max),
		"{values}", strings.Join(why.Values, ", "),
	).Replace(text)
}

// reasonInput is the form input that an error's Reason is about, when the
// error names no field: media refuses the upload as a whole, and a save
// form's group comes in its "save" button.
var reasonInput = map[string]string{
	store.ReasonBadImage:       "image",
	store.ReasonImageTooLarge:  "image",
	store.ReasonNotImage:       "image",
	store.ReasonAlreadyInGroup: "save",
}
