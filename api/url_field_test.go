package api

import (
	"strings"
	"testing"
)

// TestValidURL holds validURL to what Django's URLValidator accepts and refuses (examples from its tests and
// from what resthook subscribers send).
func TestValidURL(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	valid := []string{
		"http://www.djangoproject.com/",
		"HTTP://WWW.DJANGOPROJECT.COM/",
		"http://localhost/",
		"http://localhost:8000/hook",
		"http://example.com./",
		"http://www.example.com:8000/test",
		"http://valid-with-hyphens.com/",
		"http://su--b.valid-----hyphens.com/",
		"http://a.aa",
		"http://200.8.9.10:8000/test",
		"http://0.0.0.0",
		"http://10.0.0.1/private",
		"http://example.com?something=value",
		"http://example.com#fragment",
		"https://zapier.com/hooks/standard/1234/abcd/",
		"ftp://example.com/",
		"FTPS://example.com/file",
		"http://userid:password@example.com:8080",
		"http://userid@example.com",
		"http://-.~_!$&'()*+,;=%40:80%2f@example.com",
		"http://➡.ws/䨹",
		"http://例子.测试",
		"http://xn--7sbb4ac0ad0be6cf.xn--p1ai",
		"http://a.b-c.de",
		"http://[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80/index.html",
		"http://[::192.9.5.5]/ipng",
		"http://[::ffff:129.144.52.38]:80/index.html",
		"http://" + label63 + ".com",
		"http://example.com/" + strings.Repeat("p", 1900),
	}
	invalid := []string{
		"",
		"foo",
		"not a url",
		"javascript:alert(1)",
		"file:///etc/passwd",
		"file://localhost/etc/passwd",
		"git://example.com/",
		"mailto:ben@example.com",
		"//example.com",
		"example.com",
		"http://",
		"http:///a",
		"http://example",
		"http://example.",
		"http://.com",
		"http://invalid-.com",
		"http://-invalid.com",
		"http://invalid.com-",
		"http://invalid.-com",
		"http://example..com/",
		"http://?",
		"http://#",
		"http:// shouldfail.com",
		"http://foo.bar?q=Spaces should be encoded",
		"http://foo.bar/\u00a0nbsp",
		"http://3628126748",
		"http://123.123.123",
		"http://1.1.1.1.1",
		"http://256.1.1.1",
		"http://[::1:2::3]:8080/",
		"http://[]",
		"http://[1:2:3:4:5:6:7:8:9]",
		"http://www.djangoproject.com/\n",
		"http://www.example.com/x\ry",
		"http://\texample.com",
		"http://" + label63 + "a.com",
		"http://example." + label63 + "a",
		"http://" + strings.Repeat(label63+".", 4) + "com",
		"http://example.com:123456",
		"http://example.com/" + strings.Repeat("p", 2048),
	}
	for _, s := range valid {
		if !validURL(s) {
			t.Errorf("%q should be valid", s)
		}
	}
	for _, s := range invalid {
		if validURL(s) {
			t.Errorf("%q should be invalid", s)
		}
	}
}
