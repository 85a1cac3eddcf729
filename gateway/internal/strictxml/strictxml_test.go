package strictxml

import "testing"

func TestCheck(t *testing.T) {
	schema := &Element{Children: map[string]*Element{
		"A": Leaf,
		"B": {Repeat: true, Children: map[string]*Element{"C": Leaf}},
	}}
	for _, tc := range []struct {
		name, doc string
		ok        bool
	}{
		{"minimal", `<R/>`, true},
		{"with namespace and declaration", `<?xml version="1.0"?><R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>x</A></R>`, true},
		{"repeated container", `<R><B><C>1</C></B><B><C>2</C></B></R>`, true},
		{"whitespace between elements", "<R>\n  <A>x</A>\n</R>\n", true},
		{"empty", ``, false},
		{"wrong root", `<S/>`, false},
		{"unknown element", `<R><Z/></R>`, false},
		{"unknown nested element", `<R><B><D/></B></R>`, false},
		{"leaf repeated", `<R><A>1</A><A>2</A></R>`, false},
		{"child in a leaf", `<R><A><C/></A></R>`, false},
		{"text beside children", `<R>text<A>x</A></R>`, false},
		{"not closed", `<R><A>x</A>`, false},
		{"mismatched", `<R><A>x</B></R>`, false},
		{"two roots", `<R/><R/>`, false},
		{"text after root", `<R/>junk`, false},
	} {
		err := Check([]byte(tc.doc), "R", schema)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Check(%q) = %v, want ok=%v", tc.name, tc.doc, err, tc.ok)
		}
	}
}
