// Package kleakanalysis is kleak's Kafka-client leak analyzer on golang.org/x/tools/go/analysis: it follows a
// client from its constructor through the functions that return it, across files and packages (function
// summaries exported as facts, so the depth is unbounded), and decides who owns it by escape: whoever finally
// stores it in something long-lived or returns it. A request handler or per-message callback that gets a fresh
// client (built by itself or by anything it calls) and does not keep it builds one per request.
//
// Diagnostics carry the kleak rule id as their Category and first word:
//
//	client-per-request           a handler builds a client per request (through its chain of calls)
//	client-not-closed            a factory's client dropped by its caller, or a client only wrapped by
//	                             a Sarama New…FromClient whose Close does not close it
package kleakanalysis

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer is kleak's analyzer.
var Analyzer = &analysis.Analyzer{
	Name:      "kleak",
	Doc:       "report Kafka clients built per request or never closed, following them across calls and packages",
	URL:       "https://github.com/kleak-dev/kleak",
	Run:       run,
	FactTypes: []analysis.Fact{new(Summary)},
}

// payload: each message ends with a line "kleak:{json}" that kleak scan reads (set by kleak, not for people).
var payload bool

func init() {
	Analyzer.Flags.BoolVar(&payload, "payload", false, "append a JSON record to each diagnostic (for kleak scan)")
}

// Origin is a Kafka client's construction site, as a summary carries it to the callers.
type Origin struct {
	Kind, Library, Callee string
	File                  string
	Line, Col             int
	Func, Snippet         string
	Binding               string
	// Chain: the summarised function down to Func (the function that calls the constructor)
	Chain []string
	// Fate, for a client the function builds and does not keep: closed, leaks, discarded or wrapped; Where: the
	// function that decided it
	Fate, How, Where string
	LeakLine         int
}

// Summary is a function's fact: the fresh clients it returns (the caller owns them), the clients it builds on
// every call and does not keep (closed or leaked inside), and the parameters it closes.
type Summary struct {
	Returns      []Origin
	Builds       []Origin
	ClosesParams []int
	// Keeps: the clients it builds (itself or through its calls) and keeps in a package variable
	Keeps []Origin
	// Blocks: how a call of it runs until the process is killed (serves, select {}, an endless loop)
	Blocks string
	// ParamCalls: the function-typed parameters whose call's result it returns (makeClient(brokers,
	// sarama.NewClient) returns what sarama.NewClient builds)
	ParamCalls []int
}

// AFact marks Summary as an analysis fact.
func (*Summary) AFact() {}

func (s *Summary) String() string {
	parts := []string{}
	for _, o := range s.Returns {
		parts = append(parts, fmt.Sprintf("returns %s %s from %s", o.Kind, o.Callee, strings.Join(o.Chain, " → ")))
	}
	for _, o := range s.Builds {
		parts = append(parts, fmt.Sprintf("builds %s %s (%s) via %s", o.Kind, o.Callee, o.Fate, strings.Join(o.Chain, " → ")))
	}
	if len(s.ClosesParams) > 0 {
		parts = append(parts, fmt.Sprintf("closes params %v", s.ClosesParams))
	}
	for _, o := range s.Keeps {
		parts = append(parts, fmt.Sprintf("keeps %s %s via %s", o.Kind, o.Callee, strings.Join(o.Chain, " → ")))
	}
	if s.Blocks != "" {
		parts = append(parts, "blocks: "+s.Blocks)
	}
	if len(s.ParamCalls) > 0 {
		parts = append(parts, fmt.Sprintf("returns what params %v build", s.ParamCalls))
	}
	return strings.Join(parts, "; ")
}

func (s *Summary) empty() bool {
	return s == nil || len(s.Returns) == 0 && len(s.Builds) == 0 && len(s.ClosesParams) == 0 && len(s.Keeps) == 0 && s.Blocks == "" && len(s.ParamCalls) == 0
}

// unit is one function body: a declared function or method, or a function literal.
type unit struct {
	name   string
	obj    *types.Func
	body   *ast.BlockStmt
	sig    *types.Signature
	end    token.Pos
	parent map[ast.Node]ast.Node
}

type checker struct {
	pass  *analysis.Pass
	local map[*types.Func]*Summary
	// the imported methods with a summary (for calls through an interface), and the files' lines
	imported []importedSummary
	lines    map[string][]string
	cfgs     map[*unit]*cfg.CFG
	// the package's function bodies, by function; what the package does with each struct field's client
	allUnits []*unit
	unitOf   map[*types.Func]*unit
	fields   map[*types.Var]fieldUse
}

type importedSummary struct {
	fn *types.Func
	s  *Summary
}

func run(pass *analysis.Pass) (any, error) {
	// the Kafka libraries themselves, and packages that reach none of them, build no client kleak follows
	if KafkaLibrary(pass.Pkg.Path()) || !reachesKafka(pass.Pkg, map[*types.Package]bool{}) {
		return nil, nil
	}
	c := &checker{pass: pass, local: map[*types.Func]*Summary{}, lines: map[string][]string{}, cfgs: map[*unit]*cfg.CFG{}}
	for _, f := range pass.AllObjectFacts() {
		fn, ok := f.Object.(*types.Func)
		s, isSummary := f.Fact.(*Summary)
		if ok && isSummary && fn.Type().(*types.Signature).Recv() != nil {
			c.imported = append(c.imported, importedSummary{fn, s})
		}
	}
	units := c.units()
	c.allUnits, c.unitOf = units, map[*types.Func]*unit{}
	for _, u := range units {
		if u.obj != nil {
			c.unitOf[u.obj] = u
		}
	}
	// summaries of this package's functions, to a fixed point (a helper may be declared after its caller)
	for i := 0; i < 8; i++ {
		changed := false
		for _, u := range units {
			if u.obj == nil {
				continue
			}
			s := c.analyze(u, false)
			old := c.local[u.obj]
			if summaryKey(old) != summaryKey(s) {
				c.local[u.obj] = s
				changed = true
			}
		}
		if c.interfaceSummaries() {
			changed = true
		}
		if !changed {
			break
		}
	}
	for obj, s := range c.local {
		if !s.empty() {
			pass.ExportObjectFact(obj, s)
		}
	}
	for _, u := range units {
		c.analyze(u, true)
		if u.obj != nil && u.name == "main.main" && u.sig.Recv() == nil {
			c.mainShutdown(u)
		}
	}
	return nil, nil
}

// KafkaLibrary reports a package of a Kafka client library (its own constructors call each other: not analysed).
func KafkaLibrary(path string) bool {
	for _, prefix := range []string{"github.com/IBM/sarama", "github.com/Shopify/sarama", "github.com/twmb/franz-go", "github.com/segmentio/kafka-go", "github.com/confluentinc/confluent-kafka-go"} {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			return true
		}
	}
	return false
}

// reachesKafka: pkg imports a Kafka library, directly or through its imports
func reachesKafka(pkg *types.Package, seen map[*types.Package]bool) bool {
	if seen[pkg] {
		return false
	}
	seen[pkg] = true
	for _, imp := range pkg.Imports() {
		if KafkaLibrary(imp.Path()) || reachesKafka(imp, seen) {
			return true
		}
	}
	return false
}

// interfaceSummaries gives the methods of this package's interfaces the union of its implementations' summaries
// (the implementations in this package): a caller in another package sees only the interface method.
// addImplementation adds to an interface method's summary what impl, a method of a concrete type named like
// it, does, when that type (or a pointer to it) implements the interface.
func (union *Summary) addImplementation(iface *types.Interface, method string, impl *types.Func, s *Summary) {
	if impl.Name() != method || s.empty() {
		return
	}
	isig, _ := impl.Type().(*types.Signature)
	if isig == nil || isig.Recv() == nil {
		return
	}
	t := isig.Recv().Type()
	if ptr, ok := t.(*types.Pointer); ok {
		t = ptr.Elem()
	}
	if _, isIface := t.Underlying().(*types.Interface); isIface {
		return
	}
	if types.Implements(t, iface) || types.Implements(types.NewPointer(t), iface) {
		union.Returns = append(union.Returns, s.Returns...)
		union.Builds = append(union.Builds, s.Builds...)
	}
}

func (c *checker) interfaceSummaries() bool {
	changed := false
	scope := c.pass.Pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok {
			continue
		}
		iface, ok := tn.Type().Underlying().(*types.Interface)
		if !ok {
			continue
		}
		for i := 0; i < iface.NumExplicitMethods(); i++ {
			m := iface.ExplicitMethod(i)
			union := &Summary{}
			for impl, s := range c.local {
				union.addImplementation(iface, m.Name(), impl, s)
			}
			if union.empty() {
				continue
			}
			sort.Slice(union.Returns, func(i, j int) bool { return union.Returns[i].Line < union.Returns[j].Line })
			sort.Slice(union.Builds, func(i, j int) bool { return union.Builds[i].Line < union.Builds[j].Line })
			if summaryKey(c.local[m]) != summaryKey(union) {
				c.local[m] = union
				changed = true
			}
		}
	}
	return changed
}

func summaryKey(s *Summary) string {
	if s == nil {
		return ""
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// units lists the package's function bodies, named as the Go runtime names them (pkg.F, pkg.(*T).M, pkg.F.func1).
func (c *checker) units() []*unit {
	var out []*unit
	pkg := c.pass.Pkg.Name()
	for _, f := range c.pass.Files {
		parent := map[ast.Node]ast.Node{}
		var stack []ast.Node
		ast.Inspect(f, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if len(stack) > 0 {
				parent[n] = stack[len(stack)-1]
			}
			stack = append(stack, n)
			return true
		})
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			obj, _ := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if obj == nil {
				continue
			}
			name := pkg + "." + fd.Name.Name
			if fd.Recv != nil && len(fd.Recv.List) > 0 {
				name = pkg + "." + recvName(fd.Recv.List[0].Type) + "." + fd.Name.Name
			}
			out = append(out, &unit{name: name, obj: obj, body: fd.Body, sig: obj.Type().(*types.Signature), end: fd.Body.Rbrace, parent: parent})
			out = append(out, c.literals(fd.Body, name, true, parent)...)
		}
	}
	return out
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return "(*" + recvName(t.X) + ")"
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return "?"
}

// literals: the function literals directly in body (nested ones under theirs), numbered in order.
func (c *checker) literals(body ast.Node, outer string, top bool, parent map[ast.Node]ast.Node) []*unit {
	var out []*unit
	n := 0
	ast.Inspect(body, func(x ast.Node) bool {
		lit, ok := x.(*ast.FuncLit)
		if !ok || x == body {
			return true
		}
		n++
		name := fmt.Sprintf("%s.%d", outer, n)
		if top {
			name = fmt.Sprintf("%s.func%d", outer, n)
		}
		sig, _ := c.pass.TypesInfo.TypeOf(lit).(*types.Signature)
		if sig != nil {
			out = append(out, &unit{name: name, body: lit.Body, sig: sig, end: lit.Body.Rbrace, parent: parent})
		}
		out = append(out, c.literals(lit, name, false, parent)...)
		return false
	})
	return out
}

// entry says whether a function is a request handler or per-message code, and how kleak knows.
func entry(u *unit) (kind, how string) {
	params := u.sig.Params()
	var names []string
	for i := 0; i < params.Len(); i++ {
		names = append(names, types.TypeString(params.At(i).Type(), nil))
	}
	has := func(t string) bool {
		for _, n := range names {
			if n == t {
				return true
			}
		}
		return false
	}
	switch {
	case has("net/http.ResponseWriter") && has("*net/http.Request"):
		return "request", "signature (http.ResponseWriter, *http.Request)"
	case has("*github.com/gin-gonic/gin.Context"):
		return "request", "signature *gin.Context"
	case has("github.com/labstack/echo/v4.Context") || has("github.com/labstack/echo.Context"):
		return "request", "signature echo.Context"
	case has("*github.com/gofiber/fiber/v2.Ctx") || has("github.com/gofiber/fiber/v3.Ctx"):
		return "request", "signature fiber.Ctx"
	case has("*github.com/valyala/fasthttp.RequestCtx"):
		return "request", "signature *fasthttp.RequestCtx"
	case u.obj == nil && has("*github.com/twmb/franz-go/pkg/kgo.Record"):
		return "per-message", "franz-go record callback"
	}
	return "", ""
}

// readMethods: the calls that read Kafka messages; a loop around one runs its body once per message
var readMethods = map[string]bool{"ReadMessage": true, "FetchMessage": true, "PollFetches": true, "PollRecords": true, "Poll": true, "Messages": true}

// messageLoop: n is inside a loop that reads Kafka messages (range claim.Messages(), for { r.ReadMessage(ctx) … },
// cl.PollFetches(ctx)), in u: per-message code
func (c *checker) messageLoop(u *unit, n ast.Node) (kind, how string) {
	for p := u.parent[n]; p != nil && p != ast.Node(u.body); p = u.parent[p] {
		var loop ast.Node
		switch l := p.(type) {
		case *ast.RangeStmt:
			if call, ok := ast.Unparen(l.X).(*ast.CallExpr); ok && c.isRead(call) {
				return "per-message", "loop over " + exprText(ast.Unparen(call.Fun).(ast.Expr)) + "()"
			}
			loop = l.Body
		case *ast.ForStmt:
			loop = l.Body
		default:
			continue
		}
		var read *ast.CallExpr
		ast.Inspect(loop, func(x ast.Node) bool {
			if _, ok := x.(*ast.FuncLit); ok || read != nil {
				return false
			}
			if call, ok := x.(*ast.CallExpr); ok && c.isRead(call) {
				read = call
			}
			return true
		})
		if read != nil {
			return "per-message", "loop around " + exprText(read.Fun) + "()"
		}
	}
	return "", ""
}

// isRead: a method of a Kafka library's type that reads messages
func (c *checker) isRead(call *ast.CallExpr) bool {
	fn := c.calleeFunc(call)
	if fn == nil || fn.Pkg() == nil || !readMethods[fn.Name()] || !KafkaLibrary(fn.Pkg().Path()) {
		return false
	}
	return fn.Type().(*types.Signature).Recv() != nil
}

// fate of a fresh client in the function that gets it
type fate struct {
	status   string // stored, returned, escapes, closed, leaks, discarded, wrapped
	how      string
	where    string // the function that decided it, when not the one reporting
	leakLine int
	binding  string
}

// producer: an expression that yields a fresh client, and where the client comes from
type producer struct {
	expr    ast.Expr
	origins []Origin
	direct  bool
	callee  string
	ctor    *ctor
}

// analyze summarises one unit; with report, it reports what it finds.
func (c *checker) analyze(u *unit, report bool) *Summary {
	s := &Summary{}
	info := c.pass.TypesInfo
	fnKind, fnHow := entry(u)
	mainPkg := c.pass.Pkg.Name() == "main"
	ast.Inspect(u.body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false // its own unit
		}
		e, ok := n.(ast.Expr)
		if !ok {
			return true
		}
		// the scope: the function's (a handler), or a loop that reads Kafka messages around this expression
		kind, how, inLoop := fnKind, fnHow, false
		if kind == "" && report {
			kind, how = c.messageLoop(u, n)
			inLoop = kind != ""
		}
		// a call to something that builds clients it does not keep: those are built on every call of u too
		if call, ok := e.(*ast.CallExpr); ok {
			if sum := c.summaryOf(call); sum != nil {
				for _, o := range sum.Builds {
					o.Chain = append([]string{u.name}, o.Chain...)
					s.Builds = append(s.Builds, o)
					if report && kind != "" {
						c.reportPerRequest(u, call, kind, how, o, fate{status: o.Fate, how: o.How, leakLine: o.LeakLine, binding: o.Binding, where: o.Where}, false)
					}
				}
				for _, o := range sum.Keeps {
					o.Chain = append([]string{u.name}, o.Chain...)
					s.Keeps = append(s.Keeps, o)
				}
			}
		}
		if call, ok := e.(*ast.CallExpr); ok {
			if i := c.paramCall(u, call); i >= 0 && c.fateOf(u, call).status == "returned" && !containsInt(s.ParamCalls, i) {
				s.ParamCalls = append(s.ParamCalls, i)
			}
		}
		p := c.producerOf(u, e)
		if p == nil {
			return true
		}
		f := c.fateOf(u, p.expr)
		// a return after the construction succeeded that leaves it open, though the function otherwise takes care of it
		var epath *errLeak
		if report && kind == "" && !inMainFunc(u) && (f.status == "closed" || f.status == "returned" || f.status == "stored" || f.status == "escapes") {
			if v, stmt, errVar := c.binding(u, p.expr); v != nil {
				epath = c.errorPath(u, v, stmt, errVar)
			}
		}
		// kept in a struct field that the owner's Close or Stop forgets
		forgets := ""
		if report && kind == "" && epath == nil && (f.status == "stored" || f.status == "escapes" || f.status == "returned") {
			forgets = c.ownerForgets(u, p)
		}
		for _, o := range p.origins {
			if p.direct {
				o.Binding = f.binding
			}
			switch f.status {
			case "returned":
				s.Returns = append(s.Returns, o)
			case "stored":
				if strings.Contains(f.how, "package variable") {
					k := o
					k.Fate, k.How, k.Where = f.status, f.how, u.name
					s.Keeps = append(s.Keeps, k)
				}
			case "closed", "leaks", "discarded", "wrapped":
				b := o
				b.Fate, b.How, b.Where = f.status, f.how, u.name
				if p.direct {
					b.LeakLine = f.leakLine
				}
				s.Builds = append(s.Builds, b)
			}
			if !report {
				continue
			}
			if epath != nil {
				c.reportErrorPath(u, p, o, epath)
				continue
			}
			if forgets != "" {
				c.reportOwnerForgets(u, p, o, forgets)
				continue
			}
			switch {
			case kind != "" && (f.status == "closed" || f.status == "leaks" || f.status == "discarded" || f.status == "wrapped"):
				// a constructor called in a message loop itself is the tree-sitter scan's (it sees the loop too)
				if !(inLoop && p.direct) {
					c.reportPerRequest(u, p.expr, kind, how, o, f, p.direct)
				}
			case kind == "" && !mainPkg && !p.direct && (f.status == "leaks" || f.status == "discarded" || f.status == "wrapped"):
				c.reportNotClosed(u, p, o, f)
			case kind == "" && !mainPkg && p.direct && f.status == "wrapped":
				c.reportNotClosed(u, p, o, f)
			}
		}
		return true
	})
	// the parameters it closes
	params := u.sig.Params()
	for i := 0; i < params.Len(); i++ {
		if hasClose(params.At(i).Type()) && c.closes(u, params.At(i)) {
			s.ClosesParams = append(s.ClosesParams, i)
		}
	}
	_ = info
	if u.obj != nil {
		s.Blocks = c.blocks(u)
	}
	return s
}

// hasClose: a value of type t has a close method (only such a parameter can be a client the function closes)
func hasClose(t types.Type) bool {
	sets := []*types.MethodSet{types.NewMethodSet(t)}
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr {
		if _, isIface := t.Underlying().(*types.Interface); !isIface {
			sets = append(sets, types.NewMethodSet(types.NewPointer(t)))
		}
	}
	for _, ms := range sets {
		for name := range closeMethods {
			if ms.Lookup(nil, name) != nil {
				return true
			}
		}
	}
	return false
}

// closes: u calls Close on v (or hands it to a function that closes that parameter)
func (c *checker) closes(u *unit, v *types.Var) bool {
	found := false
	ast.Inspect(u.body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || found || c.pass.TypesInfo.Uses[id] != v {
			return !found
		}
		if c.isClose(u, id) {
			found = true
		}
		if call, i := c.argOf(u, id); call != nil {
			if sum := c.summaryOf(call); sum != nil && containsInt(sum.ClosesParams, i) {
				found = true
			}
		}
		return !found
	})
	return found
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

var closeMethods = map[string]bool{"Close": true, "AsyncClose": true, "CloseClient": true, "Shutdown": true}

// isClose: id is the receiver of a Close() call or a Close method value
func (c *checker) isClose(u *unit, id *ast.Ident) bool {
	sel, ok := u.parent[id].(*ast.SelectorExpr)
	return ok && sel.X == id && closeMethods[sel.Sel.Name]
}

// closesField: id.F.Close() (or deeper): the struct a client is kept in has the client closed through it
func (c *checker) closesField(u *unit, id *ast.Ident) bool {
	var n ast.Node = id
	for {
		sel, ok := u.parent[n].(*ast.SelectorExpr)
		if !ok || sel.X != n {
			return false
		}
		if closeMethods[sel.Sel.Name] && n != ast.Node(id) {
			return true
		}
		if s := c.pass.TypesInfo.Selections[sel]; s == nil || s.Kind() != types.FieldVal {
			return false
		}
		n = sel
	}
}

// methodValue: id.M used as a value, not called (h.Send registered as a handler): what holds the client escapes
func (c *checker) methodValue(u *unit, id *ast.Ident) bool {
	sel, ok := u.parent[id].(*ast.SelectorExpr)
	if !ok || sel.X != id {
		return false
	}
	if s := c.pass.TypesInfo.Selections[sel]; s == nil || s.Kind() != types.MethodVal {
		return false
	}
	call, ok := u.parent[sel].(*ast.CallExpr)
	return !ok || call.Fun != sel
}

// argOf: the call id is an argument of, and its index among the callee's parameters
func (c *checker) argOf(u *unit, e ast.Node) (*ast.CallExpr, int) {
	call, ok := u.parent[e].(*ast.CallExpr)
	if !ok {
		return nil, -1
	}
	for i, a := range call.Args {
		if a == e {
			return call, i
		}
	}
	return nil, -1
}

func (c *checker) calleeFunc(call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if fn != nil {
		fn = fn.Origin()
	}
	return fn
}

// summaryOf: the summary of what a call calls (this package's, a dependency's fact, or for an interface method
// the union of its implementations' that kleak has seen)
func (c *checker) summaryOf(call *ast.CallExpr) *Summary {
	fn := c.calleeFunc(call)
	if fn == nil {
		return nil
	}
	if s := c.summaryOfFunc(fn); s != nil {
		return s
	}
	sig := fn.Type().(*types.Signature)
	if sig.Recv() == nil {
		return nil
	}
	iface, ok := sig.Recv().Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	union := &Summary{}
	add := func(impl *types.Func, s *Summary) { union.addImplementation(iface, fn.Name(), impl, s) }
	for obj, s := range c.local {
		add(obj, s)
	}
	for _, f := range c.imported {
		add(f.fn, f.s)
	}
	if union.empty() {
		return nil
	}
	return union
}

func (c *checker) summaryOfFunc(fn *types.Func) *Summary {
	if fn.Pkg() == c.pass.Pkg {
		return c.local[fn]
	}
	s := new(Summary)
	if c.pass.ImportObjectFact(fn, s) {
		return s
	}
	return nil
}

// producerOf: e yields a fresh client (a constructor, &kafka.Writer{…}, or a function that returns one)
func (c *checker) producerOf(u *unit, e ast.Expr) *producer {
	info := c.pass.TypesInfo
	switch x := e.(type) {
	case *ast.CallExpr:
		fn := c.calleeFunc(x)
		if fn == nil {
			return nil
		}
		written := fn.Name()
		if sel, ok := x.Fun.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				written = id.Name + "." + sel.Sel.Name
			} else {
				written = sel.Sel.Name
			}
		}
		if fn.Pkg() != nil && fn.Type().(*types.Signature).Recv() == nil {
			if k, ok := constructors[fn.Pkg().Path()][fn.Name()]; ok {
				return &producer{expr: x, direct: true, callee: written, ctor: &k, origins: []Origin{c.origin(u, x, k, written)}}
			}
		}
		if s := c.summaryOf(x); s != nil && len(s.ParamCalls) > 0 {
			for _, i := range s.ParamCalls {
				if i >= len(x.Args) {
					continue
				}
				var ref *ast.Ident
				switch a := ast.Unparen(x.Args[i]).(type) {
				case *ast.Ident:
					ref = a
				case *ast.SelectorExpr:
					ref = a.Sel
				}
				k, ok := ctorFunc(info, ref)
				if !ok {
					continue
				}
				o := c.origin(u, x, k, exprText(x.Args[i]))
				o.Chain = append(o.Chain, fn.Pkg().Name()+"."+fn.Name())
				return &producer{expr: x, callee: written, origins: []Origin{o}}
			}
		}
		if s := c.summaryOf(x); s != nil && len(s.Returns) > 0 {
			var os []Origin
			for _, o := range s.Returns {
				o.Chain = append([]string{u.name}, o.Chain...)
				os = append(os, o)
			}
			return &producer{expr: x, callee: written, origins: os}
		}
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.CompositeLit)
		if x.Op != token.AND || !ok {
			return nil
		}
		named, ok := types.Unalias(info.TypeOf(lit)).(*types.Named)
		if !ok || named.Obj().Pkg() == nil {
			return nil
		}
		if k, ok := literalCtors[named.Obj().Pkg().Path()][named.Obj().Name()]; ok {
			written := "&" + named.Obj().Pkg().Name() + "." + named.Obj().Name() + "{}"
			if sel, ok := lit.Type.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					written = "&" + id.Name + "." + sel.Sel.Name + "{}"
				}
			}
			return &producer{expr: x, direct: true, callee: written, ctor: &k, origins: []Origin{c.origin(u, x, k, written)}}
		}
	}
	return nil
}

func (c *checker) origin(u *unit, e ast.Expr, k ctor, callee string) Origin {
	pos := c.pass.Fset.Position(e.Pos())
	return Origin{Kind: k.Kind, Library: k.Library, Callee: callee, File: pos.Filename, Line: pos.Line, Col: pos.Column, Func: u.name, Snippet: c.line(pos), Chain: []string{u.name}}
}

func (c *checker) line(pos token.Position) string {
	lines, ok := c.lines[pos.Filename]
	if !ok {
		if b, err := c.pass.ReadFile(pos.Filename); err == nil {
			lines = strings.Split(string(b), "\n")
		}
		c.lines[pos.Filename] = lines
	}
	if pos.Line-1 < len(lines) {
		return strings.TrimSpace(lines[pos.Line-1])
	}
	return ""
}

// unparen: e, or the outermost parentheses around it (where its parent says what becomes of its value)
func (u *unit) unparen(e ast.Expr) ast.Node {
	var node ast.Node = e
	for {
		p, ok := u.parent[node].(*ast.ParenExpr)
		if !ok {
			return node
		}
		node = p
	}
}

// fateOf: what u does with the fresh client e yields
func (c *checker) fateOf(u *unit, e ast.Expr) fate {
	info := c.pass.TypesInfo
	node := u.unparen(e)
	switch p := u.parent[node].(type) {
	case *ast.AssignStmt:
		idx := 0
		for i, r := range p.Rhs {
			if r == node {
				idx = i
			}
		}
		if len(p.Rhs) == 1 {
			idx = 0
		}
		if idx >= len(p.Lhs) {
			return fate{status: "escapes", how: "assigned"}
		}
		var errVar types.Object
		if len(p.Rhs) == 1 && len(p.Lhs) > 1 {
			if id, ok := p.Lhs[len(p.Lhs)-1].(*ast.Ident); ok {
				errVar = info.ObjectOf(id)
			}
		}
		return c.fateOfTarget(u, p.Lhs[idx], p, errVar)
	case *ast.ValueSpec:
		if len(p.Names) == 0 {
			return fate{status: "escapes"}
		}
		var errVar types.Object
		if len(p.Values) == 1 && len(p.Names) > 1 {
			errVar = info.ObjectOf(p.Names[len(p.Names)-1])
		}
		idx := 0
		for i, v := range p.Values {
			if v == node && len(p.Values) == len(p.Names) {
				idx = i
			}
		}
		return c.fateOfTarget(u, p.Names[idx], p, errVar)
	case *ast.ReturnStmt:
		return fate{status: "returned", how: "returned"}
	case *ast.ExprStmt:
		return fate{status: "discarded", how: "its result is dropped"}
	case *ast.SelectorExpr:
		if closeMethods[p.Sel.Name] {
			return fate{status: "closed", how: "closed at once"}
		}
		return fate{status: "discarded", how: "used once (." + p.Sel.Name + ") and dropped"}
	case *ast.CallExpr:
		for i, a := range p.Args {
			if a == node {
				return c.fateAsArg(u, p, i)
			}
		}
	case *ast.CompositeLit, *ast.KeyValueExpr:
		return c.fateOfComposite(u, node)
	case *ast.SendStmt:
		return fate{status: "stored", how: "sent on a channel"}
	}
	return fate{status: "escapes", how: "handed on"}
}

func (c *checker) fateAsArg(u *unit, call *ast.CallExpr, i int) fate {
	fn := c.calleeFunc(call)
	if fn == nil {
		if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "append" {
			return fate{status: "stored", how: "appended to a slice"}
		}
		return fate{status: "escapes", how: "handed on"}
	}
	if fn.Pkg() != nil {
		if k, ok := constructors[fn.Pkg().Path()][fn.Name()]; ok && k.FromClient == "keeps-open" {
			return fate{status: "wrapped", how: "passed to " + fn.Pkg().Name() + "." + fn.Name() + ", whose Close does not close it"}
		}
	}
	if s := c.summaryOfFunc(fn); s != nil && containsInt(s.ClosesParams, i) {
		return fate{status: "closed", how: "closed by " + fn.Name()}
	}
	return fate{status: "escapes", how: "passed to " + fn.Name()}
}

func (c *checker) fateOfTarget(u *unit, lhs ast.Expr, stmt ast.Node, errVar types.Object) fate {
	info := c.pass.TypesInfo
	switch t := lhs.(type) {
	case *ast.Ident:
		if t.Name == "_" {
			return fate{status: "discarded", how: "assigned to _"}
		}
		v, ok := info.ObjectOf(t).(*types.Var)
		if !ok {
			return fate{status: "escapes"}
		}
		if v.Parent() == c.pass.Pkg.Scope() {
			return fate{status: "stored", how: "stored in package variable " + t.Name}
		}
		f := c.fateOfVar(u, v, stmt, errVar, map[*types.Var]bool{})
		f.binding = t.Name
		return f
	case *ast.SelectorExpr:
		return fate{status: "stored", how: "stored in " + exprText(t)}
	case *ast.IndexExpr:
		return fate{status: "stored", how: "stored in " + exprText(t.X) + "[…]"}
	}
	return fate{status: "stored", how: "stored"}
}

func exprText(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprText(x.X) + "." + x.Sel.Name
	case *ast.StarExpr:
		return "*" + exprText(x.X)
	}
	return "…"
}

// fateOfComposite: a client kept in a struct, slice or map literal goes where the literal goes (a constructor that
// returns &Repo{producer: p} hands the producer to its caller, inside the Repo; closing the Repo is taken to close it)
func (c *checker) fateOfComposite(u *unit, n ast.Node) fate {
	outer := n
	for {
		switch p := u.parent[outer].(type) {
		case *ast.CompositeLit, *ast.KeyValueExpr:
			outer = p
			continue
		case *ast.UnaryExpr:
			if p.Op == token.AND {
				outer = p
				continue
			}
		}
		break
	}
	e, ok := outer.(ast.Expr)
	if !ok || outer == n {
		return fate{status: "stored", how: "kept in a composite literal"}
	}
	f := c.fateOf(u, e)
	switch f.status {
	case "returned":
		f.how = "returned inside " + c.typeName(e)
	case "stored":
		f.how = "kept in " + c.typeName(e) + ", " + f.how
	}
	return f
}

func (c *checker) typeName(e ast.Expr) string {
	t := c.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return "a composite literal"
	}
	return types.TypeString(t, types.RelativeTo(c.pass.Pkg))
}

// fateOfVar: every use of the local v in u (and its aliases) decides who owns the client
func (c *checker) fateOfVar(u *unit, v *types.Var, stmt ast.Node, errVar types.Object, seen map[*types.Var]bool) fate {
	seen[v] = true
	info := c.pass.TypesInfo
	var stored, returned, escapes, wrapped string
	var closes []token.Pos
	seenLit := map[*ast.Ident]bool{}
	deferred := false
	ast.Inspect(u.body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || info.Uses[id] != v {
			return true
		}
		lit := c.enclosingLit(u, id)
		if c.isClose(u, id) || c.closesField(u, id) {
			if c.inDefer(u, id) {
				deferred = true
			}
			closes = append(closes, id.Pos())
			return true
		}
		if c.methodValue(u, id) {
			escapes = "a method value of it is handed on"
			return true
		}
		if call, i := c.argOf(u, id); call != nil {
			f := c.fateAsArg(u, call, i)
			switch f.status {
			case "closed":
				if c.inDefer(u, id) {
					deferred = true
				}
				closes = append(closes, id.Pos())
			case "wrapped":
				wrapped = f.how
			case "stored":
				stored = f.how
			default:
				escapes = f.how
			}
			return true
		}
		if lit != nil {
			if escapes == "" {
				escapes = "captured by a function literal"
			}
			return true
		}
		switch p := u.parent[id].(type) {
		case *ast.ReturnStmt:
			returned = "returned"
		case *ast.AssignStmt:
			for i, r := range p.Rhs {
				if r != id || i >= len(p.Lhs) {
					continue
				}
				switch t := p.Lhs[i].(type) {
				case *ast.Ident:
					if t.Name == "_" {
						continue
					}
					w, ok := info.ObjectOf(t).(*types.Var)
					if !ok {
						continue
					}
					if w.Parent() == c.pass.Pkg.Scope() {
						stored = "stored in package variable " + t.Name
					} else if !seen[w] {
						f := c.fateOfVar(u, w, p, nil, seen)
						switch f.status {
						case "stored":
							stored = f.how
						case "returned":
							returned = f.how
						case "escapes":
							escapes = f.how
						case "closed":
							closes = append(closes, id.Pos())
							deferred = true
						}
					}
				case *ast.SelectorExpr:
					stored = "stored in " + exprText(t)
				case *ast.IndexExpr:
					stored = "stored in " + exprText(t.X) + "[…]"
				default:
					stored = "stored"
				}
			}
		case *ast.CompositeLit, *ast.KeyValueExpr:
			if !seenLit[id] {
				seenLit[id] = true
				f := c.fateOfComposite(u, id)
				switch f.status {
				case "returned":
					returned = f.how
				case "escapes":
					escapes = f.how
				case "closed":
					closes = append(closes, id.Pos())
					deferred = true
				case "leaks", "discarded":
					// the struct it is kept in is dropped: the client with it
				default:
					stored = f.how
				}
			}
		case *ast.SendStmt:
			if p.Value == id {
				stored = "sent on a channel"
			}
		case *ast.UnaryExpr:
			if p.Op == token.AND {
				escapes = "its address is taken"
			}
		}
		return true
	})
	switch {
	case stored != "":
		return fate{status: "stored", how: stored}
	case returned != "":
		return fate{status: "returned", how: returned}
	case escapes != "":
		return fate{status: "escapes", how: escapes}
	case len(closes) > 0:
		if deferred {
			return fate{status: "closed", how: "defer " + v.Name() + ".Close()"}
		}
		sort.Slice(closes, func(i, j int) bool { return closes[i] < closes[j] })
		if r := c.returnBetween(u, stmt, closes[0], errVar); r != token.NoPos {
			return fate{status: "leaks", how: v.Name() + ".Close() on one path", leakLine: c.pass.Fset.Position(r).Line}
		}
		return fate{status: "closed", how: v.Name() + ".Close()"}
	case wrapped != "":
		return fate{status: "wrapped", how: wrapped}
	}
	leak := c.returnBetween(u, stmt, u.end, errVar)
	if leak == token.NoPos {
		leak = u.end
	}
	return fate{status: "leaks", how: "never closed", leakLine: c.pass.Fset.Position(leak).Line}
}

// returnBetween: a return of u after stmt and before pos, other than the error check of the construction
func (c *checker) returnBetween(u *unit, stmt ast.Node, pos token.Pos, errVar types.Object) token.Pos {
	found := token.NoPos
	ast.Inspect(u.body, func(n ast.Node) bool {
		if found != token.NoPos {
			return false
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if ifs, ok := n.(*ast.IfStmt); ok && errVar != nil && mentions(c.pass.TypesInfo, ifs.Cond, errVar) {
			return false
		}
		r, ok := n.(*ast.ReturnStmt)
		if ok && r.Pos() > stmt.End() && r.End() < pos {
			found = r.Pos()
		}
		return true
	})
	return found
}

func mentions(info *types.Info, e ast.Expr, obj types.Object) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && info.ObjectOf(id) == obj {
			found = true
		}
		return !found
	})
	return found
}

func (c *checker) enclosingLit(u *unit, n ast.Node) *ast.FuncLit {
	for p := u.parent[n]; p != nil && p != ast.Node(u.body); p = u.parent[p] {
		if lit, ok := p.(*ast.FuncLit); ok {
			return lit
		}
	}
	return nil
}

func (c *checker) inDefer(u *unit, n ast.Node) bool {
	for p := u.parent[n]; p != nil && p != ast.Node(u.body); p = u.parent[p] {
		if _, ok := p.(*ast.DeferStmt); ok {
			return true
		}
	}
	return false
}

// Record is what kleak scan reads from a diagnostic (the line "kleak:{…}" with -payload): a construction
// as kleak's rules take it.
type Record struct {
	Rule     string    `json:"rule"`
	File     string    `json:"file"`
	Line     int       `json:"line"`
	Column   int       `json:"column"`
	Function string    `json:"function"`
	Snippet  string    `json:"snippet"`
	Kind     string    `json:"kind"`
	Library  string    `json:"library"`
	Callee   string    `json:"callee"`
	Binding  string    `json:"binding,omitempty"`
	Scope    *RecScope `json:"scope,omitempty"`
	// Gap: a leak the per-file scan cannot see — "error-path" (a return after the construction succeeded that
	// leaves it open), "owner-forgets" (the owner's Close or Stop never closes it)
	Gap  string  `json:"gap,omitempty"`
	Fate RecFate `json:"fate"`
}

// RecScope is a Record's request or per-message scope.
type RecScope struct {
	Kind  string   `json:"kind"`
	Entry string   `json:"entry"`
	How   string   `json:"how"`
	Chain []string `json:"chain"`
}

// RecFate is what becomes of a Record's client.
type RecFate struct {
	Status   string `json:"status"`
	How      string `json:"how,omitempty"`
	LeakLine int    `json:"leakLine,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

func (c *checker) emit(at token.Pos, msg string, r Record) {
	if payload {
		b, _ := json.Marshal(r)
		msg += "\nkleak:" + string(b)
	}
	c.pass.Report(analysis.Diagnostic{Pos: at, Category: r.Rule, Message: msg})
}

var kindText = map[string]string{"client": "a client", "producer": "a producer", "consumer": "a consumer", "admin": "an admin client", "connection": "a broker connection"}

func (c *checker) reportPerRequest(u *unit, at ast.Expr, kind, how string, o Origin, f fate, direct bool) {
	chain := o.Chain
	if direct {
		chain = []string{u.name}
	}
	scope := "request handler"
	if kind == "per-message" {
		scope = "per-message code"
	}
	var what string
	status := f.status
	reason := ""
	switch f.status {
	case "closed":
		what = "closes it (" + f.how + "): each request pays a metadata round-trip and new broker connections"
	case "wrapped":
		what = "never closes it (" + f.how + "): each request leaves its broker connections behind"
		status, reason = "leaks", "never closes it ("+f.how+")"
	case "discarded":
		what = "drops it (" + f.how + "): each request leaves its broker connections behind"
	default:
		what = "does not close it: each request leaves its broker connections behind"
	}
	through := ""
	if len(chain) > 1 {
		through = ", through " + strings.Join(chain, " → ")
	}
	site := ""
	if !direct {
		site = fmt.Sprintf(" (built at %s:%d)", o.File, o.Line)
	}
	msg := fmt.Sprintf("client-per-request: %s builds %s in %s %s (%s%s)%s and %s", o.Callee, kindText[o.Kind], scope, u.name, how, through, site, what)
	leakLine := 0
	if f.status == "leaks" && (direct || o.LeakLine > 0) {
		leakLine = f.leakLine
	}
	if status == "leaks" && leakLine == 0 && reason == "" {
		reason = "never closes it (" + u.name + " gets it from " + chain[1] + ")"
		if f.where != "" && f.where != u.name {
			reason = "never closes it (" + f.where + " leaves it open)"
			if f.status == "discarded" {
				reason = "never closes it (" + f.where + " drops it)"
			}
		}
	}
	c.emit(at.Pos(), msg, Record{
		Rule: "client-per-request", File: o.File, Line: o.Line, Column: o.Col, Function: o.Func, Snippet: o.Snippet,
		Kind: o.Kind, Library: o.Library, Callee: o.Callee, Binding: o.Binding,
		Scope: &RecScope{Kind: kind, Entry: u.name, How: how, Chain: chain},
		Fate:  RecFate{Status: status, How: f.how, LeakLine: leakLine, Reason: reason},
	})
}

func (c *checker) reportNotClosed(u *unit, p *producer, o Origin, f fate) {
	pos := c.pass.Fset.Position(p.expr.Pos())
	reason := ""
	status := f.status
	var what string
	switch f.status {
	case "wrapped":
		what = "never closes it: it is only " + f.how
		reason, status = what, "leaks"
	case "discarded":
		what = "drops it (" + f.how + ")"
	default:
		what = "never closes it"
	}
	from := ""
	if !p.direct {
		from = fmt.Sprintf(", which returns %s built by %s at %s:%d (through %s)", kindText[o.Kind], o.Callee, o.File, o.Line, strings.Join(o.Chain, " → "))
	}
	msg := fmt.Sprintf("client-not-closed: %s in %s%s: %s %s", p.callee, u.name, from, u.name, what)
	c.emit(p.expr.Pos(), msg, Record{
		Rule: "client-not-closed", File: pos.Filename, Line: pos.Line, Column: pos.Column, Function: u.name, Snippet: c.line(pos),
		Kind: o.Kind, Library: o.Library, Callee: p.callee, Binding: f.binding,
		Fate: RecFate{Status: status, How: f.how, LeakLine: f.leakLine, Reason: reason},
	})
}

// ctorFunc: ref names a Kafka constructor as a value (sarama.NewClient handed to a function)
func ctorFunc(info *types.Info, ref *ast.Ident) (ctor, bool) {
	if ref == nil {
		return ctor{}, false
	}
	fn, ok := info.Uses[ref].(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Type().(*types.Signature).Recv() != nil {
		return ctor{}, false
	}
	k, ok := constructors[fn.Pkg().Path()][fn.Name()]
	return k, ok
}

// paramCall: call calls a function-typed parameter of u; its index (-1 if not)
func (c *checker) paramCall(u *unit, call *ast.CallExpr) int {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || u.obj == nil {
		return -1
	}
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok {
		return -1
	}
	params := u.sig.Params()
	for i := 0; i < params.Len(); i++ {
		if params.At(i) == v {
			return i
		}
	}
	return -1
}
