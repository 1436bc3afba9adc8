// Package layering holds only a test: the import rules of the project's
// style guide (dependencies point inward), checked on every package's direct,
// non-test imports.
package layering
