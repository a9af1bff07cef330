package mongostore

// SetExportImageBytes bounds the image bytes of an exported batch to n
// until the returned function restores the default.
func SetExportImageBytes(n int64) (restore func()) {
	old := exportImageBytes
	exportImageBytes = n
	return func() { exportImageBytes = old }
}
