#!/usr/bin/env bash
# End-to-end checks of the real shopd binary: exit codes, configuration errors, serving,
# graceful stop on SIGTERM and restart on the same data directory.
#   tests/e2e/shopd_cli.sh SCENARIO PATH/TO/shopd
set -euo pipefail
scenario=$1
shopd=$(realpath "$2")
script=$(realpath "$0")
work=$(mktemp -d)
pid=
helpers=()  # pids of the scenario's other processes
cleanup() {
  [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  for helper in "${helpers[@]}"; do kill "$helper" 2>/dev/null || true; done
  [[ -n "$pid" ]] && wait "$pid" 2>/dev/null || true
  mountpoint -q "$work/disk" && umount "$work/disk"
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; [[ -f stderr ]] && sed 's/^/  shopd: /' stderr >&2; exit 1; }

# Runs shopd expecting it to exit; sets $status and leaves stderr in ./stderr.
run_expecting_exit() {
  set +e
  timeout 20 "$shopd" "$@" >stdout 2>stderr
  status=$?
  set -e
}

# Starts shopd in the background and sets $pid, $port and $ready_line once it is ready: shopd
# prints that one line on stdout then, and the read waits for it (or for shopd's end).
start() {
  rm -f stdout.fifo && mkfifo stdout.fifo
  "$shopd" --listen "${listen:-127.0.0.1:0}" --data-dir "${data_dir:-$work/data}" "$@" >stdout.fifo 2>stderr &
  pid=$!
  exec 3<stdout.fifo
  read -r ready_line <&3 || fail "shopd exited during start-up"
  port=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["port"])' "$ready_line")
}

# Signals shopd and waits for its exit; sets $status, and $after_ready to what it printed on
# stdout after the ready line.
stop_with() {
  kill "-$1" "$pid"
  after_ready=$(cat <&3)
  exec 3<&-
  set +e
  wait "$pid"
  status=$?
  set -e
  pid=
}

# Places an order of one mug and prints its id. The order module learns of a product from the
# inventory's message a moment after the product's 201, and refuses the SKU until then.
order_a_mug() {
  local answer
  while answer=$(curl -s -X POST -H 'Content-Type: application/json' \
      -d '{"customer_id":"c-1","items":[{"sku":"MUG","quantity":1}],"payment_token":"tok_ok",
           "shipping_address":{"name":"Ada","line1":"1 Main St","city":"Leeds",
           "postal_code":"LS1 1AA","country":"GB"}}' "http://127.0.0.1:$port/api/orders") &&
      [[ "$answer" == *"no product 'MUG'"* ]]; do
    kill -0 "$pid" || fail "shopd died"; sleep 0.05
  done
  python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$answer" ||
    fail "the order was not accepted: $answer"
}

# The HTTP status of a GET, with the key (if any) as bearer.
status_of() {
  local target=$1 key=${2:-}
  curl -s -o /dev/null -w '%{http_code}' ${key:+-H "Authorization: Bearer $key"} \
    "http://127.0.0.1:$port$target"
}

# Runs the rest of the scenario in a network namespace of its own, where only this script
# reaches shopd however it listens; exit 77 (skipped) where namespaces are not allowed.
in_own_network() {
  if [[ -z "${SHOPD_E2E_NETNS:-}" ]]; then
    unshare -rn true 2>/dev/null || { echo "SKIP: no network namespaces here"; exit 77; }
    cd / && rm -rf "$work"
    exec env SHOPD_E2E_NETNS=1 unshare -rn bash -c 'ip link set lo up && exec "$@"' bash \
      "$script" "$scenario" "$shopd"
  fi
}

case "$scenario" in
  off_loopback_first_start_makes_an_admin_key_and_requires_it)
    in_own_network
    listen=0.0.0.0:0 start
    key=$(grep -E '^shopd_[0-9a-f]{12}_[0-9a-f]{64}$' stderr) || fail "no admin key on stderr"
    [[ $(grep -c 'shopd_' stderr) -eq 1 ]] || fail "the key appears more than once on stderr"
    [[ $(status_of /healthz) == 200 ]] || fail "healthz needs credentials"
    [[ $(status_of /api/products) == 200 ]] || fail "the catalog is not public"
    [[ $(status_of /api/admin/outbox) == 401 ]] || fail "the outbox answers anyone"
    [[ $(status_of /api/admin/outbox "$key") == 200 ]] || fail "the admin key does not work"
    wrong=${key%?}$([[ ${key: -1} == 0 ]] && echo 1 || echo 0)  # its last digit changed
    [[ $(status_of /api/admin/outbox "$wrong") == 401 ]] || fail "a wrong key works"
    stop_with TERM
    listen=0.0.0.0:0 start
    ! grep -q 'shopd_' stderr || fail "a second start made another key"
    [[ $(status_of /api/admin/outbox "$key") == 200 ]] || fail "the key did not survive a restart"
    stop_with TERM
    data_dir=$work/demo listen=0.0.0.0:0 start --set auth.open=true
    ! grep -q 'shopd_' stderr || fail "auth.open made a key"
    grep -q 'auth.open: every route answers anyone' stderr || fail "no warning for auth.open"
    [[ $(status_of /api/admin/outbox) == 200 ]] || fail "auth.open does not serve open"
    stop_with TERM
    ;;
  keys_made_offline_close_the_shop_and_a_revoked_one_stops_working)
    "$shopd" keys create --data-dir "$work/data" --role operator --name ops --expires-in 30d >key.txt
    [[ $(wc -l <key.txt) -eq 1 ]] || fail "keys create printed more than the key"
    key=$(cat key.txt)
    start
    [[ $(status_of /api/admin/outbox) == 401 ]] || fail "a shop with keys serves open on loopback"
    [[ $(status_of /api/admin/outbox "$key") == 200 ]] || fail "the key made offline does not work"
    [[ $(status_of /api/admin/keys "$key") == 403 ]] || fail "an operator lists keys"
    run_expecting_exit keys list --data-dir "$work/data"
    [[ $status -eq 3 ]] || fail "keys list on a running shop exited $status, expected 3"
    grep -q "/api/admin/keys" stderr || fail "the refusal does not point to the API"
    stop_with TERM
    "$shopd" keys list --data-dir "$work/data" >listed.txt
    grep -q '"name":"ops","role":"operator"' listed.txt || fail "the key is not listed"
    ! grep -q "$key" listed.txt || fail "keys list shows the secret"
    "$shopd" keys revoke --data-dir "$work/data" --name ops 2>/dev/null
    start
    [[ $(status_of /api/admin/outbox "$key") == 401 ]] || fail "a revoked key works"
    stop_with TERM
    ;;
  tls_serves_https_only_and_sighup_swaps_the_certificate)
    certificate() {  # NAME: a self-signed certificate for 127.0.0.1 in NAME.pem, NAME.key
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1" -keyout "$1.key" -out "$1.pem" 2>/dev/null
    }
    certificate first && certificate second
    cp first.pem cert.pem && cp first.key key.pem
    start --memory --set server.tls_cert=cert.pem --set server.tls_key=key.pem
    [[ "$ready_line" == *'"url":"https://127.0.0.1:'* ]] || fail "the ready line is not https"
    https() { curl -s -o /dev/null -w '%{http_code}' --cacert "$1" "https://127.0.0.1:$port/healthz"; }
    [[ $(https first.pem) == 200 ]] || fail "https with the first certificate failed"
    ! curl -s -m 5 "http://127.0.0.1:$port/healthz" >/dev/null || fail "plain HTTP was answered"
    ! curl -s -m 5 --tls-max 1.1 --cacert first.pem "https://127.0.0.1:$port/healthz" >/dev/null \
      || fail "TLS 1.1 was accepted"
    # A connection opened before the swap keeps working after it.
    cat >keep.py <<'KEEP'
import socket, ssl, sys
context = ssl.create_default_context(cafile=sys.argv[2])
connection = context.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))),
                                 server_hostname="127.0.0.1")
ask = b"GET /healthz HTTP/1.1\r\nHost: shopd\r\n\r\n"
connection.sendall(ask)
print(connection.recv(4096).split(b"\r\n")[0].decode(), flush=True)
sys.stdin.readline()  # until the certificate was swapped
connection.sendall(ask)
print(connection.recv(4096).split(b"\r\n")[0].decode(), flush=True)
KEEP
    exec 4> >(python3 keep.py "$port" first.pem >kept.txt 2>&1)
    until grep -q "HTTP/1.1 200" kept.txt 2>/dev/null; do sleep 0.05; done
    cp second.pem cert.pem && cp second.key key.pem
    kill -HUP "$pid"
    until grep -q "SIGHUP: re-read the TLS certificate" stderr; do sleep 0.05; done
    [[ $(https second.pem) == 200 ]] || fail "new connections do not get the new certificate"
    [[ $(https first.pem) != 200 ]] || fail "the old certificate is still served"
    echo >&4 && exec 4>&-
    until [[ $(grep -c "HTTP/1.1 200" kept.txt) -eq 2 ]]; do
      kill -0 "$pid" || fail "shopd died"; grep -q Error kept.txt && fail "$(cat kept.txt)"; sleep 0.05
    done
    stop_with TERM
    ;;
  tls_client_certificate_of_the_client_ca_is_an_operator)
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1" -keyout server.key -out server.pem 2>/dev/null
    for ca in shop stranger; do
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$ca CA" \
        -keyout "$ca-ca.key" -out "$ca-ca.pem" 2>/dev/null
      openssl req -newkey rsa:2048 -nodes -subj "/CN=$ca-laptop" -keyout "$ca.key" \
        -out "$ca.csr" 2>/dev/null
      openssl x509 -req -in "$ca.csr" -CA "$ca-ca.pem" -CAkey "$ca-ca.key" -CAcreateserial \
        -days 2 -out "$ca.pem" 2>/dev/null
    done
    "$shopd" keys create --data-dir "$work/data" --role admin --name admin >/dev/null
    start --set server.tls_cert=server.pem --set server.tls_key=server.key \
      --set server.tls_client_ca=shop-ca.pem
    as() {  # CERTIFICATE TARGET: the status, with that client certificate (or none)
      curl -s -o /dev/null -w '%{http_code}' --cacert server.pem \
        ${1:+--cert "$1.pem" --key "$1.key"} "https://127.0.0.1:$port$2"
    }
    [[ $(as "" /api/admin/outbox) == 401 ]] || fail "no certificate, no key, yet served"
    [[ $(as shop /api/admin/outbox) == 200 ]] || fail "the shop CA's certificate is not an operator"
    [[ $(as shop /api/admin/keys) == 403 ]] || fail "a certificate holder is more than an operator"
    [[ $(as stranger /api/admin/outbox) == 401 ]] || fail "another CA's certificate was taken"
    stop_with TERM
    ;;
  https_webhook_is_signed_and_checked_against_webhook_ca)
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1" -keyout receiver.key -out receiver.pem 2>/dev/null
    exec 5< <(python3 "$(dirname "$script")/webhook_receiver.py" receiver.pem receiver.key new)
    helpers+=($!)
    read -r hook_port <&5
    hook=https://127.0.0.1:$hook_port/hooks
    api() {  # METHOD TARGET [BODY]: the answer's body
      curl -s -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$port$2"
    }
    # Signed under the old and the new secret while receivers move over; this one has the new.
    start --memory --set "notification.webhook_url=$hook" \
      --set notification.webhook_ca=receiver.pem --set notification.webhook_secrets=old,new
    api POST /api/products '{"sku":"MUG","name":"Mug","price_cents":900,"currency":"EUR","stock":5}' >/dev/null
    order_a_mug >/dev/null
    read -r received <&5 || fail "the receiver got nothing"
    [[ "$received" == *'"verified": true'* ]] || fail "the signature did not verify: $received"
    [[ "$received" =~ \"webhook_id\":\ \"[0-9a-f-]{36}\" ]] || fail "no Webhook-Id: $received"
    stop_with TERM
    # Without webhook_ca the receiver's self-signed certificate is refused, and nothing is sent.
    start --memory --set "notification.webhook_url=$hook" --set notification.webhook_secrets=new
    api POST /api/products '{"sku":"MUG","name":"Mug","price_cents":900,"currency":"EUR","stock":5}' >/dev/null
    id=$(order_a_mug)
    until api GET "/api/notifications?order_id=$id" | grep -q 'certificate verify failed'; do
      kill -0 "$pid" || fail "shopd died"; sleep 0.05
    done
    stop_with TERM
    ! read -r -t 0.1 received <&5 || fail "an unverified receiver got $received"
    ;;
  bad_listen_exits_2)
    run_expecting_exit --listen nonsense
    [[ $status -eq 2 ]] || fail "exit $status, expected 2"
    [[ $(wc -l <stderr) -eq 1 ]] || fail "expected one line on stderr"
    grep -q "server.listen (--listen): expected HOST:PORT" stderr || fail "message does not name the setting"
    ;;
  unknown_config_key_exits_2)
    printf '[server]\nthreads = 2\nlisten_port = 80\n' >bad.toml
    run_expecting_exit --config bad.toml
    [[ $status -eq 2 ]] || fail "exit $status, expected 2"
    grep -q "bad.toml:3: server.listen_port: unknown setting" stderr || fail "message does not name the key"
    ;;
  bad_environment_value_exits_2)
    export SHOPD_SERVER_THREADS=many
    run_expecting_exit
    [[ $status -eq 2 ]] || fail "exit $status, expected 2"
    grep -q "SHOPD_SERVER_THREADS" stderr || fail "message does not name the variable"
    ;;
  unusable_data_dir_exits_3)
    echo "a file, not a directory" >occupied
    run_expecting_exit --listen 127.0.0.1:0 --data-dir occupied/data
    [[ $status -eq 3 ]] || fail "exit $status, expected 3"
    grep -q "cannot start: data directory occupied/data" stderr || fail "message does not name the directory"
    ;;
  taken_port_exits_3)
    start
    first=$pid
    first_port=$port
    pid=
    run_expecting_exit --listen "127.0.0.1:$first_port" --data-dir "$work/other"
    pid=$first
    [[ $status -eq 3 ]] || fail "exit $status, expected 3"
    grep -q "cannot listen on 127.0.0.1:$first_port" stderr || fail "message does not name the address"
    ;;
  second_shopd_on_one_data_dir_exits_3)
    start
    first=$pid
    pid=
    run_expecting_exit --listen 127.0.0.1:0 --data-dir "$work/data"
    pid=$first
    [[ $status -eq 3 ]] || fail "exit $status, expected 3"
    grep -q "data directory .*/data is in use by another shopd (pid $first)" stderr ||
      fail "message does not name the directory and the other process"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]] || fail "the first shopd stopped serving"
    ;;
  locked_database_exits_3)
    start
    stop_with TERM
    # Another program holds the order database's write lock while shopd starts.
    python3 -c '
import sqlite3, sys, time
database = sqlite3.connect(sys.argv[1], isolation_level=None)
database.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(10)' "$work/data/order.db" >locker.out &
    locker=$!
    for _ in $(seq 1 100); do grep -q locked locker.out 2>/dev/null && break; sleep 0.05; done
    run_expecting_exit --listen 127.0.0.1:0 --data-dir "$work/data"
    kill "$locker" 2>/dev/null || true
    [[ $status -eq 3 ]] || fail "exit $status, expected 3"
    grep -q "cannot start: .*order.db: .*database is locked" stderr || fail "message does not name the database and the lock"
    ;;
  full_disk_refuses_writes_then_recovers)
    mkdir disk
    mount -t tmpfs -o size=2m tmpfs disk 2>/dev/null || { echo "SKIP: mounting a tmpfs needs root"; exit 77; }
    data_dir=$work/disk/data
    start
    post_product() {
      curl -s -o response -D headers -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"sku\":\"$1\",\"name\":\"$(printf 'n%.0s' {1..180})\",\"price_cents\":1,\"currency\":\"EUR\",\"stock\":1}" \
        "http://127.0.0.1:$port/api/products"
    }
    accepted=()
    status=201
    for n in $(seq 1 3000); do
      status=$(post_product "P-$n")
      [[ $status == 201 ]] || break
      accepted+=("P-$n")
    done
    [[ $status == 503 ]] || fail "a write on a full disk answered $status, expected 503"
    grep -qi '^retry-after:' headers || fail "the 503 has no Retry-After"
    grep -q 'storage-unavailable' response || fail "the 503 is not the storage problem"
    [[ ${#accepted[@]} -gt 0 ]] || fail "the disk was full before the first write"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/products/${accepted[0]}") == 200 ]] || fail "reads stopped on a full disk"
    mount -o remount,size=64m disk
    for _ in $(seq 1 50); do
      status=$(post_product "AFTER")
      [[ $status == 201 ]] && break
      sleep 0.1
    done
    [[ $status == 201 ]] || fail "writes did not come back once the disk had room ($status)"
    stop_with TERM
    [[ $status -eq 0 ]] || fail "SIGTERM exit $status, expected 0"
    start
    for sku in "${accepted[@]}" AFTER; do
      [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/products/$sku") == 200 ]] || fail "accepted product $sku was lost"
    done
    echo "${#accepted[@]} products written before the disk filled"
    stop_with TERM
    ;;
  serves_until_sigterm_and_restarts)
    start --log-format json
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]] || fail "readyz not 200"
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz") == 200 ]] || fail "healthz not 200"
    grep -q '"level":"info","message":"shopd ready' stderr || fail "log lines are not JSON"
    stop_with TERM
    [[ $status -eq 0 ]] || fail "SIGTERM exit $status, expected 0"
    start
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz") == 200 ]] || fail "not ready after restart"
    stop_with INT
    [[ $status -eq 0 ]] || fail "SIGINT exit $status, expected 0"
    ;;
  ready_file_and_stdout_announce_the_real_port)
    start --log-level warn --ready-file ready.json
    [[ "$(cat ready.json)" == "$ready_line" ]] || fail "the ready file and stdout differ"
    python3 - "$ready_line" "$pid" <<'CHECK' || fail "the ready line is wrong: $ready_line"
import json, sys
ready = json.loads(sys.argv[1])
assert set(ready) == {"url", "port", "pid", "version"}, ready
assert ready["port"] > 0 and ready["url"] == f"http://127.0.0.1:{ready['port']}", ready
assert ready["pid"] == int(sys.argv[2]), ready
CHECK
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["url"])' "$ready_line")/readyz") == 200 ]] || fail "the url does not serve"
    stop_with TERM
    [[ $status -eq 0 ]] || fail "SIGTERM exit $status, expected 0"
    [[ -z "$after_ready" ]] || fail "stdout carried more than the ready line: $after_ready"
    [[ ! -e ready.json ]] || fail "the ready file outlived shopd"
    # A stale ready file never announces a shopd that has not started, and IPv6 goes in brackets.
    echo stale >ready.json
    rm -f stdout.fifo && mkfifo stdout.fifo
    "$shopd" --listen '[::1]:0' --data-dir "$work/data" --ready-file ready.json >stdout.fifo 2>stderr &
    pid=$!
    exec 3<stdout.fifo
    if read -r ready_line <&3; then
      [[ "$ready_line" == *'"url":"http://[::1]:'* ]] || fail "IPv6 url not in brackets: $ready_line"
      [[ "$(cat ready.json)" == "$ready_line" ]] || fail "the ready file was not replaced"
      stop_with TERM
    else
      # No IPv6 on this machine: shopd refused to listen, and the stale file is gone anyway.
      stop_with TERM 2>/dev/null || true
      grep -q "cannot listen on \[::1\]:0" stderr || fail "shopd exited: $(cat stderr)"
      [[ ! -e ready.json ]] || fail "a stale ready file was left"
    fi
    run_expecting_exit --listen 127.0.0.1:0 --memory --ready-file "$work/missing/ready.json"
    [[ $status -eq 1 ]] || fail "an unwritable ready file exited $status, expected 1"
    grep -q "cannot write the ready file .*missing/ready.json" stderr || fail "message does not name the file"
    ;;
  metrics_pass_promtool)
    start
    curl -s "http://127.0.0.1:$port/healthz" >/dev/null
    curl -s "http://127.0.0.1:$port/nothing" >/dev/null
    curl -s "http://127.0.0.1:$port/metrics" >metrics.txt
    grep -q 'shopd_http_requests_total{route="/healthz",method="GET",status="200"} 1' metrics.txt || fail "request not counted"
    promtool check metrics <metrics.txt || fail "promtool rejected the metrics"
    stop_with TERM
    ;;
  deploy_rules_and_dashboard_match_the_metrics)
    deploy="$(dirname "$script")/../../deploy"
    start --memory
    curl -s "http://127.0.0.1:$port/metrics" >fresh.txt
    # Every counter of a known label value is there from the start, at 0.
    for series in 'shopd_orders_placed_total 0' \
        'shopd_orders_ended_total{status="cancelled",reason="timeout"} 0' \
        'shopd_orders_ended_total{status="delivered",reason=""} 0' \
        'shopd_payments_total{outcome="declined",reason="insufficient_funds"} 0' \
        'shopd_refunds_total{outcome="refused"} 0' \
        'shopd_webhook_attempts_total{outcome="gave_up"} 0' \
        'shopd_spans_dropped_total{reason="queue_full"} 0'; do
      grep -qF "$series" fresh.txt || fail "a fresh shop does not show $series"
    done
    curl -s -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/products" \
      -d '{"sku":"MUG","name":"Mug","price_cents":900,"currency":"EUR","stock":5}' >/dev/null
    order_a_mug >/dev/null
    until curl -s "http://127.0.0.1:$port/metrics" >metrics.txt &&
        grep -q 'shopd_saga_duration_seconds_count{outcome="confirmed"} 1' metrics.txt; do
      kill -0 "$pid" || fail "shopd died"; sleep 0.05
    done
    grep -q 'shopd_payments_total{outcome="captured",reason=""} 1' metrics.txt || fail "capture not counted"
    promtool check metrics <metrics.txt || fail "promtool rejected the metrics"
    promtool check rules "$deploy/prometheus/shopd-alerts.yml" || fail "promtool rejected the rules"
    # Every series the rules and the dashboard ask for is one shopd exposes.
    python3 - "$deploy" metrics.txt <<'PY' || fail "the rules or the dashboard name a series shopd lacks"
import json, re, sys
deploy, exposed = sys.argv[1], open(sys.argv[2]).read()
names = {line.split()[2] for line in exposed.splitlines() if line.startswith("# TYPE ")}
dashboard = json.load(open(f"{deploy}/grafana/shopd-dashboard.json"))
assert dashboard["uid"] and dashboard["panels"], "an empty dashboard"
wanted = {target["expr"] for panel in dashboard["panels"] for target in panel["targets"]}
wanted.add(open(f"{deploy}/prometheus/shopd-alerts.yml").read())
missing = set()
for text in wanted:
    for name in re.findall(r"\b((?:shopd|process)_[a-z_]+)", text):
        if re.sub(r"_(bucket|sum|count)$", "", name) not in names and name not in names:
            missing.add(name)
if missing:
    sys.exit(f"not exposed: {sorted(missing)}")
PY
    stop_with TERM
    ;;
  access_log_and_request_ids)
    start --memory
    headers=$(curl -s -D - -o body.json -H 'X-Request-Id: checkout-42.a_b' \
      "http://127.0.0.1:$port/api/orders/none?token=hush")
    grep -qi '^x-request-id: checkout-42.a_b' <<<"$headers" || fail "the request id was not returned: $headers"
    grep -q '"instance":"checkout-42.a_b"' body.json || fail "the problem has no instance: $(cat body.json)"
    made=$(curl -s -D - -o /dev/null -H 'X-Request-Id: not allowed!' "http://127.0.0.1:$port/healthz" |
      tr -d '\r' | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
    [[ "$made" =~ ^[0-9a-f-]{36}$ ]] || fail "an unusable X-Request-Id was not replaced: '$made'"
    long=$(printf 'a%.0s' {1..129})
    [[ $(curl -s -D - -o /dev/null -H "X-Request-Id: $long" "http://127.0.0.1:$port/healthz" |
      grep -ci "x-request-id: $long") -eq 0 ]] || fail "a 129-character request id was kept"
    stop_with TERM
    grep -q 'access GET /api/orders/{id} 404 .* client=127.0.0.1 actor="open" request_id=checkout-42.a_b' stderr ||
      fail "no access line for the request"
    grep -q "access GET /healthz 200 .* request_id=$made" stderr || fail "no access line with the made id"
    ! grep -q hush stderr || fail "the query's secret reached the log"
    start --memory --log-format json
    curl -s -o /dev/null -H 'X-Request-Id: j-1' "http://127.0.0.1:$port/healthz"
    stop_with TERM
    python3 -c '
import json, sys
lines = [json.loads(line) for line in open("stderr") if line.startswith("{")]
access = [line for line in lines if line.get("type") == "access"]
assert access and access[0]["route"] == "/healthz" and access[0]["request_id"] == "j-1" and access[0]["status"] == 200, access
' || fail "no JSON access line"
    start --memory --set log.access=false
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz"
    stop_with TERM
    ! grep -q 'access GET' stderr || fail "log.access=false still logs requests"
    ;;
  version_names_the_commit_and_libraries)
    run_expecting_exit --version
    [[ $status -eq 0 ]] || fail "exit $status"
    for line in '^shopd [0-9]+\.[0-9]+\.[0-9]+$' '^commit [0-9a-f]{12}(-dirty)?$|^commit unknown$' \
        '^build ' '^sqlite 3\.' '^boost 1\.' '^librdkafka [0-9]' '^openssl OpenSSL '; do
      grep -Eq "$line" stdout || fail "--version lacks $line: $(cat stdout)"
    done
    ;;
  help_lists_every_setting)
    run_expecting_exit --help
    [[ $status -eq 0 ]] || fail "exit $status"
    for variable in SHOPD_SERVER_LISTEN SHOPD_STORAGE_DURABILITY SHOPD_DELIVERY_MAX_ATTEMPTS; do
      grep -q "$variable" stdout || fail "--help does not list $variable"
    done
    ;;
  *)
    echo "unknown scenario $scenario" >&2
    exit 2
    ;;
esac
echo "PASS: $scenario"
