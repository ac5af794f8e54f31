package api

import (
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/flowsd/flowsd/models"
	"github.com/labstack/echo/v4"
)

// Uploaded files live in the media directory as <workspace uuid>/<media uuid>/<filename>, and are served
// from /media/ at the same path to anyone who has the URL, as RapidPro's are from its public storage.

// mediaRoute is where the API server serves uploaded files.
const mediaRoute = "/media/"

// mediaPath is where a file is kept under the media directory, and served under mediaRoute.
func mediaPath(workspaceUUID, mediaUUID, filename string) string {
	return path.Join(workspaceUUID, mediaUUID, filename)
}

// mediaURL is the absolute URL a file is served at, on the host the request came to.
func mediaURL(c *Ctx, m *models.Media) string {
	return absoluteURL(c, mediaRoute+c.ws().UUID+"/"+m.UUID+"/"+url.PathEscape(m.Filename))
}

// placeUpload moves a received file to where it is kept, atomically: the file is there whole or not at all.
func placeUpload(u *upload, mediaDir, rel string) error {
	dst := filepath.Join(mediaDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(u.temp, dst); err != nil {
		return err
	}
	u.temp = ""
	return nil
}

// unplace removes a placed file and its directory, when its row couldn't be written.
func unplace(mediaDir, rel string) {
	dst := filepath.Join(mediaDir, filepath.FromSlash(rel))
	os.Remove(dst)
	os.Remove(filepath.Dir(dst))
}

// maxFilenameBytes bounds stored names: the path column (255) holds the two UUIDs and the name, and file
// systems allow 255 bytes a name.
const maxFilenameBytes = 180

// mediaFilename is the name RapidPro keeps an upload under (Media.clean_name): the base name with only word
// characters, spaces, hyphens, brackets and parentheses (or "file" if none are left), and its extension when
// it is letters and digits, else the content type's usual one (or ".bin").
func mediaFilename(sent, contentType string) string {
	base, ext := splitExt(sent)
	base = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == '_' || r == '-' || r == '[' || r == ']' || r == '(' || r == ')' || r == ' ' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Nl, unicode.No) {
			return r
		}
		return -1
	}, base))
	if utf8.RuneCountInString(base) > 255 {
		base = string([]rune(base)[:255])
	}
	if base == "" {
		base = "file"
	}
	if utf8.RuneCountInString(ext) < 2 || !isAlnum(ext[1:]) {
		ext = extensionFor(contentType)
	}
	for len(base)+len(ext) > maxFilenameBytes {
		if r := []rune(base); len(r) > 1 {
			base = string(r[:len(r)-1])
		} else {
			ext = string([]rune(ext)[:len([]rune(ext))-1])
		}
	}
	return base + ext
}

// splitExt splits a name as Python's os.path.splitext does: the extension starts at the last dot, unless only
// dots come before it.
func splitExt(name string) (string, string) {
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || strings.Trim(name[:dot], ".") == "" {
		return name, ""
	}
	return name[:dot], name[dot:]
}

func isAlnum(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.In(r, unicode.Nl, unicode.No) {
			return false
		}
	}
	return s != ""
}

// usualExtensions are the extensions Python's mimetypes gives the types uploads may have.
var usualExtensions = map[string]string{
	"image/apng": ".apng", "image/avif": ".avif", "image/gif": ".gif", "image/jpeg": ".jpg", "image/png": ".png",
	"image/webp": ".webp", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/ogg": ".oga", "audio/x-wav": ".wav",
	"audio/aac": ".aac", "audio/flac": ".flac", "video/mp4": ".mp4", "video/mpeg": ".mpeg", "video/quicktime": ".mov",
	"video/webm": ".webm", "video/ogg": ".ogv", "application/pdf": ".pdf",
}

func extensionFor(contentType string) string {
	if ext, ok := usualExtensions[contentType]; ok {
		return ext
	}
	return ".bin"
}

// allowedUpload reports whether files of a content type may be uploaded (RapidPro's Media.ALLOWED_CONTENT_TYPES).
func allowedUpload(contentType string) bool {
	switch contentType {
	case "image/apng", "image/avif", "image/gif", "image/jpeg", "image/png", "image/webp", "application/pdf":
		return true
	}
	return strings.HasPrefix(contentType, "audio/") || strings.HasPrefix(contentType, "video/")
}

// serveMedia answers /media/<workspace uuid>/<media uuid>/<filename> with the file and the content type it
// was uploaded with; any other path, or a file that is gone, is a 404. The path only finds a row: the file
// read is the row's own, so no path given can reach outside the media directory.
func (s *server) serveMedia(c echo.Context) error {
	wsUUID, mediaUUID := c.Param("workspace"), c.Param("media")
	filename, err := url.PathUnescape(c.Param("file"))
	if err != nil || !isCanonicalUUID(wsUUID) || !isCanonicalUUID(mediaUUID) {
		return errNotFound()
	}
	m, err := s.svc.Store.PublishedMedia(c.Request().Context(), wsUUID, mediaUUID)
	if models.IsNotFound(err) || err == nil && m.Filename != filename {
		return errNotFound()
	} else if err != nil {
		return err
	}
	return serveFile(c, filepath.Join(s.rt.Config.MediaDir, filepath.FromSlash(m.Path)), m.CreatedOn,
		"Content-Type", m.ContentType, "Cache-Control", "public, max-age=86400")
}

// serveFile answers with a file as it is (ranges and conditional requests included), with the given headers
// (name, value, …) and never sniffed; a file that isn't there is a 404.
func serveFile(c echo.Context, path string, modified time.Time, headers ...string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return errNotFound()
	} else if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Response(), c.Request(), "", modified, f)
	return nil
}

// isCanonicalUUID reports whether s is a UUID written as the server writes them: lowercase, hyphenated.
func isCanonicalUUID(s string) bool {
	u, ok := normalizeUUID(s)
	return ok && u == s
}
