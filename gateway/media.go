package gateway

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/flowsd/flowsd/channels"
	"github.com/flowsd/flowsd/models"
)

// MaxMediaBytes bounds a file fetched for an incoming message: WhatsApp's largest (a document) is 100 MB.
const MaxMediaBytes = 100 << 20

// fetchMedia downloads the files a type's gateway keeps for the messages received (ReceivedMsg.Media) into the
// media directory, as media.json keeps uploads, and adds each to its message's attachments as
// "<content type>:<its public URL>" on the host the request came to. A file that can't be fetched leaves its
// message without it (the message is still taken); the errors are for the channel's log.
func (g *Gateway) fetchMedia(ctx context.Context, r *http.Request, h channels.Handler, row *models.Channel, ch *channels.Channel, received []channels.Received) []error {
	fetcher, ok := h.(channels.MediaFetcher)
	var errs []error
	var ws *models.Workspace
	for _, rec := range received {
		if rec.Msg == nil || len(rec.Msg.Media) == 0 {
			continue
		}
		if !ok {
			return nil
		}
		if rec.Msg.ExternalID != "" {
			// a redelivery is answered with the first message: its files were kept then
			if dup, err := g.store.Reader(ctx).IncomingByExternalID(row.ID, rec.Msg.ExternalID); err != nil || dup != nil {
				if err != nil {
					errs = append(errs, err)
				}
				continue
			}
		}
		if ws == nil {
			var err error
			if ws, err = g.store.GetWorkspaceByID(ctx, row.WorkspaceID); err != nil {
				return append(errs, err)
			}
		}
		for _, ref := range rec.Msg.Media {
			att, err := g.keepMedia(ctx, r, fetcher, ws, ch, ref)
			if err != nil {
				errs = append(errs, fmt.Errorf("unable to fetch media %s: %w", ref.ID, err))
				continue
			}
			rec.Msg.Attachments = append(rec.Msg.Attachments, att)
		}
	}
	return errs
}

// keepMedia fetches one file, places it whole (or not at all) and records it.
func (g *Gateway) keepMedia(ctx context.Context, r *http.Request, fetcher channels.MediaFetcher, ws *models.Workspace, ch *channels.Channel, ref channels.MediaRef) (string, error) {
	contentType, body, err := fetcher.FetchMedia(ctx, ch, ref, g.http)
	if err != nil {
		return "", err
	}
	defer body.Close()
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		contentType = mt
	} else {
		contentType = "application/octet-stream"
	}

	mediaUUID := g.store.NewUUID()
	name := mediaName(ref.Filename, contentType)
	rel := path.Join(ws.UUID, mediaUUID, name)
	dst := filepath.Join(g.rt.Config.MediaDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".fetch-*")
	if err != nil {
		return "", err
	}
	size, err := io.Copy(tmp, io.LimitReader(body, MaxMediaBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && size > MaxMediaBytes {
		err = fmt.Errorf("larger than %d bytes", MaxMediaBytes)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		os.Remove(filepath.Dir(dst))
		return "", err
	}
	m, err := g.store.CreateMedia(ctx, ws.ID, models.MediaSpec{UUID: mediaUUID, ContentType: contentType, Filename: name, Size: size, Path: rel})
	if err != nil {
		os.Remove(dst)
		os.Remove(filepath.Dir(dst))
		return "", err
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return contentType + ":" + scheme + "://" + r.Host + "/media/" + ws.UUID + "/" + m.UUID + "/" + url.PathEscape(name), nil
}

// usualExtensions are the extensions of WhatsApp's media types where the system's first (sorted) isn't the usual.
var usualExtensions = map[string]string{
	"image/jpeg": ".jpg", "audio/mpeg": ".mp3", "audio/ogg": ".ogg", "video/mp4": ".mp4", "audio/mp4": ".m4a", "audio/aac": ".aac",
	"video/3gpp": ".3gp", "text/plain": ".txt", "application/pdf": ".pdf", "image/webp": ".webp", "image/png": ".png",
}

// mediaName is the name a fetched file is kept under: the gateway's name with only letters, digits, dots,
// hyphens and underscores, else "file" with the content type's usual extension.
func mediaName(given, contentType string) string {
	clean := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return -1
	}, path.Base(given))
	if len(clean) > 100 {
		clean = clean[len(clean)-100:]
	}
	if strings.Trim(clean, ".") != "" && given != "" {
		return strings.TrimLeft(clean, ".")
	}
	ext, known := usualExtensions[contentType]
	if !known {
		ext = ".bin"
		if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
			ext = exts[0]
		}
	}
	return "file" + ext
}
