package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"mypinterest/internal/loadkit"
)

// State is what a seeding run leaves behind so that later runs can measure
// the same data without seeding again.
type State struct {
	URL      string    `json:"url"`
	RunID    string    `json:"run_id"`
	SeededAt time.Time `json:"seeded_at"`
	// PinID is the pin carrying the 60 comments; the pin and comments
	// scenarios read it.
	PinID string `json:"pin_id"`
	// UserID, Email and Token belong to the seeded user whose profile is
	// read and who owns two groups. Email and the shared password let a
	// later run log in again once the token has expired or been revoked.
	UserID   string     `json:"user_id"`
	Email    string     `json:"email"`
	Password string     `json:"password"`
	Token    string     `json:"token"`
	Counts   SeedCounts `json:"counts"`
}

// SeedCounts records how much a seeding run created.
type SeedCounts struct {
	Users     int `json:"users"`
	Groups    int `json:"groups"`
	Pins      int `json:"pins"`
	Comments  int `json:"comments"`
	Likes     int `json:"likes"`
	Bookmarks int `json:"bookmarks"`
	Follows   int `json:"follows"`
}

// loadState reads the state file; a missing file is (nil, nil) because it
// simply means nothing was seeded yet.
func loadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if st.PinID == "" || st.UserID == "" {
		return nil, fmt.Errorf("%s: missing pin_id or user_id", path)
	}
	return &st, nil
}

// saveState writes through a temporary file and a rename so an interrupted
// run never leaves a half-written state file behind.
func saveState(path string, st *State) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".loadgen-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// The file holds a password and a live token: keep it private.
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// checkState confirms the saved ids still exist on the target and that the
// token still works, logging in again when it does not. It reports whether
// the token changed so the caller can save the state again.
func checkState(ctx context.Context, api *loadkit.Client, st *State) (refreshed bool, err error) {
	if err := api.JSON(ctx, http.MethodGet, "/api/v1/pins/"+st.PinID, "", nil, nil); err != nil {
		return false, fmt.Errorf("saved pin: %w", err)
	}
	if err := api.JSON(ctx, http.MethodGet, "/api/v1/users/"+st.UserID, "", nil, nil); err != nil {
		return false, fmt.Errorf("saved user: %w", err)
	}
	err = api.JSON(ctx, http.MethodGet, "/api/v1/me", st.Token, nil, nil)
	if err == nil {
		return false, nil
	}
	var ae *loadkit.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
		return false, fmt.Errorf("saved token: %w", err)
	}
	// Tokens expire and logouts revoke them; the account is still there.
	var auth authAnswer
	login := map[string]string{"email": st.Email, "password": st.Password}
	if err := api.JSON(ctx, http.MethodPost, "/api/v1/auth/login", "", login, &auth); err != nil {
		return false, fmt.Errorf("logging in again as %s: %w", st.Email, err)
	}
	if auth.Token == "" {
		return false, fmt.Errorf("logging in again as %s: answer has no token", st.Email)
	}
	st.Token = auth.Token
	return true, nil
}
