package main

// podman-node: a node agent for the development cluster that runs the pods bound to its node with podman and
// reports them through the API as a kubelet does. It stands in for the real kubelet, which cannot run on the
// development machines (cgroup v1 and no CRI runtime that current kubelets accept; k8s/README.md says more).
//
// What it implements of a kubelet, and nothing more: the Node object with its capacity, labels, Ready condition
// and a Lease renewed every 10 s; pods bound to the node run with podman (image from local storage only,
// command and args with $(VAR) expansion, env with downward-API field references, emptyDir, hostPath and
// persistentVolumeClaim volumes bound to hostPath or local volumes, runAsUser/runAsGroup, a read-only root file
// system, CPU and memory limits); container states, exit codes, the reasons OOMKilled, Error, Completed,
// ErrImageNeverPull and ContainerCannotRun, and pod phases go to the pod's status; a pod marked for deletion has
// its container stopped within its grace period, is marked Failed and is then removed; container logs are
// served on the node's HTTPS endpoint (/containerLogs/...) for `kubectl logs` and the API's pods/log.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
)

type podmanNode struct {
	client   kubernetes.Interface
	name     string
	labels   map[string]string
	capacity corev1.ResourceList
	stateDir string
	podman   string
	port     int
	// containerLabel marks this agent's containers, so that stopping the cluster can remove them all.
	containerLabel string

	mu      sync.Mutex
	running map[types.UID]*podRun
}

// podRun is one pod this node has taken on.
type podRun struct {
	pod       *corev1.Pod
	container string // podman container name
	cgroup    string // the pod's memory cgroup, when it has a memory limit
	logFile   string
	started   time.Time
	stopping  bool
	done      chan struct{}
}

func podmanNodeMain(args []string) int {
	fs := flag.NewFlagSet("podman-node", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of a user that may manage nodes, leases and pods")
	name := fs.String("name", "podman-0", "the node's name")
	labelList := fs.String("labels", "", "node labels, k=v,k=v")
	cpu := fs.String("cpu", "2", "CPU capacity to advertise")
	memory := fs.String("memory", "8Gi", "memory capacity to advertise")
	gpus := fs.Int("gpus", 0, "nvidia.com/gpu capacity to advertise (the pods run on the CPU all the same)")
	maxPods := fs.Int("pods", 20, "pods capacity")
	stateDir := fs.String("state-dir", "", "where pod logs and emptyDir volumes live")
	podman := fs.String("podman", "podman", "the podman command")
	containerLabel := fs.String("container-label", "", "a k=v label put on every container (for cleaning up)")
	_ = fs.Parse(args)
	if *kubeconfig == "" || *stateDir == "" {
		fmt.Fprintln(os.Stderr, "podman-node: --kubeconfig and --state-dir are required")
		return 2
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		log.Printf("podman-node: kubeconfig %s: %v", *kubeconfig, err)
		return 1
	}
	cfg.QPS, cfg.Burst = 50, 100
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		log.Printf("podman-node: %v", err)
		return 1
	}
	labels := map[string]string{}
	for _, kv := range strings.Split(*labelList, ",") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		labels[k] = v
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(*cpu),
		corev1.ResourceMemory: resource.MustParse(*memory),
		corev1.ResourcePods:   *resource.NewQuantity(int64(*maxPods), resource.DecimalSI),
	}
	if *gpus > 0 {
		capacity["nvidia.com/gpu"] = *resource.NewQuantity(int64(*gpus), resource.DecimalSI)
	}
	n := &podmanNode{client: client, name: *name, labels: labels, capacity: capacity, stateDir: *stateDir,
		podman: *podman, containerLabel: *containerLabel, running: map[types.UID]*podRun{}}
	if err := os.MkdirAll(*stateDir, 0o755); err != nil {
		log.Printf("podman-node: %v", err)
		return 1
	}
	listener, err := n.serveLogs()
	if err != nil {
		log.Printf("podman-node: log endpoint: %v", err)
		return 1
	}
	defer listener.Close()
	ctx := context.Background()
	if err := n.register(ctx); err != nil {
		log.Printf("podman-node: registering node %s: %v", n.name, err)
		return 1
	}
	go n.heartbeat(ctx)
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", n.name).String()
		}))
	podInformer := factory.Core().V1().Pods().Informer()
	_, _ = podInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o interface{}) { n.sync(o.(*corev1.Pod)) },
		UpdateFunc: func(_, o interface{}) { n.sync(o.(*corev1.Pod)) },
	})
	factory.Start(make(chan struct{}))
	log.Printf("podman-node %s: ready (logs on port %d)", n.name, n.port)
	select {}
}

// register creates or updates the Node object.
func (n *podmanNode) register(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name, Labels: map[string]string{
		"kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		"type": "podman"}}}
	for k, v := range n.labels {
		node.Labels[k] = v
	}
	existing, err := n.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err = n.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return err
		}
	} else if err != nil {
		return err
	} else {
		for k, v := range node.Labels {
			existing.Labels[k] = v
		}
		existing.Spec.Taints = nil
		if _, err = n.client.CoreV1().Nodes().Update(ctx, existing, metav1.UpdateOptions{}); err != nil {
			return err
		}
	}
	return n.updateStatus(ctx)
}

func (n *podmanNode) updateStatus(ctx context.Context) error {
	node, err := n.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	now := metav1.Now()
	node.Status.Capacity = n.capacity
	node.Status.Allocatable = n.capacity
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
		{Type: corev1.NodeHostName, Address: n.name}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(n.port)
	node.Status.NodeInfo = corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64",
		KubeletVersion: "v1.37.2-podman-node", ContainerRuntimeVersion: "podman://" + podmanVersion(n.podman)}
	node.Status.Phase = corev1.NodeRunning
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "PodmanNodeReady",
			Message: "podman-node is posting ready status"},
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = now
		conds[i].LastTransitionTime = now
		for _, old := range node.Status.Conditions {
			if old.Type == conds[i].Type && old.Status == conds[i].Status {
				conds[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	node.Status.Conditions = conds
	_, err = n.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	return err
}

func podmanVersion(podman string) string {
	out, err := exec.Command(podman, "version", "--format", "{{.Client.Version}}").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// heartbeat renews the node's Lease every 10 s and its status every minute, as a kubelet does, so that the
// node lifecycle controller keeps the node Ready and evicts nothing.
func (n *podmanNode) heartbeat(ctx context.Context) {
	leases := n.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	duration := int32(40)
	var last time.Time
	for {
		now := metav1.NewMicroTime(time.Now())
		lease, err := leases.Get(ctx, n.name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			lease = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: n.name},
				Spec: coordinationv1.LeaseSpec{HolderIdentity: &n.name, LeaseDurationSeconds: &duration,
					RenewTime: &now}}
			_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
		} else if err == nil {
			lease.Spec.RenewTime = &now
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		}
		if err != nil {
			log.Printf("podman-node %s: lease: %v", n.name, err)
		}
		if time.Since(last) > time.Minute {
			if err := n.updateStatus(ctx); err != nil {
				log.Printf("podman-node %s: node status: %v", n.name, err)
			} else {
				last = time.Now()
			}
		}
		time.Sleep(10 * time.Second)
	}
}

// sync acts on one observed pod: starts it, stops it when it is being deleted, removes it once it has ended.
func (n *podmanNode) sync(pod *corev1.Pod) {
	n.mu.Lock()
	run, known := n.running[pod.UID]
	if !known {
		ended := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
		if ended || pod.DeletionTimestamp != nil {
			n.mu.Unlock()
			if pod.DeletionTimestamp != nil {
				n.remove(pod) // nothing of it runs here (it ended, or this agent restarted): let it go
			}
			return
		}
		run = &podRun{pod: pod.DeepCopy(), done: make(chan struct{}),
			container: "k8s_" + pod.Namespace + "_" + pod.Name + "_" + string(pod.UID)[:8]}
		n.running[pod.UID] = run
		n.mu.Unlock()
		go n.start(run)
		return
	}
	deleting := pod.DeletionTimestamp != nil && !run.stopping
	if deleting {
		run.stopping = true
	}
	n.mu.Unlock()
	if deleting {
		go n.stop(run, pod)
	}
}

var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$`)

// expand resolves $(VAR) references as the kubelet does: a known variable is replaced, an unknown one is kept
// as written, and $$ escapes a dollar.
func expand(s string, env map[string]string) string {
	return varRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		if v, ok := env[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

var fieldIndex = regexp.MustCompile(`^metadata\.(labels|annotations)\['(.+)'\]$`)

func fieldValue(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return string(pod.UID), nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.hostIP":
		return "127.0.0.1", nil
	}
	if m := fieldIndex.FindStringSubmatch(path); m != nil {
		if m[1] == "labels" {
			return pod.Labels[m[2]], nil
		}
		return pod.Annotations[m[2]], nil
	}
	return "", fmt.Errorf("field path %q is not supported by podman-node", path)
}

// containerArgs is the podman command line that runs the pod's only container, or an error that keeps the pod
// from starting (reported as CreateContainerConfigError).
func (n *podmanNode) containerArgs(ctx context.Context, run *podRun) ([]string, error) {
	pod := run.pod
	if len(pod.Spec.Containers) != 1 || len(pod.Spec.InitContainers) > 0 {
		return nil, fmt.Errorf("podman-node runs pods of exactly one container and no init containers")
	}
	c := pod.Spec.Containers[0]
	args := []string{"run", "--name", run.container, "--network", "host", "--pull", "never",
		// The machine's own rlimits are lower than podman's defaults, which a container cannot raise.
		"--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096",
		"--hostname", pod.Name, "--label", "io.kubernetes.pod.uid=" + string(pod.UID),
		"--label", "io.kubernetes.pod.name=" + pod.Name, "--label", "io.kubernetes.pod.namespace=" + pod.Namespace}
	if n.containerLabel != "" {
		args = append(args, "--label", n.containerLabel)
	}
	env := map[string]string{}
	var order []string
	for _, e := range c.Env {
		v := expand(e.Value, env)
		if e.ValueFrom != nil {
			if e.ValueFrom.FieldRef == nil {
				return nil, fmt.Errorf("env %s: only fieldRef sources are supported by podman-node", e.Name)
			}
			fv, err := fieldValue(pod, e.ValueFrom.FieldRef.FieldPath)
			if err != nil {
				return nil, fmt.Errorf("env %s: %v", e.Name, err)
			}
			v = fv
		}
		if _, seen := env[e.Name]; !seen {
			order = append(order, e.Name)
		}
		env[e.Name] = v
	}
	for _, k := range order {
		args = append(args, "--env", k+"="+env[k])
	}
	uid, gid := int64(-1), int64(-1)
	readOnly := false
	if sc := pod.Spec.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = *sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = *sc.RunAsGroup
		}
	}
	if sc := c.SecurityContext; sc != nil {
		if sc.RunAsUser != nil {
			uid = *sc.RunAsUser
		}
		if sc.RunAsGroup != nil {
			gid = *sc.RunAsGroup
		}
		if sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
			readOnly = true
		}
		if sc.Privileged != nil && *sc.Privileged {
			return nil, fmt.Errorf("privileged containers are not supported by podman-node")
		}
	}
	if uid >= 0 {
		user := strconv.FormatInt(uid, 10)
		if gid >= 0 {
			user += ":" + strconv.FormatInt(gid, 10)
		}
		args = append(args, "--user", user)
	}
	if readOnly {
		args = append(args, "--read-only", "--read-only-tmpfs=false")
	}
	if q, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		// The limit goes on a cgroup of the pod's own, above the container's, as a kubelet's pod cgroup: the
		// kernel's OOM kill is then counted there, and the count outlives the container (podman's own
		// OOMKilled flag stays false on cgroup v1).
		parent, err := n.podCgroup(run, q.Value())
		if err != nil {
			return nil, fmt.Errorf("memory limit: %v", err)
		}
		args = append(args, "--cgroup-parent", parent)
	}
	if q, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		args = append(args, "--cpus", strconv.FormatFloat(float64(q.MilliValue())/1000, 'f', 3, 64))
	}
	volumes := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		path, err := n.volumePath(ctx, run, v, uid, gid)
		if err != nil {
			return nil, fmt.Errorf("volume %s: %v", v.Name, err)
		}
		volumes[v.Name] = path
	}
	for _, m := range c.VolumeMounts {
		src, ok := volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("volume mount %s: no volume of that name", m.Name)
		}
		if m.SubPath != "" {
			src = filepath.Join(src, m.SubPath)
		}
		spec := src + ":" + m.MountPath
		if m.ReadOnly {
			spec += ":ro"
		}
		args = append(args, "--volume", spec)
	}
	if c.WorkingDir != "" {
		args = append(args, "--workdir", c.WorkingDir)
	}
	command := make([]string, 0, len(c.Command)+len(c.Args))
	for _, s := range c.Command {
		command = append(command, expand(s, env))
	}
	argv := make([]string, 0, len(c.Args))
	for _, s := range c.Args {
		argv = append(argv, expand(s, env))
	}
	if len(command) > 0 {
		// podman's --entrypoint takes a JSON array for more than one word
		args = append(args, "--entrypoint", jsonArray(command))
	}
	args = append(args, c.Image)
	args = append(args, argv...)
	return args, nil
}

func jsonArray(words []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, w := range words {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(w))
	}
	b.WriteByte(']')
	return b.String()
}

// volumePath is the host folder behind one pod volume.
func (n *podmanNode) volumePath(ctx context.Context, run *podRun, v corev1.Volume, uid, gid int64) (string, error) {
	switch {
	case v.EmptyDir != nil:
		dir := filepath.Join(n.stateDir, "pods", string(run.pod.UID), "volumes", v.Name)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return "", err
		}
		if err := os.Chmod(dir, 0o1777); err != nil {
			return "", err
		}
		if uid >= 0 {
			g := gid
			if fs := run.pod.Spec.SecurityContext; fs != nil && fs.FSGroup != nil {
				g = *fs.FSGroup
			}
			_ = os.Chown(dir, int(uid), int(g))
		}
		return dir, nil
	case v.HostPath != nil:
		return v.HostPath.Path, nil
	case v.PersistentVolumeClaim != nil:
		pvc, err := n.client.CoreV1().PersistentVolumeClaims(run.pod.Namespace).Get(ctx,
			v.PersistentVolumeClaim.ClaimName, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		if pvc.Spec.VolumeName == "" {
			return "", fmt.Errorf("claim %s is not bound", pvc.Name)
		}
		pv, err := n.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			return "", err
		}
		switch {
		case pv.Spec.HostPath != nil:
			return pv.Spec.HostPath.Path, nil
		case pv.Spec.Local != nil:
			return pv.Spec.Local.Path, nil
		}
		return "", fmt.Errorf("volume %s of claim %s is neither hostPath nor local", pv.Name, pvc.Name)
	}
	return "", fmt.Errorf("only emptyDir, hostPath and persistentVolumeClaim volumes are supported by podman-node")
}

func (n *podmanNode) start(run *podRun) {
	ctx := context.Background()
	pod := run.pod
	podDir := filepath.Join(n.stateDir, "pods", string(pod.UID))
	_ = os.MkdirAll(podDir, 0o755)
	run.logFile = filepath.Join(podDir, "container.log")
	c := pod.Spec.Containers[0]
	if len(pod.Spec.Containers) == 1 {
		if err := exec.Command(n.podman, "image", "exists", c.Image).Run(); err != nil {
			// No registry is reachable here: an image that is not in local storage never arrives.
			n.waiting(ctx, run, "ErrImageNeverPull",
				fmt.Sprintf("image %q is not present on node %s and cannot be pulled", c.Image, n.name))
			return
		}
	}
	args, err := n.containerArgs(ctx, run)
	if err != nil {
		n.waiting(ctx, run, "CreateContainerConfigError", err.Error())
		return
	}
	logOut, err := os.Create(run.logFile)
	if err != nil {
		n.waiting(ctx, run, "CreateContainerError", err.Error())
		return
	}
	_ = exec.Command(n.podman, "rm", "--force", run.container).Run()
	cmd := exec.Command(n.podman, args...)
	cmd.Stdout = logOut
	cmd.Stderr = logOut
	run.started = time.Now()
	if err := cmd.Start(); err != nil {
		logOut.Close()
		n.waiting(ctx, run, "CreateContainerError", err.Error())
		return
	}
	n.report(ctx, run, corev1.PodRunning, corev1.ContainerState{
		Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(run.started)}})
	_ = cmd.Wait()
	logOut.Close()
	finished := time.Now()
	exitCode, oom, inspectErr := n.inspect(run.container)
	oom = oom || (exitCode == 137 && oomKilled(run.cgroup))
	term := &corev1.ContainerStateTerminated{ExitCode: int32(exitCode), StartedAt: metav1.NewTime(run.started),
		FinishedAt: metav1.NewTime(finished), ContainerID: "podman://" + run.container}
	switch {
	case inspectErr != nil:
		// podman could not create the container at all (exit 125 and no container): as docker's kubelet said
		term.ExitCode = 128
		term.Reason = "ContainerCannotRun"
		term.Message = lastLine(run.logFile)
	case oom:
		term.Reason = "OOMKilled"
	case exitCode == 0:
		term.Reason = "Completed"
	default:
		term.Reason = "Error"
	}
	if term.Reason != "ContainerCannotRun" && pod.Spec.Containers[0].TerminationMessagePolicy ==
		corev1.TerminationMessageFallbackToLogsOnError && exitCode != 0 {
		term.Message = tail(run.logFile, 80)
	}
	_ = exec.Command(n.podman, "rm", "--force", run.container).Run()
	removeCgroups(run.pod.UID)
	phase := corev1.PodSucceeded
	if term.ExitCode != 0 {
		phase = corev1.PodFailed
	}
	n.report(ctx, run, phase, corev1.ContainerState{Terminated: term})
	close(run.done)
	n.mu.Lock()
	stopping := run.stopping
	n.mu.Unlock()
	if stopping {
		n.remove(run.pod)
	}
}

const memoryCgroups = "/sys/fs/cgroup/memory"

// podCgroup makes the pod's memory cgroup (cgroup v1) with the pod's limit and returns its path for podman.
func (n *podmanNode) podCgroup(run *podRun, limit int64) (string, error) {
	rel := "/connectome-pods/" + string(run.pod.UID)
	dir := memoryCgroups + rel
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for _, f := range []string{"memory.limit_in_bytes", "memory.memsw.limit_in_bytes"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(strconv.FormatInt(limit, 10)), 0o644); err != nil &&
			f == "memory.limit_in_bytes" {
			return "", err
		}
	}
	run.cgroup = dir
	return rel, nil
}

// oomKilled says whether a container that died of SIGKILL did so because its pod reached its memory limit: the
// pod cgroup's peak usage is at the limit. (cgroup v1 counts the kernel's OOM kill in the container's own
// cgroup, which is gone with the container; the pod's peak stays.)
func oomKilled(cgroup string) bool {
	if cgroup == "" {
		return false
	}
	peak, err1 := readInt(filepath.Join(cgroup, "memory.max_usage_in_bytes"))
	limit, err2 := readInt(filepath.Join(cgroup, "memory.limit_in_bytes"))
	return err1 == nil && err2 == nil && peak+int64(os.Getpagesize()) >= limit
}

func readInt(file string) (int64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
}

// removeCgroups removes the pod's cgroup (and what podman and runc made below it) from every hierarchy.
func removeCgroups(uid types.UID) {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/connectome-pods/" + string(uid))
	for _, dir := range dirs {
		children, _ := filepath.Glob(dir + "/*/")
		for _, c := range children {
			if info, err := os.Stat(c); err == nil && info.IsDir() {
				_ = os.Remove(c)
			}
		}
		_ = os.Remove(dir)
	}
}

// inspect reads the ended container's exit code and whether the kernel killed it for memory.
func (n *podmanNode) inspect(container string) (int, bool, error) {
	out, err := exec.Command(n.podman, "inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}",
		container).Output()
	if err != nil {
		return 0, false, err
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return 0, false, fmt.Errorf("podman inspect: %q", out)
	}
	code, err := strconv.Atoi(f[0])
	return code, f[1] == "true", err
}

// stop ends a pod that is being deleted: its container gets SIGTERM, then SIGKILL after the grace period.
func (n *podmanNode) stop(run *podRun, pod *corev1.Pod) {
	grace := int64(30)
	if pod.DeletionGracePeriodSeconds != nil {
		grace = *pod.DeletionGracePeriodSeconds
	}
	select {
	case <-run.done:
		n.remove(pod)
		return
	default:
	}
	if run.container != "" {
		_ = exec.Command(n.podman, "stop", "--time", strconv.FormatInt(grace, 10), run.container).Run()
	}
	select {
	case <-run.done: // start() reports the end and removes the pod
	case <-time.After(time.Duration(grace+10) * time.Second):
		n.remove(pod)
	}
}

// remove deletes the pod object for good, as the kubelet does once the pod's containers are gone.
func (n *podmanNode) remove(pod *corev1.Pod) {
	zero := int64(0)
	uid := pod.UID
	err := n.client.CoreV1().Pods(pod.Namespace).Delete(context.Background(), pod.Name,
		metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		log.Printf("podman-node %s: delete pod %s/%s: %v", n.name, pod.Namespace, pod.Name, err)
	}
	n.mu.Lock()
	delete(n.running, uid)
	n.mu.Unlock()
	_ = os.RemoveAll(filepath.Join(n.stateDir, "pods", string(uid)))
}

// waiting reports a container that cannot start; the pod stays Pending, as with a kubelet.
func (n *podmanNode) waiting(ctx context.Context, run *podRun, reason, message string) {
	log.Printf("podman-node %s: pod %s/%s: %s: %s", n.name, run.pod.Namespace, run.pod.Name, reason, message)
	n.report(ctx, run, corev1.PodPending, corev1.ContainerState{
		Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}})
	n.mu.Lock()
	stopping := run.stopping
	n.mu.Unlock()
	close(run.done)
	if stopping {
		n.remove(run.pod)
	}
}

// report writes the pod's phase and its container's state, keeping conditions others set (DisruptionTarget).
func (n *podmanNode) report(ctx context.Context, run *podRun, phase corev1.PodPhase, state corev1.ContainerState) {
	for attempt := 0; attempt < 10; attempt++ {
		pod, err := n.client.CoreV1().Pods(run.pod.Namespace).Get(ctx, run.pod.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) || (err == nil && pod.UID != run.pod.UID) {
			return
		}
		if err != nil {
			time.Sleep(time.Second)
			continue
		}
		now := metav1.Now()
		c := pod.Spec.Containers[0]
		ready := state.Running != nil
		started := state.Running != nil
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: c.Image, State: state,
			Ready: ready, Started: &started, RestartCount: 0}
		if state.Terminated != nil {
			cs.ContainerID = state.Terminated.ContainerID
		}
		pod.Status.Phase = phase
		pod.Status.HostIP = "127.0.0.1"
		pod.Status.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
		pod.Status.PodIP = "127.0.0.1"
		pod.Status.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
		if pod.Status.StartTime == nil {
			pod.Status.StartTime = &now
		}
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{cs}
		readyStatus := corev1.ConditionFalse
		if ready {
			readyStatus = corev1.ConditionTrue
		}
		setCondition(pod, corev1.PodInitialized, corev1.ConditionTrue, "")
		setCondition(pod, corev1.ContainersReady, readyStatus, "")
		setCondition(pod, corev1.PodReady, readyStatus, "")
		if phase == corev1.PodSucceeded || phase == corev1.PodFailed {
			setCondition(pod, corev1.ContainersReady, corev1.ConditionFalse, "PodCompleted")
			setCondition(pod, corev1.PodReady, corev1.ConditionFalse, "PodCompleted")
		}
		_, err = n.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		if err == nil || apierrors.IsNotFound(err) {
			return
		}
		if !apierrors.IsConflict(err) {
			log.Printf("podman-node %s: status of pod %s/%s: %v", n.name, pod.Namespace, pod.Name, err)
			time.Sleep(time.Second)
		}
	}
}

func setCondition(pod *corev1.Pod, t corev1.PodConditionType, s corev1.ConditionStatus, reason string) {
	now := metav1.Now()
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type == t {
			if c.Status != s {
				c.LastTransitionTime = now
			}
			c.Status, c.Reason = s, reason
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason,
		LastTransitionTime: now})
}

func lastLine(file string) string {
	t := strings.TrimSpace(tail(file, 1))
	if t == "" {
		return "podman could not create the container"
	}
	return t
}

// tail is the last lines of a file (at most 16 KiB).
func tail(file string, lines int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	if len(data) > 16*1024 {
		data = data[len(data)-16*1024:]
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// serveLogs answers the API server's /containerLogs/{ns}/{pod}/{container} requests over TLS with a
// self-signed certificate (the API server of the development cluster does not verify kubelets).
func (n *podmanNode) serveLogs() (net.Listener, error) {
	cert, err := selfSigned(n.name)
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, err
	}
	n.port = ln.Addr().(*net.TCPAddr).Port
	mux := http.NewServeMux()
	mux.HandleFunc("/containerLogs/", n.containerLogs)
	go func() { _ = http.Serve(ln, mux) }()
	return ln, nil
}

func (n *podmanNode) containerLogs(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if len(parts) != 3 {
		http.Error(w, "expected /containerLogs/{namespace}/{pod}/{container}", http.StatusBadRequest)
		return
	}
	var file string
	n.mu.Lock()
	for _, run := range n.running {
		if run.pod.Namespace == parts[0] && run.pod.Name == parts[1] {
			file = run.logFile
		}
	}
	n.mu.Unlock()
	if file == "" {
		http.Error(w, fmt.Sprintf("pod %s/%s has no logs on node %s", parts[0], parts[1], n.name),
			http.StatusNotFound)
		return
	}
	data, err := os.ReadFile(file)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if s := r.URL.Query().Get("tailLines"); s != "" {
		if k, err := strconv.Atoi(s); err == nil && k >= 0 {
			lines := bytes.SplitAfter(data, []byte("\n"))
			if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
				lines = lines[:len(lines)-1]
			}
			if len(lines) > k {
				lines = lines[len(lines)-k:]
			}
			data = bytes.Join(lines, nil)
		}
	}
	if s := r.URL.Query().Get("limitBytes"); s != "" {
		if k, err := strconv.Atoi(s); err == nil && k >= 0 && len(data) > k {
			data = data[:k]
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.Copy(w, bufio.NewReader(bytes.NewReader(data)))
}

func selfSigned(host string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * 365 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{host, "localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, &tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	keyDer, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDer}))
}
