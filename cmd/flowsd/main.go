// Command flowsd serves RapidPro's REST API v2 over its own database.
//
//	flowsd serve [--addr HOST:PORT] [--db URL]
//	flowsd migrate [--db URL]
//	flowsd workspace create --name NAME --email EMAIL [--country CC] [--timezone TZ] [--languages eng,kin] [--anon] [--db URL]
//	flowsd token create --workspace UUID --email EMAIL [--role administrator|editor|agent] [--db URL]
//	flowsd import --workspace UUID [--db URL] FILE...
//	flowsd receive --workspace UUID --urn URN [--db URL] TEXT...
//	flowsd channel create|list --workspace UUID …
//	flowsd resthook deliveries --workspace UUID [--resthook SLUG] [--status S]
//	flowsd schedule create|list|delete --workspace UUID …
//	flowsd archive --workspace UUID [--through YYYY-MM-DD] [--delete] [--archive-dir DIR]
//	flowsd boundaries import --workspace UUID [--db URL] FILE...
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	_ "github.com/flowsd/flowsd/channels/external" // the channel types flowsd serves register themselves
	_ "github.com/flowsd/flowsd/channels/wac"
	_ "time/tzdata" // timezones must resolve on machines without a zoneinfo database
)

const usage = `flowsd: RapidPro's REST API v2 and flow engine in one binary.

Usage:
  flowsd serve [--addr HOST:PORT] [--db URL]      serve the API (migrates the database first)
  flowsd migrate [--db URL]                       apply pending database migrations
  flowsd workspace create --name NAME --email EMAIL [--country CC] [--timezone TZ]
                          [--languages eng,kin] [--date-style day_first|month_first|year_first]
                          [--anon] [--profile default|weni] [--rates v2=N/hour] [--db URL]
  flowsd token create --workspace UUID --email EMAIL [--role administrator|editor|agent] [--db URL]
  flowsd import --workspace UUID [--db URL] FILE...
                                                  import RapidPro export files, all of them or nothing
  flowsd receive --workspace UUID --urn URN [--db URL] TEXT...
                                                  hand a message from a contact to their flows
  flowsd channel create --workspace UUID --type EX --name NAME --address ADDR [--country CC]
                        [--schemes tel] [--config JSON] [--db URL]
                                                  add a channel; prints {"uuid","name","type","address"}
  flowsd channel list --workspace UUID [--db URL] list a workspace's channels
  flowsd resthook deliveries --workspace UUID [--resthook SLUG] [--status delivered|retrying|gone|failed]
                             [--limit N] [--db URL]
                                                  where resthook deliveries stand, newest first
  flowsd schedule create --workspace UUID (--flow UUID | --text TEXT) [--groups UUID,…] [--contacts UUID,…]
                         --repeat once|daily|weekly|monthly|yearly [--days MTWRFSU] --start DATETIME [--db URL]
                                                  start a flow or send a message on a schedule, in the
                                                  workspace's time zone; prints the schedule with its next_fire
  flowsd schedule list --workspace UUID [--db URL]
                                                  a workspace's schedules, oldest first
  flowsd schedule delete --workspace UUID --uuid UUID [--db URL]
                                                  remove a schedule: it never fires again
  flowsd archive --workspace UUID [--through YYYY-MM-DD] [--delete] [--archive-dir DIR] [--db URL]
                                                  archive old messages and runs (daily files, monthly
                                                  rollups); prints the archives it built
  flowsd boundaries import --workspace UUID [--db URL] FILE...
                                                  a workspace's boundaries (states, districts, wards) from
                                                  GeoJSON; prints the count per level
  flowsd templates sync --channel UUID [--db URL] fetches a WhatsApp Cloud channel's message templates and
                                                  WhatsApp Flows from Meta now; prints what changed
  flowsd status [--db URL]                        the queues of background work: how many wait, the oldest

Run "flowsd <command> --help" for a command's settings.
`

// usageError is a mistake in the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout, stderr)
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "flowsd: %s\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(rest, stderr)
	case "migrate":
		return migrate(rest, stdout, stderr)
	case "workspace", "token":
		if len(rest) == 0 || rest[0] != "create" {
			return usageError{fmt.Sprintf("unknown command %q: did you mean %q?", strings.Join(args, " "), cmd+" create")}
		}
		if cmd == "workspace" {
			return createWorkspace(rest[1:], stdout, stderr)
		}
		return createToken(rest[1:], stdout, stderr)
	case "import":
		return importExports(rest, stdout, stderr)
	case "receive":
		return receive(rest, stdout, stderr)
	case "channel":
		return channelCommand(rest, stdout, stderr)
	case "resthook":
		return resthookCommand(rest, stdout, stderr)
	case "archive":
		return archiveCommand(rest, stdout, stderr)
	case "schedule":
		return scheduleCommand(rest, stdout, stderr)
	case "boundaries":
		return boundariesCommand(rest, stdout, stderr)
	case "status":
		return status(rest, stdout, stderr)
	case "templates":
		return templatesCommand(rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}
