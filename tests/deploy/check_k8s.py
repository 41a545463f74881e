#!/usr/bin/python3
"""Checks the Kubernetes manifests of deploy/k8s, as rendered for each
overlay: every workload hardened and probed with requests and limits, a
disruption budget and an autoscaler per service, the weekly CronJob, Redis as
a StatefulSet with a volume in dev and external in prod (reached over TLS
through a sidecar in every pod that uses it), and network policies
that let only the gateway reach the services and only the services reach
Redis; rollouts that drop no call (drain delays, the gateway's preStop),
replicas spread over nodes, and in prod the gateway on TLS from a Secret,
keeping the client's address, with per-pod backends. Renders with `kubectl kustomize` when a kubectl is installed;
otherwise reads the overlay's files and applies the strategic-merge patches
given by file (not the inline JSON patches, such as prod's replica counts)
and says so. Exit status 0 when every check holds."""

import os
import shutil
import subprocess
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "k8s")
problems = []


def problem(overlay, text):
    problems.append(f"{overlay}: {text}")


def merge(base, patch):
    """A strategic merge as these patches need it: maps merged, lists of
    named items merged by name, other lists appended."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            for item in value:
                same = [b for b in base[key] if isinstance(item, dict) and
                        isinstance(b, dict) and "name" in item and b.get("name") == item["name"]]
                if same:
                    merge(same[0], item)
                else:
                    base[key].append(item)
        else:
            base[key] = value


def targeted(doc, target):
    if target.get("kind") not in (None, doc["kind"]):
        return False
    if target.get("name") not in (None, doc["metadata"]["name"]):
        return False
    selector = target.get("labelSelector")
    if selector:  # "key=value" only
        key, value = selector.split("=", 1)
        if doc["metadata"].get("labels", {}).get(key) != value:
            return False
    return True


def load_files(directory):
    """Resources of a kustomization without a renderer: its files,
    recursively, with the strategic-merge patches given by file (inline
    JSON patches are not applied)."""
    with open(os.path.join(directory, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    docs = []
    for entry in kustomization.get("resources", []) + kustomization.get("components", []):
        path = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(path):
            docs += load_files(path)
        else:
            with open(path) as f:
                docs += [d for d in yaml.safe_load_all(f) if d]
    for generator in kustomization.get("configMapGenerator", []):
        data = dict(l.split("=", 1) for l in generator.get("literals", []))
        docs.append({"kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data})
    return docs


def apply_file_patches(directory, docs):
    """The strategic-merge patches by file of a kustomization and of the
    components it uses, on the rendered documents."""
    with open(os.path.join(directory, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    for entry in kustomization.get("resources", []) + kustomization.get("components", []):
        path = os.path.normpath(os.path.join(directory, entry))
        if os.path.isdir(path):
            apply_file_patches(path, docs)
    for patch in kustomization.get("patches", []):
        if "path" not in patch:
            continue
        with open(os.path.join(directory, patch["path"])) as f:
            content = yaml.safe_load(f)
        for doc in docs:
            if targeted(doc, patch.get("target", {})):
                merge(doc, {k: v for k, v in content.items() if k not in ("metadata", "apiVersion", "kind")})


def render(overlay):
    directory = os.path.join(ROOT, "overlays", overlay)
    kubectl = shutil.which("kubectl")
    if kubectl:
        out = subprocess.run([kubectl, "kustomize", directory], check=True,
                             capture_output=True, text=True).stdout
        return [d for d in yaml.safe_load_all(out) if d], "kubectl kustomize"
    docs = load_files(directory)
    apply_file_patches(directory, docs)
    return docs, "files as written (no kubectl: patches by file applied, inline ones not)"


def pod_spec(doc):
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]
    return doc["spec"]["template"]


def labels_match(selector, labels):
    return all(labels.get(k) == v for k, v in (selector or {}).items())


def check_workload(overlay, doc):
    name = f'{doc["kind"]}/{doc["metadata"]["name"]}'
    template = pod_spec(doc)
    spec = template["spec"]
    pod_security = spec.get("securityContext", {})
    if pod_security.get("runAsNonRoot") is not True:
        problem(overlay, f"{name}: pod securityContext.runAsNonRoot is not true")
    if not isinstance(pod_security.get("runAsUser"), int) or pod_security["runAsUser"] == 0:
        problem(overlay, f"{name}: no non-zero numeric runAsUser")
    for container in spec["containers"] + spec.get("initContainers", []):
        where = f'{name} container {container["name"]}'
        security = container.get("securityContext", {})
        if security.get("readOnlyRootFilesystem") is not True:
            problem(overlay, f"{where}: root filesystem not read-only")
        if security.get("allowPrivilegeEscalation") is not False:
            problem(overlay, f"{where}: allowPrivilegeEscalation not false")
        if "ALL" not in security.get("capabilities", {}).get("drop", []):
            problem(overlay, f"{where}: capabilities not dropped")
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in resources.get(kind, {}):
                    problem(overlay, f"{where}: no {resource} {kind}")
        if doc["kind"] != "CronJob" and container in spec["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in container:
                    problem(overlay, f"{where}: no {probe}")
        if template["metadata"]["labels"].get("app.kubernetes.io/component") == "service" and \
                container is spec["containers"][0]:
            if "grpc" not in container.get("readinessProbe", {}):
                problem(overlay, f"{where}: readiness is not a gRPC health probe")


def policy_sources(policies, labels, port):
    """Label sets of pods the policies let reach a pod with `labels` on `port`
    (None: anyone)."""
    sources = []
    for policy in policies:
        if not labels_match(policy["spec"]["podSelector"].get("matchLabels"), labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = [p["port"] for p in rule.get("ports", [])]
            if ports and port not in ports:
                continue
            if "from" not in rule:
                sources.append(None)
            for peer in rule.get("from", []):
                sources.append(peer.get("podSelector", {}).get("matchLabels", {}))
    return sources


def check_redis_tls(overlay, workloads, config):
    """Issue 21: TLS to an external Redis. Every pod that reads the Redis
    settings reaches Redis through the same redis-tls sidecar (a native one,
    so the weekly Job's pods still complete), which verifies the server
    against the mounted CA; the services point at the pod's loopback."""
    if not config.get("GRACILIS_REDIS", "").startswith("127.0.0.1:"):
        problem(overlay, f"services point at {config.get('GRACILIS_REDIS')!r}, not the TLS sidecar")
    upstream = config.get("GRACILIS_REDIS_TLS_CONNECT", "")
    if not upstream or upstream.startswith(("127.", "localhost")):
        problem(overlay, f"the TLS sidecar connects to {upstream!r}")
    sidecars = []
    for doc in workloads:
        spec = pod_spec(doc)["spec"]
        uses_redis = any(source.get("configMapRef", {}).get("name") == "gracilis-redis"
                         for c in spec["containers"] for source in c.get("envFrom", []))
        if not uses_redis:
            continue
        name = f'{doc["kind"]}/{doc["metadata"]["name"]}'
        tls = [c for c in spec.get("initContainers", []) if c["name"] == "redis-tls"]
        if not tls:
            problem(overlay, f"{name} reaches Redis without the redis-tls sidecar")
            continue
        sidecar = tls[0]
        sidecars.append(sidecar)
        if sidecar.get("restartPolicy") != "Always":
            problem(overlay, f"{name}: redis-tls is not a native sidecar (restartPolicy Always)")
        if "redis-tls" not in sidecar.get("image", ""):
            problem(overlay, f"{name}: redis-tls runs {sidecar.get('image')!r}")
        mounts = {m["name"]: m["mountPath"] for m in sidecar.get("volumeMounts", [])}
        ca = [v for v in spec.get("volumes", []) if v["name"] in mounts and
              v.get("configMap", {}).get("name") == "gracilis-redis-ca"]
        if not ca or mounts[ca[0]["name"]] != "/etc/gracilis/redis-tls":
            problem(overlay, f"{name}: redis-tls has no CA (ConfigMap gracilis-redis-ca) mounted")
    if any(s != sidecars[0] for s in sidecars):
        problem(overlay, "the redis-tls sidecars differ between pods")


def duration_seconds(text):
    """ "6s", "500ms", "1m" as seconds (0 for anything else)."""
    for unit, factor in (("ms", 0.001), ("s", 1), ("m", 60)):
        if text.endswith(unit) and text[:-len(unit)].replace(".", "", 1).isdigit():
            return float(text[:-len(unit)]) * factor
    return 0


def check_rollouts(overlay, by_kind):
    """Issue 22, item 9: rolling updates drop no call, and replicas spread.
    Each service drains (NOT_SERVING, then GRACILIS_DRAIN_DELAY still
    serving) within its grace period; the gateway leaves the load balancer
    before it stops (preStop) and keeps the client's address
    (externalTrafficPolicy Local); every Deployment spreads over nodes."""
    for doc in by_kind.get("Deployment", []):
        name = doc["metadata"]["name"]
        spec = doc["spec"]["template"]["spec"]
        keys = {c.get("topologyKey") for c in spec.get("topologySpreadConstraints", [])}
        if doc["spec"].get("replicas", 1) > 1 and "kubernetes.io/hostname" not in keys:
            problem(overlay, f"Deployment/{name}: no topology spread over nodes")
        labels = doc["spec"]["template"]["metadata"]["labels"]
        container = spec["containers"][0]
        grace = spec.get("terminationGracePeriodSeconds", 30)
        if labels.get("app.kubernetes.io/component") == "service":
            env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
            drain = duration_seconds(env.get("GRACILIS_DRAIN_DELAY", ""))
            if drain < 4:
                problem(overlay, f"Deployment/{name}: GRACILIS_DRAIN_DELAY under two gateway health checks (4s)")
            if drain + 10 > grace:
                problem(overlay, f"Deployment/{name}: drain delay plus shutdown grace over terminationGracePeriodSeconds")
        if name == "gateway":
            if not (container.get("lifecycle") or {}).get("preStop"):
                problem(overlay, "the gateway has no preStop (it would stop while still in the load balancer)")
    for service in by_kind.get("Service", []):
        if service["metadata"]["name"] == "gateway" and \
                service["spec"].get("externalTrafficPolicy") != "Local":
            problem(overlay, "the gateway Service loses the client address (externalTrafficPolicy is not Local)")


def check_production_gateway(overlay, by_kind):
    """Issue 22, item 9: TLS on the public port from a Secret (refusing to
    start without it), and every backend discovered per pod through a
    headless Service that selects that service's pods."""
    config = next((c["data"] for c in by_kind.get("ConfigMap", [])
                   if c["metadata"]["name"] == "gateway-config"), {})
    if config.get("GRACILIS_GATEWAY_REQUIRE_TLS") != "1":
        problem(overlay, "the gateway does not require TLS")
    cert = config.get("GRACILIS_GATEWAY_TLS_CERT", "")
    gateway = next((d for d in by_kind.get("Deployment", []) if d["metadata"]["name"] == "gateway"), None)
    if gateway:
        spec = gateway["spec"]["template"]["spec"]
        mounts = {m["name"]: m["mountPath"] for m in spec["containers"][0].get("volumeMounts", [])}
        secrets = [v for v in spec.get("volumes", []) if v["name"] in mounts and
                   v.get("secret", {}).get("secretName") == "gracilis-gateway-tls" and
                   not v["secret"].get("optional")]
        if not cert or not secrets or not cert.startswith(mounts[secrets[0]["name"]] + "/"):
            problem(overlay, "the gateway's certificate is not from the Secret gracilis-gateway-tls")
    if config.get("GRACILIS_GATEWAY_DISCOVER") != "1":
        problem(overlay, "the gateway does not discover backends per pod")
    headless = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])
                if s["spec"].get("clusterIP") == "None"}
    for name in ("account", "plan", "workout", "progress"):
        address = config.get(f"GRACILIS_{name.upper()}_ADDR", "")
        host = address.split(":")[0]
        service = headless.get(host.split(".")[0])
        if not service or not host.endswith(".svc.cluster.local") or \
                service["spec"].get("selector", {}).get("app.kubernetes.io/name") != name:
            problem(overlay, f"the gateway reaches {name} at {address!r}, not a headless Service of its pods")


def check(overlay):
    docs, how = render(overlay)
    print(f"{overlay}: {len(docs)} objects ({how})")
    by_kind = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)
    workloads = by_kind.get("Deployment", []) + by_kind.get("StatefulSet", []) + by_kind.get("CronJob", [])
    for doc in workloads:
        check_workload(overlay, doc)

    services = [d for d in by_kind.get("Deployment", [])
                if d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "service"]
    names = sorted(d["metadata"]["name"] for d in services)
    if names != ["account", "plan", "progress", "workout"]:
        problem(overlay, f"service Deployments are {names}")
    for doc in by_kind.get("Deployment", []) + by_kind.get("StatefulSet", []):
        labels = doc["spec"]["template"]["metadata"]["labels"]
        if not any(labels_match(p["spec"]["selector"]["matchLabels"], labels)
                   for p in by_kind.get("PodDisruptionBudget", [])):
            problem(overlay, f'{doc["kind"]}/{doc["metadata"]["name"]}: no PodDisruptionBudget')
        if not any(labels_match(s["spec"].get("selector"), labels) for s in by_kind.get("Service", [])):
            problem(overlay, f'{doc["kind"]}/{doc["metadata"]["name"]}: no Service')
    for doc in services + [d for d in by_kind.get("Deployment", []) if d["metadata"]["name"] == "gateway"]:
        if not any(h["spec"]["scaleTargetRef"]["name"] == doc["metadata"]["name"]
                   for h in by_kind.get("HorizontalPodAutoscaler", [])):
            problem(overlay, f'Deployment/{doc["metadata"]["name"]}: no HorizontalPodAutoscaler')
    if not any(d["metadata"]["name"] == "gateway" for d in by_kind.get("Deployment", [])):
        problem(overlay, "no gateway Deployment")
    if not any(c["metadata"]["name"] == "gateway-config" for c in by_kind.get("ConfigMap", [])):
        problem(overlay, "no gateway ConfigMap")
    # Issue 23: mail goes out only if a mailer runs.
    if not any(d["metadata"]["name"] == "mailer" for d in by_kind.get("Deployment", [])):
        problem(overlay, "no mailer Deployment")
    if not any(c["metadata"]["name"] == "gracilis-mail" for c in by_kind.get("ConfigMap", [])):
        problem(overlay, "no gracilis-mail ConfigMap (the SMTP relay)")
    if [c["metadata"]["name"] for c in by_kind.get("CronJob", [])] != ["weekly"]:
        problem(overlay, "no weekly CronJob")
    for cron in by_kind.get("CronJob", []):
        # Issue 19: one pod per shard, each taking its index.
        job = cron["spec"]["jobTemplate"]["spec"]
        if job.get("completionMode") != "Indexed":
            problem(overlay, "weekly: the job is not an Indexed Job")
        completions = job.get("completions", 1)
        if job.get("parallelism", 1) != completions:
            problem(overlay, "weekly: parallelism differs from completions")
        args = job["template"]["spec"]["containers"][0].get("args", [])
        if f"--shards={completions}" not in args:
            problem(overlay, f"weekly: --shards is not {completions} (its completions)")

    check_rollouts(overlay, by_kind)
    if overlay == "prod":
        check_production_gateway(overlay, by_kind)

    redis_config = [c for c in by_kind.get("ConfigMap", []) if c["metadata"]["name"].startswith("gracilis-redis")]
    address = redis_config[0]["data"]["GRACILIS_REDIS"] if redis_config else ""
    statefulsets = by_kind.get("StatefulSet", [])
    if overlay == "dev":
        if [s["metadata"]["name"] for s in statefulsets] != ["redis"] or \
                not statefulsets[0]["spec"].get("volumeClaimTemplates"):
            problem(overlay, "Redis is not a StatefulSet with a persistent volume")
        if address != "redis:6379":
            problem(overlay, f"services point at {address!r}, not the StatefulSet")
    else:
        if statefulsets:
            problem(overlay, "prod runs a StatefulSet; Redis should be external")
        if not address or address.startswith("redis:"):
            problem(overlay, f"services point at {address!r}, not an external Redis")
        if not redis_config or redis_config[0]["data"].get("GRACILIS_REDIS_REQUIRE_PASSWORD") != "1":
            problem(overlay, "an external Redis without a required password")
        check_redis_tls(overlay, workloads, redis_config[0]["data"] if redis_config else {})

    # Network policies: default deny, the gateway open, the services only
    # from the gateway (and the named exceptions), Redis only from them.
    policies = by_kind.get("NetworkPolicy", [])
    if not any(p["spec"]["podSelector"] == {} and "ingress" not in p["spec"] for p in policies):
        problem(overlay, "no default-deny ingress policy")
    if None not in policy_sources(policies, {"app.kubernetes.io/name": "gateway"}, 8080):
        problem(overlay, "the gateway is not reachable from outside")
    allowed_extra = {"account": {"plan"}, "plan": {"weekly"}}
    for doc in services:
        name = doc["metadata"]["name"]
        labels = doc["spec"]["template"]["metadata"]["labels"]
        port = doc["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
        sources = policy_sources(policies, labels, port)
        allowed = {"gateway"} | allowed_extra.get(name, set())
        if None in sources or {s.get("app.kubernetes.io/name") for s in sources} - allowed:
            problem(overlay, f"{name}:{port} is reachable from {sources}")
        if not any(s.get("app.kubernetes.io/name") == "gateway" for s in sources if s is not None):
            problem(overlay, f"the gateway cannot reach {name}")
    if overlay == "dev":
        sources = policy_sources(policies, {"app.kubernetes.io/name": "redis"}, 6379)
        if None in sources or any(s.get("app.kubernetes.io/component") != "service" and
                                  s.get("app.kubernetes.io/name") not in ("weekly", "mailer")
                                  for s in sources):
            problem(overlay, f"Redis is reachable from {sources}")


for overlay in ("dev", "prod"):
    check(overlay)
for p in problems:
    print("FAIL", p)
print("k8s manifests:", "FAILED" if problems else "all checks passed")
sys.exit(1 if problems else 0)
