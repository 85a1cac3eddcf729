// Package record is the value encoding both metadata backends use for the
// rows they keep as opaque values: a format-version byte, then gob. Gob
// (not JSON) keeps header values that are not valid UTF-8 intact; the
// version byte lets a later format be told apart from this one.
package record
