// Package strictxml checks an S3 request document against the elements its
// schema allows before encoding/xml decodes it. encoding/xml on its own
// skips unknown elements and keeps the last of repeated ones; S3 answers
// MalformedXML to both, and so do the subresource parsers that use this.
package strictxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Element is what one element may contain. An element with no Children is
// a leaf: text only. Namespaces are ignored (S3 accepts documents with and
// without its namespace).
type Element struct {
	Children map[string]*Element
	// Repeat: the element may occur more than once in its parent.
	Repeat bool
}

// Leaf is an element holding text that occurs at most once.
var Leaf = &Element{}

// RepeatedLeaf is an element holding text that may occur more than once.
var RepeatedLeaf = &Element{Repeat: true}

// Check reports whether data is one well-formed element named root whose
// content follows schema: no element the schema does not name, no element
// twice unless it repeats, no child element inside a leaf, no text beside
// child elements. The error says what was wrong, for logs; S3 answers
// MalformedXML to all of them.
func Check(data []byte, root string, schema *Element) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	type frame struct {
		el   *Element
		seen map[string]int
	}
	var stack []frame
	rooted := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if !rooted {
				return errors.New("no root element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if len(stack) == 0 {
				if rooted {
					return fmt.Errorf("second root element <%s>", name)
				}
				if name != root {
					return fmt.Errorf("root element <%s>, want <%s>", name, root)
				}
				rooted = true
				stack = append(stack, frame{schema, map[string]int{}})
				continue
			}
			top := stack[len(stack)-1]
			child, ok := top.el.Children[name]
			if !ok {
				return fmt.Errorf("unexpected element <%s>", name)
			}
			top.seen[name]++
			if top.seen[name] > 1 && !child.Repeat {
				return fmt.Errorf("element <%s> repeated", name)
			}
			stack = append(stack, frame{child, map[string]int{}})
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return errors.New("text outside the root element")
				}
				continue
			}
			if top := stack[len(stack)-1]; len(top.el.Children) != 0 && len(bytes.TrimSpace(t)) != 0 {
				return errors.New("text beside child elements")
			}
		}
	}
}
