package main

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// API is the protocol package as the generator sees it.
type API struct {
	// Doc is the package's doc comment.
	Doc string
	// Types are the exported type declarations, in source order (files by name).
	Types []*Type
	// Groups are the exported constants grouped by the first word of their names
	// (Method, Status, Code, ...), in order of first appearance.
	Groups []*ConstGroup
	// Methods are the constants naming JSON-RPC methods, in source order.
	Methods []*Method

	byName map[string]*Type
}

// Type is an exported type declaration.
type Type struct {
	Name string
	Doc  string
	// Struct types have Fields and Embeds (embedded structs, by name); other types
	// have Underlying.
	Struct     bool
	Fields     []*Field
	Embeds     []string
	Underlying *Expr
}

// Field is a struct field as it appears in JSON.
type Field struct {
	// JSON is the field's name on the wire; GoName its name in Go.
	JSON, GoName string
	Doc          string
	Type         *Expr
	// OmitEmpty is set by the omitempty tag option: the field may be missing.
	OmitEmpty bool
}

// Expr is a field's type.
type Expr struct {
	// Kind is one of "string", "boolean", "number", "unknown", "named", "array",
	// "map" and "pointer".
	Kind string
	// Name is the declared type of a "named" expression.
	Name string
	// Elem is the element of an array, map (values) or pointer.
	Elem *Expr
}

// ConstGroup is the constants whose names share their first word.
type ConstGroup struct {
	// Prefix is the shared first word ("Method"); Doc is the doc comment of the first
	// declaration block that contributes to the group.
	Prefix string
	Doc    string
	Consts []*Const
}

// Const is an exported constant.
type Const struct {
	Name string
	// Key is the name without the group's prefix ("SyncCreate" for MethodSyncCreate).
	Key string
	Doc string
	// Value is the constant's value as a literal (quoted for strings).
	Value    string
	IsString bool
}

// Method is a constant that names a JSON-RPC method, notification or server request.
type Method struct {
	Const *Const
	// Wire is the method name on the wire ("sync/create").
	Wire string
	// Direction is "request" (client to server), "notification" (server to client) or
	// "serverRequest" (server to client, answered by the client).
	Direction string
	// Params and Result name declared types; "" stands for none (null).
	Params, Result string
	// Summary is the constant's doc.
	Summary string
	// Var is the variable that declares the method with its types (methods.go).
	Var string
}

// Directions of methods by constant prefix.
var directions = map[string]string{"Method": "request", "Notify": "notification", "Request": "serverRequest"}

// Load parses the non-test Go files of the package in dir.
func Load(dir string) (*API, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", name, err)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Go files in %s", dir)
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/ferrysync/ferry/protocol")
	if err != nil {
		return nil, fmt.Errorf("reading documentation: %w", err)
	}
	api := &API{Doc: strings.TrimSpace(pkg.Doc), byName: map[string]*Type{}}
	if err := api.loadTypes(fset, pkg); err != nil {
		return nil, err
	}
	if err := api.loadConsts(fset, pkg); err != nil {
		return nil, err
	}
	descs, err := loadDescriptors(pkg)
	if err != nil {
		return nil, err
	}
	if err := api.loadMethods(descs); err != nil {
		return nil, err
	}
	return api, nil
}

// position orders declarations by file, then offset.
type position struct {
	file   string
	offset int
}

func less(a, b position) bool {
	if a.file != b.file {
		return a.file < b.file
	}
	return a.offset < b.offset
}

func posOf(fset *token.FileSet, p token.Pos) position {
	pp := fset.Position(p)
	return position{pp.Filename, pp.Offset}
}

func (api *API) loadTypes(fset *token.FileSet, pkg *doc.Package) error {
	type placed struct {
		t   *Type
		pos position
	}
	var all []placed
	for _, dt := range pkg.Types {
		if _, ok := descriptorKinds[dt.Name]; ok || dt.Name == "None" {
			continue // how methods are declared, not wire types
		}
		var spec *ast.TypeSpec
		for _, s := range dt.Decl.Specs {
			if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == dt.Name {
				spec = ts
			}
		}
		if spec == nil {
			return fmt.Errorf("type %s: declaration not found", dt.Name)
		}
		docText := dt.Doc
		if docText == "" && spec.Doc != nil {
			docText = spec.Doc.Text()
		}
		t := &Type{Name: dt.Name, Doc: strings.TrimSpace(docText)}
		if st, ok := spec.Type.(*ast.StructType); ok {
			t.Struct = true
			if err := t.loadFields(st); err != nil {
				return fmt.Errorf("type %s: %w", dt.Name, err)
			}
		} else {
			e, err := toExpr(spec.Type)
			if err != nil {
				return fmt.Errorf("type %s: %w", dt.Name, err)
			}
			t.Underlying = e
		}
		all = append(all, placed{t, posOf(fset, spec.Pos())})
	}
	sort.Slice(all, func(i, j int) bool { return less(all[i].pos, all[j].pos) })
	for _, p := range all {
		api.Types = append(api.Types, p.t)
		api.byName[p.t.Name] = p.t
	}
	for _, t := range api.Types {
		for _, e := range t.Embeds {
			if api.byName[e] == nil {
				return fmt.Errorf("type %s embeds %s, which is not an exported type of the package", t.Name, e)
			}
		}
		for _, f := range t.Fields {
			if err := api.checkExpr(f.Type); err != nil {
				return fmt.Errorf("field %s.%s: %w", t.Name, f.GoName, err)
			}
		}
	}
	return nil
}

func (api *API) checkExpr(e *Expr) error {
	switch {
	case e.Kind == "named" && api.byName[e.Name] == nil:
		return fmt.Errorf("type %s is not an exported type of the package", e.Name)
	case e.Elem != nil:
		return api.checkExpr(e.Elem)
	}
	return nil
}

func (t *Type) loadFields(st *ast.StructType) error {
	var lastDoc string
	for _, f := range st.Fields.List {
		docText := ""
		if f.Doc != nil {
			docText = f.Doc.Text()
		} else if f.Comment != nil {
			docText = f.Comment.Text()
		}
		docText = strings.TrimSpace(docText)
		tag := ""
		if f.Tag != nil {
			unq, err := strconv.Unquote(f.Tag.Value)
			if err != nil {
				return fmt.Errorf("bad tag %s", f.Tag.Value)
			}
			tag = reflect.StructTag(unq).Get("json")
		}
		jsonName, opts, _ := strings.Cut(tag, ",")
		if jsonName == "-" && opts == "" {
			continue
		}
		omit := false
		for _, o := range strings.Split(opts, ",") {
			omit = omit || o == "omitempty" || o == "omitzero"
		}
		if len(f.Names) == 0 { // embedded
			id, ok := f.Type.(*ast.Ident)
			if !ok {
				return fmt.Errorf("unsupported embedded field %T", f.Type)
			}
			if jsonName == "" {
				t.Embeds = append(t.Embeds, id.Name)
				continue
			}
			f.Names = []*ast.Ident{id}
		}
		e, err := toExpr(f.Type)
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Names[0].Name, err)
		}
		for _, n := range f.Names {
			if !n.IsExported() {
				continue
			}
			d := docText
			if d == "" && mentions(lastDoc, n.Name) {
				// "Alpha and Beta are the two sides." documents Beta too.
				d = lastDoc
			}
			name := jsonName
			if name == "" {
				name = n.Name
			}
			t.Fields = append(t.Fields, &Field{JSON: name, GoName: n.Name, Doc: d, Type: e, OmitEmpty: omit})
		}
		if docText != "" {
			lastDoc = docText
		}
	}
	return nil
}

// mentions reports whether text names word as a whole word.
func mentions(text, word string) bool {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if w == word {
			return true
		}
	}
	return false
}

// toExpr converts a Go type expression of a wire type.
func toExpr(x ast.Expr) (*Expr, error) {
	switch x := x.(type) {
	case *ast.Ident:
		switch x.Name {
		case "string":
			return &Expr{Kind: "string"}, nil
		case "bool":
			return &Expr{Kind: "boolean"}, nil
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
			"float32", "float64", "byte", "rune", "uintptr":
			return &Expr{Kind: "number"}, nil
		case "any":
			return &Expr{Kind: "unknown"}, nil
		}
		if !ast.IsExported(x.Name) {
			return nil, fmt.Errorf("unexported type %s on the wire", x.Name)
		}
		return &Expr{Kind: "named", Name: x.Name}, nil
	case *ast.StarExpr:
		e, err := toExpr(x.X)
		if err != nil {
			return nil, err
		}
		return &Expr{Kind: "pointer", Elem: e}, nil
	case *ast.ArrayType:
		if id, ok := x.Elt.(*ast.Ident); ok && (id.Name == "byte" || id.Name == "uint8") && x.Len == nil {
			return &Expr{Kind: "string"}, nil // encoding/json sends []byte as base64
		}
		e, err := toExpr(x.Elt)
		if err != nil {
			return nil, err
		}
		return &Expr{Kind: "array", Elem: e}, nil
	case *ast.MapType:
		e, err := toExpr(x.Value)
		if err != nil {
			return nil, err
		}
		return &Expr{Kind: "map", Elem: e}, nil
	case *ast.InterfaceType:
		return &Expr{Kind: "unknown"}, nil
	case *ast.SelectorExpr:
		// json.RawMessage, time.Time and the like: opaque to the generator.
		if pkg, ok := x.X.(*ast.Ident); ok && pkg.Name == "time" && x.Sel.Name == "Time" {
			return &Expr{Kind: "string"}, nil
		}
		return &Expr{Kind: "unknown"}, nil
	}
	return nil, fmt.Errorf("unsupported type expression %T", x)
}

func (api *API) loadConsts(fset *token.FileSet, pkg *doc.Package) error {
	type placed struct {
		c        *Const
		blockDoc string
		pos      position
	}
	var all []placed
	for _, v := range pkg.Consts {
		for _, s := range v.Decl.Specs {
			spec := s.(*ast.ValueSpec)
			docText := ""
			if spec.Doc != nil {
				docText = spec.Doc.Text()
			} else if spec.Comment != nil {
				docText = spec.Comment.Text()
			}
			if docText == "" && !v.Decl.Lparen.IsValid() {
				docText = v.Doc // const X = ... with its comment above the keyword
			}
			for i, n := range spec.Names {
				if !n.IsExported() {
					continue
				}
				if i >= len(spec.Values) {
					return fmt.Errorf("constant %s: implicit values (iota) are not supported on the wire", n.Name)
				}
				value, isString, err := constValue(fset, spec.Values[i])
				if err != nil {
					return fmt.Errorf("constant %s: %w", n.Name, err)
				}
				blockDoc := v.Doc
				if len(v.Decl.Specs) == 1 && blockDoc == docText {
					blockDoc = ""
				}
				all = append(all, placed{
					c:        &Const{Name: n.Name, Doc: strings.TrimSpace(docText), Value: value, IsString: isString},
					blockDoc: strings.TrimSpace(blockDoc),
					pos:      posOf(fset, n.Pos()),
				})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return less(all[i].pos, all[j].pos) })
	counts := map[string]int{}
	for _, p := range all {
		counts[firstWord(p.c.Name)]++
	}
	groups := map[string]*ConstGroup{}
	for _, p := range all {
		prefix := firstWord(p.c.Name)
		if _, isMethod := directions[prefix]; counts[prefix] < 2 && !isMethod {
			prefix = "" // a lone constant keeps its own name
		}
		g := groups[prefix]
		if g == nil || prefix == "" {
			g = &ConstGroup{Prefix: prefix, Doc: p.blockDoc}
			if prefix != "" {
				groups[prefix] = g
			}
			api.Groups = append(api.Groups, g)
		}
		if g.Doc == "" {
			g.Doc = p.blockDoc
		}
		p.c.Key = strings.TrimPrefix(p.c.Name, prefix)
		g.Consts = append(g.Consts, p.c)
	}
	return nil
}

// firstWord is the leading capitalised word of a Go name ("Method" of MethodSyncCreate).
func firstWord(name string) string {
	for i, r := range name {
		if i > 0 && unicode.IsUpper(r) {
			return name[:i]
		}
	}
	return name
}

// constValue evaluates a constant expression that uses no identifiers.
func constValue(fset *token.FileSet, x ast.Expr) (string, bool, error) {
	src := types.ExprString(x)
	tv, err := types.Eval(fset, nil, token.NoPos, src)
	if err != nil {
		return "", false, fmt.Errorf("evaluating %s: %w", src, err)
	}
	if tv.Value == nil {
		return "", false, fmt.Errorf("%s is not constant", src)
	}
	return tv.Value.ExactString(), tv.Value.Kind().String() == "String", nil
}

// descriptor is a method's declaration with its types: a variable of type
// Request[P, R], Notification[P] or ServerRequest[P, R] whose value names the method's
// constant.
type descriptor struct {
	Var            string
	Direction      string
	Params, Result string // "" for None
}

// descriptorKinds maps the generic types that declare methods to their directions.
var descriptorKinds = map[string]string{"Request": "request", "Notification": "notification", "ServerRequest": "serverRequest"}

// loadDescriptors reads the method declarations, by the constant each names.
func loadDescriptors(pkg *doc.Package) (map[string]descriptor, error) {
	out := map[string]descriptor{}
	for _, v := range pkg.Vars {
		for _, s := range v.Decl.Specs {
			spec := s.(*ast.ValueSpec)
			for i, n := range spec.Names {
				if i >= len(spec.Values) {
					continue
				}
				lit, ok := spec.Values[i].(*ast.CompositeLit)
				if !ok {
					continue
				}
				var generic ast.Expr
				var args []ast.Expr
				switch t := lit.Type.(type) {
				case *ast.IndexExpr:
					generic, args = t.X, []ast.Expr{t.Index}
				case *ast.IndexListExpr:
					generic, args = t.X, t.Indices
				default:
					continue
				}
				id, ok := generic.(*ast.Ident)
				dir := descriptorKinds[id.Name]
				if !ok || dir == "" {
					continue
				}
				if len(lit.Elts) != 1 {
					return nil, fmt.Errorf("%s: the method declaration names one method constant", n.Name)
				}
				c, ok := lit.Elts[0].(*ast.Ident)
				if !ok {
					return nil, fmt.Errorf("%s: the method must be given by its constant", n.Name)
				}
				d := descriptor{Var: n.Name, Direction: dir}
				names := make([]string, len(args))
				for j, a := range args {
					ai, ok := a.(*ast.Ident)
					if !ok {
						return nil, fmt.Errorf("%s: type argument %s must be a declared type of the package", n.Name, types.ExprString(a))
					}
					if ai.Name != "None" {
						names[j] = ai.Name
					}
				}
				d.Params = names[0]
				if len(names) > 1 {
					d.Result = names[1]
				}
				if prev, dup := out[c.Name]; dup {
					return nil, fmt.Errorf("%s and %s both declare %s", prev.Var, n.Name, c.Name)
				}
				out[c.Name] = d
			}
		}
	}
	return out, nil
}

func (api *API) loadMethods(descs map[string]descriptor) error {
	seen := 0
	for _, g := range api.Groups {
		dir, ok := directions[g.Prefix]
		if !ok {
			continue
		}
		for _, c := range g.Consts {
			if !c.IsString {
				return fmt.Errorf("method constant %s is not a string", c.Name)
			}
			d, ok := descs[c.Name]
			switch {
			case !ok:
				return fmt.Errorf("%s has no declaration in methods.go (a Request, Notification or ServerRequest naming it)", c.Name)
			case d.Direction != dir:
				return fmt.Errorf("%s is declared as a %s, but its name says %s", c.Name, d.Direction, dir)
			}
			seen++
			wire, _ := strconv.Unquote(c.Value)
			m := &Method{Const: c, Wire: wire, Direction: dir, Params: d.Params, Result: d.Result, Var: d.Var}
			for _, name := range []string{m.Params, m.Result} {
				if name != "" && api.byName[name] == nil {
					return fmt.Errorf("%s: %s is not an exported type of the package", c.Name, name)
				}
			}
			m.Summary = strings.TrimSpace(c.Doc)
			api.Methods = append(api.Methods, m)
		}
	}
	if seen != len(descs) {
		for name, d := range descs {
			if api.Const(name) == nil {
				return fmt.Errorf("%s names %s, which is not a method constant", d.Var, name)
			}
		}
	}
	return nil
}

func noneToEmpty(s string) string {
	if strings.HasPrefix(s, "none") {
		return ""
	}
	return s
}

// Type returns the declared type called name, or nil.
func (api *API) Type(name string) *Type { return api.byName[name] }

// AllFields returns a struct's fields with those of its embedded structs flattened in
// declaration order (embedded first).
func (api *API) AllFields(t *Type) []*Field {
	var out []*Field
	for _, e := range t.Embeds {
		out = append(out, api.AllFields(api.byName[e])...)
	}
	return append(out, t.Fields...)
}

// Const returns the constant called name, or nil.
func (api *API) Const(name string) *Const {
	for _, g := range api.Groups {
		for _, c := range g.Consts {
			if c.Name == name {
				return c
			}
		}
	}
	return nil
}
