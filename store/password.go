package store

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password length limits: MaxPasswordBytes is bcrypt's input limit, beyond
// which it would refuse to hash (older versions silently truncated).
const (
	MinPasswordLength = 8
	MaxPasswordBytes  = 72
)

// commonPasswords are among the most used passwords in public breach lists
// (shorter ones are already refused by MinPasswordLength, all-digit ones by
// the digit rule). Kept lower-case; compared case-insensitively, since
// "Password1" is guessed as early as "password1".
var commonPasswords = func() map[string]struct{} {
	list := []string{
		"password", "password1", "password12", "password123", "password!",
		"passw0rd", "p@ssword", "p@ssw0rd", "pa$$word", "passwort",
		"qwerty12", "qwerty123", "qwerty1234", "qwertyui", "qwertyuiop",
		"qwer1234", "qwer1234!", "asdf1234", "asdfasdf", "asdfghjk",
		"asdfghjkl", "zxcv1234", "zxcvbnm1", "zxcvbnm123", "1q2w3e4r",
		"1q2w3e4r!", "1q2w3e4r5t", "q1w2e3r4", "q1w2e3r4t5", "1qaz2wsx",
		"1qazxsw2", "zaq12wsx", "zaq1zaq1", "a1234567", "a12345678",
		"abc12345", "abcd1234", "abcdefg1", "abcdefgh", "aa123456",
		"iloveyou", "iloveyou1", "sunshine", "princess", "football",
		"baseball", "basketball", "welcome1", "welcome123", "trustno1",
		"superman", "starwars", "whatever", "dragon12", "master12",
		"monkey12", "letmein1", "letmein123", "shadow12", "michael1",
		"jennifer", "jordan23", "computer", "internet", "corvette",
		"mercedes", "mustang1", "samsung1", "samsung123", "chocolate",
		"butterfly", "elephant", "liverpool", "chelsea1", "arsenal1",
		"manchester", "hello123", "hellohello", "loveyou1", "lovely12",
		"charlie1", "freedom1", "fuckyou1", "asshole1", "changeme",
		"default1", "administrator", "admin123", "admin1234", "root1234",
		"test1234", "testtest", "guest123", "secret12", "nothing1",
		"11111111a", "aaaaaaaa", "00000000a", "123qweasd", "qweasdzxc",
		"qweasd123", "1234qwer", "1234abcd", "love1234", "korea123",
	}
	m := make(map[string]struct{}, len(list))
	for _, p := range list {
		m[p] = struct{}{}
	}
	return m
}()

// checkPassword adds to f every rule password breaks. The similarity rule
// catches passwords that contain (or are contained in) the email's local
// part or the nickname, the first thing an attacker who knows the account
// tries.
func checkPassword(f Fields, password, email, nickname string) {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		f.Add("password", Reason{Code: ReasonTooShort, Min: MinPasswordLength})
		return
	}
	if len(password) > MaxPasswordBytes {
		f.Add("password", Reason{Code: ReasonTooManyBytes, Max: MaxPasswordBytes})
		return
	}
	if strings.IndexFunc(password, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		f.Add("password", Reason{Code: ReasonDigitsOnly})
		return
	}
	lower := strings.ToLower(password)
	if _, ok := commonPasswords[lower]; ok {
		f.Add("password", Reason{Code: ReasonTooCommon})
		return
	}
	local, _, _ := strings.Cut(email, "@")
	for _, part := range []string{strings.ToLower(local), strings.ToLower(nickname)} {
		if utf8.RuneCountInString(part) < 4 {
			continue
		}
		if strings.Contains(lower, part) || strings.Contains(part, lower) {
			f.Add("password", Reason{Code: ReasonTooSimilar})
			return
		}
	}
}

// HashPassword hashes password at bcrypt cost (0 = bcrypt.DefaultCost).
func HashPassword(cost int, password string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(password), passwordCost(cost))
}

func passwordCost(cost int) int {
	if cost == 0 {
		return bcrypt.DefaultCost
	}
	return cost
}

// dummyHashes holds, per bcrypt cost, a hash of a random-looking string.
var dummyHashes sync.Map // int → []byte

// DummyHash is what Authenticate compares against when the email is
// unknown, so that an unknown account costs as much time as a wrong
// password.
func DummyHash(cost int) []byte {
	cost = passwordCost(cost)
	if h, ok := dummyHashes.Load(cost); ok {
		return h.([]byte)
	}
	h, err := bcrypt.GenerateFromPassword([]byte("not-a-real-account-password"), cost)
	if err != nil {
		// Only an invalid cost fails, and then sign-up fails too; an
		// empty hash still makes the comparison fail.
		return nil
	}
	actual, _ := dummyHashes.LoadOrStore(cost, h)
	return actual.([]byte)
}

// PasswordMatches reports whether password is the one hashed in hash.
func PasswordMatches(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
}
