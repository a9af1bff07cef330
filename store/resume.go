package store

import "context"

// ResumeDeletions finishes every cascade a crash left half-done: accounts,
// then groups, then pins still marked deleting. Call it at start-up before
// serving. Accounts go first because their cascade also deletes their
// groups and pins; whatever is left after it is an interrupted group or
// pin deletion of its own.
func (s *Store) ResumeDeletions(ctx context.Context) error {
	if err := s.resumeUserDeletions(ctx); err != nil {
		return err
	}
	if err := s.resumeGroupDeletions(ctx); err != nil {
		return err
	}
	return s.resumePinDeletions(ctx)
}
