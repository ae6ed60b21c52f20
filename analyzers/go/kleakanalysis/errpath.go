package kleakanalysis

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/cfg"
)

// Error paths after a construction, on the function's control-flow graph (golang.org/x/tools/go/cfg): a client
// that the function closes, returns, stores or hands on on its main path, but that a return reached after the
// construction succeeded leaves open — neither closed (a Close, a defer, a function that closes its parameter),
// nor handed on (returned, stored, passed to a call that is not known to leave it, captured), nor nil. The
// construction's own error check (`if err != nil` right after it, while err is still the construction's) is a
// path where the client is nil: it does not count. Sarama's New…FromClient constructors that take the client
// over (the cluster admin's) take it only when they succeed: `return sarama.NewClusterAdminFromClient(c)`
// leaves c open when it fails (sarama's own NewClusterAdmin closes it).

// noReturn: calls that end the goroutine (the graph ends their block)
func (c *checker) noReturn(call *ast.CallExpr) bool {
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if fun.Name == "panic" {
			if _, ok := c.pass.TypesInfo.Uses[fun].(*types.Builtin); ok {
				return true
			}
		}
	case *ast.SelectorExpr:
		switch fun.Sel.Name {
		case "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Exit", "Goexit", "FailNow", "Skip", "Skipf", "SkipNow":
			return true
		}
	}
	return false
}

func (c *checker) graph(u *unit) *cfg.CFG {
	if g, ok := c.cfgs[u]; ok {
		return g
	}
	g := cfg.New(u.body, func(call *ast.CallExpr) bool { return !c.noReturn(call) })
	c.cfgs[u] = g
	return g
}

// binding: the local variable the client e yields is bound to, the statement, and the error variable beside it
func (c *checker) binding(u *unit, e ast.Expr) (*types.Var, ast.Node, types.Object) {
	info := c.pass.TypesInfo
	node := u.unparen(e)
	var lhs []ast.Expr
	var stmt ast.Node
	switch p := u.parent[node].(type) {
	case *ast.AssignStmt:
		if len(p.Rhs) != 1 {
			return nil, nil, nil
		}
		lhs, stmt = p.Lhs, p
	case *ast.ValueSpec:
		if len(p.Values) != 1 {
			return nil, nil, nil
		}
		for _, n := range p.Names {
			lhs = append(lhs, n)
		}
		stmt = p
	default:
		return nil, nil, nil
	}
	id, ok := lhs[0].(*ast.Ident)
	if !ok {
		return nil, nil, nil
	}
	v, _ := info.ObjectOf(id).(*types.Var)
	if v == nil || v.Parent() == c.pass.Pkg.Scope() {
		return nil, nil, nil
	}
	var errVar types.Object
	if len(lhs) > 1 {
		if id, ok := lhs[len(lhs)-1].(*ast.Ident); ok && id.Name != "_" {
			errVar = info.ObjectOf(id)
		}
	}
	return v, stmt, errVar
}

// pathState: what a path after the construction knows
type pathState struct {
	// errLive: errVar still holds the construction's error
	errLive bool
	// pending: a New…FromClient that takes the client over when it succeeds, its error variable and call
	pending     types.Object
	pendingCall string
	// why: the failure that led here ("when c.Subscribe fails")
	why string
	// calls: the call each error variable was last set by
	calls map[types.Object]string
}

// leak on an error path: the return's line and why it is reached
type errLeak struct {
	line int
	why  string
}

// errorPath: a return that leaves the client v (bound at stmt, errVar beside it) open, on the function's graph
func (c *checker) errorPath(u *unit, v *types.Var, stmt ast.Node, errVar types.Object) *errLeak {
	g := c.graph(u)
	var start *cfg.Block
	at := -1
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			if n == stmt {
				start, at = b, i
			}
		}
	}
	if start == nil || !start.Live {
		return nil
	}
	// a deferred close of v anywhere in the function (one written before the construction too: `var c sarama.Client;
	// defer func() { if c != nil { c.Close() } }()`) runs on every path out
	deferred := false
	ast.Inspect(u.body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && c.pass.TypesInfo.Uses[id] == v && c.inDefer(u, id) {
			deferred = true
		}
		return !deferred
	})
	if deferred {
		return nil
	}
	type item struct {
		b  *cfg.Block
		i  int
		st pathState
	}
	type key struct {
		b       int32
		errLive bool
		pending types.Object
	}
	seen := map[key]bool{}
	stack := []item{{start, at + 1, pathState{errLive: errVar != nil, calls: map[types.Object]string{}}}}
	for steps := 0; len(stack) > 0 && steps < 10000; steps++ {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.i == 0 {
			k := key{it.b.Index, it.st.errLive, it.st.pending}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		st := it.st
		stop := false
		var leak *errLeak
		for _, n := range it.b.Nodes[it.i:] {
			if n == stmt {
				stop = true // the construction again (a loop): a client of its own
				break
			}
			ev, call := c.useOf(u, n, v)
			if ev == "safe" {
				stop = true
				break
			}
			if ev == "return-handover" {
				leak = &errLeak{c.line0(n), "when " + call + " fails"}
				break
			}
			if r, ok := n.(*ast.ReturnStmt); ok {
				if st.pending != nil {
					if !mentionsExprs(c.pass.TypesInfo, r.Results, st.pending) {
						stop = true
						break
					}
					st.why = "when " + st.pendingCall + " fails"
				}
				leak = &errLeak{c.line0(n), st.why}
				break
			}
			hadPending := st.pending
			st = c.assigns(n, st, errVar)
			if ev == "handover" {
				st.pending, st.pendingCall = c.assignedErr(n), call
				if st.pending == nil {
					stop = true // taken over, its error not looked at
					break
				}
			} else if hadPending != nil && st.pending == nil {
				stop = true // the New…FromClient's error variable set again before it was checked
				break
			}
		}
		if leak != nil {
			return leak
		}
		if stop {
			continue
		}
		b := it.b
		if len(b.Succs) == 2 && len(b.Nodes) > 0 {
			if cond, ok := b.Nodes[len(b.Nodes)-1].(ast.Expr); ok && condBlock(u, b) {
				for i, s := range b.Succs {
					if next, follow := c.branch(cond, i == 0, b.Succs[0].Kind == cfg.KindIfThen, v, errVar, st); follow {
						stack = append(stack, item{s, 0, next})
					}
				}
				continue
			}
		}
		for _, s := range b.Succs {
			stack = append(stack, item{s, 0, st})
		}
	}
	return nil
}

// condBlock: b ends in a condition whose true and false successors are Succs[0] and Succs[1]
func condBlock(u *unit, b *cfg.Block) bool {
	switch b.Succs[0].Kind {
	case cfg.KindIfThen, cfg.KindForBody:
		return true
	case cfg.KindSwitchCaseBody:
		// a tagless switch's case is a condition; a tagged one's is a value
		body := u.parent[b.Succs[0].Stmt]
		sw, ok := u.parent[body].(*ast.SwitchStmt)
		return ok && sw.Tag == nil
	}
	return false
}

func (c *checker) line0(n ast.Node) int {
	return c.pass.Fset.Position(n.Pos()).Line
}

// branch: whether a path takes the true (or false) branch of cond, and what it knows there
func (c *checker) branch(cond ast.Expr, b, isIf bool, v *types.Var, errVar types.Object, st pathState) (pathState, bool) {
	info := c.pass.TypesInfo
	if nilness(info, cond, v, b) < 0 {
		return st, false // the client is nil there
	}
	if errVar != nil && st.errLive {
		switch r := nilness(info, cond, errVar, b); {
		case r > 0:
			return st, false // the construction failed: the client is nil or invalid
		case r == 0 && mentions(info, cond, errVar):
			return st, false // unknown: not followed (no finding on a guess)
		}
	}
	if st.pending != nil {
		switch nilness(info, cond, st.pending, b) {
		case 1:
			st.why = "when " + st.pendingCall + " fails"
			st.pending, st.pendingCall = nil, ""
			return st, true
		default:
			if mentions(info, cond, st.pending) {
				return st, false // taken over (or unknown)
			}
		}
	}
	// why this branch: an error variable set by a call, non-nil here; or the condition itself
	why := ""
	ast.Inspect(cond, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || why != "" {
			return why == ""
		}
		obj := info.ObjectOf(id)
		if call, ok := st.calls[obj]; ok && nilness(info, cond, obj, b) > 0 {
			why = "when " + call + " fails"
		}
		return true
	})
	switch {
	case why != "":
		st.why = why
	case b && isIf:
		st.why = "when " + truncate(types.ExprString(cond), 60)
	}
	return st, true
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// nilness: what cond being b says of x: 1 x is not nil, -1 x is nil, 0 nothing
func nilness(info *types.Info, cond ast.Expr, x types.Object, b bool) int {
	switch e := ast.Unparen(cond).(type) {
	case *ast.UnaryExpr:
		if e.Op == token.NOT {
			return nilness(info, e.X, x, !b)
		}
	case *ast.BinaryExpr:
		switch e.Op {
		case token.NEQ, token.EQL:
			isX := func(a ast.Expr) bool {
				id, ok := ast.Unparen(a).(*ast.Ident)
				return ok && info.ObjectOf(id) == x
			}
			isNil := func(a ast.Expr) bool {
				id, ok := ast.Unparen(a).(*ast.Ident)
				return ok && id.Name == "nil" && info.Types[id].IsNil()
			}
			if isX(e.X) && isNil(e.Y) || isX(e.Y) && isNil(e.X) {
				if (e.Op == token.NEQ) == b {
					return 1
				}
				return -1
			}
		case token.LAND, token.LOR:
			// a && b true: both true; a || b false: both false
			both := e.Op == token.LAND == b
			l, r := nilness(info, e.X, x, b), nilness(info, e.Y, x, b)
			if both {
				if l != 0 {
					return l
				}
				return r
			}
			if l == r {
				return l
			}
		}
	}
	return 0
}

func mentionsExprs(info *types.Info, es []ast.Expr, obj types.Object) bool {
	for _, e := range es {
		if mentions(info, e, obj) {
			return true
		}
	}
	return false
}

// assigns: what an assignment in n changes: the construction's error variable set again, an error variable set
// by a call (for the reason of a later failure)
func (c *checker) assigns(n ast.Node, st pathState, errVar types.Object) pathState {
	as, ok := n.(*ast.AssignStmt)
	if !ok {
		return st
	}
	info := c.pass.TypesInfo
	var call string
	if len(as.Rhs) == 1 {
		if ce, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr); ok {
			call = truncate(types.ExprString(ce.Fun), 60)
		}
	}
	for _, l := range as.Lhs {
		id, ok := l.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		obj := info.ObjectOf(id)
		if obj == nil {
			continue
		}
		if obj == errVar {
			st.errLive = false
		}
		if obj == st.pending {
			st.pending = nil
		}
		if isError(obj.Type()) && call != "" {
			calls := make(map[types.Object]string, len(st.calls)+1)
			for k, v := range st.calls {
				calls[k] = v
			}
			calls[obj] = call
			st.calls = calls
		}
	}
	return st
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// assignedErr: the error variable a New…FromClient's result is assigned beside (a, err := …)
func (c *checker) assignedErr(n ast.Node) types.Object {
	as, ok := n.(*ast.AssignStmt)
	if !ok || len(as.Rhs) != 1 || len(as.Lhs) < 2 {
		return nil
	}
	id, ok := as.Lhs[len(as.Lhs)-1].(*ast.Ident)
	if !ok || id.Name == "_" {
		return nil
	}
	return c.pass.TypesInfo.ObjectOf(id)
}

// useOf: what node n does with the client v: "safe" (closed, handed on, reassigned), "handover" (a New…FromClient
// that takes it over when it succeeds, in an assignment), "return-handover" (the same, returned directly), or ""
func (c *checker) useOf(u *unit, n ast.Node, v *types.Var) (string, string) {
	info := c.pass.TypesInfo
	ev, call := "", ""
	ast.Inspect(n, func(x ast.Node) bool {
		if ev == "safe" {
			return false
		}
		id, ok := x.(*ast.Ident)
		if !ok || info.ObjectOf(id) != v {
			return true
		}
		if info.Defs[id] == v {
			ev = "safe" // declared again (a loop's own variable)
			return false
		}
		if c.enclosingLitIn(u, id, n) {
			ev = "safe" // captured by a function literal: handed on
			return false
		}
		if c.isClose(u, id) || c.closesField(u, id) || c.methodValue(u, id) {
			ev = "safe"
			return false
		}
		if ce, i := c.argOf(u, id); ce != nil {
			if fn := c.calleeFunc(ce); fn != nil && fn.Pkg() != nil {
				if k, ok := constructors[fn.Pkg().Path()][fn.Name()]; ok && k.FromClient == "closes" {
					call = exprText(ce.Fun)
					if _, isRet := u.parent[ce].(*ast.ReturnStmt); isRet {
						ev = "return-handover"
					} else if as, isAs := u.parent[ce].(*ast.AssignStmt); isAs && as == n {
						ev = "handover"
					} else {
						ev = "safe"
					}
					return false
				}
			}
			if f := c.fateAsArg(u, ce, i); f.status != "wrapped" {
				ev = "safe"
			}
			return false
		}
		switch p := u.parent[id].(type) {
		case *ast.ReturnStmt, *ast.CompositeLit, *ast.KeyValueExpr, *ast.SendStmt:
			ev = "safe"
		case *ast.AssignStmt:
			for _, l := range p.Lhs {
				if l == ast.Expr(id) {
					ev = "safe" // set again
				}
			}
			for _, r := range p.Rhs {
				if r == ast.Expr(id) {
					ev = "safe" // stored or aliased
				}
			}
		case *ast.ValueSpec:
			ev = "safe"
		case *ast.UnaryExpr:
			if p.Op == token.AND {
				ev = "safe"
			}
		case *ast.CallExpr:
			ev = "safe" // a conversion, or an argument argOf did not place
		}
		return ev != "safe"
	})
	return ev, call
}

// enclosingLitIn: id is inside a function literal within n
func (c *checker) enclosingLitIn(u *unit, id ast.Node, n ast.Node) bool {
	for p := u.parent[id]; p != nil && p != n; p = u.parent[p] {
		if _, ok := p.(*ast.FuncLit); ok {
			return true
		}
	}
	return false
}

// reportErrorPath: client-not-closed at the construction, for a return that leaves it open after it was built
func (c *checker) reportErrorPath(u *unit, p *producer, o Origin, leak *errLeak) {
	pos := c.pass.Fset.Position(p.expr.Pos())
	ret := fmt.Sprintf("returns at line %d", leak.line)
	if leak.line == c.pass.Fset.Position(u.end).Line {
		ret = fmt.Sprintf("reaches the end of %s (line %d)", u.name, leak.line)
	}
	reason := ret
	if leak.why != "" {
		reason += " " + leak.why
	}
	reason += ", without closing it"
	from := ""
	if !p.direct {
		from = fmt.Sprintf(" (%s built by %s at %s:%d)", kindText[o.Kind], o.Callee, shortFile(o.File), o.Line)
	}
	msg := fmt.Sprintf("client-not-closed: %s in %s%s: %s %s", p.callee, u.name, from, u.name, reason)
	c.emit(p.expr.Pos(), msg, Record{
		Rule: "client-not-closed", File: pos.Filename, Line: pos.Line, Column: pos.Column, Function: u.name, Snippet: c.line(pos),
		Kind: o.Kind, Library: o.Library, Callee: p.callee, Gap: "error-path",
		Fate: RecFate{Status: "leaks", How: "not closed on the path to line " + fmt.Sprint(leak.line), LeakLine: leak.line, Reason: reason},
	})
}

// inMainFunc: u is package main's main (or a literal in it): its returns end the process
func inMainFunc(u *unit) bool {
	return u.name == "main.main" || strings.HasPrefix(u.name, "main.main.")
}
