package index

import (
	"path/filepath"
	"testing"
)

func TestNetrcPath(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"NETRC": "/etc/ci.netrc", "HOME": "/home/me"}, "/etc/ci.netrc"},
		{map[string]string{"HOME": "/home/me"}, filepath.Join("/home/me", ".netrc")},
		{map[string]string{}, ""},
	}
	for _, tt := range tests {
		if got := NetrcPath(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("NetrcPath(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
