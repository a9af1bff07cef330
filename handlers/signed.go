package handlers

import (
	"strings"
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// maxKnownTokens bounds signedTokens: a few thousand signed-in visitors'
// tokens, some 2 MB.
const maxKnownTokens = 4096

// signedTokens checks that session tokens are HS256 tokens signed with key
// and remembers the claims of the last maxKnownTokens that were. A
// signed-in visitor sends the same token with every request, and checking
// it again (base64, an HMAC and a JSON decode) cost more than any other
// step of authenticating. A token's bytes fix its claims, so a remembered
// token needs no second check; its claims are still validated (expiry,
// issuer, revocation) on every request. Only well-signed tokens are
// remembered, so nobody can fill the map without the key.
type signedTokens struct {
	key   []byte
	mu    sync.Mutex
	known map[string]jwt.RegisteredClaims
}

func newSignedTokens(key []byte) *signedTokens {
	return &signedTokens{key: key, known: make(map[string]jwt.RegisteredClaims)}
}

// parse returns the claims of raw if it is signed with the key, without
// validating them (expired tokens parse too). The claims are shared: never
// change them.
func (s *signedTokens) parse(raw string) (jwt.RegisteredClaims, error) {
	s.mu.Lock()
	claims, ok := s.known[raw]
	s.mu.Unlock()
	if ok {
		return claims, nil
	}
	claims, err := parseSigned(s.key, raw)
	if err != nil {
		return claims, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.known) >= maxKnownTokens {
		for k := range s.known { // any one: the map's order is random
			delete(s.known, k)
			break
		}
	}
	// Fiber's strings point into the request's buffer, which the next
	// request reuses.
	s.known[strings.Clone(raw)] = claims
	return claims, nil
}

// parseSigned returns the claims of raw if it is an HS256 token signed
// with key, without validating them (expired tokens parse too).
func parseSigned(key []byte, raw string) (jwt.RegisteredClaims, error) {
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims,
		func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithoutClaimsValidation(),
	)
	return claims, err
}
