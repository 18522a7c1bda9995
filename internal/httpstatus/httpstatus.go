// Package httpstatus notes the status an HTTP handler answered with, for the servers
// that log or count their answers (the emulator, the registries).
package httpstatus

import "net/http"

// Writer is a ResponseWriter that notes the first status written: the one WriteHeader
// sends, or 200 when the body is written first (as net/http sends it).
type Writer struct {
	http.ResponseWriter
	status int
}

// Status is the status answered; 0 before anything was written.
func (w *Writer) Status() int { return w.status }

// WriteHeader notes code when it is the first status, and sends it.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write notes 200 when no status was sent, and writes b.
func (w *Writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
