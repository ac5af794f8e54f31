package flows

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/flowsd/flowsd/models"
	"github.com/nyaruka/gocommon/i18n"
	"github.com/nyaruka/gocommon/urns"
	"github.com/nyaruka/goflow/core"
	"github.com/nyaruka/goflow/excellent"
	"github.com/nyaruka/goflow/excellent/types"
	"github.com/nyaruka/goflow/utils"
)

// Broadcasts work broadcasts, a kind of background work (models.WorkBroadcasts), as Starts work flow starts:
// a pending broadcast is resolved into recipients, then batches of recipients get their messages, each in
// their language, written queued for the senders in the transaction that marks the recipients sent.
type Broadcasts struct {
	Host      *Host
	BatchSize int // recipients per transaction
}

// BroadcastBatch is how many recipients serve's broadcast workers give their messages per transaction: 500 on
// PostgreSQL, where each batch's transaction is round trips and a commit whatever its size (measured: 1.6× the
// messages a second of batches of 100, docs/benchmarks.md), and mailroom's 100 on SQLite, where a longer write
// transaction holds the senders' outcome writes back.
func BroadcastBatch(d models.Dialect) int {
	if d == models.Postgres {
		return 500
	}
	return 100
}

// WorkOnce resolves one pending broadcast, or makes batches of a queued one's messages for a while. It reports
// whether there was anything to do.
func (w *Broadcasts) WorkOnce(ctx context.Context) (bool, error) {
	if worked, err := w.resolveOne(ctx); worked || err != nil {
		return worked, err
	}
	queued, err := w.Host.Store.QueuedBroadcasts(ctx)
	if err != nil {
		return false, err
	}
	for _, b := range queued {
		worked, err := w.stint(ctx, b)
		if worked || err != nil {
			return worked, err
		}
	}
	return false, nil
}

// resolveOne writes who a pending broadcast is for, making contacts for the URNs nobody has.
func (w *Broadcasts) resolveOne(ctx context.Context) (bool, error) {
	h := w.Host
	n, err := h.Store.ClaimPendingBroadcasts(ctx, 1, func(batch *models.Batch) error {
		b, err := batch.Read.Broadcast(batch.Keys[0])
		if err != nil {
			return err
		}
		ws, err := h.Store.GetWorkspaceByID(ctx, b.WorkspaceID)
		if err != nil {
			return err
		}
		return batch.Write(ctx, func(tx *models.Tx) error {
			var ids []int64
			for _, identity := range b.URNs {
				c, err := tx.ContactForURN(ctx, ws, models.URNSpecFor(urns.URN(identity)))
				if err != nil {
					return err
				}
				ids = append(ids, c.ID)
			}
			_, err := tx.ResolveBroadcast(b, ids)
			return err
		})
	})
	return n > 0, err
}

// stint makes batches of a broadcast's messages until it runs out of recipients or the stint is over.
func (w *Broadcasts) stint(ctx context.Context, b *models.Broadcast) (bool, error) {
	ws, err := w.Host.Store.GetWorkspaceByID(ctx, b.WorkspaceID)
	if err != nil {
		return false, err
	}
	translations := core.BroadcastTranslations{}
	err = json.Unmarshal([]byte(b.Translations), &translations)
	var wp *whatsAppPlan
	if b.BroadcastType == models.BroadcastWhatsApp && b.Metadata != nil {
		wp, err = w.Host.whatsAppPlan(ctx, ws, *b.Metadata)
		var syntax *json.SyntaxError
		var typed *json.UnmarshalTypeError
		if err != nil && !errors.Is(err, errTemplateGone) && !errors.As(err, &syntax) && !errors.As(err, &typed) {
			return false, err // the assets didn't load: tried again
		}
		if wp != nil {
			translations = wp.translations
		}
	}
	if err != nil {
		w.Host.Log.Warn("broadcast can't be sent as it was made: failed", "broadcast", b.UUID, "error", err)
		return true, w.Host.Store.Write(ctx, func(tx *models.Tx) error { return tx.FailBroadcast(b.ID) })
	}
	worked := false
	for began := time.Now(); time.Since(began) < stintLength; {
		n, err := w.Host.Store.ClaimBroadcastRecipients(ctx, b.ID, w.BatchSize, func(batch *models.Batch) error {
			return w.send(ctx, batch, ws, b, translations, wp)
		})
		if errors.Is(err, models.ErrClaimLost) {
			worked = true
			continue // someone else made some of them: this batch wrote nothing, the next goes on
		}
		if err != nil {
			return worked, err
		}
		if n == 0 {
			return worked, w.Host.Store.CompleteBroadcast(ctx, b.ID)
		}
		worked = true
		b.Status = models.BroadcastStarted
	}
	return worked, nil
}

// send writes the messages of a batch of recipients (see translatedMsgs).
func (w *Broadcasts) send(ctx context.Context, batch *models.Batch, ws *models.Workspace, b *models.Broadcast, translations core.BroadcastTranslations, wp *whatsAppPlan) error {
	h := w.Host
	a, err := h.Assets.Get(ctx, ws)
	if err != nil {
		return err
	}
	contacts, engineContacts, err := h.loadContacts(ctx, a, batch.Read, batch.Keys)
	if err != nil {
		return err
	}
	forced := a.channelByID(b.ChannelID)
	msgs, err := h.translatedMsgs(ctx, a, batch.Read, contacts, engineContacts, translations, i18n.Language(b.BaseLanguage), func(o *Outgoing, ec *core.Contact) {
		o.BroadcastID, o.CreatedByID = &b.ID, b.CreatedByID
		// a channel given to a WhatsApp broadcast overrides the pick, as Weni's does, for contacts with a URN
		if forced != nil && o.URN != "" && o.Channel != nil {
			o.Channel = forced
		}
		if wp != nil {
			wp.apply(ctx, h, a, ec, o)
		}
	})
	if err != nil {
		return err
	}
	return batch.Write(ctx, func(tx *models.Tx) error {
		if err := tx.InsertMsgs(msgs); err != nil {
			return err
		}
		if b.Status == models.BroadcastQueued {
			return tx.MarkBroadcastStarted(b.ID)
		}
		return nil
	})
}

// translatedMsgs are the messages of one text in many languages to contacts, as broadcasts and campaign events
// send them: each contact gets the translation for their language (the engine's choice: theirs if the
// workspace allows it, then the workspace's default, then the base language), its expressions evaluated
// against them, routed as every message is; with sets what else the messages have (a template's content
// included: a contact whose message has neither content nor templating then gets nothing).
func (h *Host) translatedMsgs(ctx context.Context, a *Assets, r *models.Reader, contacts []*models.Contact, engineContacts map[int64]*core.Contact,
	translations core.BroadcastTranslations, base i18n.Language, with func(o *Outgoing, ec *core.Contact)) ([]*models.Msg, error) {
	ids := make([]int64, len(contacts))
	for i, c := range contacts {
		ids[i] = c.ID
	}
	urnsOf, err := r.URNsOf(ids)
	if err != nil {
		return nil, err
	}
	expressions := hasExpressions(translations)
	own := expressions && readsOwnPropertiesOnly(translationTemplates(translations))
	now := h.Store.Now()
	msgs := make([]*models.Msg, 0, len(contacts))
	for _, c := range contacts {
		ec := engineContacts[c.ID]
		content := contentFor(translations, a.Env.AllowedLanguages(), a.Env.DefaultLanguage(), base, ec.Language())
		if content.Empty() && with == nil {
			continue
		}
		if expressions && !content.Empty() {
			content = h.evaluateBroadcast(ctx, a, ec, own, content)
		}
		urn, ch := a.Route(urnsOf[c.ID])
		o := &Outgoing{ContactID: c.ID, URN: urn, Channel: ch, Content: content, Unsendable: Unsendable(c.Status), CreatedOn: now}
		if with != nil {
			with(o, ec)
		}
		if o.Content.Empty() && o.Templating == nil {
			continue
		}
		msgs = append(msgs, o.Msg(a, h.Store.NewUUID))
	}
	return msgs, nil
}

// evaluateBroadcast fills in a broadcast's expressions for one contact, as mailroom does: text, attachments and
// quick replies see @contact, @fields, @urns and @globals only, and an expression that fails comes out empty.
func (h *Host) evaluateBroadcast(ctx context.Context, a *Assets, ec *core.Contact, own bool, content *core.MsgContent) *core.MsgContent {
	eval := h.broadcastEvaluator(ctx, a, ec, own)
	out := &core.MsgContent{Text: eval(content.Text)}
	for _, att := range content.Attachments {
		out.Attachments = append(out.Attachments, utils.Attachment(eval(string(att))))
	}
	for _, qr := range content.QuickReplies {
		qr.Text = eval(qr.Text)
		out.QuickReplies = append(out.QuickReplies, qr)
	}
	return out
}

// broadcastEvaluator evaluates a broadcast's text for one contact (see evaluateBroadcast); own says its
// expressions read only the contact's own properties (readsOwnPropertiesOnly), which are then all @contact has.
func (h *Host) broadcastEvaluator(ctx context.Context, a *Assets, ec *core.Contact, own bool) func(string) string {
	env := a.Env
	contact := core.Context(env, ec)
	if own {
		contact = ownContactContext(env, ec)
	}
	root := types.NewXObject(map[string]types.XValue{
		"contact": contact,
		"fields":  core.Context(env, ec.Fields()),
		"urns":    core.ContextFunc(env, ec.URNs().MapContext),
		"globals": core.Context(env, a.Session.Globals()),
	})
	return func(s string) string {
		out, _, _ := h.Engine.Evaluator().Template(ctx, env, root, s, nil)
		return out
	}
}

// contentFor is the engine's choice of a broadcast's translation for a contact (core's ForContact): text,
// attachments and quick replies each from the first of the contact's language (if the workspace allows it),
// the workspace's default and the base language that has them. It leaves out the locale, whose country costs a
// phone number parse per contact and which messages don't keep.
func contentFor(t core.BroadcastTranslations, allowed []i18n.Language, def, base, contactLang i18n.Language) *core.MsgContent {
	languages := make([]i18n.Language, 0, 3)
	if contactLang != i18n.NilLanguage && slices.Contains(allowed, contactLang) {
		languages = append(languages, contactLang)
	}
	languages = append(languages, def, base)
	content := &core.MsgContent{}
	for _, lang := range languages {
		trans := t[lang]
		if trans == nil {
			continue
		}
		if content.Text == "" && trans.Text != "" {
			content.Text = trans.Text
		}
		if len(content.Attachments) == 0 && len(trans.Attachments) > 0 {
			content.Attachments = trans.Attachments
		}
		if len(content.QuickReplies) == 0 && len(trans.QuickReplies) > 0 {
			content.QuickReplies = trans.QuickReplies
		}
	}
	return content
}

// broadcastTopLevels are the names a broadcast's expressions may use.
var broadcastTopLevels = []string{"contact", "fields", "urns", "globals"}

// hasExpressions is whether any translation has an expression to evaluate: without one, contacts' contexts
// needn't be made.
func hasExpressions(t core.BroadcastTranslations) bool {
	return slices.ContainsFunc(translationTemplates(t), func(s string) bool { return excellent.HasExpressions(s, broadcastTopLevels) })
}

// translationTemplates are the texts of a broadcast's translations that may hold expressions: texts,
// attachments and quick replies.
func translationTemplates(t core.BroadcastTranslations) []string {
	var out []string
	for _, c := range t {
		out = append(out, c.Text)
		for _, att := range c.Attachments {
			out = append(out, string(att))
		}
		for _, qr := range c.QuickReplies {
			out = append(out, qr.Text)
		}
	}
	return out
}
