package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/labstack/echo/v4"
)

var exampleArchive = models.Archive{UUID: "3c9e0fb1-0c55-4ec8-8a55-4fc1c5c0b0d1", ArchiveType: models.ArchiveMessages, Period: models.ArchiveDaily,
	StartDate: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC), RecordCount: 1024, Size: 18_112, Hash: ptr("b4f1d5c3e0a94b7f8c2d6e1a9f3b5c7d")}

var archivesListDocs = OperationDocs{Title: "List Archives",
	Params: []Param{
		{Name: "type", Help: "The type of the archives: message or run (archive_type is the deprecated name)"},
		{Name: "period", Help: "The period of the archives: daily or monthly"},
		{Name: "before", Help: "Only archives starting on or before this date, e.g. 2025-01-31"},
		{Name: "after", Help: "Only archives starting on or after this date, e.g. 2025-01-01"},
		{Name: "limit", Help: "How many archives a page holds (default 250)"},
		{Name: "offset", Help: "How many archives to pass by before the page"},
	},
	Example: Example{Query: "type=message&period=daily", Status: http.StatusOK, Answer: offsetAnswer(convertArchive, exampleArchive)}}

// archiveDownloadExpiry is how long a download_url works, as RapidPro's presigned S3 URLs do.
const archiveDownloadExpiry = 24 * time.Hour

// archiveDownloadRoute is where archive files are served, with a signed, expiring query.
const archiveDownloadRoute = "/api/v2/archives/:uuid/download"

type archiveOut struct {
	Type        string  `json:"type"`
	StartDate   string  `json:"start_date"`
	Period      string  `json:"period"`
	RecordCount int64   `json:"record_count"`
	Size        int64   `json:"size"`
	Hash        *string `json:"hash"`
	DownloadURL *string `json:"download_url"`
	ArchiveType string  `json:"archive_type"` // deprecated name of type
}

// archiveOutWeni is Weni's (and RapidPro 8.3's) shape: archive_type only.
type archiveOutWeni struct {
	ArchiveType string  `json:"archive_type"`
	StartDate   string  `json:"start_date"`
	Period      string  `json:"period"`
	RecordCount int64   `json:"record_count"`
	Size        int64   `json:"size"`
	Hash        *string `json:"hash"`
	DownloadURL *string `json:"download_url"`
}

// convertArchive writes an archive; one with no file (no records) has no hash and no download_url.
func convertArchive(c *Ctx, a *models.Archive) any {
	var download *string
	if a.Hash != nil && c.Context == nil {
		// an example, made with no server: a link of the shape a server signs
		u := "https://flowsd.example.com/api/v2/archives/" + a.UUID + "/download?expires=1736208000&sig=" + strings.Repeat("5e", 32)
		download = &u
	} else if a.Hash != nil {
		if u, err := archiveDownloadURL(c, a); err == nil {
			download = &u
		} else {
			c.rt.Log.Error("signing an archive's download URL", "error", err)
		}
	}
	start := a.StartDate.UTC().Format(time.DateOnly)
	if c.weni() {
		return archiveOutWeni{ArchiveType: string(a.ArchiveType), StartDate: start, Period: string(a.Period), RecordCount: a.RecordCount,
			Size: a.Size, Hash: a.Hash, DownloadURL: download}
	}
	return archiveOut{Type: string(a.ArchiveType), StartDate: start, Period: string(a.Period), RecordCount: a.RecordCount, Size: a.Size,
		Hash: a.Hash, DownloadURL: download, ArchiveType: string(a.ArchiveType)}
}

// listArchives answers the workspace's archives newest first, dailies rolled into a monthly left out, by
// limit and offset as RapidPro's LimitOffsetPagination pages them.
func listArchives(c *Ctx) error {
	q := c.store().Archives(c.ws().ID)
	// type, else its deprecated name archive_type, as RapidPro reads them
	if t, ok := firstParam(c.query, "type", "archive_type"); ok {
		switch models.ArchiveType(t) {
		case models.ArchiveMessages, models.ArchiveRuns:
			q = q.OfType(models.ArchiveType(t))
		default:
			q = q.Nothing() // an unknown type has no archives
		}
	}
	switch p := models.ArchivePeriod(c.query.Get("period")); p {
	case models.ArchiveDaily, models.ArchiveMonthly:
		q = q.OfPeriod(p) // anything else is ignored, as in RapidPro
	}
	q = q.StartIn(timeRange(c.query))
	ctx, w := c.Request().Context(), readOffsetWindow(c)
	count, err := q.Count(ctx)
	if err != nil {
		return err
	}
	var results []any
	if int64(w.offset) < count {
		archives, err := q.Slice(ctx, w.limit, w.offset)
		if err != nil {
			return err
		}
		for i := range archives {
			results = append(results, convertArchive(c, &archives[i]))
		}
	}
	return respondOffsetPage(c, w, count, results)
}

// archiveKey is the key download URLs are signed with: --archive-key, else the database's, read once.
type archiveKey struct {
	mu  sync.Mutex
	key []byte
}

func (k *archiveKey) get(ctx context.Context, svc *Services) ([]byte, error) {
	if s := svc.Runtime.Config.ArchiveKey; s != "" {
		return []byte(s), nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.key == nil {
		s, err := svc.Store.Secret(ctx, "archive_downloads")
		if err != nil {
			return nil, err
		}
		k.key = []byte(s)
	}
	return k.key, nil
}

// archiveSignature signs an archive's UUID and the Unix time its link expires at.
func archiveSignature(key []byte, uuid string, expires int64) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(uuid + "|" + strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

// archiveDownloadURL is the absolute, signed URL an archive's file is downloaded from for the next 24 hours.
func archiveDownloadURL(c *Ctx, a *models.Archive) (string, error) {
	key, err := c.svc.archiveKeys.get(c.Request().Context(), c.svc)
	if err != nil {
		return "", err
	}
	expires := c.store().Now().Add(archiveDownloadExpiry).Unix()
	q := url.Values{"expires": {strconv.FormatInt(expires, 10)}, "sig": {archiveSignature(key, a.UUID, expires)}}
	return absoluteURL(c, "/api/v2/archives/"+a.UUID+"/download?"+q.Encode()), nil
}

var (
	errArchiveLink    = errDetail(http.StatusForbidden, "This download link is not valid.")
	errArchiveExpired = errDetail(http.StatusForbidden, "This download link has expired.")
)

// serveArchive serves an archive's file to whoever has a download_url that is signed and not expired, or
// with a token of its workspace (an editor's or administrator's). The bytes are the gzipped file as is: no
// Content-Encoding, so that clients don't unzip it and what they save matches hash and size.
func (s *server) serveArchive(c echo.Context) error {
	uuid := c.Param("uuid")
	if !isCanonicalUUID(uuid) {
		return errNotFound()
	}
	ctx := c.Request().Context()
	q := c.QueryParams()
	var workspaceID int64
	if sig := q.Get("sig"); sig != "" || c.Request().Header.Get("Authorization") == "" {
		key, err := s.svc.archiveKeys.get(ctx, s.svc)
		if err != nil {
			return err
		}
		expires, err := strconv.ParseInt(q.Get("expires"), 10, 64)
		if err != nil || !hmac.Equal([]byte(sig), []byte(archiveSignature(key, uuid, expires))) {
			return errArchiveLink
		}
		if !s.svc.Store.Now().Before(time.Unix(expires, 0)) {
			return errArchiveExpired
		}
	} else {
		p, err := authenticate(ctx, s.svc.Store, c.Request())
		if err != nil {
			return err
		}
		if !(&Operation{Roles: editors}).allows(p.Role) {
			return errPermission()
		}
		workspaceID = p.Workspace.ID
	}

	a, err := s.svc.Store.ArchiveByUUID(ctx, uuid)
	if models.IsNotFound(err) || err == nil && workspaceID != 0 && a.WorkspaceID != workspaceID {
		return errNotFound() // another workspace's archive is none of a token's business
	} else if err != nil {
		return err
	}
	p, ok := a.FilePath(s.rt.Config.ArchiveDir)
	if !ok {
		return errNotFound()
	}
	return serveFile(c, p, a.CreatedOn, "Content-Type", "application/octet-stream",
		"Content-Disposition", `attachment; filename="`+filepath.Base(p)+`"`, "ETag", `"`+*a.Hash+`"`, "Cache-Control", "private, max-age=86400")
}

// firstParam is the value of the first of names the query has that isn't empty.
func firstParam(q query, names ...string) (string, bool) {
	for _, n := range names {
		if v := q.Get(n); v != "" {
			return v, true
		}
	}
	return "", false
}
