#!/usr/bin/env bash
# Creates a CA and a serving certificate for the dfw admission webhook, for clusters
# without cert-manager, and renders the ValidatingWebhookConfiguration with that CA.
#
#   make-certs.sh [--out DIR] [--namespace dfw] [--service dfw] [--days 365]
#                 [--ca-days 3650] [--cluster-domain cluster.local] [--extra-san DNS:x,IP:y]
#                 [--webhook-template FILE] [--apply]
#
# Writes into DIR (default ./dfw-certs):
#   ca.crt, ca.key       the CA; reused when present, so rotating the serving certificate
#                        keeps the caBundle the API server already trusts
#   tls.crt, tls.key     a new serving certificate and key on every run, for the Service's
#                        DNS names (dfw, dfw.dfw, dfw.dfw.svc, dfw.dfw.svc.<cluster domain>)
#   ca-bundle.b64        ca.crt in base64, the webhook's clientConfig.caBundle
#   validating-webhook.yaml   the template with ${CA_BUNDLE} and ${NAMESPACE} filled in
# Every file is written to a temporary name and renamed, so a server watching DIR never
# reads half a file (it may briefly see a new certificate with the old key: dfw keeps
# serving the previous pair until both match).
#
# --apply also runs kubectl: creates or updates Secret <namespace>/dfw-tls (type
# kubernetes.io/tls) and applies the rendered ValidatingWebhookConfiguration.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="./dfw-certs"
namespace="dfw"
service="dfw"
days=365
ca_days=3650
cluster_domain="cluster.local"
extra_san=""
template="$here/../validating-webhook.yaml.tmpl"
apply=0

die() { echo "make-certs.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="${2:?--out needs a directory}"; shift 2 ;;
    --namespace) namespace="${2:?--namespace needs a name}"; shift 2 ;;
    --service) service="${2:?--service needs a name}"; shift 2 ;;
    --days) days="${2:?--days needs a number}"; shift 2 ;;
    --ca-days) ca_days="${2:?--ca-days needs a number}"; shift 2 ;;
    --cluster-domain) cluster_domain="${2:?--cluster-domain needs a domain}"; shift 2 ;;
    --extra-san) extra_san="${2:?--extra-san needs DNS:name or IP:address entries}"; shift 2 ;;
    --webhook-template) template="${2:?--webhook-template needs a file}"; shift 2 ;;
    --apply) apply=1; shift ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

command -v openssl >/dev/null || die "openssl is required"
[[ "$days" =~ ^[0-9]+$ && "$ca_days" =~ ^[0-9]+$ ]] || die "--days and --ca-days must be whole numbers"
[[ "$namespace" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "--namespace must be a DNS label"
[[ "$service" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || die "--service must be a DNS label"

mkdir -p "$out"
umask 077
work="$(mktemp -d "$out/.make-certs.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Moves a finished file into place in one rename.
install_file() { mv -f "$1" "$out/$2"; }

if [[ -s "$out/ca.crt" && -s "$out/ca.key" ]]; then
  echo "reusing the CA in $out/ca.crt" >&2
else
  openssl req -x509 -new -nodes -sha256 -days "$ca_days" \
    -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$work/ca.key" -out "$work/ca.crt" \
    -subj "/CN=dfw admission webhook CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  install_file "$work/ca.key" ca.key
  install_file "$work/ca.crt" ca.crt
  echo "created a CA in $out/ca.crt (valid $ca_days days)" >&2
fi

fqdn="$service.$namespace.svc"
sans="DNS:$service,DNS:$service.$namespace,DNS:$fqdn,DNS:$fqdn.$cluster_domain"
[[ -n "$extra_san" ]] && sans="$sans,$extra_san"

cat > "$work/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$sans
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
EXT

openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
  -keyout "$work/tls.key" -out "$work/tls.csr" -subj "/CN=$fqdn" 2>/dev/null
# A random serial: every run's certificate is distinguishable from the last.
openssl x509 -req -sha256 -days "$days" -in "$work/tls.csr" \
  -CA "$out/ca.crt" -CAkey "$out/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
  -extfile "$work/server.ext" -out "$work/tls.crt" 2>/dev/null
openssl verify -CAfile "$out/ca.crt" "$work/tls.crt" >/dev/null || die "the new certificate does not verify against $out/ca.crt"
install_file "$work/tls.key" tls.key
install_file "$work/tls.crt" tls.crt
echo "issued $out/tls.crt for $sans (valid $days days)" >&2

ca_bundle="$(openssl base64 -A < "$out/ca.crt")"
printf '%s\n' "$ca_bundle" > "$work/ca-bundle.b64"
install_file "$work/ca-bundle.b64" ca-bundle.b64

if [[ -f "$template" ]]; then
  sed -e "s|\${CA_BUNDLE}|$ca_bundle|g" -e "s|\${NAMESPACE}|$namespace|g" "$template" > "$work/validating-webhook.yaml"
  install_file "$work/validating-webhook.yaml" validating-webhook.yaml
  echo "rendered $out/validating-webhook.yaml" >&2
fi

if [[ "$apply" -eq 1 ]]; then
  command -v kubectl >/dev/null || die "--apply needs kubectl"
  kubectl -n "$namespace" create secret tls dfw-tls --cert="$out/tls.crt" --key="$out/tls.key" \
    --dry-run=client -o yaml | kubectl apply -f -
  [[ -f "$out/validating-webhook.yaml" ]] && kubectl apply -f "$out/validating-webhook.yaml"
fi
