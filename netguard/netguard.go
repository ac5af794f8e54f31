// Package netguard refuses outgoing connections to the addresses of a deny list. The check is made when a
// connection is dialed, on the address actually being connected to once DNS has answered: a name that resolves
// to another address between a check and the connection (DNS rebinding) can't slip through, and every redirect
// hop, being a connection of its own, is checked too.
//
// The list is held in a gocommon httpx.AccessConfig, and its rules are the ones applied: IPv4-mapped IPv6
// addresses (::ffff:127.0.0.1) are compared as the IPv4 addresses they are, IPv4 networks match IPv4
// addresses only and IPv6 networks IPv6 ones.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/nyaruka/gocommon/httpx"
)

// DefaultDeny is what outgoing calls may not reach unless configured otherwise: mailroom's list (loopback,
// the private networks, carrier-grade NAT, link-local with the cloud metadata address 169.254.169.254, "this"
// network, unique local and link-local IPv6) and the unspecified IPv6 address, which Linux connects to the
// local host as it does 0.0.0.0. IPv4-mapped IPv6 forms need no entries of their own: they are compared as
// IPv4.
var DefaultDeny = []string{
	"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "0.0.0.0/8",
	"::1", "::", "fc00::/7", "fe80::/10",
}

// Parse reads a comma-separated list of IP addresses and CIDR networks. A list with nothing in it denies
// nothing: nil.
func Parse(list string) (*httpx.AccessConfig, error) {
	var addrs []string
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, nil
	}
	ips, nets, err := httpx.ParseNetworks(addrs...)
	if err != nil {
		return nil, err
	}
	// literal addresses are never looked up, but the config's own check would give up at once on a zero timeout
	return httpx.NewAccessConfig(time.Second, ips, nets), nil
}

// Default is DefaultDeny, parsed.
func Default() *httpx.AccessConfig {
	access, err := Parse(strings.Join(DefaultDeny, ","))
	if err != nil {
		panic(err) // DefaultDeny is ours: a test parses it
	}
	return access
}

// DeniedError is a connection refused because its address is on the deny list.
type DeniedError struct {
	IP netip.Addr
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("flowsd: address %s is denied by FLOWSD_WEBHOOKS_DENY", e.IP)
}

// Control is a net.Dialer Control function that refuses to connect to what access denies: it is called with
// the resolved address of each connection, before it is made. A nil access allows everything.
func Control(access *httpx.AccessConfig) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if access == nil {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			// not an IP and port: nothing this guard can vouch for
			return fmt.Errorf("flowsd: can't check the address %q of an outgoing connection: %w", address, err)
		}
		// access.Allow takes a request and looks its host up; an IP literal is answered without a lookup, so
		// this applies its rules to exactly the address being dialed
		allowed, err := access.Allow(&http.Request{URL: &url.URL{Host: address}})
		if err != nil {
			return fmt.Errorf("flowsd: can't check the address %s of an outgoing connection: %w", ap.Addr(), err)
		}
		if !allowed {
			return &DeniedError{IP: ap.Addr()}
		}
		return nil
	}
}

// Transport is an http.Transport with http.DefaultTransport's settings whose every connection is checked
// against access (nil allows everything). It takes no proxy from the environment: a proxy is connected to in
// place of the target, so the check would only ever see the proxy's address.
func Transport(access *httpx.AccessConfig) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: Control(access)}
	t.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		conn, err := dialer.DialContext(ctx, network, address)
		var denied *DeniedError
		if errors.As(err, &denied) {
			notice(ctx, denied)
		}
		return conn, err
	}
	return t
}
