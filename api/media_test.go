package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/testdb"
)

const uploadLimit = 25 << 20

// uploadBody is a multipart body with one file in field.
func uploadBody(t testing.TB, field, filename, contentType string, content io.Reader) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	h.Set("Content-Type", contentType)
	part, err := w.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(part, content); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

// storedFiles lists the files under the media directory, temporary ones included.
func (e *env) storedFiles() []string {
	e.t.Helper()
	var files []string
	err := filepath.WalkDir(e.rt.Config.MediaDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(e.rt.Config.MediaDir, path)
			files = append(files, rel)
		}
		return nil
	})
	e.must(err)
	return files
}

func (e *env) upload(auth string, content []byte, filename, contentType string) response {
	e.t.Helper()
	body, ct := uploadBody(e.t, "file", filename, contentType, bytes.NewReader(content))
	return e.do(request{method: "POST", path: "/api/v2/media.json", auth: auth, body: body, contentType: ct})
}

// TestMediaSizeLimit: a file of exactly 25 MiB is kept, one byte more is refused in RapidPro's words, and
// neither leaves anything behind but the kept file, though both bodies are far over the API's body limit.
func TestMediaSizeLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		if e.rt.Config.MaxBodyBytes >= uploadLimit {
			t.Fatalf("the body limit (%d) must be below the upload limit for this test to mean anything", e.rt.Config.MaxBodyBytes)
		}
		full := bytes.Repeat([]byte{0x42}, uploadLimit)
		resp := e.upload("admin", full, "big.mp4", "video/mp4")
		if resp.status != http.StatusCreated {
			t.Fatalf("25 MiB: status %d %s", resp.status, resp.body)
		}
		var out struct {
			UUID string `json:"uuid"`
			Size int64  `json:"size"`
		}
		e.must(json.Unmarshal(resp.body, &out))
		if out.Size != uploadLimit {
			t.Errorf("size %d, want %d", out.Size, uploadLimit)
		}
		stored, err := os.ReadFile(filepath.Join(e.rt.Config.MediaDir, e.ws["nyaruka"].UUID, out.UUID, "big.mp4"))
		e.must(err)
		if !bytes.Equal(stored, full) {
			t.Errorf("stored %d bytes, not the ones sent", len(stored))
		}

		resp = e.upload("admin", append(full, 0x42), "bigger.mp4", "video/mp4")
		if resp.status != http.StatusBadRequest || !jsonEqual(resp.body, []byte(`{"file": ["Limit for file uploads is 25.0 MB."]}`)) {
			t.Errorf("25 MiB + 1: status %d %s", resp.status, resp.body)
		}
		if files := e.storedFiles(); len(files) != 1 {
			t.Errorf("files left: %v, want only the kept one", files)
		}
		if n := e.countRows("media", "1 = 1"); n != 1 {
			t.Errorf("%d media rows, want 1", n)
		}
	})
}

// countingReader counts what the server took of a body.
type countingReader struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// endless is a file that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// TestMediaBodyFarOverTheLimit: a body that never ends is cut off once it passes the upload limit and the
// room left for the form (the body limit), with a 413; the server stops reading it, and keeps nothing of it.
func TestMediaBodyFarOverTheLimit(t *testing.T) {
	e := newEnv(t, models.SQLite, envOptions{})
	head, ct := uploadBody(t, "file", "endless.mp4", "video/mp4", strings.NewReader(""))
	head = head[:bytes.LastIndex(head, []byte("\r\n--"))] // the part's content is left open: the file goes on
	body := &countingReader{r: io.MultiReader(bytes.NewReader(head), endless{})}
	req, err := http.NewRequest("POST", e.server.URL+"/api/v2/media.json", body)
	e.must(err)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", "Token "+e.tokens["admin"])
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d %s, want 413", resp.StatusCode, answer)
		}
	} else { // the server hung up on the client while it was still sending, which is also a refusal
		t.Logf("client: %v", err)
	}
	// that the call ends at all shows the server stopped reading; what the client sent past the bound sits in
	// the connection's buffers, which on loopback hold a few MB
	bound := int64(uploadLimit) + e.rt.Config.MaxBodyBytes
	if read := body.read.Load(); read > 2*bound {
		t.Errorf("the client sent %d bytes of the body, far past the server's bound of %d", read, bound)
	}
	if files := e.storedFiles(); len(files) != 0 {
		t.Errorf("files left: %v", files)
	}
	if n := e.countRows("media", "1 = 1"); n != 0 {
		t.Errorf("%d media rows, want none", n)
	}
}

// TestMediaNothingHalfWritten: a file whose row can't be written is removed, and a row is never written for a
// file that couldn't be kept.
func TestMediaNothingHalfWritten(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})

		// the media directory can't be made: nothing is kept, nothing is written
		mediaDir := e.rt.Config.MediaDir
		blocker := filepath.Join(t.TempDir(), "not-a-directory")
		e.must(os.WriteFile(blocker, []byte("x"), 0o644))
		e.rt.Config.MediaDir = blocker
		if resp := e.upload("admin", []byte("GIF89a"), "a.gif", "image/gif"); resp.status != http.StatusInternalServerError {
			t.Errorf("no media directory: status %d %s", resp.status, resp.body)
		}
		if n := e.countRows("media", "1 = 1"); n != 0 {
			t.Errorf("%d media rows for a file that wasn't kept", n)
		}
		e.rt.Config.MediaDir = mediaDir

		// the row can't be written: the file goes again
		e.must(e.db.Raw.Exec("DROP TABLE media").Error)
		if resp := e.upload("admin", []byte("GIF89a"), "a.gif", "image/gif"); resp.status != http.StatusInternalServerError {
			t.Errorf("no media table: status %d %s", resp.status, resp.body)
		}
		if files := e.storedFiles(); len(files) != 0 {
			t.Errorf("files left without rows: %v", files)
		}
	})
}

// TestMediaServedAsKept: the URL an upload answers with serves its bytes, whole or in ranges, with the type it
// was uploaded with; another workspace's URL with the same file name finds nothing.
func TestMediaServedAsKept(t *testing.T) {
	testdb.Each(t, func(t *testing.T, d models.Dialect) {
		e := newEnv(t, d, envOptions{})
		content := []byte("%PDF-1.4 a small document")
		resp := e.upload("admin", content, "report.pdf", "application/pdf")
		if resp.status != http.StatusCreated {
			t.Fatalf("status %d %s", resp.status, resp.body)
		}
		var out struct{ URL string }
		e.must(json.Unmarshal(resp.body, &out))
		path := strings.TrimPrefix(out.URL, "http://testserver")
		if !strings.HasPrefix(path, "/media/"+e.ws["nyaruka"].UUID+"/") {
			t.Fatalf("url %s", out.URL)
		}
		got := e.do(request{method: "GET", path: path})
		if got.status != http.StatusOK || !bytes.Equal(got.body, content) || got.header.Get("Content-Type") != "application/pdf" {
			t.Errorf("GET %s: %d %q %q", path, got.status, got.header.Get("Content-Type"), got.body)
		}
		ranged := e.do(request{method: "GET", path: path, headers: map[string]string{"Range": "bytes=0-3"}})
		if ranged.status != http.StatusPartialContent || string(ranged.body) != "%PDF" {
			t.Errorf("range: %d %q", ranged.status, ranged.body)
		}
		foreign := strings.Replace(path, e.ws["nyaruka"].UUID, e.ws["trileet"].UUID, 1)
		if got := e.do(request{method: "GET", path: foreign}); got.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", foreign, got.status)
		}

		// a file gone from the disk is a 404, not a 500
		e.must(os.RemoveAll(filepath.Join(e.rt.Config.MediaDir, e.ws["nyaruka"].UUID)))
		if got := e.do(request{method: "GET", path: path}); got.status != http.StatusNotFound {
			t.Errorf("GET of a removed file: %d", got.status)
		}
	})
}
