#!/usr/bin/python3
"""Every alert of deploy/prometheus/alerts.yml tells the one it pages what
it means and where to read what to do: a summary, a description, and a
runbook_url naming an anchor that exists in docs/operations.md. And the
compose stack's Alertmanager config routes as the local one."""
import os
import re
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
with open(os.path.join(ROOT, "deploy", "prometheus", "alerts.yml")) as f:
    rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r]
with open(os.path.join(ROOT, "docs", "operations.md")) as f:
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', f.read()))
problems = []
for rule in rules:
    annotations = rule.get("annotations", {})
    for key in ("summary", "description", "runbook_url"):
        if not annotations.get(key):
            problems.append(f'{rule["alert"]}: no {key}')
    url = annotations.get("runbook_url", "")
    if not url.startswith("docs/operations.md#") or url.split("#", 1)[1] not in anchors:
        problems.append(f'{rule["alert"]}: runbook_url {url!r} is not an anchor of docs/operations.md')
# The compose stack's Alertmanager routes as the local one does: the two
# files differ only in the webhook's address and their header comments.
def routing(name):
    with open(os.path.join(ROOT, "deploy", "alertmanager", name)) as f:
        config = yaml.safe_load(f)
    for receiver in config.get("receivers", []):
        for hook in receiver.get("webhook_configs", []):
            hook.pop("url", None)
    return config
if routing("alertmanager.yml") != routing("containers.yml"):
    problems.append("deploy/alertmanager: containers.yml routes differently from alertmanager.yml")
for p in problems:
    print("FAIL", p)
print(f"{len(rules)} alerts:", "FAILED" if problems else "each has a summary, a description and a runbook")
sys.exit(1 if problems else 0)
