// k8s-validate decodes Kubernetes manifests strictly against the real API types (k8s.io/api and the
// Prometheus Operator's monitoring.coreos.com/v1): an unknown field, a wrong type or an unknown kind is an
// error. No cluster is needed. A file whose top level is a Container (a `kubectl debug --custom` profile) is
// decoded as a core/v1 Container with `--container`.
// Usage: k8s-validate [--container] FILE...   (exit 1 and one line per problem when any is invalid)
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func main() {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, rbacv1.AddToScheme, monitoringv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
	args := os.Args[1:]
	container := false
	if len(args) > 0 && args[0] == "--container" {
		container, args = true, args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: k8s-validate [--container] FILE...")
		os.Exit(2)
	}
	bad := 0
	for _, file := range args {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Printf("%s: %v\n", file, err)
			bad++
			continue
		}
		if container {
			var c corev1.Container
			if err := yaml.UnmarshalStrict(data, &c); err != nil {
				fmt.Printf("%s: %v\n", file, err)
				bad++
			} else {
				fmt.Printf("%s: Container %s ok\n", file, c.Name)
			}
			continue
		}
		reader := utilyaml.NewYAMLReader(bufioReader(data))
		for n := 1; ; n++ {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Printf("%s: document %d: %v\n", file, n, err)
				bad++
				break
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			obj, kind, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				fmt.Printf("%s: document %d: %v\n", file, n, err)
				bad++
				continue
			}
			name := ""
			if m, ok := obj.(interface{ GetName() string }); ok {
				name = m.GetName()
			}
			fmt.Printf("%s: %s %s ok\n", file, kind.Kind, name)
		}
	}
	if bad > 0 {
		os.Exit(1)
	}
}
