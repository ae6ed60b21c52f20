package kleakanalysis

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// no-graceful-shutdown across packages: package main's main gets a producer or consumer from a factory in another
// package (or calls a function that keeps one in a package variable), runs until it is killed (serves, select {},
// an endless loop, in main or in a function it calls), and nothing in the program catches SIGTERM: on SIGTERM the
// process dies without closing it, and main's deferred Close never runs. The tree-sitter scan sees only the
// constructions in package main; this is reported at the constructor, in the factory's package.

// serveMethods: calls that serve until the process is stopped, by name (and the receiver's package, when the name
// alone says nothing)
var serveMethods = map[string]string{
	"ListenAndServe": "", "ListenAndServeTLS": "", "Serve": "", "ServeTLS": "",
	"Run": "github.com/gin-gonic/gin", "RunTLS": "github.com/gin-gonic/gin",
	"Start": "github.com/labstack/echo", "Listen": "github.com/gofiber/fiber",
}

// blocks: how u, called, runs until the process is killed ("" when it returns): a server it starts, select {}, an
// endless loop with no way out, or a call of a function that blocks. Goroutines, defers and literals do not count.
func (c *checker) blocks(u *unit) string {
	how := ""
	ast.Inspect(u.body, func(n ast.Node) bool {
		if how != "" {
			return false
		}
		switch x := n.(type) {
		case *ast.FuncLit, *ast.GoStmt, *ast.DeferStmt:
			return false
		case *ast.SelectStmt:
			if x.Body == nil || len(x.Body.List) == 0 {
				how = "blocks in select {}"
			}
		case *ast.ForStmt:
			if x.Cond == nil && !exits(x) {
				pos := c.pass.Fset.Position(x.Pos())
				how = fmt.Sprintf("loops forever (%s:%d)", shortFile(pos.Filename), pos.Line)
				if r := c.readIn(x.Body); r != nil {
					how = fmt.Sprintf("polls %s() in an endless loop (%s:%d)", exprText(r.Fun), shortFile(pos.Filename), pos.Line)
				}
			}
		case *ast.CallExpr:
			fn := c.calleeFunc(x)
			if fn == nil {
				return true
			}
			if pkg, ok := serveMethods[fn.Name()]; ok && (pkg == "" || fn.Pkg() != nil && strings.HasPrefix(fn.Pkg().Path(), pkg)) {
				how = "serves with " + exprText(x.Fun)
				return false
			}
			if fn.Pkg() != nil && fn.Pkg() != c.pass.Pkg && !KafkaLibrary(fn.Pkg().Path()) || fn.Pkg() == c.pass.Pkg && fn != u.obj {
				if s := c.summaryOfFunc(fn); s != nil && s.Blocks != "" {
					how = "calls " + exprText(x.Fun) + ", which " + s.Blocks
					return false
				}
			}
		}
		return true
	})
	return how
}

func shortFile(path string) string {
	if i := strings.LastIndex(path, "/"); i >= 0 {
		return path[i+1:]
	}
	return path
}

// readIn: a Kafka read call in body (not in a literal)
func (c *checker) readIn(body ast.Node) *ast.CallExpr {
	var read *ast.CallExpr
	ast.Inspect(body, func(x ast.Node) bool {
		if _, ok := x.(*ast.FuncLit); ok || read != nil {
			return false
		}
		if call, ok := x.(*ast.CallExpr); ok && c.isRead(call) {
			read = call
		}
		return true
	})
	return read
}

// exits: the loop has a way out (a return, a goto, a labeled break, or a break of its own)
func exits(loop *ast.ForStmt) bool {
	found := false
	var visit func(n ast.Node, depth int)
	visit = func(n ast.Node, depth int) {
		ast.Inspect(n, func(x ast.Node) bool {
			if found || x == nil {
				return false
			}
			switch s := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				found = true
			case *ast.BranchStmt:
				if s.Tok == token.GOTO || s.Tok == token.BREAK && (s.Label != nil || depth == 0) {
					found = true
				}
			case *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
				if x != n {
					visit(x, depth+1)
					return false
				}
			}
			return true
		})
	}
	visit(loop.Body, 0)
	return found
}

// sigintOnly: the signals that do not stop a pod (Kubernetes sends SIGTERM)
var sigintOnly = map[string]bool{"Interrupt": true, "Kill": true, "SIGINT": true, "SIGKILL": true, "SIGQUIT": true, "SIGHUP": true, "SIGUSR1": true, "SIGUSR2": true}

// sigterm: how the program catches SIGTERM ("" when it does not), and a SIGINT-only Notify when that is all it has
func (c *checker) sigterm() (caught bool, onlyInt string) {
	for _, f := range c.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || caught {
				return !caught
			}
			fn := c.calleeFunc(call)
			if fn == nil || fn.Pkg() == nil {
				return true
			}
			path, name := fn.Pkg().Path(), fn.Name()
			switch {
			case path == "os/signal" && (name == "Notify" || name == "NotifyContext"):
				args := call.Args[1:]
				if len(args) == 0 || call.Ellipsis != token.NoPos {
					caught = true
				}
				for _, a := range args {
					sel, ok := ast.Unparen(a).(*ast.SelectorExpr)
					if !ok || !sigintOnly[sel.Sel.Name] {
						caught = true
					}
				}
				if !caught && onlyInt == "" {
					pos := c.pass.Fset.Position(call.Pos())
					onlyInt = fmt.Sprintf("%s (%s:%d)", c.line(pos), shortFile(pos.Filename), pos.Line)
				}
			case path == "go.uber.org/fx" && name == "New", name == "SetupSignalHandler", strings.HasSuffix(path, "/signals") && name == "NewContext":
				caught = true
			}
			return true
		})
	}
	if !caught {
		// a package of the program that main imports and that handles signals itself: taken as catching SIGTERM
		caught = c.moduleImportsSignal(c.pass.Pkg, map[*types.Package]bool{})
	}
	return caught, onlyInt
}

// moduleImportsSignal: a package of main's own module (by its import path's root) that pkg imports, at any depth,
// imports os/signal
func (c *checker) moduleImportsSignal(pkg *types.Package, seen map[*types.Package]bool) bool {
	root := moduleRoot(c.pass.Pkg.Path())
	for _, imp := range pkg.Imports() {
		if seen[imp] || root == "" || imp.Path() != root && !strings.HasPrefix(imp.Path(), root+"/") {
			continue
		}
		seen[imp] = true
		for _, i := range imp.Imports() {
			if i.Path() == "os/signal" {
				return true
			}
		}
		if c.moduleImportsSignal(imp, seen) {
			return true
		}
	}
	return false
}

// moduleRoot: a guess at the module of an import path (github.com/a/b for github.com/a/b/cmd/x; the first
// element of a path without a domain)
func moduleRoot(path string) string {
	parts := strings.Split(path, "/")
	if !strings.Contains(parts[0], ".") {
		return parts[0]
	}
	if len(parts) >= 3 {
		return strings.Join(parts[:3], "/")
	}
	return path
}

// mainShutdown reports, at the constructor, the producers and consumers main gets from another package's factory
// while running until killed with no SIGTERM handler.
func (c *checker) mainShutdown(u *unit) {
	how := c.blocks(u)
	if how == "" {
		return // a tool: main returns, and its defers run
	}
	caught, onlyInt := c.sigterm()
	if caught {
		return
	}
	own := map[string]bool{}
	for _, f := range c.pass.Files {
		own[c.pass.Fset.Position(f.Pos()).Filename] = true
	}
	type found struct {
		at  ast.Expr
		o   Origin
		via string
	}
	var got []found
	seen := map[string]bool{}
	add := func(at ast.Expr, o Origin, via string) {
		key := fmt.Sprintf("%s:%d", o.File, o.Line)
		if own[o.File] || seen[key] || o.Kind != "producer" && o.Kind != "consumer" && o.Kind != "client" {
			return
		}
		seen[key] = true
		got = append(got, found{at, o, via})
	}
	ast.Inspect(u.body, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			return false
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if p := c.producerOf(u, call); p != nil && !p.direct {
			for _, o := range p.origins {
				add(call, o, "gets it from")
			}
		}
		if s := c.summaryOf(call); s != nil {
			for _, o := range s.Keeps {
				o.Chain = append([]string{u.name}, o.Chain...)
				add(call, o, "calls")
			}
		}
		return true
	})
	for _, g := range got {
		o := g.o
		callee := exprText(ast.Unparen(g.at.(*ast.CallExpr).Fun))
		what := fmt.Sprintf("%s gets it from %s (%s)", u.name, callee, strings.Join(o.Chain, " → "))
		if g.via == "calls" {
			what = fmt.Sprintf("%s calls %s, which keeps it in a package variable (%s)", u.name, callee, strings.Join(o.Chain, " → "))
		}
		handler := "has no signal.Notify or signal.NotifyContext for SIGTERM"
		if onlyInt != "" {
			handler = "catches SIGINT only (" + onlyInt + "), and Kubernetes stops a pod with SIGTERM"
		}
		detail := fmt.Sprintf("%s, %s and %s: on SIGTERM the process dies without closing it", what, how, handler)
		if o.Kind == "producer" || o.Kind == "client" {
			detail += " (what it buffers is lost"
		} else {
			detail += " (the group waits out the session timeout"
		}
		detail += ", and a deferred Close in main never runs)"
		msg := fmt.Sprintf("no-graceful-shutdown: %s builds %s in %s (at %s:%d), but %s", o.Callee, kindText[o.Kind], o.Func, o.File, o.Line, detail)
		c.emit(g.at.Pos(), msg, Record{
			Rule: "no-graceful-shutdown", File: o.File, Line: o.Line, Column: o.Col, Function: o.Func, Snippet: o.Snippet,
			Kind: o.Kind, Library: o.Library, Callee: o.Callee, Binding: o.Binding,
			Fate: RecFate{Status: "leaks", How: "not closed on SIGTERM", Reason: detail},
		})
	}
}
