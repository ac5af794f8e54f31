package api

import (
	"fmt"
	"mime"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flowsd/flowsd/models"
)

// maxUploadBytes is how big an uploaded file may be (RapidPro's Media.MAX_UPLOAD_SIZE, 25 MiB).
const maxUploadBytes = 25 << 20

// publishedMedia is an uploaded file with the URL it is served at.
type publishedMedia struct {
	models.Media
	URL string
}

var exampleMedia = publishedMedia{
	Media: models.Media{UUID: "b97f69f7-5edf-45c7-9fda-d37066eae91d", ContentType: "image/jpeg", Filename: "steve marten.jpg", Size: 7461},
	URL:   "https://flowsd.example.com/media/" + exampleWorkspace.UUID + "/b97f69f7-5edf-45c7-9fda-d37066eae91d/steve%20marten.jpg",
}

var mediaWriteDocs = OperationDocs{Title: "Upload Media",
	Fields: []Param{{Name: "file", Required: true, Help: "The file, sent as multipart/form-data: an image (APNG, AVIF, GIF, JPEG, PNG or WebP), audio, video or a PDF of at most 25 MB"}},
	Example: Example{Body: map[string]any{"file": exampleMedia.Filename}, Status: http.StatusCreated,
		Answer: objectAnswer(convertMedia, exampleMedia)},
	Upload: true}

type mediaOut struct {
	UUID        string `json:"uuid"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
}

func convertMedia(_ *Ctx, m *publishedMedia) any {
	return mediaOut{UUID: m.UUID, ContentType: m.ContentType, URL: m.URL, Filename: m.Filename, Size: m.Size}
}

// uploadMedia keeps a file for messages to carry, as RapidPro's media endpoint does (Weni's differs: see
// uploadWeniMedia). The file is in place before its row is written, and removed if the row can't be.
func uploadMedia(c *Ctx) error {
	field := "file"
	if c.weni() {
		field = "media_file"
	}
	form, err := readUploadForm(c, c.workspaceMediaDir(), []string{field}, maxUploadBytes)
	if err != nil {
		return err
	}
	defer form.discard()
	if c.weni() {
		return uploadWeniMedia(c, form)
	}

	u, msg := checkUpload(form, field)
	if msg != "" {
		v := &validation{}
		v.add(field, msg)
		return errValidation(v)
	}
	filename := mediaFilename(u.filename, u.contentType)
	contentType := u.contentType
	if strings.HasSuffix(filename, ".m4a") {
		contentType = "audio/mp4" // browsers send m4a files as other types, as RapidPro corrects
	}
	m, err := keepUpload(c, u, contentType, filename, "")
	if err != nil {
		return err
	}
	return c.respond(http.StatusCreated, convertMedia(c, &publishedMedia{Media: *m, URL: mediaURL(c, m)}))
}

// checkUpload finds the file sent in field, or DRF's and RapidPro's reason to refuse it, in their order.
func checkUpload(form *uploadForm, field string) (*upload, string) {
	u := form.files[field]
	switch {
	case u == nil:
		if _, sentAsText := form.fields[field]; sentAsText {
			return nil, "The submitted data was not a file. Check the encoding type on the form."
		}
		return nil, "No file was submitted."
	case u.size == 0:
		return nil, "The submitted file is empty."
	case !allowedUpload(u.contentType):
		return nil, "Unsupported file type."
	case u.size > maxUploadBytes || u.truncated:
		return nil, uploadLimitMessage()
	}
	return u, ""
}

// uploadLimitMessage says how big a file may be, in MB written as Python writes a float.
func uploadLimitMessage() string {
	mb := strconv.FormatFloat(float64(maxUploadBytes)/(1<<20), 'f', -1, 64)
	if !strings.Contains(mb, ".") {
		mb += ".0"
	}
	return fmt.Sprintf("Limit for file uploads is %s MB.", mb)
}

// keepUpload places a received file in the workspace's media directory under a new media UUID and writes its
// row; if the row can't be written, the file goes again. uuid is the media's, "" for a new one.
func keepUpload(c *Ctx, u *upload, contentType, filename, uuid string) (*models.Media, error) {
	if uuid == "" {
		uuid = c.store().NewUUID()
	}
	rel := mediaPath(c.ws().UUID, uuid, filename)
	if err := placeUpload(u, c.rt.Config.MediaDir, rel); err != nil {
		return nil, err
	}
	m, err := c.store().CreateMedia(c.Request().Context(), c.ws().ID, models.MediaSpec{UUID: uuid, ContentType: contentType,
		Filename: filename, Size: u.size, Path: rel, CreatedByID: c.principal.User.ID})
	if err != nil {
		unplace(c.rt.Config.MediaDir, rel)
		return nil, err
	}
	return m, nil
}

// workspaceMediaDir is where the workspace's files are kept, and uploads wait while they arrive.
func (c *Ctx) workspaceMediaDir() string { return filepath.Join(c.rt.Config.MediaDir, c.ws().UUID) }

type weniMediaOut struct {
	Location string `json:"location"`
}

// uploadWeniMedia is Weni's media endpoint: a file in media_file and its extension in extension, kept under a
// new UUID with that extension, whatever its type; without either, a 400 with {}. The extension keeps only its
// letters and digits, so it can't reach outside the file's directory.
func uploadWeniMedia(c *Ctx, form *uploadForm) error {
	u := form.files["media_file"]
	if u == nil || form.fields["extension"] == "" {
		return &apiError{status: http.StatusBadRequest, body: struct{}{}}
	}
	if u.truncated {
		v := &validation{}
		v.add("media_file", uploadLimitMessage())
		return errValidation(v)
	}
	uuid := c.store().NewUUID()
	filename := uuid
	if ext := strings.Map(keepAlnum, form.fields["extension"]); ext != "" {
		filename += "." + ext[:min(len(ext), maxWeniExtension)]
	}
	contentType := u.contentType
	if contentType == "" {
		contentType = partContentType(mime.TypeByExtension(filepath.Ext(filename)))
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	m, err := keepUpload(c, u, contentType, filename, uuid)
	if err != nil {
		return err
	}
	return c.respond(http.StatusCreated, weniMediaOut{Location: mediaURL(c, m)})
}

// maxWeniExtension bounds the extension a Weni upload is kept with.
const maxWeniExtension = 16

func keepAlnum(r rune) rune {
	if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
		return r
	}
	return -1
}
