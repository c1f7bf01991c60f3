package store

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// openStorage opens url with localDir and closes it when the test ends.
func openStorage(t *testing.T, url, localDir string) *CheckpointStorage {
	t.Helper()
	s, err := OpenCheckpointStorage(t.Context(), url, localDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func mustWrite(t *testing.T, s *CheckpointStorage, key, data string) {
	t.Helper()
	if err := s.Write(t.Context(), key, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

func wantRead(t *testing.T, s *CheckpointStorage, key, want string) {
	t.Helper()
	got, err := s.Read(t.Context(), key)
	if err != nil {
		t.Fatalf("Read(%q): %v", key, err)
	}
	if string(got) != want {
		t.Fatalf("Read(%q) = %q; want %q", key, got, want)
	}
}

func wantNotFound(t *testing.T, s *CheckpointStorage, key string) {
	t.Helper()
	_, err := s.Read(t.Context(), key)
	if !errors.Is(err, ErrCheckpointNotFound) {
		t.Fatalf("Read(%q): err = %v; want ErrCheckpointNotFound", key, err)
	}
	if !strings.Contains(err.Error(), s.URL()) || !strings.Contains(err.Error(), key) {
		t.Fatalf("Read(%q): error %q names neither the URL nor the key", key, err)
	}
}

// storageSuite runs the behaviour every URL scheme shares against newURL,
// which returns the URL of a fresh, empty storage.
func storageSuite(t *testing.T, newURL func(t *testing.T) string) {
	t.Run("RoundTrip", func(t *testing.T) {
		for _, local := range []bool{false, true} {
			localDir := ""
			if local {
				localDir = t.TempDir()
			}
			s := openStorage(t, newURL(t), localDir)
			mustWrite(t, s, "job/chk-1/0-0", "zero")
			mustWrite(t, s, "job/chk-1/deep/nested/1-0", "one")
			mustWrite(t, s, "job/chk-1/empty", "")
			mustWrite(t, s, "top", "top")
			wantRead(t, s, "job/chk-1/0-0", "zero")
			wantRead(t, s, "job/chk-1/deep/nested/1-0", "one")
			wantRead(t, s, "job/chk-1/empty", "")
			wantRead(t, s, "top", "top")
			mustWrite(t, s, "top", "overwritten")
			wantRead(t, s, "top", "overwritten")
			wantNotFound(t, s, "job/chk-2/0-0")
			wantNotFound(t, s, "job/chk-1")
		}
	})

	t.Run("BinaryAndLarge", func(t *testing.T) {
		s := openStorage(t, newURL(t), t.TempDir())
		data := make([]byte, 3<<20)
		for i := range data {
			data[i] = byte(i * 7)
		}
		if err := s.Write(t.Context(), "job/chk-1/big", data); err != nil {
			t.Fatal(err)
		}
		got, err := s.Read(t.Context(), "job/chk-1/big")
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Read = %d bytes, %v; want the %d bytes written", len(got), err, len(data))
		}
	})

	t.Run("Delete", func(t *testing.T) {
		url := newURL(t)
		s := openStorage(t, url, t.TempDir())
		other := openStorage(t, url, "")
		for _, key := range []string{"job/chk-4/0-0", "job/chk-4/sub/1-0", "job/chk-42/0-0", "job/chk-5/0-0", "job2/chk-4/0-0"} {
			mustWrite(t, s, key, key)
		}
		if err := s.Delete(t.Context(), "job/chk-4"); err != nil {
			t.Fatal(err)
		}
		for _, st := range []*CheckpointStorage{s, other} {
			wantNotFound(t, st, "job/chk-4/0-0")
			wantNotFound(t, st, "job/chk-4/sub/1-0")
			wantRead(t, st, "job/chk-42/0-0", "job/chk-42/0-0")
			wantRead(t, st, "job/chk-5/0-0", "job/chk-5/0-0")
			wantRead(t, st, "job2/chk-4/0-0", "job2/chk-4/0-0")
		}
		// Deleting what is gone, or was never there, is not an error.
		for _, prefix := range []string{"job/chk-4", "job/chk-99", "nothing"} {
			if err := s.Delete(t.Context(), prefix); err != nil {
				t.Fatalf("Delete(%q): %v", prefix, err)
			}
		}
		// A trailing slash means the same; a single key can be deleted.
		if err := s.Delete(t.Context(), "job/chk-42/"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(t.Context(), "job/chk-5/0-0"); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, s, "job/chk-42/0-0")
		wantNotFound(t, s, "job/chk-5/0-0")
		wantRead(t, s, "job2/chk-4/0-0", "job2/chk-4/0-0")
		if err := s.Delete(t.Context(), "job2"); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, other, "job2/chk-4/0-0")
	})

	t.Run("LocalCopyUsed", func(t *testing.T) {
		url := newURL(t)
		s := openStorage(t, url, t.TempDir())
		remoteOnly := openStorage(t, url, "")
		mustWrite(t, s, "job/chk-1/0-0", "state")
		// Remove the remote object behind s's back: s still has its copy.
		if err := remoteOnly.Delete(t.Context(), "job/chk-1"); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, remoteOnly, "job/chk-1/0-0")
		wantRead(t, s, "job/chk-1/0-0", "state")
	})

	t.Run("CorruptLocalCopyFallsBack", func(t *testing.T) {
		localDir := t.TempDir()
		s := openStorage(t, newURL(t), localDir)
		path := filepath.Join(localDir, "job", "chk-1", "0-0")
		corruptions := map[string]func(b []byte) []byte{
			"truncated":   func(b []byte) []byte { return b[:len(b)-3] },
			"bit flip":    func(b []byte) []byte { b[2] ^= 0x10; return b },
			"empty":       func([]byte) []byte { return nil },
			"bad trailer": func(b []byte) []byte { b[len(b)-1] ^= 1; return b },
			"appended":    func(b []byte) []byte { return append(b, 'x') },
		}
		for name, corrupt := range corruptions {
			mustWrite(t, s, "job/chk-1/0-0", "the state of subtask 0")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%s: the local copy is missing: %v", name, err)
			}
			if err := os.WriteFile(path, corrupt(b), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := s.Read(t.Context(), "job/chk-1/0-0")
			if err != nil || string(got) != "the state of subtask 0" {
				t.Fatalf("%s: Read = %q, %v; want the remote object", name, got, err)
			}
		}
	})

	t.Run("NoTemporaryFilesLeft", func(t *testing.T) {
		localDir := t.TempDir()
		s := openStorage(t, newURL(t), localDir)
		mustWrite(t, s, "job/chk-1/0-0", "a")
		mustWrite(t, s, "job/chk-1/0-0", "b")
		wantFiles(t, localDir, "job/chk-1/0-0")
	})

	t.Run("CanceledWrite", func(t *testing.T) {
		s := openStorage(t, newURL(t), t.TempDir())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := s.Write(ctx, "job/chk-1/0-0", []byte("x")); err == nil {
			t.Fatal("Write with a canceled context succeeded")
		}
		wantNotFound(t, s, "job/chk-1/0-0")
	})

	t.Run("BadKeys", func(t *testing.T) {
		s := openStorage(t, newURL(t), t.TempDir())
		for _, key := range []string{"", "/abs", "a//b", "a/./b", "../escape", "a/..", "a\\b", "a\nb"} {
			if err := s.Write(t.Context(), key, []byte("x")); err == nil {
				t.Errorf("Write(%q) succeeded", key)
			}
			if _, err := s.Read(t.Context(), key); err == nil || errors.Is(err, ErrCheckpointNotFound) {
				t.Errorf("Read(%q): err = %v; want an invalid key", key, err)
			}
		}
		for _, prefix := range []string{"", "/", "../x"} {
			if err := s.Delete(t.Context(), prefix); err == nil {
				t.Errorf("Delete(%q) succeeded", prefix)
			}
		}
	})
}

// wantFiles checks that dir holds exactly the regular files named (slash
// paths relative to dir).
func wantFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	var got []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		got = append(got, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("files under %s = %q; want %q", dir, got, want)
	}
}

func fileURL(dir string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String()
}

func TestCheckpointStorageFile(t *testing.T) {
	storageSuite(t, func(t *testing.T) string {
		return fileURL(filepath.Join(t.TempDir(), "checkpoints"))
	})
}

func TestCheckpointStorageFileLayout(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	s := openStorage(t, fileURL(dir), "")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("storage dir not created: %v", err)
	}
	if s.URL() != fileURL(dir) {
		t.Fatalf("URL() = %q; want %q", s.URL(), fileURL(dir))
	}
	mustWrite(t, s, "job/chk-1/0-0", "a")
	mustWrite(t, s, "job/chk-2/0-0", "b")
	// One file per key, no metadata sidecars, no temporary files.
	wantFiles(t, dir, "job/chk-1/0-0", "job/chk-2/0-0")
	if err := s.Delete(t.Context(), "job/chk-1"); err != nil {
		t.Fatal(err)
	}
	// The deleted checkpoint's directory goes too.
	if _, err := os.Stat(filepath.Join(dir, "job", "chk-1")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("job/chk-1 still there after Delete: %v", err)
	}
	wantFiles(t, dir, "job/chk-2/0-0")
}

func TestOpenCheckpointStorageBadURLs(t *testing.T) {
	dir := t.TempDir()
	for _, u := range []string{
		"",
		"checkpoints",
		"/abs/without/scheme",
		"ftp://host/dir",
		"gs://bucket/prefix",
		"file://./relative",
		"file:relative/dir",
		"file://otherhost/dir",
		"file://",
		fileURL(dir) + "?create_dir=1",
		"s3:///prefix-without-bucket",
		"s3://bucket/a//b",
		"s3://bucket?no_such_parameter=1",
		"s3://bucket?use_path_style=maybe",
		"file://%zz/dir",
		"://no-scheme",
	} {
		s, err := OpenCheckpointStorage(t.Context(), u, "")
		if err == nil {
			s.Close()
			t.Errorf("OpenCheckpointStorage(%q) succeeded", u)
			continue
		}
		if !strings.Contains(err.Error(), "checkpoint storage "+u+":") {
			t.Errorf("OpenCheckpointStorage(%q): error %q does not name the URL", u, err)
		}
	}
}

func TestOpenCheckpointStorageUnusableLocalDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenCheckpointStorage(t.Context(), fileURL(t.TempDir()), file)
	if err == nil {
		s.Close()
		t.Fatal("a local dir that is a file was accepted")
	}
}

// fakeS3 serves S3 on loopback from memory with one bucket, "checkpoints",
// and returns the query that points an s3:// URL at it.
func fakeS3(t *testing.T) string {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("checkpoints"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	// Dummy credentials, and no shared files or instance metadata: the SDK
	// must find nothing of the machine's own configuration.
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	q := url.Values{}
	q.Set("region", "us-east-1")
	q.Set("endpoint", srv.URL)
	q.Set("use_path_style", "true")
	return q.Encode()
}

func TestCheckpointStorageS3(t *testing.T) {
	query := fakeS3(t)
	n := 0
	storageSuite(t, func(t *testing.T) string {
		n++
		return "s3://checkpoints/cluster/run-" + strconv.Itoa(n) + "?" + query
	})
}

func TestCheckpointStorageS3Prefix(t *testing.T) {
	query := fakeS3(t)
	prefixed := openStorage(t, "s3://checkpoints/some/prefix/?"+query, "")
	whole := openStorage(t, "s3://checkpoints?"+query, "")
	mustWrite(t, prefixed, "job/chk-1/0-0", "a")
	wantRead(t, whole, "some/prefix/job/chk-1/0-0", "a")
	wantNotFound(t, whole, "job/chk-1/0-0")
	if err := prefixed.Delete(t.Context(), "job"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, whole, "some/prefix/job/chk-1/0-0")
}

func TestOpenCheckpointStorageS3MissingBucket(t *testing.T) {
	u := "s3://no-such-bucket/prefix?" + fakeS3(t)
	s, err := OpenCheckpointStorage(t.Context(), u, "")
	if err == nil {
		s.Close()
		t.Fatal("a missing bucket was accepted")
	}
	if !strings.Contains(err.Error(), u) {
		t.Fatalf("error %q does not name the URL", err)
	}
}

// TestCheckpointStorageS3CloseDropsConnections checks that Close leaves no
// keep-alive connection behind while the service is still up, as a node
// that closes its storage and goes on running would see.
func TestCheckpointStorageS3CloseDropsConnections(t *testing.T) {
	query := fakeS3(t)
	before := goleak.IgnoreCurrent()
	s, err := OpenCheckpointStorage(t.Context(), "s3://checkpoints/p?"+query, "")
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, "job/chk-1/0-0", "x")
	wantRead(t, s, "job/chk-1/0-0", "x")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, before)
}

func TestDropLocalCopyKeepsTheRemote(t *testing.T) {
	dir, local := t.TempDir(), t.TempDir()
	ctx := context.Background()
	s, err := OpenCheckpointStorage(ctx, "file://"+dir, local)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, k := range []string{"j/chk-1/0-0", "j/chk-1/0-1"} {
		if err := s.Write(ctx, k, []byte("state")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DropLocalCopy("j/chk-1/0-0"); err != nil {
		t.Fatal(err)
	}
	if err := s.DropLocalCopy("j/chk-1/0-0"); err != nil {
		t.Fatalf("dropping again: %v", err)
	}
	if _, err := os.Stat(filepath.Join(local, "j", "chk-1", "0-0")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("local copy still there: %v", err)
	}
	if got, err := s.Read(ctx, "j/chk-1/0-0"); err != nil || string(got) != "state" {
		t.Fatalf("read after drop: %q, %v", got, err)
	}
	if err := s.DropLocalCopy("j/chk-1/0-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(local, "j", "chk-1")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("emptied checkpoint folder still there: %v", err)
	}
}
