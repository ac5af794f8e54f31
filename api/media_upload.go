package api

import (
	"bufio"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"unicode"
)

// An upload's body is read as a stream, never whole: a file goes to a temporary file in the media directory as
// it arrives, and the body as a whole is bounded, so a body far over the limit is cut off where it passes it.

// upload is a file received in a form, kept in a temporary file until it is placed or discarded.
type upload struct {
	filename    string // as sent, made safe as Django makes it
	contentType string // the part's, lowercased, without parameters; "" when it gave none
	size        int64  // bytes sent
	temp        string // the temporary file; "" once placed elsewhere
	truncated   bool   // more was sent than kept: the temporary file holds only the first bytes
}

// uploadForm is what an upload's body holds: the last file sent in each wanted field, and the last value of
// each plain field.
type uploadForm struct {
	files  map[string]*upload
	fields map[string]string
}

// discard removes the temporary files not placed.
func (f *uploadForm) discard() {
	for _, u := range f.files {
		u.discard()
	}
}

func (u *upload) discard() {
	if u.temp != "" {
		os.Remove(u.temp)
		u.temp = ""
	}
}

// readUploadForm reads a multipart or url-encoded body, as DRF's MultiPartParser and FormParser do (anything
// else is a 415). Files of the wanted fields are written to temporary files in dir, each up to keep bytes
// (their size counts all that was sent); the body may be keep plus the configured body limit long, for the
// form's other fields and its framing, and plain fields together only the body limit.
func readUploadForm(c *Ctx, dir string, wanted []string, keep int64) (*uploadForm, error) {
	req := c.Request()
	limit := keep + c.rt.Config.MaxBodyBytes
	body := bufio.NewReader(http.MaxBytesReader(c.Response().Writer, req.Body, limit))
	form := &uploadForm{files: map[string]*upload{}, fields: map[string]string{}}
	if _, err := body.Peek(1); errors.Is(err, io.EOF) {
		return form, nil // an empty body holds nothing, whatever its type
	}

	contentType := req.Header.Get("Content-Type")
	mediaType, params, _ := mime.ParseMediaType(contentType)
	switch mediaType {
	case "multipart/form-data":
		err := form.readMultipart(c, body, params["boundary"], dir, wanted, keep)
		if err != nil {
			form.discard()
			return nil, uploadError(err, limit)
		}
		return form, nil
	case "application/x-www-form-urlencoded":
		raw, err := readBodyBytes(&http.Request{Body: io.NopCloser(body)}, c.rt.Config.MaxBodyBytes)
		if err != nil {
			return nil, err
		}
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, errDetail(http.StatusBadRequest, "Form parse error - "+err.Error())
		}
		for k, vs := range vals {
			form.fields[k] = strings.ToValidUTF8(vs[len(vs)-1], "\uFFFD")
		}
		return form, nil
	}
	return nil, errDetail(http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", contentType))
}

// errPlainFieldsTooBig says the form's plain fields outgrew the body limit.
var errPlainFieldsTooBig = errors.New("plain fields too big")

func (f *uploadForm) readMultipart(c *Ctx, body io.Reader, boundary, dir string, wanted []string, keep int64) error {
	if boundary == "" {
		return errMultipart{"Invalid boundary in multipart: None"}
	}
	mr := multipart.NewReader(body, boundary)
	plainLeft := c.rt.Config.MaxBodyBytes
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		name := part.FormName()
		_, disposition, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		rawFilename, isFile := disposition["filename"]
		switch {
		case name == "":
			_, err = io.Copy(io.Discard, part)
		case isFile:
			filename := djangoFilename(rawFilename)
			if filename == "" || !slices.Contains(wanted, name) {
				_, err = io.Copy(io.Discard, part) // Django skips a file it can't name
				break
			}
			var u *upload
			if u, err = receiveFile(part, dir, keep); err == nil {
				u.filename = filename
				if old := f.files[name]; old != nil {
					old.discard()
				}
				f.files[name] = u
			}
		default:
			var value []byte
			value, err = io.ReadAll(io.LimitReader(part, plainLeft+1))
			if plainLeft -= int64(len(value)); plainLeft < 0 {
				err = errPlainFieldsTooBig
			}
			f.fields[name] = strings.ToValidUTF8(string(value), "\uFFFD")
		}
		if err != nil {
			return err
		}
	}
}

// receiveFile writes a file part to a temporary file in dir, keeping up to keep bytes and counting the rest.
func receiveFile(part *multipart.Part, dir string, keep int64) (*upload, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, diskError{err}
	}
	tmp, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return nil, diskError{err}
	}
	u := &upload{temp: tmp.Name(), contentType: partContentType(part.Header.Get("Content-Type"))}
	kept, err := copyFrom(tmp, io.LimitReader(part, keep))
	if err == nil {
		var rest int64
		rest, err = io.Copy(io.Discard, part)
		u.size, u.truncated = kept+rest, rest > 0
	}
	if err == nil {
		if err = tmp.Sync(); err != nil {
			err = diskError{err}
		}
	}
	if closeErr := tmp.Close(); err == nil && closeErr != nil {
		err = diskError{closeErr}
	}
	if err != nil {
		u.discard()
		return nil, err
	}
	return u, nil
}

// partContentType is a part's type as Django reads it: lowercased, without its parameters.
func partContentType(header string) string {
	mediaType, _, _ := strings.Cut(header, ";")
	return strings.ToLower(strings.TrimSpace(mediaType))
}

// djangoFilename is the name Django gives an uploaded file: HTML entities decoded, only what follows the last
// slash or backslash, unprintable characters dropped; "" (the file is ignored) when nothing is left or it is
// "." or "..".
func djangoFilename(raw string) string {
	name := html.UnescapeString(raw)
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, "\uFFFD"))
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// copyFrom copies a part to a file, telling a failure to write (the disk's) from a failure to read (the body's).
func copyFrom(dst *os.File, src io.Reader) (int64, error) {
	var written int64
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return written, diskError{werr}
			}
			written += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return written, nil
		} else if err != nil {
			return written, err
		}
	}
}

// diskError is a failure to keep what was received: the server's fault, not the body's.
type diskError struct{ err error }

func (e diskError) Error() string { return e.err.Error() }
func (e diskError) Unwrap() error { return e.err }

// errMultipart is a body that isn't a well-formed multipart form.
type errMultipart struct{ reason string }

func (e errMultipart) Error() string { return e.reason }

// uploadError is the answer to a body that couldn't be read: a 413 past the limit, a 400 when it is malformed.
func uploadError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	var malformed errMultipart
	switch {
	case errors.As(err, &tooBig):
		return errDetail(http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body exceeds the limit of %d bytes.", limit))
	case errors.Is(err, errPlainFieldsTooBig):
		return errDetail(http.StatusRequestEntityTooLarge, "Request body exceeds the limit for form fields.")
	case errors.As(err, &malformed):
		return errDetail(http.StatusBadRequest, "Multipart form parse error - "+malformed.reason)
	case errors.As(err, new(diskError)):
		return err // the disk failed us: a 500
	}
	return errDetail(http.StatusBadRequest, "Multipart form parse error - "+err.Error())
}
