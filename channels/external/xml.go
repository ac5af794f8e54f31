package external

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// XML receive: the body is parsed with encoding/xml (strict, as courier's parser is) into a small tree, and the
// from_xpath and text_xpath configs pick the first node each matches, in document order, whose inner text (the
// text of every descendant, CDATA included, comments not) is the value.
//
// The XPath subset understood:
//   - location paths made of steps joined by "/" (child) or "//" (any descendant), absolute ("/a/b", "//b",
//     "/a//b") or relative to the document ("a/b", the same as "/a/b");
//   - a step is a name test: "name" matches elements of that local name whatever their namespace prefix,
//     "prefix:name" only those written with that prefix, "*" any element;
//   - the last step may instead be "text()" (the element's own text children: the first one is the value) or
//     "@name" / "@prefix:name" (the element's attribute: its value).
//
// Anything else (predicates, axes, functions, unions) is not understood and matches nothing, so the request gets
// courier's "missing from at: … or text at: … node" answer (courier's XPath library would fail on an expression it
// can't compile too, but with a server error).

type xmlNode struct {
	prefix, local string // an element's name as written; both empty for the document and text nodes
	attrs         []xmlAttr
	children      []*xmlNode
	isText        bool
	text          string
}

type xmlAttr struct {
	prefix, local, value string
}

// innerText is the text of the node and all its descendants, in order.
func (n *xmlNode) innerText() string {
	if n.isText {
		return n.text
	}
	var b strings.Builder
	var walk func(*xmlNode)
	walk = func(n *xmlNode) {
		for _, c := range n.children {
			if c.isText {
				b.WriteString(c.text)
			} else {
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

// errNoElement is courier's answer (its XML library's words) to a body that parses but holds no element at all,
// an empty body for one.
var errNoElement = errors.New("xmlquery: invalid XML document")

// parseXML parses a document into a tree.
func parseXML(body []byte) (*xmlNode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.CharsetReader = charsetReader

	doc := &xmlNode{}
	stack := []*xmlNode{doc}
	// the prefixes in scope: namespace URL → the prefix it was declared with ("" for a default namespace);
	// encoding/xml's Token resolves prefixes to URLs and the XPath subset matches the prefixes as written
	scopes := []map[string]string{{"http://www.w3.org/XML/1998/namespace": "xml"}}
	prefixOf := func(space string) string {
		if space == "" {
			return ""
		}
		for i := len(scopes) - 1; i >= 0; i-- {
			if p, ok := scopes[i][space]; ok {
				return p
			}
		}
		return space // an undeclared prefix is left as written
	}
	hasElement := false

	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		parent := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			scope := map[string]string{}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					scope[a.Value] = a.Name.Local
				} else if a.Name.Space == "" && a.Name.Local == "xmlns" {
					scope[a.Value] = ""
				}
			}
			scopes = append(scopes, scope)
			n := &xmlNode{prefix: prefixOf(t.Name.Space), local: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.attrs = append(n.attrs, xmlAttr{prefix: prefixOf(a.Name.Space), local: a.Name.Local, value: a.Value})
			}
			parent.children = append(parent.children, n)
			stack = append(stack, n)
			hasElement = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
			scopes = scopes[:len(scopes)-1]
		case xml.CharData:
			parent.children = append(parent.children, &xmlNode{isText: true, text: string(t)})
		}
	}
	if !hasElement {
		return nil, errNoElement
	}
	return doc, nil
}

// charsetReader reads the encodings a document may declare besides UTF-8: ASCII and Latin-1 (no other charset
// tables are at hand; any other encoding is an error, which the answer shows).
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(b)*2)
		for _, c := range b {
			out = utf8.AppendRune(out, rune(c))
		}
		return bytes.NewReader(out), nil
	}
	return nil, fmt.Errorf("unsupported charset: %s", label)
}

// xpath steps
type xpathStep struct {
	descendant    bool // reached by "//"
	kind          int  // stepElement, stepText, stepAttr
	prefix, local string
}

const (
	stepElement = iota
	stepText
	stepAttr
)

// compileXPath reads an expression of the subset; ok is false for anything outside it.
func compileXPath(expr string) ([]xpathStep, bool) {
	expr = strings.TrimSpace(expr)
	if expr == "" {
		return nil, false
	}
	var steps []xpathStep
	rest := expr
	descendant := false
	first := true
	for {
		switch {
		case strings.HasPrefix(rest, "//"):
			descendant, rest = true, rest[2:]
		case strings.HasPrefix(rest, "/"):
			descendant, rest = false, rest[1:]
		case !first:
			return nil, false
		}
		first = false

		end := strings.Index(rest, "/")
		if end < 0 {
			end = len(rest)
		}
		name := rest[:end]
		rest = rest[end:]

		step := xpathStep{descendant: descendant, kind: stepElement}
		switch {
		case name == "text()":
			step.kind = stepText
		case strings.HasPrefix(name, "@"):
			step.kind = stepAttr
			name = name[1:]
			if name == "*" {
				return nil, false
			}
		}
		if step.kind != stepText {
			prefix, local, hasPrefix := strings.Cut(name, ":")
			if !hasPrefix {
				prefix, local = "", name
			} else if !isXMLName(prefix) {
				return nil, false
			}
			if local != "*" && !isXMLName(local) {
				return nil, false
			}
			step.prefix, step.local = prefix, local
		}
		if step.kind != stepElement && rest != "" {
			return nil, false // text() and @name only end a path
		}
		steps = append(steps, step)
		if rest == "" {
			return steps, true
		}
	}
}

func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 0x7f
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '-' || r == '.')) {
			return false
		}
	}
	return true
}

func (s xpathStep) matches(prefix, local string) bool {
	return (s.prefix == "" || s.prefix == prefix) && (s.local == "*" || s.local == local)
}

// findText is the value of the first node expr selects in the document, found false when none (or when expr is
// outside the subset).
func (doc *xmlNode) findText(expr string) (string, bool) {
	steps, ok := compileXPath(expr)
	if !ok {
		return "", false
	}
	// the context nodes, kept in document order: each step's matches are gathered in document order from a
	// single walk of the tree, so the first of the final set is the first in the document
	context := []*xmlNode{doc}
	for _, step := range steps {
		switch step.kind {
		case stepElement:
			context = selectElements(doc, context, step)
		case stepText:
			return firstText(doc, selectOwners(doc, context, step.descendant))
		case stepAttr:
			for _, n := range selectOwners(doc, context, step.descendant) {
				for _, a := range n.attrs {
					if step.matches(a.prefix, a.local) {
						return a.value, true
					}
				}
			}
			return "", false
		}
		if len(context) == 0 {
			return "", false
		}
	}
	return context[0].innerText(), true
}

// selectElements walks the tree once and keeps, in document order, the elements the step reaches from a context
// node: children of one, or (with "//") descendants of one.
func selectElements(doc *xmlNode, context []*xmlNode, step xpathStep) []*xmlNode {
	inContext := nodeSet(context)
	var out []*xmlNode
	var walk func(n *xmlNode, underContext bool)
	walk = func(n *xmlNode, underContext bool) {
		isContext := inContext[n]
		for _, c := range n.children {
			if c.isText {
				continue
			}
			reached := isContext || (step.descendant && underContext)
			if reached && step.matches(c.prefix, c.local) {
				out = append(out, c)
			}
			walk(c, underContext || isContext)
		}
	}
	walk(doc, false)
	return out
}

// selectOwners are the nodes whose text or attributes a last step looks at: the context nodes, or with "//" the
// context nodes and all their descendant elements, in document order.
func selectOwners(doc *xmlNode, context []*xmlNode, descendant bool) []*xmlNode {
	if !descendant {
		return context
	}
	inContext := nodeSet(context)
	var out []*xmlNode
	var walk func(n *xmlNode, underContext bool)
	walk = func(n *xmlNode, underContext bool) {
		isContext := inContext[n]
		if isContext || underContext {
			out = append(out, n)
		}
		for _, c := range n.children {
			if !c.isText {
				walk(c, underContext || isContext)
			}
		}
	}
	walk(doc, false)
	return out
}

// firstText is the first text node, in document order, that is a child of one of the owners.
func firstText(doc *xmlNode, owners []*xmlNode) (string, bool) {
	isOwner := nodeSet(owners)
	var walk func(n *xmlNode) (string, bool)
	walk = func(n *xmlNode) (string, bool) {
		for _, c := range n.children {
			if c.isText {
				if isOwner[n] {
					return c.text, true
				}
			} else if t, ok := walk(c); ok {
				return t, true
			}
		}
		return "", false
	}
	return walk(doc)
}

func nodeSet(nodes []*xmlNode) map[*xmlNode]bool {
	set := make(map[*xmlNode]bool, len(nodes))
	for _, n := range nodes {
		set[n] = true
	}
	return set
}
