package netguard_test

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowsd/flowsd/netguard"
	"github.com/nyaruka/gocommon/httpx"
)

// target is a server on loopback that counts the requests that reached it.
type target struct {
	*httptest.Server
	hits atomic.Int32
}

// serve starts a target listening on addr ("127.0.0.1:0", "[::1]:0", ...); false when the machine can't.
func serve(t *testing.T, addr string, h http.HandlerFunc) (*target, bool) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, false
	}
	s := &target{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		if h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	s.Listener.Close()
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s, true
}

func parse(t *testing.T, list string) *httpx.AccessConfig {
	t.Helper()
	access, err := netguard.Parse(list)
	if err != nil {
		t.Fatal(err)
	}
	return access
}

// client is what the runtime builds on the guard; its timeout only keeps a broken test from hanging.
func client(access *httpx.AccessConfig) *http.Client {
	return &http.Client{Transport: netguard.Transport(access), Timeout: 10 * time.Second}
}

// wantDenied checks a call was refused by the guard, for ip, with the error's text.
func wantDenied(t *testing.T, c *http.Client, url string, ip string) {
	t.Helper()
	resp, err := c.Get(url)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET %s: %d, want it denied", url, resp.StatusCode)
	}
	var denied *netguard.DeniedError
	if !errors.As(err, &denied) {
		t.Fatalf("GET %s: %v, not a DeniedError", url, err)
	}
	if denied.IP.String() != ip {
		t.Errorf("GET %s: denied %s, want %s", url, denied.IP, ip)
	}
	if want := "flowsd: address " + ip + " is denied by FLOWSD_WEBHOOKS_DENY"; denied.Error() != want || !strings.Contains(err.Error(), want) {
		t.Errorf("GET %s: error %q, want it to say %q", url, err, want)
	}
}

func wantAllowed(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
}

// TestParse: the default list parses, an empty list denies nothing, spaces and empty items are passed over,
// and what isn't an address or a network is refused with the item named.
func TestParse(t *testing.T) {
	d := netguard.Default()
	if len(d.DisallowedIPs)+len(d.DisallowedNets) != len(netguard.DefaultDeny) {
		t.Errorf("default list parsed as %v %v", d.DisallowedIPs, d.DisallowedNets)
	}
	for _, empty := range []string{"", " ", ",", " , "} {
		if a := parse(t, empty); a != nil {
			t.Errorf("%q parsed as %+v, want nothing denied", empty, a)
		}
	}
	a := parse(t, " 10.0.0.0/8 ,, ::1 ")
	if len(a.DisallowedIPs) != 1 || len(a.DisallowedNets) != 1 || a.DisallowedNets[0].String() != "10.0.0.0/8" || !a.DisallowedIPs[0].Equal(net.IPv6loopback) {
		t.Errorf("parsed as %v %v", a.DisallowedIPs, a.DisallowedNets)
	}
	for in, msg := range map[string]string{
		"10.0.0.0/33":          "couldn't parse '10.0.0.0/33' as an IP network",
		"127.0.0.1,localhost":  "couldn't parse 'localhost' as an IP address",
		"1.2.3":                "couldn't parse '1.2.3' as an IP address",
		"10.0.0.0/8;127.0.0.1": "couldn't parse '10.0.0.0/8;127.0.0.1' as an IP network",
	} {
		if _, err := netguard.Parse(in); err == nil || err.Error() != msg {
			t.Errorf("Parse(%q): %v, want %q", in, err, msg)
		}
	}
}

// TestDenied: with the default list, loopback is refused however it is written (an IP, a name resolving to
// it, IPv6, IPv4-mapped IPv6, the unspecified addresses Linux connects to the local host), the request never
// reaching the server; nothing is refused with an empty list.
func TestDenied(t *testing.T) {
	srv, _ := serve(t, "127.0.0.1:0", nil)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	at := func(host string) string { return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/" }
	guarded := client(netguard.Default())

	wantDenied(t, guarded, srv.URL, "127.0.0.1")
	wantDenied(t, guarded, at("::ffff:127.0.0.1"), "127.0.0.1")
	wantDenied(t, guarded, at("0.0.0.0"), "0.0.0.0")
	wantDenied(t, guarded, at("::"), "::")
	// localhost resolves (in /etc/hosts) to 127.0.0.1 and maybe ::1: whichever is dialed is refused
	if _, err := guarded.Get(at("localhost")); !errors.As(err, new(*netguard.DeniedError)) {
		t.Errorf("GET localhost: %v, want it denied", err)
	}
	if n := srv.hits.Load(); n != 0 {
		t.Fatalf("the server got %d requests through the guard", n)
	}

	open := client(nil)
	wantAllowed(t, open, srv.URL)
	wantAllowed(t, open, at("localhost"))
	wantAllowed(t, client(parse(t, "")), srv.URL)
	// the unspecified address does reach the local host: why it is on the list
	wantAllowed(t, open, at("0.0.0.0"))
}

// TestDeniedIPv6: ::1 is refused by the default list, and allowed by a list of IPv4 networks only (IPv4
// networks match IPv4 addresses).
func TestDeniedIPv6(t *testing.T) {
	srv, ok := serve(t, "[::1]:0", nil)
	if !ok {
		t.Skip("no IPv6 loopback on this machine")
	}
	wantDenied(t, client(netguard.Default()), srv.URL, "::1")
	wantAllowed(t, client(parse(t, "127.0.0.0/8,0.0.0.0/0")), srv.URL)
	if n := srv.hits.Load(); n != 1 {
		t.Errorf("the server got %d requests, want 1", n)
	}
}

// TestMappedEntry: an entry written as IPv4-mapped IPv6 denies the IPv4 address.
func TestMappedEntry(t *testing.T) {
	srv, _ := serve(t, "127.0.0.1:0", nil)
	wantDenied(t, client(parse(t, "::ffff:127.0.0.1")), srv.URL, "127.0.0.1")
}

// TestMetadataAddress: the cloud metadata address is refused before any connection is tried, so the call
// fails at once rather than waiting for an address that may not answer.
func TestMetadataAddress(t *testing.T) {
	wantDenied(t, client(netguard.Default()), "http://169.254.169.254/latest/meta-data/", "169.254.169.254")
}

// TestRedirectHop: a server the list allows (127.0.0.1) redirecting to one it denies (127.0.0.2, which Linux
// routes to loopback) is followed no further: the hop's connection is refused with the same error.
func TestRedirectHop(t *testing.T) {
	denied, ok := serve(t, "127.0.0.2:0", nil)
	if !ok {
		t.Skip("127.0.0.2 can't be listened on here")
	}
	first, _ := serve(t, "127.0.0.1:0", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, denied.URL+"/inside", http.StatusFound)
	})
	guarded := client(parse(t, "127.0.0.2/32"))
	wantDenied(t, guarded, first.URL, "127.0.0.2")
	if first.hits.Load() != 1 || denied.hits.Load() != 0 {
		t.Fatalf("first hop got %d requests, the denied one %d; want 1 and 0", first.hits.Load(), denied.hits.Load())
	}
	// without the list the hop is reachable: the guard, not the network, refused it
	wantAllowed(t, client(nil), first.URL)
	if denied.hits.Load() != 1 {
		t.Fatalf("the redirect's target got %d requests without the guard", denied.hits.Load())
	}
}

// TestNoProxy: a proxy in the environment isn't used, so it can't carry a call to a denied address (the
// guard would see only the proxy's).
func TestNoProxy(t *testing.T) {
	proxy, _ := serve(t, "127.0.0.1:0", nil)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	tr := netguard.Transport(parse(t, "169.254.0.0/16"))
	if tr.Proxy != nil {
		t.Fatal("the guarded transport has a proxy")
	}
	wantDenied(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, "http://169.254.169.254/", "169.254.169.254")
	if n := proxy.hits.Load(); n != 0 {
		t.Fatalf("the proxy got %d requests", n)
	}
}

// TestControl: the dial-time check on its own, as a net.Dialer calls it with resolved addresses.
func TestControl(t *testing.T) {
	check := netguard.Control(netguard.Default())
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": false, "[::1]:443": false, "[::ffff:10.1.2.3]:80": false, "192.168.1.1:80": false,
		"172.31.255.255:80": false, "100.64.0.1:80": false, "[fe80::1%eth0]:80": false, "[fd00::1]:80": false,
		"8.8.8.8:53": true, "[2001:4860:4860::8888]:443": true, "172.32.0.1:80": true,
	} {
		err := check("tcp", addr, nil)
		var denied *netguard.DeniedError
		if ok && err != nil || !ok && !errors.As(err, &denied) {
			t.Errorf("%s: %v, want allowed %v", addr, err, ok)
		}
		if !ok && denied != nil && denied.IP != netip.MustParseAddrPort(addr).Addr() {
			t.Errorf("%s: denied %s", addr, denied.IP)
		}
	}
	if err := check("unix", "/tmp/socket", nil); err == nil {
		t.Error("an address that isn't an IP was let through")
	}
	if err := netguard.Control(nil)("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("no list: %v", err)
	}
}
