#!/bin/sh
# The main job on the embedded default: a small set of realistic agent
# failures recorded through the CLI into a fresh directory, then the summary.
# Usage: scripts/demo.sh BUILD_DIR
set -eu

BUILD=${1:?usage: demo.sh BUILD_DIR}
T="$BUILD/telemetry"
DIR=$(mktemp -d /tmp/telemetry-demo-XXXXXX)
export TELEMETRY_DIR="$DIR"

r() { "$T" record "$@" >/dev/null; }

for repo in billing-api docs-site web-frontend; do
    r --repo "$repo" --agent IntelligentIssueAgent --type AttributeError \
      --message "'IssueAgent' object has no attribute 'plan_steps'"
done
for f in citations.bib data/train.csv README.rst config/settings.yaml; do
    r --repo docs-site --agent DocsAgent --type FileNotFoundError \
      --message "[Errno 2] No such file or directory: '/home/alice/work/docs-site/$f'" \
      --context operation=open --context retry_count=0
done
r --repo billing-api --agent CommitAgent --type GitError \
  --message "fatal: Unable to create '/home/alice/work/billing-api/.git/index.lock': File exists."
for i in 1 2 3; do
    r --repo web-frontend --agent BuildAgent --type PermissionError \
      --message "[Errno 13] Permission denied: '/var/cache/app/build-$i.log'"
done
r --repo billing-api --agent DeployAgent --type RuntimeError \
  --message "deploy failed: Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig for ops@example.com at 10.2.3.4"

echo "Recorded into $DIR (every value sanitized before it was written):"
head -n 1 "$DIR/all_errors.jsonl"
echo
"$T" summary
