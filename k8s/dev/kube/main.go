// Command kubedev is one binary that runs the control-plane programs of the local development cluster:
// etcd, kube-apiserver, kube-controller-manager and kube-scheduler of one pinned Kubernetes release, and
// podman-node, the node agent that runs pods with podman (podmannode.go).
//
// One binary instead of four because linking is the slowest step of a cold build on two cores, and the four
// programs share most of their packages. Usage: kubedev <program> [flags], or a symlink named like the
// program (kube-apiserver -> kubedev).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func main() {
	program := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if program == "kubedev" {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "usage: kubedev etcd|kube-apiserver|kube-controller-manager|kube-scheduler|podman-node [flags]")
			os.Exit(2)
		}
		program, args = args[0], args[1:]
	}
	// cobra reads os.Args itself: present each program with its own name first.
	os.Args = append([]string{program}, args...)
	switch program {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "podman-node":
		os.Exit(podmanNodeMain(args))
	default:
		fmt.Fprintf(os.Stderr, "kubedev: unknown program %q\n", program)
		os.Exit(2)
	}
}
