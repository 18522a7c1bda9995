package fcemu

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc64"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/lithops-fc/runtime-action/internal/atomicfile"
)

// state is everything the emulated account holds. It lives in memory and, with
// WithStateDir, is written to state.json after every change (bytes go to blobs/).
type state struct {
	Services  map[string]*service  `json:"services"`  // FC 2.0
	Functions map[string]*function `json:"functions"` // FC 3.0
	Buckets   map[string]*bucket   `json:"buckets"`   // OSS
}

type service struct {
	Name           string                     `json:"name"`
	ID             string                     `json:"id"`
	Description    string                     `json:"description"`
	Role           string                     `json:"role"`
	InternetAccess *bool                      `json:"internetAccess,omitempty"`
	Config         map[string]json.RawMessage `json:"config,omitempty"` // echoed as sent
	Created        time.Time                  `json:"created"`
	Modified       time.Time                  `json:"modified"`
	ETag           string                     `json:"etag"`
	Functions      map[string]*function       `json:"functions"`
}

type function struct {
	Name        string                     `json:"name"`
	ID          string                     `json:"id"`
	Description string                     `json:"description"`
	Runtime     string                     `json:"runtime"`
	Handler     string                     `json:"handler"`
	Role        string                     `json:"role,omitempty"` // FC 3.0; FC 2.0 functions use their service's
	MemorySize  int32                      `json:"memorySize"`
	Timeout     int32                      `json:"timeout"`
	Env         map[string]string          `json:"env,omitempty"`
	Config      map[string]json.RawMessage `json:"config,omitempty"` // other fields, echoed as sent
	Code        codeRef                    `json:"code"`
	Created     time.Time                  `json:"created"`
	Modified    time.Time                  `json:"modified"`
	ETag        string                     `json:"etag"`

	// FC 3.0 lifecycle: a create leaves State Pending, an update LastUpdateStatus
	// InProgress, until Polls more GetFunction/InvokeFunction answers have shown it.
	State                      string `json:"state,omitempty"`
	StateReason                string `json:"stateReason,omitempty"`
	StateReasonCode            string `json:"stateReasonCode,omitempty"`
	LastUpdateStatus           string `json:"lastUpdateStatus,omitempty"`
	LastUpdateStatusReason     string `json:"lastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string `json:"lastUpdateStatusReasonCode,omitempty"`
	Polls                      int    `json:"polls,omitempty"`
	FailReason                 string `json:"failReason,omitempty"`
}

// codeRef points at a function's zip in the blob store.
type codeRef struct {
	Blob     string `json:"blob"`
	Size     int64  `json:"size"`
	Checksum string `json:"checksum"` // CRC-64/ECMA-182, unsigned decimal
}

type bucket struct {
	Name    string             `json:"name"`
	Created time.Time          `json:"created"`
	System  bool               `json:"system,omitempty"`  // FC's temporary code bucket: not the account's
	Foreign bool               `json:"foreign,omitempty"` // another account's (WithForeignBucket): its name is taken
	Objects map[string]*object `json:"objects"`
}

type object struct {
	Key         string            `json:"key"`
	Blob        string            `json:"blob"`
	Size        int64             `json:"size"`
	ETag        string            `json:"etag"` // as OSS shows it, quoted
	CRC64       uint64            `json:"crc64,string"`
	ContentType string            `json:"contentType"`
	Type        string            `json:"type"` // Normal or Multipart
	Modified    time.Time         `json:"modified"`
	Meta        map[string]string `json:"meta,omitempty"` // x-oss-meta-*
}

func newBucket(name string, created time.Time) *bucket {
	return &bucket{Name: name, Created: created, Objects: map[string]*object{}}
}

// storeObjectLocked stores data as object o of b (its blob, size and CRC-64 taken from
// data); the caller saves the state. The caller holds e.mu.
func (e *Emulator) storeObjectLocked(b *bucket, o *object, data []byte) error {
	id, err := e.blobs.put(data)
	if err != nil {
		return err
	}
	o.Blob, o.Size, o.CRC64 = id, int64(len(data)), crc64.Checksum(data, crcTable)
	b.Objects[o.Key] = o
	return nil
}

func newState() *state {
	return &state{Services: map[string]*service{}, Functions: map[string]*function{}, Buckets: map[string]*bucket{}}
}

// blobStore keeps content-addressed bytes (function code, objects) in memory or, when dir
// is set, in files under dir.
type blobStore struct {
	dir string
	mem map[string][]byte
}

func (b *blobStore) put(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	if b.dir == "" {
		if b.mem == nil {
			b.mem = map[string][]byte{}
		}
		b.mem[id] = data
		return id, nil
	}
	path := filepath.Join(b.dir, id)
	if _, err := os.Stat(path); err == nil {
		return id, nil
	}
	if err := atomicfile.WriteFile(path, data); err != nil {
		return "", fmt.Errorf("store blob: %w", err)
	}
	return id, nil
}

func (b *blobStore) get(id string) ([]byte, error) {
	if b.dir == "" {
		data, ok := b.mem[id]
		if !ok {
			return nil, fmt.Errorf("blob %s: %w", id, fs.ErrNotExist)
		}
		return data, nil
	}
	data, err := os.ReadFile(filepath.Join(b.dir, id))
	if err != nil {
		return nil, fmt.Errorf("read blob: %w", err)
	}
	return data, nil
}

// gc drops every blob not in keep.
func (b *blobStore) gc(keep map[string]bool) {
	if b.dir == "" {
		for id := range b.mem {
			if !keep[id] {
				delete(b.mem, id)
			}
		}
		return
	}
	entries, _ := os.ReadDir(b.dir)
	for _, en := range entries {
		if !keep[en.Name()] {
			os.Remove(filepath.Join(b.dir, en.Name()))
		}
	}
}

// referenced lists the blobs the state points at.
func (s *state) referenced() map[string]bool {
	keep := map[string]bool{}
	for _, svc := range s.Services {
		for _, fn := range svc.Functions {
			keep[fn.Code.Blob] = true
		}
	}
	for _, fn := range s.Functions {
		keep[fn.Code.Blob] = true
	}
	for _, b := range s.Buckets {
		for _, o := range b.Objects {
			keep[o.Blob] = true
		}
	}
	return keep
}

const stateFile = "state.json"

// loadState reads dir/state.json, or returns an empty state when there is none yet.
func loadState(dir string) (*state, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read emulator state: %w", err)
	}
	s := newState()
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("read emulator state %s: %w (delete the folder to start afresh)", filepath.Join(dir, stateFile), err)
	}
	if err := s.complete(); err != nil {
		return nil, fmt.Errorf("read emulator state %s: %w (delete the folder to start afresh)", filepath.Join(dir, stateFile), err)
	}
	return s, nil
}

// complete refuses null entries (a hand-edited file) and fills the maps JSON left out.
func (s *state) complete() error {
	s.Services, s.Functions, s.Buckets = orEmpty(s.Services), orEmpty(s.Functions), orEmpty(s.Buckets)
	if name, ok := nullEntry(s.Services); ok {
		return fmt.Errorf("service %q is null", name)
	}
	if name, ok := nullEntry(s.Functions); ok {
		return fmt.Errorf("function %q is null", name)
	}
	if name, ok := nullEntry(s.Buckets); ok {
		return fmt.Errorf("bucket %q is null", name)
	}
	for name, svc := range s.Services {
		svc.Functions = orEmpty(svc.Functions)
		if fn, ok := nullEntry(svc.Functions); ok {
			return fmt.Errorf("function %q of service %q is null", fn, name)
		}
	}
	for name, b := range s.Buckets {
		b.Objects = orEmpty(b.Objects)
		if key, ok := nullEntry(b.Objects); ok {
			return fmt.Errorf("object %q in bucket %q is null", key, name)
		}
	}
	return nil
}

func orEmpty[T any](m map[string]*T) map[string]*T {
	if m == nil {
		return map[string]*T{}
	}
	return m
}

// nullEntry names an entry of m that is null, if one is.
func nullEntry[T any](m map[string]*T) (string, bool) {
	for k, v := range m {
		if v == nil {
			return k, true
		}
	}
	return "", false
}

// saveLocked writes the state after a change (when persisting) and drops unreferenced
// blobs. The caller holds e.mu.
func (e *Emulator) saveLocked() error {
	e.blobs.gc(e.st.referenced())
	if e.cfg.stateDir == "" {
		return nil
	}
	data, err := json.MarshalIndent(e.st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode emulator state: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(e.cfg.stateDir, stateFile), data); err != nil {
		return fmt.Errorf("save emulator state: %w", err)
	}
	return nil
}
