// k8s-strict decodes every manifest of a `helm template` output into its
// Kubernetes API type, strictly: an unknown or misspelt field, a duplicate
// key, a value of the wrong type or an unparsable quantity is an error. It
// also checks resource names and label keys and values as the API server
// would. Kinds without a Go type here (the Prometheus Operator's
// ServiceMonitor) are only named. Used by scripts/helm-test.sh.
//
// Usage: k8s-strict MANIFESTS.yaml
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Kinds the chart renders that have no Go type in k8s.io/api.
var untyped = map[string]bool{"monitoring.coreos.com/v1/ServiceMonitor": true}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: k8s-strict MANIFESTS.yaml")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer f.Close()

	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	decoder := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})

	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	problems, decoded := 0, 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "k8s-strict: reading:", err)
			os.Exit(1)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := sigsyaml.Unmarshal(doc, &head); err != nil {
			fmt.Fprintln(os.Stderr, "k8s-strict: not YAML:", err)
			problems++
			continue
		}
		what := fmt.Sprintf("%s/%s", head.Kind, head.Metadata.Name)
		if untyped[head.APIVersion+"/"+head.Kind] {
			fmt.Fprintf(os.Stderr, "k8s-strict: %s: no Go type here, not decoded\n", what)
			continue
		}
		obj, _, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			fmt.Fprintf(os.Stderr, "k8s-strict: %s: %v\n", what, err)
			problems++
			continue
		}
		decoded++
		problems += checkMeta(what, obj)
		if d, ok := obj.(*appsv1.Deployment); ok {
			problems += checkMetaLabels(what+" pod template", d.Spec.Template.Labels)
		}
	}
	fmt.Fprintf(os.Stderr, "k8s-strict: %d manifests decoded strictly, %d problems\n", decoded, problems)
	if problems > 0 || decoded == 0 {
		os.Exit(1)
	}
}

// checkMeta: the name is a DNS subdomain (a label for Services), the labels valid.
func checkMeta(what string, obj runtime.Object) int {
	m, err := meta.Accessor(obj)
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8s-strict: %s: %v\n", what, err)
		return 1
	}
	problems := 0
	nameErrs := validation.IsDNS1123Subdomain(m.GetName())
	if _, ok := obj.(*corev1.Service); ok {
		nameErrs = validation.IsDNS1035Label(m.GetName())
	}
	for _, e := range nameErrs {
		fmt.Fprintf(os.Stderr, "k8s-strict: %s: name: %s\n", what, e)
		problems++
	}
	return problems + checkMetaLabels(what, m.GetLabels())
}

func checkMetaLabels(what string, labels map[string]string) int {
	problems := 0
	for k, v := range labels {
		for _, e := range validation.IsQualifiedName(k) {
			fmt.Fprintf(os.Stderr, "k8s-strict: %s: label key %q: %s\n", what, k, e)
			problems++
		}
		for _, e := range validation.IsValidLabelValue(v) {
			fmt.Fprintf(os.Stderr, "k8s-strict: %s: label %s=%q: %s\n", what, k, v, e)
			problems++
		}
	}
	return problems
}

// stripComments drops the `# Source:` lines helm writes, to tell empty documents.
func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}
