package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"
)

// ErrCheckpointNotFound is what a Read of a key that was never written, or
// was deleted, wraps: callers tell a missing checkpoint from a broken store
// with errors.Is.
var ErrCheckpointNotFound = errors.New("checkpoint not found")

const (
	// localTrailerSize is the length of what follows the data in a local
	// copy: the data's length (8 bytes) and its CRC-32C (4 bytes), both big
	// endian. A trailer rather than a sidecar file keeps data and checksum in
	// one file, made visible by one rename.
	localTrailerSize = 8 + 4
	// localDirMode is the permission of the directories Write creates under
	// localDir; the copies themselves are created private (0600), as
	// os.CreateTemp makes them, since they hold users' state.
	localDirMode = 0o755
)

// castagnoli is the CRC-32C table the local copies' trailers use: CRC-32C
// has hardware support on amd64 and arm64, so checking a copy costs little
// next to reading it.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CheckpointStorage is where one checkpoint storage URL's state goes, plus a
// local copy for local recovery.
//
// The URL's store (a directory or an S3 bucket) is the checkpoint's truth; the
// local copy under localDir is Flink's task-local state: a second copy on the
// node that wrote it, so a subtask restarted on the same node restores
// without a download. A Read prefers the local copy, and falls back to the
// URL's store whenever the local copy is missing or fails its checksum.
//
// Keys are slash-separated paths such as "JOBID/chk-42/3-1": non-empty
// segments other than "." and "..", without control characters or
// backslashes, so that each key is the same relative path in a directory, in
// a bucket and under localDir. As in a file system, a key cannot also be a
// prefix of another key ("a" and "a/b").
//
// A CheckpointStorage is safe for concurrent use, and a Read never returns a
// partly written value. Two concurrent Writes of one key may leave the
// URL's object and the local copy with different ones of the two values;
// checkpoints, whose keys are each written once, never do that.
type CheckpointStorage struct {
	url    string
	bucket *blob.Bucket
	// fileDir is the directory of a file URL, "" for S3: fileblob deletes
	// files only, so Delete removes the directories it emptied here itself.
	fileDir string
	// transport carries an S3 bucket's requests, nil for a file URL: Close
	// closes its idle connections (see openS3).
	transport *http.Transport
	localDir  string
}

// OpenCheckpointStorage opens the checkpoint storage at url, keeping a local
// copy of everything written under localDir, or none if localDir is "".
// Both the URL's directory and localDir are created if missing.
//
// URLs:
//
//   - file:///abs/dir: the directory /abs/dir (and its parents) is created if
//     missing. Relative paths and query parameters are refused. Objects are
//     written to a temporary file next to their final name and renamed into
//     place when complete (fileblob's no_tmp_dir mode: a temporary file in
//     the system's temp dir could sit on another file system, where the rename
//     fails), so a reader sees the old object or the whole new one. No
//     metadata sidecar files are written.
//   - s3://bucket/prefix?query: every key is stored under prefix/ in bucket
//     (the prefix is optional). S3 stores an object only once it is complete.
//     Credentials come from the AWS SDK's default chain (environment,
//     shared files, instance role). The query takes the parameters of
//     gocloud.dev's s3blob URL opener, among them:
//     region=R (the bucket's region, unless the environment sets it);
//     endpoint=URL (an S3-compatible service, scheme included, e.g.
//     endpoint=http://127.0.0.1:9000); use_path_style=true (the bucket
//     goes in the URL's path rather than its host name, which most
//     S3-compatible services need); disable_https=true; profile=NAME (a
//     shared config profile); anonymous=true;
//     request_checksum_calculation=when_required and
//     response_checksum_validation=when_required (for services that do not
//     know the SDK's default CRC checksums); ssetype and kmskeyid
//     (server-side encryption). An unknown parameter is an error.
//
// Opening checks that the directory or bucket is accessible, so a wrong URL
// or missing credentials fail here rather than at the first checkpoint.
func OpenCheckpointStorage(ctx context.Context, url, localDir string) (*CheckpointStorage, error) {
	s := &CheckpointStorage{url: url, localDir: localDir}
	bucket, err := s.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpoint storage %s: %w", url, err)
	}
	s.bucket = bucket
	if err := s.checkAccessible(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("checkpoint storage %s: %w", url, err), s.Close())
	}
	if localDir != "" {
		if err := os.MkdirAll(localDir, localDirMode); err != nil {
			return nil, errors.Join(fmt.Errorf("checkpoint storage %s: local dir: %w", url, err), s.Close())
		}
	}
	return s, nil
}

// open parses s.url and opens its bucket.
func (s *CheckpointStorage) open(ctx context.Context) (*blob.Bucket, error) {
	u, err := url.Parse(s.url)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case fileblob.Scheme:
		dir, err := fileURLDir(u)
		if err != nil {
			return nil, err
		}
		s.fileDir = dir
		return fileblob.OpenBucket(dir, &fileblob.Options{
			CreateDir: true,
			NoTempDir: true,
			Metadata:  fileblob.MetadataDontWrite,
		})
	case s3blob.Scheme:
		bucket, transport, err := openS3(ctx, u)
		s.transport = transport
		return bucket, err
	case "":
		return nil, errors.New("no scheme (want file:///abs/dir or s3://bucket/prefix)")
	default:
		return nil, fmt.Errorf("unsupported scheme %q (want file:///abs/dir or s3://bucket/prefix)", u.Scheme)
	}
}

// fileURLDir returns the absolute directory a file URL names.
func fileURLDir(u *url.URL) (string, error) {
	if u.Opaque != "" || u.Host == "." {
		return "", errors.New("relative path (want file:///abs/dir)")
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("host %q in a file URL (want file:///abs/dir)", u.Host)
	}
	if u.RawQuery != "" {
		return "", errors.New("file URLs take no query parameters")
	}
	if u.Path == "" {
		return "", errors.New("no directory (want file:///abs/dir)")
	}
	dir := filepath.Clean(filepath.FromSlash(u.Path))
	if !filepath.IsAbs(dir) {
		return "", errors.New("relative path (want file:///abs/dir)")
	}
	return dir, nil
}

// openS3 opens the bucket of an s3:// URL through s3blob's URL opener, so
// every query parameter it knows works here, and applies the URL's path as a
// key prefix, which the opener itself ignores.
//
// The opener's client sends through the AWS SDK's default HTTP client, whose
// transport nobody outside the SDK can reach, so its idle keep-alive
// connections (two goroutines each) would outlive Close by the SDK's idle
// timeout. The client is therefore rebuilt from the opener's options with a
// transport of the same defaults that Close can empty; the opener's bucket
// options (encryption, checksums) carry over.
func openS3(ctx context.Context, u *url.URL) (*blob.Bucket, *http.Transport, error) {
	if u.Host == "" {
		return nil, nil, errors.New("no bucket (want s3://bucket/prefix)")
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		if err := checkKey(prefix); err != nil {
			return nil, nil, fmt.Errorf("prefix: %w", err)
		}
	}
	bucketURL := *u
	bucketURL.Path, bucketURL.RawPath = "", ""
	opener := new(s3blob.URLOpener)
	opened, err := opener.OpenBucketURL(ctx, &bucketURL)
	if err != nil {
		return nil, nil, err
	}
	var client *s3.Client
	ok := opened.As(&client)
	if err := opened.Close(); err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, errors.New("s3blob bucket has no S3 client")
	}
	transport := awshttp.NewBuildableClient().GetTransport()
	client = s3.New(client.Options(), func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: transport}
	})
	bucket, err := s3blob.OpenBucket(ctx, client, u.Host, &opener.Options)
	if err != nil {
		return nil, nil, err
	}
	if prefix != "" {
		bucket = blob.PrefixedBucket(bucket, prefix+"/")
	}
	return bucket, transport, nil
}

// checkAccessible reports a missing directory or bucket, or one the
// credentials cannot reach, as an error.
func (s *CheckpointStorage) checkAccessible(ctx context.Context) error {
	ok, err := s.bucket.IsAccessible(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("bucket does not exist or is not accessible")
	}
	return nil
}

// URL returns the URL the storage was opened with.
func (s *CheckpointStorage) URL() string { return s.url }

// Write stores data under key: first at the URL, then as the local copy
// under localDir. The local copy is written to a temporary file in the same
// directory, with a trailer of the data's length and CRC-32C, and renamed
// into place. It is not fsynced: after a crash a torn copy fails its
// checksum and Read takes the URL's object, which is the one that counts.
//
// An error after the URL's object was written means the local copy failed;
// the old local copy of key, if any, is then removed, so that a later Read
// can never return it instead of the new object.
func (s *CheckpointStorage) Write(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return s.errorf("write", key, err)
	}
	opts := &blob.WriterOptions{ContentType: "application/octet-stream"}
	if err := s.bucket.WriteAll(ctx, key, data, opts); err != nil {
		return s.errorf("write", key, err)
	}
	if s.localDir == "" {
		return nil
	}
	path := s.localPath(key)
	if err := writeLocalCopy(path, data); err != nil {
		if rmErr := os.Remove(path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
		return s.errorf("write", key, fmt.Errorf("local copy: %w", err))
	}
	return nil
}

// Read returns the data stored under key: the local copy if there is one and
// its trailer matches, else the URL's object. A key that is not stored
// returns an error wrapping ErrCheckpointNotFound.
func (s *CheckpointStorage) Read(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, s.errorf("read", key, err)
	}
	if s.localDir != "" {
		if data, ok := readLocalCopy(s.localPath(key)); ok {
			return data, nil
		}
	}
	data, err := s.bucket.ReadAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, s.errorf("read", key, ErrCheckpointNotFound)
	}
	if err != nil {
		return nil, s.errorf("read", key, err)
	}
	return data, nil
}

// Delete removes the key prefix and every key under prefix + "/", at the URL
// and in localDir. The prefix is whole path segments: Delete of
// "JOBID/chk-4" removes "JOBID/chk-4/3-1" but never "JOBID/chk-42/3-1". A
// trailing slash is ignored. Keys already gone are not an error, so a Delete
// interrupted halfway can simply be repeated.
func (s *CheckpointStorage) Delete(ctx context.Context, prefix string) error {
	prefix = strings.TrimSuffix(prefix, "/")
	if err := checkKey(prefix); err != nil {
		return s.errorf("delete", prefix, err)
	}
	keys, err := s.keysUnder(ctx, prefix)
	if err != nil {
		return s.errorf("delete", prefix, err)
	}
	for _, key := range keys {
		if err := s.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return s.errorf("delete", prefix, err)
		}
	}
	if s.fileDir != "" {
		if err := pruneEmptyDirs(filepath.Join(s.fileDir, filepath.FromSlash(prefix))); err != nil {
			return s.errorf("delete", prefix, err)
		}
	}
	if s.localDir != "" {
		if err := os.RemoveAll(s.localPath(prefix)); err != nil {
			return s.errorf("delete", prefix, fmt.Errorf("local copy: %w", err))
		}
	}
	return nil
}

// DropLocalCopy removes the local copy of key, leaving the URL's object:
// a node keeps only its subtasks' latest state for local recovery.
// A missing copy is not an error.
func (s *CheckpointStorage) DropLocalCopy(key string) error {
	if err := checkKey(key); err != nil {
		return s.errorf("drop local copy", key, err)
	}
	if s.localDir == "" {
		return nil
	}
	if err := os.Remove(s.localPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.errorf("drop local copy", key, err)
	}
	dir := filepath.Dir(s.localPath(key))
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) && !isNotEmpty(err) {
		return s.errorf("drop local copy", key, err)
	}
	return nil
}

// isNotEmpty reports an error of removing a directory that still holds
// files (another subtask's copies of the same checkpoint).
func isNotEmpty(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && (errors.Is(pe.Err, syscall.ENOTEMPTY) || errors.Is(pe.Err, syscall.EEXIST))
}

// keysUnder lists the keys Delete removes. All of them are listed before the
// first is deleted, because fileblob lists by walking the directory that the
// deletes change.
func (s *CheckpointStorage) keysUnder(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	exists, err := s.bucket.Exists(ctx, prefix)
	if err != nil {
		return nil, err
	}
	if exists {
		keys = append(keys, prefix)
	}
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix + "/"})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return keys, nil
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, obj.Key)
	}
}

// Close releases the bucket and its idle connections; it leaves no
// goroutine behind once no call is in flight. The local copies stay for the
// next process on this node.
func (s *CheckpointStorage) Close() error {
	err := s.bucket.Close()
	if s.transport != nil {
		s.transport.CloseIdleConnections()
	}
	if err != nil {
		return fmt.Errorf("checkpoint storage %s: close: %w", s.url, err)
	}
	return nil
}

// errorf wraps err with the storage's URL, the operation and the key.
func (s *CheckpointStorage) errorf(op, key string, err error) error {
	return fmt.Errorf("checkpoint storage %s: %s %s: %w", s.url, op, key, err)
}

// localPath is where key's local copy lives.
func (s *CheckpointStorage) localPath(key string) string {
	return filepath.Join(s.localDir, filepath.FromSlash(key))
}

// checkKey refuses keys that would not be the same relative path in a
// directory, in a bucket and under localDir: empty segments, "." and "..",
// control characters and backslashes.
func checkKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("invalid key %q: empty, \".\" or \"..\" path segment", key)
		}
	}
	if strings.ContainsFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return fmt.Errorf("invalid key %q: control character or backslash", key)
	}
	return nil
}

// writeLocalCopy writes data and its trailer to a temporary file beside path
// and renames it to path, so a reader never sees a partial copy.
func writeLocalCopy(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, localDirMode); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	var trailer [localTrailerSize]byte
	binary.BigEndian.PutUint64(trailer[:8], uint64(len(data)))
	binary.BigEndian.PutUint32(trailer[8:], crc32.Checksum(data, castagnoli))
	_, err = f.Write(data)
	if err == nil {
		_, err = f.Write(trailer[:])
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return errors.Join(err, os.Remove(f.Name()))
	}
	return nil
}

// readLocalCopy returns the data of the local copy at path, and false if
// there is none or its trailer does not match: either way the caller reads
// the URL's object instead, so why the copy is unusable does not matter.
func readLocalCopy(path string) ([]byte, bool) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) < localTrailerSize {
		return nil, false
	}
	n := len(b) - localTrailerSize
	data, trailer := b[:n], b[n:]
	if binary.BigEndian.Uint64(trailer[:8]) != uint64(n) ||
		binary.BigEndian.Uint32(trailer[8:]) != crc32.Checksum(data, castagnoli) {
		return nil, false
	}
	return data, true
}

// pruneEmptyDirs removes dir and the directories under it that are empty,
// deepest first. fileblob deletes files but leaves their directories, which
// would otherwise pile up, one per deleted checkpoint. A directory that is
// not empty (a write raced the Delete) stays.
func pruneEmptyDirs(dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		err := os.Remove(dirs[i])
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) {
			return err
		}
	}
	return nil
}
