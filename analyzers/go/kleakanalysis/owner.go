package kleakanalysis

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// An owner's Close or Stop that forgets a client: a fresh client is kept in a field of a struct of this package
// (assigned, in a literal, or through a function of this package that keeps its parameter there), nothing in
// the package closes that field (directly, through a function that closes its parameter, through a local copy)
// nor hands it on, and
//   - the struct has a lifecycle method (Close, Stop, Shutdown, …) that closes other fields: it forgets this one; or
//   - the struct has none, and the function that builds the client returns another struct of this package whose
//     lifecycle method closes a client that same function built (fission's KafkaSubscription.Stop closes the
//     consumer group; the producer built beside it is kept in the consumer-group handler, and nothing closes it).
// A struct with no lifecycle method on either side is not this shape (the client's other uses are other rules').

// lifecycle: a method name that ends what the value holds
func lifecycle(name string) bool {
	n := strings.ToLower(name)
	for _, p := range []string{"close", "stop", "shutdown", "terminate", "dispose", "teardown"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// fieldUse: what the package does with a struct field's client somewhere (closes it, or hands it on)
type fieldUse struct {
	closed, handed bool
}

// fieldUses: every use of every field in the package that closes the client in it or hands it on
func (c *checker) fieldUses() map[*types.Var]fieldUse {
	if c.fields != nil {
		return c.fields
	}
	c.fields = map[*types.Var]fieldUse{}
	info := c.pass.TypesInfo
	for _, u := range c.allUnits {
		if u.obj == nil {
			continue // a literal's body is inside its function's
		}
		ast.Inspect(u.body, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			s := info.Selections[sel]
			if s == nil || s.Kind() != types.FieldVal {
				return true
			}
			f, _ := s.Obj().(*types.Var)
			if f == nil {
				return true
			}
			use := c.fields[f]
			switch p := u.parent[sel].(type) {
			case *ast.SelectorExpr:
				if p.X == sel && closeMethods[p.Sel.Name] {
					use.closed = true
				}
			case *ast.CallExpr:
				if call, i := c.argOf(u, sel); call != nil {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "append" {
						use.handed = true
					} else if fn := c.calleeFunc(call); fn != nil {
						if sum := c.summaryOfFunc(fn); sum != nil && containsInt(sum.ClosesParams, i) {
							use.closed = true
						}
					}
				}
			case *ast.ReturnStmt, *ast.CompositeLit, *ast.KeyValueExpr, *ast.SendStmt:
				use.handed = true
			case *ast.UnaryExpr:
				if p.Op == token.AND {
					use.handed = true
				}
			case *ast.AssignStmt:
				for i, r := range p.Rhs {
					if r != ast.Expr(sel) || i >= len(p.Lhs) {
						continue
					}
					// a local copy closed (or handed on) is the field's; stored elsewhere, it is handed on
					if id, ok := p.Lhs[i].(*ast.Ident); ok {
						if v, ok := info.ObjectOf(id).(*types.Var); ok && v.Parent() != c.pass.Pkg.Scope() {
							if hasClose(v.Type()) && c.closes(u, v) {
								use.closed = true
							}
							continue
						}
					}
					use.handed = true
				}
			case *ast.RangeStmt:
				if p.X == sel {
					if id, ok := p.Value.(*ast.Ident); ok {
						if v, ok := info.ObjectOf(id).(*types.Var); ok && hasClose(v.Type()) && c.closes(u, v) {
							use.closed = true
						}
					}
				}
			}
			c.fields[f] = use
			return true
		})
	}
	return c.fields
}

// holder: a struct field a client is kept in, and how
type holder struct {
	typ   *types.Named
	field *types.Var
	how   string
}

// holders: where u keeps the client e yields (bound to a local, or stored at once); ok false when it goes
// anywhere else as well (returned itself, closed, captured, handed to a function not known to keep it)
func (c *checker) holders(u *unit, e ast.Expr) ([]holder, bool) {
	info := c.pass.TypesInfo
	node := u.unparen(e)
	if h, ok := c.holderAt(u, node); ok {
		return []holder{h}, true
	}
	v, _, _ := c.binding(u, e)
	if v == nil {
		return nil, false
	}
	var out []holder
	ok := true
	ast.Inspect(u.body, func(n ast.Node) bool {
		id, isId := n.(*ast.Ident)
		if !ok || !isId || info.Uses[id] != v {
			return ok
		}
		if c.enclosingLit(u, id) != nil || c.isClose(u, id) || c.closesField(u, id) || c.methodValue(u, id) {
			ok = false
			return false
		}
		if h, found := c.holderAt(u, id); found {
			out = append(out, h)
			return true
		}
		switch p := u.parent[id].(type) {
		case *ast.SelectorExpr, *ast.BinaryExpr:
			return true // a method call, a field, a comparison
		case *ast.CallExpr:
			if fn := c.calleeFunc(p); fn != nil && fn.Pkg() == c.pass.Pkg {
				for i, a := range p.Args {
					if a == ast.Expr(id) {
						if h, found := c.paramField(fn, i); found {
							h.how = "through " + fn.Name()
							out = append(out, h)
							return true
						}
					}
				}
			}
		}
		ok = false
		return false
	})
	return out, ok && len(out) > 0
}

// holderAt: n is kept in a field: x.f = n, or T{f: n}
func (c *checker) holderAt(u *unit, n ast.Node) (holder, bool) {
	info := c.pass.TypesInfo
	switch p := u.parent[n].(type) {
	case *ast.KeyValueExpr:
		lit, ok := u.parent[p].(*ast.CompositeLit)
		key, isId := p.Key.(*ast.Ident)
		if !ok || !isId || p.Value != n {
			return holder{}, false
		}
		f, _ := info.Uses[key].(*types.Var)
		named := namedStruct(info.TypeOf(lit))
		if f == nil || !f.IsField() || named == nil {
			return holder{}, false
		}
		return holder{named, f, ""}, true
	case *ast.AssignStmt:
		for i, r := range p.Rhs {
			if r != n || i >= len(p.Lhs) && len(p.Rhs) > 1 {
				continue
			}
			j := i
			if len(p.Rhs) == 1 {
				j = 0
			}
			sel, ok := p.Lhs[j].(*ast.SelectorExpr)
			if !ok {
				return holder{}, false
			}
			s := info.Selections[sel]
			if s == nil || s.Kind() != types.FieldVal {
				return holder{}, false
			}
			f, _ := s.Obj().(*types.Var)
			named := namedStruct(s.Recv())
			if f == nil || named == nil {
				return holder{}, false
			}
			return holder{named, f, ""}, true
		}
	}
	return holder{}, false
}

func namedStruct(t types.Type) *types.Named {
	if t == nil {
		return nil
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return nil
	}
	if _, ok := n.Underlying().(*types.Struct); !ok {
		return nil
	}
	return n
}

// paramField: fn (of this package) keeps its parameter i in a field (T{f: p}, x.f = p)
func (c *checker) paramField(fn *types.Func, i int) (holder, bool) {
	u := c.unitOf[fn]
	if u == nil || i >= u.sig.Params().Len() {
		return holder{}, false
	}
	param := u.sig.Params().At(i)
	var h holder
	found := false
	ast.Inspect(u.body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if found || !ok || c.pass.TypesInfo.Uses[id] != param {
			return !found
		}
		h, found = c.holderAt(u, id)
		return !found
	})
	return h, found
}

// lifecycleOf: t's lifecycle method that closes fields of its receiver, and those fields
func (c *checker) lifecycleOf(t *types.Named) (*types.Func, []*types.Var, string) {
	ms := types.NewMethodSet(types.NewPointer(t))
	for i := 0; i < ms.Len(); i++ {
		fn, ok := ms.At(i).Obj().(*types.Func)
		if !ok || !lifecycle(fn.Name()) {
			continue
		}
		u := c.unitOf[fn]
		if u == nil {
			continue
		}
		var closed []*types.Var
		what := ""
		ast.Inspect(u.body, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || !closeMethods[sel.Sel.Name] && sel.Sel.Name != "Stop" {
				return true
			}
			inner, ok := ast.Unparen(sel.X).(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if s := c.pass.TypesInfo.Selections[inner]; s != nil && s.Kind() == types.FieldVal {
				if f, ok := s.Obj().(*types.Var); ok {
					closed = append(closed, f)
					if what == "" {
						what = exprText(inner)
					}
				}
			}
			return true
		})
		if len(closed) > 0 {
			return fn, closed, what
		}
	}
	return nil, nil, ""
}

// ownerForgets: the client p yields, in u, is kept in a field nothing closes, and the lifecycle method that should
// close it does not; the message's reason ("" when not this shape)
func (c *checker) ownerForgets(u *unit, p *producer) string {
	hs, ok := c.holders(u, p.expr)
	if !ok {
		return ""
	}
	uses := c.fieldUses()
	for _, h := range hs {
		if h.field.Pkg() != c.pass.Pkg || h.typ.Obj().Pkg() != c.pass.Pkg || uses[h.field].closed || uses[h.field].handed {
			return ""
		}
		// an exported field of an exported type: another package may close it
		if h.field.Exported() && h.typ.Obj().Exported() {
			return ""
		}
	}
	h := hs[0]
	kept := h.typ.Obj().Name() + "." + h.field.Name()
	if h.how != "" {
		kept += " (" + h.how + ")"
	}
	if m, _, what := c.lifecycleOf(h.typ); m != nil {
		return fmt.Sprintf("keeps it in %s, which %s (%s) never closes: it closes %s only", kept, methodName(m), c.where(m), what)
	}
	// the struct u returns, whose lifecycle method closes another client u built
	for _, o := range c.returnedStructs(u) {
		if o == h.typ {
			continue
		}
		m, closed, what := c.lifecycleOf(o)
		if m == nil || !c.buildsInto(u, p, o, closed) {
			continue
		}
		return fmt.Sprintf("keeps it in %s, which %s's result %s does not hold: %s (%s) closes %s, never this %s", kept, u.name, o.Obj().Name(), methodName(m), c.where(m), what, kindWord(p))
	}
	return ""
}

func kindWord(p *producer) string {
	if len(p.origins) > 0 {
		return strings.TrimPrefix(strings.TrimPrefix(kindText[p.origins[0].Kind], "a "), "an ")
	}
	return "client"
}

func methodName(fn *types.Func) string {
	recv := fn.Type().(*types.Signature).Recv()
	if recv == nil {
		return fn.Name()
	}
	if n := namedStruct(recv.Type()); n != nil {
		return n.Obj().Name() + "." + fn.Name()
	}
	return fn.Name()
}

func (c *checker) where(fn *types.Func) string {
	pos := c.pass.Fset.Position(fn.Pos())
	return fmt.Sprintf("%s:%d", shortFile(pos.Filename), pos.Line)
}

// returnedStructs: the structs of this package u returns (by the returned values' types, not the signature's:
// Subscribe returns a *KafkaSubscription as a messageQueue.Subscription)
func (c *checker) returnedStructs(u *unit) []*types.Named {
	var out []*types.Named
	seen := map[*types.Named]bool{}
	ast.Inspect(u.body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		r, ok := n.(*ast.ReturnStmt)
		if !ok {
			return true
		}
		for _, e := range r.Results {
			if t := namedStruct(c.pass.TypesInfo.TypeOf(e)); t != nil && t.Obj().Pkg() == c.pass.Pkg && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
		return true
	})
	return out
}

// buildsInto: u builds another client (not p's) that it keeps in one of o's fields the lifecycle method closes
func (c *checker) buildsInto(u *unit, p *producer, o *types.Named, closed []*types.Var) bool {
	found := false
	ast.Inspect(u.body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok || found {
			return false
		}
		e, ok := n.(ast.Expr)
		if !ok || e == p.expr {
			return true
		}
		q := c.producerOf(u, e)
		if q == nil {
			return true
		}
		hs, _ := c.holdersAny(u, q.expr)
		for _, h := range hs {
			for _, f := range closed {
				if h.typ == o && h.field == f {
					found = true
				}
			}
		}
		return true
	})
	return found
}

// holdersAny: the fields u keeps the client e yields in, whatever else it does with it
func (c *checker) holdersAny(u *unit, e ast.Expr) ([]holder, bool) {
	if h, ok := c.holderAt(u, e); ok {
		return []holder{h}, true
	}
	v, _, _ := c.binding(u, e)
	if v == nil {
		return nil, false
	}
	var out []holder
	ast.Inspect(u.body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && c.pass.TypesInfo.Uses[id] == v {
			if h, found := c.holderAt(u, id); found {
				out = append(out, h)
			}
		}
		return true
	})
	return out, len(out) > 0
}

// reportOwnerForgets: client-not-closed at the construction, for a client kept where no Close reaches it
func (c *checker) reportOwnerForgets(u *unit, p *producer, o Origin, reason string) {
	pos := c.pass.Fset.Position(p.expr.Pos())
	msg := fmt.Sprintf("client-not-closed: %s in %s builds %s and %s", p.callee, u.name, kindText[o.Kind], reason)
	c.emit(p.expr.Pos(), msg, Record{
		Rule: "client-not-closed", File: pos.Filename, Line: pos.Line, Column: pos.Column, Function: u.name, Snippet: c.line(pos),
		Kind: o.Kind, Library: o.Library, Callee: p.callee, Gap: "owner-forgets",
		Fate: RecFate{Status: "leaks", How: "kept where no Close reaches it", Reason: reason},
	})
}
