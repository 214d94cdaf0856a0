package nomadish

import "github.com/nomadish/nomadish/nomadish/structs"

// checkJobNamespace refuses a job in any namespace but the default one:
// namespaces do not exist yet, and a job registered in one could be
// neither listed nor governed as the user expects.
func checkJobNamespace(ns string) error {
	if ns == "" || ns == structs.DefaultNamespace {
		return nil
	}
	return invalid("Namespace", "namespace %q does not exist; the only accepted namespace is %q (namespaces are not supported yet)", ns, structs.DefaultNamespace)
}
