package httpstatus

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriter(t *testing.T) {
	tests := []struct {
		name  string
		write func(w http.ResponseWriter)
		want  int
	}{
		{"nothing", func(http.ResponseWriter) {}, 0},
		{"body only", func(w http.ResponseWriter) { w.Write([]byte("x")) }, http.StatusOK},
		{"status", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) }, http.StatusNotFound},
		{"first status wins", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusTeapot) // net/http ignores it too
		}, http.StatusAccepted},
		{"status, then body", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte("x"))
		}, http.StatusConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w := &Writer{ResponseWriter: rec}
			tt.write(w)
			if w.Status() != tt.want {
				t.Errorf("Status() = %d, want %d", w.Status(), tt.want)
			}
			if tt.want != 0 && rec.Code != tt.want {
				t.Errorf("sent %d, want %d", rec.Code, tt.want)
			}
		})
	}
}
